package kernels

import (
	"math"
	"math/rand"
	"os"
	"slices"
	"testing"
)

// These tests run in every build. Where the SIMD module is linked
// (GOOS=js GOARCH=wasm -tags simd under js/simd/go_js_wasm_exec_simd) they
// compare it with the pure-Go kernels and the references; elsewhere the
// SIMD-only parts skip and the rest checks the fallback.

// TestSIMDLinkState checks that the Go side sees what the host did: the
// SIMD exec wrapper says in CLIPAD_SIMD_LINKED whether it linked the
// module; without the wrapper (native, stock go_js_wasm_exec) nothing may
// be linked.
func TestSIMDLinkState(t *testing.T) {
	_ = os.Getenv("CLIPAD_SIMD") // read by the wrapper; keeps it in the test cache key
	switch v := os.Getenv("CLIPAD_SIMD_LINKED"); v {
	case "":
		if SIMDLinked() {
			t.Fatal("SIMD module linked without the SIMD exec wrapper")
		}
	case "0", "1":
		if SIMDLinked() != (v == "1") {
			t.Fatalf("host says linked=%s, Go sees SIMDLinked()=%v", v, SIMDLinked())
		}
	default:
		t.Fatalf("CLIPAD_SIMD_LINKED=%q", v)
	}
	t.Logf("SIMD linked: %v", SIMDLinked())
}

func requireSIMD(t *testing.T) {
	t.Helper()
	if !SIMDLinked() {
		t.Skip("SIMD module not linked (needs GOOS=js GOARCH=wasm -tags simd with js/simd/go_js_wasm_exec_simd)")
	}
	if !SetSIMD(true) {
		t.Fatal("SIMD was left disabled")
	}
}

// viaSIMD runs f and requires that it made exactly want calls into the
// SIMD module.
func viaSIMD(t *testing.T, want int64, what string, f func()) {
	t.Helper()
	before := simdCalls.Load()
	f()
	if got := simdCalls.Load() - before; got != want {
		t.Fatalf("%s: %d SIMD calls, want %d", what, got, want)
	}
}

// goOnly runs f with the SIMD kernels disabled.
func goOnly(f func()) {
	defer SetSIMD(SetSIMD(false))
	f()
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: [%d] SIMD %v != Go %v", what, i, got[i], want[i])
		}
	}
}

// TestSIMDGemm compares the SIMD f32 products with the tolerance of the
// other GEMM tests (1e-5 relative to Σ|terms|, every element on the cheap
// shapes, a sample on the big ones) and bit for bit with the pure-Go
// kernels: both sum every element in the reference order without fused
// multiply-adds. Operands are strided with sentinels in the gaps.
func TestSIMDGemm(t *testing.T) {
	requireSIMD(t)
	cheap, big := testShapes()
	for idx, s := range append(cheap, big...) {
		all := idx < len(cheap)
		m, k, n := s.m, s.k, s.n
		calls := int64(1)
		if small(m, n, k) {
			calls = 0 // the reference loops, in every build
		}
		rng := rand.New(rand.NewSource(int64(5000 + idx)))
		lda, ldb, ldc := k+idx%5, k+idx%3, n+idx%7
		a := strided(rng, m, k, lda)
		bt := strided(rng, n, k, ldb)
		c := strided(rng, m, n, ldc)
		viaSIMD(t, calls, "MatMulNT", func() { MatMulNT(c, ldc, a, lda, bt, ldb, m, n, k) })
		checkGaps(t, c, m, n, ldc)
		checkElems(t, c, ldc, m, n, all, dotNT(a, lda, bt, ldb, k))
		cg := strided(rng, m, n, ldc)
		goOnly(func() { MatMulNT(cg, ldc, a, lda, bt, ldb, m, n, k) })
		sameBits(t, "MatMulNT", c, cg)

		ldb = n + idx%4
		bn := strided(rng, k, n, ldb)
		viaSIMD(t, calls, "MatMulNN", func() { MatMulNN(c, ldc, a, lda, bn, ldb, m, n, k) })
		checkGaps(t, c, m, n, ldc)
		checkElems(t, c, ldc, m, n, all, dotNN(a, lda, bn, ldb, k))
		goOnly(func() { MatMulNN(cg, ldc, a, lda, bn, ldb, m, n, k) })
		sameBits(t, "MatMulNN", c, cg)

		x := randSlice(rng, m*k)
		w := randSlice(rng, n*k)
		var bias []float32
		want := dotNT(x, k, w, k, k)
		if idx%2 == 0 {
			bias = randSlice(rng, n)
			want = withBias(want, bias)
		}
		y := randSlice(rng, m*n)
		viaSIMD(t, calls, "Linear", func() { Linear(y, x, m, k, w, n, bias) })
		checkElems(t, y, n, m, n, all, want)
		yg := randSlice(rng, m*n)
		goOnly(func() { Linear(yg, x, m, k, w, n, bias) })
		sameBits(t, "Linear", y, yg)
	}
}

