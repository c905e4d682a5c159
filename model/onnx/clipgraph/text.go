package clipgraph

import (
	"fmt"
	"math"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/onnx"
	"github.com/clipad/clipad/model/weights"
)

// Output names of the text graph.
const (
	TextFeatures = "text_features" // ln_final(x[eot])·text_projection, [N,E]
	TextEmbed    = "text_embed"    // text_features L2-normalised, [N,E]
)

// TextOutputs lists the text graph's outputs in order.
func TextOutputs() []string { return []string{TextFeatures, TextEmbed} }

// CausalMaskName is the initializer holding the additive attention mask
// (0 on and below the diagonal, -Inf above), as open_clip builds it.
const CausalMaskName = "text/causal_mask"

// Text builds the CLIP text tower: input "tokens" int64 [N, context];
// token-embedding Gather, + positional embedding, causal pre-LN blocks,
// ln_final, the row at argmax(token id) (the EOT token, highest id; first
// occurrence on ties, like torch.argmax), ·text_projection. Outputs
// "text_features" [N,E] (unnormalised) and "text_embed" [N,E] (unit norm).
func Text(cfg config.Config, w weights.Set, opts ...Option) (*onnx.Model, error) {
	if err := checkWeights(cfg, w, weights.TextTower); err != nil {
		return nil, err
	}
	t := cfg.Text
	W, H, C, E := t.Width, t.Heads, t.Context, cfg.EmbedDim
	hw := t.HeadWidth()
	b := newBuilder(cfg, w, opts, "clipad_text")
	tok := b.input(onnx.TensorValueInfo(InputTokens, onnx.Int64, "N", C))

	mask := make([]float32, C*C)
	for i := 0; i < C; i++ {
		for j := i + 1; j < C; j++ {
			mask[i*C+j] = float32(math.Inf(-1))
		}
	}
	b.define(CausalMaskName)
	b.g.Initializer = append(b.g.Initializer, onnx.FloatTensor(CausalMaskName, []int{C, C}, mask))

	emb := b.op("text/token_emb", "Gather", []string{b.weight("token_embedding.weight"), tok}, onnx.IntAttr("axis", 0))
	x := b.op("text/x0", "Add", []string{emb, b.weight("positional_embedding")})
	for i := 0; i < t.Layers; i++ {
		p := fmt.Sprintf("text/b%d", i+1)
		_, x, _ = b.block(p, fmt.Sprintf("transformer.resblocks.%d.", i), x, p+"/out", W, H, hw, CausalMaskName, false)
	}
	lnf := b.layerNorm("text/ln_final", x, "ln_final")
	// ArgMax over int32 ids (onnxruntime's CPU ArgMax has no int64 kernel).
	ids := b.op("text/tokens_i32", "Cast", []string{tok}, onnx.IntAttr("to", int64(onnx.Int32)))
	eot := b.op("text/eot_index", "ArgMax", []string{ids}, onnx.IntAttr("axis", 1), onnx.IntAttr("keepdims", 0))
	idx := b.op("text/eot_index_2d", "Unsqueeze", []string{eot, b.i64(1)})
	pooled := b.op("text/pooled", "GatherND", []string{lnf, idx}, onnx.IntAttr("batch_dims", 1))
	feat := b.op(TextFeatures, "MatMul", []string{pooled, b.weight("text_projection")})
	b.l2(TextEmbed, feat)
	b.output(onnx.TensorValueInfo(TextFeatures, onnx.Float, "N", E))
	b.output(onnx.TensorValueInfo(TextEmbed, onnx.Float, "N", E))
	return b.model("text", fmt.Sprintf("clipad: CLIP text tower of %s (EOT pooling, causal mask).", cfg.Name))
}
