package synth

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/weights"
)

// Planted returns the analytic white-box model used to test the whole
// pipeline end to end, with its normal and abnormal text vectors.
//
// Construction (config "planted", 4 blocks of width 64, two 32-wide heads):
//   - conv1 writes a patch's redness r = mean(R) − mean(G) (in CLIP-normalised
//     units) as r·(e0 − e1); every token also gets c·(e2 − e3) from the
//     positional (and class) embedding, so after ln_pre (gain 1, bias 0) a
//     token's direction encodes how red it is, and position carries no
//     signal.
//   - q and k projections are zero (the original attention averages
//     uniformly), MLPs are zero, so the original stream only gains a global
//     vector per block.
//   - head 0's value projection maps (x0 − x1) to u1 and (x2 − x3) to u2
//     so v-v attention is sharp: red tokens attend to red
//     tokens, others to others, and the surgery output of a patch stays
//     local.
//   - out_proj maps u1 to ε(e6 − e7) and u2 to ε(e8 − e9) (ε = 0.01, so the
//     residual stream barely moves), and proj maps
//     e6 → t_a, e7 → −t_a, e8 → t_n, e9 → −t_n (t_n = ê0, t_a = ê1 in the
//     16-d embedding), so a red patch's stage feature is ≈ t_a and a
//     non-red one's ≈ t_n. The class token's features follow the image's
//     average, so images with more red get a higher abnormal probability.
//
// The text tower is synthetic (unused by the planted text vectors).
func Planted() (config.Config, weights.Set, []float32, []float32) {
	cfg, err := config.Named("planted")
	if err != nil {
		panic(err)
	}
	set := Weights(cfg, 99) // fills every tensor (text tower stays random)
	v := cfg.Vision
	W, P, E := v.Width, v.Patch, cfg.EmbedDim
	zero := func(name string) []float32 {
		d := set[name].Data
		for i := range d {
			d[i] = 0
		}
		return d
	}
	ones := func(name string) {
		d := set[name].Data
		for i := range d {
			d[i] = 1
		}
	}
	// patch embedding: redness
	conv := zero("visual.conv1.weight") // [W,3,P,P]
	inv := float32(1) / float32(P*P)
	for i := 0; i < P*P; i++ {
		conv[(0*3+0)*P*P+i] = inv  // e0 += mean R
		conv[(0*3+1)*P*P+i] = -inv // e0 -= mean G
		conv[(1*3+0)*P*P+i] = -inv // e1 = −e0
		conv[(1*3+1)*P*P+i] = inv
	}
	const c = 1.0
	cls := zero("visual.class_embedding")
	cls[2], cls[3] = c, -c
	pos := zero("visual.positional_embedding")
	for t := 1; t < v.Tokens(); t++ {
		pos[t*W+2], pos[t*W+3] = c, -c
	}
	ones("visual.ln_pre.weight")
	zero("visual.ln_pre.bias")
	ones("visual.ln_post.weight")
	zero("visual.ln_post.bias")
	const gain, eps = 1.0, 0.01
	for b := 0; b < v.Layers; b++ {
		p := blockPrefix(b)
		ones(p + "ln_1.weight")
		zero(p + "ln_1.bias")
		ones(p + "ln_2.weight")
		zero(p + "ln_2.bias")
		inW := zero(p + "attn.in_proj_weight") // [3W, W]: q | k | v
		zero(p + "attn.in_proj_bias")
		// v rows start at 2W; head 0 dims 0 (u1) and 1 (u2)
		inW[(2*W+0)*W+0], inW[(2*W+0)*W+1] = gain, -gain
		inW[(2*W+1)*W+2], inW[(2*W+1)*W+3] = gain, -gain
		out := zero(p + "attn.out_proj.weight") // [W, W]
		zero(p + "attn.out_proj.bias")
		// small, so the residual stream (which feeds every block's LN1)
		// barely moves and the v-v attention stays sharp in every block
		out[6*W+0], out[7*W+0] = eps, -eps // u1 → e6 − e7
		out[8*W+1], out[9*W+1] = eps, -eps // u2 → e8 − e9
		zero(p + "mlp.c_fc.weight")
		zero(p + "mlp.c_fc.bias")
		zero(p + "mlp.c_proj.weight")
		zero(p + "mlp.c_proj.bias")
	}
	proj := zero("visual.proj")      // [W, E]
	proj[6*E+1], proj[7*E+1] = 1, -1 // → ±t_a
	proj[8*E+0], proj[9*E+0] = 1, -1 // → ±t_n
	tn := make([]float32, E)
	ta := make([]float32, E)
	tn[0], ta[1] = 1, 1
	return cfg, set, tn, ta
}

func blockPrefix(b int) string {
	return fmt.Sprintf("visual.transformer.resblocks.%d.", b)
}

// Spot is a rectangle [X0,X1)×[Y0,Y1) in image pixels.
type Spot struct{ X0, Y0, X1, Y1 int }

// Contains reports whether pixel (x, y) lies in the spot.
func (s *Spot) Contains(x, y int) bool {
	return s != nil && x >= s.X0 && x < s.X1 && y >= s.Y0 && y < s.Y1
}

// PlantedPNG draws a test image for the planted model: a noisy grey (or
// bluish) background with an optional red rectangle (the planted anomaly),
// PNG-encoded. Deterministic for a seed.
func PlantedPNG(w, h int, s *Spot, seed uint64, blue bool) []byte {
	r := &rng{s: seed*0x9e3779b97f4a7c15 + 7}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := uint8(r.next() % 21)
			c := color.RGBA{118 + n, 118 + n, 118 + n, 255}
			if blue {
				c = color.RGBA{40 + n, 60 + n, 190 + n, 255}
			}
			if s.Contains(x, y) {
				c = color.RGBA{235 + n/2, 10 + n/2, 10 + n/2, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // cannot fail for an in-memory RGBA image
	}
	return b.Bytes()
}
