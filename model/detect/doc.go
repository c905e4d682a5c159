// Package detect is CLIP-AD's per-image pipeline, shared by the CLI and the
// WebAssembly core: decode → Pillow-exact preprocessing → dual-path vision
// forward → SDP anomaly map (feature surgery per stage, sum, bilinear,
// Gaussian) → the two image-score ingredients (the class token's CLIP
// abnormal probability s0 and the map maximum s1) → a Record. Image scores
// over a batch (the paper's per-category min–max protocol) or for single
// images (a fixed calibration) are applied afterwards, see Score.
package detect
