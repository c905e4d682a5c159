package preprocess

import (
	"errors"
	"fmt"
	"math"

	"github.com/clipad/clipad/model/imageio"
)

// Image8 is the 8-bit image type shared with imageio.
type Image8 = imageio.Image8

// Filter selects a Pillow resampling filter.
type Filter int

const (
	Bilinear Filter = 1 + iota // Pillow BILINEAR (triangle, support 1)
	Bicubic                    // Pillow BICUBIC (Keys cubic a = −0.5, support 2)
)

func (f Filter) String() string {
	switch f {
	case Bilinear:
		return "bilinear"
	case Bicubic:
		return "bicubic"
	}
	return fmt.Sprintf("Filter(%d)", int(f))
}

// ErrArgument reports a bad argument (nil or empty image, bad size, filter).
var ErrArgument = errors.New("preprocess: bad argument")

// MaxSide bounds the output size of the resizers (and each input side of
// ResizeFloat) so that coefficient tables and buffers stay reasonable.
const MaxSide = 1 << 16

// The filter kernels exactly as Pillow's Resample.c evaluates them. Explicit
// float64 conversions forbid fused multiply-adds, which would change the last
// bit on platforms that have them (C compiles these without FMA on x86-64).
func bilinearKernel(x float64) float64 {
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return 1 - x
	}
	return 0
}

func bicubicKernel(x float64) float64 {
	const a = -0.5
	if x < 0 {
		x = -x
	}
	if x < 1 {
		// ((a + 2) x − (a + 3)) x x + 1
		t := float64((a+2)*x) - (a + 3)
		return float64(float64(t*x)*x) + 1
	}
	if x < 2 {
		// (((x − 5) x + 8) x − 4) a
		t := float64((x-5)*x) + 8
		t = float64(t*x) - 4
		return float64(t * a) // no fusion with a caller's ww += w
	}
	return 0
}

func (f Filter) kernel() (func(float64) float64, float64, bool) {
	switch f {
	case Bilinear:
		return bilinearKernel, 1, true
	case Bicubic:
		return bicubicKernel, 2, true
	}
	return nil, 0, false
}

// coeffs holds Pillow's per-output-pixel filter windows for one axis: output
// i reads input pixels [bounds[2i], bounds[2i]+bounds[2i+1]) with weights
// k[i*ksize:].
type coeffs struct {
	ksize  int
	bounds []int
	k      []float64
}

// precompute is precompute_coeffs for the box [0, inSize).
func precompute(inSize, outSize int, f Filter) coeffs {
	kernel, fsupport, _ := f.kernel()
	scale := float64(inSize) / float64(outSize)
	filterscale := scale
	if filterscale < 1 {
		filterscale = 1
	}
	support := fsupport * filterscale
	ksize := int(math.Ceil(support))*2 + 1
	c := coeffs{ksize: ksize, bounds: make([]int, 2*outSize), k: make([]float64, outSize*ksize)}
	ss := 1 / filterscale
	for xx := 0; xx < outSize; xx++ {
		center := (float64(xx) + 0.5) * scale // in0 = 0 (whole-image box)
		xmin := int(center - support + 0.5)
		if xmin < 0 {
			xmin = 0
		}
		xmax := int(center + support + 0.5)
		if xmax > inSize {
			xmax = inSize
		}
		xmax -= xmin
		k := c.k[xx*ksize : (xx+1)*ksize]
		ww := 0.0
		for x := 0; x < xmax; x++ {
			w := kernel((float64(x+xmin) - center + 0.5) * ss)
			k[x] = w
			ww += w
		}
		if ww != 0 {
			for x := 0; x < xmax; x++ {
				k[x] /= ww
			}
		}
		c.bounds[2*xx] = xmin
		c.bounds[2*xx+1] = xmax
	}
	return c
}

const precisionBits = 32 - 8 - 2

// fixed converts the coefficients to Pillow's 8-bit-path fixed point
// (normalize_coeffs_8bpc): round half away from zero of k·2^22.
func (c coeffs) fixed() []int32 {
	kk := make([]int32, len(c.k))
	for i, v := range c.k {
		if v < 0 {
			kk[i] = int32(-0.5 + v*(1<<precisionBits))
		} else {
			kk[i] = int32(0.5 + v*(1<<precisionBits))
		}
	}
	return kk
}

// clip8 is Pillow's clip8: the accumulator (which started at 2^21) shifted
// down by 22 bits with arithmetic shift, clamped to [0, 255].
func clip8(ss int32) uint8 {
	v := ss >> precisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

func checkSize(w, h int) error {
	if w <= 0 || h <= 0 || w > MaxSide || h > MaxSide {
		return fmt.Errorf("%w: target size %d×%d (each side must be in 1..%d)", ErrArgument, w, h, MaxSide)
	}
	return nil
}

// Resize resamples src to w×h exactly as Pillow 9's Image.resize((w, h), f)
// does for modes L, RGB, RGBA and CMYK: separable fixed-point convolution,
// horizontal pass first into an 8-bit intermediate, a pass skipped when its
// axis keeps its size, antialiasing (the kernel is widened by the reduction
// factor when downscaling). RGBA is premultiplied (Pillow's RGBa) before and
// un-premultiplied after, as Image.resize does. A same-size resize returns a
// copy. The result has src's mode.
func Resize(src *Image8, w, h int, f Filter) (*Image8, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: nil image", ErrArgument)
	}
	if err := src.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrArgument, err)
	}
	if err := checkSize(w, h); err != nil {
		return nil, err
	}
	if _, _, ok := f.kernel(); !ok {
		return nil, fmt.Errorf("%w: unsupported filter %v", ErrArgument, f)
	}
	if src.W == w && src.H == h {
		return src.Clone(), nil
	}
	in := src
	if src.Mode == imageio.RGBA {
		in = premultiply(src)
	}
	out := resample(in, w, h, f)
	if src.Mode == imageio.RGBA {
		unpremultiply(out)
	}
	return out, nil
}

