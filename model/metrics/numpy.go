package metrics

import (
	"math"
	"strconv"
)

// pairwiseSum returns 0 + numpy's pairwise sum of a, bit for bit: numpy's
// float64 add.reduce over a contiguous 1-D array starts from the identity 0
// and adds pairwise_sum(a), which sums blocks of at most 128 elements with
// eight interleaved accumulators and splits longer arrays in halves rounded
// down to a multiple of 8. Reproducing it keeps means and trapezoid areas
// identical to np.mean / np.trapz, so ×100 rounding ties resolve the same.
func pairwiseSum(a []float64) float64 {
	return 0 + pairwise(a)
}

func pairwise(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		res := 0.0
		for _, v := range a {
			res += v
		}
		return res
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			r[0] += a[i]
			r[1] += a[i+1]
			r[2] += a[i+2]
			r[3] += a[i+3]
			r[4] += a[i+4]
			r[5] += a[i+5]
			r[6] += a[i+6]
			r[7] += a[i+7]
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwise(a[:n2]) + pairwise(a[n2:])
	}
}

// npMean is np.mean of a float64 array (pairwise sum divided by the count).
// It returns NaN for an empty slice, as numpy does.
func npMean(a []float64) float64 {
	if len(a) == 0 {
		return math.NaN()
	}
	return pairwiseSum(a) / float64(len(a))
}

// RoundPct is the official table value: np.round(v*100, decimals=1), i.e.
// (v*100)*10 rounded half to even and divided by 10, each step in float64.
func RoundPct(v float64) float64 {
	y := v * 100
	y = y * 10
	y = math.RoundToEven(y)
	return y / 10
}

// FormatPct formats v as the official code prints it:
// f"{np.round(v*100, decimals=1):.1f}" (for example 0.91234 → "91.2").
// NaN prints as "nan", like Python.
func FormatPct(v float64) string {
	r := RoundPct(v)
	switch {
	case math.IsNaN(r):
		return "nan"
	case math.IsInf(r, 1):
		return "inf"
	case math.IsInf(r, -1):
		return "-inf"
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}
