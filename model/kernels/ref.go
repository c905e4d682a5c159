package kernels

import "math"

// RefLinear is the reference for Linear: y[r,o] = Σ_i x[r,i]·w[o,i] + b[o].
// x is rows×in, w is out×in (PyTorch Linear layout), y is rows×out; b may be nil.
func RefLinear(y, x []float32, rows, in int, w []float32, out int, b []float32) {
	for r := 0; r < rows; r++ {
		xr := x[r*in : r*in+in]
		for o := 0; o < out; o++ {
			wo := w[o*in : o*in+in]
			var s float32
			for i, xv := range xr {
				s += xv * wo[i]
			}
			if b != nil {
				s += b[o]
			}
			y[r*out+o] = s
		}
	}
}

// RefMatMulNT is the reference for MatMulNT: c[i,j] = Σ_p a[i,p]·b[j,p]
// with leading dimensions lda, ldb, ldc.
func RefMatMulNT(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, n, k int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				s += a[i*lda+p] * b[j*ldb+p]
			}
			c[i*ldc+j] = s
		}
	}
}

// RefMatMulNN is the reference for MatMulNN: c[i,j] = Σ_p a[i,p]·b[p,j].
func RefMatMulNN(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, n, k int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				s += a[i*lda+p] * b[p*ldb+j]
			}
			c[i*ldc+j] = s
		}
	}
}

// LayerNorm normalises each of the rows of x (width w) into y with the
// affine gain g and bias b (biased variance, like PyTorch). y may alias x.
// Mean and variance are float64 sums in four lanes (lnSum); on the SIMD
// module when linked, with bit-identical results.
func LayerNorm(y, x []float32, rows, w int, g, b []float32, eps float64) {
	if rows <= 0 || w <= 0 {
		return
	}
	if len(x) < rows*w || len(y) < rows*w || len(g) < w || len(b) < w {
		panic("kernels: LayerNorm: short slice")
	}
	if simdLayerNorm(y, x, rows, w, g, b, eps) {
		return
	}
	for r := 0; r < rows; r++ {
		xr := x[r*w : r*w+w]
		yr := y[r*w : r*w+w]
		mean := lnSum(xr, 0, false) / float64(w)
		vr := lnSum(xr, mean, true) / float64(w)
		inv := 1 / math.Sqrt(vr+eps)
		for i, v := range xr {
			yr[i] = float32(float32((float64(v)-mean)*inv)*g[i]) + b[i]
		}
	}
}

// lnSum is Σ float64(v) (sq false) or Σ (float64(v)−mean)² (sq true) in
// the order the SIMD module uses: element i into lane i mod 4 over the
// largest multiple of 4, lanes combined as (l0+l2)+(l1+l3), then the
// remaining elements in order.
func lnSum(x []float32, mean float64, sq bool) float64 {
	term := func(v float32) float64 {
		if !sq {
			return float64(v)
		}
		d := float64(v) - mean
		return float64(d * d) // rounded here: never fused into the sum
	}
	var l [4]float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		for j := range l {
			l[j] += term(x[i+j])
		}
	}
	s := (l[0] + l[2]) + (l[1] + l[3])
	for ; i < len(x); i++ {
		s += term(x[i])
	}
	return s
}

// SoftmaxRows applies a numerically stable softmax to each row of length n
// (stride ld) after multiplying by scale, in float32 with Exp32 (see
// softmaxRow for the exact order). On the SIMD module when linked, with
// bit-identical results.
func SoftmaxRows(x []float32, rows, n, ld int, scale float32) {
	if rows <= 0 || n <= 0 {
		return
	}
	if len(x) < (rows-1)*ld+n || ld < n {
		panic("kernels: SoftmaxRows: slice shorter than rows×ld")
	}
	if simdSoftmax(x, rows, n, ld, scale) {
		return
	}
	for r := 0; r < rows; r++ {
		softmaxRow(x[r*ld:r*ld+n], scale)
	}
}

// GELU applies the exact (erf) GELU 0.5·x·(1+erf(x/√2)) in place, in
// float32 (gelu32); on the SIMD module when linked, bit-identically.
func GELU(x []float32) {
	if simdAct(x, false) {
		return
	}
	for i, v := range x {
		x[i] = gelu32(v)
	}
}

// QuickGELU applies x·σ(1.702x) in place (OpenAI CLIP), in float32
// (quickGELU32); on the SIMD module when linked, bit-identically.
func QuickGELU(x []float32) {
	if simdAct(x, true) {
		return
	}
	for i, v := range x {
		x[i] = quickGELU32(v)
	}
}

// L2NormalizeRows scales each row of width w to unit length (rows of zeros stay zero).
func L2NormalizeRows(x []float32, rows, w int) {
	for r := 0; r < rows; r++ {
		row := x[r*w : r*w+w]
		var s float64
		for _, v := range row {
			s += float64(v) * float64(v)
		}
		if s == 0 {
			continue
		}
		inv := float32(1 / math.Sqrt(s))
		for i := range row {
			row[i] *= inv
		}
	}
}

// RefLinearInt8 is the reference for LinearInt8: with the exact int32 sum
// acc = Σ_i xq[r,i]·wq[o,i] it sets y[r,o] = float32(acc)·xScale[r]·wScale[o]
// (+ b[o] when b is non-nil). xq is rows×in with one scale per row, wq is
// out×in (PyTorch layout) with one scale per output channel; y is rows×out.
func RefLinearInt8(y []float32, xq []int8, xScale []float32, wq []int8, wScale []float32, rows, in, out int, b []float32) {
	for r := 0; r < rows; r++ {
		xr := xq[r*in : r*in+in]
		for o := 0; o < out; o++ {
			wo := wq[o*in : o*in+in]
			var acc int32
			for i, xv := range xr {
				acc += int32(xv) * int32(wo[i])
			}
			v := float32(acc) * xScale[r] * wScale[o]
			if b != nil {
				v += b[o]
			}
			y[r*out+o] = v
		}
	}
}

// RefDot is the reference for Dot: Σ x[i]·y[i] summed in order.
func RefDot(x, y []float32) float32 {
	var s float32
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// RefAxpy is the reference for Axpy: y[i] += a·x[i].
func RefAxpy(y []float32, a float32, x []float32) {
	for i, v := range x {
		y[i] += a * v
	}
}

// RefAdd is the reference for Add: dst[i] = x[i] + y[i].
func RefAdd(dst, x, y []float32) {
	for i, v := range x {
		dst[i] = v + y[i]
	}
}