// TestSIMDBitwiseReference: the SIMD f32 products equal the reference
// loops bit for bit (wasm never fuses multiply-adds), on shapes that cross
// every block edge: rows mod 4, columns mod 8, depth mod 4 and past the
// 256-deep blocks, and more columns than one packed block (256).
func TestSIMDBitwiseReference(t *testing.T) {
	requireSIMD(t)
	for idx, s := range []shape{{4, 512, 8}, {5, 513, 9}, {7, 65, 97}, {226, 97, 64}, {197, 64, 197}, {3, 513, 263}, {15, 1024, 515}} {
		rng := rand.New(rand.NewSource(int64(6000 + idx)))
		m, k, n := s.m, s.k, s.n
		a := randSlice(rng, m*k)
		bt := randSlice(rng, n*k)
		bn := randSlice(rng, k*n)
		bias := randSlice(rng, n)
		got, want := make([]float32, m*n), make([]float32, m*n)
		viaSIMD(t, 1, "MatMulNT", func() { MatMulNT(got, n, a, k, bt, k, m, n, k) })
		RefMatMulNT(want, n, a, k, bt, k, m, n, k)
		sameBits(t, "MatMulNT", got, want)
		viaSIMD(t, 1, "MatMulNN", func() { MatMulNN(got, n, a, k, bn, n, m, n, k) })
		RefMatMulNN(want, n, a, k, bn, n, m, n, k)
		sameBits(t, "MatMulNN", got, want)
		viaSIMD(t, 1, "Linear", func() { Linear(got, a, m, k, bt, n, bias) })
		RefLinear(want, a, m, k, bt, n, bias)
		sameBits(t, "Linear", got, want)
	}
}

// TestSIMDAttention runs the strided attention products of the vision
// tower (one head of a 197-token, 3×768-wide qkv buffer) on the module.
func TestSIMDAttention(t *testing.T) {
	requireSIMD(t)
	rng := rand.New(rand.NewSource(7))
	T, W, hw := 197, 768, 64
	qkv := randSlice(rng, T*3*W)
	scores := make([]float32, T*T)
	want := make([]float32, T*T)
	viaSIMD(t, 1, "scores", func() { MatMulNT(scores, T, qkv[hw:], 3*W, qkv[W+hw:], 3*W, T, T, hw) })
	RefMatMulNT(want, T, qkv[hw:], 3*W, qkv[W+hw:], 3*W, T, T, hw)
	sameBits(t, "scores", scores, want)
	out := randSlice(rng, T*W) // the head writes columns hw..2hw-1 only
	outRef := make([]float32, len(out))
	copy(outRef, out)
	viaSIMD(t, 1, "values", func() { MatMulNN(out[hw:], W, scores, T, qkv[2*W+hw:], 3*W, T, hw, T) })
	RefMatMulNN(outRef[hw:], W, scores, T, qkv[2*W+hw:], 3*W, T, hw, T)
	sameBits(t, "values (and the columns around them)", out, outRef)
}

