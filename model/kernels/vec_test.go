package kernels

import (
	"math"
	"math/rand"
	"testing"
)

func TestVec(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, n := range []int{0, 1, 3, 4, 5, 7, 8, 17, 64, 1001} {
		x := randSlice(rng, n)
		y := randSlice(rng, n+3) // longer y is allowed
		// Dot: different summation order, tolerance relative to Σ|terms|
		var abs float64
		for i := range x {
			abs += math.Abs(float64(x[i]) * float64(y[i]))
		}
		if d := math.Abs(float64(Dot(x, y) - RefDot(x, y))); d > 1e-5*abs+1e-30 {
			t.Fatalf("n=%d: Dot %v vs ref %v", n, Dot(x, y), RefDot(x, y))
		}
		// Axpy, Add: same operations per element, so exact
		y1 := append([]float32(nil), y...)
		y2 := append([]float32(nil), y...)
		Axpy(y1, 0.37, x)
		RefAxpy(y2, 0.37, x)
		for i := range y1 {
			if y1[i] != y2[i] {
				t.Fatalf("n=%d: Axpy[%d] %v vs ref %v", n, i, y1[i], y2[i])
			}
		}
		d1 := make([]float32, n)
		d2 := make([]float32, n)
		Add(d1, x, y)
		RefAdd(d2, x, y)
		for i := range d1 {
			if d1[i] != d2[i] || d1[i] != x[i]+y[i] {
				t.Fatalf("n=%d: Add[%d] %v vs ref %v", n, i, d1[i], d2[i])
			}
		}
		Add(x, x, y) // in place
		for i := range x {
			if x[i] != d2[i] {
				t.Fatalf("n=%d: in-place Add[%d] %v vs %v", n, i, x[i], d2[i])
			}
		}
	}
}
