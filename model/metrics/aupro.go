package metrics

import (
	"fmt"
	"math"
)

// Defaults of the reference cal_pro_score (cflow-ad / APRIL-GAN / CLIP-AD).
const (
	PROSteps  = 200 // max_step: Δ = (max − min)/200
	PROMaxFPR = 0.3 // expect_fpr: thresholds with FPR < 0.3 are integrated
)

// PROCurve is the per-region-overlap curve of one category, one point per
// threshold of the reference (cal_pro_score):
//
//	PRO[j] = mean over all GT regions r of all images of |r ∩ {s > th_j}| / |r|
//	FPR[j] = |{non-GT pixels with s > th_j}| / |non-GT pixels|
//
// Thresholds are the reference's np.arange(min, max, (max−min)/200) over all
// maps; Thresholds holds them as the float32 values the comparison s > th
// actually uses (see proThresholds).
type PROCurve struct {
	Thresholds []float32
	PRO, FPR   []float64

	Regions        int   // 8-connected GT regions over all images
	NegativePixels int64 // non-GT pixels over all images
}

// AUPRO is the reference cal_pro_score(masks, maps) with its defaults
// (200 steps, FPR < 0.3): maps and masks are row-major H×W images (true =
// anomalous ground-truth pixel), all images of one category. It returns an
// error matching ErrUndefined where the reference crashes or yields nan: no
// GT region, no normal pixel, constant maps, or fewer than two thresholds
// with distinct FPR below 0.3.
func AUPRO(maps [][]float32, masks [][]bool, H, W int) (float64, error) {
	c, err := ComputePROCurve(maps, masks, H, W)
	if err != nil {
		return math.NaN(), err
	}
	return c.AUPRO(PROMaxFPR)
}

// ComputePROCurve evaluates the PRO curve in O(pixels·log(steps) +
// regions·steps): each pixel's score is mapped once (binary search) to the
// number of thresholds it exceeds, GT regions and the negative pixels keep
// histograms of that number, and suffix sums give every threshold's counts.
// The curve is identical to the reference's per-threshold recomputation.
func ComputePROCurve(maps [][]float32, masks [][]bool, H, W int) (*PROCurve, error) {
	if H <= 0 || W <= 0 {
		return nil, fmt.Errorf("metrics: bad map size %d×%d", H, W)
	}
	if len(maps) != len(masks) {
		return nil, fmt.Errorf("metrics: %d maps but %d masks", len(maps), len(masks))
	}
	if len(maps) == 0 {
		return nil, fmt.Errorf("metrics: no maps")
	}
	n := H * W
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for i, m := range maps {
		if len(m) != n || len(masks[i]) != n {
			return nil, fmt.Errorf("metrics: image %d: map has %d values, mask %d, want %d×%d", i, len(m), len(masks[i]), H, W)
		}
		for j, s := range m {
			if s != s || math.IsInf(float64(s), 0) {
				return nil, fmt.Errorf("metrics: map %d value %d is %v (scores must be finite)", i, j, s)
			}
			lo = min(lo, s)
			hi = max(hi, s)
		}
	}
	if !(hi > lo) {
		return nil, undefined("AUPRO", "all anomaly-map values are equal (the reference's np.arange fails)")
	}
	ths := proThresholds(lo, hi, PROSteps)
	L := len(ths)
	cmp := make([]float32, L)
	for j, t := range ths {
		cmp[j] = float32(t)
		if j > 0 && cmp[j] < cmp[j-1] {
			return nil, fmt.Errorf("metrics: internal error: thresholds not monotone")
		}
	}
	// above(s) = #{j : cmp[j] < s}; the pixel is predicted anomalous at
	// threshold j exactly when j < above(s).
	above := func(s float32) int {
		a, b := 0, L
		for a < b {
			h := int(uint(a+b) >> 1)
			if cmp[h] < s {
				a = h + 1
			} else {
				b = h
			}
		}
		return a
	}

	stride := L + 1
	negHist := make([]int64, stride)
	var regHist []int32 // stride entries per region, in reference order
	var area []int64
	labels := make([]int32, n)
	stack := make([]int32, 0, 64)
	var negTotal int64
	for i, m := range maps {
		nr := label8(masks[i], H, W, labels, &stack)
		base := len(area)
		area = append(area, make([]int64, nr)...)
		regHist = append(regHist, make([]int32, nr*stride)...)
		for p, s := range m {
			k := above(s)
			if l := labels[p]; l > 0 {
				r := base + int(l) - 1
				regHist[r*stride+k]++
				area[r]++
			} else {
				negHist[k]++
				negTotal++
			}
		}
	}
	R := len(area)

	c := &PROCurve{
		Thresholds:     cmp,
		PRO:            make([]float64, L),
		FPR:            make([]float64, L),
		Regions:        R,
		NegativePixels: negTotal,
	}
	// Suffix sums: hist[k] becomes #{pixels with above(s) ≥ k}, so the count
	// predicted anomalous at threshold j is hist[j+1].
	for k := L - 1; k >= 0; k-- {
		negHist[k] += negHist[k+1]
	}
	for r := range R {
		h := regHist[r*stride : (r+1)*stride]
		for k := L - 1; k >= 0; k-- {
			h[k] += h[k+1]
		}
	}
	ratios := make([]float64, R)
	for j := range L {
		// np.int64 / np.float32 sum of (1 − masks): float64 division.
		c.FPR[j] = float64(negHist[j+1]) / float64(negTotal)
		for r := range R {
			ratios[r] = float64(regHist[r*stride+j+1]) / float64(area[r])
		}
		c.PRO[j] = npMean(ratios) // NaN without regions, as in numpy
	}
	return c, nil
}

