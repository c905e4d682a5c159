// Package sdpplus is CLIP-AD's SDP+ head (spec §5): four Linear(W→E)
// layers, one per stage, applied to the raw original-path stage tokens
// O_k (class token dropped, the §3.4 in-place quirk included — that is
// what vision.Output.Original holds by default), followed by L2
// normalisation, ×100 logits against the text vectors [t_n, t_a],
// bilinear upsampling with align_corners=True and a 2-way softmax; the
// abnormal probabilities of the four stages are summed and added to the
// unsmoothed SDP map before the Gaussian (§5.3).
//
// The package also holds the head's checkpoint format (safetensors with
// tensors fc.{0..3}.weight [E,W] and fc.{0..3}.bias [E] plus metadata),
// the import of the official PyTorch checkpoints (train_on_mvtec.pth,
// train_on_visa.pth: a zip-format torch.save file read by a minimal,
// whitelisting pickle machine) and the bundle tensors
// (sdp_plus.fc.{k}.weight/bias). It uses the standard library only and
// builds for GOOS=js GOARCH=wasm; training lives in the native-only
// package sdpplus/train.
package sdpplus
