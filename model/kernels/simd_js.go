//go:build js && wasm && simd

package kernels

import (
	"runtime"
	"sync"
	"unsafe"
)

// The SIMD module's exports, reached through the trampolines that
// js/simd/simd.js adds to go.importObject as the module "clipad_simd".
// Pointers are byte addresses in this instance's memory (the module
// imports that same memory), sizes are element counts; see
// model/kernels/simd/kernels.wat for the contracts. A binary built with
// the simd tag needs a host that provides clipad_simd (simd.js, or
// js/simd/go_js_wasm_exec_simd for go test); the stock go_js_wasm_exec
// cannot instantiate it.

//go:wasmimport clipad_simd available
func simdImportAvailable() int32

//go:wasmimport clipad_simd sgemm
func simdImportSgemm(c unsafe.Pointer, ldc int32, a unsafe.Pointer, lda int32, b unsafe.Pointer, ldb int32, nn int32, m, n, k int32, bias, work unsafe.Pointer, wbytes int32)

// simdImportQgemm returns 1 when the relaxed-SIMD product (relaxed.wat)
// ran and 0 when kernels.wat's did; the results are the same.
//
//go:wasmimport clipad_simd qgemm
func simdImportQgemm(y, x, xs, w, ws, bias unsafe.Pointer, m, k, n int32, work unsafe.Pointer, wbytes int32) int32

//go:wasmimport clipad_simd softmax
func simdImportSoftmax(x unsafe.Pointer, rows, n, ld int32, scale float32)

//go:wasmimport clipad_simd act
func simdImportAct(x unsafe.Pointer, n, quick int32)

//go:wasmimport clipad_simd quant
func simdImportQuant(x, q, s unsafe.Pointer, rows, n int32)

//go:wasmimport clipad_simd layernorm
func simdImportLayerNorm(y, x unsafe.Pointer, rows, w int32, g, b unsafe.Pointer, eps float64)

// simdLinked asks the host once: simd.js answers 1 only after it has
// instantiated the module on this instance's memory (before go.run).
var simdLinked = sync.OnceValue(func() bool { return simdImportAvailable() == 1 })

const (
	simdEdgeBytes = 256            // edge tile at the start of a work buffer
	simdF32Work   = 256 + 256*1024 // + packed B: up to 256 columns × 256 depth
	simdQPanels   = 512 * 1024     // int8 packed-weight budget (bytes of i16 panels, ≥ one panel)
)

// simdWork holds the module's scratch buffers (8-byte aligned). A call
// never yields to another goroutine while the module runs, but the pool
// keeps buffers private anyway.
var simdWork = sync.Pool{New: func() any { return new([]uint64) }}

func getWork(bytes int) (*[]uint64, unsafe.Pointer) {
	w := simdWork.Get().(*[]uint64)
	if n := (bytes + 7) / 8; cap(*w) < n {
		*w = make([]uint64, n)
	}
	return w, unsafe.Pointer(unsafe.SliceData(*w))
}

func ptr[T any](s []T) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

// simdGemm computes c = a·bᵀ (nn false: b is n×k) or c = a·b (nn true: b
// is k×n), plus bias when non-nil, on the SIMD module and reports true, or
// reports false (nothing done) when the module is off or the problem does
// not suit it. Shapes are checked against the slices first, so the module
// only ever sees in-bounds addresses.
func simdGemm(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, nn bool, m, n, k int, bias []float32) bool {
	if !simdOn() || m <= 0 || n <= 0 || k <= 0 || !fitsSIMD(len(a), len(b), len(c), ldc, lda, ldb) {
		return false
	}
	checkMat("a", a, m, k, lda)
	if nn {
		checkMat("b", b, k, n, ldb)
	} else {
		checkMat("b", b, n, k, ldb)
	}
	checkMat("c", c, m, n, ldc)
	if bias != nil && len(bias) < n {
		panic("kernels: bias shorter than n")
	}
	var nnFlag int32
	if nn {
		nnFlag = 1
	}
	w, wp := getWork(simdF32Work)
	simdImportSgemm(ptr(c), int32(ldc), ptr(a), int32(lda), ptr(b), int32(ldb), nnFlag,
		int32(m), int32(n), int32(k), ptr(bias), wp, simdF32Work)
	runtime.KeepAlive(c)
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	runtime.KeepAlive(bias)
	simdWork.Put(w)
	simdCalls.Add(1)
	return true
}

// simdQWork is the work buffer size for an int8 product of rows
// activation rows of depth k with out channels: the edge tile, the
// activations widened to i16 (16 bytes per pair of k steps per block of 4
// rows), and as many 8-channel weight panels (32 bytes per pair) as fit
// the budget, at least one, at most all — and never less than
// relaxed.wat's layout needs for one panel (16 bytes per quad of k steps
// per 4 rows, panels of 32 bytes per quad plus a 32-byte header), which
// only matters for k ≤ 2.
func simdQWork(rows, k, out int) int {
	pairs := (k + 1) / 2
	abytes := ((rows + 3) / 4) * 16 * pairs
	pbytes := 32 * pairs
	panels := max(1, min(simdQPanels/pbytes, (out+7)/8))
	quads := (k + 3) / 4
	relaxed := simdEdgeBytes + ((rows+3)/4)*16*quads + 32*quads + 32
	return max(simdEdgeBytes+abytes+panels*pbytes, relaxed)
}

