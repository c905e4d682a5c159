package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"testing"
)

// Shapes from the brief: rows of the ViT (1, 7, 15, 226 = 15·15+1, 197)
// and depths/widths around the block sizes (65, 97 are not multiples of
// anything) and the model's (768, 896, 1024, 3584).
var (
	testM  = []int{1, 7, 15, 226, 197}
	testKN = []int{1, 3, 64, 65, 97, 768, 896, 1024, 3584}
)

// cheapMACs bounds the shapes checked element by element against the
// float32 reference; bigger ones are checked on a sample of elements
// against a float64 dot product.
const cheapMACs = 6 << 20

// bigShapes are the large (m, k, n) products tested by sampling.
var bigShapes = [][3]int{{226, 896, 3584}, {197, 3584, 768}, {15, 3584, 1024}, {226, 1024, 897}}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}

// strided returns a rows×cols matrix with stride ld in a slice of exactly
// (rows-1)·ld+cols values (so any read or write past the end panics), the
// gaps between rows filled with a sentinel.
func strided(rng *rand.Rand, rows, cols, ld int) []float32 {
	s := randSlice(rng, max(0, (rows-1)*ld+cols))
	for i := 0; i+1 < rows; i++ {
		for j := cols; j < ld; j++ {
			s[i*ld+j] = sentinel
		}
	}
	return s
}

const sentinel = -12345.5

// checkGaps verifies that the gaps between the rows of c were not written.
func checkGaps(t *testing.T, c []float32, rows, cols, ld int) {
	t.Helper()
	for i := 0; i+1 < rows; i++ {
		for j := cols; j < ld; j++ {
			if c[i*ld+j] != sentinel {
				t.Fatalf("gap c[%d,%d] overwritten: %v", i, j, c[i*ld+j])
			}
		}
	}
}

// elemFn returns the exact (float64) value of one output element and the
// sum of the absolute values of its terms (the scale of rounding errors).
type elemFn func(i, j int) (exact, absSum float64)

// checkElems compares got (m×n, stride ldc) with exact values from f: all
// elements when all is set, else a fixed sample of about 300. The
// tolerance is 1e-5 relative to Σ|terms| (float32 summation in any order
// stays well inside it for these k).
func checkElems(t *testing.T, got []float32, ldc, m, n int, all bool, f elemFn) {
	t.Helper()
	check := func(i, j int) {
		want, scale := f(i, j)
		d := math.Abs(float64(got[i*ldc+j]) - want)
		if d > 1e-5*scale+1e-30 || math.IsNaN(float64(got[i*ldc+j])) {
			t.Fatalf("c[%d,%d] = %v, want %v (|d| %.3g, Σ|terms| %.3g)", i, j, got[i*ldc+j], want, d, scale)
		}
	}
	if all {
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				check(i, j)
			}
		}
		return
	}
	rng := rand.New(rand.NewSource(int64(m*131 + n)))
	// corners and edges of the tiles, then random elements
	for _, i := range []int{0, m - 1, min(m-1, mr), min(m-1, tileMMax)} {
		for _, j := range []int{0, n - 1, min(n-1, nr), min(n-1, tileNMax)} {
			check(i, j)
		}
	}
	for s := 0; s < 300; s++ {
		check(rng.Intn(m), rng.Intn(n))
	}
}

func dotNT(a []float32, lda int, b []float32, ldb, k int) elemFn {
	return func(i, j int) (float64, float64) {
		var s, abs float64
		for p := 0; p < k; p++ {
			v := float64(a[i*lda+p]) * float64(b[j*ldb+p])
			s += v
			abs += math.Abs(v)
		}
		return s, abs
	}
}

func dotNN(a []float32, lda int, b []float32, ldb, k int) elemFn {
	return func(i, j int) (float64, float64) {
		var s, abs float64
		for p := 0; p < k; p++ {
			v := float64(a[i*lda+p]) * float64(b[p*ldb+j])
			s += v
			abs += math.Abs(v)
		}
		return s, abs
	}
}

func withBias(f elemFn, bias []float32) elemFn {
	return func(i, j int) (float64, float64) {
		s, abs := f(i, j)
		return s + float64(bias[j]), abs + math.Abs(float64(bias[j]))
	}
}

type shape struct{ m, k, n int }

// testShapes lists the cheap shapes of the cartesian product (all of them
// for short k·n, a stride through the rest) followed by the big ones.
func testShapes() (cheap, big []shape) {
	i := 0
	for _, m := range testM {
		for _, k := range testKN {
			for _, n := range testKN {
				if m*k*n > cheapMACs {
					continue
				}
				i++
				// keep every shape with a small side, one in three others
				if k > 97 && n > 97 && m > 15 && i%3 != 0 {
					continue
				}
				cheap = append(cheap, shape{m, k, n})
			}
		}
	}
	for _, s := range bigShapes {
		big = append(big, shape{s[0], s[1], s[2]})
	}
	if testing.Short() {
		big = big[:1]
	}
	return cheap, big
}

