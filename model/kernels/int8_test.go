package kernels

import (
	"math"
	"math/rand"
	"testing"
)

func randInt8(rng *rand.Rand, n int) []int8 {
	s := make([]int8, n)
	for i := range s {
		s[i] = int8(rng.Intn(256) - 128) // full range −128..127
	}
	return s
}

func refAccInt8(xq, wq []int8, rows, in, out int) []int32 {
	acc := make([]int32, rows*out)
	for r := 0; r < rows; r++ {
		for o := 0; o < out; o++ {
			var s int32
			for i := 0; i < in; i++ {
				s += int32(xq[r*in+i]) * int32(wq[o*in+i])
			}
			acc[r*out+o] = s
		}
	}
	return acc
}

func TestLanes(t *testing.T) {
	vals := []int8{-128, -127, -1, 0, 1, 2, 126, 127}
	for _, a := range vals {
		for _, v0 := range vals {
			for _, v1 := range vals {
				for _, v2 := range vals {
					// qChunk identical steps: the extreme lane sums
					var s int64
					for range qChunk {
						s += int64(a) * lanes3(v0, v1, v2)
					}
					r := []int32{1, 2, 3}
					unlanes3(r, s)
					want := []int32{1 + qChunk*int32(a)*int32(v0), 2 + qChunk*int32(a)*int32(v1), 3 + qChunk*int32(a)*int32(v2)}
					if r[0] != want[0] || r[1] != want[1] || r[2] != want[2] {
						t.Fatalf("a=%d lanes(%d,%d,%d): got %v want %v", a, v0, v1, v2, r, want)
					}
				}
			}
		}
	}
}

// TestInt8AccExact compares the fast int32 accumulators with the reference
// exactly, on odd shapes, random full-range values and the extremes.
func TestInt8AccExact(t *testing.T) {
	shapes := []shape{{1, 1, 1}, {4, 60, 9}, {7, 65, 97}, {15, 3, 64}, {226, 97, 65}, {197, 768, 64},
		{5, 241, 10}, {15, 896, 1024}, {8, 3584, 19}, {226, 481, 253}}
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
		want := refAccInt8(xq, wq, s.m, s.k, s.n)
		got := make([]int32, s.m*s.n)
		matMulInt8Acc(got, xq, wq, s.m, s.k, s.n)
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%v: acc[%d] = %d, want %d", s, i, got[i], want[i])
			}
		}
	}
}

func TestLinearInt8(t *testing.T) {
	shapes := []shape{{1, 7, 5}, {7, 65, 97}, {226, 768, 65}, {197, 1024, 97}, {15, 3584, 64}}
	if !testing.Short() {
		shapes = append(shapes, shape{197, 768, 3072})
	}
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
		LinearInt8(got, xq, xs, wq, ws, s.m, s.k, s.n, bias)
		RefLinearInt8(want, xq, xs, wq, ws, s.m, s.k, s.n, bias)
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-6*math.Abs(float64(want[i]))+1e-30 {
				t.Fatalf("%v: y[%d] = %v, want %v", s, i, got[i], want[i])
			}
		}
	}
}

func TestQuantizeRows(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	rows, in := 6, 301
	x := randSlice(rng, rows*in)
	for i := range x[2*in : 3*in] {
		x[2*in+i] = 0 // a row of zeros
	}
	x[4*in+7] = -40 // a row with one outlier
	xq, sc := QuantizeRows(x, rows, in)
	for r := 0; r < rows; r++ {
		var mx int
		for i := 0; i < in; i++ {
			q := xq[r*in+i]
			if q < -ActCodeMax || q > ActCodeMax {
				t.Fatalf("row %d: %d out of range", r, q)
			}
			mx = max(mx, int(q), -int(q))
			if d := math.Abs(float64(x[r*in+i]) - float64(q)*float64(sc[r])); d > 0.5001*float64(sc[r]) {
				t.Fatalf("row %d col %d: %v vs %d·%v", r, i, x[r*in+i], q, sc[r])
			}
		}
		if r == 2 {
			if sc[r] != 0 || mx != 0 {
				t.Fatalf("zero row: scale %v max %d", sc[r], mx)
			}
		} else if mx != ActCodeMax {
			t.Fatalf("row %d: max |q| = %d, want %d", r, mx, ActCodeMax)
		}
	}
	if xq[4*in+7] != -ActCodeMax {
		t.Fatalf("outlier quantized to %d", xq[4*in+7])
	}
	// rounding to nearest, and non-finite rows
	q, s := QuantizeRows([]float32{63, 0.49, 0.51, -0.49, -0.51, -62.6, 3.2}, 1, 7)
	if s[0] != 1 || q[0] != 63 || q[1] != 0 || q[2] != 1 || q[3] != 0 || q[4] != -1 || q[5] != -63 || q[6] != 3 {
		t.Fatalf("rounding: %v scale %v", q, s)
	}
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(-1))} {
		q, s = QuantizeRows([]float32{1, bad, 2, 5, 6, 7}, 2, 3)
		if !math.IsNaN(float64(s[0])) || q[0] != 0 || q[1] != 0 || s[1] != 7.0/63 || q[5] != 63 {
			t.Fatalf("row with %v: %v scales %v", bad, q, s)
		}
	}
}

// TestInt8EndToEnd quantizes activations per row and weights per output
// channel and checks LinearInt8 against the float product: the error must
// be at quantization level (about 1% of the output scale), not garbage.
func TestInt8EndToEnd(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	rows, in, out := 15, 768, 96
	x := randSlice(rng, rows*in)
	w := randSlice(rng, out*in)
	bias := randSlice(rng, out)
	want := make([]float32, rows*out)
	RefLinear(want, x, rows, in, w, out, bias)
	xq, xs := QuantizeRows(x, rows, in)
	wq, ws := QuantizeRows(w, out, in)
	got := make([]float32, rows*out)
	LinearInt8(got, xq, xs, wq, ws, rows, in, out, bias)
	var num, den float64
	for i := range got {
		d := float64(got[i] - want[i])
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	if rel := math.Sqrt(num / den); rel > 0.02 || math.IsNaN(rel) {
		t.Fatalf("relative RMS error %.4f", rel)
	}
}

// TestQuantizeTinyRows: a row whose largest magnitude is below 2⁻¹²⁰
// (subnormals, say) would make 63/max overflow to +Inf and the codes
// garbage (the sign of a positive value flipped, before this case
// existed); it quantizes to zero codes with scale 0 instead, while a row
// just above the threshold keeps its codes.
func TestQuantizeTinyRows(t *testing.T) {
	x := []float32{1e-41, -3e-42, 0, 2e-41, 0x1p-119, -0x1p-120, 0, 0x1p-121}
	q, s := QuantizeRows(x, 2, 4)
	if s[0] != 0 || q[0] != 0 || q[1] != 0 || q[3] != 0 {
		t.Fatalf("subnormal row: codes %v scale %v, want zeros and 0", q[:4], s[0])
	}
	if s[1] == 0 || q[4] != 63 || q[5] != -31 || q[7] != 16 { // −31.5 rounds up, 15.75 to 16
		t.Fatalf("row at 2⁻¹¹⁹: codes %v scale %v, want 63 -31 0 16", q[4:], s[1])
	}
}