// checkSIMDAcc runs simdInt8Acc once on the module and requires the exact
// int32 sums, with nothing written past the rows×channels result.
func checkSIMDAcc(t *testing.T, s shape, xq, wq []int8) {
	t.Helper()
	want := refAccInt8(xq, wq, s.m, s.k, s.n)
	got := make([]int32, s.m*s.n+8)
	for i := range got {
		got[i] = 0x5a5a5a5a
	}
	viaSIMD(t, 1, "acc", func() {
		if !simdInt8Acc(got[:s.m*s.n], xq, wq, s.m, s.k, s.n) {
			t.Fatal("simdInt8Acc refused")
		}
	})
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%v: acc[%d] = %d, want %d", s, i, got[i], want[i])
		}
	}
	for i := s.m * s.n; i < len(got); i++ {
		if got[i] != 0x5a5a5a5a {
			t.Fatalf("%v: written past the end at %d", s, i)
		}
	}
}

// TestSIMDInt8Exact requires the SIMD int8 accumulators to equal the exact
// int32 sums, on odd shapes (rows mod 4, channels mod 8, odd depths),
// random full-range values and the ±128 extremes.
func TestSIMDInt8Exact(t *testing.T) {
	requireSIMD(t)
	shapes := []shape{{1, 1, 1}, {4, 60, 9}, {7, 65, 97}, {15, 3, 64}, {226, 97, 65}, {197, 768, 64},
		{5, 241, 10}, {15, 896, 1024}, {8, 3584, 19}, {226, 481, 253}, {3, 17, 8}, {4, 16, 8}, {9, 33, 300}, {6, 2, 15}}
	for idx, s := range shapes {
		rng := rand.New(rand.NewSource(int64(idx)))
		xq := randInt8(rng, s.m*s.k)
		wq := randInt8(rng, s.n*s.k)
		if idx%3 == 1 { // saturate: products of ±128 everywhere
			for i := range xq {
				xq[i] = -128
			}
			for i := range wq {
				wq[i] = int8(-128 + 255*(i%2))
			}
		}
		checkSIMDAcc(t, s, xq, wq)
	}
}

