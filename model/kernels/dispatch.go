package kernels

import "fmt"

// Linear computes y = x·wᵀ + b (see RefLinear for the layout). It is the
// entry point the model uses: problems big enough go to the packed,
// register-blocked GEMM (gemm.go), split across goroutines natively; tiny
// ones take the reference loops. In a js/wasm build with the simd tag
// and the SIMD module linked (simd.go), the blocked products run there
// instead. Either way each output is summed in the reference order
// (i = 0..in-1, then + b).
func Linear(y, x []float32, rows, in int, w []float32, out int, b []float32) {
	if b != nil && len(b) < out {
		panic(fmt.Sprintf("kernels: Linear: bias len %d < %d", len(b), out))
	}
	if small(rows, out, in) {
		RefLinear(y, x, rows, in, w, out, b)
		return
	}
	if simdGemm(y, out, x, in, w, in, false, rows, out, in, b) {
		return
	}
	gemmNT(y, out, x, in, w, in, rows, out, in, b)
}

// MatMulNT computes c = a·bᵀ (see RefMatMulNT).
func MatMulNT(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, n, k int) {
	if small(m, n, k) {
		RefMatMulNT(c, ldc, a, lda, b, ldb, m, n, k)
		return
	}
	if simdGemm(c, ldc, a, lda, b, ldb, false, m, n, k, nil) {
		return
	}
	gemmNT(c, ldc, a, lda, b, ldb, m, n, k, nil)
}

// MatMulNN computes c = a·b (see RefMatMulNN).
func MatMulNN(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, n, k int) {
	if small(m, n, k) {
		RefMatMulNN(c, ldc, a, lda, b, ldb, m, n, k)
		return
	}
	if simdGemm(c, ldc, a, lda, b, ldb, true, m, n, k, nil) {
		return
	}
	gemmNN(c, ldc, a, lda, b, ldb, m, n, k)
}
