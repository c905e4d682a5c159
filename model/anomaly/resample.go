package anomaly

import (
	"fmt"
	"math"
)

// maxPixels bounds every map this package allocates (2^28 values, 1 GiB of
// float32) so a bad size is an error, not an out-of-memory crash.
const maxPixels = 1 << 28

func checkSize(what string, h, w int) error {
	if h < 1 || w < 1 {
		return fmt.Errorf("%w: %s size %d×%d", ErrInput, what, h, w)
	}
	if h > maxPixels/w {
		return fmt.Errorf("%w: %s size %d×%d is too large", ErrInput, what, h, w)
	}
	return nil
}

func checkMap(what string, m []float32, h, w int) error {
	if err := checkSize(what, h, w); err != nil {
		return err
	}
	if len(m) != h*w {
		return fmt.Errorf("%w: %s has %d values, want %d×%d = %d", ErrInput, what, len(m), h, w, h*w)
	}
	for i, v := range m {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%w: %s[%d] is %v", ErrInput, what, i, v)
		}
	}
	return nil
}

// linearTaps returns, for every output index, the two source indices and
// their weights of PyTorch's 1-D linear interpolation (upsample_bilinear2d,
// no antialias, no explicit scale factor):
//
//	align_corners=False: scale = in/out, src = max(scale·(dst+0.5) − 0.5, 0)
//	align_corners=True:  scale = (in−1)/(out−1) (0 when out == 1), src = scale·dst
//	i0 = ⌊src⌋, i1 = i0 + 1 if i0 < in−1 else i0, λ1 = src − i0, λ0 = 1 − λ1.
//
// Weights are computed in float64 (PyTorch uses float32 for float tensors;
// the difference is below float32 resolution of the interpolated values).
func linearTaps(in, out int, alignCorners bool) (i0, i1 []int, l0, l1 []float64) {
	i0, i1 = make([]int, out), make([]int, out)
	l0, l1 = make([]float64, out), make([]float64, out)
	var scale float64
	if alignCorners {
		if out > 1 {
			scale = float64(in-1) / float64(out-1)
		}
	} else {
		scale = float64(in) / float64(out)
	}
	for d := 0; d < out; d++ {
		var src float64
		if alignCorners {
			src = scale * float64(d)
		} else {
			src = scale*(float64(d)+0.5) - 0.5
			if src < 0 {
				src = 0
			}
		}
		a := int(src)
		if a > in-1 { // cannot happen for the formulas above; guards rounding
			a = in - 1
		}
		b := a
		if a < in-1 {
			b = a + 1
		}
		w1 := src - float64(a)
		i0[d], i1[d], l0[d], l1[d] = a, b, 1-w1, w1
	}
	return
}

// Bilinear resizes the row-major inH×inW map src to outH×outW exactly as
// PyTorch F.interpolate(mode='bilinear', size=(outH, outW), align_corners=…)
// (see linearTaps). The output may have any aspect ratio; downsampling is
// plain (not antialiased) bilinear sampling, as in PyTorch's default.
func Bilinear(src []float32, inH, inW, outH, outW int, alignCorners bool) ([]float32, error) {
	if err := checkMap("bilinear input", src, inH, inW); err != nil {
		return nil, err
	}
	if err := checkSize("bilinear output", outH, outW); err != nil {
		return nil, err
	}
	hy0, hy1, hl0, hl1 := linearTaps(inH, outH, alignCorners)
	wx0, wx1, wl0, wl1 := linearTaps(inW, outW, alignCorners)
	out := make([]float32, outH*outW)
	for y := 0; y < outH; y++ {
		r0 := src[hy0[y]*inW : (hy0[y]+1)*inW]
		r1 := src[hy1[y]*inW : (hy1[y]+1)*inW]
		a, b := hl0[y], hl1[y]
		row := out[y*outW : (y+1)*outW]
		for x := range row {
			p, q := wx0[x], wx1[x]
			v := a*(wl0[x]*float64(r0[p])+wl1[x]*float64(r0[q])) +
				b*(wl0[x]*float64(r1[p])+wl1[x]*float64(r1[q]))
			row[x] = float32(v)
		}
	}
	return out, nil
}

// ToOriginal maps a smoothed size×size anomaly map back onto the original
// image geometry (origW × origH pixels; the model input was a plain,
// aspect-changing resize, spec §1.2) with bilinear, align_corners=False
// semantics. The result is row-major origH×origW.
func ToOriginal(m []float32, size, origW, origH int) ([]float32, error) {
	return Bilinear(m, size, size, origH, origW, false)
}
