package preprocess

import "fmt"

// ResizeFloat resamples a single-channel float32 map (row-major, sw×sh) to
// dw×dh exactly as Pillow resizes a mode "F" image: the same windows and
// weights as Resize, accumulated in float64, stored as float32 after each
// pass (horizontal first; a pass is skipped when its axis keeps its size).
// Use it to bring a model-resolution map back to an image's original size
// for display. It always returns a new slice.
func ResizeFloat(src []float32, sw, sh, dw, dh int, f Filter) ([]float32, error) {
	if sw <= 0 || sh <= 0 || sw > MaxSide || sh > MaxSide {
		return nil, fmt.Errorf("%w: source size %d×%d", ErrArgument, sw, sh)
	}
	if len(src) != sw*sh {
		return nil, fmt.Errorf("%w: source has %d values, want %d×%d = %d", ErrArgument, len(src), sw, sh, sw*sh)
	}
	if err := checkSize(dw, dh); err != nil {
		return nil, err
	}
	if _, _, ok := f.kernel(); !ok {
		return nil, fmt.Errorf("%w: unsupported filter %v", ErrArgument, f)
	}
	cur, cw := src, sw
	vert := precompute(sh, dh, f)
	needV := dh != sh
	if dw != sw {
		first, last := 0, sh
		if needV {
			first = vert.bounds[0]
			last = vert.bounds[2*dh-2] + vert.bounds[2*dh-1]
			for i := 0; i < dh; i++ {
				vert.bounds[2*i] -= first
			}
		}
		co := precompute(sw, dw, f)
		tmp := make([]float32, dw*(last-first))
		for yy := 0; yy < last-first; yy++ {
			row := src[(yy+first)*sw : (yy+first+1)*sw]
			for xx := 0; xx < dw; xx++ {
				xmin, xmax := co.bounds[2*xx], co.bounds[2*xx+1]
				k := co.k[xx*co.ksize : xx*co.ksize+xmax]
				s := row[xmin : xmin+xmax]
				ss := 0.0
				for x, kv := range k {
					ss += float64(float64(s[x]) * kv) // no FMA, as in C
				}
				tmp[yy*dw+xx] = float32(ss)
			}
		}
		cur, cw = tmp, dw
	}
	if needV {
		out := make([]float32, cw*dh)
		acc := make([]float64, cw)
		for yy := 0; yy < dh; yy++ {
			ymin, ymax := vert.bounds[2*yy], vert.bounds[2*yy+1]
			k := vert.k[yy*vert.ksize : yy*vert.ksize+ymax]
			clear(acc)
			for y, kv := range k {
				row := cur[(ymin+y)*cw : (ymin+y+1)*cw]
				for i, v := range row {
					acc[i] += float64(float64(v) * kv)
				}
			}
			dst := out[yy*cw : (yy+1)*cw]
			for i, s := range acc {
				dst[i] = float32(s)
			}
		}
		return out, nil
	}
	if dw == sw { // nothing to do: same size
		return append([]float32(nil), src...), nil
	}
	return cur, nil
}