func TestMatMulNT(t *testing.T) {
	cheap, big := testShapes()
	for idx, s := range append(cheap, big...) {
		all := idx < len(cheap)
		rng := rand.New(rand.NewSource(int64(idx)))
		m, k, n := s.m, s.k, s.n
		lda, ldb, ldc := k+idx%5, k+(idx/5)%3, n+idx%7
		a := strided(rng, m, k, lda)
		b := strided(rng, n, k, ldb)
		c := strided(rng, m, n, ldc)
		MatMulNT(c, ldc, a, lda, b, ldb, m, n, k)
		checkGaps(t, c, m, n, ldc)
		checkElems(t, c, ldc, m, n, all, dotNT(a, lda, b, ldb, k))
	}
}

func TestMatMulNN(t *testing.T) {
	cheap, big := testShapes()
	for idx, s := range append(cheap, big...) {
		all := idx < len(cheap)
		rng := rand.New(rand.NewSource(int64(1000 + idx)))
		m, k, n := s.m, s.k, s.n
		lda, ldb, ldc := k+idx%3, n+idx%5, n+(idx/3)%4
		a := strided(rng, m, k, lda)
		b := strided(rng, k, n, ldb)
		c := strided(rng, m, n, ldc)
		MatMulNN(c, ldc, a, lda, b, ldb, m, n, k)
		checkGaps(t, c, m, n, ldc)
		checkElems(t, c, ldc, m, n, all, dotNN(a, lda, b, ldb, k))
	}
}

func TestLinearAndPacked(t *testing.T) {
	cheap, big := testShapes()
	for idx, s := range append(cheap, big...) {
		all := idx < len(cheap)
		rng := rand.New(rand.NewSource(int64(2000 + idx)))
		rows, in, out := s.m, s.k, s.n
		x := randSlice(rng, rows*in)
		w := randSlice(rng, out*in)
		var bias []float32
		if idx%2 == 0 {
			bias = randSlice(rng, out)
		}
		want := dotNT(x, in, w, in, in)
		if bias != nil {
			want = withBias(want, bias)
		}
		y := randSlice(rng, rows*out)
		Linear(y, x, rows, in, w, out, bias)
		checkElems(t, y, out, rows, out, all, want)

		p := PackLinear(w, out, in)
		if p.Bytes() > 4*(out+2)*in {
			t.Fatalf("packed %d bytes for %d×%d", p.Bytes(), out, in)
		}
		yp := randSlice(rng, rows*out)
		LinearPacked(yp, x, rows, p, bias)
		checkElems(t, yp, out, rows, out, all, want)
		// LinearPacked and Linear share the summation order when Linear
		// takes the blocked path.
		if !small(rows, out, in) {
			for i := range y {
				if y[i] != yp[i] {
					t.Fatalf("%v: Linear %v != LinearPacked %v at %d", s, y[i], yp[i], i)
				}
			}
		}
	}
}

// compilerFuses reports whether the compiler turns x·x + z (operands in
// registers, as in the micro-kernel) into one FMA: with x = 1+2^-12 and
// z = -(1+2^-11) that is 2^-24 fused and 0 when rounded twice.
func compilerFuses() bool { return fmaProbe(1+1.0/(1<<12), -(1+1.0/(1<<11))) != 0 }

//go:noinline
func fmaProbe(x, z float32) float32 { return x*x + z }

// TestBitwiseReference checks the property the kernels are built around:
// every output is summed in the reference order, so where the compiler does
// not fuse multiply-adds (amd64 at the default GOAMD64=v1, wasm) the fast
// path equals the reference bit for bit. Where it fuses (arm64,
// GOAMD64=v3) the two loops may be fused differently, so it is skipped.
func TestBitwiseReference(t *testing.T) {
	if compilerFuses() {
		t.Skip("the compiler fuses multiply-adds on this target")
	}
	for idx, s := range []shape{{7, 65, 97}, {226, 97, 64}, {197, 768, 65}, {15, 1024, 896}} {
		rng := rand.New(rand.NewSource(int64(3000 + idx)))
		m, k, n := s.m, s.k, s.n
		a := randSlice(rng, m*k)
		bt := randSlice(rng, n*k)
		bn := randSlice(rng, k*n)
		bias := randSlice(rng, n)
		got, want := make([]float32, m*n), make([]float32, m*n)
		eq := func(name string) {
			t.Helper()
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s %v: [%d] %v != ref %v", name, s, i, got[i], want[i])
				}
			}
		}
		MatMulNT(got, n, a, k, bt, k, m, n, k)
		RefMatMulNT(want, n, a, k, bt, k, m, n, k)
		eq("MatMulNT")
		MatMulNN(got, n, a, k, bn, n, m, n, k)
		RefMatMulNN(want, n, a, k, bn, n, m, n, k)
		eq("MatMulNN")
		Linear(got, a, m, k, bt, n, bias)
		RefLinear(want, a, m, k, bt, n, bias)
		eq("Linear")
		LinearPacked(got, a, m, PackLinear(bt, n, k), bias)
		eq("LinearPacked")
	}
}

