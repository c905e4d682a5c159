// Package rvs implements Representative Vector Selection (spec §2.3): it
// reduces the n×d matrix X of one state's prompt embeddings (rows are the
// L2-normalised sentence embeddings, n = 198 normal or 220 abnormal for the
// industrial prompt ensemble) to ONE unit vector, exactly as the official
// CLIP-AD util/prompt_ensemble.py does with numpy / scikit-learn:
//
//   - "mean": normalize(mean of the rows) (WinCLIP / APRIL-GAN).
//   - "dbscan" (the method of every released script): scikit-learn DBSCAN
//     with the Euclidean metric and the dataset's parameters (DBSCANParams:
//     "visa" eps 1.5 / min_samples 25, every other dataset eps 0.5 /
//     min_samples 15); the neighbourhood of i is every j with
//     ‖x_i − x_j‖ ≤ eps (i itself included), i is core when the
//     neighbourhood has ≥ min_samples points; points are scanned in index
//     order, an unlabelled core point opens the next cluster id, which grows
//     depth-first through a LIFO stack (border points keep the first cluster
//     that reaches them). The cluster with most members wins (noise
//     excluded, ties → lowest id); result = normalize(mean of its rows).
//     All noise → ErrNoCluster (the reference crashes with argmax of an
//     empty array).
//   - "pca": the official pca(X.T, 1): each embedding is centred by its own
//     mean over its d components, giving the d×n matrix A; v = top
//     eigenvector of the n×n scatter AᵀA; vector = A·v, sign flipped when
//     its dot product with the plain mean of the rows is negative;
//     normalised. (A·v ∝ the top eigenvector of A·Aᵀ, so whichever of the
//     two matrices is smaller is diagonalised, by cyclic Jacobi in float64.)
//     A top eigenvalue that is not simple makes the direction arbitrary
//     (numpy returns some vector of the eigenspace): that is an error here.
//   - "kde": scikit-learn KernelDensity(kernel="gaussian", bandwidth=0.3)
//     fitted on X and evaluated at the rows of X: log p_i =
//     logsumexp_j(−‖x_i − x_j‖²/2h²) − log n − (d/2)·log 2π − d·log h
//     (KDELogDensity); t = Σ_i w_i x_i / Σ_i w_i with w_i = exp(log p_i),
//     normalised. The weights are used relative to the largest one
//     (w_i = exp(log p_i − max log p)), which leaves the quotient unchanged
//     and cannot overflow: scikit-learn's exp(log p) overflows to +Inf once
//     log p > 709.78, i.e. for d ≳ 2490 at h = 0.3 (the reference then
//     yields NaN); for d = 640 the values are ≈ e^180, finite.
//   - "mean_shift": scikit-learn MeanShift(bandwidth=2) with its defaults
//     (every row is a seed, no bin seeding, max_iter 300, cluster_all):
//     each seed climbs by flat-kernel means over the points within
//     ‖·‖ ≤ bandwidth until the step is < 1e-3·bandwidth; converged means
//     are deduplicated (exact equality), sorted by (number of points within,
//     then the mean's coordinates lexicographically), both descending, and a
//     centre suppresses every later centre within the bandwidth; each row
//     gets the label of its nearest centre. As in the official code the
//     representative vector is normalize(mean of the ROWS of the most
//     populous label) (ties → lowest label), not the centre itself. For
//     unit vectors every pairwise distance is ≤ 2, so this is the plain
//     mean in practice.
//
// Numerics: distances, means and eigenvectors are computed in float64 from
// the given values (float32 input is widened exactly). Distance tests use
// the squared Euclidean distance against eps² (as scikit-learn's trees do);
// results can differ from scikit-learn only for pairs whose distance is
// within rounding (~1e-15 relative) of eps / the bandwidth. The reference
// additionally rounds embeddings and the result to fp16; that rounding
// belongs to the caller (round the input if bit-faithful memberships are
// wanted), the output here is not rounded.
//
// Errors (never panics): empty X, zero-length or ragged rows, NaN/±Inf,
// an all-noise DBSCAN, a zero representative vector, unknown methods, bad
// parameters. Rows are not required to be unit vectors.
package rvs
