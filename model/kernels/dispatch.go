package kernels

// Linear computes y = x·wᵀ + b (see RefLinear for the layout). It is the
// entry point the model uses; it dispatches to the fastest kernel available.
func Linear(y, x []float32, rows, in int, w []float32, out int, b []float32) {
	RefLinear(y, x, rows, in, w, out, b)
}

// MatMulNT computes c = a·bᵀ (see RefMatMulNT).
func MatMulNT(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, n, k int) {
	RefMatMulNT(c, ldc, a, lda, b, ldb, m, n, k)
}

// MatMulNN computes c = a·b (see RefMatMulNN).
func MatMulNN(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, n, k int) {
	RefMatMulNN(c, ldc, a, lda, b, ldb, m, n, k)
}
