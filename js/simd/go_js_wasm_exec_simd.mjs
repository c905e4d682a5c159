// Node runner for GOOS=js GOARCH=wasm binaries built with -tags simd (go
// test -exec via go_js_wasm_exec_simd, or directly:
// node --stack-size=8192 go_js_wasm_exec_simd.mjs prog.wasm args…). It is
// $GOROOT/lib/wasm/wasm_exec_node.js plus the SIMD link step of simd.js:
// attach before instantiating the Go module, link after, then run.
//
// Environment:
//   CLIPAD_GOROOT      GOROOT holding lib/wasm/wasm_exec.js (the shell
//                      wrapper sets it from `go env GOROOT`)
//   CLIPAD_SIMD=0      do not link the module: the Go side must fall back
//                      to its pure-Go kernels
//   CLIPAD_SIMD_WASM   module file (default ../../model/kernels/simd/kernels.wasm)
//   CLIPAD_SIMD_RELAXED=1  require the relaxed-SIMD int8 product (Node 22+;
//                      Node 20's experimental relaxed SIMD fails simd.js's
//                      self-test); =0 withhold it; unset: link it where
//                      this Node has it
// The Go program sees CLIPAD_SIMD_LINKED=1 or 0 in its environment (the
// tests check it against kernels.SIMDLinked) and CLIPAD_SIMD_RELAXED_LINKED
// =1 or 0. Linking is required unless CLIPAD_SIMD=0: a module that fails to
// link is an error here, not a silent fallback.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

if (process.argv.length < 3) {
	console.error("usage: go_js_wasm_exec_simd [wasm binary] [arguments]");
	process.exit(1);
}

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
globalThis.require = require;
globalThis.fs = fs;
globalThis.path = path;
globalThis.TextEncoder ??= (await import("node:util")).TextEncoder;
globalThis.TextDecoder ??= (await import("node:util")).TextDecoder;
globalThis.performance ??= (await import("node:perf_hooks")).performance;
globalThis.crypto ??= (await import("node:crypto")).webcrypto;

const goroot = process.env.CLIPAD_GOROOT || execFileSync("go", ["env", "GOROOT"], { encoding: "utf8" }).trim();
require(path.join(goroot, "lib", "wasm", "wasm_exec.js")); // defines globalThis.Go
await import("./simd.js"); // defines globalThis.ClipadSIMD

const wantSIMD = process.env.CLIPAD_SIMD !== "0";
const modPath = process.env.CLIPAD_SIMD_WASM || path.join(here, "..", "..", "model", "kernels", "simd", "kernels.wasm");

const go = new Go();
go.argv = process.argv.slice(2);
go.env = Object.assign({ TMPDIR: os.tmpdir() }, process.env);
go.exit = process.exit;

try {
	const relaxedEnv = process.env.CLIPAD_SIMD_RELAXED;
	const simd = ClipadSIMD.attach(go, wantSIMD ? fs.readFileSync(modPath) : null, { relaxed: relaxedEnv !== "0" });
	const { instance } = await WebAssembly.instantiate(fs.readFileSync(process.argv[2]), go.importObject);
	const linked = await simd.link(instance);
	if (wantSIMD && !linked) {
		console.error(`go_js_wasm_exec_simd: could not link ${modPath} (no wasm SIMD in this Node?); set CLIPAD_SIMD=0 to run without it`);
		process.exit(1);
	}
	if (relaxedEnv === "1" && !simd.relaxed) {
		console.error("go_js_wasm_exec_simd: CLIPAD_SIMD_RELAXED=1 but the relaxed-SIMD module did not link (no relaxed SIMD in this Node?)");
		process.exit(1);
	}
	go.env.CLIPAD_SIMD_LINKED = linked ? "1" : "0";
	go.env.CLIPAD_SIMD_RELAXED_LINKED = simd.relaxed ? "1" : "0";
	process.on("exit", (code) => { // Node.js exits if no event handler is pending
		if (code === 0 && !go.exited) {
			// deadlock, make Go print error and stack traces
			go._pendingEvent = { id: 0 };
			go._resume();
		}
	});
	await go.run(instance);
} catch (err) {
	console.error(err);
	process.exit(1);
}
