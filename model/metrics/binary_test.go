package metrics

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func bools(xs ...int) []bool {
	b := make([]bool, len(xs))
	for i, x := range xs {
		b[i] = x != 0
	}
	return b
}

// Hand-computed cases (sklearn semantics, worked out in the comments).
func TestBinaryHand(t *testing.T) {
	cases := []struct {
		name          string
		scores        []float64
		labels        []bool
		auroc, ap, f1 float64
	}{
		// thresholds .8 (tp1 fp0), .4 (1,1), .35 (2,1), .1 (2,2):
		// ROC (0,0)(0,.5)(.5,.5)(.5,1)(1,1) → 0.75;
		// AP = .5·1 + .5·(2/3) = 5/6; F1 = .667, .5, .8, .667 → 0.8.
		{"sklearn_doc", []float64{0.1, 0.4, 0.35, 0.8}, bools(0, 0, 1, 1), 0.75, 5.0 / 6, 0.8},
		// one tie group per value: (0,0)(.5,.5)(1,1) → .5; AP .5·.5+.5·.5;
		// F1 at 1: p=r=.5 → .5, at 0: p=.5 r=1 → 2/3.
		{"tie_pair", []float64{1, 1, 0, 0}, bools(1, 0, 1, 0), 0.5, 0.5, 2.0 / 3},
		// one threshold: AUROC .5, AP = precision = 2/5, F1 = 2·.4/(1.4).
		{"all_equal", []float64{0.3, 0.3, 0.3, 0.3, 0.3}, bools(1, 0, 1, 0, 0), 0.5, 0.4, 0.8 / 1.4},
		{"perfect", []float64{3, 2, 1, 0}, bools(1, 1, 0, 0), 1, 1, 1},
		// all negatives above: AP = .5·(1/3) + .5·(2/4) = 5/12, F1 max at full recall: 2·.5/1.5.
		{"inverted", []float64{3, 2, 1, 0}, bools(0, 0, 1, 1), 0, 5.0 / 12, 2.0 / 3},
		// a tie straddling the classes: pos {5, 3, 3}, neg {3, 1}.
		// pairs: 5>3,5>1, 3=3 (½),3>1, 3=3 (½),3>1 → 5/6.
		// thresholds 5 (1,0), 3 (3,1), 1 (3,2): AP = 1/3·1 + 2/3·3/4 = 5/6;
		// F1: 2·1·(1/3)/(4/3)=.5, 2·.75·1/1.75=6/7, 2·.6/1.6=.75 → 6/7.
		{"straddle", []float64{5, 3, 3, 3, 1}, bools(1, 1, 1, 0, 0), 5.0 / 6, 5.0 / 6, 6.0 / 7},
	}
	for _, c := range cases {
		r, err := Binary(c.scores, c.labels)
		if err != nil {
			t.Fatal(c.name, err)
		}
		for _, x := range []struct {
			what string
			got  Value
			want float64
		}{{"AUROC", r.AUROC, c.auroc}, {"AP", r.AP, c.ap}, {"F1-max", r.F1Max, c.f1}} {
			if !x.got.OK() || !near(x.got.V, x.want, 1e-15) {
				t.Errorf("%s %s = %v (%v), want %v", c.name, x.what, x.got.V, x.got.Err, x.want)
			}
		}
		// float32 path agrees (all the scores are exact in float32)
		s32 := make([]float32, len(c.scores))
		for i, s := range c.scores {
			s32[i] = float32(s)
		}
		r32, err := Binary32(s32, c.labels)
		if err != nil {
			t.Fatal(err)
		}
		if r32.AUROC != r.AUROC || r32.AP != r.AP || r32.F1Max != r.F1Max {
			t.Errorf("%s: float32 %+v differs from float64 %+v", c.name, r32, r)
		}
	}
}

