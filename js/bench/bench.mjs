// bench.mjs — clipad's speed benchmark (make bench; see js/bench/README.md).
//
// One run, one set of synthetic ViT-B-16-plus-240 weights, one machine:
//   - onnxruntime-web (wasm EP, in Node) on the plain CLIP image tower, f32
//     and int8 weights, 1 and 2 threads — the reference of every ratio
//   - the Go core (./wasm) in worker_threads, one Go instance per worker
//     (the page's Web Workers): pure-Go kernels, + SIMD kernel module f32
//     and int8 — the full dual-path (SDP) forward as analyze runs it — and
//     the plain tower on the same kernels; one image split over 2 workers
//     (SharedArrayBuffer and MessagePort transports)
//   - Go native (clipad bench-forward) and onnxruntime-node, 1 and 2 threads
//   - batch throughput (analyze on real images) with 1 and 2 workers
//   - peak memory per worker, bundle sizes, gzip size of core + shell
//
// The machine is shared, so the variants compared with each other run
// interleaved: in four phases (f32 1 thread, int8 1 thread, int8 2
// threads, f32 2 threads) every variant of the phase is loaded, then each
// round runs each variant once; ms/image is the median over --reps rounds
// after --warmup rounds.
//
// node js/bench/bench.mjs [--dir build/bench] [--reps 3] [--warmup 1]
//   [--batch 16] [--images DIR] [--clipad build/clipad]
//   [--phases f32,int8,int8x2,f32x2,memory] [--skip ort-node,native,…]
//   [--variants go-f32,go-int8,simd-f32,simd-int8,simd-int8-norelaxed] [--pure-int8] [--eager-wasm]
//   [--json FILE] [--md FILE]
// skip groups: ort-web, ort-node, wasm, native, split, batch, profile, sizes
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { execFileSync, fork, spawn } from "node:child_process";
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createInterface } from "node:readline";
import { makeGroup, sharedAvailable } from "./peer.mjs";
import { cos, count, maxAbsDiff, median } from "./stats.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const { values: o } = parseArgs({
	options: {
		dir: { type: "string", default: path.join(root, "build", "bench") },
		reps: { type: "string", default: "3" },
		warmup: { type: "string", default: "1" },
		batch: { type: "string", default: "16" },
		images: { type: "string", default: path.join(root, "..", "shared", "data", "mvtec", "bottle") },
		clipad: { type: "string", default: path.join(root, "build", "clipad") },
		phases: { type: "string", default: "f32,int8,int8x2,f32x2,memory" },
		skip: { type: "string", default: "" },
		variants: { type: "string", default: "go-f32,simd-f32,simd-int8,simd-int8-norelaxed" },
		"pure-int8": { type: "boolean", default: false },
		"eager-wasm": { type: "boolean", default: false },
		json: { type: "string" },
		md: { type: "string" },
	},
});
// V8 compiles wasm lazily in tiers (Liftoff first, TurboFan for hot
// functions); --eager-wasm turns that off (every function optimised up
// front) for every variant: the Go workers (this process's flag) and the
// onnxruntime processes.
const v8Flags = o["eager-wasm"] ? ["--no-wasm-dynamic-tiering"] : [];
if (v8Flags.length) (await import("node:v8")).setFlagsFromString(v8Flags.join(" "));
const reps = count("reps", o.reps, 1), warmup = count("warmup", o.warmup, 0), batchN = count("batch", o.batch, 2);
const phases = new Set(o.phases.split(",").filter(Boolean));
const skip = new Set(o.skip.split(",").filter(Boolean));
const want = (g) => !skip.has(g);
const variantsWanted = new Set(o.variants.split(",").filter(Boolean));
if (o["pure-int8"]) variantsWanted.add("go-int8");
const D = path.resolve(o.dir);
const P = {
	plain: path.join(D, "model", "vision_plain.onnx"),
	plainInt8: path.join(D, "model", "vision_plain_int8.onnx"),
	bundle: { f32: path.join(D, "bundle-f32"), int8: path.join(D, "bundle-int8") },
	core: path.join(D, "core", "clipad.wasm"),
	coreSimd: path.join(D, "core", "clipad-simd.wasm"),
	simdJs: path.join(root, "js", "simd", "simd.js"),
	simdKernels: path.join(root, "model", "kernels", "simd", "kernels.wasm"),
};
const onnxFor = { f32: P.plain, int8: P.plainInt8 };
const goroot = execFileSync("go", ["env", "GOROOT"], { encoding: "utf8" }).trim();
const wasmExec = path.join(goroot, "lib", "wasm", "wasm_exec.js");
const simdFiles = [P.simdJs, P.simdKernels, P.coreSimd];
const haveSimd = simdFiles.every((f) => fs.existsSync(f));
const simdMissing = simdFiles.filter((f) => !fs.existsSync(f)).map((f) => path.relative(root, f));

