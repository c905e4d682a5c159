package detect

import (
	"math"
	"testing"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/reference"
	"github.com/clipad/clipad/model/synth"
	"github.com/clipad/clipad/model/textvec"
	"github.com/clipad/clipad/model/vision"
)

func unit(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(s))
	}
	return v
}

func relErr(a []float32, b []float64) float64 {
	var num, den float64
	for i := range b {
		num = math.Max(num, math.Abs(float64(a[i])-b[i]))
		den = math.Max(den, math.Abs(b[i]))
	}
	return num / den
}

// The fast pipeline (vision forward with the fast kernels, closed-form
// surgery, separable smoothing) agrees with the float64 plain-loop
// reference of the whole SDP pipeline.
func TestPipelineMatchesFloat64Reference(t *testing.T) {
	cfg, _ := config.Named("test-small")
	set := synth.Weights(cfg, 21)
	m, err := vision.New(cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	E := cfg.EmbedDim
	tn, ta := make([]float32, E), make([]float32, E)
	for i := range tn {
		tn[i] = float32(math.Sin(float64(i) + 1))
		ta[i] = float32(math.Cos(float64(3*i) + 0.5))
	}
	asset := &textvec.Asset{Format: textvec.Format, Version: textvec.Version, ModelID: set.ModelID(cfg), EmbedDim: E,
		Categories: []textvec.Category{{Name: "object", Normal: unit(tn), Abnormal: unit(ta)}}}
	d, err := New(m, set.ModelID(cfg), asset, Options{})
	if err != nil {
		t.Fatal(err)
	}
	S := cfg.Vision.ImageSize
	img := make([]float32, 3*S*S)
	for i := range img {
		img[i] = float32(math.Sin(float64(i)*0.031) + 0.3*math.Cos(float64(i%S)*0.2))
	}
	r, err := d.AnalyzeInput(img, "synthetic", "object")
	if err != nil {
		t.Fatal(err)
	}
	ref := reference.ScoreSDP(reference.Model{C: cfg, S: set}.Forward(img, false), tn, ta, cfg.Vision.Grid(), S, DefaultSigma)
	e1, e2 := relErr(r.PatchMap, ref.PatchMap), relErr(r.Map, ref.Map)
	e3 := math.Abs(r.ProbAbnormal-ref.ProbAbnormal) / math.Max(ref.ProbAbnormal, 1e-12)
	e4 := math.Abs(r.MapMax-ref.MapMax) / math.Abs(ref.MapMax)
	t.Logf("max rel err: patch map %.2e, smoothed map %.2e, s0 %.2e, s1 %.2e", e1, e2, e3, e4)
	for _, e := range []float64{e1, e2, e3, e4} {
		if e > 1e-4 {
			t.Errorf("fast path differs from the float64 reference by %.2e", e)
		}
	}
}