// AUPRO integrates the curve as the reference does: keep the thresholds
// with FPR < maxFPR, rescale those FPRs by their own min and max to [0,1],
// and take sklearn's auc (np.trapz, sign fixed for the decreasing x).
func (c *PROCurve) AUPRO(maxFPR float64) (float64, error) {
	if c.Regions == 0 {
		return math.NaN(), undefined("AUPRO", "no ground-truth anomaly region in any image")
	}
	if c.NegativePixels == 0 {
		return math.NaN(), undefined("AUPRO", "no normal (non-ground-truth) pixel")
	}
	var xs, ys []float64
	for j, f := range c.FPR {
		if f < maxFPR {
			xs = append(xs, f)
			ys = append(ys, c.PRO[j])
		}
	}
	if len(xs) == 0 {
		return math.NaN(), undefined("AUPRO", fmt.Sprintf("no threshold reaches FPR < %g", maxFPR))
	}
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		lo = min(lo, x)
		hi = max(hi, x)
	}
	if len(xs) < 2 || !(hi > lo) {
		return math.NaN(), undefined("AUPRO", fmt.Sprintf("fewer than two distinct FPR values below %g", maxFPR))
	}
	for i, x := range xs {
		xs[i] = (x - lo) / (hi - lo)
	}
	// sklearn.metrics.auc: direction from the sign of np.diff(x).
	dir := 1.0
	anyNeg, allNonPos := false, true
	for i := 1; i < len(xs); i++ {
		d := xs[i] - xs[i-1]
		anyNeg = anyNeg || d < 0
		allNonPos = allNonPos && d <= 0
	}
	if anyNeg {
		if !allNonPos {
			return math.NaN(), fmt.Errorf("metrics: internal error: FPR not monotone")
		}
		dir = -1
	}
	terms := make([]float64, len(xs)-1)
	for i := range terms {
		terms[i] = float64((xs[i+1]-xs[i])*(ys[i+1]+ys[i])) / 2.0
	}
	return dir * pairwiseSum(terms), nil
}

// proThresholds reproduces, for float32 maps, the thresholds of
//
//	min_th, max_th = amaps.min(), amaps.max()      # np.float32
//	delta = (max_th - min_th) / max_step            # float32 diff, then float64 (legacy promotion with a Python int)
//	for th in np.arange(min_th, max_th, delta): ... # float64 array
//
// with numpy 1.x semantics: length = ceil(float64(max−min)/delta), element 0
// = min, element 1 = min + delta, element i ≥ 2 = th0 + i·(th1 − th0), all in
// float64. The comparison amaps > th (float32 array, float64 scalar) is done
// in float32 under numpy 1.x value-based casting, so the caller rounds each
// threshold to float32. The count is 200 or 201 depending on rounding.
func proThresholds(lo, hi float32, steps int) []float64 {
	d32 := hi - lo
	delta := float64(d32) / float64(steps)
	val := float64(d32) / delta
	if math.IsNaN(val) || math.IsInf(val, 0) || val <= 0 {
		return nil
	}
	n := int(math.Ceil(val))
	th := make([]float64, n)
	th[0] = float64(lo)
	if n == 1 {
		return th
	}
	th[1] = float64(lo) + delta
	d := th[1] - th[0]
	for i := 2; i < n; i++ {
		th[i] = th[0] + float64(float64(i)*d)
	}
	return th
}

// label8 labels the 8-connected components of mask (row-major H×W) into
// labels (0 = background, 1.. = regions) and returns their count. Labels
// follow the raster order of each region's first pixel, as
// skimage.measure.label does, so regions are visited in the reference's
// regionprops order.
func label8(mask []bool, H, W int, labels []int32, stack *[]int32) int {
	clear(labels)
	var next int32
	st := (*stack)[:0]
	for p, fg := range mask {
		if !fg || labels[p] != 0 {
			continue
		}
		next++
		labels[p] = next
		st = append(st, int32(p))
		for len(st) > 0 {
			q := int(st[len(st)-1])
			st = st[:len(st)-1]
			y, x := q/W, q%W
			for dy := -1; dy <= 1; dy++ {
				yy := y + dy
				if yy < 0 || yy >= H {
					continue
				}
				for dx := -1; dx <= 1; dx++ {
					xx := x + dx
					if xx < 0 || xx >= W {
						continue
					}
					o := yy*W + xx
					if mask[o] && labels[o] == 0 {
						labels[o] = next
						st = append(st, int32(o))
					}
				}
			}
		}
	}
	*stack = st
	return int(next)
}
