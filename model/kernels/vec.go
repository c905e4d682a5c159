package kernels

// Dot returns Σ x[i]·y[i] over len(x) (y must be at least as long). It
// keeps four partial sums (i mod 4) added at the end, so it may differ
// from RefDot in the last bits; the result is deterministic.
func Dot(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xx := x[i : i+4 : i+4]
		yy := y[i : i+4 : i+4]
		s0 += xx[0] * yy[0]
		s1 += xx[1] * yy[1]
		s2 += xx[2] * yy[2]
		s3 += xx[3] * yy[3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// Axpy computes y[i] += a·x[i] over len(x) (bit-identical to RefAxpy).
func Axpy(y []float32, a float32, x []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xx := x[i : i+4 : i+4]
		yy := y[i : i+4 : i+4]
		yy[0] += a * xx[0]
		yy[1] += a * xx[1]
		yy[2] += a * xx[2]
		yy[3] += a * xx[3]
	}
	for ; i < len(x); i++ {
		y[i] += a * x[i]
	}
}

// Add sets dst[i] = x[i] + y[i] over len(x) (the residual adds of the
// transformer); dst may be x or y itself (not a shifted overlap).
// Bit-identical to RefAdd.
func Add(dst, x, y []float32) {
	y = y[:len(x)]
	dst = dst[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xx := x[i : i+4 : i+4]
		yy := y[i : i+4 : i+4]
		dd := dst[i : i+4 : i+4]
		dd[0] = xx[0] + yy[0]
		dd[1] = xx[1] + yy[1]
		dd[2] = xx[2] + yy[2]
		dd[3] = xx[3] + yy[3]
	}
	for ; i < len(x); i++ {
		dst[i] = x[i] + y[i]
	}
}
