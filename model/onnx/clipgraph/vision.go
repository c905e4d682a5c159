package clipgraph

import (
	"fmt"
	"math"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/onnx"
	"github.com/clipad/clipad/model/weights"
)

// Output names of the vision graphs.
func BlockName(b int) string    { return fmt.Sprintf("block_%d", b) }    // h_b, b = 1..L, [N,T,W]
func OriginalName(k int) string { return fmt.Sprintf("original_%d", k) } // O_k, k = 1..4, [N,T,W]
func SurgeryName(k int) string  { return fmt.Sprintf("surgery_%d", k) }  // S_k, k = 1..4, [N,T,W]
func FeaturesName(k int) string { return fmt.Sprintf("features_%d", k) } // F_k, k = 1..4, [N,T,E]

const ImageEmbed = "image_embed" // LN_post(h_L[cls])·proj, not normalised, [N,E]

// VisionOutputs lists the outputs of the dual-path vision graph in order:
// block_1..block_L, original_1..4, surgery_1..4, features_1..4,
// image_embed.
func VisionOutputs(cfg config.Config) []string {
	var o []string
	for i := 1; i <= cfg.Vision.Layers; i++ {
		o = append(o, BlockName(i))
	}
	for _, f := range []func(int) string{OriginalName, SurgeryName, FeaturesName} {
		for k := 1; k <= 4; k++ {
			o = append(o, f(k))
		}
	}
	return append(o, ImageEmbed)
}

// embed builds conv1 patches + class token + positional embedding + ln_pre
// and returns h_0 [N,T,W].
func (b *builder) embed(img string) string {
	v := b.cfg.Vision
	W, P := int64(v.Width), int64(v.Patch)
	conv := b.op("visual/conv1", "Conv", []string{img, b.weight("visual.conv1.weight")},
		onnx.IntsAttr("kernel_shape", P, P), onnx.IntsAttr("strides", P, P),
		onnx.IntsAttr("pads", 0, 0, 0, 0), onnx.IntsAttr("dilations", 1, 1), onnx.IntAttr("group", 1))
	flat := b.op("visual/patches_flat", "Reshape", []string{conv, b.i64(0, W, -1)}) // [N,W,G²], row-major grid
	patches := b.op("visual/patches", "Transpose", []string{flat}, onnx.IntsAttr("perm", 0, 2, 1))
	shape := b.op("visual/image_shape", "Shape", []string{img})
	batch := b.op("visual/batch", "Slice", []string{shape, b.i64(0), b.i64(1)})
	clsShape := b.op("visual/cls_shape", "Concat", []string{batch, b.i64(1, W)}, onnx.IntAttr("axis", 0))
	cls1 := b.op("visual/cls_1x1xW", "Reshape", []string{b.weight("visual.class_embedding"), b.i64(1, 1, W)})
	cls := b.op("visual/cls", "Expand", []string{cls1, clsShape})
	tok := b.op("visual/tokens", "Concat", []string{cls, patches}, onnx.IntAttr("axis", 1))
	x := b.op("visual/tokens_pos", "Add", []string{tok, b.weight("visual.positional_embedding")})
	return b.layerNorm("visual/ln_pre", x, "visual.ln_pre")
}

// project is LN_post(x)·proj over the last axis.
func (b *builder) project(out, x string) string {
	ln := b.layerNorm(out+"/ln_post", x, "visual.ln_post")
	return b.op(out, "MatMul", []string{ln, b.weight("visual.proj")})
}

// classEmbed is LN_post(h[:,0,:])·proj → [N,E].
func (b *builder) classEmbed(h string) string {
	cls := b.op("visual/final_cls", "Gather", []string{h, b.i64Scalar(0)}, onnx.IntAttr("axis", 1))
	return b.project(ImageEmbed, cls)
}

// Vision builds the CLIP-AD staged dual-path vision graph (spec §3):
// input "image" float32 [N,3,S,S]; outputs (all with batch dim N, T = G²+1
// tokens, W width, E embed dim):
//
//	block_b     h_b, the residual stream after block b (b = 1..L)     [N,T,W]
//	original_k  O_k = a_{k·s+1} = h_{k·s} + MHA_{k·s+1}(LN1(h_{k·s})) for
//	            k = 1..3 (the in-place quirk of §3.4; s = L/4), O_4 = h_L [N,T,W]
//	surgery_k   S_k = Σ of the v-v attention outputs (after out_proj) of
//	            the stage's s blocks, before class-row replacement    [N,T,W]
//	features_k  F_k = L2normalize(LN_post([O_k[cls]; S_k[patches]])·proj) [N,T,E]
//	image_embed LN_post(h_L[cls])·proj, not normalised                [N,E]
func Vision(cfg config.Config, w weights.Set, opts ...Option) (*onnx.Model, error) {
	return vision(cfg, w, true, opts)
}

