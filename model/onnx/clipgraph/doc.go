// Package clipgraph builds ONNX graphs (opset 17, IR 8, standard ops only)
// of a CLIP model from a config and its open_clip weights, for
// onnxruntime to run as the independent reference of the parity harness
// (js/parity):
//
//   - Vision: the CLIP-AD staged dual-path vision tower (spec §3). Input
//     "image" float32 [N,3,S,S]; outputs block_1..block_L, original_1..4
//     (with the §3.4 in-place quirk), surgery_1..4 (raw v-v sums),
//     features_1..4 (L2-normalised stage features) and image_embed.
//   - VisionPlain: the unmodified image tower, output image_embed only
//     (for speed benchmarks).
//   - Text: input "tokens" int64 [N,context]; outputs text_features
//     (unnormalised) and text_embed (unit norm).
//
// Every open_clip tensor is an initializer under its exact state-dict name
// and in open_clip's layout (Linear weights [out,in]; the transposes are
// Transpose nodes), so onnx.ReadWeights recovers the weights bit-exactly.
// Op choices, each the plain formula of the spec: Conv (kernel = stride =
// patch, no bias) → Reshape [N,W,G²] → Transpose (token 1+G·r+c is patch
// row r, column c); class token by Expand, Concat, + positional embedding;
// LayerNormalization (eps from the config; ManualLayerNorm for the
// two-pass formula); in_proj as one MatMul+Add, split into heads by
// Reshape [N,T,3,H,hw] + Transpose + Gather (rows q|k|v, contiguous
// head_width blocks); scores MatMul·(1/√head_width) → Softmax(last axis) →
// MatMul v; the v-v path reuses the same v and out_proj; exact GELU as
// 0.5·x·(1+Erf(x/√2)) or QuickGELU x·Sigmoid(1.702x); L2 normalisation as
// x / Sqrt(ReduceSumSquare(x)); text causal mask as an additive
// initializer (-Inf above the diagonal) and EOT pooling with
// Cast→ArgMax→Unsqueeze→GatherND(batch_dims=1).
//
// RandomWeights makes seeded random weights for tests; WriteAll writes the
// three graphs to a directory (vision.onnx, vision_plain.onnx, text.onnx).
package clipgraph
