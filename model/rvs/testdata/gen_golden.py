#!/usr/bin/python3
"""Regenerate the RVS goldens with Debian's numpy / scikit-learn (use
/usr/bin/python3, not a pyenv python):

    apt-get install -y python3-numpy python3-scipy python3-sklearn
    cd model/rvs/testdata && /usr/bin/python3 gen_golden.py

Everything is computed by the reference libraries themselves, following the
official CLIP-AD util/prompt_ensemble.py (spec section 2.3):
  * DBSCAN labels: sklearn.cluster.DBSCAN(eps, min_samples).fit(X).labels_;
    representative = normalize(mean of the largest cluster's rows), largest by
    np.argmax(np.bincount(labels[labels >= 0])); None where all points are
    noise (the reference crashes there).
  * KDE: sklearn.neighbors.KernelDensity(kernel='gaussian', bandwidth=h)
    .fit(X).score_samples(X); representative = normalize(sum(exp(ld) x) /
    sum(exp(ld))).
  * MeanShift: sklearn.cluster.MeanShift(bandwidth=b).fit(X) labels_,
    cluster_centers_; representative = normalize(mean of the rows of the most
    populous label).
  * PCA: the official pca(X.T, 1) (np.linalg.eig of the scatter matrix) in
    float64, sign fixed against the plain mean, normalized.
  * mean: normalize(np.mean(X, axis=0)).
Inputs come from fixed seeds; every coordinate is rounded to float32 so the Go
tests can feed the same values through the float32 API exactly.
"""
import json
import sys

import numpy as np
import scipy
import sklearn
from sklearn.cluster import DBSCAN, MeanShift
from sklearn.neighbors import KernelDensity

VERSIONS = {
    "python": sys.version.split()[0],
    "numpy": np.__version__,
    "scipy": scipy.__version__,
    "scikit-learn": sklearn.__version__,
}


def f32(X):
    return np.asarray(X, dtype=np.float32).astype(np.float64)


def X32(X):
    """Rows as the shortest decimal strings that round-trip to float32 (the
    Go side parses them into float32, recovering exactly the values scikit-
    learn saw); keeps the file small."""
    return [[float(str(np.float32(v))) for v in row] for row in X]


def normalize(v):
    return v / np.linalg.norm(v)


def lst(a):
    return None if a is None else np.asarray(a, dtype=np.float64).tolist()


def dbscan_ref(X, eps, min_samples):
    labels = DBSCAN(eps=eps, min_samples=min_samples).fit(X).labels_
    if (labels >= 0).sum() == 0:
        return labels, None
    label = np.argmax(np.bincount(labels[labels >= 0]))
    return labels, normalize(np.mean(X[labels == label], axis=0))


def kde_ref(X, h):
    ld = KernelDensity(kernel="gaussian", bandwidth=h).fit(X).score_samples(X)
    w = np.exp(ld)[:, None]
    return ld, normalize(np.sum(w * X, axis=0) / np.sum(w))


def meanshift_ref(X, bw):
    ms = MeanShift(bandwidth=bw).fit(X)
    labels = ms.labels_
    label = np.argmax(np.bincount(labels[labels >= 0]))
    return labels, ms.cluster_centers_, normalize(np.mean(X[labels == label], axis=0))


def official_pca(X, k):
    # the official pca(): X is (n_samples=d, n_features=n)
    n_samples, n_features = X.shape
    mean = np.array([np.mean(X[:, i]) for i in range(n_features)])
    norm_X = X - mean
    scatter_matrix = np.dot(np.transpose(norm_X), norm_X)
    eig_val, eig_vec = np.linalg.eig(scatter_matrix)
    eig_val, eig_vec = np.real(eig_val), np.real(eig_vec)
    order = np.argsort(-np.abs(eig_val), kind="stable")
    assert abs(eig_val[order[0]]) > abs(eig_val[order[1]]) * (1 + 1e-8), "top eigenvalue not simple"
    feature = eig_vec[:, order[:k]].T
    return np.dot(norm_X, np.transpose(feature))


def pca_ref(X):
    v = official_pca(X.T, 1).squeeze()
    if np.dot(np.mean(X, axis=0), v) < 0:
        v = -v
    return normalize(v)


def check_margin(X, radii, what):
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    for r in radii:
        m = np.min(np.abs(D - r))
        assert m > 1e-9, f"{what}: a distance is within {m} of {r}"


