#!/usr/bin/python3
"""Golden data for model/imageio and model/preprocess, computed with Pillow.

Run with Debian's Python (apt-get install -y python3-pil python3-numpy):

    /usr/bin/python3 model/preprocess/testdata/gen_golden.py

It rewrites
  model/preprocess/testdata/in/*.png        small synthetic inputs
  model/preprocess/testdata/out/*.png       Pillow's outputs (uint8)
  model/preprocess/testdata/out/*.f32       Pillow mode "F" outputs (float32 LE)
  model/preprocess/testdata/golden.json     the cases
  model/imageio/testdata/*.png|*.jpg        decoding inputs
  model/imageio/testdata/golden.json        Pillow's decoded pixels

Real images from ../shared/data (beside the repository) are only read here;
for them golden.json keeps a sha256 of Pillow's output plus a few sample
pixels (PNG, decoded identically by Go), or the full 240x240 output (JPEG,
whose decoding differs slightly between Go and libjpeg).

The reference pipeline (spec 1.2) is
    Image.open(p).resize((S, S), Image.BICUBIC).convert('RGB')
and every "rgb" expectation below is exactly that expression, except where a
case's "pil" field says otherwise (16-bit gray, palette and 1-bit images,
where clipad deliberately deviates; see model/imageio/doc.go).
"""
import base64
import warnings
import hashlib
import io
import json
import os
import struct
import sys
import zlib

import numpy as np
import PIL
from PIL import Image, ImageFilter

# Pillow warns about palette transparency given as bytes; irrelevant here.
warnings.filterwarnings("ignore", message="Palette images with Transparency")

HERE = os.path.dirname(os.path.abspath(__file__))
PRE = HERE
IO = os.path.join(HERE, "..", "..", "imageio", "testdata")
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
BIC = Image.Resampling.BICUBIC
BIL = Image.Resampling.BILINEAR


def find_shared():
    d = REPO
    while True:
        c = os.path.join(d, "shared", "data")
        if os.path.isdir(c):
            return c
        p = os.path.dirname(d)
        if p == d:
            return None
        d = p


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()


def sha(a):
    return hashlib.sha256(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).hexdigest()


# ---------------------------------------------------------------- raw PNG writer
def png_bytes(w, h, ct, depth, rows, plte=None, trns=None):
    """A minimal PNG encoder (filter 0) for any colour type / bit depth.
    rows: list of bytes objects, each already packed for (ct, depth)."""
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ct, 0, 0, 0))
    if plte is not None:
        out += chunk(b"PLTE", plte)
    if trns is not None:
        out += chunk(b"tRNS", trns)
    raw = b"".join(b"\x00" + r for r in rows)
    out += chunk(b"IDAT", zlib.compress(raw, 9))
    out += chunk(b"IEND", b"")
    return out


def png_interlaced_rgb(a):
    """An Adam7-interlaced 8-bit RGB PNG of the HxWx3 array a."""
    h, w = a.shape[:2]
    raw = b""
    for (x0, y0, dx, dy) in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
        sub = a[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        raw += b"".join(b"\x00" + sub[y].tobytes() for y in range(sub.shape[0]))

    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 1)) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def pack_bits(vals, depth):
    """Pack a row of small ints MSB-first at the given bit depth (<8)."""
    per = 8 // depth
    out = bytearray()
    for i in range(0, len(vals), per):
        b = 0
        for j in range(per):
            v = vals[i + j] if i + j < len(vals) else 0
            b |= (int(v) & ((1 << depth) - 1)) << (8 - depth * (j + 1))
        out.append(b)
    return bytes(out)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


FULL = None  # --full DIR: also dump every output as a PNG there (debugging)
SMALL = 128 * 128  # outputs with more pixels are stored as sha256 + samples


