package config

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Vision is the image tower of a CLIP ViT.
type Vision struct {
	ImageSize int `json:"image_size"`
	Patch     int `json:"patch_size"`
	Width     int `json:"width"`
	Layers    int `json:"layers"`
	HeadWidth int `json:"head_width"`
	MLPWidth  int `json:"mlp_width"`
}

// Text is the text tower (causal transformer over BPE tokens).
type Text struct {
	Context int `json:"context_length"`
	Vocab   int `json:"vocab_size"`
	Width   int `json:"width"`
	Heads   int `json:"heads"`
	Layers  int `json:"layers"`
}

// Config is one complete CLIP model.
type Config struct {
	Name      string  `json:"name"`
	EmbedDim  int     `json:"embed_dim"`
	QuickGELU bool    `json:"quick_gelu"`
	LNEps     float64 `json:"ln_eps"`
	Vision    Vision  `json:"vision"`
	Text      Text    `json:"text"`
}

// Heads is the number of vision attention heads.
func (v Vision) Heads() int { return v.Width / v.HeadWidth }

// Grid is the number of patches along one side of the input.
func (v Vision) Grid() int { return v.ImageSize / v.Patch }

// Tokens is the vision sequence length: G² patches plus the class token.
func (v Vision) Tokens() int { g := v.Grid(); return g*g + 1 }

// StageLen is the CLIP-AD stage length L/4 (spec §1.3).
func (v Vision) StageLen() int { return v.Layers / 4 }

// Taps are the 1-based block indices whose outputs end the four stages.
func (v Vision) Taps() []int {
	s := v.StageLen()
	return []int{s, 2 * s, 3 * s, 4 * s}
}

// HeadWidth of the text tower.
func (t Text) HeadWidth() int { return t.Width / t.Heads }

// Validate checks that the numbers describe a buildable model.
func (c Config) Validate() error {
	v, t := c.Vision, c.Text
	switch {
	case v.ImageSize <= 0 || v.Patch <= 0 || v.Width <= 0 || v.Layers <= 0 || v.HeadWidth <= 0 || v.MLPWidth <= 0:
		return fmt.Errorf("config %q: vision sizes must be positive: %+v", c.Name, v)
	case v.ImageSize%v.Patch != 0:
		return fmt.Errorf("config %q: image size %d is not a multiple of patch %d", c.Name, v.ImageSize, v.Patch)
	case v.Width%v.HeadWidth != 0:
		return fmt.Errorf("config %q: vision width %d is not a multiple of head width %d", c.Name, v.Width, v.HeadWidth)
	case v.Layers%4 != 0:
		return fmt.Errorf("config %q: CLIP-AD needs a vision depth divisible by 4 (4 stages), got %d", c.Name, v.Layers)
	case c.EmbedDim <= 0:
		return fmt.Errorf("config %q: embed_dim must be positive", c.Name)
	case t.Context <= 2 || t.Vocab <= 2 || t.Width <= 0 || t.Heads <= 0 || t.Layers <= 0:
		return fmt.Errorf("config %q: text sizes must be positive: %+v", c.Name, t)
	case t.Width%t.Heads != 0:
		return fmt.Errorf("config %q: text width %d is not a multiple of heads %d", c.Name, t.Width, t.Heads)
	case c.LNEps <= 0:
		return fmt.Errorf("config %q: ln_eps must be positive", c.Name)
	}
	return nil
}

// Default is the backbone of record.
const Default = "ViT-B-16-plus-240"