// TestDeterministicAcrossWorkers runs the same products with 1, 2, 3 and 7
// workers (GOMAXPROCS raised as needed) and requires identical bits.
func TestDeterministicAcrossWorkers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	defer SetMaxWorkers(SetMaxWorkers(0))
	rng := rand.New(rand.NewSource(7))
	type run struct {
		name string
		f    func(c []float32)
	}
	m, k, n := 226, 1024, 897
	a := randSlice(rng, m*k)
	w := randSlice(rng, n*k)
	bias := randSlice(rng, n)
	p := PackLinear(w, n, k)
	T, hw := 197, 64
	qkv := randSlice(rng, T*3*hw)
	scores := randSlice(rng, T*T)
	xq, xs := QuantizeRows(a, m, k)
	wq, ws := QuantizeRows(w, n, k)
	runs := []run{
		{"Linear", func(c []float32) { Linear(c, a, m, k, w, n, bias) }},
		{"LinearPacked", func(c []float32) { LinearPacked(c, a, m, p, bias) }},
		{"MatMulNT", func(c []float32) { MatMulNT(c, T, qkv, 3*hw, qkv[hw:], 3*hw, T, T, hw) }},
		{"MatMulNN", func(c []float32) { MatMulNN(c, hw, scores, T, qkv[2*hw:], 3*hw, T, hw, T) }},
		{"LinearInt8", func(c []float32) { LinearInt8(c, xq, xs, wq, ws, m, k, n, bias) }},
	}
	for _, r := range runs {
		var first []float32
		for _, nw := range []int{1, 2, 3, 7} {
			SetMaxWorkers(nw)
			c := make([]float32, m*n)
			r.f(c)
			if first == nil {
				first = c
				continue
			}
			for i := range c {
				if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
					t.Fatalf("%s: %d workers differ at %d: %v vs %v", r.name, nw, i, c[i], first[i])
				}
			}
		}
	}
}

func TestGemmZeroSizes(t *testing.T) {
	c := []float32{5, 5, 5, 5}
	MatMulNT(c, 2, nil, 0, nil, 0, 2, 2, 0) // k = 0: c = 0
	for _, v := range c {
		if v != 0 {
			t.Fatalf("k=0 left %v", c)
		}
	}
	gemmNT(c, 2, nil, 0, nil, 0, 2, 2, 0, []float32{1, 2}) // blocked path, k = 0: c = bias
	if c[0] != 1 || c[1] != 2 || c[2] != 1 || c[3] != 2 {
		t.Fatalf("k=0 with bias: %v", c)
	}
	MatMulNN(nil, 1, nil, 1, nil, 1, 0, 0, 5) // nothing to do, must not panic
	p := PackLinear(nil, 0, 0)
	LinearPacked(nil, nil, 3, p, nil)
}

func TestShapePanics(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Fatalf("%s: no panic", name)
			}
		}()
		f()
	}
	a := make([]float32, 100*100)
	mustPanic("short c", func() { MatMulNT(make([]float32, 10), 100, a, 100, a, 100, 100, 100, 100) })
	mustPanic("short a", func() { MatMulNN(a, 100, a[:50], 100, a, 100, 100, 100, 100) })
	mustPanic("ld < cols", func() { gemmNN(a, 50, a, 100, a, 100, 10, 100, 10) })
	mustPanic("short bias", func() { Linear(a, a, 10, 10, a, 10, []float32{1}) })
}

func TestTileSizes(t *testing.T) {
	for total := 1; total < 700; total++ {
		for _, mx := range []int{9, 72, 240} {
			size, count := tileSizes(total, mx, 3)
			if size%3 != 0 || size > mx+2 || count*size < total || (count-1)*size >= total {
				t.Fatalf("tileSizes(%d, %d) = %d, %d", total, mx, size, count)
			}
		}
	}
}

func ExampleLinearPacked() {
	w := []float32{1, 2, 3, 4, 5, 6} // out=2, in=3
	p := PackLinear(w, 2, 3)         // pack at load time, then drop w
	y := make([]float32, 2)
	LinearPacked(y, []float32{1, 1, 1}, 1, p, []float32{0.5, -0.5})
	fmt.Println(y)
	// Output: [6.5 14.5]
}
