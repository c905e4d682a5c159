// worker.mjs — one clipad Go core (GOOS=js GOARCH=wasm, ./wasm) in a Node
// worker_thread: the harness's stand-in for a Web Worker of the page.
//
// workerData: {wasm, wasmExec, simdJs?, simdKernels?, relaxed?, bundle, text?}
//   simdJs/simdKernels link the wasm SIMD kernel module
//   (js/simd/simd.js + model/kernels/simd/kernels.wasm) to a -tags simd core;
//   relaxed: false keeps int8 products off relaxed SIMD (default: used
//   where this Node has it).
// Requests (postMessage {id, cmd, ...}) → replies {id, result} or {id, error}:
//   forward   {n, warmup, output, simd}          clipad.benchForward
//   peer      {name, peer}                       installs a peer (js/bench/peer.mjs) under a name
//   split     {opts, peerName?, peer?}           selects/installs the peer, clipad.splitForward
//   analyze   {files:[path], category}           clipad.analyze per file (full pipeline)
//   mem       {}                                 linear memory + Go heap
//   api       {fn, args}                         any other clipad function
import fs from "node:fs";
import path from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { createRequire } from "node:module";
import { installPeer } from "./peer.mjs";

const require = createRequire(import.meta.url);
globalThis.require ??= require;
globalThis.fs ??= fs;
globalThis.path ??= path;

const wd = workerData;
const t0 = performance.now();
require(wd.wasmExec); // defines globalThis.Go
const go = new globalThis.Go();
go.env = { TMPDIR: "/tmp", ...(wd.goenv || {}) };
go.exit = (code) => parentPort.postMessage({ id: 0, fatal: `Go exited with ${code}` });
let simd = null;
if (wd.simdJs) {
	await import(path.resolve(wd.simdJs));
	simd = globalThis.ClipadSIMD.attach(go, fs.readFileSync(wd.simdKernels), { relaxed: wd.relaxed !== false });
}
const { instance } = await WebAssembly.instantiate(fs.readFileSync(wd.wasm), go.importObject);
const linked = simd ? await simd.link(instance) : false;
const mem = instance.exports.mem;
const ready = new Promise((resolve) => (globalThis.onClipadReady = resolve));
go.run(instance);
await ready;
const c = globalThis.clipad;

function must(v, what) {
	if (v && (typeof v === "string" || v.error)) throw new Error(`${what}: ${typeof v === "string" ? v : v.error}`);
	return v;
}

let loadMs = 0;
let memAfterLoad = 0;
{
	const t = performance.now();
	const man = must(c.loadManifest(fs.readFileSync(path.join(wd.bundle, "manifest.json"), "utf8")), "loadManifest");
	man.shards.forEach((s, i) => must(c.feedShard(i, fs.readFileSync(path.join(wd.bundle, s.file))), `feedShard ${i}`));
	must(c.finishModel(), "finishModel");
	if (wd.text) must(c.setText(wd.text), "setText");
	loadMs = performance.now() - t;
	memAfterLoad = mem.buffer.byteLength;
}

function memInfo() {
	return { linearBytes: mem.buffer.byteLength, afterLoadBytes: memAfterLoad, go: c.memStats() };
}

const peers = new Map();
parentPort.on("message", async (m) => {
	try {
		let result;
		switch (m.cmd) {
			case "forward":
				result = await c.benchForward(m.n, { warmup: m.warmup ?? 0, output: !!m.output, simd: m.simd ?? true });
				break;
			case "peer":
				peers.set(m.name, installPeer(m.peer));
				result = true;
				break;
			case "split":
				if (m.peer) installPeer(m.peer);
				else if (m.peerName) globalThis.clipadPeer = peers.get(m.peerName);
				result = await c.splitForward(m.opts);
				break;
			case "analyze": {
				const ms = [];
				for (const f of m.files) {
					const bytes = new Uint8Array(fs.readFileSync(f));
					const t = performance.now();
					const r = c.analyze(bytes, path.basename(f), m.category);
					if (r.error) throw new Error(`analyze ${f}: ${r.error}`);
					ms.push(performance.now() - t);
				}
				result = { ms };
				break;
			}
			case "mem":
				result = memInfo();
				break;
			case "api": // any clipad function: {fn, args}
				result = await c[m.fn](...(m.args ?? []));
				break;
			default:
				throw new Error(`unknown command ${m.cmd}`);
		}
		parentPort.postMessage({ id: m.id, result });
	} catch (e) {
		parentPort.postMessage({ id: m.id, error: String(e && e.stack ? e.stack : e) });
	}
});
parentPort.postMessage({ id: 0, ready: true, linked, relaxed: !!(simd && simd.relaxed), loadMs, startMs: performance.now() - t0, mem: memInfo() });
