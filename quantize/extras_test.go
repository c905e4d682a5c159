package quantize

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/synth"
)

// sdpExtras returns an SDP+ tensor group for cfg with recognisable values.
func sdpExtras(cfg config.Config) []ExtraTensor {
	W, E := cfg.Vision.Width, cfg.EmbedDim
	var ex []ExtraTensor
	for k := 0; k < 4; k++ {
		w := make([]float32, E*W)
		for i := range w {
			w[i] = float32(k*1000+i) * 0.001
		}
		b := make([]float32, E)
		for i := range b {
			b[i] = -float32(k*100 + i)
		}
		ex = append(ex,
			ExtraTensor{Name: fmt.Sprintf("%sfc.%d.weight", SDPPlusPrefix, k), Shape: []int{E, W}, Data: w},
			ExtraTensor{Name: fmt.Sprintf("%sfc.%d.bias", SDPPlusPrefix, k), Shape: []int{E}, Data: b})
	}
	return ex
}

// Extra tensors (the SDP+ group) are stored f32 after the tower, marked
// in the manifest, survive sharding and come back exactly from Weights,
// in every dtype; the vision tower is unaffected.
func TestBundleExtras(t *testing.T) {
	cfg, _ := config.Named("test-small")
	set := synth.Weights(cfg, 11)
	ex := sdpExtras(cfg)
	for _, dt := range []string{"f32", "int8", "int4"} {
		dir := filepath.Join(t.TempDir(), dt)
		meta := map[string]string{"format": "clipad.sdpplus", "epoch": "3"}
		m, err := WriteBundle(dir, cfg, set, set.ModelID(cfg), WriteOptions{DType: dt, MaxShard: 50000, Extra: ex, SDPPlus: meta})
		if err != nil {
			t.Fatal(err)
		}
		mb, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
		l, err := NewLoader(mb, "")
		if err != nil {
			t.Fatal(err)
		}
		if l.M.SDPPlus["epoch"] != "3" {
			t.Errorf("%s: manifest sdp_plus = %v", dt, l.M.SDPPlus)
		}
		for i, s := range m.Shards {
			b, _ := os.ReadFile(filepath.Join(dir, s.File))
			if err := l.Feed(i, b); err != nil {
				t.Fatal(err)
			}
		}
		got, err := l.Weights(false)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ex {
			g, ok := got[x.Name]
			if !ok || fmt.Sprint(g.Shape) != fmt.Sprint(x.Shape) || len(g.Data) != len(x.Data) {
				t.Fatalf("%s: extra %s came back as %+v", dt, x.Name, g.Shape)
			}
			for i := range x.Data {
				if g.Data[i] != x.Data[i] {
					t.Fatalf("%s: %s[%d] = %v, want %v", dt, x.Name, i, g.Data[i], x.Data[i])
				}
			}
		}
	}
	// without extras the manifest has no sdp_plus key at all
	dir := filepath.Join(t.TempDir(), "plain")
	if _, err := WriteBundle(dir, cfg, set, set.ModelID(cfg), WriteOptions{DType: "f32"}); err != nil {
		t.Fatal(err)
	}
	mb, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if strings.Contains(string(mb), "sdp_plus") {
		t.Error("plain bundle mentions sdp_plus")
	}
}

func TestBundleExtrasBadInput(t *testing.T) {
	cfg, _ := config.Named("test-small")
	set := synth.Weights(cfg, 11)
	dir := filepath.Join(t.TempDir(), "b")
	if _, err := WriteBundle(dir, cfg, set, "m", WriteOptions{DType: "f32", Extra: sdpExtras(cfg), SDPPlus: map[string]string{"epoch": "1"}}); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	edit := func(f func(m *Manifest)) []byte {
		var m Manifest
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		f(&m)
		b, _ := json.Marshal(&m)
		return b
	}
	last := func(m *Manifest) *TensorEntry { return &m.Tensors[len(m.Tensors)-1] }
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"extra past the end", edit(func(m *Manifest) { last(m).Data.Offset = m.TotalBytes }), "needs"},
		{"extra mis-sized", edit(func(m *Manifest) { last(m).Data.Bytes -= 4 }), "needs"},
		{"extra not f32", edit(func(m *Manifest) { last(m).DType = "i8" }), "must be f32"},
		{"extra bad shape", edit(func(m *Manifest) { last(m).Shape = []int{0} }), "must be f32 with a valid shape"},
		{"duplicate", edit(func(m *Manifest) { m.Tensors = append(m.Tensors, *last(m)) }), "listed twice"},
		{"sdp tensor missing", edit(func(m *Manifest) { m.Tensors = m.Tensors[:len(m.Tensors)-1] }), `"sdp_plus.fc.3.bias" is missing`},
		{"sdp wrong shape", edit(func(m *Manifest) {
			for i := range m.Tensors {
				if m.Tensors[i].Name == "sdp_plus.fc.1.weight" {
					m.Tensors[i].Shape = []int{cfg.Vision.Width, cfg.EmbedDim}
				}
			}
		}), "sdp_plus.fc.1.weight\" has shape [64 32], the config needs [32 64]"},
	} {
		_, err := ParseManifest(c.b, "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	// writing: a name clash with the tower, or data not matching the shape
	clash := []ExtraTensor{{Name: "visual.ln_post.bias", Shape: []int{cfg.Vision.Width}, Data: make([]float32, cfg.Vision.Width)}}
	if _, err := WriteBundle(t.TempDir(), cfg, set, "m", WriteOptions{DType: "f32", Extra: clash}); err == nil || !strings.Contains(err.Error(), "listed twice") {
		t.Errorf("clash: %v", err)
	}
	bad := []ExtraTensor{{Name: "x", Shape: []int{3}, Data: make([]float32, 2)}}
	if _, err := WriteBundle(t.TempDir(), cfg, set, "m", WriteOptions{DType: "f32", Extra: bad}); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("mis-sized extra: %v", err)
	}
	if _, err := WriteBundle(t.TempDir(), cfg, set, "m", WriteOptions{DType: "f32", SDPPlus: map[string]string{"epoch": "1"}}); err == nil || !strings.Contains(err.Error(), "is missing") {
		t.Errorf("sdp_plus without tensors: %v", err)
	}
	if _, err := WriteBundle(t.TempDir(), cfg, set, "m", WriteOptions{DType: "f32", Extra: sdpExtras(cfg), SDPPlus: map[string]string{}}); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty sdp_plus metadata: %v", err)
	}
}
