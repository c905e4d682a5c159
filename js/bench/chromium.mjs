// chromium.mjs — the 1-thread comparison of `make bench` repeated inside
// headless Chromium (make bench-chromium): the Go core in a Web Worker,
// as the page runs it, against onnxruntime-web in a Web Worker of the same
// page, each timing the same fixed input, interleaved round by round.
//
//   node js/bench/chromium.mjs [--dir build/bench] [--reps 5] [--warmup 1]
//        [--dtypes int8,f32] [--batch 8] [--md FILE] [--json FILE]
//
// Variants per weight type (bundle-<dtype> and model/vision_plain*.onnx
// from `make bench-assets`):
//   go         Go wasm + SIMD module: clipad.benchForward (the full SDP
//              dual-path forward, every stage, as analyze runs it)
//   go-norelax int8 only: the same core with the relaxed-SIMD int8 product
//              withheld (simd.js {relaxed: false}), what an engine without
//              relaxed SIMD runs
//   ort        onnxruntime-web wasm EP, numThreads 1, the plain vision tower
// and, for int8, batch throughput: --batch forwards on one Go worker, then
// shared out over two (a second worker of the same page), --reps rounds.
// A static server on 127.0.0.1 serves the page, the workers, the core, the
// kernels, the bundles, the ONNX files and onnxruntime-web's dist/ (with
// COOP/COEP, like a deployment that isolates the page). Nothing is
// downloaded: Chromium is Debian's /usr/bin/chromium (or $CHROMIUM).
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cos, count, median } from "./stats.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const { values: o } = parseArgs({
	options: {
		dir: { type: "string", default: path.join(root, "build", "bench") },
		reps: { type: "string", default: "5" },
		warmup: { type: "string", default: "1" },
		dtypes: { type: "string", default: "int8,f32" },
		batch: { type: "string", default: "8" },
		md: { type: "string" },
		json: { type: "string" },
	},
});
const D = path.resolve(o.dir);
const reps = count("reps", o.reps, 1), warmup = count("warmup", o.warmup, 0);
const batchN = count("batch", o.batch, 0);
const dtypes = o.dtypes.split(",").filter(Boolean);
if (!dtypes.length || dtypes.some((d) => d !== "int8" && d !== "f32")) {
	console.error(`--dtypes ${o.dtypes}: want int8, f32 or int8,f32`);
	process.exit(2);
}
const goroot = execFileSync("go", ["env", "GOROOT"], { encoding: "utf8" }).trim();
const ortDist = path.join(root, "js", "node_modules", "onnxruntime-web", "dist");
const files = {
	"/go/wasm_exec.js": path.join(goroot, "lib", "wasm", "wasm_exec.js"),
	"/go/simd.js": path.join(root, "js", "simd", "simd.js"),
	"/go/kernels.wasm": path.join(root, "model", "kernels", "simd", "kernels.wasm"),
	"/go/clipad-simd.wasm": path.join(D, "core", "clipad-simd.wasm"),
	"/model/f32.onnx": path.join(D, "model", "vision_plain.onnx"),
	"/model/int8.onnx": path.join(D, "model", "vision_plain_int8.onnx"),
};
const missing = [...Object.values(files), ...dtypes.map((d) => path.join(D, `bundle-${d}`, "manifest.json")), path.join(ortDist, "ort.wasm.min.mjs")].filter((f) => !fs.existsSync(f));
if (missing.length) {
	console.error(`bench-chromium: missing ${missing.map((f) => path.relative(root, f)).join(", ")} — 'make bench-assets' builds them, 'make setup' installs onnxruntime-web`);
	process.exit(1);
}
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
if (!fs.existsSync(CHROMIUM)) {
	console.error(`bench-chromium: ${CHROMIUM} not found (apt-get install -y chromium)`);
	process.exit(1);
}