// TestSIMDRelaxed: where the host linked the relaxed-SIMD int8 product
// (relaxed.wat; CLIPAD_SIMD_RELAXED_LINKED=1), every int8 product whose
// activation codes lie in −64…63 runs on it — QuantizeRows' codes among
// them — and equals the exact sums and RefLinearInt8 bit for bit, on odd
// shapes, with the extreme codes −64 and 63 against weights of ±128.
// Codes outside that range (64, −65, full int8) fall back to kernels.wat,
// still exact. Where it is not linked, no product runs on it.
func TestSIMDRelaxed(t *testing.T) {
	requireSIMD(t)
	_ = os.Getenv("CLIPAD_SIMD_RELAXED") // read by the wrapper; keeps it in the test cache key
	linked := os.Getenv("CLIPAD_SIMD_RELAXED_LINKED") == "1"
	t.Logf("relaxed SIMD linked: %v", linked)
	var onRelaxed int64
	if linked {
		onRelaxed = 1
	}
	shapes := []shape{{1, 1, 1}, {4, 60, 9}, {7, 65, 97}, {15, 3, 64}, {226, 97, 65}, {197, 768, 64},
		{5, 241, 10}, {15, 896, 1024}, {8, 3584, 19}, {226, 481, 253}, {3, 17, 8}, {4, 16, 8}, {9, 33, 300}, {6, 2, 15}, {2, 5, 3}}
	for idx, s := range shapes {
		rng := rand.New(rand.NewSource(int64(700 + idx)))
		xq := make([]int8, s.m*s.k)
		for i := range xq {
			xq[i] = int8(rng.Intn(128) - 64) // −64 … 63
		}
		wq := randInt8(rng, s.n*s.k)
		if idx%3 == 1 { // extremes: −64 and 63 against −128 and 127
			for i := range xq {
				xq[i] = int8(-64 + 127*((i/3)%2))
			}
			for i := range wq {
				wq[i] = int8(-128 + 255*(i%2))
			}
		}
		before := simdRelaxedCalls.Load()
		checkSIMDAcc(t, s, xq, wq)
		if n := simdRelaxedCalls.Load() - before; n != onRelaxed {
			t.Fatalf("%v: %d products on relaxed SIMD, want %d", s, n, onRelaxed)
		}
		// the float epilogue, with codes from QuantizeRows
		x := randSlice(rng, s.m*s.k)
		xq7, xs := QuantizeRows(x, s.m, s.k)
		ws := randSlice(rng, s.n)
		bias := randSlice(rng, s.n)
		if idx%2 == 1 {
			bias = nil
		}
		y := make([]float32, s.m*s.n)
		yref := make([]float32, s.m*s.n)
		before = simdRelaxedCalls.Load()
		LinearInt8(y, xq7, xs, wq, ws, s.m, s.k, s.n, bias)
		if n := simdRelaxedCalls.Load() - before; s.m >= qmr && s.n >= qnr && s.m*s.k*s.n >= smallMACs && n != onRelaxed {
			t.Fatalf("%v: LinearInt8: %d products on relaxed SIMD, want %d", s, n, onRelaxed)
		}
		RefLinearInt8(yref, xq7, xs, wq, ws, s.m, s.k, s.n, bias)
		sameBits(t, "LinearInt8", y, yref)
	}
	// codes outside −64…63: kernels.wat, exact
	for _, bad := range []int8{64, -65, 127, -128} {
		m, k, n := 9, 37, 21
		rng := rand.New(rand.NewSource(int64(bad)))
		xq := make([]int8, m*k)
		for i := range xq {
			xq[i] = int8(rng.Intn(128) - 64)
		}
		xq[m*k-1] = bad // the very last code, in the byte-wise tail of the packing
		wq := randInt8(rng, n*k)
		got := make([]int32, m*n)
		before := simdRelaxedCalls.Load()
		viaSIMD(t, 1, "acc", func() { simdInt8Acc(got, xq, wq, m, k, n) })
		if n := simdRelaxedCalls.Load() - before; n != 0 {
			t.Fatalf("code %d: ran on relaxed SIMD", bad)
		}
		want := refAccInt8(xq, wq, m, k, n)
		if !slices.Equal(got, want) {
			t.Fatalf("code %d: sums differ from the reference", bad)
		}
		xq[m*k-1] = 0
		xq[3*k+5] = bad // inside a 16-byte block of the packing
		viaSIMD(t, 1, "acc", func() { simdInt8Acc(got, xq, wq, m, k, n) })
		if n := simdRelaxedCalls.Load() - before; n != 0 {
			t.Fatalf("code %d in a block: ran on relaxed SIMD", bad)
		}
		if !slices.Equal(got, refAccInt8(xq, wq, m, k, n)) {
			t.Fatalf("code %d in a block: sums differ from the reference", bad)
		}
	}
}

// TestSIMDLinearInt8 compares LinearInt8 on the module with RefLinearInt8
// bit for bit: the sums are exact and the epilogue float32(acc)·xs·ws (+b)
// is evaluated in the reference's order.
func TestSIMDLinearInt8(t *testing.T) {
	requireSIMD(t)
	shapes := []shape{{7, 65, 97}, {226, 768, 65}, {197, 1024, 97}, {15, 3584, 64}, {5, 333, 11}, {197, 768, 3072}}
	for idx, s := range shapes {
		rng := rand.New(rand.NewSource(int64(100 + idx)))
		xq := randInt8(rng, s.m*s.k)
		wq := randInt8(rng, s.n*s.k)
		xs := randSlice(rng, s.m)
		ws := randSlice(rng, s.n)
		var bias []float32
		if idx%2 == 0 {
			bias = randSlice(rng, s.n)
		}
		got := make([]float32, s.m*s.n)
		want := make([]float32, s.m*s.n)
		viaSIMD(t, 1, "LinearInt8", func() { LinearInt8(got, xq, xs, wq, ws, s.m, s.k, s.n, bias) })
		RefLinearInt8(want, xq, xs, wq, ws, s.m, s.k, s.n, bias)
		sameBits(t, "LinearInt8", got, want)
	}
}