var presets = map[string]Config{
	"ViT-B-16-plus-240": {
		Name: "ViT-B-16-plus-240", EmbedDim: 640, LNEps: 1e-5,
		Vision: Vision{ImageSize: 240, Patch: 16, Width: 896, Layers: 12, HeadWidth: 64, MLPWidth: 3584},
		Text:   Text{Context: 77, Vocab: 49408, Width: 640, Heads: 10, Layers: 12},
	},
	"ViT-B-16": {
		Name: "ViT-B-16", EmbedDim: 512, LNEps: 1e-5, QuickGELU: true,
		Vision: Vision{ImageSize: 224, Patch: 16, Width: 768, Layers: 12, HeadWidth: 64, MLPWidth: 3072},
		Text:   Text{Context: 77, Vocab: 49408, Width: 512, Heads: 8, Layers: 12},
	},
	"ViT-L-14-336": {
		Name: "ViT-L-14-336", EmbedDim: 768, LNEps: 1e-5, QuickGELU: true,
		Vision: Vision{ImageSize: 336, Patch: 14, Width: 1024, Layers: 24, HeadWidth: 64, MLPWidth: 4096},
		Text:   Text{Context: 77, Vocab: 49408, Width: 768, Heads: 12, Layers: 12},
	},
	// test-tiny: 4 blocks (stage length 1), 4x4 grid; for fast unit tests.
	"test-tiny": {
		Name: "test-tiny", EmbedDim: 16, LNEps: 1e-5,
		Vision: Vision{ImageSize: 32, Patch: 8, Width: 32, Layers: 4, HeadWidth: 8, MLPWidth: 128},
		Text:   Text{Context: 77, Vocab: 49408, Width: 24, Heads: 3, Layers: 2},
	},
	// test-small: 8 blocks (stage length 2), 15x15 grid like the real model,
	// QuickGELU to exercise the other activation.
	"test-small": {
		Name: "test-small", EmbedDim: 32, LNEps: 1e-5, QuickGELU: true,
		Vision: Vision{ImageSize: 120, Patch: 8, Width: 64, Layers: 8, HeadWidth: 16, MLPWidth: 256},
		Text:   Text{Context: 77, Vocab: 49408, Width: 48, Heads: 4, Layers: 2},
	},
	// planted: the analytic white-box model of package synth (Planted):
	// 240 px like the real model so maps have the real 15x15 grid, but tiny.
	"planted": {
		Name: "planted", EmbedDim: 16, LNEps: 1e-5,
		Vision: Vision{ImageSize: 240, Patch: 16, Width: 64, Layers: 4, HeadWidth: 32, MLPWidth: 256},
		Text:   Text{Context: 77, Vocab: 49408, Width: 32, Heads: 2, Layers: 1},
	},
}

