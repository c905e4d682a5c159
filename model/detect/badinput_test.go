package detect

import (
	"strings"
	"testing"

	"github.com/clipad/clipad/model/synth"
	"github.com/clipad/clipad/model/textvec"
	"github.com/clipad/clipad/model/vision"
)

func TestBadInput(t *testing.T) {
	d := plantedDetector(t)
	if _, err := d.Analyze(plantedImage(64, 64, nil, 1, false), "x.png", "cable"); err == nil || !strings.Contains(err.Error(), "object") {
		t.Errorf("unknown category should list what exists: %v", err)
	}
	for name, data := range map[string][]byte{"empty.png": {}, "garbage.jpg": []byte("not an image at all"), "trunc.png": plantedImage(64, 64, nil, 1, false)[:100]} {
		if _, err := d.Analyze(data, name, "object"); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error should name the file: %v", name, err)
		}
	}
	// the detector keeps working after bad input
	if _, err := d.Analyze(plantedImage(64, 64, nil, 2, false), "ok.png", "object"); err != nil {
		t.Fatal(err)
	}
	// text vectors of another model are refused
	cfg, set, tn, ta := synth.Planted()
	m, _ := vision.New(cfg, set)
	other := &textvec.Asset{Format: textvec.Format, Version: 1, ModelID: "ViT-B-16-plus-240-0000000000000000", EmbedDim: cfg.EmbedDim,
		Categories: []textvec.Category{{Name: "object", Normal: tn, Abnormal: ta}}}
	if _, err := New(m, set.ModelID(cfg), other, Options{}); err == nil || !strings.Contains(err.Error(), "clipad rvs") {
		t.Errorf("mismatched text vectors accepted: %v", err)
	}
}
