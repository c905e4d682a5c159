package synth

import (
	"hash/fnv"
	"math"
	"strings"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/weights"
)

// rng is splitmix64: tiny, fast, and stable across Go versions.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// uniform in (0, 1)
func (r *rng) unif() float64 { return (float64(r.next()>>11) + 0.5) / (1 << 53) }

// normal via Box–Muller (both values used).
func (r *rng) normals(dst []float32, mean, std float64) {
	for i := 0; i < len(dst); i += 2 {
		u1, u2 := r.unif(), r.unif()
		rad := math.Sqrt(-2 * math.Log(u1))
		dst[i] = float32(mean + std*rad*math.Cos(2*math.Pi*u2))
		if i+1 < len(dst) {
			dst[i+1] = float32(mean + std*rad*math.Sin(2*math.Pi*u2))
		}
	}
}

func stream(seed uint64, name string) *rng {
	h := fnv.New64a()
	h.Write([]byte(name))
	return &rng{s: seed ^ h.Sum64()}
}

// Weights returns synthetic weights for both towers of cfg.
func Weights(cfg config.Config, seed uint64) weights.Set {
	s := weights.Set{}
	for _, sp := range weights.Expected(cfg, weights.BothTowers) {
		n := 1
		for _, d := range sp.Shape {
			n *= d
		}
		data := make([]float32, n)
		mean, std := scale(cfg, sp.Name, sp.Shape)
		stream(seed, sp.Name).normals(data, mean, std)
		s[sp.Name] = weights.Tensor{Shape: sp.Shape, Data: data}
	}
	s["logit_scale"] = weights.Tensor{Shape: []int{}, Data: []float32{float32(math.Log(1 / 0.07))}}
	return s
}

// scale gives (mean, std) following open_clip's init_parameters: attention
// in-projections width^-0.5, out/c_proj width^-0.5·(2·layers)^-0.5, c_fc
// (2·width)^-0.5, embeddings width^-0.5 (vision) or 0.02/0.01 (text),
// LayerNorm gains near 1 and small biases.
func scale(cfg config.Config, name string, shape []int) (float64, float64) {
	vis := strings.HasPrefix(name, "visual.")
	w, layers := cfg.Text.Width, cfg.Text.Layers
	if vis {
		w, layers = cfg.Vision.Width, cfg.Vision.Layers
	}
	fw := float64(w)
	switch {
	case strings.HasSuffix(name, "ln_1.weight"), strings.HasSuffix(name, "ln_2.weight"),
		strings.HasSuffix(name, "ln_pre.weight"), strings.HasSuffix(name, "ln_post.weight"),
		strings.HasSuffix(name, "ln_final.weight"):
		return 1, 0.1
	case strings.HasSuffix(name, "bias"):
		return 0, 0.02
	case strings.HasSuffix(name, "in_proj_weight"):
		return 0, math.Pow(fw, -0.5)
	case strings.HasSuffix(name, "out_proj.weight"), strings.HasSuffix(name, "c_proj.weight"):
		return 0, math.Pow(fw, -0.5) * math.Pow(2*float64(layers), -0.5)
	case strings.HasSuffix(name, "c_fc.weight"):
		return 0, math.Pow(2*fw, -0.5)
	case name == "visual.conv1.weight":
		return 0, math.Pow(float64(3*shape[2]*shape[3]), -0.5)
	case name == "token_embedding.weight":
		return 0, 0.02
	case name == "positional_embedding":
		return 0, 0.01
	}
	// class/positional embeddings and projections of the vision tower,
	// text_projection
	return 0, math.Pow(fw, -0.5)
}