const T0 = performance.now();
const log = (...a) => console.error(`[bench ${((performance.now() - T0) / 1000).toFixed(0).padStart(3)}s]`, ...a);
const manifest = (dir) => JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
const need = (files) => {
	const miss = files.filter((f) => !fs.existsSync(f));
	if (miss.length) throw new Error(`missing ${miss.map((f) => path.relative(root, f)).join(", ")} — 'make bench' builds them (see js/bench/README.md)`);
};
need([P.plain, P.plainInt8, P.bundle.f32, P.bundle.int8, P.core]);

const R = {
	started: new Date().toISOString(), params: { reps, warmup, batch: batchN, phases: [...phases], v8Flags },
	host: { node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadavgStart: os.loadavg(), go: execFileSync("go", ["version"], { encoding: "utf8" }).trim() },
	rows: [], batch: null, mem: [], sizes: {}, profile: {}, fidelity: {}, notes: [],
};
if (!haveSimd) R.notes.push(`SIMD rows not available: ${simdMissing.join(", ")} missing`);

// ---------------- runners ----------------
function ortServer(runtime, dtype, threads) {
	return new Promise((resolve, reject) => {
		const c = fork(path.join(here, "ort-run.mjs"), ["--serve", "--runtime", runtime, "--model", onnxFor[dtype], "--threads", String(threads)], { cwd: root, stdio: ["ignore", "ignore", "pipe", "ipc"], execArgv: v8Flags });
		let err = "";
		c.stderr.on("data", (d) => (err += d));
		let pending = null;
		c.on("message", (m) => {
			if (m.ready) {
				resolve({
					info: m,
					run: (embed) => new Promise((a) => { pending = a; c.send({ cmd: "run", embed }); }),
					stop: () => c.kill(),
				});
			} else if (pending) {
				const p = pending;
				pending = null;
				p(m);
			}
		});
		c.on("exit", (code) => {
			if (code) reject(new Error(`onnxruntime-${runtime} exited ${code}: ${err.split("\n").slice(-4).join(" ")}`));
		});
	});
}

