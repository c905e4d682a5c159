//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/clipad/clipad/model/textvec"
	"os"
	"path/filepath"
	"testing"

	"github.com/clipad/clipad/model/sdpplus"
	"github.com/clipad/clipad/model/synth"
	"github.com/clipad/clipad/quantize"
)

// A bundle carrying SDP+ layers: the core reports them, uses them by
// default (records say sdp_plus through a different map) and setSDPPlus
// switches them off and on again.
func TestSDPPlusToggle(t *testing.T) {
	cfg, set, tn, ta := synth.Planted()
	id := set.ModelID(cfg)
	h := sdpplus.NewHead(cfg.Vision.Width, cfg.EmbedDim)
	for k := range h.Bias {
		// output ≈ t_n + t_a, tilted towards t_a by the patch's redness (x0)
		h.Weight[k][1*cfg.Vision.Width+0] = 0.5
		h.Bias[k][0], h.Bias[k][1] = 1, 1
	}
	h.Meta = sdpplus.Meta{ModelID: id, Config: cfg.Name, Sigma: 8}
	ex, md, err := h.BundleExtras()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	m, err := quantize.WriteBundle(dir, cfg, set, id, quantize.WriteOptions{DType: "f32", Extra: ex, SDPPlus: md})
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	c := &core{}
	man := res(t, c.loadManifest(jsArgs(string(mb))))
	if man["sdpPlus"] != true {
		t.Fatalf("manifest does not report SDP+: %v", man)
	}
	for i, s := range m.Shards {
		b, _ := os.ReadFile(filepath.Join(dir, s.File))
		if e := c.feedShard(jsArgs(i, u8(b))); e != nil {
			t.Fatal(e)
		}
	}
	if e := c.finishModel(nil); e != nil {
		t.Fatal(e)
	}
	if r := res(t, c.setText(jsArgs(string(plantedAsset(t, id, cfg.EmbedDim, tn, ta))))); r["error"] != nil {
		t.Fatal(r["error"])
	}
	st := res(t, c.setSDPPlus(nil))
	if st["available"] != true || st["enabled"] != true {
		t.Fatalf("SDP+ state %v", st)
	}
	img := u8(synth.PlantedPNG(240, 240, &synth.Spot{X0: 40, Y0: 40, X1: 100, Y1: 100}, 1, false))
	on := res(t, c.analyze(jsArgs(img, "x", "object")))
	if st := res(t, c.setSDPPlus(jsArgs(false))); st["enabled"] != false {
		t.Fatalf("not switched off: %v", st)
	}
	off := res(t, c.analyze(jsArgs(img, "x", "object")))
	if on["error"] != nil || off["error"] != nil {
		t.Fatal(on["error"], off["error"])
	}
	if on["mapMax"] == off["mapMax"] {
		t.Errorf("SDP+ on and off give the same map maximum %v", on["mapMax"])
	}
	if st := res(t, c.setSDPPlus(jsArgs(true))); st["enabled"] != true {
		t.Fatalf("not switched on again: %v", st)
	}
	again := res(t, c.analyze(jsArgs(img, "x", "object")))
	if again["mapMax"] != on["mapMax"] {
		t.Errorf("SDP+ back on: map maximum %v, first run %v", again["mapMax"], on["mapMax"])
	}
}

func jsArgs(vs ...any) []js.Value {
	out := make([]js.Value, len(vs))
	for i, v := range vs {
		if jv, ok := v.(js.Value); ok {
			out[i] = jv
		} else {
			out[i] = js.ValueOf(v)
		}
	}
	return out
}

func plantedAsset(t *testing.T, id string, dim int, tn, ta []float32) []byte {
	a := &textvec.Asset{ModelID: id, EmbedDim: dim, Categories: []textvec.Category{{Name: "object", Normal: tn, Abnormal: ta}}}
	b, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
