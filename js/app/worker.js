// worker.js — one Go instance (the clipad core, GOOS=js GOARCH=wasm) per
// Web Worker. Classic worker: wasm_exec.js is a classic script.
//
// Messages in (from js/app/pool.js):
//   {type:"init", wasmExec, module, simd?, manifest, text, cache, shards:[url]}
//       module: the compiled core (WebAssembly.Module, compiled once by the
//       page); simd: {js, kernels: WebAssembly.Module} to link the SIMD
//       kernel module (model/kernels/simd, Go build tag simd) before go.run.
//       Shards are read from Cache Storage only (never the network) and fed
//       to Go, which checks every shard's size and SHA-256 again.
//   {type:"job", id, bytes:ArrayBuffer, name, category, sdpPlus, sigma?}
//   {type:"batch", id, s0:[], s1:[]}
//   {type:"dicom", id, bytes:ArrayBuffer, category, sdpPlus, frames?:[n], window?:{center,width}|{auto}}
//       a DICOM file: opened once (dicomOpen), each frame (all, or the
//       listed ones, 1-based) analysed (dicomAnalyze) and rendered
//       (dicomFrame) with the window, then closed. No name is passed in: the
//       core names a frame by its pixel hash (id); no patient tag exists here.
// Messages out:
//   {type:"ready", version, simd, jet:Uint8Array(768), ms, memBytes}
//   {type:"init-error", kind:"missing-shard"|"bad-shard"|"core", index?, message}
//   {type:"result", id, result?, map?:Float32Array, error?}
//   {type:"batch", id, scores?, error?}
//   {type:"dicom-info", id, info:{id, seriesKey, instanceNumber, frames, rows, columns, modality, …}}
//   {type:"dicom-frame", id, frame, result?, map?, image?:{width, height, rgba, window, windows, range}, error?}
//       then {type:"result", id, dicom:true, error?} when the file is done
//   {type:"crashed", id?, reason}  the Go instance is gone; the pool replaces this worker
"use strict";

let go = null;
let mem = null; // the Go instance's linear memory
let dead = false;
const logTail = []; // Go's last console lines (a fatal error's message lands here)

function remember(args) {
	const line = args.map(String).join(" ");
	logTail.push(line);
	if (logTail.length > 12) logTail.shift();
}
for (const k of ["log", "error", "warn"]) {
	const orig = console[k].bind(console);
	console[k] = (...args) => {
		remember(args);
		orig(...args);
	};
}

function crash(id, why) {
	if (dead) return;
	dead = true;
	const tail = logTail.filter((l) => /fatal|panic|out of memory|error/i.test(l)).slice(-3).join(" | ");
	postMessage({ type: "crashed", id, reason: why + (tail ? ` (${tail})` : "") });
}

async function init(m) {
	const t0 = performance.now();
	importScripts(m.wasmExec);
	if (m.simd) importScripts(m.simd.js);
	go = new self.Go();
	// Link hook: anything that must add imports to the Go instance (the
	// SIMD kernel module) does so here, between new Go() and instantiate.
	let simd = null;
	if (m.simd && self.ClipadSIMD && self.ClipadSIMD.supported()) {
		simd = self.ClipadSIMD.attach(go, m.simd.kernels);
	}
	const ready = new Promise((resolve) => {
		self.onClipadReady = resolve;
	});
	const instance = await WebAssembly.instantiate(m.module, go.importObject);
	mem = instance.exports.mem;
	let linked = false;
	if (simd) linked = await simd.link(instance);
	go.run(instance).then(() => crash(undefined, "the Go runtime exited"));
	await ready;
	const c = self.clipad;
	const man = c.loadManifest(m.manifest);
	if (man.error) return postMessage({ type: "init-error", kind: "core", message: man.error });
	const cache = await caches.open(m.cache);
	for (let i = 0; i < m.shards.length; i++) {
		const resp = await cache.match(m.shards[i]);
		if (!resp) {
			return postMessage({ type: "init-error", kind: "missing-shard", index: i, message: `shard ${i + 1} of ${m.shards.length} is not in this browser's cache` });
		}
		const err = c.feedShard(i, new Uint8Array(await resp.arrayBuffer()));
		if (err) return postMessage({ type: "init-error", kind: "bad-shard", index: i, message: err });
	}
	const fin = c.finishModel();
	if (fin) return postMessage({ type: "init-error", kind: "core", message: fin });
	const t = c.setText(m.text);
	if (t.error) return postMessage({ type: "init-error", kind: "core", message: t.error });
	postMessage({ type: "ready", version: c.version, simd: linked, relaxed: !!(simd && simd.relaxed), jet: c.jet(), ms: performance.now() - t0, memBytes: mem.buffer.byteLength });
}

// browserPNG re-encodes an image the Go decoder does not read (WebP, GIF,
// BMP, AVIF) as PNG with the browser's decoder.
async function browserPNG(bytes) {
	const bmp = await createImageBitmap(new Blob([bytes]), { colorSpaceConversion: "none", premultiplyAlpha: "none" });
	const cv = new OffscreenCanvas(bmp.width, bmp.height);
	cv.getContext("2d").drawImage(bmp, 0, 0);
	bmp.close();
	const blob = await cv.convertToBlob({ type: "image/png" });
	return new Uint8Array(await blob.arrayBuffer());
}

