#!/usr/bin/python3
"""Regenerate the metrics goldens with Debian's numpy / scikit-learn /
scikit-image (use /usr/bin/python3, not a pyenv python):

    apt-get install -y python3-numpy python3-sklearn python3-skimage python3-scipy
    cd model/metrics/testdata && /usr/bin/python3 gen_golden.py

Everything here is computed by the reference libraries themselves
(roc_auc_score, average_precision_score, precision_recall_curve, auc,
skimage.measure.label/regionprops, np.arange, np.round, np.mean), following
the CLIP-AD util/metrics.py / APRIL-GAN cal_pro_score semantics described in
spec section 7.2. Inputs are generated from fixed seeds.
"""
import json
import sys

import numpy as np
import scipy
import scipy.ndimage
import skimage
import sklearn
from skimage import measure
from sklearn.metrics import (auc, average_precision_score,
                             precision_recall_curve, roc_auc_score)

VERSIONS = {
    "python": sys.version.split()[0],
    "numpy": np.__version__,
    "scikit-learn": sklearn.__version__,
    "scikit-image": skimage.__version__,
    "scipy": scipy.__version__,
}


def f(x):
    """JSON number (repr round-trips float64 exactly); None for nan."""
    x = float(x)
    return None if np.isnan(x) else x


# ---------------------------------------------------------------- binary ---

def official_f1max(y, s):
    # as util/metrics.py: F1 over the PR curve, NaNs dropped, max taken
    p, r, _ = precision_recall_curve(y, s)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = (2 * p * r) / (p + r)
    return np.max(f1[np.isfinite(f1)])


def binary_case(name, scores, labels, dtype):
    s = np.asarray(scores, dtype=dtype)
    y = np.asarray(labels, dtype=np.int64)
    c = {"name": name, "dtype": np.dtype(dtype).name,
         "scores": [f(v) for v in s], "labels": [int(v) for v in y]}
    npos = int(y.sum())
    try:
        c["auroc"] = f(roc_auc_score(y, s))
    except ValueError as e:  # only one class present
        c["auroc"] = None
        c["auroc_error"] = str(e)
    if npos == 0:
        # sklearn warns and returns a meaningless value; CLIP-AD: n/a
        c["ap"] = None
        c["f1max"] = None
    else:
        c["ap"] = f(average_precision_score(y, s))
        c["f1max"] = f(official_f1max(y, s))
    return c


def gen_binary():
    rng = np.random.default_rng(20240601)
    cases = [
        # sklearn documentation example: AUROC 0.75, AP 0.8333
        binary_case("sklearn_doc", [0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], np.float64),
        binary_case("tie_pair", [1, 1, 0, 0], [1, 0, 1, 0], np.float64),
        binary_case("all_equal", [0.3] * 5, [1, 0, 1, 0, 0], np.float64),
        binary_case("perfect", [0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0], np.float64),
        binary_case("inverted", [0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1], np.float64),
        binary_case("no_positive", [0.1, 0.2, 0.3], [0, 0, 0], np.float64),
        binary_case("no_negative", [0.1, 0.2, 0.3], [1, 1, 1], np.float64),
        binary_case("signed_zero", [-0.0, 0.0, 0.0, -0.0, 1.0, -1.0], [1, 0, 1, 0, 0, 1], np.float64),
        binary_case("single_pos", [0.5, 0.2, 0.9, 0.1], [0, 1, 0, 0], np.float64),
    ]
    for i, (n, levels, p) in enumerate([(40, 5, 0.3), (300, 12, 0.2), (1000, 20, 0.5), (777, 3, 0.1)]):
        y = (rng.random(n) < p).astype(int)
        s = rng.integers(0, levels, n) / (levels - 1) + 0.15 * y * rng.integers(0, 2, n)
        cases.append(binary_case(f"ties_{i}", s, y, np.float64))
    for i, n in enumerate([25, 400]):
        y = (rng.random(n) < 0.4).astype(int)
        s = rng.standard_normal(n) + 0.8 * y
        cases.append(binary_case(f"continuous_{i}", s, y, np.float64))
    # pixel-like float32 with many ties
    n = 3000
    y = (rng.random(n) < 0.07).astype(int)
    s = (np.round(rng.random(n) * 64) / 64 + 0.3 * y * rng.random(n)).astype(np.float32)
    cases.append(binary_case("pixels_f32", s, y, np.float32))
    s = (rng.random(n) * 1e-3 + 2e-4 * y).astype(np.float32)
    cases.append(binary_case("pixels_f32_fine", s, y, np.float32))
    return cases


# ----------------------------------------------------------------- AUPRO ---

