package sdpplus

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// torchGolden is testdata/tiny_golden.json, written by make_golden.py with
// real PyTorch (1.13): parameters of a W=8 → E=4 LinearLayer saved as
// tiny_official.pth, and test_ft.py's SDP+ maps for fixed tokens.
type torchGolden struct {
	W, E, Grid, Size, Batch int
	Torch                   string
	Params                  map[string][]uint32
	Tokens                  [][][]float32 // [b][k] P×W
	TN                      []float32     `json:"tn"`
	TA                      []float32     `json:"ta"`
	Masks                   [][]uint8
	Maps                    [][][]float64 // [b][k] S×S abnormal probability
	Loss                    float64
	Grads                   map[string][]float64
	Adam1                   map[string][]uint32
}

func loadTorchGolden(t *testing.T) *torchGolden {
	b, err := os.ReadFile("testdata/tiny_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g torchGolden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

func (g *torchGolden) head(params map[string][]uint32) *Head {
	h := NewHead(g.W, g.E)
	for k := range Stages {
		for i, u := range params[WeightName(k)] {
			h.Weight[k][i] = math.Float32frombits(u)
		}
		for i, u := range params[BiasName(k)] {
			h.Bias[k][i] = math.Float32frombits(u)
		}
	}
	return h
}

// A checkpoint written by real torch.save imports bit-exactly.
func TestImportTorchGolden(t *testing.T) {
	g := loadTorchGolden(t)
	h, err := Load("testdata/tiny_official.pth")
	if err != nil {
		t.Fatal(err)
	}
	sameBits(t, h, g.head(g.Params))
	if err := h.Check(); err != nil {
		t.Fatal(err)
	}
}

// Head.StageProb reproduces test_ft.py's per-stage maps (Linear, L2,
// ×100 logits, F.interpolate bilinear align_corners=True, softmax) as
// computed by PyTorch in float32.
func TestInferenceMatchesTorch(t *testing.T) {
	g := loadTorchGolden(t)
	h := g.head(g.Params)
	worst := 0.0
	for b := range g.Batch {
		var orig [Stages][]float32
		for k := range Stages {
			orig[k] = append(make([]float32, g.W), g.Tokens[b][k]...) // class row (ignored) + patches
			p, err := h.StageProb(k, orig[k], g.Grid, g.Size, g.TN, g.TA)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range p {
				d := math.Abs(float64(v) - g.Maps[b][k][i])
				worst = math.Max(worst, d)
				if d > 2e-5 {
					t.Fatalf("image %d stage %d pixel %d: %v, torch %v", b, k, i, v, g.Maps[b][k][i])
				}
			}
		}
		sum, err := h.Map(orig, g.Grid, g.Size, g.TN, g.TA)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range sum {
			want := g.Maps[b][0][i] + g.Maps[b][1][i] + g.Maps[b][2][i] + g.Maps[b][3][i]
			if math.Abs(float64(v)-want) > 8e-5 {
				t.Fatalf("image %d: Map[%d] = %v, Σ torch = %v", b, i, v, want)
			}
		}
	}
	t.Logf("max |ours − torch| over %d stage maps: %.2g (torch %s)", g.Batch*Stages, worst, g.Torch)
}
