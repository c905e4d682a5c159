// Package evalrun is the pipeline behind 'clipad eval': it reads a
// benchmark with package dataset, scores every test image with package
// detect (one Detector per worker goroutine sharing the read-only model),
// builds the ground truth at model resolution with package preprocess,
// computes the paper's metrics per category with package metrics (spec §7.2)
// and writes results.md, results.csv, results.json and images.csv.
//
// Protocol (spec §4.4, §7):
//
//   - Pixel metrics are computed at the model resolution S×S (240 for
//     ViT-B-16-plus-240) on the smoothed SDP map, over all pixels of all test
//     images of a category, as the official code does. Masks go through the
//     sample's own rules (threshold, binarise at native size or not, first
//     channel for CVC-ClinicDB), a PIL-exact bilinear resize to S×S and
//     ≥ 0.5. A mask whose size differs from its image is still resized to
//     S×S (the official code does the same) but reported.
//   - Image scores: mode "batch" is the paper's protocol (per category,
//     min–max of s0 and of s1 over the images of this run, summed); mode
//     "single" uses the text asset's per-category calibration.
//   - Means are unweighted over the categories of one dataset; n/a values
//     are left out of the mean with a note.
//
// Bad input never stops a run: an unreadable or undecodable image is
// reported, counted as failed and left out of every metric; an anomalous
// image without a mask (or with an unreadable one) in a pixel-level
// category is reported and left out of the pixel metrics only; empty
// categories, stray files and missing masks found while reading the dataset
// are reported as problems.
//
// Every scored image is cached as one small JSON file (s0, s1 and the raw
// G×G patch map; the smoothed map is recomputed on load) keyed by the model
// id, the category's text vectors, σ, the clean-class-row flag and the
// image's path, size and modification time, so an interrupted run resumes
// where it stopped and a changed input is recomputed.
package evalrun