// The Go worker: a classic worker like js/app/worker.js; the bundle's shards
// are fetched and fed in order, then benchForward answers {cmd:"run"}.
const goWorker = `"use strict";
importScripts("/go/wasm_exec.js", "/go/simd.js");
let c = null, info = null;
onmessage = async (ev) => {
	const m = ev.data;
	try {
		if (m.cmd === "init") {
			const t0 = performance.now();
			const go = new Go();
			const simd = ClipadSIMD.attach(go, fetch("/go/kernels.wasm").then((r) => r.arrayBuffer()), { relaxed: m.relaxed });
			const ready = new Promise((r) => (self.onClipadReady = r));
			const { instance } = await WebAssembly.instantiateStreaming(fetch("/go/clipad-simd.wasm"), go.importObject);
			const linked = await simd.link(instance);
			go.run(instance);
			await ready;
			c = self.clipad;
			const man = c.loadManifest(await (await fetch(m.bundle + "/manifest.json")).text());
			if (man.error) throw new Error(man.error);
			for (let i = 0; i < man.shards.length; i++) {
				const r = c.feedShard(i, new Uint8Array(await (await fetch(m.bundle + "/" + man.shards[i].file)).arrayBuffer()));
				if (r && r.error) throw new Error(r.error);
			}
			const f = c.finishModel();
			if (f && f.error) throw new Error(f.error);
			info = { simd: linked, relaxed: simd.relaxed, loadMs: performance.now() - t0 };
			postMessage({ ok: info });
		} else if (m.cmd === "run") {
			const r = await c.benchForward(1, { output: !!m.embed });
			postMessage({ ok: { ms: r.ms[0], embed: m.embed ? Array.from(r.imageEmbed) : undefined } });
		}
	} catch (e) {
		postMessage({ error: String(e && e.stack ? e.stack : e) });
	}
};
`;
// The onnxruntime-web worker (module worker): one session, 1 thread.
const ortWorker = `import * as ort from "/ort/ort.wasm.min.mjs";
let session = null, feeds = null;
onmessage = async (ev) => {
	const m = ev.data;
	try {
		if (m.cmd === "init") {
			const t0 = performance.now();
			ort.env.wasm.numThreads = 1;
			ort.env.wasm.proxy = false;
			ort.env.wasm.wasmPaths = "/ort/";
			const bytes = new Uint8Array(await (await fetch(m.model)).arrayBuffer());
			session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: "all", executionProviders: ["wasm"] });
			const S = m.size, img = new Float32Array(3 * S * S);
			for (let i = 0; i < img.length; i++) img[i] = Math.sin(i * 0.013) * 1.7;
			feeds = { image: new ort.Tensor("float32", img, [1, 3, S, S]) };
			postMessage({ ok: { loadMs: performance.now() - t0, threads: ort.env.wasm.numThreads } });
		} else if (m.cmd === "run") {
			const t = performance.now();
			const out = await session.run(feeds);
			postMessage({ ok: { ms: performance.now() - t, embed: m.embed ? Array.from(out.image_embed.data) : undefined } });
		}
	} catch (e) {
		postMessage({ error: String(e && e.stack ? e.stack : e) });
	}
};
`;
const page = `<!doctype html><meta charset="utf-8"><title>clipad bench-chromium</title>
<script>
function start(url, type) {
	const w = new Worker(url, type ? { type } : undefined);
	const call = (msg) => new Promise((resolve, reject) => {
		w.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data.ok));
		w.onerror = (e) => reject(new Error(e.message || "worker error"));
		w.postMessage(msg);
	});
	return { call, stop: () => w.terminate() };
}
window.variants = {};
window.load = async (key, kind, init) => {
	const w = start(kind === "go" ? "/worker-go.js" : "/worker-ort.js", kind === "go" ? undefined : "module");
	const info = await w.call({ cmd: "init", ...init });
	window.variants[key] = w;
	return info;
};
window.run = (key, embed) => window.variants[key].call({ cmd: "run", embed });
// ms for n forwards shared out over the listed workers (one queue)
window.throughput = async (keys, n) => {
	let next = 0;
	const t = performance.now();
	await Promise.all(keys.map(async (k) => {
		while (next < n) {
			next++;
			await window.run(k, false);
		}
	}));
	return performance.now() - t;
};
window.unload = (key) => { window.variants[key].stop(); delete window.variants[key]; };
</script>`;

