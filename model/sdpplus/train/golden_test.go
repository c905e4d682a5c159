//go:build !js

package train

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/clipad/clipad/model/sdpplus"
	"gorgonia.org/tensor"
)

// torchGolden is ../testdata/tiny_golden.json (see make_golden.py there):
// the official loss of train.py computed by PyTorch in float64, its
// autograd gradients and one torch.optim.Adam step.
type torchGolden struct {
	W, E, Grid, Size, Batch int
	Params                  map[string][]uint32
	Tokens                  [][][]float32
	TN                      []float32 `json:"tn"`
	TA                      []float32 `json:"ta"`
	Masks                   [][]uint8
	Loss                    float64
	Grads                   map[string][]float64
	Adam1                   map[string][]uint32
}

func loadGolden(t *testing.T) *torchGolden {
	b, err := os.ReadFile("../testdata/tiny_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g torchGolden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

func f32s(u []uint32) []float32 {
	f := make([]float32, len(u))
	for i, x := range u {
		f[i] = math.Float32frombits(x)
	}
	return f
}

// The gorgonia loss and gradients equal PyTorch's (train.py's FocalLoss +
// BinaryDiceLoss, autograd, float64) on the same parameters and batch.
func TestLossAndGradientsMatchTorch(t *testing.T) {
	g := loadGolden(t)
	gr, err := newGraph(tensor.Float64, g.Batch, g.Grid, g.Size, g.W, g.E)
	if err != nil {
		t.Fatal(err)
	}
	tok := make([][sdpplus.Stages][]float32, g.Batch)
	var tn, ta [][]float32
	for b := range g.Batch {
		for k := range sdpplus.Stages {
			tok[b][k] = g.Tokens[b][k]
		}
		tn, ta = append(tn, g.TN), append(ta, g.TA)
	}
	in, err := makeInput[float64](gr, tok, g.Masks, tn, ta)
	if err != nil {
		t.Fatal(err)
	}
	var w, bias [sdpplus.Stages][]float64
	for k := range sdpplus.Stages {
		for _, v := range f32s(g.Params[sdpplus.WeightName(k)]) {
			w[k] = append(w[k], float64(v))
		}
		for _, v := range f32s(g.Params[sdpplus.BiasName(k)]) {
			bias[k] = append(bias[k], float64(v))
		}
	}
	loss, _, gw, gb, err := run(gr, in, w, bias)
	if err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(loss - g.Loss); d > 1e-9*g.Loss {
		t.Fatalf("loss %.12g, torch %.12g", loss, g.Loss)
	}
	worst := 0.0
	for k := range sdpplus.Stages {
		for _, c := range []struct {
			got  []float64
			name string
		}{{gw[k], sdpplus.WeightName(k)}, {gb[k], sdpplus.BiasName(k)}} {
			want := g.Grads[c.name]
			for i := range want {
				d := math.Abs(c.got[i] - want[i])
				worst = math.Max(worst, d)
				if d > 1e-9*math.Max(1, math.Abs(want[i])) {
					t.Fatalf("d loss/d %s[%d] = %.12g, torch %.12g", c.name, i, c.got[i], want[i])
				}
			}
		}
	}
	t.Logf("loss %.10f (torch %.10f); max |gradient − torch autograd| %.2g", loss, g.Loss, worst)
}

// One Adam step equals torch.optim.Adam's (float32; up to a couple of
// ulps: PyTorch's vectorised kernels may fuse multiply-adds).
func TestAdamStepMatchesTorch(t *testing.T) {
	g := loadGolden(t)
	h := sdpplus.NewHead(g.W, g.E)
	var gw, gb [sdpplus.Stages][]float32
	for k := range sdpplus.Stages {
		h.Weight[k] = f32s(g.Params[sdpplus.WeightName(k)])
		h.Bias[k] = f32s(g.Params[sdpplus.BiasName(k)])
		for _, v := range g.Grads[sdpplus.WeightName(k)] {
			gw[k] = append(gw[k], float32(v))
		}
		for _, v := range g.Grads[sdpplus.BiasName(k)] {
			gb[k] = append(gb[k], float32(v))
		}
	}
	a := newAdam(h, DefaultOptions())
	a.step(h, gw, gb)
	exact, total := 0, 0
	for k := range sdpplus.Stages {
		for _, c := range []struct {
			got  []float32
			name string
		}{{h.Weight[k], sdpplus.WeightName(k)}, {h.Bias[k], sdpplus.BiasName(k)}} {
			want := f32s(g.Adam1[c.name])
			for i := range want {
				total++
				if c.got[i] == want[i] {
					exact++
					continue
				}
				ulp := math.Abs(float64(math.Float32bits(c.got[i])) - float64(math.Float32bits(want[i])))
				if ulp > 2 {
					t.Fatalf("%s[%d] after one step: %v, torch %v (%v ulp)", c.name, i, c.got[i], want[i], ulp)
				}
			}
		}
	}
	t.Logf("Adam step: %d of %d parameters bit-equal to torch, the rest within 2 ulp", exact, total)
}