func TestBinaryOneClass(t *testing.T) {
	// A category without anomalies: everything n/a, clearly reported.
	r, err := Binary([]float64{0.1, 0.5, 0.2}, bools(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []Value{r.AUROC, r.AP, r.F1Max} {
		if v.OK() || !errors.Is(v.Err, ErrUndefined) || v.String() != "n/a" {
			t.Errorf("no positives: got %+v, want n/a matching ErrUndefined", v)
		}
	}
	if _, err := AUROC([]float64{0.1, 0.5}, bools(0, 0)); !errors.Is(err, ErrUndefined) {
		t.Errorf("AUROC without positives: err %v", err)
	}
	var ue *UndefinedError
	if _, err := AUROC32([]float32{0.1, 0.5}, bools(1, 1)); !errors.As(err, &ue) || ue.Metric != "AUROC" {
		t.Errorf("AUROC32 without negatives: err %v", err)
	}
	// Without negatives AP and F1 are defined (sklearn: 1.0).
	r, _ = Binary([]float64{0.1, 0.5}, bools(1, 1))
	if r.AUROC.OK() || !r.AP.OK() || r.AP.V != 1 || !r.F1Max.OK() || r.F1Max.V != 1 {
		t.Errorf("no negatives: %+v", r)
	}
}

func TestBinaryInvalid(t *testing.T) {
	for name, f := range map[string]func() error{
		"length":   func() error { _, err := Binary([]float64{1, 2}, bools(1)); return err },
		"empty":    func() error { _, err := Binary(nil, nil); return err },
		"nan":      func() error { _, err := Binary([]float64{1, math.NaN()}, bools(1, 0)); return err },
		"inf":      func() error { _, err := AUROC([]float64{1, math.Inf(1)}, bools(1, 0)); return err },
		"nan32":    func() error { _, err := Binary32([]float32{1, float32(math.NaN())}, bools(1, 0)); return err },
		"len32":    func() error { _, err := Binary32([]float32{1}, bools(1, 0)); return err },
		"mapmask":  func() error { _, err := BinaryMaps([][]float32{{1, 2}}, [][]bool{bools(1)}); return err },
		"mapcount": func() error { _, err := BinaryMaps([][]float32{{1}}, nil); return err },
	} {
		err := f()
		if err == nil || errors.Is(err, ErrUndefined) {
			t.Errorf("%s: err = %v, want an input error", name, err)
		}
	}
}

// bruteBinary is a deliberately naive reference: AUROC as the Mann–Whitney
// pair count (ties ½), AP and F1 from recounting at every distinct threshold.
func bruteBinary(s []float64, y []bool) (auroc, ap, f1 float64) {
	var P, N int
	for _, l := range y {
		if l {
			P++
		} else {
			N++
		}
	}
	var wins float64
	for i := range s {
		if !y[i] {
			continue
		}
		for j := range s {
			if y[j] {
				continue
			}
			switch {
			case s[i] > s[j]:
				wins++
			case s[i] == s[j]:
				wins += 0.5
			}
		}
	}
	auroc = wins / float64(P) / float64(N)
	th := slices.Clone(s)
	slices.Sort(th)
	th = slices.Compact(th)
	slices.Reverse(th)
	prevR := 0.0
	for _, t := range th {
		var tp, fp int
		for i := range s {
			if s[i] >= t {
				if y[i] {
					tp++
				} else {
					fp++
				}
			}
		}
		p := float64(tp) / float64(tp+fp)
		r := float64(tp) / float64(P)
		ap += (r - prevR) * p
		prevR = r
		if tp > 0 {
			f1 = max(f1, 2*p*r/(p+r))
		}
	}
	return
}

func randomCase(rng *rand.Rand, n, levels int) ([]float64, []bool) {
	s := make([]float64, n)
	y := make([]bool, n)
	for i := range s {
		y[i] = rng.Float64() < 0.3
		s[i] = float64(rng.IntN(levels))/float64(levels) - 0.5
		if y[i] && rng.IntN(2) == 0 {
			s[i] += 0.2
		}
	}
	y[0], y[1] = true, false
	return s, y
}

func TestBinaryRandomVsBrute(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for it := range 300 {
		n := 2 + rng.IntN(120)
		levels := 1 + rng.IntN(30) // few levels: many ties
		s, y := randomCase(rng, n, levels)
		wa, wp, wf := bruteBinary(s, y)
		r, err := Binary(s, y)
		if err != nil {
			t.Fatal(err)
		}
		if !near(r.AUROC.V, wa, 1e-12) || !near(r.AP.V, wp, 1e-12) || !near(r.F1Max.V, wf, 1e-12) {
			t.Fatalf("case %d (n=%d levels=%d): got %v %v %v, brute %v %v %v",
				it, n, levels, r.AUROC.V, r.AP.V, r.F1Max.V, wa, wp, wf)
		}
	}
}

// Property: AUROC(−s) = 1 − AUROC(s), also with ties; likewise flipping the
// labels.
func TestAUROCNegationIdentity(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		n := 2 + rng.IntN(400)
		s, y := randomCase(rng, n, 1+rng.IntN(50))
		if rng.IntN(2) == 0 {
			for i := range s {
				s[i] = rng.NormFloat64()
			}
		}
		neg := make([]float64, n)
		flip := make([]bool, n)
		for i := range s {
			neg[i] = -s[i]
			flip[i] = !y[i]
		}
		a, err1 := AUROC(s, y)
		b, err2 := AUROC(neg, y)
		c, err3 := AUROC(s, flip)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatal(err1, err2, err3)
		}
		if !near(a+b, 1, 1e-12) || !near(a+c, 1, 1e-12) {
			t.Fatalf("AUROC(s)=%v AUROC(-s)=%v AUROC(s, !y)=%v", a, b, c)
		}
	}
}

