package clipgraph

import (
	"math"
	"math/rand"
	"strings"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/weights"
)

// RandomWeights draws weights for both towers of cfg from math/rand with a
// fixed seed, independent of package synth (so the ONNX side of parity
// tests does not share code with the engine's test fixtures). Scales keep
// activations in a realistic range: LayerNorm γ ≈ 1, small biases, linear
// weights with std 1/√fan_in, so attention logits are O(1) and nothing
// saturates.
func RandomWeights(cfg config.Config, seed int64) weights.Set {
	r := rand.New(rand.NewSource(seed))
	s := weights.Set{}
	for _, sp := range weights.Expected(cfg, weights.BothTowers) {
		n := 1
		for _, d := range sp.Shape {
			n *= d
		}
		mean, std := randomScale(sp)
		d := make([]float32, n)
		for i := range d {
			d[i] = float32(mean + std*r.NormFloat64())
		}
		s[sp.Name] = weights.Tensor{Shape: append([]int(nil), sp.Shape...), Data: d}
	}
	return s
}

func randomScale(sp weights.Spec) (mean, std float64) {
	name := sp.Name
	fanIn := func(i int) float64 { return 1 / math.Sqrt(float64(sp.Shape[i])) }
	switch {
	case strings.HasSuffix(name, "ln_1.weight"), strings.HasSuffix(name, "ln_2.weight"),
		strings.HasSuffix(name, "ln_pre.weight"), strings.HasSuffix(name, "ln_post.weight"),
		strings.HasSuffix(name, "ln_final.weight"):
		return 1, 0.1
	case strings.HasSuffix(name, ".bias") || strings.HasSuffix(name, "in_proj_bias"):
		return 0, 0.05
	case name == "visual.conv1.weight":
		return 0, 1 / math.Sqrt(float64(3*sp.Shape[2]*sp.Shape[3]))
	case name == "visual.class_embedding", name == "token_embedding.weight":
		return 0, 1
	case strings.HasSuffix(name, "positional_embedding"):
		return 0, 0.3
	case name == "visual.proj", name == "text_projection":
		return 0, fanIn(0) // [W,E]: x·proj, fan-in is W
	case len(sp.Shape) == 2:
		return 0, fanIn(1) // Linear [out,in]
	}
	return 0, 0.1
}
