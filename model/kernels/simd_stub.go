//go:build !(js && wasm && simd)

package kernels

// Without the simd build tag (or off js/wasm) there is no SIMD module:
// these stubs report that and the dispatchers keep the pure-Go kernels.

func simdLinked() bool { return false }

func simdGemm(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, nn bool, m, n, k int, bias []float32) bool {
	return false
}

func simdLinearInt8(y []float32, xq []int8, xScale []float32, wq []int8, wScale []float32, rows, in, out int, b []float32) bool {
	return false
}

func simdInt8Acc(acc []int32, xq, wq []int8, rows, in, out int) bool { return false }

func simdSoftmax(x []float32, rows, n, ld int, scale float32) bool { return false }

func simdAct(x []float32, quick bool) bool { return false }

func simdQuantize(xq []int8, scales []float32, x []float32, rows, in int) bool { return false }

func simdLayerNorm(y, x []float32, rows, w int, g, b []float32, eps float64) bool { return false }