def prompt_like(rng, sizes, d, s, sigma, n_out, sigma_out):
    """Unit vectors resembling one state's prompt embeddings: a common
    direction mu, sub-groups offset by s along their own direction
    (orthogonal to mu), per-sentence noise sigma, and n_out outliers with
    larger noise; rows shuffled. Pairwise cosines come out ~0.45-0.99."""
    mu = rng.normal(size=d)
    mu /= np.linalg.norm(mu)
    rows = []
    for sz in sizes:
        u = rng.normal(size=d)
        u -= (u @ mu) * mu
        u /= np.linalg.norm(u)
        for _ in range(sz):
            rows.append(mu + s * u + sigma * rng.normal(size=d) / np.sqrt(d))
    for _ in range(n_out):
        rows.append(mu + sigma_out * rng.normal(size=d) / np.sqrt(d))
    X = np.array(rows)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    X = X[rng.permutation(len(X))]
    return f32(X)


PROMPT_LIKE = [  # sizes, d, s, sigma, n_out, sigma_out
    ([90, 60, 40], 16, 0.55, 0.25, 8, 0.9),   # 198 rows, two groups merge
    ([50, 40, 30], 24, 0.55, 0.28, 6, 0.9),   # three clusters + noise
    ([25, 25, 10], 24, 0.5, 0.3, 5, 0.9),     # tie between the two largest
    ([20, 18], 64, 0.5, 0.6, 4, 0.9),         # all noise at eps 0.5
]


def dbscan_cases():
    cases = []

    def add(name, X, eps, ms):
        X = f32(X)
        labels, rep = dbscan_ref(X, eps, ms)
        cases.append({"name": name, "X": X32(X), "eps": eps, "min_samples": ms,
                      "labels": labels.tolist(), "rep": lst(rep)})

    rng = np.random.default_rng(1)
    # clear clusters + noise
    A = rng.normal(scale=0.1, size=(9, 2))
    B = rng.normal(scale=0.1, size=(6, 2)) + [3, 0]
    N = np.array([[10.0, 10.0], [-7.0, 4.0], [1.5, -6.0]])
    X = np.vstack([N[:1], A[:4], B[:3], N[1:2], A[4:], B[3:], N[2:]])
    add("clusters_and_noise", X, 0.5, 4)
    # a border point reachable from two clusters (not core itself)
    A = [[0.0, 0.0], [0.1, 0.0], [0.2, 0.0], [0.3, 0.0]]
    B = [[1.2, 0.0], [1.3, 0.0], [1.4, 0.0], [1.5, 0.0]]
    P = [[0.75, 0.0]]
    add("border_first_A", np.array(A + P + B), 0.5, 4)
    add("border_first_B", np.array(B + P + A), 0.5, 4)
    add("border_point_first", np.array(P + B + A), 0.5, 4)
    # neighbourhood boundary at exactly eps (inclusive) and self counted
    add("exact_eps", np.array([[0.0], [0.5], [1.0], [1.5], [2.0], [4.0]]), 0.5, 3)
    # equal-sized clusters: lowest label wins
    A = rng.normal(scale=0.05, size=(5, 3))
    B = rng.normal(scale=0.05, size=(5, 3)) + [2, 0, 0]
    C = rng.normal(scale=0.05, size=(3, 3)) + [0, 2, 0]
    add("tie_two_largest", np.vstack([C, B, A]), 0.5, 3)
    # the cluster found second is the larger one
    B6 = rng.normal(scale=0.05, size=(6, 3)) + [2, 0, 0]
    add("second_is_larger", np.vstack([A, B6, C]), 0.5, 3)
    # chained cluster grown through several cores (LIFO growth)
    chain = [[0.4 * i, 0.0] for i in range(12)] + [[0.4 * 5, 0.45]]
    add("chain", np.array(chain), 0.5, 3)
    # all noise
    add("all_noise", rng.normal(scale=5, size=(7, 2)), 0.5, 3)
    # min_samples = 1: every point is a core point
    add("min_samples_1", np.array([[0.0, 0], [0.3, 0], [5, 5], [9, 9], [9.2, 9]]), 0.5, 1)

    # prompt-like unit vectors with both official parameter sets
    for k, args in enumerate(PROMPT_LIKE):
        X = prompt_like(np.random.default_rng(100 + k), *args)
        check_margin(X, [0.5, 1.5], f"prompt_like_{k}")
        cos = X @ X.T
        iu = np.triu_indices(len(X), 1)
        res = {}
        for key, (eps, ms) in [("mvtec", (0.5, 15)), ("visa", (1.5, 25))]:
            labels, rep = dbscan_ref(X, eps, ms)
            res[key] = {"eps": eps, "min_samples": ms, "labels": labels.tolist(), "rep": lst(rep)}
        cases.append({"name": f"prompt_like_{k}", "X": X32(X), "params": res,
                      "cos_range": [float(cos[iu].min()), float(cos[iu].max())]})
    return cases