function call(f) {
	if (go.exited) throw new Error("the Go runtime has exited");
	const r = f();
	if (r === undefined || go.exited) throw new Error("the Go runtime exited during the call");
	return r;
}

async function job(m) {
	if (m.debugCrash) {
		// test hook (pool.injectCrash): behave exactly as a trap in Go would
		throw new WebAssembly.RuntimeError("unreachable (simulated crash)");
	}
	const bytes = new Uint8Array(m.bytes);
	if (self.clipad.setSDPPlus) {
		const st = call(() => self.clipad.setSDPPlus()); // {available, enabled}
		if (st.available && st.enabled !== !!m.sdpPlus) call(() => self.clipad.setSDPPlus(!!m.sdpPlus));
	}
	let r = call(() => self.clipad.analyze(bytes, m.name, m.category, m.sigma ?? undefined));
	let decodedBy = "go";
	if (r.error && /unknown image format/.test(r.error) && typeof OffscreenCanvas !== "undefined") {
		let png = null;
		try {
			png = await browserPNG(bytes);
		} catch (e) {
			png = null; // the browser cannot read it either: report Go's message
		}
		if (png) {
			const r2 = call(() => self.clipad.analyze(png, m.name, m.category, m.sigma ?? undefined));
			if (!r2.error) {
				r = r2;
				decodedBy = "browser";
			}
		}
	}
	if (r.error) return postMessage({ type: "result", id: m.id, error: r.error });
	const { map, patchMap, ...scalars } = r;
	scalars.decodedBy = decodedBy;
	scalars.memBytes = mem.buffer.byteLength;
	postMessage({ type: "result", id: m.id, result: scalars, map }, [map.buffer]);
}

function setSDP(on) {
	if (self.clipad.setSDPPlus) {
		const st = call(() => self.clipad.setSDPPlus()); // {available, enabled}
		if (st.available && st.enabled !== !!on) call(() => self.clipad.setSDPPlus(!!on));
	}
}

// dicomJob: one DICOM file (see the header). Only what the core returns is
// posted back, and the core never returns an identifying attribute.
function dicomJob(m) {
	const c = self.clipad;
	setSDP(m.sdpPlus);
	const info = call(() => c.dicomOpen(new Uint8Array(m.bytes)));
	if (info.error) return postMessage({ type: "result", id: m.id, dicom: true, error: info.error });
	const { handle, ...pub } = info;
	try {
		postMessage({ type: "dicom-info", id: m.id, info: pub });
		const frames = m.frames && m.frames.length ? m.frames : Array.from({ length: info.frames }, (_, i) => i + 1);
		const win = {};
		for (const k of ["center", "width", "function", "auto"]) if (m.window && m.window[k] !== undefined && m.window[k] !== null && m.window[k] !== "") win[k] = m.window[k];
		for (const f of frames) {
			const opts = { ...win };
			if (m.sigma !== undefined && m.sigma !== null) opts.sigma = m.sigma;
			const r = call(() => c.dicomAnalyze(handle, f, m.category, opts));
			if (r.error) {
				postMessage({ type: "dicom-frame", id: m.id, frame: f, error: r.error });
				continue;
			}
			const img = call(() => c.dicomFrame(handle, f, win));
			const { map, patchMap, ...scalars } = r;
			scalars.decodedBy = "dicom";
			scalars.memBytes = mem.buffer.byteLength;
			if (img.error) {
				postMessage({ type: "dicom-frame", id: m.id, frame: f, error: img.error });
				continue;
			}
			const image = { width: img.width, height: img.height, rgba: img.rgba, window: img.window, windows: img.windows, range: img.range };
			postMessage({ type: "dicom-frame", id: m.id, frame: f, result: scalars, map, image }, [map.buffer, img.rgba.buffer]);
		}
	} finally {
		if (!go.exited) c.dicomClose(handle);
	}
	postMessage({ type: "result", id: m.id, dicom: true });
}

self.onmessage = async (e) => {
	const m = e.data;
	if (dead) return;
	try {
		switch (m.type) {
			case "init":
				await init(m);
				break;
			case "job":
				await job(m);
				break;
			case "dicom":
				dicomJob(m);
				break;
			case "batch": {
				const s = call(() => self.clipad.batchScores(m.s0, m.s1));
				postMessage(Array.isArray(s) ? { type: "batch", id: m.id, scores: s } : { type: "batch", id: m.id, error: s.error });
				break;
			}
		}
	} catch (err) {
		if (m.type === "init" && !go?.exited && !(err instanceof WebAssembly.RuntimeError)) {
			postMessage({ type: "init-error", kind: "core", message: String(err && err.message ? err.message : err) });
		} else {
			crash(m.id, String(err && err.message ? err.message : err));
		}
	}
};
