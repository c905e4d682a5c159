// Package anomaly turns the SDP stage features into CLIP-AD anomaly maps
// and image scores (spec §4, official util/surgery.py, test.py and
// util/metrics.py), plus the display helpers of the official visualisation.
//
// # Maps
//
//   - FeatureSurgery: per stage k, with F_k (T×E, rows unit-norm, row 0 the
//     class token) and the category's text vectors t_n, t_a:
//     sim_i = p_a·⟨F_i,t_a⟩ − p_n·⟨F_i,t_n⟩, (p_n,p_a) =
//     softmax(⟨F_0,t_n⟩, ⟨F_0,t_a⟩) at temperature 1. This is the closed form
//     of the official element-wise formula (e_ic = w_c·(F_i ⊙ t_c),
//     w_c = p_c/mean(p) = 2p_c, r_i = mean_c e_ic, sim_ic = Σ_d (e_ic − r_i)_d);
//     the tests carry a literal implementation of the latter.
//   - StageSum (plain sum over the 4 stages), PatchMap (drop the class
//     token, row-major G×G).
//   - Bilinear: PyTorch F.interpolate(mode='bilinear') for
//     align_corners=False (SDP, half-pixel, clamped at 0) and True (SDP+,
//     §5.3), any output size/aspect. ToOriginal maps the square model-space
//     map back to the original image size (the model input was a plain,
//     aspect-changing resize).
//   - Gaussian: scipy.ndimage.gaussian_filter (truncate 4 → radius
//     int(4σ+0.5), normalised exp(−k²/2σ²) weights, separable, mode
//     'reflect' = half-sample symmetric, repeated when the radius exceeds the
//     image, float32 between the two passes as scipy does for float32 maps).
//   - SDPMap composes them: raw G×G map and the smoothed size×size map
//     (15 → 240, σ = 8 for the released SDP runs).
//
// Values are float32 at the API; sums and interpolation weights are float64
// inside. Agreement with the references is to float32 rounding (the
// reference runs parts of this in fp16 under autocast, which is not
// reproduced).
//
// # Image scores
//
//   - ProbAbnormal: s0 = softmax(100·⟨F_4[0],t_n⟩, 100·⟨F_4[0],t_a⟩)[a].
//   - MaxValue of the smoothed map: s1.
//   - BatchScores (the official rule, transductive): over all test images
//     of one category, score = minmax(s0) + minmax(s1) ∈ [0, 2]. Degenerate
//     case: a term whose values are all equal (including a single image)
//     contributes 0 for every image — the reference computes 0/0 = NaN
//     there and its metrics then fail.
//   - Single mode (Calibration.Score, SingleScore): an image scored alone,
//     needing no other images. Each term is mapped by a FIXED affine range,
//     clamped to [0, 1], and the two are added:
//     clamp01((s0 − S0Min)/(S0Max − S0Min)) + clamp01((s1 − S1Min)/(S1Max − S1Min)).
//     Why this form: it is the batch formula with the category's observed
//     min/max replaced by constants, so the score has the same [0, 2] range
//     and the same relative weighting of the two cues; with a calibration
//     fitted on a set of images (FitCalibration) it equals BatchScores on
//     that set exactly. DefaultCalibration keeps s0's natural range [0, 1]
//     and uses s1 ∈ [0, 0.1], a placeholder from the magnitude of SDP values,
//     not fitted on real weights.
//     Limits: single-mode scores are not comparable with batch-mode scores
//     (batch mode re-stretches both terms per category, single mode does
//     not), so batch-mode AUROC/F1 numbers do not carry over; the s1 range
//     is weight- and category-dependent and must be fitted (FitCalibration
//     on real images of the deployed weights) before the score can be
//     thresholded meaningfully; clamping saturates — values beyond the
//     calibrated range tie at 0 or 1 for that term.
//
// # Display
//
// JET is OpenCV's COLORMAP_JET (all 256 entries verified against Debian's
// OpenCV); ColorizeJET and Overlay follow the official apply_ad_scoremap:
// mask = (m − min)/(max − min) per map (float32), index = uint8(mask·255)
// truncated, JET → RGB, vis = uint8(alpha·image + (1 − alpha)·jet) with
// alpha = 0.5 in the reference. A constant map renders as index 0 (dark
// blue); the reference would divide 0 by 0 there.
//
// # Errors
//
// Wrong lengths or sizes, NaN/±Inf values, zero text vectors or zero
// feature rows, bad sigma/alpha: errors wrapping ErrInput, never panics.
package anomaly