// TestSIMDFallback: with the SIMD kernels disabled (or never linked) the
// products run in Go, make no module calls and stay exact. The whole suite
// also runs with the module withheld (make test-simd, CLIPAD_SIMD=0).
func TestSIMDFallback(t *testing.T) {
	prev := SetSIMD(false)
	defer SetSIMD(prev)
	if simdOn() {
		t.Fatal("SIMD still on after SetSIMD(false)")
	}
	rng := rand.New(rand.NewSource(11))
	m, k, n := 31, 300, 45
	x := randSlice(rng, m*k)
	w := randSlice(rng, n*k)
	bias := randSlice(rng, n)
	got, want := make([]float32, m*n), make([]float32, m*n)
	viaSIMD(t, 0, "Linear", func() { Linear(got, x, m, k, w, n, bias) })
	if !compilerFuses() {
		RefLinear(want, x, m, k, w, n, bias)
		sameBits(t, "Linear (Go)", got, want)
	}
	xq, xs := QuantizeRows(x, m, k)
	wq, ws := QuantizeRows(w, n, k)
	viaSIMD(t, 0, "LinearInt8", func() { LinearInt8(got, xq, xs, wq, ws, m, k, n, bias) })
	RefLinearInt8(want, xq, xs, wq, ws, m, k, n, bias)
	sameBits(t, "LinearInt8 (Go)", got, want)
	if SetSIMD(prev) {
		t.Fatal("SetSIMD did not report the disabled state")
	}
	if SIMDLinked() && prev {
		viaSIMD(t, 1, "Linear re-enabled", func() { Linear(got, x, m, k, w, n, bias) })
	}
	SetSIMD(false)
}

// TestSIMDSoftmaxAct compares the module's softmax and activations with
// the pure-Go softmaxRow, gelu32 and quickGELU32 bit for bit: rows of
// every length 1..37 and 226 with a stride, −Inf entries and extreme
// values, and activation inputs that cover the clamps, ±0, ±Inf, lengths
// that are not multiples of 4 and a sentinel past the end.
func TestSIMDSoftmaxAct(t *testing.T) {
	requireSIMD(t)
	rng := rand.New(rand.NewSource(21))
	for _, n := range append([]int{226}, seq(1, 37)...) {
		rows, ld := 4, n+3
		x := make([]float32, rows*ld)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 30)
		}
		x[rng.Intn(n)] = float32(math.Inf(-1))
		x[ld+rng.Intn(n)] = -1e30
		x[2*ld+rng.Intn(n)] = 1e30
		want := append([]float32(nil), x...)
		goOnly(func() { SoftmaxRows(want, rows, n, ld, 0.125) })
		got := append([]float32(nil), x...)
		viaSIMD(t, 1, "SoftmaxRows", func() { SoftmaxRows(got, rows, n, ld, 0.125) })
		sameBits(t, "SoftmaxRows", got, want)
	}
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 88, -88, 200, -200, 1e30, -1e30,
		float32(math.Inf(1)), float32(math.Inf(-1)), 3.5, -3.5, 0.44862, -7.9}
	for _, n := range []int{1, 2, 3, 4, 5, 7, 16, 1001} {
		x := make([]float32, n+1)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 4)
			if i < len(special) && n > 8 {
				x[i] = special[i]
			}
		}
		x[n] = 12345 // sentinel
		for _, quick := range []bool{false, true} {
			f := GELU
			if quick {
				f = QuickGELU
			}
			want := append([]float32(nil), x...)
			goOnly(func() { f(want[:n]) })
			got := append([]float32(nil), x...)
			viaSIMD(t, 1, "act", func() { f(got[:n]) })
			sameBits(t, "act", got, want)
			if got[n] != 12345 {
				t.Fatalf("act wrote past n=%d", n)
			}
		}
	}
}