// Names lists the built-in configs.
func Names() []string {
	var n []string
	for k := range presets {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Named returns a built-in config.
func Named(name string) (Config, error) {
	c, ok := presets[name]
	if !ok {
		return Config{}, fmt.Errorf("unknown model config %q (built-in: %s; or pass an open_clip_config.json)", name, strings.Join(Names(), ", "))
	}
	return c, nil
}

// Load resolves a config argument: a built-in name, or a path to an
// open_clip model-config JSON (a bare model_cfg object or an
// open_clip_config.json holding one under "model_cfg").
func Load(arg string) (Config, error) {
	if c, err := Named(arg); err == nil {
		return c, nil
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		if os.IsNotExist(err) {
			_, nerr := Named(arg)
			return Config{}, nerr
		}
		return Config{}, err
	}
	name := strings.TrimSuffix(strings.TrimSuffix(baseName(arg), ".json"), "open_clip_config")
	if name == "" {
		name = "open_clip"
	}
	return ParseOpenCLIP(data, name)
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

type openCLIPVision struct {
	ImageSize json.RawMessage `json:"image_size"`
	Layers    json.RawMessage `json:"layers"`
	Width     int             `json:"width"`
	PatchSize int             `json:"patch_size"`
	HeadWidth int             `json:"head_width"`
	MLPRatio  float64         `json:"mlp_ratio"`
	TimmModel string          `json:"timm_model_name"`
}

type openCLIPText struct {
	Context int    `json:"context_length"`
	Vocab   int    `json:"vocab_size"`
	Width   int    `json:"width"`
	Heads   int    `json:"heads"`
	Layers  int    `json:"layers"`
	HFModel string `json:"hf_model_name"`
}

type openCLIPModel struct {
	EmbedDim  int             `json:"embed_dim"`
	QuickGELU bool            `json:"quick_gelu"`
	Vision    *openCLIPVision `json:"vision_cfg"`
	Text      *openCLIPText   `json:"text_cfg"`
}

// ParseOpenCLIP reads open_clip's model config (the model_cfg object, or a
// whole open_clip_config.json that contains it). Defaults follow open_clip:
// head_width 64, mlp_ratio 4, context 77, vocab 49408, text heads 8,
// text layers 12.
func ParseOpenCLIP(data []byte, name string) (Config, error) {
	var wrap struct {
		ModelCfg *openCLIPModel `json:"model_cfg"`
	}
	if err := json.Unmarshal(data, &wrap); err != nil {
		return Config{}, fmt.Errorf("open_clip config: %w", err)
	}
	m := wrap.ModelCfg
	if m == nil {
		m = new(openCLIPModel)
		if err := json.Unmarshal(data, m); err != nil {
			return Config{}, fmt.Errorf("open_clip config: %w", err)
		}
	}
	if m.Vision == nil || m.Text == nil || m.EmbedDim == 0 {
		return Config{}, fmt.Errorf("open_clip config: need embed_dim, vision_cfg and text_cfg")
	}
	if m.Vision.TimmModel != "" || m.Text.HFModel != "" {
		return Config{}, fmt.Errorf("open_clip config: timm/HF towers are not supported, only open_clip's own ViT and text transformer")
	}
	imgSize, err := scalarInt(m.Vision.ImageSize, "vision_cfg.image_size")
	if err != nil {
		return Config{}, err
	}
	layers, err := scalarInt(m.Vision.Layers, "vision_cfg.layers")
	if err != nil {
		return Config{}, err
	}
	hw := m.Vision.HeadWidth
	if hw == 0 {
		hw = 64
	}
	ratio := m.Vision.MLPRatio
	if ratio == 0 {
		ratio = 4
	}
	t := *m.Text
	if t.Context == 0 {
		t.Context = 77
	}
	if t.Vocab == 0 {
		t.Vocab = 49408
	}
	if t.Heads == 0 {
		t.Heads = 8
	}
	if t.Layers == 0 {
		t.Layers = 12
	}
	c := Config{
		Name: name, EmbedDim: m.EmbedDim, QuickGELU: m.QuickGELU, LNEps: 1e-5,
		Vision: Vision{ImageSize: imgSize, Patch: m.Vision.PatchSize, Width: m.Vision.Width,
			Layers: layers, HeadWidth: hw, MLPWidth: int(float64(m.Vision.Width)*ratio + 0.5)},
		Text: Text{Context: t.Context, Vocab: t.Vocab, Width: t.Width, Heads: t.Heads, Layers: t.Layers},
	}
	// A config that matches a built-in architecture takes its name, so model
	// ids do not depend on how the config was given.
	for _, p := range presets {
		q := p
		q.Name = c.Name
		if q == c {
			c.Name = p.Name
		}
	}
	return c, c.Validate()
}

// scalarInt accepts a JSON number or a two-element list of equal numbers
// (open_clip allows [h, w] image sizes; only square ones are supported).
func scalarInt(raw json.RawMessage, field string) (int, error) {
	if len(raw) == 0 {
		return 0, fmt.Errorf("open_clip config: %s missing", field)
	}
	var n int
	if err := json.Unmarshal(raw, &n); err == nil {
		return n, nil
	}
	var l []int
	if err := json.Unmarshal(raw, &l); err == nil && len(l) == 2 && l[0] == l[1] {
		return l[0], nil
	}
	return 0, fmt.Errorf("open_clip config: %s must be an integer (or a square [n, n]); ResNet towers (layer lists) are not supported: %s", field, string(raw))
}

// MarshalOpenCLIP writes the config as open_clip's model_cfg JSON.
func (c Config) MarshalOpenCLIP() ([]byte, error) {
	m := map[string]any{
		"embed_dim":  c.EmbedDim,
		"quick_gelu": c.QuickGELU,
		"vision_cfg": map[string]any{
			"image_size": c.Vision.ImageSize, "layers": c.Vision.Layers, "width": c.Vision.Width,
			"patch_size": c.Vision.Patch, "head_width": c.Vision.HeadWidth,
			"mlp_ratio": float64(c.Vision.MLPWidth) / float64(c.Vision.Width),
		},
		"text_cfg": map[string]any{
			"context_length": c.Text.Context, "vocab_size": c.Text.Vocab, "width": c.Text.Width,
			"heads": c.Text.Heads, "layers": c.Text.Layers,
		},
	}
	return json.MarshalIndent(map[string]any{"model_cfg": m}, "", "  ")
}
