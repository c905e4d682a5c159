// Command wasm is the js/wasm entry point of the browser core: one instance
// runs in each Web Worker and exposes a small API on globalThis.clipad
// (load a model bundle shard by shard, set the text vectors, analyze
// images, batch scores). Images arrive as encoded bytes and are decoded and
// preprocessed in Go, so the page gives exactly the CLI's results.
package main
