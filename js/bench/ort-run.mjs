// ort-run.mjs — one onnxruntime variant in its own process (each variant
// starts with a clean heap; onnxruntime-web fixes its thread count once per
// process).
//
//   node js/bench/ort-run.mjs --runtime web|node --model FILE [--threads N]
//        [--n 3] [--warmup 1] [--embed] [--optimized FILE]
//     prints one JSON line: {median_ms, ms[], init_ms, effective_threads, …}
//   forked with --serve (child_process.fork): loads the session, sends
//     {ready, init_ms, …}, then answers each {cmd:"run", embed?} with
//     {ms, embed?} — the harness interleaves it with the other variants.
//
// Input: the fixed synthetic image clipad's Go side times
// (x[i] = 1.7·sin(0.013·i), [1,3,S,S]). Graph optimisation level "all";
// onnxruntime-web: wasm EP (SIMD, threads via its own workers when
// numThreads > 1); onnxruntime-node: CPU EP, intra-op threads = --threads,
// sequential execution.
import fs from "node:fs";
import { parseArgs } from "node:util";
import { median } from "./stats.mjs";

const { values: o } = parseArgs({
	options: {
		runtime: { type: "string", default: "web" },
		model: { type: "string" },
		threads: { type: "string", default: "1" },
		n: { type: "string", default: "3" },
		warmup: { type: "string", default: "1" },
		embed: { type: "boolean", default: false },
		size: { type: "string", default: "240" },
		optimized: { type: "string" },
		serve: { type: "boolean", default: false },
	},
});
const threads = +o.threads, S = +o.size;
const t0 = performance.now();
const sessOpts = { graphOptimizationLevel: "all", executionProviders: [o.runtime === "web" ? "wasm" : "cpu"] };
let ort;
if (o.runtime === "web") {
	ort = await import("onnxruntime-web");
	ort.env.wasm.numThreads = threads;
	ort.env.wasm.proxy = false;
} else {
	const m = await import("onnxruntime-node");
	ort = m.default ?? m;
	sessOpts.intraOpNumThreads = threads;
	sessOpts.interOpNumThreads = 1;
	sessOpts.executionMode = "sequential";
}
if (o.optimized) sessOpts.optimizedModelFilePath = o.optimized;
const warnings = [];
const origWarn = console.warn;
console.warn = (...a) => warnings.push(a.join(" "));
const bytes = fs.readFileSync(o.model);
const session = await ort.InferenceSession.create(o.runtime === "web" ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) : o.model, sessOpts);
const initMs = performance.now() - t0;
const img = new Float32Array(3 * S * S);
for (let i = 0; i < img.length; i++) img[i] = Math.sin(i * 0.013) * 1.7;
const feeds = { image: new ort.Tensor("float32", img, [1, 3, S, S]) };

async function once() {
	const s = performance.now();
	const out = await session.run(feeds);
	return { ms: performance.now() - s, embed: out.image_embed.data };
}
const info = () => ({
	runtime: o.runtime, model: o.model, threads, init_ms: initMs, warnings: [...warnings], rss: process.memoryUsage().rss,
	effective_threads: o.runtime === "web" ? ort.env.wasm.numThreads : threads,
});

if (o.serve) {
	process.on("message", async (m) => {
		if (m.cmd === "run") {
			const r = await once();
			process.send({ ms: r.ms, embed: m.embed ? Array.from(r.embed) : undefined, rss: process.memoryUsage().rss });
		} else if (m.cmd === "exit") {
			process.exit(0);
		}
	});
	process.send({ ready: true, ...info() });
} else {
	const n = +o.n, warmup = +o.warmup;
	const ms = [];
	let embed = null;
	for (let i = 0; i < warmup + n; i++) {
		const r = await once();
		if (i >= warmup) ms.push(r.ms);
		embed = r.embed;
	}
	console.warn = origWarn;
	const res = { ...info(), warmup, ms, median_ms: median(ms) };
	if (o.embed) res.embed = Array.from(embed);
	process.stdout.write(JSON.stringify(res) + "\n");
	process.exit(0);
}
