// simd.test.mjs — simd.js's link() on bad kernel files: the custom section
// "clipad.relaxed" (relaxed.wat's binary inside kernels.wasm) garbled,
// truncated, doubled, of the wrong ABI or failing its self-test must leave
// the module linked on kernels.wat alone (relaxed false); a truncated or
// corrupt kernels.wasm, or none, must leave it unlinked (false), never
// throw. make test-simd runs it under the system Node and under Node 24.
//
//   node js/simd/simd.test.mjs [path/to/kernels.wasm]
//   CLIPAD_SIMD_RELAXED=1  the real file must link its relaxed product
//                          (Node 22+); =0: it must not (Node 20)
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
await import(path.join(here, "simd.js"));
const { ClipadSIMD } = globalThis;
const file = process.argv[2] || path.join(here, "..", "..", "model", "kernels", "simd", "kernels.wasm");
const real = new Uint8Array(fs.readFileSync(file));

let failed = 0;
function check(name, ok, detail = "") {
	console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok ? "" : ` — ${detail}`}`);
	if (!ok) failed++;
}

// unsigned LEB128
function leb(n) {
	const out = [];
	do {
		let b = n & 127;
		n >>>= 7;
		if (n) b |= 128;
		out.push(b);
	} while (n);
	return out;
}
function readLeb(b, off) {
	let n = 0, shift = 0, x;
	do {
		x = b[off++];
		n |= (x & 127) << shift;
		shift += 7;
	} while (x & 128);
	return [n >>> 0, off];
}
// the module's sections as [{id, body}]
function sections(bin) {
	const out = [];
	for (let off = 8; off < bin.length;) {
		const id = bin[off];
		const [size, start] = readLeb(bin, off + 1);
		out.push({ id, body: bin.subarray(start, start + size) });
		off = start + size;
	}
	return out;
}
const section = (id, body) => [id, ...leb(body.length), ...body];
const custom = (name, payload) => section(0, [...leb(name.length), ...new TextEncoder().encode(name), ...payload]);
const module = (...secs) => new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, ...secs.flat()]);

// kernels.wasm without its custom sections, and the relaxed module it carries
const plain = sections(real).filter((s) => s.id !== 0);
const base = module(...plain.map((s) => section(s.id, s.body)));
const inner = (() => {
	const c = sections(real).find((s) => s.id === 0);
	const [n, off] = readLeb(c.body, 0);
	return c.body.subarray(off + n);
})();
const withCustom = (...payloads) => module(...plain.map((s) => section(s.id, s.body)), ...payloads.map((p) => custom("clipad.relaxed", p)));

// A stand-in relaxed module: (import "env" "memory" (memory 0)), exports abi()
// → abiVal and selftest() → selfVal (no qgemm: link must not get that far).
function fakeRelaxed(abiVal, selfVal) {
	const i32 = 0x7f;
	const type = section(1, [1, 0x60, 0, 1, i32]);
	const imp = section(2, [1, 3, ...new TextEncoder().encode("env"), 6, ...new TextEncoder().encode("memory"), 2, 0, 0]);
	const funcs = section(3, [2, 0, 0]);
	const exp = section(7, [2, 3, ...new TextEncoder().encode("abi"), 0, 0, 8, ...new TextEncoder().encode("selftest"), 0, 1]);
	const body = (v) => { const b = [0, 0x41, v, 0x0b]; return [b.length, ...b]; };
	const code = section(10, [2, ...body(abiVal), ...body(selfVal)]);
	return module(type, imp, funcs, exp, code);
}

async function link(src, options) {
	const go = { importObject: {} };
	const h = ClipadSIMD.attach(go, src, options);
	const mem = new WebAssembly.Memory({ initial: 1 });
	let linked, err = null;
	try {
		linked = await h.link({ exports: { mem } });
	} catch (e) {
		err = e;
	}
	return { linked, relaxed: h.relaxed, err, available: go.importObject.clipad_simd.available() };
}

if (!ClipadSIMD.supported()) {
	console.log("skip: this engine has no wasm SIMD");
	process.exit(0);
}
check("the stand-in relaxed module is valid wasm", WebAssembly.validate(fakeRelaxed(1, 1)));
check("the inner module round-trips", WebAssembly.validate(withCustom(inner)) && sections(withCustom(inner)).length === sections(real).length);

const want = process.env.CLIPAD_SIMD_RELAXED;
{
	const r = await link(real);
	check("kernels.wasm links", r.linked === true && r.available === 1 && !r.err, JSON.stringify(r));
	if (want === "1") check("kernels.wasm links its relaxed product (CLIPAD_SIMD_RELAXED=1)", r.relaxed === true, `relaxed ${r.relaxed} on Node ${process.version}`);
	if (want === "0") check("no relaxed product on this Node (CLIPAD_SIMD_RELAXED=0)", r.relaxed === false, `relaxed ${r.relaxed} on Node ${process.version}`);
	const w = await link(real, { relaxed: false });
	check("{relaxed: false} withholds it", w.linked === true && w.relaxed === false, JSON.stringify(w));
}
// the relaxed part broken: kernels.wat alone
const garbage = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 255);
for (const [name, bin] of [
	["no custom section", base],
	["garbage in clipad.relaxed", withCustom(garbage)],
	["clipad.relaxed truncated", withCustom(inner.subarray(0, inner.length - 9))],
	["clipad.relaxed cut to its header", withCustom(inner.subarray(0, 8))],
	["clipad.relaxed empty", withCustom(new Uint8Array(0))],
	["clipad.relaxed twice", withCustom(inner, inner)],
	["clipad.relaxed of another ABI", withCustom(fakeRelaxed(2, 1))],
	["clipad.relaxed failing its self-test", withCustom(fakeRelaxed(1, 0))],
]) {
	check(`${name}: kernels.wasm still parses`, WebAssembly.validate(bin));
	const r = await link(bin);
	check(`${name}: linked on kernels.wat, relaxed product off`, r.linked === true && r.relaxed === false && r.available === 1 && !r.err, JSON.stringify({ ...r, err: String(r.err) }));
}
// kernels.wasm itself broken, or missing: unlinked, no exception
for (const [name, src] of [
	["kernels.wasm truncated", () => real.subarray(0, real.length >> 1)],
	["kernels.wasm garbage", () => garbage],
	["kernels.wasm empty", () => new Uint8Array(0)],
	["no module (null)", () => null],
	["a download that failed to compile", () => Promise.reject(new WebAssembly.CompileError("bad"))],
]) {
	const r = await link(src());
	check(`${name}: not linked, Go kernels`, r.linked === false && r.relaxed === false && r.available === 0 && !r.err, JSON.stringify({ ...r, err: String(r.err) }));
}
// a relaxed module on its own (not inside kernels.wasm) is not kernels.wat
{
	const r = await link(fakeRelaxed(1, 1));
	check("a module of the wrong ABI as kernels.wasm: not linked", r.linked === false && r.relaxed === false && !r.err, JSON.stringify({ ...r, err: String(r.err) }));
}
console.log(`${failed ? "FAIL" : "ok"}: simd.js link checks on Node ${process.version}`);
process.exit(failed ? 1 : 0);