function nativeServer(dtype) {
	return new Promise((resolve, reject) => {
		const c = spawn(o.clipad, ["bench-forward", "-serve", "-weights", P.bundle[dtype]], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
		let err = "";
		c.stderr.on("data", (d) => (err += d));
		const rl = createInterface({ input: c.stdout });
		let pending = null;
		rl.on("line", (line) => {
			const m = JSON.parse(line);
			if (m.ready) {
				resolve({
					info: m,
					run: (threads) => new Promise((a) => { pending = a; c.stdin.write(`${threads}\n`); }),
					stop: () => c.kill(),
				});
			} else if (pending) {
				const p = pending;
				pending = null;
				p(m);
			}
		});
		c.on("exit", (code) => {
			if (code) reject(new Error(`clipad bench-forward exited ${code}: ${err.trim().split("\n").pop()}`));
		});
		c.on("error", reject);
	});
}

// A bench worker (worker.mjs): a worker_thread of this process, or with
// ownProcess the same worker hosted in a process of its own (proc.mjs
// host), behind the same call interface.
function startWorker({ simd, dtype, text, goenv, relaxed, ownProcess }) {
	const bundle = P.bundle[dtype];
	const workerData = { wasm: simd ? P.coreSimd : P.core, wasmExec, simdJs: simd ? P.simdJs : undefined, simdKernels: simd ? P.simdKernels : undefined, relaxed: relaxed !== false, bundle, text: text ? textAsset(manifest(bundle).model_id) : undefined, goenv };
	return new Promise((resolve, reject) => {
		let w;
		if (ownProcess) {
			const c = fork(path.join(here, "proc.mjs"), ["host"], { cwd: root, stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: v8Flags });
			c.send({ worker: path.join(here, "worker.mjs"), workerData });
			w = {
				postMessage: (m) => c.send(m),
				terminate: () => c.kill(),
				on: (ev, f) => (ev === "error" ? c.on("exit", (code, sig) => { if (code || (sig && sig !== "SIGTERM")) f(new Error(`worker process exited ${code ?? sig}`)); }) : c.on(ev, f)),
			};
		} else w = new Worker(path.join(here, "worker.mjs"), { workerData });
		let id = 1;
		const pend = new Map();
		const h = {
			simd, dtype, bundleBytes: manifest(bundle).total_bytes,
			call(cmd, x = {}, transfer = []) {
				const i = id++;
				w.postMessage({ id: i, cmd, ...x }, transfer);
				return new Promise((a, b) => pend.set(i, { a, b }));
			},
			stop: () => w.terminate(),
		};
		w.on("message", (m) => {
			if (m.id === 0) {
				if (m.ready) {
					h.info = m;
					resolve(h);
				} else reject(new Error(m.fatal));
				return;
			}
			const p = pend.get(m.id);
			pend.delete(m.id);
			if (p) m.error ? p.b(new Error(m.error)) : p.a(m.result);
		});
		w.on("error", (e) => {
			reject(e);
			for (const p of pend.values()) p.b(e);
		});
	});
}

// any valid text-vector asset for the model id (analyze needs one)
function textAsset(modelId) {
	let s = 1;
	const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
	const unit = (n) => {
		const v = Array.from({ length: n }, rnd);
		const z = Math.hypot(...v);
		return v.map((x) => x / z);
	};
	const E = 640;
	return JSON.stringify({
		format: "clipad.textvectors", version: 1, model_id: modelId, config: "ViT-B-16-plus-240", embed_dim: E, templates: ["a photo of a {}."],
		note: "synthetic vectors for the benchmark",
		categories: [{ name: "bottle", prompt_name: "bottle", dataset: "mvtec", reducer: "mean", normal_states: ["flawless {}"], abnormal_states: ["damaged {}"], sentences: [1, 1], normal: unit(E), abnormal: unit(E) }],
	});
}

const WASM = {
	"go-f32": { label: "Go wasm, pure-Go kernels, f32", simd: false, dtype: "f32" },
	"go-int8": { label: "Go wasm, pure-Go kernels, int8", simd: false, dtype: "int8" },
	"simd-f32": { label: "Go wasm + SIMD module, f32", simd: true, dtype: "f32" },
	"simd-int8": { label: "Go wasm + SIMD module, int8", simd: true, dtype: "int8" },
	// the same, int8 products kept on kernels.wat (i32x4.dot_i16x8_s): what
	// an engine without relaxed SIMD runs (Firefox, Safari, Node 20)
	"simd-int8-norelaxed": { label: "Go wasm + SIMD module, int8, relaxed SIMD withheld", simd: true, dtype: "int8", relaxed: false },
};

// rows: {group, label, graph, dtype, threads, unit, run(last) → ms, ms[], extra}
async function interleave(rows) {
	for (let r = 0; r < warmup + reps; r++) {
		const last = r === warmup + reps - 1;
		for (const e of rows) {
			if (e.error) continue;
			try {
				const ms = await e.run(last);
				if (r >= warmup) e.ms.push(ms);
			} catch (err) {
				e.error = String(err.message ?? err).split("\n")[0];
				log(`  ${e.label}: ${e.error}`);
			}
		}
		log(`  round ${r + 1}/${warmup + reps}${r < warmup ? " (warm-up)" : ""}: ${rows.map((e) => `${e.short ?? e.label} ${e.ms.length && r >= warmup ? e.ms[e.ms.length - 1].toFixed(0) : "·"}`).join(", ")}`);
	}
	for (const e of rows) {
		e.median_ms = median(e.ms);
		R.rows.push(e);
	}
}

const ortRow = async (rt, dtype, threads) => {
	const s = await ortServer(rt, dtype, threads);
	const e = {
		group: `ort-${rt}`, label: rt === "web" ? `onnxruntime-web wasm, ${dtype}` : `onnxruntime-node (CPU EP), ${dtype}`, short: `ort-${rt} ${dtype}/${threads}`,
		graph: "plain tower", dtype, threads, ms: [], init_ms: s.info.init_ms, effective_threads: s.info.effective_threads, warnings: s.info.warnings,
		stop: s.stop,
	};
	e.run = async (last) => {
		const r = await s.run(last);
		if (last) {
			e.embed = r.embed;
			e.rss = r.rss;
		}
		return r.ms;
	};
	if (threads > 1 && s.info.effective_threads !== threads) R.notes.push(`${e.label}: asked for ${threads} threads, ran with ${s.info.effective_threads}`);
	return e;
};

const nativeRow = (srv, dtype, threads) => ({
	group: "native", label: `Go native (amd64), ${dtype}`, short: `native ${dtype}/${threads}`, graph: "SDP dual path", dtype, threads, ms: [],
	run: async () => (await srv.run(threads)).ms,
});

const wasmRow = (key, w) => {
	const v = WASM[key];
	const e = { group: "wasm", key, label: v.label, short: key, graph: "SDP dual path", dtype: v.dtype, threads: 1, unit: "worker", ms: [], worker: w };
	e.run = async (last) => {
		const r = await w.call("forward", { n: 1, warmup: 0, output: last });
		if (last) {
			e.embed = Array.from(r.imageEmbed);
			e.features = r.features;
		}
		if (v.simd && !r.simd) e.note = "SIMD module not linked";
		return r.ms[0];
	};
	return e;
};

// the same core with wasm/split.go's row forward on one worker: plain tower
// (original path only), or the dual path as the split's own baseline
const rowRow = (w, dtype, plain, label) => ({
	group: plain ? "wasm" : "split", label, short: plain ? `${dtype} plain` : `row ${dtype} 1w`, graph: plain ? "plain tower" : "SDP dual path", dtype, threads: 1, unit: "worker", ms: [], plain,
	run: async () => (await w.call("split", { opts: { rank: 0, size: 1, n: 1, warmup: 0, plain } })).ms[0],
});

const splitRow = (ws, transport, dtype) => {
	const e = {
		group: "split", label: `Go wasm + SIMD, ${dtype}, one image split over ${ws.length} workers (${transport === "shared" ? "SharedArrayBuffer" : "MessagePort"})`,
		short: `split ${dtype} ${transport}`, graph: "SDP dual path", dtype, threads: ws.length, unit: "worker", ms: [], exchange: [], wall: [],
	};
	e.run = async (last) => {
		const t = performance.now();
		const res = await Promise.all(ws.map((w, rank) => w.call("split", { peerName: transport, opts: { rank, size: ws.length, n: 1, warmup: 0, output: last, profile: last } })));
		e.wall.push(performance.now() - t);
		e.exchange.push(res[0].exchangeMs[0]);
		if (last) {
			e.features = res.map((r) => r.features);
			e.embed = res[0].imageEmbed;
			e.profile = res[0].profile;
			e.profileRank1 = res[1].profile;
		}
		return res[0].ms[0];
	};
	return e;
};

async function installPeers(ws, transport) {
	const slot = Math.ceil(226 / ws.length) * 3 * 896 * 4;
	const g = makeGroup(ws.length, slot, { transport });
	await Promise.all(ws.map((w, rank) => w.call("peer", { name: transport, peer: g.forRank(rank) }, g.transferFor(rank))));
}

async function memOf(label, w) {
	const m = await w.call("mem");
	R.mem.push({ label, linearBytes: m.linearBytes, afterLoadBytes: m.afterLoadBytes, heapInuse: m.go.heapInuse, bundleBytes: w.bundleBytes });
}

async function extras(e) {
	// where the dual-path time goes
	const w = e.worker;
	if (want("profile")) {
		const q = await w.call("split", { opts: { rank: 0, size: 1, n: 1, warmup: 0, profile: true } });
		R.profile[e.label] = { ...q.profile, total: q.ms[0] };
	}
}

function listImages(dir, n) {
	const out = [];
	const walk = (d) => {
		for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
			const p = path.join(d, e.name);
			if (e.isDirectory()) {
				if (!/^(mask|ground_truth)$/.test(e.name)) walk(p);
			} else if (/\.(png|jpe?g)$/i.test(e.name)) out.push(p);
		}
	};
	if (fs.existsSync(dir)) walk(dir);
	const pick = [];
	const step = Math.max(1, Math.floor(out.length / n));
	for (let i = 0; i < out.length && pick.length < n; i += step) pick.push(out[i]);
	// fewer images than asked for: go round them again (analyze keeps no
	// state between images), so that n jobs share out evenly over workers
	for (let i = 0; pick.length > 0 && pick.length < n && n > 1; i++) pick.push(pick[i]);
	return pick;
}

