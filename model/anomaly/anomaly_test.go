package anomaly

import (
	"errors"
	"math"
	"math/rand"
	"testing"
)

func unitRows(rng *rand.Rand, n, d int) []float32 {
	out := make([]float32, n*d)
	for i := 0; i < n; i++ {
		s := 0.0
		row := make([]float64, d)
		for j := range row {
			row[j] = rng.NormFloat64()
			s += row[j] * row[j]
		}
		for j := range row {
			out[i*d+j] = float32(row[j] / math.Sqrt(s))
		}
	}
	return out
}

// officialSurgery is a literal transcription of the official element-wise
// clip_feature_surgery for one image and one stage (2 classes, normal then
// abnormal): prob = softmax(F_0·T), w = prob/mean(prob),
// feats[i][c][d] = F[i][d]·t_c[d]·w_c, redundant[i][d] = mean_c feats,
// sim[i][c] = Σ_d (feats − redundant).
func officialSurgery(F []float32, T, E int, text [2][]float32) [][2]float64 {
	var prob [2]float64
	for c := 0; c < 2; c++ {
		for d := 0; d < E; d++ {
			prob[c] += float64(F[d]) * float64(text[c][d])
		}
	}
	m := math.Max(prob[0], prob[1])
	e0, e1 := math.Exp(prob[0]-m), math.Exp(prob[1]-m)
	prob = [2]float64{e0 / (e0 + e1), e1 / (e0 + e1)}
	mean := (prob[0] + prob[1]) / 2
	w := [2]float64{prob[0] / mean, prob[1] / mean}
	sim := make([][2]float64, T)
	feats := make([][2]float64, E)
	for i := 0; i < T; i++ {
		for d := 0; d < E; d++ {
			for c := 0; c < 2; c++ {
				feats[d][c] = float64(F[i*E+d]) * float64(text[c][d]) * w[c]
			}
		}
		for d := 0; d < E; d++ {
			redundant := (feats[d][0] + feats[d][1]) / 2
			for c := 0; c < 2; c++ {
				sim[i][c] += feats[d][c] - redundant
			}
		}
	}
	return sim
}

func TestFeatureSurgeryClosedFormEqualsOfficial(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for _, sz := range [][2]int{{226, 640}, {26, 16}, {1, 3}, {50, 64}} {
		T, E := sz[0], sz[1]
		F := unitRows(rng, T, E)
		tt := unitRows(rng, 2, E)
		tn, ta := tt[:E], tt[E:]
		sim, pn, pa, err := FeatureSurgery(F, tn, ta)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(pn+pa-1) > 1e-15 {
			t.Fatalf("pn + pa = %v", pn+pa)
		}
		ref := officialSurgery(F, T, E, [2][]float32{tn, ta})
		for i := range sim {
			if math.Abs(float64(sim[i])-ref[i][1]) > 1e-6 {
				t.Fatalf("T=%d E=%d token %d: closed form %v, official %v", T, E, i, sim[i], ref[i][1])
			}
			if math.Abs(ref[i][0]+ref[i][1]) > 1e-12 {
				t.Fatalf("official normal channel %v is not −abnormal %v", ref[i][0], ref[i][1])
			}
		}
	}
}