def thresholds(amaps, steps=200):
    lo, hi = amaps.min(), amaps.max()        # np.float32
    step = (hi - lo) / steps                  # legacy promotion: float64
    return np.arange(lo, hi, step)            # float64 array


def pro_curve(masks, amaps, connectivity=None, steps=200):
    """cal_pro_score's curve: masks float32 (N,H,W) 0/1, amaps float32."""
    labelled = [measure.label(m, connectivity=connectivity) for m in masks]
    regions = [measure.regionprops(l) for l in labelled]
    inverse = 1 - masks
    neg_total = inverse.sum()
    ths, pros, fprs = [], [], []
    for th in thresholds(amaps, steps):
        pred = amaps > th                    # float32 compare (value-based casting)
        overlaps = []
        for p, regs in zip(pred, regions):
            for reg in regs:
                overlaps.append(p[reg.coords[:, 0], reg.coords[:, 1]].sum() / reg.area)
        with np.errstate(invalid="ignore", divide="ignore"):
            pros.append(np.array(overlaps).mean() if overlaps else np.nan)
            fprs.append(np.logical_and(inverse, pred).sum() / neg_total)
        ths.append(th)
    return np.array(ths), np.array(pros), np.array(fprs), sum(len(r) for r in regions)


def aupro_from_curve(pros, fprs, expect_fpr=0.3):
    keep = fprs < expect_fpr
    x = fprs[keep]
    if len(x) < 2:
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        x = (x - x.min()) / (x.max() - x.min())
    try:
        v = auc(x, pros[keep])
    except ValueError:
        return None
    return f(v)


def aupro_case(name, amaps, masks):
    amaps = np.asarray(amaps, dtype=np.float32)
    masks = np.asarray(masks, dtype=np.float32)
    n, H, W = amaps.shape
    c = {"name": name, "H": H, "W": W,
         "maps": [[f(v) for v in m.ravel()] for m in amaps],
         "masks": [[int(v) for v in m.ravel()] for m in masks]}
    if amaps.max() == amaps.min():
        c["aupro"] = None
        return c
    ths, pros, fprs, nreg = pro_curve(masks, amaps)
    c.update({"thresholds": [f(t) for t in ths],
              "thresholds_f32": [f(np.float32(t)) for t in ths],
              "pro": [f(v) for v in pros], "fpr": [f(v) for v in fprs],
              "regions": nreg,
              "aupro": aupro_from_curve(pros, fprs) if nreg else None})
    _, pros4, fprs4, nreg4 = pro_curve(masks, amaps, connectivity=1)
    c["regions_conn1"] = nreg4
    c["aupro_conn1"] = aupro_from_curve(pros4, fprs4) if nreg4 else None
    return c


def blob_masks(rng, n, H, W, k):
    masks = np.zeros((n, H, W), bool)
    yy, xx = np.mgrid[:H, :W]
    for i in range(n):
        for _ in range(rng.integers(0, k + 1)):
            cy, cx = rng.integers(0, H), rng.integers(0, W)
            ry, rx = rng.uniform(1, H / 5), rng.uniform(1, W / 5)
            masks[i] |= ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
    return masks


