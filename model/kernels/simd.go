package kernels

import "sync/atomic"

// SIMD kernels (see doc.go, "SIMD kernel module"). In a GOOS=js
// GOARCH=wasm build with the simd tag, Linear, MatMulNT, MatMulNN and
// LinearInt8 hand their products to the wasm SIMD module
// (model/kernels/simd/kernels.wasm) when the JS host linked it; in every
// other build, or when the host did not link it, they run the pure-Go
// kernels. Results are the same either way (same summation order).

var simdOff atomic.Bool

// SIMDLinked reports whether the wasm SIMD kernel module is linked: only
// in a js/wasm build with the simd tag, run by a host that called
// js/simd/simd.js's link with a module the engine could compile.
func SIMDLinked() bool { return simdLinked() }

// SetSIMD enables or disables the SIMD kernels (enabled by default; it
// has no effect when the module is not linked) and returns the previous
// setting. With SIMD disabled every product takes the pure-Go kernels,
// e.g. for A/B timing.
func SetSIMD(enabled bool) bool { return !simdOff.Swap(!enabled) }

// simdOn reports whether products should go to the SIMD module now.
func simdOn() bool { return !simdOff.Load() && simdLinked() }

// simdCalls counts the products the SIMD module computed (for tests);
// simdRelaxedCalls the int8 products among them that ran on relaxed
// SIMD's 8-bit dot product (relaxed.wat).
var simdCalls, simdRelaxedCalls atomic.Int64

// SIMDRelaxedCalls reports how many int8 products so far ran on relaxed
// SIMD's 8-bit dot product (0 where the host has no relaxed SIMD or did
// not link that module), for benchmarks and tests.
func SIMDRelaxedCalls() int64 { return simdRelaxedCalls.Load() }

// maxSIMDElems bounds every extent passed to the module so that byte
// offsets fit its i32 arithmetic; bigger problems stay in Go.
const maxSIMDElems = 1 << 29

func fitsSIMD(v ...int) bool {
	for _, x := range v {
		if x < 0 || x > maxSIMDElems {
			return false
		}
	}
	return true
}
