// Package metrics computes the CLIP-AD evaluation metrics exactly as the
// official code does (spec §7.2, util/metrics.py, which calls scikit-learn
// and scikit-image), in plain Go with no dependencies:
//
//   - AUROC: sklearn roc_auc_score — trapezoidal area over distinct score
//     thresholds (ties count one half). Computed exactly in integer counts.
//   - AP: sklearn average_precision_score — Σ (R_k − R_{k−1})·P_k over
//     distinct thresholds, not interpolated.
//   - F1-max: max of 2PR/(P+R) over sklearn's precision_recall_curve
//     (positive iff score ≥ threshold, P=1/R=0 appended, NaNs dropped).
//   - AUPRO: cal_pro_score (cflow-ad, APRIL-GAN; disabled in the released
//     CLIP-AD code): the reference's np.arange thresholds min..max step
//     (max−min)/200 reproduced bit for bit (200 or 201 of them, float64
//     arange, float32 comparisons as under numpy 1.x value-based casting),
//     prediction score > th, 8-connected GT regions in skimage label order,
//     PRO = mean overlap over all regions of the category, FPR over all
//     normal pixels, FPR < 0.3 kept and min–max rescaled, np.trapz area.
//
// Every metric is per category; Summarize averages categories unweighted and
// formats values ×100 rounded to 0.1 as np.round does. Where the reference
// would crash or print nan (one class only, no GT region, constant maps)
// the value is n/a: the error matches ErrUndefined and Summarize skips it in
// the mean with a note.
//
// Pixel-level metrics over all pixels of a category (10^7–10^8 values) use
// one O(n log n) sort (in-place radix sort of float32 keys, 4 bytes per
// pixel, positives and negatives apart) and a single sweep that yields
// AUROC, AP and F1-max together: use BinaryMaps / Binary32 rather than the
// single-metric helpers when more than one is needed. AUPRO maps each pixel
// once to the number of thresholds it exceeds and uses histograms, so its
// cost does not grow with the 200 thresholds.
//
// Numerical agreement: F1-max and the AUPRO curve reproduce numpy's
// floating-point operations (pairwise summation included) and match the
// reference bit for bit in the tests; AUROC and AP are within ~1e-15 of
// sklearn (they are more exact, not differently defined). FPR uses exact
// integer pixel counts; the reference divides by a float32 sum, identical
// while a category has fewer than 2^24 normal pixels.
package metrics
