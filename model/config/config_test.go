package config

import (
	"strings"
	"testing"
)

func TestPresetsAndDerived(t *testing.T) {
	c, err := Named(Default)
	if err != nil {
		t.Fatal(err)
	}
	v := c.Vision
	if v.Width != 896 || v.Heads() != 14 || v.Grid() != 15 || v.Tokens() != 226 || v.MLPWidth != 3584 || c.EmbedDim != 640 || c.QuickGELU {
		t.Errorf("ViT-B-16-plus-240: %+v", c)
	}
	if got := v.Taps(); got[0] != 3 || got[3] != 12 {
		t.Errorf("taps %v", got)
	}
	l, _ := Named("ViT-L-14-336")
	if l.Vision.Tokens() != 577 || l.Vision.Taps()[0] != 6 || !l.QuickGELU {
		t.Errorf("ViT-L-14-336: %+v taps %v", l, l.Vision.Taps())
	}
	b, _ := Named("ViT-B-16")
	if b.Vision.Tokens() != 197 || !b.QuickGELU || b.EmbedDim != 512 {
		t.Errorf("ViT-B-16: %+v", b)
	}
	for _, n := range Names() {
		c, _ := Named(n)
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if _, err := Named("ViT-H-99"); err == nil || !strings.Contains(err.Error(), "ViT-B-16-plus-240") {
		t.Errorf("unknown name: %v", err)
	}
}

// open_clip's ViT-B-16-plus-240.json model config (as shipped in
// open_clip_config.json under model_cfg).
const bplus = `{"model_cfg": {"embed_dim": 640, "vision_cfg": {"image_size": 240, "layers": 12, "width": 896, "patch_size": 16},
 "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 640, "heads": 10, "layers": 12}},
 "preprocess_cfg": {"mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711]}}`

func TestOpenCLIPJSON(t *testing.T) {
	c, err := ParseOpenCLIP([]byte(bplus), "x")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Named(Default)
	if c != want {
		t.Errorf("parsed %+v\nwant %+v", c, want)
	}
	// any ViT size: a custom one keeps the given name
	custom := `{"embed_dim": 256, "quick_gelu": true, "vision_cfg": {"image_size": [192,192], "layers": 8, "width": 384, "patch_size": 16, "head_width": 32, "mlp_ratio": 2.5},
	 "text_cfg": {"width": 256, "heads": 4, "layers": 3}}`
	c, err = ParseOpenCLIP([]byte(custom), "mine")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "mine" || c.Vision.Grid() != 12 || c.Vision.Heads() != 12 || c.Vision.MLPWidth != 960 || c.Text.Context != 77 || !c.QuickGELU {
		t.Errorf("custom: %+v", c)
	}
	// round trip through MarshalOpenCLIP keeps the built-in name
	for _, n := range Names() {
		p, _ := Named(n)
		b, err := p.MarshalOpenCLIP()
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParseOpenCLIP(b, "other")
		if err != nil || q != p {
			t.Errorf("%s: round trip %+v %v", n, q, err)
		}
	}
	for name, bad := range map[string]string{
		"garbage":    "{",
		"resnet":     `{"embed_dim": 1024, "vision_cfg": {"image_size": 224, "layers": [3,4,6,3], "width": 64}, "text_cfg": {"width": 512}}`,
		"no vision":  `{"embed_dim": 512, "text_cfg": {"width": 512}}`,
		"timm":       `{"embed_dim": 512, "vision_cfg": {"timm_model_name": "vit", "image_size": 224, "layers": 12, "width": 768, "patch_size": 16}, "text_cfg": {"width": 512}}`,
		"odd patch":  `{"embed_dim": 512, "vision_cfg": {"image_size": 225, "layers": 12, "width": 768, "patch_size": 16}, "text_cfg": {"width": 512, "heads": 8}}`,
		"depth 10":   `{"embed_dim": 512, "vision_cfg": {"image_size": 224, "layers": 10, "width": 768, "patch_size": 16}, "text_cfg": {"width": 512, "heads": 8}}`,
		"non-square": `{"embed_dim": 512, "vision_cfg": {"image_size": [224, 320], "layers": 12, "width": 768, "patch_size": 16}, "text_cfg": {"width": 512, "heads": 8}}`,
	} {
		if _, err := ParseOpenCLIP([]byte(bad), "b"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
