// The Worker's entry module (copied into build/worker/ by `make worker-build`).
// worker.mjs, runtime.mjs and wasm_exec.js come from syumai/workers'
// workers-assets-gen; app.wasm is cmd/worker built with GOOS=js GOARCH=wasm;
// site-index.json is written by `go run ./cmd/worker index` from the site
// directory (a Worker cannot list its static assets, so /api/models learns
// the bundle ids from it and reads their manifests at request time).
import worker from "./worker.mjs";
import siteIndex from "./site-index.json";

globalThis.CLIPAD_SITE_INDEX = JSON.stringify(siteIndex);

export default worker;
