//go:build js && wasm

package main

import (
	"encoding/binary"
	"math"
	"syscall/js"

	"github.com/clipad/clipad/model/anomaly"
)

func putF32(b []byte, f float32) { binary.LittleEndian.PutUint32(b, math.Float32bits(f)) }

// jetTable returns OpenCV's COLORMAP_JET as 256 RGB triples.
func jetTable() js.Value {
	lut := make([]byte, 0, 3*256)
	for i := 0; i < 256; i++ {
		r, g, b := anomaly.JET(uint8(i))
		lut = append(lut, r, g, b)
	}
	a := js.Global().Get("Uint8Array").New(len(lut))
	js.CopyBytesToJS(a, lut)
	return a
}