// Batch throughput: --reps rounds, each timing, back to back, the files on
// 1 worker, on 2 workers of this process, on 2 workers in processes of
// their own (the control for what the workers share) and the spin loop
// alone and twice at once (the control for what the machine gives). The
// machine is shared and its second core comes and goes, so the ratios are
// taken per round, where the controls ran within seconds of the workers.
async function batchPhase(ws, files, dtype) {
	log(`batch throughput: ${files.length} analyze calls, ${reps} rounds of 1 worker / 2 workers / 2 worker processes / spin ×1 / spin ×2`);
	const ps = await Promise.all([0, 1].map(() => startWorker({ simd: true, dtype, text: true, ownProcess: true })));
	const all = [...ws, ...ps];
	await Promise.all(all.map((w) => w.call("analyze", { files: [files[0]], category: "bottle" })));
	const rounds = [];
	for (let r = 0; r < reps; r++) {
		const one = await throughput([ws[0]], files);
		const two = await throughput(ws, files);
		const procs = await throughput(ps, files);
		const spin1 = await spin(1);
		const spin2 = await spin(2);
		const q = { one, two, procs, spin1, spin2, workers: one / two, processes: one / procs, machine: (2 * spin1) / spin2 };
		rounds.push(q);
		log(`  round ${r + 1}: 1 worker ${one.toFixed(1)} s, 2 workers ${two.toFixed(1)} s (${q.workers.toFixed(2)}×), 2 processes ${procs.toFixed(1)} s (${q.processes.toFixed(2)}×); spin ${spin1.toFixed(2)} s alone, ${spin2.toFixed(2)} s two at once (machine ${q.machine.toFixed(2)}×)`);
	}
	for (const p of ps) await p.stop();
	const med = (k) => median(rounds.map((q) => q[k]));
	return {
		dtype, images: files.length, rounds,
		one: { seconds: med("one"), images_per_s: files.length / med("one") },
		two: { seconds: med("two"), images_per_s: files.length / med("two") },
		ratio: med("workers"), processes: med("processes"), machine: med("machine"),
		files: files.map((f) => path.relative(root, f)),
	};
}

