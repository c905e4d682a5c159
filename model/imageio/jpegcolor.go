package imageio

import "image"

// YCbCr → RGB as libjpeg(-turbo) does it (jdcolor.c, 16-bit fixed point with
// rounding folded into the tables), and its "fancy" (triangle-filter) chroma
// upsampling for 4:2:2 and 4:2:0 (jdsample.c), which is what Pillow's JPEG
// decoder produces. Go's image/jpeg hands us the decoded, still subsampled
// planes; doing the last two steps like libjpeg leaves only the IDCT rounding
// as a difference (at most a level or two on a few pixels).

const (
	jScaleBits = 16
	jOneHalf   = 1 << (jScaleBits - 1)
)

func jFix(x float64) int32 { return int32(x*(1<<jScaleBits) + 0.5) }

var jCrR, jCbB, jCrG, jCbG [256]int32

func init() {
	for i := 0; i < 256; i++ {
		x := int32(i - 128)
		jCrR[i] = (jFix(1.40200)*x + jOneHalf) >> jScaleBits
		jCbB[i] = (jFix(1.77200)*x + jOneHalf) >> jScaleBits
		jCrG[i] = -jFix(0.71414) * x
		jCbG[i] = -jFix(0.34414)*x + jOneHalf
	}
}

func jClamp(v int32) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// jYCC converts one pixel like libjpeg's ycc_rgb_convert.
func jYCC(y, cb, cr uint8) (uint8, uint8, uint8) {
	yy := int32(y)
	return jClamp(yy + jCrR[cr]),
		jClamp(yy + (jCbG[cb]+jCrG[cr])>>jScaleBits),
		jClamp(yy + jCbB[cb])
}

// fromYCbCr converts a decoded JPEG YCbCr image to RGB. 4:2:2 and 4:2:0
// chroma is upsampled with libjpeg's fancy upsampling (when the chroma plane
// is wider than 2 samples, as libjpeg requires); other ratios are replicated,
// as libjpeg's int_upsample does for 4:1:1/4:1:0 (4:4:0, whose fancy variant
// is not reproduced here, is replicated too).
func fromYCbCr(m *image.YCbCr) (*Image8, error) {
	b := m.Rect
	w, h := b.Dx(), b.Dy()
	o, err := NewImage8(w, h, RGB)
	if err != nil {
		return nil, err
	}
	var fancyH, fancyV bool
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		fancyH = true
	case image.YCbCrSubsampleRatio420:
		fancyH, fancyV = true, true
	}
	cw := (w + 1) / 2
	if !fancyH || cw <= 2 || b.Min != (image.Point{}) {
		p := o.Pix
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				yi, ci := m.YOffset(x, y), m.COffset(x, y)
				p[0], p[1], p[2] = jYCC(m.Y[yi], m.Cb[ci], m.Cr[ci])
				p = p[3:]
			}
		}
		return o, nil
	}
	ch := h
	if fancyV {
		ch = (h + 1) / 2
	}
	cbRow := make([]uint8, w)
	crRow := make([]uint8, w)
	sumCb := make([]int32, cw)
	sumCr := make([]int32, cw)
	for y := 0; y < h; y++ {
		if fancyV {
			in := y / 2
			nb := in - 1 // the nearer neighbour row: above for even y
			if y%2 == 1 {
				nb = in + 1
			}
			nb = min(max(nb, 0), ch-1) // libjpeg's context rows replicate the edges
			colsum(sumCb, m.Cb[in*m.CStride:], m.Cb[nb*m.CStride:])
			colsum(sumCr, m.Cr[in*m.CStride:], m.Cr[nb*m.CStride:])
			fancy2(cbRow, sumCb)
			fancy2(crRow, sumCr)
		} else {
			fancy1(cbRow, m.Cb[y*m.CStride:y*m.CStride+cw])
			fancy1(crRow, m.Cr[y*m.CStride:y*m.CStride+cw])
		}
		yr := m.Y[y*m.YStride : y*m.YStride+w]
		p := o.Pix[3*w*y : 3*w*(y+1)]
		for x, yv := range yr {
			p[3*x], p[3*x+1], p[3*x+2] = jYCC(yv, cbRow[x], crRow[x])
		}
	}
	return o, nil
}

func colsum(dst []int32, near, far []uint8) {
	for i := range dst {
		dst[i] = 3*int32(near[i]) + int32(far[i])
	}
}

// fancy2 is h2v2_fancy_upsample's horizontal step on column sums (already
// 3·near + far vertically): 3/4–1/4 again, with libjpeg's alternating +8/+7
// rounding bias. out has the image width; the odd extra column is dropped.
func fancy2(out []uint8, s []int32) {
	n := len(s)
	for x := range out {
		i := x / 2
		var v int32
		if x%2 == 0 {
			if i == 0 {
				v = (s[0]*4 + 8) >> 4
			} else {
				v = (s[i]*3 + s[i-1] + 8) >> 4
			}
		} else {
			if i == n-1 {
				v = (s[i]*4 + 7) >> 4
			} else {
				v = (s[i]*3 + s[i+1] + 7) >> 4
			}
		}
		out[x] = uint8(v)
	}
}

// fancy1 is h2v1_fancy_upsample: 3/4 nearer + 1/4 further sample, biases +1
// and +2 alternating, edge samples copied.
func fancy1(out []uint8, in []uint8) {
	n := len(in)
	for x := range out {
		i := x / 2
		var v int32
		if x%2 == 0 {
			if i == 0 {
				v = int32(in[0])
			} else {
				v = (3*int32(in[i]) + int32(in[i-1]) + 1) >> 2
			}
		} else {
			if i == n-1 {
				v = int32(in[i])
			} else {
				v = (3*int32(in[i]) + int32(in[i+1]) + 2) >> 2
			}
		}
		out[x] = uint8(v)
	}
}
