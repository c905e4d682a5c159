#!/usr/bin/python3
"""Regenerate the anomaly-map goldens with Debian's numpy / scipy / OpenCV
(use /usr/bin/python3, not a pyenv python):

    apt-get install -y python3-numpy python3-scipy python3-opencv
    cd model/anomaly/testdata && /usr/bin/python3 gen_golden.py

References (spec section 4, official util/surgery.py, test.py, util/metrics.py):
  * feature surgery: a literal numpy transcription of the official
    element-wise formula (class weights w = p / mean(p), e_ic = w_c F_i*t_c,
    redundant r_i = mean_c e_ic, sim = sum_d (e - r)), abnormal channel;
  * bilinear: scipy.ndimage.zoom(order=1, mode='nearest') with
    grid_mode=True (PyTorch align_corners=False: half-pixel centres, clamped)
    and grid_mode=False (align_corners=True), cross-checked here against a
    direct numpy transcription of PyTorch's documented index formula;
  * Gaussian: scipy.ndimage.gaussian_filter(float32 map, sigma) (truncate 4,
    mode 'reflect');
  * image score: the official normalize() (min-max) of s0 and s1, summed;
    s0 = scipy.special.softmax(100 * logits)[1];
  * colour map / overlay: cv2.applyColorMap(..., COLORMAP_JET) + BGR2RGB and
    the official apply_ad_scoremap().
Large maps are generated in the Go test from the same integer formula
(pattern()), so only sampled outputs are stored.
"""
import json
import sys

import cv2
import numpy as np
import scipy
import scipy.ndimage
import scipy.special

VERSIONS = {
    "python": sys.version.split()[0],
    "numpy": np.__version__,
    "scipy": scipy.__version__,
    "opencv": cv2.__version__,
}

SAMPLE = [0, 1, 2, 3, 5, 8, 16, 31, 32, 33, 64, 100, 119, 120, 121, 179, 200, 206, 207, 208, 223, 236, 237, 238, 239]


def f32list(a):
    """float32 values as the shortest decimal strings that round-trip."""
    return [float(str(np.float32(v))) for v in np.asarray(a, dtype=np.float32).ravel()]


def f32(a):
    """float32 rounding, kept as float64 for computing."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def pattern(h, w, seed):
    """Integer-only test image, reproduced bit for bit by the Go test."""
    r = np.arange(h)[:, None]
    c = np.arange(w)[None, :]
    v = (r * r * 7 + c * 13 + r * c * 3 + seed * 17) % 251
    blob = ((r - h // 2) ** 2 + (c - w // 3) ** 2 < (min(h, w) // 4) ** 2) * 500
    return ((v + blob) / 250.0).astype(np.float32)


def unit_rows(rng, n, d):
    X = rng.normal(size=(n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X.astype(np.float32)


# ---------------------------------------------------------------- surgery
def official_surgery(F, tn, ta):
    """Literal transcription of clip_feature_surgery for one image, one
    stage: F (T, E), text (E, 2). Returns sim (T, 2) and prob (2,)."""
    F = F.astype(np.float64)
    text = np.stack([tn, ta], axis=1).astype(np.float64)  # (E, 2)
    prob = F[:1, :] @ text  # (1, 2)
    prob = scipy.special.softmax(prob, axis=-1)
    w = prob / prob.mean(-1, keepdims=True)
    n_i, c = F.shape
    n_t = text.shape[1]
    feats = F.reshape(n_i, 1, c) * text.T.reshape(1, n_t, c)
    feats = feats * w.reshape(1, n_t, 1)
    redundant = feats.mean(1, keepdims=True)
    feats = feats - redundant
    return feats.sum(-1), prob[0]


def surgery_cases():
    rng = np.random.default_rng(21)
    cases = []
    for T, E, kind in [(10, 16, "random"), (26, 32, "toward_a"), (5, 8, "toward_n"), (7, 16, "balanced")]:
        F = unit_rows(rng, T, E)
        tn, ta = unit_rows(rng, 2, E)
        tn64, ta64 = tn.astype(np.float64), ta.astype(np.float64)
        if kind != "random":
            # class token near t_a, near t_n, or nearly equidistant (so that
            # the x100 image probability is not saturated)
            v = {"toward_a": F[0] + 2.0 * ta64, "toward_n": F[0] + 3.0 * tn64,
                 "balanced": tn64 + ta64 + 0.02 * F[0]}[kind]
            F[0] = (v / np.linalg.norm(v)).astype(np.float32)
        F64 = f32(F)
        sim, prob = official_surgery(F64, f32(tn), f32(ta))
        cases.append({"T": T, "E": E, "F": f32list(F), "tn": f32list(tn), "ta": f32list(ta),
                      "sim_abnormal": sim[:, 1].tolist(), "sim_normal": sim[:, 0].tolist(),
                      "pn": float(prob[0]), "pa": float(prob[1]),
                      "prob_abnormal_100": float(scipy.special.softmax(100 * (F64[0] @ np.stack(
                          [f32(tn), f32(ta)], 1)))[1])})
    return cases


# ---------------------------------------------------------------- bilinear
def torch_bilinear_numpy(x, oh, ow, align):
    """Direct transcription of PyTorch's upsample_bilinear2d index formula."""
    ih, iw = x.shape

    def taps(i, o):
        if align:
            scale = (i - 1) / (o - 1) if o > 1 else 0.0
            src = scale * np.arange(o)
        else:
            scale = i / o
            src = np.maximum(scale * (np.arange(o) + 0.5) - 0.5, 0.0)
        i0 = np.floor(src).astype(int)
        i1 = np.where(i0 < i - 1, i0 + 1, i0)
        l1 = src - i0
        return i0, i1, 1 - l1, l1

    h0, h1, hl0, hl1 = taps(ih, oh)
    w0, w1, wl0, wl1 = taps(iw, ow)
    top = x[h0][:, w0] * wl0 + x[h0][:, w1] * wl1
    bot = x[h1][:, w0] * wl0 + x[h1][:, w1] * wl1
    return top * hl0[:, None] + bot * hl1[:, None]


