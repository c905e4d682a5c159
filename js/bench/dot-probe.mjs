// dot-probe.mjs — how fast are wasm's two 8-bit dot products on this
// machine, in Node and in headless Chromium? (make bench-dot)
//
// It writes two micro-kernels of the int8 GEMM's shape (4 rows × 8
// channels, one k step per loop iteration, operands in registers except
// one panel load and four broadcasts per step) as WAT, builds them with
// wat2wasm --enable-relaxed-simd, and times each over cache-resident data:
//   dot_i16x8    i32x4.dot_i16x8_s + i32x4.add on i16 pairs (what
//                kernels.wasm uses; 8 multiply-adds per instruction)
//   relaxed_dot  i32x4.relaxed_dot_i8x16_i7x16_add_s (relaxed SIMD; 16
//                multiply-adds per instruction, one operand 7-bit)
// GOP/s counts a multiply-add as 2. Node runs with
// --experimental-wasm-relaxed-simd (Node 20 has relaxed SIMD off by
// default); Chromium (/usr/bin/chromium or $CHROMIUM) has it on. The
// results are not the kernels' values — only their speed is measured.
//
//   node js/bench/dot-probe.mjs [--no-chromium]
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const R = 4, V = 2; // rows × (vectors of 4 channels)

function kernel(name, relaxed) {
	const L = [];
	L.push(`(func (export "${name}") (param $c i32) (param $a i32) (param $bp i32) (param $k i32)`);
	L.push("(local $end i32)");
	for (let r = 0; r < R; r++) for (let v = 0; v < V; v++) L.push(`(local $c${r}_${v} v128)`);
	for (let v = 0; v < V; v++) L.push(`(local $b${v} v128)`);
	L.push("(local $av v128)");
	const kPer = relaxed ? 4 : 2; // k values per i32 lane and step
	L.push(`(local.set $end (i32.add (local.get $bp) (i32.mul (i32.div_u (local.get $k) (i32.const ${kPer})) (i32.const ${16 * V}))))`);
	L.push("(loop $step");
	for (let v = 0; v < V; v++) L.push(`(local.set $b${v} (v128.load offset=${16 * v} (local.get $bp)))`);
	for (let r = 0; r < R; r++) {
		L.push(`(local.set $av (v128.load32_splat offset=${4 * r} (local.get $a)))`);
		for (let v = 0; v < V; v++) {
			const c = `$c${r}_${v}`;
			L.push(relaxed
				? `(local.set ${c} (i32x4.dot_i8x16_i7x16_add_s (local.get $b${v}) (local.get $av) (local.get ${c})))`
				: `(local.set ${c} (i32x4.add (local.get ${c}) (i32x4.dot_i16x8_s (local.get $av) (local.get $b${v}))))`);
		}
	}
	L.push(`(local.set $a (i32.add (local.get $a) (i32.const ${4 * R})))`);
	L.push(`(local.set $bp (i32.add (local.get $bp) (i32.const ${16 * V})))`);
	L.push("(br_if $step (i32.lt_u (local.get $bp) (local.get $end))))");
	for (let r = 0; r < R; r++) for (let v = 0; v < V; v++) L.push(`(v128.store offset=${16 * (r * V + v)} (local.get $c) (local.get $c${r}_${v}))`);
	L.push(")");
	return L.join("\n");
}

// The timing loop, run in Node and (as a string) in the page.
async function probe(bytes) {
	const mem = new WebAssembly.Memory({ initial: 64 });
	const { instance } = await WebAssembly.instantiate(bytes, { env: { memory: mem } });
	const u8 = new Uint8Array(mem.buffer);
	for (let i = 0; i < u8.length; i++) u8[i] = ((i * 2654435761) >>> 24) & 127;
	const out = {};
	for (const name of ["dot_i16x8", "relaxed_dot"]) {
		const f = instance.exports[name];
		const k = 1024, n = 20000;
		let best = 0;
		for (let rep = 0; rep < 6; rep++) {
			const t = performance.now();
			for (let i = 0; i < n; i++) f(64, (1 << 20) + (i & 15) * 4096, (2 << 20) + (i & 15) * 8192, k);
			best = Math.max(best, (n * k * R * V * 4 * 2) / ((performance.now() - t) / 1000) / 1e9);
		}
		out[name] = +best.toFixed(1);
	}
	return out;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dot-probe-"));
const wat = path.join(tmp, "dot.wat"), wasm = path.join(tmp, "dot.wasm");
fs.writeFileSync(wat, `(module (import "env" "memory" (memory 0))\n${kernel("dot_i16x8", false)}\n${kernel("relaxed_dot", true)})\n`);
execFileSync("wat2wasm", ["--enable-relaxed-simd", wat, "-o", wasm]);
const bytes = fs.readFileSync(wasm);

if (process.argv[2] === "--child") {
	console.log(JSON.stringify(await probe(bytes)));
	process.exit(0);
}
const child = spawnSync(process.execPath, [...(process.versions.node.split(".")[0] < 22 ? ["--experimental-wasm-relaxed-simd"] : []), "--no-wasm-dynamic-tiering", fileURLToPath(import.meta.url), "--child"], { encoding: "utf8" });
if (child.status !== 0) throw new Error(`node probe failed: ${child.stderr}`);
console.log(`Node ${process.version} (--experimental-wasm-relaxed-simd): ${child.stdout.trim()} GOP/s`);

if (!process.argv.includes("--no-chromium")) {
	const { chromium } = await import("playwright-core");
	const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
	try {
		const page = await browser.newPage();
		const res = await page.evaluate(async ([src, b64, r, v]) => {
			const R = r, V = v; // the probe's free variables
			const f = eval(`(${src})`);
			return { ua: navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0], ...(await f(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)))) };
		}, [probe.toString(), bytes.toString("base64"), R, V]);
		const { ua, ...gops } = res;
		console.log(`Chromium (${ua}): ${JSON.stringify(gops)} GOP/s`);
	} finally {
		await browser.close();
	}
}
fs.rmSync(tmp, { recursive: true, force: true });
