package anomaly

import (
	"fmt"
	"math"
)

// jetLUT is OpenCV's COLORMAP_JET as RGB, built the way OpenCV builds it
// (modules/imgproc/src/colormap.cpp, class Jet): the GNU Octave "jet" base
// map sampled at 256 breakpoints X = linspace(0, 1, 256) (float32,
// X_i = 0 + i·step, step = 1/255), per channel
//
//	r(x) = clamp(min(4x − 1.5, −4x + 4.5), 0, 1)
//	g(x) = clamp(min(4x − 0.5, −4x + 3.5), 0, 1)
//	b(x) = clamp(min(4x + 0.5, −4x + 2.5), 0, 1)
//
// stored as float32, re-interpolated by OpenCV's interp1 at the same 256
// points (binary search, y = Y_lo + (x − X_lo)·(Y_hi − Y_lo)/(X_hi − X_lo)
// in float32), then converted to uint8 by ×255 (float32) and round half to
// even (cvRound). Almost every ramp value is an exact .5 before rounding,
// so the float32 steps matter: this reproduces all 256 entries of Debian's
// OpenCV 4.6 cv2.applyColorMap (see the golden test); e.g. index 0 →
// (0, 0, 128), 96 → (2, 255, 254), 159 → (254, 255, 1), 255 → (128, 0, 0).
var jetLUT = buildJET()

func buildJET() [256][3]uint8 {
	const n = 256
	step := float32(1) / float32(n-1)
	var X [n]float32
	for i := range X {
		X[i] = 0 + float32(float32(i)*step)
	}
	base := func(lo, hi float64) [n]float32 {
		var Y [n]float32
		for i := range Y {
			x := float64(i) / 255
			v := math.Min(float64(4*x)+lo, float64(-4*x)+hi)
			Y[i] = float32(math.Min(1, math.Max(0, v)))
		}
		return Y
	}
	interp := func(Y [n]float32, i int) float32 {
		xi := X[i]
		low, high := 0, n-1
		if xi < X[low] {
			high = 1
		}
		if xi > X[high] {
			low = high - 1
		}
		for high-low > 1 {
			c := low + (high-low)>>1
			if xi > X[c] {
				low = c
			} else {
				high = c
			}
		}
		num := float32((xi - X[low]) * (Y[high] - Y[low]))
		return Y[low] + float32(num/(X[high]-X[low]))
	}
	chans := [3][n]float32{base(-1.5, 4.5), base(-0.5, 3.5), base(0.5, 2.5)}
	var lut [256][3]uint8
	for i := 0; i < n; i++ {
		for c := 0; c < 3; c++ {
			v := float32(interp(chans[c], i) * 255)
			lut[i][c] = uint8(math.Min(255, math.Max(0, math.RoundToEven(float64(v)))))
		}
	}
	return lut
}

// JET returns OpenCV COLORMAP_JET's colour for gray level v, as RGB
// (cv2.applyColorMap followed by BGR→RGB).
func JET(v uint8) (r, g, b uint8) {
	c := jetLUT[v]
	return c[0], c[1], c[2]
}

// jetIndex min-max normalises m and quantises it as the official
// visualisation does, in float32 like numpy on a float32 map:
// mask = (m − min)/(max − min); index = uint8(mask·255) (truncation).
// A constant map (max == min; the reference divides 0 by 0) maps to 0.
func jetIndex(m []float32) ([]uint8, error) {
	if len(m) == 0 {
		return nil, fmt.Errorf("%w: empty map", ErrInput)
	}
	lo, hi := m[0], m[0]
	for i, v := range m {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%w: map[%d] is %v", ErrInput, i, v)
		}
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	idx := make([]uint8, len(m))
	if hi > lo {
		den := float32(hi - lo)
		for i, v := range m {
			mask := float32(v-lo) / den
			idx[i] = uint8(float32(mask * 255))
		}
	}
	return idx, nil
}

// ColorizeJET renders the map m (any shape, len(m) pixels) as RGB bytes
// (3 per pixel, interleaved): per-map min-max normalisation, uint8
// quantisation by truncation, OpenCV JET.
func ColorizeJET(m []float32) ([]uint8, error) {
	idx, err := jetIndex(m)
	if err != nil {
		return nil, err
	}
	out := make([]uint8, 3*len(m))
	for i, v := range idx {
		c := jetLUT[v]
		out[3*i], out[3*i+1], out[3*i+2] = c[0], c[1], c[2]
	}
	return out, nil
}

// Overlay blends the JET rendering of the w×h map m over the w×h RGB image
// (3 bytes per pixel, row-major) exactly as the official
// apply_ad_scoremap: vis = uint8(alpha·image + (1 − alpha)·jet(m)), in
// float64, truncated. The official visualisation uses alpha = 0.5 on the
// 240×240 image; use ToOriginal first to overlay on the original image.
func Overlay(rgb []uint8, w, h int, m []float32, alpha float64) ([]uint8, error) {
	if err := checkSize("overlay", h, w); err != nil {
		return nil, err
	}
	if len(rgb) != 3*w*h {
		return nil, fmt.Errorf("%w: image has %d bytes, want 3×%d×%d = %d", ErrInput, len(rgb), w, h, 3*w*h)
	}
	if len(m) != w*h {
		return nil, fmt.Errorf("%w: map has %d values, want %d×%d = %d", ErrInput, len(m), w, h, w*h)
	}
	if !(alpha >= 0 && alpha <= 1) {
		return nil, fmt.Errorf("%w: alpha must be in [0, 1], got %v", ErrInput, alpha)
	}
	jet, err := ColorizeJET(m)
	if err != nil {
		return nil, err
	}
	out := make([]uint8, len(rgb))
	for i := range rgb {
		v := float64(alpha*float64(rgb[i])) + float64((1-alpha)*float64(jet[i]))
		out[i] = uint8(math.Min(255, math.Max(0, v)))
	}
	return out, nil
}