def store(arr, mode, fn, force_file=False):
    """Keep an expected uint8 output: the file itself when small, else its
    sha256 and a few sample pixels (the Go test recomputes it)."""
    h, w = arr.shape[:2]
    if FULL:
        save_png(Image.fromarray(arr, mode), os.path.join(FULL, os.path.basename(fn)))
    if force_file or w * h <= SMALL:
        save_png(Image.fromarray(arr, mode), os.path.join(PRE, fn))
        return {"file": fn}
    pts = [(0, 0), (w - 1, h - 1), (w // 2, h // 3), (w // 7, h - 2), (w - 3, 1), (123 % w, 77 % h)]
    return {"sha256": sha(arr), "samples": [[x, y] + np.atleast_1d(arr[y, x]).tolist() for x, y in pts]}


def save_png(im, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    im.save(path, optimize=True)


# --------------------------------------------------------------- procedural input
def procedural(w, h, c):
    """The same integer formula is in the Go tests (proceduralImage)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.uint32)
    out = np.empty((h, w, c), np.uint8)
    for ch in range(c):
        v = (x * np.uint32(73856093)) ^ (y * np.uint32(19349663)) ^ np.uint32((ch + 1) * 83492791)
        v ^= v >> np.uint32(13)
        v *= np.uint32(0x5BD1E995)
        v ^= v >> np.uint32(15)
        smooth = (x * np.uint32(255) // np.uint32(max(w - 1, 1)) + y * np.uint32(255) // np.uint32(max(h - 1, 1)) * np.uint32(ch + 1)) & np.uint32(255)
        edge = np.where(((x // np.uint32(37)) + (y // np.uint32(29))) % np.uint32(2) == 0, np.uint32(60), np.uint32(0))
        out[..., ch] = ((smooth * np.uint32(3) + (v & np.uint32(255)) + edge * np.uint32(4)) // np.uint32(4) & np.uint32(255)).astype(np.uint8)
    return out


def rng_img(seed, h, w, c=None):
    r = np.random.RandomState(seed)
    shape = (h, w) if c is None else (h, w, c)
    a = r.randint(0, 256, size=shape).astype(np.int32)
    # add some structure so that both flat areas and hard edges occur
    yy, xx = np.mgrid[0:h, 0:w]
    block = ((xx * 4 // max(w, 1)) + (yy * 3 // max(h, 1))) % 2
    if c is not None:
        block = block[..., None]
    a = np.where(block == 1, a // 4 + 190, a)
    a[0, :] = 0
    a[-1, -1] = 255
    return np.clip(a, 0, 255).astype(np.uint8)


# -------------------------------------------------------------------- preprocess
def pre_inputs():
    """Synthetic inputs (name -> file bytes) and what Go should read them as."""
    ins = {}
    ins["rgb_37x23"] = Image.fromarray(rng_img(1, 23, 37, 3), "RGB")
    ins["rgb_13x7"] = Image.fromarray(rng_img(2, 7, 13, 3), "RGB")
    ins["l_29x31"] = Image.fromarray(rng_img(3, 31, 29), "L")
    rgba = rng_img(4, 23, 37, 4)
    rgba[..., 3] = np.tile(np.linspace(0, 255, 37).astype(np.uint8), (23, 1))
    rgba[5:9, :, 3] = 0
    rgba[10:12, :, 3] = 255
    rgba[15, ::3, 3] = 1
    ins["rgba_37x23"] = Image.fromarray(rgba, "RGBA")
    la = np.stack([rng_img(5, 19, 21), rng_img(6, 19, 21)], axis=-1)
    ins["la_21x19"] = Image.fromarray(la, "LA")
    # palette with transparency
    pal = rng_img(7, 1, 16, 3).reshape(-1)
    idx = rng_img(8, 25, 25) % 16
    p = Image.fromarray(idx, "P")
    p.putpalette(pal.tolist())
    ins["p_25x25"] = p
    return ins


def raw_inputs():
    """PNGs Pillow cannot write directly (16-bit, tRNS colour keys, 1-bit)."""
    r = np.random.RandomState(11)
    files = {}
    # 16-bit RGB 23x17
    a = r.randint(0, 65536, size=(17, 23, 3)).astype(">u2")
    files["rgb16_23x17"] = png_bytes(23, 17, 2, 16, [a[y].tobytes() for y in range(17)])
    # 16-bit RGBA 19x13 with varying alpha
    a = r.randint(0, 65536, size=(13, 19, 4)).astype(">u2")
    a[2:4, :, 3] = 65535
    a[6, :, 3] = 0
    files["rgba16_19x13"] = png_bytes(19, 13, 6, 16, [a[y].tobytes() for y in range(13)])
    # 16-bit gray+alpha
    a = r.randint(0, 65536, size=(11, 15, 2)).astype(">u2")
    files["la16_15x11"] = png_bytes(15, 11, 4, 16, [a[y].tobytes() for y in range(11)])
    # 16-bit gray 31x27 (clipad maps (v+128)//257)
    a = r.randint(0, 65536, size=(27, 31)).astype(">u2")
    files["gray16_31x27"] = png_bytes(31, 27, 0, 16, [a[y].tobytes() for y in range(27)])
    # 8-bit RGB with a tRNS colour key that occurs in the image
    a = (r.randint(0, 4, size=(21, 17, 3)) * 85).astype(np.uint8)
    files["rgbtrns_17x21"] = png_bytes(17, 21, 2, 8, [a[y].tobytes() for y in range(21)],
                                       trns=struct.pack(">HHH", 85, 170, 0))
    # 8-bit gray with tRNS
    a = (r.randint(0, 4, size=(13, 16)) * 85).astype(np.uint8)
    files["graytrns_16x13"] = png_bytes(16, 13, 0, 8, [a[y].tobytes() for y in range(13)],
                                        trns=struct.pack(">H", 170))
    # 1-bit gray
    a = r.randint(0, 2, size=(9, 19))
    files["gray1_19x9"] = png_bytes(19, 9, 0, 1, [pack_bits(a[y], 1) for y in range(9)])
    # 4-bit gray, 2-bit palette with tRNS (non-simple palette alpha)
    a = r.randint(0, 16, size=(8, 11))
    files["gray4_11x8"] = png_bytes(11, 8, 0, 4, [pack_bits(a[y], 4) for y in range(8)])
    a = r.randint(0, 4, size=(10, 9))
    files["p2trns_9x10"] = png_bytes(9, 10, 3, 2, [pack_bits(a[y], 2) for y in range(10)],
                                     plte=bytes(r.randint(0, 256, size=12).astype(np.uint8)),
                                     trns=bytes([0, 128, 255]))
    return files


def go_view(im):
    """What clipad's imageio.FromImage holds for a Pillow-opened image:
    (mode, uint8 array). This is the documented mapping, computed from
    Pillow's own pixel values."""
    if im.mode == "1":
        return "L", np.array(im.convert("L"))
    if im.mode == "L":
        return "L", np.array(im)
    if im.mode in ("I", "I;16", "I;16B"):
        v = np.array(im).astype(np.int64)
        return "L", ((v + 128) // 257).astype(np.uint8)
    if im.mode == "P":
        return "RGB", np.array(im.convert("RGB"))
    if im.mode == "RGB":
        return "RGB", np.array(im)
    if im.mode in ("RGBA", "LA"):
        a = np.array(im.convert("RGBA"))
        if (a[..., 3] == 255).all():
            return "RGB", a[..., :3]
        return "RGBA", a
    if im.mode == "CMYK":
        return "CMYK", np.array(im)
    raise ValueError(im.mode)


def pipeline(im, w, h):
    """(rgb array, description) of what clipad must produce."""
    if im.mode in ("P", "1"):
        return (np.array(im.convert("RGB").resize((w, h), BIC)),
                "Image.open(p).convert('RGB').resize(size, BICUBIC) [Pillow itself would use NEAREST for mode %s]" % im.mode)
    if im.mode in ("I", "I;16", "I;16B"):
        _, g = go_view(im)
        return (np.array(Image.fromarray(g, "L").resize((w, h), BIC).convert("RGB")),
                "L=(v+128)//257 then resize(size, BICUBIC).convert('RGB') [Pillow's I->RGB would clip at 255]")
    return np.array(im.resize((w, h), BIC).convert("RGB")), "Image.open(p).resize(size, BICUBIC).convert('RGB')"


def main():
    shared = find_shared()
    os.makedirs(os.path.join(PRE, "in"), exist_ok=True)
    os.makedirs(os.path.join(PRE, "out"), exist_ok=True)
    for d in (os.path.join(PRE, "in"), os.path.join(PRE, "out")):
        for f in os.listdir(d):
            os.remove(os.path.join(d, f))

    files = {}
    for name, im in pre_inputs().items():
        buf = io.BytesIO()
        im.save(buf, "PNG", optimize=True)
        files[name] = buf.getvalue()
    files.update(raw_inputs())
    for name, data in files.items():
        write(os.path.join(PRE, "in", name + ".png"), data)

    cases = []

    def add_case(name, src, w, h, im, extra=None):
        rgb, how = pipeline(im, w, h)
        c = {"name": name, "input": src, "w": w, "h": h, "pil": how}
        c["rgb"] = store(rgb, "RGB", "out/%s.png" % name)
        if extra:
            c.update(extra)
        cases.append(c)

    def opened(name):
        return Image.open(os.path.join(PRE, "in", name + ".png"))

    sizes = {
        "rgb_37x23": [(240, 240), (16, 9), (37, 10), (10, 23), (50, 23), (37, 60), (1, 1), (3, 100)],
        "rgb_13x7": [(240, 240), (240, 160), (5, 3)],
        "l_29x31": [(240, 240), (7, 5), (29, 40)],
        "rgba_37x23": [(240, 240), (17, 11), (50, 23), (37, 9)],
        "la_21x19": [(240, 240), (8, 30)],
        "p_25x25": [(240, 240), (9, 9)],
        "rgb16_23x17": [(240, 240), (10, 7)],
        "rgba16_19x13": [(240, 240), (7, 5)],
        "la16_15x11": [(240, 240)],
        "gray16_31x27": [(240, 240), (12, 10)],
        "rgbtrns_17x21": [(240, 240), (7, 9)],
        "graytrns_16x13": [(240, 240)],
        "gray1_19x9": [(240, 240)],
        "gray4_11x8": [(240, 240)],
        "p2trns_9x10": [(240, 240)],
    }
    for name, szs in sizes.items():
        im = opened(name)
        for (w, h) in szs:
            extra = None
            if im.mode in ("RGBA", "LA"):
                # also the straight-alpha RGBA result of resize() itself
                r = np.array(im.resize((w, h), BIC).convert("RGBA"))
                extra = {"rgba": store(r, "RGBA", "out/%s_%dx%d_rgba.png" % (name, w, h))}
            add_case("%s_%dx%d" % (name, w, h), "in/%s.png" % name, w, h, im, extra=extra)

    # identity: resizing to the same size returns the image itself
    for name in ("rgb_37x23", "rgba_37x23", "l_29x31"):
        im = opened(name)
        add_case("%s_identity" % name, "in/%s.png" % name, im.size[0], im.size[1], im)

    # procedural images that the Go test regenerates (not stored)
    for (w, h, c, ow, oh) in [(901, 899, 3, 240, 240), (901, 899, 3, 224, 336), (1024, 768, 3, 240, 240),
                              (300, 1000, 3, 240, 240), (640, 480, 1, 240, 240), (333, 222, 4, 240, 240)]:
        arr = procedural(w, h, c)
        im = Image.fromarray(arr if c != 1 else arr[..., 0], {1: "L", 3: "RGB", 4: "RGBA"}[c])
        extra = None
        if c == 4:
            extra = {"rgba": store(np.array(im.resize((ow, oh), BIC)), "RGBA", "out/proc_rgba.png")}
        add_case("proc_%dx%dx%d_%dx%d" % (w, h, c, ow, oh), "proc:%d:%d:%d" % (w, h, c), ow, oh, im, extra=extra)

    # CMYK: stored as RGBA PNGs whose four bytes are C, M, Y, K
    cm = rng_img(12, 15, 21, 4)
    save_png(Image.fromarray(cm, "RGBA"), os.path.join(PRE, "in", "cmyk_21x15.png"))
    cmyk = Image.frombytes("CMYK", (21, 15), cm.tobytes())
    cmyk_cases = []
    for (w, h) in [(240, 240), (8, 6)]:
        r = cmyk.resize((w, h), BIC)
        fr = store(np.array(r), "RGBA", "out/cmyk_21x15_%dx%d_cmyk.png" % (w, h))
        fg = store(np.array(r.convert("RGB")), "RGB", "out/cmyk_21x15_%dx%d_rgb.png" % (w, h))
        cmyk_cases.append({"name": "cmyk_%dx%d" % (w, h), "input": "in/cmyk_21x15.png", "w": w, "h": h,
                           "cmyk": fr, "rgb": fg, "pil": "Image.frombytes('CMYK').resize(size, BICUBIC), .convert('RGB')"})
    fg = store(np.array(cmyk.convert("RGB")), "RGB", "out/cmyk_21x15_rgb.png")
    cmyk_cases.append({"name": "cmyk_convert", "input": "in/cmyk_21x15.png", "rgb": fg, "pil": "convert('RGB')"})

    # convert('L') of RGB and RGBA
    gray_cases = []
    for name in ("rgb_37x23", "rgba_37x23"):
        fn = store(np.array(opened(name).convert("L")), "L", "out/%s_L.png" % name)
        gray_cases.append({"input": "in/%s.png" % name, "gray": fn})

    # masks: L, bilinear
    mr = np.random.RandomState(13)
    m = np.zeros((23, 37), np.uint8)
    m[5:15, 10:30] = 255
    m[17:20, 2:6] = 255
    m[0, :] = 1            # faint non-zero values: >0 -> 255 matters
    m[8, 3] = 90
    save_png(Image.fromarray(m, "L"), os.path.join(PRE, "in", "mask_37x23.png"))
    mg = mr.randint(0, 256, size=(29, 41)).astype(np.uint8)
    save_png(Image.fromarray(mg, "L"), os.path.join(PRE, "in", "maskgray_41x29.png"))
    mask_cases = []
    for name in ("mask_37x23", "maskgray_41x29"):
        mim = Image.open(os.path.join(PRE, "in", name + ".png")).convert("L")
        for (w, h) in [(240, 240), (13, 9), (41, 7)]:
            fn = store(np.array(mim.resize((w, h), BIL)), "L", "out/%s_bil_%dx%d.png" % (name, w, h))
            mask_cases.append({"name": "%s_bil_%dx%d" % (name, w, h), "input": "in/%s.png" % name,
                               "w": w, "h": h, "gray": fn, "pil": "convert('L').resize(size, BILINEAR)"})
        for nz in (True, False):
            a = np.array(mim)
            if nz:
                a = ((a > 0).astype(np.uint8) * 255)
            r = np.array(Image.fromarray(a, "L").resize((240, 240), BIL))
            t = (r.astype(np.float32) / np.float32(255.0)) > 0.5
            fn = store(t.astype(np.uint8), "L", "out/%s_target_%s.png" % (name, "nz" if nz else "raw"), force_file=True)
            mask_cases.append({"name": "%s_target_%s" % (name, "nz" if nz else "raw"), "input": "in/%s.png" % name,
                               "size": 240, "nonzero": nz, "target": fn,
                               "pil": "(>0 -> 255) resize((240,240), BILINEAR); ToTensor > 0.5"})

    # float ("F" mode) maps
    fr = np.random.RandomState(14)
    fm = (fr.standard_normal((15, 15)) * 3).astype(np.float32)
    write(os.path.join(PRE, "in", "map_15x15.f32"), fm.astype("<f4").tobytes())
    fimg = Image.frombytes("F", (15, 15), fm.astype("<f4").tobytes())
    float_cases = []
    for (w, h, flt, fname) in [(60, 60, BIL, "bilinear"), (240, 240, BIL, "bilinear"), (37, 11, BIC, "bicubic"),
                               (7, 5, BIL, "bilinear"), (15, 40, BIC, "bicubic")]:
        r = np.array(fimg.resize((w, h), flt), dtype="<f4")
        c = {"name": "map_%s_%dx%d" % (fname, w, h), "input": "in/map_15x15.f32", "sw": 15, "sh": 15,
             "w": w, "h": h, "filter": fname}
        if w * h > 4000:
            c["sha256"] = hashlib.sha256(r.tobytes()).hexdigest()
        else:
            fn = "out/map_%s_%dx%d.f32" % (fname, w, h)
            write(os.path.join(PRE, fn), r.tobytes())
            c["out"] = fn
        float_cases.append(c)

    # normalisation: every uint8 value, every channel, as torch computes it
    mean = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
    std = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
    v = np.arange(256, dtype=np.float32) / np.float32(255)
    norm = [((v - mean[c]) / std[c]).astype("<f4") for c in range(3)]
    normal = {"mean_bits": [int(x) for x in mean.view(np.uint32)],
              "std_bits": [int(x) for x in std.view(np.uint32)],
              "table_bits": [[int(x) for x in n.view(np.uint32)] for n in norm]}
    try:
        import torch  # noqa: F401  (not in Debian; numpy float32 is the same IEEE arithmetic)
        normal["checked_with_torch"] = True
    except Exception:
        normal["checked_with_torch"] = False

    # real files from ../shared/data
    real = []
    if shared:
        def real_case(rel, kind, size=240, w=None, h=None):
            p = os.path.join(shared, rel)
            im = Image.open(p)
            w = w or size
            h = h or size
            c = {"file": rel, "kind": kind, "w": w, "h": h, "file_sha256": hashlib.sha256(open(p, "rb").read()).hexdigest()}
            if kind in ("rgb", "rgb_jpeg"):
                rgb, how = pipeline(im, w, h)
                c["pil"] = how
                c["sha256"] = sha(rgb)
                pts = [(0, 0), (w - 1, h - 1), (w // 2, h // 2), (w // 5, h - 3), (w - 7, 4), (123 % w, 77 % h)]
                c["samples"] = [[x, y] + rgb[y, x].tolist() for x, y in pts]
                if kind == "rgb_jpeg":
                    fn = "out/real_%s.png" % rel.replace("/", "_").replace(" ", "_").rsplit(".", 1)[0]
                    c["rgb"] = store(rgb, "RGB", fn, force_file=True)
            elif kind == "mask":
                g = im.convert("L")
                a = (np.array(g) > 0).astype(np.uint8) * 255
                r = np.array(Image.fromarray(a, "L").resize((w, h), BIL))
                t = ((r.astype(np.float32) / np.float32(255.0)) > 0.5).astype(np.uint8)
                c["pil"] = "convert('L') >0 ->255, resize(BILINEAR), /255 > 0.5"
                c["bilinear_sha256"] = sha(r)
                c["target_sha256"] = sha(t)
                c["target_ones"] = int(t.sum())
                c["bilinear_plain_sha256"] = sha(np.array(g.resize((w, h), BIL)))
            real.append(c)

        real_case("mvtec/bottle/good/000.png", "rgb")
        real_case("mvtec/transistor/anomaly/bent_lead/000.png", "rgb")
        real_case("mvtec/bottle/anomaly/broken_large/000.png", "rgb", w=336, h=224)
        real_case("mvtec/bottle/mask/broken_large/000_mask.png", "mask")
        real_case("mvtec/transistor/mask/misplaced/000_mask.png", "mask")
        real_case("brainmri/brain/good/1 no.jpeg", "rgb_jpeg")
        real_case("visa/pcb3/anomaly/defective.jpg", "rgb_jpeg")
    else:
        print("warning: ../shared/data not found; no real-image cases", file=sys.stderr)

    golden = {
        "versions": {"pillow": PIL.__version__, "numpy": np.__version__, "python": sys.version.split()[0]},
        "cases": cases, "cmyk": cmyk_cases, "gray": gray_cases,
        "masks": mask_cases, "float": float_cases, "normalize": normal, "real": real,
    }
    with open(os.path.join(PRE, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")

    gen_imageio(files)


# ----------------------------------------------------------------------- imageio
def gen_imageio(files):
    os.makedirs(IO, exist_ok=True)
    for f in os.listdir(IO):
        if f.endswith((".png", ".jpg", ".json")):
            os.remove(os.path.join(IO, f))
    dec = []
    # PNG variants: raw ones plus Pillow-written L/RGB/RGBA/LA/P
    small = {}
    small["l8_7x5"] = Image.fromarray(rng_img(21, 5, 7), "L")
    small["rgb8_7x5"] = Image.fromarray(rng_img(22, 5, 7, 3), "RGB")
    a = rng_img(23, 5, 7, 4)
    a[1, 2, 3] = 0
    small["rgba8_7x5"] = Image.fromarray(a, "RGBA")
    a = rng_img(24, 5, 7, 4)
    a[..., 3] = 255
    small["rgbaopaque_7x5"] = Image.fromarray(a, "RGBA")
    small["la8_7x5"] = Image.fromarray(np.stack([rng_img(25, 5, 7), rng_img(26, 5, 7)], -1), "LA")
    p = Image.fromarray(rng_img(27, 5, 7) % 6, "P")
    p.putpalette(rng_img(28, 1, 6, 3).reshape(-1).tolist())
    small["p8_7x5"] = p
    p2 = p.copy()
    p2.info["transparency"] = 2
    small["p8trns_7x5"] = p2
    for name, im in small.items():
        buf = io.BytesIO()
        if "transparency" in im.info:
            im.save(buf, "PNG", transparency=im.info["transparency"])
        else:
            im.save(buf, "PNG")
        write(os.path.join(IO, name + ".png"), buf.getvalue())
    write(os.path.join(IO, "rgb_interlaced_13x11.png"), png_interlaced_rgb(rng_img(29, 11, 13, 3)))
    for name in list(small) + ["rgb_interlaced_13x11", "rgb16_23x17", "rgba16_19x13", "la16_15x11", "gray16_31x27", "rgbtrns_17x21",
                               "graytrns_16x13", "gray1_19x9", "gray4_11x8", "p2trns_9x10"]:
        fn = name + ".png"
        if not os.path.exists(os.path.join(IO, fn)):
            write(os.path.join(IO, fn), open(os.path.join(PRE, "in", fn), "rb").read())
        im = Image.open(os.path.join(IO, fn))
        mode, arr = go_view(im)
        dec.append({"file": fn, "pil_mode": im.mode, "mode": mode, "w": im.size[0], "h": im.size[1],
                    "pix": b64(arr), "rgb": b64(np.array(im.convert("RGB")) if im.mode not in ("I", "I;16", "I;16B")
                                               else np.repeat(go_view(im)[1][..., None], 3, -1))})
    # JPEGs: Pillow-encoded; expected = Pillow's (libjpeg) decoded pixels.
    jp = []
    base = procedural(64, 48, 3)
    smooth = np.array(Image.fromarray(base, "RGB").filter(ImageFilter.GaussianBlur(2)))
    variants = [
        ("gray_q90", Image.fromarray(smooth[..., 0], "L"), dict(quality=90)),
        ("ycc444_q95", Image.fromarray(smooth, "RGB"), dict(quality=95, subsampling=0)),
        ("ycc420_q90", Image.fromarray(smooth, "RGB"), dict(quality=90, subsampling=2)),
        ("ycc420_prog", Image.fromarray(smooth, "RGB"), dict(quality=85, subsampling=2, progressive=True)),
        ("ycc422_q90", Image.fromarray(smooth, "RGB"), dict(quality=90, subsampling=1)),
        ("ycc420_odd_63x47", Image.fromarray(smooth[:47, :63], "RGB"), dict(quality=92, subsampling=2)),
        ("ycc422_odd_61x45", Image.fromarray(smooth[:45, :61], "RGB"), dict(quality=92, subsampling=1)),
        ("ycc420_tiny_4x3", Image.fromarray(smooth[:3, :4], "RGB"), dict(quality=90, subsampling=2)),
        ("cmyk_q95", Image.fromarray(smooth, "RGB").convert("CMYK"), dict(quality=95)),
    ]
    for name, im, kw in variants:
        fn = "jpeg_%s.jpg" % name
        im.save(os.path.join(IO, fn), "JPEG", **kw)
        d = Image.open(os.path.join(IO, fn))
        d.load()
        jp.append({"file": fn, "pil_mode": d.mode, "w": d.size[0], "h": d.size[1], "pix": b64(np.array(d)),
                   "rgb": b64(np.array(d.convert("RGB")))})
    # convert('L') on a grid of RGB values and convert('RGB') on CMYK values
    grid = np.array([[r, g, b] for r in range(0, 256, 15) for g in range(1, 256, 7) for b in range(2, 256, 17)], np.uint8)
    luma = {"rgb": b64(grid), "l": b64(np.array(Image.fromarray(grid.reshape(1, -1, 3), "RGB").convert("L")).reshape(-1))}
    cg = np.array([[c, m, y, k] for c in range(0, 256, 51) for m in range(3, 256, 37) for y in (0, 77, 255)
                   for k in range(0, 256, 15)], np.uint8)
    cmyk = {"cmyk": b64(cg), "rgb": b64(np.array(Image.frombytes("CMYK", (len(cg), 1), cg.tobytes()).convert("RGB")).reshape(-1))}
    with open(os.path.join(IO, "golden.json"), "w") as f:
        json.dump({"versions": {"pillow": PIL.__version__, "numpy": np.__version__},
                   "png": dec, "jpeg": jp, "luma": luma, "cmyk2rgb": cmyk}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--full":
        FULL = sys.argv[2]
        os.makedirs(FULL, exist_ok=True)
    main()
