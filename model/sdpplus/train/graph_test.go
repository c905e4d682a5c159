//go:build !js

package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/clipad/clipad/model/sdpplus"
	"gorgonia.org/tensor"
)

// bilinearAC is a literal float64 PyTorch bilinear, align_corners=True.
func bilinearAC(src []float64, in, out int) []float64 {
	tap := func(d int) (int, int, float64) {
		s := 0.0
		if out > 1 {
			s = float64(d) * float64(in-1) / float64(out-1)
		}
		a := int(math.Floor(s))
		b := a
		if a < in-1 {
			b = a + 1
		}
		return a, b, s - float64(a)
	}
	dst := make([]float64, out*out)
	for y := 0; y < out; y++ {
		y0, y1, ly := tap(y)
		for x := 0; x < out; x++ {
			x0, x1, lx := tap(x)
			dst[y*out+x] = (1-ly)*((1-lx)*src[y0*in+x0]+lx*src[y0*in+x1]) + ly*((1-lx)*src[y1*in+x0]+lx*src[y1*in+x1])
		}
	}
	return dst
}

// refLoss is spec §5.2 written out literally in float64: per stage,
// Linear → L2 → ×100 logits against [t_n, t_a] → both channels upsampled →
// 2-way softmax → FocalLoss (one-hot clamped to [1e-5, 1−1e-5], pt + 1e-5,
// γ = 2, mean over all pixels) + BinaryDiceLoss (per image, smooth 1).
func refLoss(w, b [sdpplus.Stages][]float64, tokens [][sdpplus.Stages][]float32, masks [][]uint8, tn, ta [][]float32, W, E, Gr, S int) float64 {
	P := Gr * Gr
	total := 0.0
	for k := range sdpplus.Stages {
		focal, diceSum := 0.0, 0.0
		for bi := range tokens {
			ln, la := make([]float64, P), make([]float64, P)
			for i := 0; i < P; i++ {
				y := make([]float64, E)
				nn := 0.0
				for e := 0; e < E; e++ {
					s := b[k][e]
					for j := 0; j < W; j++ {
						s += float64(tokens[bi][k][i*W+j]) * w[k][e*W+j]
					}
					y[e] = s
					nn += s * s
				}
				for e := 0; e < E; e++ {
					ln[i] += 100 * y[e] / math.Sqrt(nn) * float64(tn[bi][e])
					la[i] += 100 * y[e] / math.Sqrt(nn) * float64(ta[bi][e])
				}
			}
			un, ua := bilinearAC(ln, Gr, S), bilinearAC(la, Gr, S)
			inter, ps, ys := 0.0, 0.0, 0.0
			for i := range un {
				m := math.Max(un[i], ua[i])
				en, ea := math.Exp(un[i]-m), math.Exp(ua[i]-m)
				pn, pa := en/(en+ea), ea/(en+ea)
				y := float64(masks[bi][i])
				oh1 := math.Min(math.Max(y, 1e-5), 1-1e-5)
				oh0 := math.Min(math.Max(1-y, 1e-5), 1-1e-5)
				pt := oh0*pn + oh1*pa + 1e-5
				focal += -math.Pow(1-pt, 2) * math.Log(pt)
				inter += pa * y
				ps += pa
				ys += y
			}
			diceSum += (2*inter + 1) / (ps + ys + 1)
		}
		focal /= float64(len(tokens) * S * S)
		total += focal + 1 - diceSum/float64(len(tokens))
	}
	return total
}

type tinyCase struct {
	W, E, Gr, S, B int
	w, b           [sdpplus.Stages][]float64
	tokens         [][sdpplus.Stages][]float32
	masks          [][]uint8
	tn, ta         [][]float32
}

func newTinyCase(seed uint64) *tinyCase {
	r := rand.New(rand.NewPCG(seed, 1))
	c := &tinyCase{W: 6, E: 4, Gr: 3, S: 7, B: 2}
	for k := range sdpplus.Stages {
		c.w[k] = make([]float64, c.E*c.W)
		c.b[k] = make([]float64, c.E)
		for i := range c.w[k] {
			c.w[k][i] = r.Float64()*0.8 - 0.4
		}
		for i := range c.b[k] {
			c.b[k][i] = r.Float64()*0.8 - 0.4
		}
	}
	for bi := 0; bi < c.B; bi++ {
		var tok [sdpplus.Stages][]float32
		for k := range tok {
			tok[k] = make([]float32, c.Gr*c.Gr*c.W)
			for i := range tok[k] {
				tok[k][i] = float32(r.NormFloat64())
			}
		}
		c.tokens = append(c.tokens, tok)
		m := make([]uint8, c.S*c.S)
		for i := range m {
			if r.IntN(3) == 0 {
				m[i] = 1
			}
		}
		c.masks = append(c.masks, m)
		tn, ta := make([]float32, c.E), make([]float32, c.E)
		for i := range tn {
			// small text vectors keep the ×100 logits in a range where the
			// finite differences are well conditioned
			tn[i] = float32(r.NormFloat64() * 0.01)
			ta[i] = float32(r.NormFloat64() * 0.01)
		}
		c.tn, c.ta = append(c.tn, tn), append(c.ta, ta)
	}
	return c
}