def scipy_bilinear(x, oh, ow, align):
    ih, iw = x.shape
    out = scipy.ndimage.zoom(x, (oh / ih, ow / iw), order=1, mode="nearest", grid_mode=not align)
    assert out.shape == (oh, ow), out.shape
    return out


def bilinear_cases():
    rng = np.random.default_rng(31)
    cases = []
    for (ih, iw, oh, ow) in [(15, 15, 240, 240), (3, 4, 7, 5), (2, 2, 5, 5), (1, 1, 3, 4), (5, 5, 3, 2),
                             (20, 20, 13, 31), (4, 6, 4, 6), (15, 15, 240, 180), (6, 3, 1, 1)]:
        x = f32(rng.normal(size=(ih, iw)))
        for align in (False, True):
            ref = scipy_bilinear(x, oh, ow, align)
            direct = torch_bilinear_numpy(x, oh, ow, align)
            assert np.allclose(ref, direct, rtol=0, atol=1e-12), (ih, iw, oh, ow, align, np.abs(ref - direct).max())
            rows = [r for r in SAMPLE if r < oh] if oh * ow > 1000 else list(range(oh))
            cols = [c for c in SAMPLE if c < ow] if oh * ow > 1000 else list(range(ow))
            cases.append({"in_h": ih, "in_w": iw, "out_h": oh, "out_w": ow, "align_corners": align,
                          "src": f32list(x), "rows": rows, "cols": cols,
                          "out": f32list(ref[np.ix_(rows, cols)])})
    return cases


# ---------------------------------------------------------------- Gaussian
def gaussian_cases():
    cases = []
    for (h, w, sigma, seed) in [(240, 240, 8.0, 1), (240, 240, 2.0, 2), (240, 240, 0.7, 3), (240, 180, 8.0, 4),
                                (15, 15, 8.0, 5), (15, 15, 2.0, 6), (15, 15, 0.7, 7), (5, 9, 8.0, 8),
                                (9, 5, 2.0, 9), (1, 7, 2.0, 10), (7, 1, 8.0, 11), (3, 3, 0.7, 12), (1, 1, 8.0, 13),
                                (2, 3, 100.0, 14)]:
        x = pattern(h, w, seed)
        out = scipy.ndimage.gaussian_filter(x, sigma)
        assert out.dtype == np.float32
        rows = [r for r in SAMPLE if r < h] if h * w > 1000 else list(range(h))
        cols = [c for c in SAMPLE if c < w] if h * w > 1000 else list(range(w))
        cases.append({"h": h, "w": w, "sigma": sigma, "seed": seed, "rows": rows, "cols": cols,
                      "out": f32list(out[np.ix_(rows, cols)]),
                      "sum": float(out.astype(np.float64).sum()), "max": float(out.max()),
                      "argmax": int(np.argmax(out))})
    ker = {str(s): scipy.ndimage._filters._gaussian_kernel1d(s, 0, int(4.0 * s + 0.5)).tolist() for s in (8.0, 2.0, 0.7)}
    return cases, ker