func TestFeatureSurgeryByHand(t *testing.T) {
	// E = 2: t_n = (1,0), t_a = (0,1); class token (1,1)/√2 is equidistant
	// → p = (½, ½); token (0.6, 0.8): sim = ½·0.8 − ½·0.6 = 0.1.
	s := float32(1 / math.Sqrt2)
	F := []float32{s, s, 0.6, 0.8, 1, 0}
	sim, pn, pa, err := FeatureSurgery(F, []float32{1, 0}, []float32{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	if pn != 0.5 || pa != 0.5 {
		t.Fatalf("p = %v %v", pn, pa)
	}
	want := []float64{0, 0.1, -0.5}
	for i := range want {
		if math.Abs(float64(sim[i])-want[i]) > 1e-7 {
			t.Fatalf("sim[%d] = %v, want %v", i, sim[i], want[i])
		}
	}
	// class token = t_a: (p_n, p_a) = softmax(0, 1) = (1/(1+e), e/(1+e))
	_, pn, pa, _ = FeatureSurgery([]float32{0, 1}, []float32{1, 0}, []float32{0, 1})
	if math.Abs(pa-math.E/(1+math.E)) > 1e-15 || math.Abs(pn-1/(1+math.E)) > 1e-15 {
		t.Fatalf("p = %v %v", pn, pa)
	}
	// ×100: softmax(0, 100)[1] = 1/(1+e^−100)
	p, err := ProbAbnormal([]float32{0, 1}, []float32{1, 0}, []float32{0, 1})
	if err != nil || math.Abs(p-1/(1+math.Exp(-100))) > 1e-15 {
		t.Fatalf("ProbAbnormal = %v %v", p, err)
	}
	p, _ = ProbAbnormal([]float32{1, 0}, []float32{1, 0}, []float32{0, 1})
	if math.Abs(p-math.Exp(-100)/(1+math.Exp(-100))) > 1e-50 {
		t.Fatalf("ProbAbnormal = %v", p)
	}
}

func TestStageSumPatchMap(t *testing.T) {
	a := []float32{9, 1, 2, 3, 4}
	b := []float32{9, 10, 20, 30, 40}
	s, err := StageSum([][]float32{a, b})
	if err != nil {
		t.Fatal(err)
	}
	m, err := PatchMap(s, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{11, 22, 33, 44} // token 1+2r+c → (r, c), class token dropped
	for i := range want {
		if m[i] != want[i] {
			t.Fatalf("map = %v, want %v", m, want)
		}
	}
	if _, err := PatchMap(s, 3); !errors.Is(err, ErrInput) {
		t.Fatalf("wrong grid: %v", err)
	}
	if _, err := StageSum([][]float32{a, b[:4]}); !errors.Is(err, ErrInput) {
		t.Fatalf("ragged stages: %v", err)
	}
	if _, err := StageSum(nil); !errors.Is(err, ErrInput) {
		t.Fatalf("no stages: %v", err)
	}
}

func TestBilinearAnalytic(t *testing.T) {
	// constant stays constant
	for _, ac := range []bool{false, true} {
		c := make([]float32, 15*15)
		for i := range c {
			c[i] = 0.3125
		}
		out, err := Bilinear(c, 15, 15, 240, 200, ac)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range out {
			if v != 0.3125 {
				t.Fatalf("constant, align=%v: out[%d] = %v", ac, i, v)
			}
		}
		// 1×1 input → constant output of any size
		out, _ = Bilinear([]float32{-2.5}, 1, 1, 3, 7, ac)
		for i, v := range out {
			if v != -2.5 {
				t.Fatalf("1×1, align=%v: out[%d] = %v", ac, i, v)
			}
		}
	}
	// a bilinear function f(r, c) = 2r + 3c − 1 is reproduced exactly at the
	// source coordinates: align_corners=True src = dst·(in−1)/(out−1);
	// False: src = clamp((dst+½)·in/out − ½, 0, in−1).
	const ih, iw, oh, ow = 5, 7, 13, 4
	src := make([]float32, ih*iw)
	for r := 0; r < ih; r++ {
		for c := 0; c < iw; c++ {
			src[r*iw+c] = float32(2*r + 3*c - 1)
		}
	}
	for _, ac := range []bool{false, true} {
		out, err := Bilinear(src, ih, iw, oh, ow, ac)
		if err != nil {
			t.Fatal(err)
		}
		coord := func(d, in, o int) float64 {
			if ac {
				return float64(d) * float64(in-1) / float64(o-1)
			}
			return math.Min(float64(in-1), math.Max(0, (float64(d)+0.5)*float64(in)/float64(o)-0.5))
		}
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				want := 2*coord(y, ih, oh) + 3*coord(x, iw, ow) - 1
				if math.Abs(float64(out[y*ow+x])-want) > 2e-6 {
					t.Fatalf("ramp align=%v (%d,%d) = %v, want %v", ac, y, x, out[y*ow+x], want)
				}
			}
		}
	}
	// same size is the identity for align_corners=False (src = dst)
	out, _ := Bilinear(src, ih, iw, ih, iw, false)
	for i := range src {
		if out[i] != src[i] {
			t.Fatalf("identity: %v vs %v", out, src)
		}
	}
	// halving with align_corners=False averages each pair (src = 2d + ½)
	out, _ = Bilinear([]float32{1, 3, 10, 20}, 1, 4, 1, 2, false)
	if out[0] != 2 || out[1] != 15 {
		t.Fatalf("halving: %v", out)
	}
	// align_corners=True keeps the corner samples
	out, _ = Bilinear([]float32{1, 3, 10, 20}, 2, 2, 9, 5, true)
	if out[0] != 1 || out[4] != 3 || out[40] != 10 || out[44] != 20 {
		t.Fatalf("corners: %v", out)
	}
}

func TestReflectIndex(t *testing.T) {
	// n = 3, indices −7..9: … a | c b a | a b c | c b a | a b c | c b a
	want := []int{0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2}
	for k, i := 0, -7; i <= 9; i, k = i+1, k+1 {
		if got := reflectIndex(i, 3); got != want[k] {
			t.Fatalf("reflectIndex(%d, 3) = %d, want %d", i, got, want[k])
		}
	}
	for i := -5; i <= 5; i++ {
		if reflectIndex(i, 1) != 0 {
			t.Fatalf("n=1")
		}
	}
}

func TestGaussianAnalytic(t *testing.T) {
	for _, c := range []struct {
		sigma float64
		r     int
	}{{8, 32}, {2, 8}, {0.7, 3}, {0.1, 0}, {0.125, 1}} {
		k, err := GaussianKernel(c.sigma)
		if err != nil {
			t.Fatal(err)
		}
		if GaussianRadius(c.sigma) != c.r || len(k) != 2*c.r+1 {
			t.Fatalf("σ=%v: radius %d, %d taps", c.sigma, GaussianRadius(c.sigma), len(k))
		}
		s := 0.0
		for i := range k {
			s += k[i]
			if k[i] != k[len(k)-1-i] {
				t.Fatalf("σ=%v: kernel not symmetric", c.sigma)
			}
		}
		if math.Abs(s-1) > 1e-15 {
			t.Fatalf("σ=%v: kernel sums to %v", c.sigma, s)
		}
	}
	// constants stay constant; the reflect boundary preserves the total
	// mass (the extension is symmetric and periodic), also when the radius
	// exceeds the image.
	rng := rand.New(rand.NewSource(2))
	for _, sh := range [][3]float64{{240, 240, 8}, {5, 9, 8}, {15, 15, 2}, {1, 6, 8}, {4, 1, 0.7}, {1, 1, 8}, {3, 2, 50}} {
		h, w, sigma := int(sh[0]), int(sh[1]), sh[2]
		img := make([]float32, h*w)
		cst := make([]float32, h*w)
		sum := 0.0
		for i := range img {
			img[i] = float32(rng.Float64())
			sum += float64(img[i])
			cst[i] = 0.75
		}
		out, err := Gaussian(img, h, w, sigma)
		if err != nil {
			t.Fatal(err)
		}
		os := 0.0
		for _, v := range out {
			os += float64(v)
		}
		if math.Abs(os-sum) > 1e-6*sum {
			t.Fatalf("%d×%d σ=%v: sum %v → %v", h, w, sigma, sum, os)
		}
		out, _ = Gaussian(cst, h, w, sigma)
		for i, v := range out {
			if math.Abs(float64(v)-0.75) > 1e-7 {
				t.Fatalf("%d×%d σ=%v: constant → %v at %d", h, w, sigma, v, i)
			}
		}
	}
	// an impulse in the middle of a large image gives the kernel
	// (outer product) exactly where no reflection reaches
	img := make([]float32, 101*101)
	img[50*101+50] = 1
	out, _ := Gaussian(img, 101, 101, 2)
	k, _ := GaussianKernel(2)
	for dy := -8; dy <= 8; dy++ {
		for dx := -8; dx <= 8; dx++ {
			want := k[dy+8] * k[dx+8]
			if math.Abs(float64(out[(50+dy)*101+50+dx])-want) > 1e-7*want+1e-12 {
				t.Fatalf("impulse (%d,%d) = %v, want %v", dy, dx, out[(50+dy)*101+50+dx], want)
			}
		}
	}
	if out[50*101+59] != 0 {
		t.Fatalf("beyond the radius: %v", out[50*101+59])
	}
	// sigma 0 (or tiny) is a copy
	out, _ = Gaussian([]float32{1, 2, 3}, 1, 3, 0)
	if out[0] != 1 || out[1] != 2 || out[2] != 3 {
		t.Fatalf("σ=0: %v", out)
	}
}

func TestScores(t *testing.T) {
	s, err := BatchScores([]float64{0.25, 0.5, 0.75}, []float64{5, 5, 5})
	if err != nil {
		t.Fatal(err)
	}
	// s0 → 0, ½, 1; s1 constant → 0
	if s[0] != 0 || s[1] != 0.5 || s[2] != 1 {
		t.Fatalf("degenerate s1: %v", s)
	}
	s, _ = BatchScores([]float64{0.7}, []float64{0.03})
	if len(s) != 1 || s[0] != 0 {
		t.Fatalf("single image batch: %v", s)
	}
	s, _ = BatchScores([]float64{0, 1, 0.5}, []float64{-1, 1, 0})
	if s[0] != 0 || s[1] != 2 || s[2] != 1 {
		t.Fatalf("batch: %v", s)
	}
	c := DefaultCalibration()
	if c != (Calibration{0, 1, 0, 0.1}) {
		t.Fatalf("default calibration %+v", c)
	}
	for _, x := range []struct{ s0, s1, want float64 }{
		{0.3, 0.05, 0.8}, {1, 0.1, 2}, {0, 0, 0}, {0.5, -0.2, 0.5}, {0.5, 0.4, 1.5},
	} {
		got, err := SingleScore(x.s0, x.s1)
		if err != nil || math.Abs(got-x.want) > 1e-15 {
			t.Fatalf("SingleScore(%v, %v) = %v (%v), want %v", x.s0, x.s1, got, err, x.want)
		}
	}
	if got, _ := (Calibration{0.2, 0.2, 0, 1}).Score(0.9, 0.5); got != 0.5 {
		t.Fatalf("degenerate calibration range: %v", got)
	}
	nan := math.NaN()
	for _, bad := range []func() error{
		func() error { _, err := BatchScores([]float64{1, 2}, []float64{1}); return err },
		func() error { _, err := BatchScores(nil, nil); return err },
		func() error { _, err := BatchScores([]float64{1, nan}, []float64{1, 2}); return err },
		func() error { _, err := BatchScores([]float64{1, 2}, []float64{math.Inf(1), 2}); return err },
		func() error { _, err := SingleScore(nan, 0); return err },
		func() error { _, err := (Calibration{1, 0, 0, 1}).Score(0.5, 0.5); return err },
		func() error { _, err := (Calibration{0, nan, 0, 1}).Score(0.5, 0.5); return err },
		func() error { _, err := FitCalibration([]float64{1}, []float64{1, 2}); return err },
		func() error { _, err := FitCalibration([]float64{nan}, []float64{1}); return err },
		func() error { _, err := MaxValue(nil); return err },
		func() error { _, err := MaxValue([]float32{1, float32(nan)}); return err },
	} {
		if err := bad(); !errors.Is(err, ErrInput) {
			t.Fatalf("bad score input: err = %v", err)
		}
	}
}

func TestJETKnown(t *testing.T) {
	// OpenCV JET: dark blue → blue → cyan → yellow → red → dark red.
	for _, c := range []struct {
		v       uint8
		r, g, b uint8
	}{
		{0, 0, 0, 128}, {32, 0, 0, 255}, {96, 2, 255, 254}, {127, 126, 255, 130},
		{128, 130, 255, 126}, {159, 254, 255, 1}, {160, 255, 252, 0}, {224, 252, 0, 0}, {255, 128, 0, 0},
	} {
		r, g, b := JET(c.v)
		if r != c.r || g != c.g || b != c.b {
			t.Fatalf("JET(%d) = (%d,%d,%d), want (%d,%d,%d)", c.v, r, g, b, c.r, c.g, c.b)
		}
	}
	// constant map → index 0 everywhere; overlay with alpha 1 is the image
	rgb, err := ColorizeJET([]float32{4, 4, 4})
	if err != nil || rgb[0] != 0 || rgb[2] != 128 || rgb[8] != 128 {
		t.Fatalf("constant map: %v %v", rgb, err)
	}
	img := []uint8{10, 20, 30, 40, 50, 60}
	vis, _ := Overlay(img, 2, 1, []float32{0, 1}, 1)
	for i := range img {
		if vis[i] != img[i] {
			t.Fatalf("alpha 1: %v", vis)
		}
	}
	vis, _ = Overlay(img, 2, 1, []float32{0, 1}, 0)
	if vis[0] != 0 || vis[2] != 128 || vis[3] != 128 || vis[5] != 0 {
		t.Fatalf("alpha 0: %v", vis)
	}
	// alpha ½: uint8(½·10 + ½·0) = 5, uint8(½·30 + ½·128) = 79
	vis, _ = Overlay(img, 2, 1, []float32{0, 1}, 0.5)
	if vis[0] != 5 || vis[2] != 79 || vis[3] != 84 {
		t.Fatalf("alpha ½: %v", vis)
	}
}

func TestBadInput(t *testing.T) {
	nan := float32(math.NaN())
	tn, ta := []float32{1, 0}, []float32{0, 1}
	F := []float32{1, 0, 0, 1}
	check := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, ErrInput) {
			t.Errorf("%s: err = %v, want ErrInput", name, err)
		}
	}
	_, _, _, err := FeatureSurgery(F[:3], tn, ta)
	check("F length", err)
	_, _, _, err = FeatureSurgery(nil, tn, ta)
	check("F empty", err)
	_, _, _, err = FeatureSurgery(F, tn, []float32{0, 1, 0})
	check("text dims", err)
	_, _, _, err = FeatureSurgery(F, []float32{0, 0}, ta)
	check("zero t_n", err)
	_, _, _, err = FeatureSurgery(F, tn, []float32{0, 0})
	check("zero t_a", err)
	_, _, _, err = FeatureSurgery([]float32{1, 0, nan, 1}, tn, ta)
	check("NaN in F", err)
	_, _, _, err = FeatureSurgery([]float32{1, 0, 0, 0}, tn, ta)
	check("zero row", err)
	_, _, _, err = FeatureSurgery(F, []float32{nan, 1}, ta)
	check("NaN in t_n", err)
	_, err = ProbAbnormal([]float32{1, 0, 0}, tn, ta)
	check("ProbAbnormal length", err)
	_, err = ProbAbnormal([]float32{0, 0}, tn, ta)
	check("ProbAbnormal zero", err)
	_, _, err = SDPMap(nil, tn, ta, 1, 4, 1)
	check("SDPMap no stages", err)
	_, _, err = SDPMap([][]float32{{1, 0, 0, 1, 1, 0}}, tn, ta, 2, 4, 1)
	check("SDPMap grid", err)
	_, err = Bilinear([]float32{1, 2, 3}, 2, 2, 4, 4, false)
	check("Bilinear length", err)
	_, err = Bilinear([]float32{1, 2, 3, 4}, 2, 2, 0, 4, false)
	check("Bilinear out size", err)
	_, err = Bilinear([]float32{1, 2, 3, nan}, 2, 2, 4, 4, false)
	check("Bilinear NaN", err)
	_, err = Bilinear([]float32{1}, 1, 1, 1<<20, 1<<20, false)
	check("Bilinear huge", err)
	_, err = ToOriginal([]float32{1, 2, 3}, 2, 5, 5)
	check("ToOriginal", err)
	_, err = Gaussian([]float32{1, 2}, 1, 3, 2)
	check("Gaussian length", err)
	_, err = Gaussian([]float32{1, 2}, 1, 2, -1)
	check("Gaussian sigma", err)
	_, err = Gaussian([]float32{1, 2}, 1, 2, math.NaN())
	check("Gaussian sigma NaN", err)
	_, err = Gaussian([]float32{1, 2}, 1, 2, 1e9)
	check("Gaussian sigma huge", err)
	_, err = Gaussian([]float32{1, float32(math.Inf(1))}, 1, 2, 1)
	check("Gaussian Inf", err)
	_, err = GaussianKernel(0)
	check("GaussianKernel 0", err)
	_, err = ColorizeJET(nil)
	check("ColorizeJET empty", err)
	_, err = ColorizeJET([]float32{1, nan})
	check("ColorizeJET NaN", err)
	_, err = Overlay([]uint8{1, 2, 3}, 2, 1, []float32{0, 1}, 0.5)
	check("Overlay image length", err)
	_, err = Overlay(make([]uint8, 6), 2, 1, []float32{0}, 0.5)
	check("Overlay map length", err)
	_, err = Overlay(make([]uint8, 6), 2, 1, []float32{0, 1}, 1.5)
	check("Overlay alpha", err)
	_, err = Overlay(make([]uint8, 6), 2, 1, []float32{0, 1}, math.NaN())
	check("Overlay alpha NaN", err)
	_, err = MinMax(nil)
	check("MinMax empty", err)
}

// The full-size SDP path (4 stages × 226 × 640 → 240×240, σ = 8) runs and
// its map is the Gaussian of the bilinear upsampling of the raw map.
func TestSDPMapFullSize(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	stages := make([][]float32, 4)
	for k := range stages {
		stages[k] = unitRows(rng, 226, 640)
	}
	tt := unitRows(rng, 2, 640)
	raw, sm, err := SDPMap(stages, tt[:640], tt[640:], 15, 240, 8)
	if err != nil {
		t.Fatal(err)
	}
	up, _ := Bilinear(raw, 15, 15, 240, 240, false)
	want, _ := Gaussian(up, 240, 240, 8)
	for i := range sm {
		if sm[i] != want[i] {
			t.Fatalf("pixel %d: %v vs %v", i, sm[i], want[i])
		}
	}
	orig, err := ToOriginal(sm, 240, 700, 480)
	if err != nil || len(orig) != 700*480 {
		t.Fatalf("ToOriginal: %d %v", len(orig), err)
	}
	s1, _ := MaxValue(sm)
	o1, _ := MaxValue(orig)
	if o1 > s1 {
		t.Fatalf("interpolation exceeded the map maximum: %v > %v", o1, s1)
	}
}