// simdLinearInt8 is LinearInt8's product on the SIMD module (arguments
// already checked by checkInt8Args); false when the module is off.
func simdLinearInt8(y []float32, xq []int8, xScale []float32, wq []int8, wScale []float32, rows, in, out int, b []float32) bool {
	if !simdOn() || rows <= 0 || in <= 0 || out <= 0 || !fitsSIMD(rows*in, out*in, rows*out, 32*in, 8*(rows+3)*in) {
		return false
	}
	wb := simdQWork(rows, in, out)
	w, wp := getWork(wb)
	simdRelaxedCalls.Add(int64(simdImportQgemm(ptr(y), ptr(xq), ptr(xScale), ptr(wq), ptr(wScale), ptr(b),
		int32(rows), int32(in), int32(out), wp, int32(wb))))
	runtime.KeepAlive(y)
	runtime.KeepAlive(xq)
	runtime.KeepAlive(xScale)
	runtime.KeepAlive(wq)
	runtime.KeepAlive(wScale)
	runtime.KeepAlive(b)
	simdWork.Put(w)
	simdCalls.Add(1)
	return true
}

// simdInt8Acc sets acc (rows×out) to the exact int32 sums Σ xq·wq on the
// SIMD module (for the tests); false when the module is off.
func simdInt8Acc(acc []int32, xq, wq []int8, rows, in, out int) bool {
	if !simdOn() || rows <= 0 || in <= 0 || out <= 0 || !fitsSIMD(rows*in, out*in, rows*out, 32*in, 8*(rows+3)*in) {
		return false
	}
	if len(acc) < rows*out || len(xq) < rows*in || len(wq) < out*in {
		panic("kernels: simdInt8Acc: short slice")
	}
	wb := simdQWork(rows, in, out)
	w, wp := getWork(wb)
	simdRelaxedCalls.Add(int64(simdImportQgemm(ptr(acc), ptr(xq), nil, ptr(wq), nil, nil,
		int32(rows), int32(in), int32(out), wp, int32(wb))))
	runtime.KeepAlive(acc)
	runtime.KeepAlive(xq)
	runtime.KeepAlive(wq)
	simdWork.Put(w)
	simdCalls.Add(1)
	return true
}

// simdSoftmax is SoftmaxRows on the SIMD module (bit-identical to
// softmaxRow); false when the module is off.
func simdSoftmax(x []float32, rows, n, ld int, scale float32) bool {
	if !simdOn() || rows <= 0 || n <= 0 || ld < n || !fitsSIMD(len(x), rows, ld) {
		return false
	}
	if len(x) < (rows-1)*ld+n {
		panic("kernels: simdSoftmax: slice shorter than rows×ld")
	}
	simdImportSoftmax(ptr(x), int32(rows), int32(n), int32(ld), scale)
	runtime.KeepAlive(x)
	simdCalls.Add(1)
	return true
}

// simdAct is GELU (quick false) or QuickGELU on the SIMD module
// (bit-identical to gelu32 / quickGELU32); false when the module is off.
func simdAct(x []float32, quick bool) bool {
	if !simdOn() || len(x) == 0 || !fitsSIMD(len(x)) {
		return false
	}
	var q int32
	if quick {
		q = 1
	}
	simdImportAct(ptr(x), int32(len(x)), q)
	runtime.KeepAlive(x)
	simdCalls.Add(1)
	return true
}

// simdQuantize is QuantizeRowsTo on the SIMD module (bit-identical, NaN
// scales aside: both are NaN); false when the module is off.
func simdQuantize(xq []int8, scales []float32, x []float32, rows, in int) bool {
	if !simdOn() || rows <= 0 || in <= 0 || !fitsSIMD(rows*in) {
		return false
	}
	if len(x) < rows*in || len(xq) < rows*in || len(scales) < rows {
		panic("kernels: simdQuantize: short slice")
	}
	simdImportQuant(ptr(x), ptr(xq), ptr(scales), int32(rows), int32(in))
	runtime.KeepAlive(x)
	runtime.KeepAlive(xq)
	runtime.KeepAlive(scales)
	simdCalls.Add(1)
	return true
}

// simdLayerNorm is LayerNorm on the SIMD module (bit-identical); false
// when the module is off. Shapes were checked by LayerNorm.
func simdLayerNorm(y, x []float32, rows, w int, g, b []float32, eps float64) bool {
	if !simdOn() || !fitsSIMD(rows*w) {
		return false
	}
	simdImportLayerNorm(ptr(y), ptr(x), int32(rows), int32(w), ptr(g), ptr(b), eps)
	runtime.KeepAlive(y)
	runtime.KeepAlive(x)
	runtime.KeepAlive(g)
	runtime.KeepAlive(b)
	simdCalls.Add(1)
	return true
}