const SPIN = 4e8;
// seconds until all n spin processes (proc.mjs spin) are done, started at once
async function spin(n) {
	const t = performance.now();
	await Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
		const c = spawn(process.execPath, [path.join(here, "proc.mjs"), "spin", String(SPIN)], { stdio: ["ignore", "ignore", "inherit"] });
		c.on("exit", (code) => (code ? reject(new Error(`spin exited ${code}`)) : resolve()));
	})));
	return (performance.now() - t) / 1000;
}

async function throughput(workers, files) {
	const t = performance.now();
	let next = 0;
	await Promise.all(workers.map(async (w) => {
		while (next < files.length) await w.call("analyze", { files: [files[next++]], category: "bottle" });
	}));
	return (performance.now() - t) / 1000;
}

// ---------------- phases ----------------
async function phaseOne(dtype) {
	log(`phase ${dtype}, 1 thread / 1 worker: loading`);
	const rows = [];
	if (want("ort-web")) rows.push(await ortRow("web", dtype, 1));
	const keys = Object.keys(WASM).filter((k) => WASM[k].dtype === dtype && variantsWanted.has(k));
	if (want("wasm")) {
		for (const k of keys) {
			if (WASM[k].simd && !haveSimd) {
				R.rows.push({ group: "wasm", label: WASM[k].label, graph: "SDP dual path", dtype, threads: 1, unit: "worker", ms: [], unavailable: `not available (${simdMissing.join(", ")} missing)` });
				continue;
			}
			const w = await startWorker({ simd: WASM[k].simd, dtype, text: dtype === "int8" && WASM[k].simd, relaxed: WASM[k].relaxed });
			log(`  ${k}: loaded in ${w.info.loadMs.toFixed(0)} ms${WASM[k].simd ? `, SIMD linked: ${w.info.linked}, relaxed SIMD: ${w.info.relaxed}` : ""}`);
			const e = wasmRow(k, w);
			if (WASM[k].simd && dtype === "int8") e.relaxed = !!w.info.relaxed;
			if (k === "simd-int8") R.notes.push(`${WASM[k].label}: int8 products ${w.info.relaxed ? "on relaxed SIMD's 8-bit dot product (relaxed.wat)" : "on kernels.wat: this Node has no usable relaxed SIMD"} (Node ${process.version})`);
			rows.push(e);
			if (WASM[k].simd) {
				const p = rowRow(w, dtype, true, WASM[k].label);
				p.plainOf = e;
				rows.push(p);
			}
		}
	}
	let nat = null;
	if (want("native")) {
		nat = await nativeServer(dtype);
		rows.push(nativeRow(nat, dtype, 1));
	}
	if (want("ort-node")) rows.push(await ortRow("node", dtype, 1));
	log(`phase ${dtype}, 1 thread: ${warmup} warm-up + ${reps} rounds of ${rows.map((e) => e.short).join(", ")}`);
	await interleave(rows);
	for (const e of rows) {
		if (e.stop) e.stop();
		if (e.worker) {
			await extras(e);
			await memOf(e.label, e.worker);
		}
	}
	return { rows, nat };
}