# ---------------------------------------------------------------- SDP map
def sdp_cases():
    rng = np.random.default_rng(41)
    cases = []
    for grid, E, size, sigma in [(5, 16, 40, 2.0), (4, 8, 24, 8.0), (15, 4, 240, 8.0)]:
        T = grid * grid + 1
        tn, ta = unit_rows(rng, 2, E)
        tn, ta = f32(tn), f32(ta)
        stages, total = [], np.zeros(T)
        for k in range(4):
            F = f32(unit_rows(rng, T, E))
            stages.append(f32list(F))
            sim, _ = official_surgery(F, tn, ta)
            total += sim[:, 1]
        raw = total[1:].reshape(grid, grid)
        up = scipy_bilinear(raw, size, size, False).astype(np.float32)
        sm = scipy.ndimage.gaussian_filter(up, sigma)
        rows = [r for r in SAMPLE if r < size] if size * size > 2000 else list(range(size))
        cases.append({"grid": grid, "E": E, "size": size, "sigma": sigma, "stages": stages,
                      "tn": f32list(tn), "ta": f32list(ta), "raw": raw.ravel().tolist(),
                      "rows": rows, "cols": rows, "smoothed": f32list(sm[np.ix_(rows, rows)]),
                      "max": float(sm.max())})
    return cases


# ---------------------------------------------------------------- scores
def normalize(pred):  # official util/metrics.py
    return (pred - pred.min()) / (pred.max() - pred.min())


def score_cases():
    rng = np.random.default_rng(51)
    s0 = rng.uniform(0, 1, size=9)
    s1 = rng.normal(0.05, 0.03, size=9)
    return [{"s0": s0.tolist(), "s1": s1.tolist(), "score": (normalize(s0) + normalize(s1)).tolist()}]


# ---------------------------------------------------------------- colour
def apply_ad_scoremap(image, scoremap, alpha=0.5):  # official util/metrics.py
    np_image = np.asarray(image, dtype=np.float64)
    scoremap = (scoremap * 255).astype(np.uint8)
    scoremap = cv2.applyColorMap(scoremap, cv2.COLORMAP_JET)
    scoremap = cv2.cvtColor(scoremap, cv2.COLOR_BGR2RGB)
    return (alpha * np_image + (1 - alpha) * scoremap).astype(np.uint8)


def colour_cases():
    lut = cv2.applyColorMap(np.arange(256, dtype=np.uint8).reshape(1, 256), cv2.COLORMAP_JET)
    lut = cv2.cvtColor(lut, cv2.COLOR_BGR2RGB)[0]
    rng = np.random.default_rng(61)
    cases = []
    maps = [
        ("random", rng.normal(size=(7, 11)).astype(np.float32)),
        ("ramp_0_255", np.arange(256, dtype=np.float32).reshape(16, 16)),
        ("ramp_scaled", (np.arange(96, dtype=np.float32) * np.float32(0.0137) - np.float32(0.31)).reshape(8, 12)),
        # float32 vs float64 normalisation truncates differently on 35 of these
        ("ramp_037", (np.arange(256, dtype=np.float32) * np.float32(0.37) - np.float32(3)).reshape(16, 16)),
        ("small_range", (np.float32(0.05) + rng.uniform(0, 1e-4, size=(5, 6))).astype(np.float32)),
    ]
    for name, m in maps:
        h, w = m.shape
        img = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        mask = normalize(m)  # float32 as in the reference (per-image normalize)
        assert mask.dtype == np.float32
        for alpha in (0.5, 0.3):
            vis = apply_ad_scoremap(img, mask, alpha)
            cases.append({"name": name, "w": w, "h": h, "alpha": alpha, "map": f32list(m),
                          "image": img.ravel().tolist(), "overlay": vis.ravel().tolist(),
                          "jet": cv2.cvtColor(cv2.applyColorMap((mask * 255).astype(np.uint8), cv2.COLORMAP_JET),
                                              cv2.COLOR_BGR2RGB).ravel().tolist()})
    return lut.tolist(), cases


def main():
    gauss, kernels = gaussian_cases()
    lut, colour = colour_cases()
    out = {
        "versions": VERSIONS,
        "surgery": surgery_cases(),
        "bilinear": bilinear_cases(),
        "gaussian": gauss,
        "gaussian_kernels": kernels,
        "sdp": sdp_cases(),
        "scores": score_cases(),
        "jet_lut": lut,
        "overlay": colour,
    }
    with open("golden.json", "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