const types = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".html": "text/html" };
const server = http.createServer((req, res) => {
	const url = decodeURIComponent(new URL(req.url, "http://x").pathname);
	const inline = { "/": page, "/worker-go.js": goWorker, "/worker-ort.js": ortWorker }[url];
	let file = files[url];
	if (!file && url.startsWith("/ort/")) file = path.join(ortDist, path.basename(url));
	const b = url.match(/^\/(bundle-(?:int8|f32))\/([\w.-]+)$/);
	if (!file && b) file = path.join(D, b[1], b[2]);
	const head = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp", "Cache-Control": "no-store" };
	if (inline != null) {
		res.writeHead(200, { ...head, "Content-Type": url === "/" ? "text/html" : "text/javascript" });
		return res.end(inline);
	}
	if (!file || !fs.existsSync(file)) {
		res.writeHead(404, head);
		return res.end("not found");
	}
	res.writeHead(200, { ...head, "Content-Type": types[path.extname(file)] || "application/octet-stream", "Content-Length": fs.statSync(file).size });
	fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}`;

const log = (...a) => console.error("[bench-chromium]", ...a);

const { chromium } = await import("playwright-core");
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"] });
const R = { started: new Date().toISOString(), host: { cpu: os.cpus()[0]?.model, cores: os.cpus().length }, reps, warmup, rows: [] };
let failed = false;
try {
	const pg = await browser.newPage();
	pg.on("pageerror", (e) => log("page error:", e.message));
	await pg.goto(base + "/");
	R.host.browser = await pg.evaluate(() => navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0]);
	R.host.crossOriginIsolated = await pg.evaluate(() => self.crossOriginIsolated);
	for (const dtype of dtypes) {
		const size = JSON.parse(fs.readFileSync(path.join(D, `bundle-${dtype}`, "manifest.json"), "utf8")).config?.vision?.image_size || 240;
		const vs = [
			{ key: `ort-${dtype}`, kind: "ort", label: `onnxruntime-web wasm, ${dtype}, 1 thread`, graph: "plain tower", init: { model: `/model/${dtype}.onnx`, size } },
			{ key: `go-${dtype}`, kind: "go", label: `Go wasm + SIMD module, ${dtype}, 1 worker`, graph: "SDP dual path", init: { bundle: `/bundle-${dtype}`, relaxed: true } },
		];
		if (dtype === "int8") vs.push({ key: "go-int8-norelax", kind: "go", label: "Go wasm + SIMD module, int8, relaxed SIMD withheld, 1 worker", graph: "SDP dual path", init: { bundle: "/bundle-int8", relaxed: false } });
		for (const v of vs) {
			v.info = await pg.evaluate(([k, kind, init]) => window.load(k, kind, init), [v.key, v.kind, v.init]);
			v.ms = [];
			log(`${v.label}: loaded in ${v.info.loadMs.toFixed(0)} ms${v.kind === "go" ? `, SIMD ${v.info.simd}, relaxed ${v.info.relaxed}` : ""}`);
		}
		for (let r = 0; r < warmup + reps; r++) {
			const last = r === warmup + reps - 1;
			for (const v of vs) {
				const x = await pg.evaluate(([k, e]) => window.run(k, e), [v.key, last]);
				if (r >= warmup) v.ms.push(x.ms);
				if (last) v.embed = x.embed;
			}
			log(`round ${r + 1}/${warmup + reps}${r < warmup ? " (warm-up)" : ""}: ${vs.map((v) => `${v.key} ${v.ms.length && r >= warmup ? v.ms.at(-1).toFixed(0) : "·"}`).join(", ")}`);
		}
		const ref = vs[0];
		for (const v of vs) R.rows.push({ dtype, key: v.key, label: v.label, graph: v.graph, ms: v.ms, median_ms: median(v.ms), ratio: median(v.ms) / median(ref.ms), info: v.info, cosine_to_ort: cos(v.embed, ref.embed) });
		if (dtype === "int8" && batchN > 0) {
			// throughput: batchN forwards on go-int8 alone, then shared out
			// over it and a second worker, both pulling from one counter
			await pg.evaluate(([k, init]) => window.load(k, "go", init), ["go-int8-2", { bundle: "/bundle-int8", relaxed: true }]);
			await pg.evaluate(() => window.run("go-int8-2", false));
			const rounds = [];
			for (let r = 0; r < reps; r++) {
				const one = await pg.evaluate((n) => window.throughput(["go-int8"], n), batchN);
				const two = await pg.evaluate((n) => window.throughput(["go-int8", "go-int8-2"], n), batchN);
				rounds.push({ one, two, ratio: one / two });
				log(`batch round ${r + 1}: ${batchN} forwards, 1 worker ${one.toFixed(0)} ms, 2 workers ${two.toFixed(0)} ms (${(one / two).toFixed(2)}×)`);
			}
			R.batch = { forwards: batchN, rounds, ratio: median(rounds.map((q) => q.ratio)) };
			await pg.evaluate((k) => window.unload(k), "go-int8-2");
		}
		for (const v of vs) await pg.evaluate((k) => window.unload(k), v.key);
	}
} catch (e) {
	failed = true;
	console.error(e);
} finally {
	await browser.close();
	server.close();
}
if (failed) process.exit(1);

const lines = [];
const out = (s = "") => lines.push(s);
out(`clipad bench-chromium — ${R.started}; ${R.host.cpu}, ${R.host.cores} cores; headless ${R.host.browser}; crossOriginIsolated ${R.host.crossOriginIsolated}`);
out(`median of ${reps} interleaved round(s) after ${warmup} warm-up; each variant in its own Web Worker of one page`);
out();
out("| variant | graph | ms / image | ratio to onnxruntime-web (same weights, 1 thread) | rounds, ms | embedding cosine to onnxruntime-web | note |");
out("|---|---|---|---|---|---|---|");
for (const e of R.rows) {
	const note = e.key.startsWith("ort") ? `numThreads ${e.info.threads}` : `SIMD ${e.info.simd ? "linked" : "NOT linked"}${e.dtype === "int8" ? `; int8 products on ${e.info.relaxed ? "relaxed SIMD (relaxed.wat)" : "i32x4.dot_i16x8_s (kernels.wat)"}` : ""}`;
	out(`| ${e.label} | ${e.graph} | ${e.median_ms.toFixed(0)} | ${e.ratio.toFixed(2)}× | ${e.ms.map((x) => x.toFixed(0)).join(", ")} | ${e.cosine_to_ort.toFixed(5)} | ${note} |`);
}
out();
if (R.batch) {
	out(`Batch throughput, Go wasm + SIMD int8 (${R.batch.forwards} SDP forwards per measurement, shared out over the workers): ` +
		R.batch.rounds.map((q, i) => `round ${i + 1}: 1 worker ${q.one.toFixed(0)} ms, 2 workers ${q.two.toFixed(0)} ms = ${q.ratio.toFixed(2)}×`).join("; ") +
		`. Median 2 workers / 1 worker = ${R.batch.ratio.toFixed(2)}× (goal ≥ 1.8×).`);
	out();
}
const text = lines.join("\n");
console.log(text);
if (o.md) fs.writeFileSync(o.md, text + "\n");
if (o.json) fs.writeFileSync(o.json, JSON.stringify(R, null, 1));