// ResizeBicubic is Resize with Pillow's BICUBIC filter (spec §1.2).
func ResizeBicubic(src *Image8, w, h int) (*Image8, error) {
	return Resize(src, w, h, Bicubic)
}

// resample is ImagingResampleInner for 8-bit images (box = whole image).
func resample(in *Image8, w, h int, f Filter) *Image8 {
	c := in.Channels()
	needH := w != in.W
	needV := h != in.H
	vert := precompute(in.H, h, f)
	cur := in
	if needH {
		// Only the rows the vertical pass reads are computed.
		first := vert.bounds[0]
		last := vert.bounds[2*h-2] + vert.bounds[2*h-1]
		if needV {
			for i := 0; i < h; i++ {
				vert.bounds[2*i] -= first
			}
		} else {
			first, last = 0, in.H
		}
		horiz := precompute(in.W, w, f)
		tmp := &Image8{W: w, H: last - first, Mode: in.Mode, Pix: make([]uint8, w*(last-first)*c)}
		horizontal(tmp, in, first, horiz)
		cur = tmp
	}
	if needV {
		out := &Image8{W: cur.W, H: h, Mode: in.Mode, Pix: make([]uint8, cur.W*h*c)}
		vertical(out, cur, vert)
		cur = out
	}
	return cur
}

func horizontal(out, in *Image8, offset int, co coeffs) {
	kk := co.fixed()
	ks := co.ksize
	c := in.Channels()
	const half = 1 << (precisionBits - 1)
	for yy := 0; yy < out.H; yy++ {
		row := in.Pix[(yy+offset)*in.W*c : (yy+offset+1)*in.W*c]
		dst := out.Pix[yy*out.W*c : (yy+1)*out.W*c]
		for xx := 0; xx < out.W; xx++ {
			xmin, xmax := co.bounds[2*xx], co.bounds[2*xx+1]
			k := kk[xx*ks : xx*ks+xmax]
			switch c {
			case 1:
				s := row[xmin : xmin+xmax]
				var ss0 int32 = half
				for x, kv := range k {
					ss0 += int32(s[x]) * kv
				}
				dst[xx] = clip8(ss0)
			case 3:
				s := row[3*xmin : 3*(xmin+xmax)]
				var ss0, ss1, ss2 int32 = half, half, half
				for x, kv := range k {
					p := s[3*x : 3*x+3]
					ss0 += int32(p[0]) * kv
					ss1 += int32(p[1]) * kv
					ss2 += int32(p[2]) * kv
				}
				d := dst[3*xx : 3*xx+3]
				d[0], d[1], d[2] = clip8(ss0), clip8(ss1), clip8(ss2)
			default:
				s := row[4*xmin : 4*(xmin+xmax)]
				var ss0, ss1, ss2, ss3 int32 = half, half, half, half
				for x, kv := range k {
					p := s[4*x : 4*x+4]
					ss0 += int32(p[0]) * kv
					ss1 += int32(p[1]) * kv
					ss2 += int32(p[2]) * kv
					ss3 += int32(p[3]) * kv
				}
				d := dst[4*xx : 4*xx+4]
				d[0], d[1], d[2], d[3] = clip8(ss0), clip8(ss1), clip8(ss2), clip8(ss3)
			}
		}
	}
}

func vertical(out, in *Image8, co coeffs) {
	kk := co.fixed()
	ks := co.ksize
	n := in.W * in.Channels() // bytes per row; channels are independent here
	const half = 1 << (precisionBits - 1)
	acc := make([]int32, n)
	for yy := 0; yy < out.H; yy++ {
		ymin, ymax := co.bounds[2*yy], co.bounds[2*yy+1]
		k := kk[yy*ks : yy*ks+ymax]
		for i := range acc {
			acc[i] = half
		}
		for y, kv := range k {
			row := in.Pix[(ymin+y)*n : (ymin+y+1)*n]
			a := acc[:len(row)]
			for i, v := range row {
				a[i] += int32(v) * kv
			}
		}
		dst := out.Pix[yy*n : (yy+1)*n]
		for i, s := range acc {
			dst[i] = clip8(s)
		}
	}
}

// premultiply is Pillow's RGBA→RGBa conversion: each colour becomes
// MULDIV255(c, a).
func premultiply(src *Image8) *Image8 {
	o := src.Clone()
	p := o.Pix
	for i := 0; i+3 < len(p); i += 4 {
		a := uint32(p[i+3])
		p[i] = uint8(muldiv255(uint32(p[i]), a))
		p[i+1] = uint8(muldiv255(uint32(p[i+1]), a))
		p[i+2] = uint8(muldiv255(uint32(p[i+2]), a))
	}
	return o
}

func muldiv255(a, b uint32) uint32 {
	t := a*b + 128
	return ((t >> 8) + t) >> 8
}

// unpremultiply is Pillow's RGBa→RGBA conversion, in place: alpha 0 and 255
// keep the colours, otherwise min(255, 255·c / a) with integer division.
func unpremultiply(im *Image8) {
	p := im.Pix
	for i := 0; i+3 < len(p); i += 4 {
		a := uint32(p[i+3])
		if a == 0 || a == 255 {
			continue
		}
		for j := i; j < i+3; j++ {
			v := 255 * uint32(p[j]) / a
			if v > 255 {
				v = 255
			}
			p[j] = uint8(v)
		}
	}
}