def reducer_cases():
    """Every reducer on prompt-like unit vectors (official parameters)."""
    cases = []
    for seed, args in enumerate([([20, 12], 16, 0.5, 0.3, 4, 0.9), ([30, 20, 15], 40, 0.55, 0.28, 5, 0.9),
                                 ([40, 15], 64, 0.5, 0.25, 3, 0.8)]):
        X = prompt_like(np.random.default_rng(200 + seed), *args)
        check_margin(X, [0.5, 1.5, 2.0], f"reducers_{seed}")
        _, db_mvtec = dbscan_ref(X, 0.5, 15)
        _, db_visa = dbscan_ref(X, 1.5, 25)
        ld, kde = kde_ref(X, 0.3)
        ms_labels, ms_centers, ms = meanshift_ref(X, 2.0)
        cos = X @ X.T
        iu = np.triu_indices(len(X), 1)
        cases.append({
            "name": f"reducers_{seed}", "X": X32(X),
            "cos_range": [float(cos[iu].min()), float(cos[iu].max())],
            "mean": lst(normalize(np.mean(X, axis=0))),
            "dbscan_mvtec": lst(db_mvtec), "dbscan_visa": lst(db_visa),
            "pca": lst(pca_ref(X)),
            "kde": lst(kde), "kde_log_density": lst(ld),
            "mean_shift": lst(ms), "mean_shift_labels": ms_labels.tolist(),
            "mean_shift_centers": lst(ms_centers),
        })
    return cases


def meanshift_cases():
    cases = []

    def add(name, X, bw):
        X = f32(X)
        labels, centers, rep = meanshift_ref(X, bw)
        cases.append({"name": name, "X": X32(X), "bandwidth": bw, "labels": labels.tolist(),
                      "centers": lst(centers), "rep": lst(rep)})

    rng = np.random.default_rng(7)
    A = rng.normal(scale=0.3, size=(7, 2))
    B = rng.normal(scale=0.3, size=(5, 2)) + [6, 0]
    C = rng.normal(scale=0.3, size=(5, 2)) + [0, 6]
    O = np.array([[20.0, 20.0]])
    add("blobs", np.vstack([B, O, A, C]), 2.0)
    # the two largest clusters tie: the centre with the larger tuple is label 0
    A5 = rng.normal(scale=0.3, size=(5, 2))
    add("tie", np.vstack([A5, B, O]), 2.0)
    # overlapping blobs: many near-duplicate seeds merged by suppression
    M = np.vstack([rng.normal(scale=1.0, size=(30, 2)), rng.normal(scale=1.0, size=(20, 2)) + [3.5, 1.0]])
    add("overlapping", M, 2.0)
    add("overlapping_bw1", M, 1.0)
    # 5-D points, a small bandwidth leaving singletons
    add("sparse_5d", rng.normal(scale=1.0, size=(12, 5)), 0.8)
    return cases


def pca_cases():
    cases = []
    rng = np.random.default_rng(11)
    for n, d in [(6, 10), (12, 5), (25, 40)]:
        X = f32(rng.normal(size=(n, d)) + rng.normal(size=d) * 2)
        cases.append({"name": f"gauss_{n}x{d}", "X": X32(X), "pca": lst(pca_ref(X))})
    return cases


def kde_cases():
    cases = []
    rng = np.random.default_rng(13)
    for n, d, h in [(10, 2, 0.3), (20, 7, 0.5), (15, 40, 0.3), (9, 3, 0.05)]:
        X = f32(rng.normal(size=(n, d)))
        ld, rep = kde_ref(X, h)
        cases.append({"name": f"kde_{n}x{d}_h{h}", "X": X32(X), "bandwidth": h,
                      "log_density": lst(ld), "rep": lst(rep)})
    return cases


def main():
    out = {
        "versions": VERSIONS,
        "dbscan": dbscan_cases(),
        "reducers": reducer_cases(),
        "mean_shift": meanshift_cases(),
        "pca": pca_cases(),
        "kde": kde_cases(),
    }
    with open("golden.json", "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
