package sdpplus

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/anomaly"
	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/safetensors"
	"github.com/clipad/clipad/model/synth"
	"github.com/clipad/clipad/quantize"
)

// A hand case: W = 2, E = 2, a 2×2 grid; stage k maps a token straight
// through (identity weight, zero bias), so a token along t_a has logits
// (0, 100) and one along t_n (100, 0); upsampled to 3×3 with
// align_corners=True the centre is the mean of the four corners.
func TestStageProbHand(t *testing.T) {
	h := NewHead(2, 2)
	for k := range Stages {
		h.Weight[k][0], h.Weight[k][3] = 1, 1
	}
	tn, ta := []float32{1, 0}, []float32{0, 1}
	// class row, then patches (0,0)=t_a, (0,1)=t_n, (1,0)=t_n, (1,1)=t_a·3 (norm removes the 3)
	orig := []float32{9, 9, 0, 1, 1, 0, 1, 0, 0, 3}
	lg, err := h.StageLogits(0, orig, 2, tn, ta)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 100, 100, 0, 100, 0, 0, 100}
	for i := range want {
		if lg[i] != want[i] {
			t.Fatalf("logits %v, want %v", lg, want)
		}
	}
	p, err := h.StageProb(0, orig, 2, 3, tn, ta)
	if err != nil {
		t.Fatal(err)
	}
	// corners keep their patch: σ(±100); the centre has equal channels (0.5)
	if p[0] != 1 || p[2] != float32(1/(1+math.Exp(100))) || p[4] != 0.5 || p[8] != 1 {
		t.Fatalf("probabilities %v", p)
	}
	// the edge midpoint between (0,0)=a and (0,1)=n is also 0.5
	if p[1] != 0.5 {
		t.Fatalf("edge midpoint %v", p[1])
	}
	var origs [Stages][]float32
	for k := range origs {
		origs[k] = orig
	}
	m, err := h.Map(origs, 2, 3, tn, ta)
	if err != nil {
		t.Fatal(err)
	}
	if m[0] != 4 || m[4] != 2 {
		t.Fatalf("map %v", m)
	}
}

// Combine is Gaussian(Bilinear_{align_corners=False}(raw) + plus).
func TestCombine(t *testing.T) {
	raw := []float32{0.01, -0.02, 0.03, 0.04}
	plus := make([]float32, 64)
	for i := range plus {
		plus[i] = float32(i%7) * 0.3
	}
	got, err := Combine(raw, plus, 2, 8, 2)
	if err != nil {
		t.Fatal(err)
	}
	up, _ := anomaly.Bilinear(raw, 2, 2, 8, 8, false)
	for i := range up {
		up[i] += plus[i]
	}
	want, _ := anomaly.Gaussian(up, 8, 8, 2)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Combine[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if nos, _ := Combine(raw, plus, 2, 8, 0); nos[5] != up[5] {
		t.Fatal("σ = 0 must not smooth")
	}
	if _, err := Combine(raw, plus[:10], 2, 8, 2); err == nil {
		t.Fatal("mis-sized SDP+ map accepted")
	}
}

func TestHeadChecks(t *testing.T) {
	cfg, set, tn, ta := synth.Planted()
	id := set.ModelID(cfg)
	h := randomHead(cfg.Vision.Width, cfg.EmbedDim, 5)
	if err := h.CheckModel(cfg, id); err != nil {
		t.Fatal(err)
	}
	big, _ := config.Named(config.Default)
	if err := h.CheckModel(big, id); err == nil || !strings.Contains(err.Error(), "width 64 → 16, but model ViT-B-16-plus-240 has width 896 → embedding 640") {
		t.Errorf("other width: %v", err)
	}
	h.Meta.ModelID = "other-model"
	if err := h.CheckModel(cfg, id); err == nil || !strings.Contains(err.Error(), "trained for model other-model") {
		t.Errorf("other model id: %v", err)
	}
	h.Meta.ModelID = ""
	bad := h.Clone()
	bad.Bias[2] = bad.Bias[2][:3]
	if err := bad.Check(); err == nil || !errors.Is(err, ErrHead) || !strings.Contains(err.Error(), "fc.2.bias holds 3 values") {
		t.Errorf("short bias: %v", err)
	}
	bad = h.Clone()
	bad.Weight[1][7] = float32(math.NaN())
	if err := bad.Check(); err == nil || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("NaN weight: %v", err)
	}
	W := cfg.Vision.Width
	orig := make([]float32, 226*W)
	if _, err := h.StageLogits(0, orig[:100], 15, tn, ta); err == nil {
		t.Error("short tokens accepted")
	}
	if _, err := h.StageLogits(4, orig, 15, tn, ta); err == nil {
		t.Error("stage 5 accepted")
	}
	if _, err := h.StageLogits(0, orig, 15, tn[:3], ta); err == nil {
		t.Error("short text vector accepted")
	}
	// all-zero tokens and zero bias: the feature has no direction
	z := NewHead(W, cfg.EmbedDim)
	if _, err := z.StageLogits(0, orig, 15, tn, ta); err == nil || !strings.Contains(err.Error(), "feature norm") {
		t.Errorf("zero feature: %v", err)
	}
}

