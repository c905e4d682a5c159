//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// The core only runs in the browser (and Node): build it with
// GOOS=js GOARCH=wasm go build -o clipad.wasm ./wasm
func main() {
	fmt.Fprintln(os.Stderr, "the clipad core is a WebAssembly module: build it with GOOS=js GOARCH=wasm go build ./wasm")
	os.Exit(2)
}
