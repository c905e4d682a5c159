package quantize

import (
	"math"

	"github.com/clipad/clipad/model/weights"
)

// Int8PerChannel quantizes a [out,in] weight matrix symmetrically per
// output row: scale_o = max|w_o|/127, q = round(w/scale) in [−127, 127].
// An all-zero row gets scale 0 and zero codes.
func Int8PerChannel(w []float32, out, in int) ([]int8, []float32) {
	q := make([]int8, out*in)
	scales := make([]float32, out)
	for o := 0; o < out; o++ {
		row := w[o*in : (o+1)*in]
		var mx float32
		for _, v := range row {
			if a := float32(math.Abs(float64(v))); a > mx {
				mx = a
			}
		}
		if mx == 0 {
			continue
		}
		s := mx / 127
		scales[o] = s
		inv := 1 / s
		for i, v := range row {
			q[o*in+i] = int8(clampRound(v*inv, 127))
		}
	}
	return q, scales
}

func clampRound(v float32, lim float32) float32 {
	r := float32(math.RoundToEven(float64(v)))
	if r > lim {
		return lim
	}
	if r < -lim {
		return -lim
	}
	return r
}

// DequantInt8 expands per-channel int8 back to float32 (code·scale of its
// row, as weights.Tensor.Float32 does for the engine).
func DequantInt8(q []int8, scales []float32, out, in int) []float32 {
	return weights.Tensor{Q8: q[:out*in], Scale: scales[:out]}.Float32()
}

// Int4Grouped quantizes each row in groups of `group` consecutive inputs
// (the last group of a row may be shorter): scale = max|w|/7, codes in
// [−7, 7] stored as code+8 in 4 bits, two per byte, low nibble first, rows
// padded to a whole byte. Scales are [out, ceil(in/group)].
func Int4Grouped(w []float32, out, in, group int) ([]byte, []float32) {
	ng := (in + group - 1) / group
	rowBytes := (in + 1) / 2
	packed := make([]byte, out*rowBytes)
	scales := make([]float32, out*ng)
	for o := 0; o < out; o++ {
		for g := 0; g < ng; g++ {
			lo, hi := g*group, min((g+1)*group, in)
			var mx float32
			for i := lo; i < hi; i++ {
				if a := float32(math.Abs(float64(w[o*in+i]))); a > mx {
					mx = a
				}
			}
			s := mx / 7
			scales[o*ng+g] = s
			for i := lo; i < hi; i++ {
				var c float32
				if s > 0 {
					c = clampRound(w[o*in+i]/s, 7)
				}
				nib := byte(int(c) + 8)
				if i%2 == 0 {
					packed[o*rowBytes+i/2] |= nib
				} else {
					packed[o*rowBytes+i/2] |= nib << 4
				}
			}
		}
	}
	return packed, scales
}

// DequantInt4 expands group-wise int4 back to float32.
func DequantInt4(packed []byte, scales []float32, out, in, group int) []float32 {
	ng := (in + group - 1) / group
	rowBytes := (in + 1) / 2
	w := make([]float32, out*in)
	for o := 0; o < out; o++ {
		for i := 0; i < in; i++ {
			b := packed[o*rowBytes+i/2]
			if i%2 == 1 {
				b >>= 4
			}
			w[o*in+i] = float32(int(b&15)-8) * scales[o*ng+i/group]
		}
	}
	return w
}