async function phaseTwo(dtype, nat, keep) {
	log(`phase ${dtype}, 2 threads / 2 workers: loading`);
	const rows = [];
	if (want("ort-web")) rows.push(await ortRow("web", dtype, 2));
	let ws = null;
	if ((want("split") || (dtype === "int8" && want("batch"))) && haveSimd) {
		const w0 = keep ?? (await startWorker({ simd: true, dtype, text: dtype === "int8" }));
		const w1 = await startWorker({ simd: true, dtype, text: dtype === "int8" });
		ws = [w0, w1];
		if (want("split")) {
			const base = rowRow(w0, dtype, false, `Go wasm + SIMD, ${dtype}, the split's row forward on 1 worker (its baseline)`);
			rows.push(base);
			const transports = dtype === "int8" ? ["shared", "message"] : ["shared"];
			for (const tr of transports) {
				if (tr === "shared" && !sharedAvailable()) {
					R.rows.push({ group: "split", label: `Go wasm + SIMD, ${dtype}, one image split over 2 workers (SharedArrayBuffer)`, graph: "SDP dual path", dtype, threads: 2, unit: "worker", ms: [], unavailable: "SharedArrayBuffer not available" });
					continue;
				}
				await installPeers(ws, tr);
				rows.push(splitRow(ws, tr, dtype));
			}
		}
	} else if (!haveSimd && want("split")) {
		R.rows.push({ group: "split", label: `Go wasm + SIMD, ${dtype}, one image split over 2 workers`, graph: "SDP dual path", dtype, threads: 2, unit: "worker", ms: [], unavailable: `not available (${simdMissing.join(", ")} missing)` });
	}
	if (nat) rows.push(nativeRow(nat, dtype, 2));
	if (want("ort-node")) rows.push(await ortRow("node", dtype, 2));
	log(`phase ${dtype}, 2 threads: ${warmup} warm-up + ${reps} rounds of ${rows.map((e) => e.short).join(", ")}`);
	await interleave(rows);
	for (const e of rows) if (e.stop) e.stop();
	// bit-identity of the split against the one-worker forward
	const one = R.rows.find((e) => e.key === `simd-${dtype}` && e.features);
	for (const e of rows.filter((x) => x.group === "split" && x.features)) {
		if (one) e.maxDiffVsOneWorker = Math.max(maxAbsDiff(e.embed, one.embed), ...e.features.flatMap((fr) => fr.map((f, k) => maxAbsDiff(f, one.features[k]))));
		delete e.features;
	}
	if (ws && dtype === "int8" && want("batch")) {
		const files = listImages(o.images, batchN);
		if (files.length < 2) R.batch = { unavailable: `no images under ${o.images}` };
		else R.batch = await batchPhase(ws, files, dtype);
	}
	if (ws) {
		await memOf(`Go wasm + SIMD, ${dtype}, worker 1 after split${dtype === "int8" ? " + batch" : ""}`, ws[0]);
		await memOf(`Go wasm + SIMD, ${dtype}, worker 2 after split${dtype === "int8" ? " + batch" : ""}`, ws[1]);
		for (const w of ws) await w.stop();
	}
	if (nat) nat.stop();
}

// ---------------- run ----------------
if (want("sizes")) {
	const shell = [];
	const walk = (d) => {
		for (const e of fs.readdirSync(d, { withFileTypes: true })) {
			const p = path.join(d, e.name);
			if (e.isDirectory()) walk(p);
			else if (/\.(m?js|css|html|json|webmanifest|svg)$/i.test(e.name)) shell.push(p);
		}
	};
	if (fs.existsSync(path.join(root, "js", "app"))) walk(path.join(root, "js", "app"));
	if (fs.existsSync(path.join(root, "index.html"))) shell.push(path.join(root, "index.html"));
	shell.push(wasmExec);
	const gz = (files) => {
		let raw = 0, z = 0;
		for (const f of files) {
			const b = fs.readFileSync(f);
			raw += b.length;
			z += zlib.gzipSync(b, { level: 9 }).length;
		}
		return { raw, gzip: z, files: files.map((f) => path.relative(root, f)) };
	};
	R.sizes = { bundleInt8: manifest(P.bundle.int8).total_bytes, bundleF32: manifest(P.bundle.f32).total_bytes, shell: gz(shell), plainCore: gz([P.core, ...shell]) };
	if (haveSimd) R.sizes.simdCore = gz([P.coreSimd, P.simdKernels, P.simdJs, ...shell]);
}

let keepF32 = null, keepInt8 = null, natF32 = null, natInt8 = null;
if (phases.has("f32")) {
	const r = await phaseOne("f32");
	natF32 = r.nat;
	for (const e of r.rows) if (e.worker) {
		if (e.key === "simd-f32" && phases.has("f32x2")) keepF32 = e.worker;
		else await e.worker.stop();
	}
}
if (phases.has("int8")) {
	const r = await phaseOne("int8");
	natInt8 = r.nat;
	for (const e of r.rows) if (e.worker) {
		if (e.key === "simd-int8" && phases.has("int8x2")) keepInt8 = e.worker;
		else await e.worker.stop();
	}
}
if (phases.has("int8x2")) await phaseTwo("int8", natInt8 ?? (want("native") ? await nativeServer("int8") : null), keepInt8);
else natInt8?.stop();
if (phases.has("f32x2")) await phaseTwo("f32", natF32 ?? (want("native") ? await nativeServer("f32") : null), keepF32);
else natF32?.stop();

if (phases.has("memory") && haveSimd) {
	// a fresh int8 worker doing what a page worker does for one image
	// (the core sets its GC target to 25 % itself, wasm/main.go)
	log("memory: fresh SIMD int8 worker: load, 1 forward, 1 analyze");
	const w = await startWorker({ simd: true, dtype: "int8", text: true });
	const f = await w.call("forward", { n: 1, warmup: 0 });
	const files = listImages(o.images, 1);
	if (files.length) await w.call("analyze", { files, category: "bottle" });
	await memOf(`Go wasm + SIMD, int8, fresh worker (load, forward${files.length ? ", analyze" : ""}; forward ${f.ms[0].toFixed(0)} ms)`, w);
	await w.stop();
}

