// Package dump reads and writes tensor dump directories: an index.json
// listing each tensor's name, dtype (float32 or int32), shape and file, plus
// one raw little-endian .bin file per tensor. It is the exchange format
// between the Go engine and the onnxruntime parity harness (js/parity).
package dump