// VisionPlain builds the unmodified CLIP image tower: input "image"
// [N,3,S,S], one output "image_embed" [N,E] (LN_post(h_L[cls])·proj, not
// normalised). Same weights and initializer names as Vision.
func VisionPlain(cfg config.Config, w weights.Set, opts ...Option) (*onnx.Model, error) {
	return vision(cfg, w, false, opts)
}

func vision(cfg config.Config, w weights.Set, dual bool, opts []Option) (*onnx.Model, error) {
	if err := checkWeights(cfg, w, weights.VisionTower); err != nil {
		return nil, err
	}
	v := cfg.Vision
	W, H, hw, L, T, E, S := v.Width, v.Heads(), v.HeadWidth, v.Layers, v.Tokens(), cfg.EmbedDim, v.ImageSize
	sl := v.StageLen()
	b := newBuilder(cfg, w, opts, "clipad_vision")
	img := b.input(onnx.TensorValueInfo(InputImage, onnx.Float, "N", 3, S, S))
	h := b.embed(img)

	attnRes := make([]string, L+1) // a_b
	blocks := make([]string, L+1)  // h_b
	var surgery [5]string          // S_k
	acc := ""
	for i := 0; i < L; i++ {
		p := fmt.Sprintf("visual/b%d", i+1)
		wp := fmt.Sprintf("visual.transformer.resblocks.%d.", i)
		name := BlockName(i + 1)
		if !dual {
			name = p + "/out"
		}
		a, hb, vv := b.block(p, wp, h, name, W, H, hw, "", dual)
		attnRes[i+1], blocks[i+1], h = a, hb, hb
		if !dual {
			continue
		}
		if i%sl == 0 {
			acc = vv // stage start: the surgery sum is reset (no residual)
		} else {
			acc = b.op(fmt.Sprintf("visual/surgery_sum_%d", i+1), "Add", []string{acc, vv})
		}
		if (i+1)%sl == 0 {
			surgery[(i+1)/sl] = acc
		}
	}

	if !dual {
		b.classEmbed(blocks[L])
		b.output(onnx.TensorValueInfo(ImageEmbed, onnx.Float, "N", E))
		return b.model("vision_plain", fmt.Sprintf("clipad: plain CLIP image tower of %s (image_embed = ln_post(cls)·proj).", cfg.Name))
	}

	var original [5]string
	for k := 1; k <= 4; k++ {
		if k < 4 {
			original[k] = attnRes[k*sl+1]
		} else {
			original[k] = blocks[L]
		}
	}
	var features [5]string
	for k := 1; k <= 4; k++ {
		p := fmt.Sprintf("visual/stage%d", k)
		clsRow := b.op(p+"/cls_row", "Slice", []string{original[k], b.i64(0), b.i64(1), b.i64(1)})
		patches := b.op(p+"/patch_rows", "Slice", []string{surgery[k], b.i64(1), b.i64(math.MaxInt64), b.i64(1)})
		z := b.op(p+"/z", "Concat", []string{clsRow, patches}, onnx.IntAttr("axis", 1))
		pr := b.project(p+"/projected", z)
		features[k] = b.l2(FeaturesName(k), pr)
	}
	b.classEmbed(blocks[L])

	for i := 1; i <= L; i++ {
		b.output(onnx.TensorValueInfo(BlockName(i), onnx.Float, "N", T, W))
	}
	for k := 1; k <= 4; k++ {
		b.op(OriginalName(k), "Identity", []string{original[k]})
		b.output(onnx.TensorValueInfo(OriginalName(k), onnx.Float, "N", T, W))
	}
	for k := 1; k <= 4; k++ {
		b.op(SurgeryName(k), "Identity", []string{surgery[k]})
		b.output(onnx.TensorValueInfo(SurgeryName(k), onnx.Float, "N", T, W))
	}
	for k := 1; k <= 4; k++ {
		b.output(onnx.TensorValueInfo(FeaturesName(k), onnx.Float, "N", T, E))
	}
	b.output(onnx.TensorValueInfo(ImageEmbed, onnx.Float, "N", E))
	return b.model("vision", fmt.Sprintf("clipad: CLIP-AD staged dual-path vision tower of %s (spec §3; stage length %d, taps %v).", cfg.Name, sl, v.Taps()))
}