def gen_aupro():
    rng = np.random.default_rng(7)
    cases = []
    # hand-made 6x6: two images, one with two regions, one with none
    m0 = np.zeros((6, 6)); m0[0:2, 0:2] = 1; m0[4, 3:6] = 1
    m1 = np.zeros((6, 6))
    a0 = np.arange(36, dtype=np.float32).reshape(6, 6) / 35
    a0[0:2, 0:2] += 0.5
    a1 = np.full((6, 6), 0.25, np.float32); a1[3, 3] = 0.9
    cases.append(aupro_case("hand_6x6", [a0, a1], [m0, m1]))

    # diagonal-only connectivity: a staircase is one region under
    # 8-connectivity (skimage default) but 5 regions under 4-connectivity
    H = W = 12
    md = np.zeros((2, H, W)); ad = rng.random((2, H, W)).astype(np.float32) * 0.6
    for k in range(5):
        md[0, 1 + k, 1 + k] = 1
    md[0, 8:11, 8:11] = 1
    md[1, 2, 9] = 1; md[1, 3, 10] = 1; md[1, 7, 2:6] = 1
    ad[0, 1:6, 1:6] += np.eye(5, dtype=np.float32) * rng.random(5).astype(np.float32)
    ad[0, 8:11, 8:11] += 0.3
    ad[1, 2, 9] += 0.5
    cases.append(aupro_case("diagonal", ad, md))

    # random smooth maps with blobs, incl. images without any region
    n, H, W = 6, 24, 24
    masks = blob_masks(rng, n, H, W, 3)
    masks[1] = False; masks[4] = False
    noise = scipy.ndimage.gaussian_filter(rng.standard_normal((n, H, W)), (0, 2, 2))
    amaps = (noise + 0.8 * scipy.ndimage.gaussian_filter(masks.astype(float), (0, 1.5, 1.5))).astype(np.float32)
    cases.append(aupro_case("random_blobs", amaps, masks))

    # values quantised so that many pixels sit exactly on thresholds
    n, H, W = 4, 16, 16
    masks = blob_masks(rng, n, H, W, 2)
    masks[0, 3:6, 3:6] = True
    lo, hi = np.float32(0.1), np.float32(0.9)
    ths = thresholds(np.array([lo, hi], np.float32))
    amaps = np.float32(ths[rng.integers(0, len(ths), (n, H, W))])
    amaps[masks] = np.float32(ths[rng.integers(len(ths) // 2, len(ths), int(masks.sum()))])
    amaps[0, 0, 0], amaps[0, 0, 1] = lo, hi
    cases.append(aupro_case("on_thresholds", amaps, masks))

    # a min/max pair for which np.arange yields 201 thresholds
    lo, hi = find_201(rng)
    n, H, W = 3, 10, 10
    masks = blob_masks(rng, n, H, W, 2)
    masks[2, 1:4, 1:4] = True
    amaps = (lo + (hi - lo) * rng.random((n, H, W)) ** 2).astype(np.float32)
    amaps[masks] = (lo + (hi - lo) * rng.random(int(masks.sum()))).astype(np.float32)
    amaps[0, 0, 0], amaps[1, 9, 9] = lo, hi
    c = aupro_case("len201", amaps, masks)
    assert len(c["thresholds"]) == 201, len(c["thresholds"])
    cases.append(c)

    # no ground-truth region anywhere: reference gives nan -> n/a
    amaps = rng.random((2, 5, 5)).astype(np.float32)
    cases.append(aupro_case("no_regions", amaps, np.zeros((2, 5, 5))))
    return cases


def find_201(rng):
    while True:
        lo = np.float32(rng.uniform(-2, 2))
        hi = np.float32(lo + np.float32(rng.uniform(1e-3, 5)))
        if hi > lo and len(thresholds(np.array([lo, hi], np.float32))) == 201:
            return lo, hi


def gen_arange():
    rng = np.random.default_rng(11)
    out, n201 = [], 0
    pairs = [(np.float32(0), np.float32(1)), (np.float32(-1), np.float32(1)),
             (np.float32(0.1), np.float32(0.7)), (np.float32(1000), np.float32(1000.5)),
             (np.float32(1e-6), np.float32(3e-6))]
    for _ in range(4000):
        e = rng.integers(-6, 4)
        lo = np.float32(rng.standard_normal() * 10.0 ** e)
        hi = np.float32(lo + np.float32(abs(rng.standard_normal()) * 10.0 ** rng.integers(e - 3, e + 2)))
        if not hi > lo:
            continue
        n = len(thresholds(np.array([lo, hi], np.float32)))
        if n == 201 and n201 < 12:
            pairs.append((lo, hi)); n201 += 1
        elif n == 200 and len(pairs) < 30:
            pairs.append((lo, hi))
    for lo, hi in pairs:
        th = thresholds(np.array([lo, hi], np.float32))
        out.append({"lo": f(lo), "hi": f(hi), "thresholds": [f(t) for t in th]})
    return out


# ------------------------------------------------------------- rounding ---

def gen_rounding():
    rng = np.random.default_rng(3)
    vals = [0.0, 1.0, 0.5, 0.12345, 0.12355, 0.98765, 0.9995, 0.99949999, 0.00049999,
            0.00050001, 0.0005, 0.1005, 0.2225, 0.6785, 0.91234, 0.333333333]
    vals += [round(float(v), 5) for v in rng.random(40)]
    vals += [float(v) for v in rng.random(20)]
    fmt = [{"v": v, "s": f"{np.round(np.float64(v) * 100, decimals=1):.1f}"} for v in vals]
    means = []
    for n in [1, 3, 7, 8, 9, 12, 15, 16, 17, 30, 130, 300]:
        xs = [float(v) for v in rng.random(n)]
        m = np.mean(xs)
        means.append({"values": xs, "mean": f(m),
                      "s": f"{np.round(m * 100, decimals=1):.1f}"})
    return {"format": fmt, "mean": means}


def main():
    golden = {"versions": VERSIONS, "binary": gen_binary(), "aupro": gen_aupro(),
              "arange": gen_arange(), "rounding": gen_rounding()}
    with open("golden.json", "w") as fh:
        json.dump(golden, fh, separators=(",", ":"))
        fh.write("\n")
    print(VERSIONS)


if __name__ == "__main__":
    main()
