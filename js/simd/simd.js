// simd.js — links clipad's wasm SIMD kernel module
// (model/kernels/simd/kernels.wasm) to a Go instance (GOOS=js GOARCH=wasm,
// built with -tags simd) so that the Go kernels can call it through
// //go:wasmimport clipad_simd … (model/kernels/simd_js.go).
//
// It is a plain script that defines globalThis.ClipadSIMD and works in
// every host the engine runs in:
//   - classic Web Worker:    importScripts("wasm_exec.js", "simd.js");
//   - module Web Worker/ESM: import "./simd.js";  (side effect only)
//   - page:                  <script src="simd.js"></script>
//   - Node:                  await import("./simd.js");
// (js/package.json says "type": "module", so Node loads it as an ES module;
// it has no imports or exports, so it runs the same either way.)
//
// Usage, between creating the Go instance and running it:
//
//   const go = new Go();
//   const simd = ClipadSIMD.attach(go, fetch("kernels.wasm").then((r) => r.arrayBuffer()));
//   const { instance } = await WebAssembly.instantiateStreaming(fetch("clipad.wasm"), go.importObject);
//   const linked = await simd.link(instance); // false: the Go kernels are used
//   go.run(instance);
//
// attach(go, source) must come before the Go module is instantiated: it
// adds go.importObject.clipad_simd, whose functions are trampolines that
// resolve the SIMD instance lazily. source is the module's bytes (an
// ArrayBuffer or typed array), a compiled WebAssembly.Module, a Promise of
// either, or null (no SIMD: the engine falls back to the pure-Go kernels).
// link(instance) instantiates the SIMD module on the Go instance's own
// memory (instance.exports.mem, imported, never copied) and must finish
// before go.run: the Go side asks clipad_simd.available once, at its first
// product. It resolves to true when linked and to false when the engine
// lacks wasm SIMD (WebAssembly.validate fails), source is null, or the
// module's ABI version differs; then available() answers 0 and every
// product runs in pure Go. Errors from instantiating a valid module are
// thrown. ClipadSIMD.supported() says whether this engine has wasm SIMD at
// all (to skip downloading the module).
//
// Relaxed SIMD: kernels.wasm carries a second module (relaxed.wat) in a
// custom section "clipad.relaxed". Where the engine validates it (relaxed
// SIMD: Chromium 114+, Node 22+) and its selftest export confirms the dot
// product's exact semantics (Node 20's --experimental-wasm-relaxed-simd
// validates it but fails that), link instantiates it on the same memory
// and int8 products run on its 8-bit dot product (bit-identical
// results); attach(go, source, { relaxed: false }) keeps them on
// kernels.wat. The handle's .relaxed says which is in use.
(function (root) {
	"use strict";

	const ABI = 2; // kernels.wat's abi()
	const RELAXED_ABI = 1; // relaxed.wat's abi()

	// (module (func (result v128) (i32x4.dot_i16x8_s (v128.const …) (v128.const …))))
	const PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 43, 1, 41, 0,
		253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 253, 186, 1, 11]);

	function supported() {
		try {
			return WebAssembly.validate(PROBE);
		} catch (e) {
			return false;
		}
	}

	function attach(go, source, options) {
		const useRelaxed = !(options && options.relaxed === false);
		if (!go || !go.importObject) {
			throw new TypeError("ClipadSIMD.attach: expected a Go instance (new Go())");
		}
		let k = null; // the SIMD instance's exports once linked
		let r = null; // the relaxed-SIMD qgemm module's exports, where it validates
		const unlinked = () => {
			throw new Error("clipad_simd: kernel called but the SIMD module is not linked");
		};
		// Fixed arities (no rest parameters) keep the wasm→JS→wasm hop cheap.
		go.importObject.clipad_simd = {
			available: () => (k === null ? 0 : 1),
			sgemm: (c, ldc, a, lda, b, ldb, nn, m, n, kk, bias, work, wbytes) =>
				k === null ? unlinked() : k.sgemm(c, ldc, a, lda, b, ldb, nn, m, n, kk, bias, work, wbytes),
			// 1 when the relaxed-SIMD product ran, 0 when kernels.wat's did
			qgemm: (y, x, xs, w, ws, bias, m, kk, n, work, wbytes) => {
				if (k === null) {
					unlinked();
				}
				if (r !== null && r.qgemm(y, x, xs, w, ws, bias, m, kk, n, work, wbytes) === 1) {
					return 1;
				}
				k.qgemm(y, x, xs, w, ws, bias, m, kk, n, work, wbytes);
				return 0;
			},
			softmax: (x, rows, n, ld, scale) => (k === null ? unlinked() : k.softmax(x, rows, n, ld, scale)),
			act: (x, n, quick) => (k === null ? unlinked() : k.act(x, n, quick)),
			quant: (x, q, s, rows, n) => (k === null ? unlinked() : k.quant(x, q, s, rows, n)),
			layernorm: (y, x, rows, w, g, b, eps) => (k === null ? unlinked() : k.layernorm(y, x, rows, w, g, b, eps)),
		};
		let done = false;
		return {
			get linked() {
				return k !== null;
			},
			// whether int8 products run on relaxed SIMD's 8-bit dot product
			get relaxed() {
				return r !== null;
			},
			async link(instance) {
				if (done) {
					throw new Error("ClipadSIMD: link called twice");
				}
				done = true;
				const mem = instance && instance.exports && instance.exports.mem;
				if (!(mem instanceof WebAssembly.Memory)) {
					throw new TypeError("ClipadSIMD.link: expected the Go WebAssembly.Instance (exports.mem)");
				}
				let src;
				try {
					src = await source;
				} catch (e) {
					// e.g. WebAssembly.compileStreaming on an engine without SIMD
					if (e instanceof WebAssembly.CompileError) {
						return false;
					}
					throw e;
				}
				if (src == null || !supported()) {
					return false;
				}
				if (!(src instanceof WebAssembly.Module)) {
					if (!WebAssembly.validate(src)) {
						return false;
					}
					src = await WebAssembly.compile(src);
				}
				const inst = await WebAssembly.instantiate(src, { env: { memory: mem } });
				const e = inst.exports;
				if (typeof e.abi !== "function" || e.abi() !== ABI) {
					console.warn(`clipad_simd: module ABI ${typeof e.abi === "function" ? e.abi() : "?"} != ${ABI}; using the Go kernels`);
					return false;
				}
				// The relaxed-SIMD int8 product travels inside kernels.wasm as
				// a custom section (build.sh); engines without relaxed SIMD
				// cannot validate it and keep kernels.wat's qgemm.
				const inner = useRelaxed ? WebAssembly.Module.customSections(src, "clipad.relaxed") : [];
				if (inner.length === 1 && WebAssembly.validate(inner[0])) {
					const ri = await WebAssembly.instantiate(await WebAssembly.compile(inner[0]), { env: { memory: mem } });
					// selftest: the dot product's exact semantics on fixed operands
					// (Node 20's experimental version gets them wrong)
					if (typeof ri.exports.abi === "function" && ri.exports.abi() === RELAXED_ABI && typeof ri.exports.selftest === "function" && ri.exports.selftest() === 1) {
						r = ri.exports;
					}
				}
				k = e;
				return true;
			},
		};
	}

	root.ClipadSIMD = Object.freeze({ ABI, attach, supported });
})(typeof globalThis !== "undefined" ? globalThis : self);