// The gorgonia graph computes exactly the literal §5.2 loss, and its
// gradients match central finite differences of that loss.
func TestLossAndGradientsFiniteDifferences(t *testing.T) {
	c := newTinyCase(7)
	g, err := newGraph(tensor.Float64, c.B, c.Gr, c.S, c.W, c.E)
	if err != nil {
		t.Fatal(err)
	}
	in, err := makeInput[float64](g, c.tokens, c.masks, c.tn, c.ta)
	if err != nil {
		t.Fatal(err)
	}
	loss, parts, gw, gb, err := run(g, in, c.w, c.b)
	if err != nil {
		t.Fatal(err)
	}
	ref := refLoss(c.w, c.b, c.tokens, c.masks, c.tn, c.ta, c.W, c.E, c.Gr, c.S)
	if d := math.Abs(loss - ref); d > 1e-9*math.Max(1, ref) {
		t.Fatalf("graph loss %.12g, literal reference %.12g (diff %.3g)", loss, ref, d)
	}
	if s := parts[0] + parts[1] + parts[2] + parts[3]; math.Abs(s-loss) > 1e-12 {
		t.Fatalf("stage parts sum to %v, loss %v", s, loss)
	}
	const h = 1e-6
	maxRel, maxAbs := 0.0, 0.0
	check := func(p []float64, grad []float64, what string) {
		for i := range p {
			old := p[i]
			p[i] = old + h
			lp := refLoss(c.w, c.b, c.tokens, c.masks, c.tn, c.ta, c.W, c.E, c.Gr, c.S)
			p[i] = old - h
			lm := refLoss(c.w, c.b, c.tokens, c.masks, c.tn, c.ta, c.W, c.E, c.Gr, c.S)
			p[i] = old
			fd := (lp - lm) / (2 * h)
			abs := math.Abs(fd - grad[i])
			rel := abs / math.Max(math.Abs(fd), 1e-3)
			maxAbs, maxRel = math.Max(maxAbs, abs), math.Max(maxRel, rel)
			if rel > 1e-5 {
				t.Errorf("%s[%d]: gorgonia %.9g, finite difference %.9g", what, i, grad[i], fd)
			}
		}
	}
	for k := range sdpplus.Stages {
		check(c.w[k], gw[k], "dL/dW"+string(rune('0'+k)))
		check(c.b[k], gb[k], "dL/db"+string(rune('0'+k)))
	}
	t.Logf("loss %.6f; gradient vs finite differences (h=%g): max abs err %.3g, max rel err %.3g over %d parameters",
		loss, h, maxAbs, maxRel, 4*(c.E*c.W+c.E))
}

// The float32 graph (used for training) agrees with the float64 one.
func TestFloat32GraphMatchesFloat64(t *testing.T) {
	c := newTinyCase(11)
	g64, err := newGraph(tensor.Float64, c.B, c.Gr, c.S, c.W, c.E)
	if err != nil {
		t.Fatal(err)
	}
	g32, err := newGraph(tensor.Float32, c.B, c.Gr, c.S, c.W, c.E)
	if err != nil {
		t.Fatal(err)
	}
	in64, _ := makeInput[float64](g64, c.tokens, c.masks, c.tn, c.ta)
	in32, _ := makeInput[float32](g32, c.tokens, c.masks, c.tn, c.ta)
	var w32, b32 [sdpplus.Stages][]float32
	for k := range sdpplus.Stages {
		for _, v := range c.w[k] {
			w32[k] = append(w32[k], float32(v))
		}
		for _, v := range c.b[k] {
			b32[k] = append(b32[k], float32(v))
		}
	}
	l64, _, gw64, _, err := run(g64, in64, c.w, c.b)
	if err != nil {
		t.Fatal(err)
	}
	l32, _, gw32, _, err := run(g32, in32, w32, b32)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(l64-l32) > 1e-4*l64 {
		t.Fatalf("float32 loss %v vs float64 %v", l32, l64)
	}
	for k := range sdpplus.Stages {
		for i := range gw64[k] {
			if d := math.Abs(float64(gw32[k][i]) - gw64[k][i]); d > 1e-3*math.Max(1, math.Abs(gw64[k][i])) {
				t.Fatalf("dW%d[%d]: float32 %v, float64 %v", k, i, gw32[k][i], gw64[k][i])
			}
		}
	}
}
