// heatmap.js — drawing anomaly maps the way the CLI does
// (model/anomaly: ToOriginal, ColorizeJET, Overlay):
//   1. the smoothed size×size map (for the squashed model input) is resized
//      bilinearly (PyTorch align_corners=False) to the image's own W×H, so
//      stretching it back to the original aspect is exact;
//   2. per-map min–max normalisation, uint8 by truncation (float32 maths),
//      OpenCV COLORMAP_JET (the LUT comes from the Go core: clipad.jet());
//   3. overlay = uint8(α·image + (1−α)·jet) with α = 1 − opacity
//      (the CLI's overlay is opacity 0.5).

const f32 = Math.fround;

function taps(inN, outN) {
	const i0 = new Int32Array(outN);
	const i1 = new Int32Array(outN);
	const w1 = new Float64Array(outN);
	const scale = inN / outN;
	for (let d = 0; d < outN; d++) {
		let src = scale * (d + 0.5) - 0.5;
		if (src < 0) src = 0;
		let a = Math.floor(src);
		if (a > inN - 1) a = inN - 1;
		i0[d] = a;
		i1[d] = a < inN - 1 ? a + 1 : a;
		w1[d] = src - a;
	}
	return { i0, i1, w1 };
}

// resize returns the inH×inW map resized to outH×outW (Float32Array).
export function resize(src, inW, inH, outW, outH) {
	const ty = taps(inH, outH);
	const tx = taps(inW, outW);
	const out = new Float32Array(outW * outH);
	for (let y = 0; y < outH; y++) {
		const r0 = ty.i0[y] * inW;
		const r1 = ty.i1[y] * inW;
		const b = ty.w1[y];
		const a = 1 - b;
		const o = y * outW;
		for (let x = 0; x < outW; x++) {
			const p = tx.i0[x];
			const q = tx.i1[x];
			const wq = tx.w1[x];
			const wp = 1 - wq;
			out[o + x] = a * (wp * src[r0 + p] + wq * src[r0 + q]) + b * (wp * src[r1 + p] + wq * src[r1 + q]);
		}
	}
	return out;
}

// jetIndex: per-map min–max to 0…255 by truncation, in float32 like numpy.
export function jetIndex(m) {
	let lo = m[0];
	let hi = m[0];
	for (let i = 1; i < m.length; i++) {
		const v = m[i];
		if (v < lo) lo = v;
		if (v > hi) hi = v;
	}
	const idx = new Uint8Array(m.length);
	if (hi > lo) {
		const den = f32(hi - lo);
		for (let i = 0; i < m.length; i++) {
			const mask = f32(f32(m[i] - lo) / den);
			idx[i] = f32(mask * 255) | 0;
		}
	}
	return idx;
}

// jetIndexRange: like jetIndex with a fixed range (shared colour scale).
export function jetIndexRange(m, lo, hi) {
	const idx = new Uint8Array(m.length);
	if (hi > lo) {
		const den = f32(hi - lo);
		for (let i = 0; i < m.length; i++) {
			const mask = Math.min(1, Math.max(0, f32(f32(m[i] - lo) / den)));
			idx[i] = f32(mask * 255) | 0;
		}
	}
	return idx;
}

// Rendering holds one result at one resolution, ready to draw any view.
export class Rendering {
	// rgba: the image's pixels at w×h (Uint8ClampedArray from a canvas);
	// map: the size×size Float32Array; jet: the 768-byte LUT.
	constructor({ rgba, w, h, map, size, jet, range }) {
		this.w = w;
		this.h = h;
		this.rgba = rgba;
		this.jet = jet;
		const full = resize(map, size, size, w, h);
		this.idx = range ? jetIndexRange(full, range[0], range[1]) : jetIndex(full);
	}

	// pixels renders one view into a new ImageData-compatible array.
	// view: "overlay" | "raw" | "image"; opacity in [0,1].
	pixels(view, opacity) {
		const { w, h, rgba, idx, jet } = this;
		const out = new Uint8ClampedArray(4 * w * h);
		const alpha = 1 - opacity;
		for (let i = 0, n = w * h; i < n; i++) {
			const j = 3 * idx[i];
			const o = 4 * i;
			if (view === "raw") {
				out[o] = jet[j];
				out[o + 1] = jet[j + 1];
				out[o + 2] = jet[j + 2];
			} else if (view === "image") {
				out[o] = rgba[o];
				out[o + 1] = rgba[o + 1];
				out[o + 2] = rgba[o + 2];
			} else {
				// truncation as the CLI (uint8 of a float64 blend)
				out[o] = (alpha * rgba[o] + (1 - alpha) * jet[j]) | 0;
				out[o + 1] = (alpha * rgba[o + 1] + (1 - alpha) * jet[j + 1]) | 0;
				out[o + 2] = (alpha * rgba[o + 2] + (1 - alpha) * jet[j + 2]) | 0;
			}
			out[o + 3] = 255;
		}
		return out;
	}

	// draw puts the view on canvas: "overlay", "raw", or "side" (the image
	// and the overlay next to each other, with a gap).
	draw(canvas, view, opacity) {
		const { w, h } = this;
		const gap = view === "side" ? Math.max(4, Math.round(w / 50)) : 0;
		canvas.width = view === "side" ? 2 * w + gap : w;
		canvas.height = h;
		const ctx = canvas.getContext("2d");
		if (view === "side") {
			ctx.fillStyle = "#fff";
			ctx.fillRect(0, 0, canvas.width, h);
			ctx.putImageData(new ImageData(this.pixels("image", opacity), w, h), 0, 0);
			ctx.putImageData(new ImageData(this.pixels("overlay", opacity), w, h), w + gap, 0);
		} else {
			ctx.putImageData(new ImageData(this.pixels(view, opacity), w, h), 0, 0);
		}
	}
}

// decodeImage returns the image's pixels at most maxSide on its long side
// (or its own size), ignoring EXIF orientation and colour profiles like the
// Go decoder does, so that the map lines up with what was analysed.
export async function decodeImage(blob, maxSide) {
	let bmp;
	try {
		bmp = await createImageBitmap(blob, { imageOrientation: "none", colorSpaceConversion: "none", premultiplyAlpha: "none" });
	} catch (e) {
		bmp = await createImageBitmap(blob);
	}
	const s = maxSide ? Math.min(1, maxSide / Math.max(bmp.width, bmp.height)) : 1;
	const w = Math.max(1, Math.round(bmp.width * s));
	const h = Math.max(1, Math.round(bmp.height * s));
	const cv = new OffscreenCanvas(w, h);
	const ctx = cv.getContext("2d", { willReadFrequently: true });
	ctx.imageSmoothingQuality = "high";
	ctx.drawImage(bmp, 0, 0, w, h);
	const natural = { width: bmp.width, height: bmp.height };
	bmp.close();
	return { rgba: ctx.getImageData(0, 0, w, h).data, w, h, natural };
}
