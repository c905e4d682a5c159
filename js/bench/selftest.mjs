// selftest.mjs — checks the single-image split (wasm/split.go +
// js/bench/peer.mjs) on a small model, in seconds (make bench-selftest):
// for f32 and int8 bundles, pure-Go and (when present) SIMD cores, the
// forward split over 1, 2 and 3 workers (uneven row blocks), with the
// SharedArrayBuffer and the MessagePort transport, must give image_embed
// and all four stage feature matrices bit-identical to clipad.benchForward
// (vision.Model.Forward) on one worker; the plain tower's embedding must
// equal the dual path's.
//
//   node js/bench/selftest.mjs --dir build/bench/selftest
//   (the directory holds bundle-f32/, bundle-int8/ of any config, and
//    core/clipad.wasm [+ core/clipad-simd.wasm])
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { makeGroup } from "./peer.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const { values: o } = parseArgs({ options: { dir: { type: "string", default: path.join(root, "build", "bench", "selftest") } } });
const D = path.resolve(o.dir);
const wasmExec = path.join(execFileSync("go", ["env", "GOROOT"], { encoding: "utf8" }).trim(), "lib", "wasm", "wasm_exec.js");
const simdJs = path.join(root, "js", "simd", "simd.js"), simdKernels = path.join(root, "model", "kernels", "simd", "kernels.wasm");
const coreSimd = path.join(D, "core", "clipad-simd.wasm");
const haveSimd = [simdJs, simdKernels, coreSimd].every((f) => fs.existsSync(f));

function startWorker(simd, bundle) {
	return new Promise((resolve, reject) => {
		const w = new Worker(path.join(here, "worker.mjs"), {
			workerData: { wasm: simd ? coreSimd : path.join(D, "core", "clipad.wasm"), wasmExec, simdJs: simd ? simdJs : undefined, simdKernels: simd ? simdKernels : undefined, bundle },
		});
		let id = 1;
		const pend = new Map();
		const h = {
			call(cmd, x = {}, tr = []) {
				const i = id++;
				w.postMessage({ id: i, cmd, ...x }, tr);
				return new Promise((a, b) => pend.set(i, { a, b }));
			},
			stop: () => w.terminate(),
		};
		w.on("message", (m) => {
			if (m.id === 0) return m.ready ? resolve(Object.assign(h, { info: m })) : reject(new Error(m.fatal));
			const p = pend.get(m.id);
			pend.delete(m.id);
			m.error ? p.b(new Error(m.error)) : p.a(m.result);
		});
		w.on("error", reject);
	});
}

const same = (a, b) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
let failures = 0, checks = 0;
function check(ok, what) {
	checks++;
	if (!ok) {
		failures++;
		console.error(`FAIL ${what}`);
	}
}

const man = JSON.parse(fs.readFileSync(path.join(D, "bundle-f32", "manifest.json"), "utf8"));
const v = man.config.vision;
const T = (v.image_size / v.patch_size) ** 2 + 1;
for (const simd of haveSimd ? [false, true] : [false]) {
	for (const dtype of ["f32", "int8"]) {
		const bundle = path.join(D, `bundle-${dtype}`);
		const ws = await Promise.all([0, 1, 2].map(() => startWorker(simd, bundle)));
		const tag = `${simd ? "simd" : "go"} ${dtype}`;
		check(!simd || ws[0].info.linked, `${tag}: SIMD module linked`);
		const ref = await ws[0].call("forward", { n: 1, output: true });
		const plain = await ws[0].call("split", { opts: { rank: 0, size: 1, plain: true, output: true } });
		check(same(plain.imageEmbed, ref.imageEmbed), `${tag}: plain tower embedding = dual path's`);
		for (const size of [1, 2, 3]) {
			for (const transport of size === 1 ? ["none"] : ["shared", "message"]) {
				const group = ws.slice(0, size);
				let peer = null;
				if (size > 1) {
					const slot = Math.ceil(T / size) * 3 * v.width * 4;
					peer = makeGroup(size, slot, { transport });
				}
				const res = await Promise.all(group.map((w, rank) => w.call("split", { peer: peer?.forRank(rank), opts: { rank, size, n: 2, output: true } }, peer ? peer.transferFor(rank) : [])));
				check(same(res[0].imageEmbed, ref.imageEmbed), `${tag} size ${size} ${transport}: image_embed`);
				res.forEach((r, rank) => {
					check(r.transport === transport, `${tag} size ${size}: transport ${r.transport}, want ${transport}`);
					for (let k = 0; k < 4; k++) check(same(r.features[k], ref.features[k]), `${tag} size ${size} ${transport} rank ${rank}: features_${k + 1}`);
				});
				console.log(`ok  ${tag}, ${size} worker(s)${size > 1 ? `, ${transport}` : ""}: ${res[0].ms.map((x) => x.toFixed(0)).join(", ")} ms`);
			}
		}
		for (const w of ws) await w.stop();
	}
}
if (!haveSimd) console.log("SIMD core not checked (js/simd/simd.js, model/kernels/simd/kernels.wasm or the -tags simd core missing)");
console.log(`${checks - failures}/${checks} checks passed`);
process.exit(failures ? 1 : 0);