// Checkpoints round-trip bit-exactly with their metadata; bad ones give
// clear errors.
func TestCheckpoint(t *testing.T) {
	h := randomHead(10, 6, 9)
	h.Meta = Meta{ModelID: "m-1", Config: "planted", Epoch: 3, TrainData: "mvtec", TargetData: "visa", Sigma: 2, Source: "clipad train"}
	dir := t.TempDir()
	p := filepath.Join(dir, "epoch_3.safetensors")
	if err := h.Save(p); err != nil {
		t.Fatal(err)
	}
	got, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	sameBits(t, got, h)
	if got.Meta != h.Meta {
		t.Errorf("meta %+v, want %+v", got.Meta, h.Meta)
	}
	var buf bytes.Buffer
	if err := h.Write(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	write := func(name string, f func(*Head) *Head, md map[string]string) string {
		x := f(h.Clone())
		q := filepath.Join(dir, name)
		if md == nil {
			md = x.MetaMap()
		}
		var b bytes.Buffer
		if err := writeRaw(&b, x, md); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(q, b.Bytes(), 0o644)
		return q
	}
	cases := []struct {
		path, want string
	}{
		{write("missing.safetensors", func(x *Head) *Head { x.Bias[3] = nil; return x }, nil), "fc.3.bias is missing"},
		{write("shape.safetensors", func(x *Head) *Head { x.Bias[1] = append(x.Bias[1], 1); return x }, nil), "fc.1.bias has shape [7], want [6]"},
		{write("newer.safetensors", func(x *Head) *Head { return x }, map[string]string{"format": Format, "version": "9"}), "newer"},
		{write("format.safetensors", func(x *Head) *Head { return x }, map[string]string{"format": "clipad.bundle"}), `format is "clipad.bundle"`},
		{write("sigma.safetensors", func(x *Head) *Head { return x }, map[string]string{"sigma": "-1"}), "bad sigma"},
	}
	trunc := filepath.Join(dir, "trunc.safetensors")
	os.WriteFile(trunc, good[:len(good)-10], 0o644)
	cases = append(cases, struct{ path, want string }{trunc, "truncated"})
	for _, c := range cases {
		_, err := Load(c.path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", filepath.Base(c.path), err, c.want)
		}
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
}

// Heads go into bundles (quantize extras) and come back exactly.
func TestBundleRoundTrip(t *testing.T) {
	cfg, set, _, _ := synth.Planted()
	id := set.ModelID(cfg)
	h := randomHead(cfg.Vision.Width, cfg.EmbedDim, 3)
	h.Meta = Meta{ModelID: id, Config: cfg.Name, Epoch: 5, Sigma: 8}
	ex, md, err := h.BundleExtras()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	m, err := quantize.WriteBundle(dir, cfg, set, id, quantize.WriteOptions{DType: "int8", Extra: ex, SDPPlus: md, MaxShard: 200000})
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	l, err := quantize.NewLoader(mb, id)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range m.Shards {
		b, _ := os.ReadFile(filepath.Join(dir, s.File))
		if err := l.Feed(i, b); err != nil {
			t.Fatal(err)
		}
	}
	ws, err := l.Weights(false)
	if err != nil {
		t.Fatal(err)
	}
	got, err := FromBundle(l.M, ws)
	if err != nil {
		t.Fatal(err)
	}
	sameBits(t, got, h)
	if got.Meta != h.Meta {
		t.Errorf("meta %+v", got.Meta)
	}
	// a bundle without SDP+ layers has no head
	plain := t.TempDir()
	if _, err := quantize.WriteBundle(plain, cfg, set, id, quantize.WriteOptions{DType: "f32"}); err != nil {
		t.Fatal(err)
	}
	pm, _ := os.ReadFile(filepath.Join(plain, "manifest.json"))
	mp, _ := quantize.ParseManifest(pm, "")
	if got, err := FromBundle(mp, nil); got != nil || err != nil {
		t.Errorf("plain bundle: %v, %v", got, err)
	}
}

// writeRaw writes tensors and metadata without checking the head (tests
// use it to make malformed checkpoints).
func writeRaw(w io.Writer, h *Head, md map[string]string) error {
	var ts []safetensors.Tensor
	for _, t := range h.Tensors("") {
		if t.Data != nil {
			if len(t.Shape) == 1 {
				t.Shape = []int{len(t.Data)}
			}
			ts = append(ts, t)
		}
	}
	return safetensors.Write(w, ts, md)
}
