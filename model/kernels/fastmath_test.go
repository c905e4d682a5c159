package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulps is the distance between two finite float32 values in units in the
// last place (adjacent floats are 1 apart; +0 and −0 are 0 apart).
func ulps(a, b float32) int64 {
	key := func(f float32) int64 {
		u := int64(math.Float32bits(f))
		if u&(1<<31) != 0 {
			return -(u &^ (1 << 31))
		}
		return u
	}
	d := key(a) - key(b)
	if d < 0 {
		d = -d
	}
	return d
}

// TestExp32Accuracy sweeps every 97th float32 in [expLo, 88] and checks
// Exp32 against the correctly rounded e^x (float64 math.Exp rounded once).
func TestExp32Accuracy(t *testing.T) {
	var worst int64
	var at float32
	check := func(x float32) {
		want := float32(math.Exp(float64(x)))
		got := Exp32(x)
		if want < 0x1p-126 { // subnormal results: absolute error
			if d := math.Abs(float64(got - want)); d > 0x1p-148 {
				t.Fatalf("Exp32(%g) = %g, want %g", x, got, want)
			}
			return
		}
		if u := ulps(got, want); u > worst {
			worst, at = u, x
		}
	}
	for _, lim := range []float32{expLo, 88} {
		for u := uint32(0); ; u += 97 {
			x := math.Float32frombits(u)
			if lim < 0 {
				x = -x
			}
			if (lim < 0 && x < lim) || (lim > 0 && x > lim) {
				break
			}
			check(x)
		}
	}
	t.Logf("Exp32: worst %d ulp at x=%g", worst, at)
	if worst > 2 {
		t.Fatalf("Exp32: %d ulp at x=%g, want ≤ 2", worst, at)
	}
	for _, c := range []struct{ x, want float32 }{
		{float32(math.Inf(-1)), 0}, {float32(math.NaN()), 0}, {-88, 0}, {-1000, 0}, {0, 1},
	} {
		if got := Exp32(c.x); got != c.want {
			t.Errorf("Exp32(%g) = %g, want %g", c.x, got, c.want)
		}
	}
	if got := Exp32(float32(math.Inf(1))); got != Exp32(88) || math.IsInf(float64(got), 0) {
		t.Errorf("Exp32(+Inf) = %g, want the clamp e^88", got)
	}
}

// TestGELUAccuracy compares gelu32 and quickGELU32 with the float64
// formulas over a dense sweep of [-12, 12] and a few extremes.
func TestGELUAccuracy(t *testing.T) {
	var worstG, worstQ float64
	var atG, atQ float32
	for i := -1200000; i <= 1200000; i++ {
		x := float32(i) * 1e-5
		exact := 0.5 * float64(x) * (1 + math.Erf(float64(x)/math.Sqrt2))
		if e := math.Abs(float64(gelu32(x))-exact) / (math.Abs(float64(x)) + 0.2); e > worstG {
			worstG, atG = e, x
		}
		q := float64(x) / (1 + math.Exp(-1.702*float64(x)))
		if e := math.Abs(float64(quickGELU32(x))-q) / (math.Abs(float64(x)) + 0.2); e > worstQ {
			worstQ, atQ = e, x
		}
	}
	t.Logf("GELU: worst |err|/(|x|+0.2) %.3g at %g; QuickGELU %.3g at %g", worstG, atG, worstQ, atQ)
	if worstG > 1.5e-7 || worstQ > 1.5e-7 {
		t.Fatalf("GELU error %.3g, QuickGELU %.3g, want ≤ 1.5e-7·(|x|+0.2)", worstG, worstQ)
	}
	for _, c := range []struct{ x, g, q float32 }{
		{0, 0, 0}, {1e4, 1e4, 1e4}, {-1e4, 0, 0}, // e^88 clamp: quickGELU32(-1e4) ≈ -6e-35
		{float32(math.Inf(1)), float32(math.Inf(1)), float32(math.Inf(1))},
	} {
		if g := gelu32(c.x); g != c.g {
			t.Errorf("gelu32(%g) = %g, want %g", c.x, g, c.g)
		}
		if q := quickGELU32(c.x); q != c.q && !(c.q == 0 && math.Abs(float64(q)) < 1e-30) {
			t.Errorf("quickGELU32(%g) = %g, want %g", c.x, q, c.q)
		}
	}
}

// TestSoftmaxRowsAccuracy checks SoftmaxRows against a float64 softmax on
// rows of every length 1..40 plus the model's 226, strided (float32
// sums: ≈ 1e-6 relative for rows of a few hundred), with −Inf (masked)
// entries that must come out exactly 0.
func TestSoftmaxRowsAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range append([]int{226, 257}, seq(1, 40)...) {
		rows, ld := 3, n+5
		x := make([]float32, (rows-1)*ld+n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 8)
		}
		if n > 3 {
			x[ld+n-1] = float32(math.Inf(-1)) // a masked score in row 1
		}
		orig := append([]float32(nil), x...)
		SoftmaxRows(x, rows, n, ld, 0.125)
		for r := 0; r < rows; r++ {
			mx := math.Inf(-1)
			for j := 0; j < n; j++ {
				mx = math.Max(mx, float64(float32(orig[r*ld+j]*0.125)))
			}
			var s float64
			for j := 0; j < n; j++ {
				s += math.Exp(float64(float32(orig[r*ld+j]*0.125)) - mx)
			}
			var sum float64
			for j := 0; j < n; j++ {
				want := math.Exp(float64(float32(orig[r*ld+j]*0.125))-mx) / s
				got := float64(x[r*ld+j])
				sum += got
				if math.Abs(got-want) > 1.5e-6*want+1e-30 {
					t.Fatalf("n=%d row %d col %d: %g, want %g", n, r, j, got, want)
				}
			}
			if math.Abs(sum-1) > 1e-6 {
				t.Fatalf("n=%d row %d sums to %g", n, r, sum)
			}
			if r < rows-1 {
				for j := n; j < ld; j++ { // the gap between rows is untouched
					if x[r*ld+j] != orig[r*ld+j] {
						t.Fatalf("n=%d: element %d past the row changed", n, j)
					}
				}
			}
		}
		if n > 3 && x[ld+n-1] != 0 {
			t.Fatalf("n=%d: masked score gave %g, want 0", n, x[ld+n-1])
		}
	}
}

func seq(a, b int) []int {
	var s []int
	for i := a; i <= b; i++ {
		s = append(s, i)
	}
	return s
}