// fidelity: cosine of image_embed to onnxruntime f32, 1 thread (same input)
const ref = R.rows.find((e) => e.group === "ort-web" && e.dtype === "f32" && e.embed)?.embed ?? R.rows.find((e) => e.group === "ort-node" && e.dtype === "f32" && e.embed)?.embed;
if (ref) for (const e of R.rows) if (e.embed && e.embed !== ref) R.fidelity[`${e.short ?? e.label}`] = cos(e.embed, ref);
R.host.loadavgEnd = os.loadavg();
R.totalSeconds = (performance.now() - T0) / 1000;

// ---------------- report ----------------
const fmt = (x) => (x == null || Number.isNaN(x) ? "—" : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const MB = (b) => (b >= 1e6 ? (b / 1e6).toFixed(1) + " MB" : (b / 1e3).toFixed(0) + " kB");
const refMs = (dtype, t) => R.rows.find((e) => e.group === "ort-web" && e.dtype === dtype && e.threads === t)?.median_ms;
const order = ["ort-web", "wasm", "split", "native", "ort-node"];
const sorted = R.rows.map((e, i) => [e, i]).sort(([a, i], [b, j]) => order.indexOf(a.group) - order.indexOf(b.group) || (a.group === "split" ? (a.dtype > b.dtype ? -1 : a.dtype < b.dtype ? 1 : 0) || a.threads - b.threads : a.threads - b.threads || (a.dtype > b.dtype ? 1 : a.dtype < b.dtype ? -1 : 0)) || i - j).map(([e]) => e);
const lines = [];
const out = (s = "") => lines.push(s);
out(`clipad benchmark — ${R.started}; ${R.host.cpu}, ${R.host.cores} cores; Node ${R.host.node}; ${R.host.go}`);
out(`median of ${reps} interleaved round(s) after ${warmup} warm-up; V8 wasm tiering ${v8Flags.length ? "off (--eager-wasm: all wasm optimised up front)" : "on (Node/Chrome default)"}; load average ${R.host.loadavgStart.map((x) => x.toFixed(1)).join(" ")} at start, ${R.host.loadavgEnd.map((x) => x.toFixed(1)).join(" ")} at end; ${R.totalSeconds.toFixed(0)} s`);
out();
out("| variant | graph | threads / workers | ms / image | ratio to onnxruntime-web | note |");
out("|---|---|---|---|---|---|");
for (const e of sorted) {
	const tw = `${e.threads} ${e.unit ?? "thread"}${e.threads > 1 ? "s" : ""}`;
	if (e.unavailable) {
		out(`| ${e.label} | ${e.graph} | ${tw} | — | — | ${e.unavailable} |`);
		continue;
	}
	const ref = refMs(e.dtype, e.threads);
	const notes = [];
	if (e.error) notes.push(`failed: ${e.error.slice(0, 100)}`);
	if (e.note) notes.push(e.note);
	if (e.plainOf?.median_ms) notes.push(`dual/plain ${(e.plainOf.median_ms / e.median_ms).toFixed(2)}`);
	if (e.group === "split" && e.threads === 1) notes.push("same rounds as the split rows below");
	if (e.group === "split" && e.threads > 1) {
		const one = R.rows.find((x) => x.key === `simd-${e.dtype}`)?.median_ms;
		const base = R.rows.find((x) => x.group === "split" && x.threads === 1 && x.dtype === e.dtype)?.median_ms;
		if (base) notes.push(`${(base / e.median_ms).toFixed(2)}× faster than its 1-worker baseline`);
		if (one) notes.push(`${(one / e.median_ms).toFixed(2)}× faster than analyze's forward on 1 worker`);
		notes.push(`exchange + wait ${fmt(median(e.exchange))} ms`);
		if (e.maxDiffVsOneWorker != null) notes.push(e.maxDiffVsOneWorker === 0 ? "bit-identical to 1 worker" : `max |diff| ${e.maxDiffVsOneWorker}`);
	}
	if (e.group === "ort-web" && e.threads > 1 && e.effective_threads !== e.threads) notes.push(`ran with ${e.effective_threads} thread(s)`);
	out(`| ${e.label} | ${e.graph} | ${tw} | ${fmt(e.median_ms)} | ${ref && e.median_ms ? (e.median_ms / ref).toFixed(2) + "×" : "—"} | ${notes.join("; ")} |`);
}
out();
out("ratio = ms / ms of onnxruntime-web's plain tower with the same weight type and thread count (1 worker ↔ 1 thread, 2 workers ↔ 2 threads); goals: SDP f32 and int8 on 1 worker ≤ 1.00×.");
out();
if (R.batch?.one) {
	const B = R.batch;
	out(`Batch throughput (Go wasm + SIMD, int8; analyze = decode + preprocess + SDP forward + maps; ${B.images} analyses of ${new Set(B.files).size} MVTec images; ${B.rounds.length} rounds, each running every column back to back):`);
	out();
	out("| round | 1 worker | 2 workers | 2 worker processes | spin alone | spin ×2 at once | 2 workers / 1 | 2 processes / 1 | machine: 2 spins / 1 |");
	out("|---|---|---|---|---|---|---|---|---|");
	B.rounds.forEach((q, i) => out(`| ${i + 1} | ${q.one.toFixed(1)} s | ${q.two.toFixed(1)} s | ${q.procs.toFixed(1)} s | ${q.spin1.toFixed(2)} s | ${q.spin2.toFixed(2)} s | ${q.workers.toFixed(2)}× | ${q.processes.toFixed(2)}× | ${q.machine.toFixed(2)}× |`));
	out();
	out(`Median: 1 worker ${B.one.images_per_s.toFixed(3)} images/s, 2 workers ${B.two.images_per_s.toFixed(3)} images/s: 2 workers / 1 worker = ${B.ratio.toFixed(2)}× (goal ≥ 1.8×); the same work in 2 processes ${B.processes.toFixed(2)}×; the machine gave ${B.machine.toFixed(2)}× to two register-only loops (2.00× = two whole cores).`);
	out();
} else if (R.batch?.unavailable) out(`Batch throughput: ${R.batch.unavailable}\n`);
if (R.mem.length) {
	out("Peak memory per worker (wasm linear memory = its high-water mark: it never shrinks):");
	out();
	out("| worker | linear memory | after loading | Go heap in use | bundle | peak / bundle |");
	out("|---|---|---|---|---|---|");
	for (const m of R.mem) out(`| ${m.label} | ${MB(m.linearBytes)} | ${MB(m.afterLoadBytes)} | ${MB(m.heapInuse)} | ${MB(m.bundleBytes)} | ${(m.linearBytes / m.bundleBytes).toFixed(2)}× |`);
	out();
}
if (R.sizes.bundleInt8) {
	out(`int8 bundle: ${R.sizes.bundleInt8} bytes = ${MB(R.sizes.bundleInt8)} = ${(R.sizes.bundleInt8 / 2 ** 20).toFixed(1)} MiB (goal ≤ 120 MB); f32 bundle ${MB(R.sizes.bundleF32)}.`);
	out(`gzip -9: ${R.sizes.simdCore ? `SIMD core + kernels.wasm + simd.js + JS shell ${MB(R.sizes.simdCore.gzip)} (raw ${MB(R.sizes.simdCore.raw)}); ` : ""}pure-Go core + JS shell ${MB(R.sizes.plainCore.gzip)} (raw ${MB(R.sizes.plainCore.raw)}); the shell alone (js/app, index.html, wasm_exec.js: ${R.sizes.shell.files.length} files) ${MB(R.sizes.shell.gzip)} (goal ≤ 3 MB).`);
	out();
}
const profs = Object.entries(R.profile);
for (const e of R.rows.filter((x) => x.group === "split" && x.profile)) profs.push([`${e.short} rank 0`, { ...e.profile, total: e.ms[e.ms.length - 1] }]);
if (profs.length) {
	const keys = ["embed", "layernorm", "qkv", "attention", "out_proj", "vv_attention", "vv_out_proj", "softmax", "mlp_fc", "gelu", "mlp_proj", "residual", "features", "exchange", "total"];
	out("Where the time goes — one dual-path forward (ms; wasm/split.go's row forward, the same kernels and sums as analyze; attention = the q·kᵀ and p·v products, softmax separate):");
	out();
	out(`| bucket | ${profs.map(([k]) => k.replace(/^Go wasm\W*/, "")).join(" | ")} |`);
	out(`|---|${profs.map(() => "---").join("|")}|`);
	for (const k of keys) out(`| ${k} | ${profs.map(([, p]) => fmt(p[k])).join(" | ")} |`);
	out();
}
if (Object.keys(R.fidelity).length) {
	out("Fidelity — cosine of image_embed to onnxruntime-web f32 (same input): " + Object.entries(R.fidelity).map(([k, v]) => `${k} ${v.toFixed(5)}`).join("; ") + ".");
	out();
}
for (const n of R.notes) out(`note: ${n}`);
const text = lines.join("\n");
console.log(text);
for (const e of R.rows) {
	delete e.run;
	delete e.stop;
	delete e.worker;
	delete e.embed;
	delete e.features;
	delete e.plainOf;
}
if (o.json) fs.writeFileSync(o.json, JSON.stringify(R, null, 1));
if (o.md) fs.writeFileSync(o.md, text + "\n");
process.exit(0);