func TestSignedZeroIsOneThreshold(t *testing.T) {
	a, _ := Binary([]float64{0, math.Copysign(0, -1)}, bools(1, 0))
	if a.AUROC.V != 0.5 {
		t.Errorf("AUROC with +0 / −0 = %v, want 0.5 (one tie)", a.AUROC.V)
	}
	b, _ := Binary32([]float32{0, float32(math.Copysign(0, -1))}, bools(0, 1))
	if b.AUROC.V != 0.5 {
		t.Errorf("AUROC32 with +0 / −0 = %v, want 0.5", b.AUROC.V)
	}
}

func TestKeyOrder(t *testing.T) {
	vals := []float32{float32(math.Inf(-1)), -math.MaxFloat32, -1, -math.SmallestNonzeroFloat32, 0,
		math.SmallestNonzeroFloat32, 1e-30, 0.5, 1, math.MaxFloat32, float32(math.Inf(1))}
	for i := 1; i < len(vals); i++ {
		if !(key32(vals[i-1]) < key32(vals[i])) {
			t.Errorf("key32(%v) !< key32(%v)", vals[i-1], vals[i])
		}
		if !(key64(float64(vals[i-1])) < key64(float64(vals[i]))) {
			t.Errorf("key64(%v) !< key64(%v)", vals[i-1], vals[i])
		}
	}
}

func TestRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, 255, 256, 257, 1000, 100000} {
		for _, gen := range []func() uint32{
			rng.Uint32,
			func() uint32 { return key32(rng.Float32()) },                 // shared top bytes
			func() uint32 { return key32(float32(rng.IntN(7)) / 7) },      // heavy ties
			func() uint32 { return 0xABCD0000 | uint32(rng.IntN(1<<16)) }, // two constant bytes
		} {
			a := make([]uint32, n)
			for i := range a {
				a[i] = gen()
			}
			want := slices.Clone(a)
			slices.Sort(want)
			radixSort32(a)
			if !slices.Equal(a, want) {
				t.Fatalf("radixSort32 wrong for n=%d", n)
			}
		}
	}
}

// The pixel path (float32, radix sort, several maps) agrees with the
// float64 path on the same values.
func TestBinaryMapsMatchesBinary(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var maps [][]float32
	var masks [][]bool
	var all []float64
	var labels []bool
	for range 7 {
		n := rng.IntN(3000)
		m := make([]float32, n)
		k := make([]bool, n)
		for i := range m {
			k[i] = rng.Float64() < 0.05
			m[i] = float32(math.Round(rng.NormFloat64()*300) / 256)
			if k[i] {
				m[i] += 0.7
			}
			all = append(all, float64(m[i]))
			labels = append(labels, k[i])
		}
		maps = append(maps, m)
		masks = append(masks, k)
	}
	a, err := BinaryMaps(maps, masks)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Binary(all, labels)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("BinaryMaps %+v != Binary %+v", a, b)
	}
}
