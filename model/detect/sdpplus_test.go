package detect

import (
	"math"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/anomaly"
	"github.com/clipad/clipad/model/imageio"
	"github.com/clipad/clipad/model/preprocess"
	"github.com/clipad/clipad/model/sdpplus"
	"github.com/clipad/clipad/model/synth"
	"github.com/clipad/clipad/model/vision"
)

// plantedHead is a fixed pseudo-random W→E head.
func plantedHead(W, E int) *sdpplus.Head {
	h := sdpplus.NewHead(W, E)
	s := uint64(12345)
	next := func() float32 {
		s = s*6364136223846793005 + 1442695040888963407
		return float32(int64(s>>40)%2001-1000) / 4000
	}
	for k := range sdpplus.Stages {
		for i := range h.Weight[k] {
			h.Weight[k][i] = next()
		}
		for i := range h.Bias[k] {
			h.Bias[k][i] = next()
		}
	}
	return h
}

// With an SDP+ head the smoothed map is exactly spec §5.3:
// Gaussian_σ(Bilinear_{half-pixel}(SDP patch map) + Σ_k P_k[abnormal]);
// the patch map and s0 stay those of plain SDP, and single-mode scores
// read the map maximum on the SDP+ range [0, 4].
func TestSDPPlusCombination(t *testing.T) {
	plain := plantedDetector(t)
	cfg := plain.Cfg
	head := plantedHead(cfg.Vision.Width, cfg.EmbedDim)
	for _, sigma := range []float64{DefaultSigma, sdpplus.VisASigma} {
		d, err := New(plain.Model, plain.ModelID, plain.Text, Options{Sigma: sigma, SDPPlus: head})
		if err != nil {
			t.Fatal(err)
		}
		png := synth.PlantedPNG(300, 260, &synth.Spot{X0: 50, Y0: 60, X1: 120, Y1: 140}, 3, false)
		r, err := d.Analyze(png, "spot", "object")
		if err != nil {
			t.Fatal(err)
		}
		rp, err := plain.Analyze(png, "spot", "object")
		if err != nil {
			t.Fatal(err)
		}
		if !r.SDPPlus || rp.SDPPlus {
			t.Fatalf("SDPPlus flags %v %v", r.SDPPlus, rp.SDPPlus)
		}
		for i := range r.PatchMap {
			if r.PatchMap[i] != rp.PatchMap[i] {
				t.Fatal("SDP+ changed the SDP patch map")
			}
		}
		if r.ProbAbnormal != rp.ProbAbnormal {
			t.Fatal("SDP+ changed s0")
		}
		// recompute by hand
		img, _ := imageio.Decode(png, "spot", imageio.DefaultLimits())
		x, _ := preprocess.CLIPInput(img, cfg.Vision.ImageSize)
		out, err := plain.Model.Forward(x, vision.Options{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		cat, _ := plain.Text.Get("object")
		plus, err := head.Map(out.Original, cfg.Vision.Grid(), cfg.Vision.ImageSize, cat.Normal, cat.Abnormal)
		if err != nil {
			t.Fatal(err)
		}
		up, _ := anomaly.Bilinear(r.PatchMap, 15, 15, 240, 240, false)
		for i := range up {
			up[i] += plus[i]
		}
		want, _ := anomaly.Gaussian(up, 240, 240, sigma)
		for i := range want {
			if r.Map[i] != want[i] {
				t.Fatalf("σ %v: Map[%d] = %v, want %v", sigma, i, r.Map[i], want[i])
			}
		}
		mx, _ := anomaly.MaxValue(want)
		if r.MapMax != mx || mx <= rp.MapMax {
			t.Fatalf("MapMax %v (want %v; plain %v)", r.MapMax, mx, rp.MapMax)
		}
		cal := Calibration(cat)
		wantScore := math.Min(1, math.Max(0, (r.ProbAbnormal-cal.S0Min)/(cal.S0Max-cal.S0Min))) + math.Min(1, r.MapMax/4)
		if math.Abs(r.Score-wantScore) > 1e-12 || r.ScoreMode != ModeSingle {
			t.Fatalf("single score %v, want %v", r.Score, wantScore)
		}
	}
}

func TestSDPPlusWrongHead(t *testing.T) {
	plain := plantedDetector(t)
	cfg := plain.Cfg
	if _, err := New(plain.Model, plain.ModelID, plain.Text, Options{SDPPlus: sdpplus.NewHead(896, 640)}); err == nil || !strings.Contains(err.Error(), "width 896 → 640") {
		t.Errorf("wide head: %v", err)
	}
	h := plantedHead(cfg.Vision.Width, cfg.EmbedDim)
	h.Meta.ModelID = "another-model"
	if _, err := New(plain.Model, plain.ModelID, plain.Text, Options{SDPPlus: h}); err == nil || !strings.Contains(err.Error(), "trained for model another-model") {
		t.Errorf("other model: %v", err)
	}
}