// TestSIMDQuantize compares the module's quant with the pure-Go
// QuantizeRowsTo: codes byte for byte, scales bit for bit (NaN scales
// only as NaN), on row lengths around the 4- and 16-wide blocks and the
// model's widths, with rows of zeros, −0, NaN, ±Inf, huge, subnormal and
// ties, and a sentinel past the end.
func TestSIMDQuantize(t *testing.T) {
	requireSIMD(t)
	rng := rand.New(rand.NewSource(31))
	for _, n := range append([]int{896, 3584, 64, 48}, seq(1, 37)...) {
		rows := 9
		x := make([]float32, rows*n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 3)
		}
		row := func(r int) []float32 { return x[r*n : (r+1)*n] }
		clear(row(1))
		for i := range row(2) {
			row(2)[i] = float32(math.Copysign(0, -1))
		}
		row(3)[rng.Intn(n)] = float32(math.NaN())
		row(4)[rng.Intn(n)] = float32(math.Inf(-1))
		row(5)[rng.Intn(n)] = 3e38
		for i := range row(6) {
			row(6)[i] *= 1e-42 // subnormal
		}
		for i := range row(7) { // exact ties of x·inv + 128.5 after scaling
			row(7)[i] = float32(i%255-127) / 2
		}
		wantQ, gotQ := make([]int8, rows*n+1), make([]int8, rows*n+1)
		wantS, gotS := make([]float32, rows+1), make([]float32, rows+1)
		wantQ[rows*n], gotQ[rows*n], wantS[rows], gotS[rows] = 99, 99, 99, 99
		goOnly(func() { QuantizeRowsTo(wantQ, wantS, x, rows, n) })
		viaSIMD(t, 1, "quant", func() { QuantizeRowsTo(gotQ, gotS, x, rows, n) })
		for i := range wantQ {
			if gotQ[i] != wantQ[i] {
				t.Fatalf("n=%d: code %d (row %d): SIMD %d, Go %d", n, i, i/n, gotQ[i], wantQ[i])
			}
		}
		for r := range wantS {
			g, w := gotS[r], wantS[r]
			if math.IsNaN(float64(w)) != math.IsNaN(float64(g)) || (!math.IsNaN(float64(w)) && math.Float32bits(g) != math.Float32bits(w)) {
				t.Fatalf("n=%d row %d: scale SIMD %v, Go %v", n, r, g, w)
			}
		}
	}
}

// TestSIMDLayerNorm compares the module's layernorm with the pure-Go
// LayerNorm bit for bit, in place and out of place, on widths around the
// 4-wide blocks and the model's widths, with an offset mean, a constant
// row and a sentinel past the end.
func TestSIMDLayerNorm(t *testing.T) {
	requireSIMD(t)
	rng := rand.New(rand.NewSource(41))
	for _, w := range append([]int{896, 768, 1024, 64}, seq(1, 13)...) {
		rows := 5
		x := make([]float32, rows*w+1)
		for i := range x {
			x[i] = float32(rng.NormFloat64()*2 + 30)
		}
		for i := 0; i < w; i++ {
			x[2*w+i] = 7 // constant row: variance 0
		}
		x[rows*w] = 4242
		g, b := randSlice(rng, w), randSlice(rng, w)
		for _, inPlace := range []bool{false, true} {
			want := make([]float32, rows*w+1)
			got := make([]float32, rows*w+1)
			want[rows*w], got[rows*w] = -1, -1
			if inPlace {
				copy(want, x[:rows*w])
				copy(got, x[:rows*w])
				goOnly(func() { LayerNorm(want, want, rows, w, g, b, 1e-5) })
				viaSIMD(t, 1, "layernorm", func() { LayerNorm(got, got, rows, w, g, b, 1e-5) })
			} else {
				goOnly(func() { LayerNorm(want, x, rows, w, g, b, 1e-5) })
				viaSIMD(t, 1, "layernorm", func() { LayerNorm(got, x, rows, w, g, b, 1e-5) })
			}
			sameBits(t, "LayerNorm", got, want)
			if x[rows*w] != 4242 {
				t.Fatal("input sentinel changed")
			}
		}
	}
}
