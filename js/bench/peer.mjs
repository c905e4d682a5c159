// peer.mjs — the exchange between Go instances that split one image's
// forward by token rows (wasm/split.go). Each worker installs one of these
// as globalThis.clipadPeer before calling clipad.splitForward({rank, size}).
//
// Two transports, same Go code:
//   shared   SharedArrayBuffer + Atomics: Go copies its rows into its slot,
//            waits at a barrier (Atomics.wait, synchronous — fine in a
//            worker), and copies the others' rows out. Needs
//            SharedArrayBuffer, i.e. a cross-origin isolated page
//            (COOP: same-origin + COEP: require-corp) in browsers; always
//            there in Node.
//   message  MessagePorts between the workers (no SharedArrayBuffer; works
//            on plain static hosting): exchange() posts this rank's rows
//            and returns a Promise of everyone's; the Go forward runs on
//            its own goroutine and yields to the event loop while waiting.
//
// The page (or the harness) creates the group once:
//   const g = makeGroup(size, slotBytes, {transport})  // in the page
//   worker[i].postMessage({peer: g.forRank(i)}, g.transferFor(i))
// and each worker calls installPeer(msg.peer).

export function sharedAvailable() {
	return typeof SharedArrayBuffer === "function" && typeof Atomics === "object" && globalThis.crossOriginIsolated !== false;
}

// makeGroup prepares the transport for size ranks. transport: "shared",
// "message" or "auto" (shared when available). slotBytes bounds one
// rank's rows in one exchange (the qkv rows: ceil(T/size)·3W·4 bytes).
export function makeGroup(size, slotBytes, { transport = "auto" } = {}) {
	const shared = transport === "shared" || (transport === "auto" && sharedAvailable());
	if (shared && !sharedAvailable()) throw new Error("SharedArrayBuffer is not available (the page must be cross-origin isolated)");
	if (shared) {
		// 2 slots (double-buffered: one barrier per exchange) × size ranks
		const sab = new SharedArrayBuffer(2 * size * slotBytes);
		const ctl = new SharedArrayBuffer(8); // [arrived, generation]
		return { shared, forRank: (rank) => ({ transport: "shared", rank, size, slotBytes, sab, ctl }), transferFor: () => [] };
	}
	// one MessageChannel per pair of ranks
	const ports = Array.from({ length: size }, () => ({}));
	for (let i = 0; i < size; i++) {
		for (let j = i + 1; j < size; j++) {
			const ch = new MessageChannel();
			ports[i][j] = ch.port1;
			ports[j][i] = ch.port2;
		}
	}
	return {
		shared,
		forRank: (rank) => ({ transport: "message", rank, size, ports: ports[rank] }),
		transferFor: (rank) => Object.values(ports[rank]),
	};
}

// installPeer sets globalThis.clipadPeer from what makeGroup's forRank gave.
export function installPeer(cfg) {
	globalThis.clipadPeer = cfg.transport === "shared" ? sharedPeer(cfg) : messagePeer(cfg);
	return globalThis.clipadPeer;
}

function sharedPeer({ rank, size, slotBytes, sab, ctl }) {
	const c = new Int32Array(ctl);
	return {
		shared: true,
		rank,
		size,
		slot(s, r, nbytes) {
			if (nbytes > slotBytes) throw new Error(`clipadPeer: ${nbytes} bytes do not fit a ${slotBytes}-byte slot`);
			return new Uint8Array(sab, (s * size + r) * slotBytes, nbytes);
		},
		// barrier: the last to arrive resets the count and bumps the generation
		barrier() {
			const gen = Atomics.load(c, 1);
			if (Atomics.add(c, 0, 1) === size - 1) {
				Atomics.store(c, 0, 0);
				Atomics.add(c, 1, 1);
				Atomics.notify(c, 1);
			} else {
				while (Atomics.load(c, 1) === gen) Atomics.wait(c, 1, gen, 60000);
			}
		},
	};
}

function messagePeer({ rank, size, ports }) {
	const got = new Map(); // gen → array by rank
	const waiting = new Map(); // gen → resolve
	const check = (gen) => {
		const a = got.get(gen);
		const r = waiting.get(gen);
		if (a && r && a.filter((x) => x).length === size - 1) {
			got.delete(gen);
			waiting.delete(gen);
			r(a);
		}
	};
	for (const [peer, port] of Object.entries(ports)) {
		port.onmessage = (e) => {
			const { gen, from, buf } = e.data;
			if (!got.has(gen)) got.set(gen, new Array(size).fill(null));
			got.get(gen)[from] = new Uint8Array(buf);
			check(gen);
		};
		port.start?.();
		void peer;
	}
	return {
		shared: false,
		rank,
		size,
		exchange(gen, u8) {
			const p = new Promise((resolve) => waiting.set(gen, resolve));
			const list = Object.values(ports);
			list.forEach((port, i) => {
				// the last peer gets the buffer itself, the others a copy
				const b = i === list.length - 1 ? u8.buffer : u8.slice().buffer;
				port.postMessage({ gen, from: rank, buf: b }, [b]);
			});
			if (!got.has(gen)) got.set(gen, new Array(size).fill(null));
			check(gen);
			return p;
		},
	};
}
