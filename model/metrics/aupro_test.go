package metrics

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// refComponents labels mask regions with a recursive flood fill (conn = 4
// or 8) and returns each region's pixel list, regions ordered by their first
// pixel in raster order.
func refComponents(mask []bool, H, W, conn int) [][]int {
	seen := make([]bool, len(mask))
	var regions [][]int
	var fill func(y, x int, reg *[]int)
	fill = func(y, x int, reg *[]int) {
		if y < 0 || y >= H || x < 0 || x >= W || !mask[y*W+x] || seen[y*W+x] {
			return
		}
		seen[y*W+x] = true
		*reg = append(*reg, y*W+x)
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				if (dy != 0 || dx != 0) && (conn == 8 || dy == 0 || dx == 0) {
					fill(y+dy, x+dx, reg)
				}
			}
		}
	}
	for p := range mask {
		if mask[p] && !seen[p] {
			var reg []int
			fill(p/W, p%W, &reg)
			regions = append(regions, reg)
		}
	}
	return regions
}

// refPROCurve is the plain reference: for every threshold binarize all maps,
// count overlaps region by region and false positives pixel by pixel.
func refPROCurve(maps [][]float32, masks [][]bool, H, W, conn int) (pro, fpr []float64, nreg int) {
	lo, hi := maps[0][0], maps[0][0]
	for _, m := range maps {
		for _, v := range m {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	var regions [][][]int
	neg := 0
	for i := range masks {
		regions = append(regions, refComponents(masks[i], H, W, conn))
		nreg += len(regions[i])
		for _, b := range masks[i] {
			if !b {
				neg++
			}
		}
	}
	for _, th64 := range proThresholds(lo, hi, PROSteps) {
		th := float32(th64)
		var overlaps []float64
		fp := 0
		for i, m := range maps {
			for _, reg := range regions[i] {
				tp := 0
				for _, p := range reg {
					if m[p] > th {
						tp++
					}
				}
				overlaps = append(overlaps, float64(tp)/float64(len(reg)))
			}
			for p, v := range m {
				if !masks[i][p] && v > th {
					fp++
				}
			}
		}
		pro = append(pro, npMean(overlaps))
		fpr = append(fpr, float64(fp)/float64(neg))
	}
	return pro, fpr, nreg
}

func refAUPRO(pro, fpr []float64) float64 {
	var xs, ys []float64
	for j := range fpr {
		if fpr[j] < 0.3 {
			xs = append(xs, fpr[j])
			ys = append(ys, pro[j])
		}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	area := 0.0
	for i := 1; i < len(xs); i++ {
		x0, x1 := (xs[i-1]-lo)/(hi-lo), (xs[i]-lo)/(hi-lo)
		area += (x0 - x1) * (ys[i] + ys[i-1]) / 2
	}
	return area
}

func randomMapsMasks(rng *rand.Rand, n, H, W int, quant int) ([][]float32, [][]bool) {
	maps := make([][]float32, n)
	masks := make([][]bool, n)
	for i := range n {
		maps[i] = make([]float32, H*W)
		masks[i] = make([]bool, H*W)
		if rng.IntN(4) > 0 { // some images have no anomaly at all
			for range 1 + rng.IntN(4) {
				cy, cx, r := rng.IntN(H), rng.IntN(W), 1+rng.IntN(max(1, H/4))
				for y := max(0, cy-r); y < min(H, cy+r); y++ {
					for x := max(0, cx-r); x < min(W, cx+r); x++ {
						if (y-cy)*(y-cy)+(x-cx)*(x-cx) <= r*r && rng.IntN(5) > 0 {
							masks[i][y*W+x] = true
						}
					}
				}
			}
		}
		for p := range maps[i] {
			v := rng.NormFloat64()
			if masks[i][p] {
				v += 1.5
			}
			if quant > 0 {
				v = math.Round(v*float64(quant)) / float64(quant)
			}
			maps[i][p] = float32(v)
		}
	}
	return maps, masks
}

func TestPROCurveVsReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for it := range 40 {
		H, W := 4+rng.IntN(30), 4+rng.IntN(30)
		maps, masks := randomMapsMasks(rng, 1+rng.IntN(5), H, W, []int{0, 4, 50}[it%3])
		wantPRO, wantFPR, nreg := refPROCurve(maps, masks, H, W, 8)
		c, err := ComputePROCurve(maps, masks, H, W)
		if err != nil {
			t.Fatal(err)
		}
		if c.Regions != nreg || len(c.PRO) != len(wantPRO) {
			t.Fatalf("case %d: %d regions / %d points, reference %d / %d", it, c.Regions, len(c.PRO), nreg, len(wantPRO))
		}
		for j := range wantPRO {
			samePRO := c.PRO[j] == wantPRO[j] || (math.IsNaN(c.PRO[j]) && math.IsNaN(wantPRO[j]))
			if !samePRO || c.FPR[j] != wantFPR[j] {
				t.Fatalf("case %d threshold %d: PRO %v FPR %v, reference %v %v", it, j, c.PRO[j], c.FPR[j], wantPRO[j], wantFPR[j])
			}
		}
		got, err := c.AUPRO(PROMaxFPR)
		if nreg == 0 {
			if !errors.Is(err, ErrUndefined) {
				t.Fatalf("case %d: no regions but err %v", it, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("case %d: %v", it, err)
		}
		if want := refAUPRO(wantPRO, wantFPR); !near(got, want, 1e-12) {
			t.Fatalf("case %d: AUPRO %v, reference %v", it, got, want)
		}
	}
}

// Regions touching only at corners are one region (skimage label default,
// connectivity 2); with 4-connectivity the PRO would differ.
func TestAUPRODiagonalConnectivity(t *testing.T) {
	const H, W = 5, 5
	mask := bools(
		1, 0, 0, 0, 0,
		0, 1, 0, 0, 0,
		0, 0, 1, 0, 0,
		0, 0, 0, 0, 1,
		0, 0, 0, 1, 1,
	)
	if n := len(refComponents(mask, H, W, 8)); n != 2 {
		t.Fatalf("reference 8-connectivity finds %d regions", n)
	}
	if n := len(refComponents(mask, H, W, 4)); n != 4 {
		t.Fatalf("reference 4-connectivity finds %d regions", n)
	}
	labels := make([]int32, H*W)
	var st []int32
	if n := label8(mask, H, W, labels, &st); n != 2 {
		t.Errorf("label8 finds %d regions, want 2", n)
	}
	// raster order of first pixels: the diagonal (starts at 0,0) is 1
	if labels[0] != 1 || labels[2*W+2] != 1 || labels[3*W+4] != 2 || labels[4*W+3] != 2 {
		t.Errorf("labels %v", labels)
	}
	// Map: only the first diagonal pixel scores high. The 8-connected
	// diagonal region is 1/3 covered at mid thresholds, the 4-connected
	// pieces would be 1 + 0 + 0: mean PRO 1/6 vs 1/4.
	m := make([]float32, H*W)
	for p := range m {
		m[p] = float32(p%7) / 100
	}
	m[0] = 1
	c, err := ComputePROCurve([][]float32{m}, [][]bool{mask}, H, W)
	if err != nil {
		t.Fatal(err)
	}
	if c.Regions != 2 {
		t.Fatalf("%d regions", c.Regions)
	}
	j := len(c.PRO) / 2 // threshold 0.5: only pixel 0 is above
	if c.PRO[j] != (1.0/3+0)/2 {
		t.Errorf("PRO at th=%v: %v, want 1/6", c.Thresholds[j], c.PRO[j])
	}
}

func TestAUPROUndefined(t *testing.T) {
	// No region in any image (a category with no anomaly masks).
	m := [][]float32{{0.1, 0.2, 0.3, 0.4}, {0.5, 0.6, 0.7, 0.8}}
	k := [][]bool{bools(0, 0, 0, 0), bools(0, 0, 0, 0)}
	if v, err := AUPRO(m, k, 2, 2); !errors.Is(err, ErrUndefined) || !math.IsNaN(v) {
		t.Errorf("no regions: %v, %v", v, err)
	}
	// Constant maps: the reference's np.arange cannot even be built.
	c := [][]float32{{0.5, 0.5, 0.5, 0.5}}
	if _, err := AUPRO(c, [][]bool{bools(1, 0, 0, 0)}, 2, 2); !errors.Is(err, ErrUndefined) {
		t.Errorf("constant maps: %v", err)
	}
	// Every pixel anomalous: no FPR defined.
	if _, err := AUPRO([][]float32{{0.1, 0.2, 0.3, 0.4}}, [][]bool{bools(1, 1, 1, 1)}, 2, 2); !errors.Is(err, ErrUndefined) {
		t.Errorf("no negatives: %v", err)
	}
	// Invalid input is not "undefined".
	for name, f := range map[string]func() error{
		"size":  func() error { _, err := AUPRO(m, k, 3, 2); return err },
		"count": func() error { _, err := AUPRO(m, k[:1], 2, 2); return err },
		"nan":   func() error { _, err := AUPRO([][]float32{{0, float32(math.NaN()), 1, 1}}, k[:1], 2, 2); return err },
		"empty": func() error { _, err := AUPRO(nil, nil, 2, 2); return err },
		"hw":    func() error { _, err := AUPRO(m, k, 0, 4); return err },
	} {
		if err := f(); err == nil || errors.Is(err, ErrUndefined) {
			t.Errorf("%s: err %v, want an input error", name, err)
		}
	}
}

// An image with no regions still contributes its pixels to the FPR only.
func TestAUPROImageWithoutRegions(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	maps, masks := randomMapsMasks(rng, 3, 16, 16, 0)
	for i := range masks[1] {
		masks[1][i] = false
	}
	masks[0][5*16+5] = true
	a, err := AUPRO(maps, masks, 16, 16)
	if err != nil {
		t.Fatal(err)
	}
	// Raising scores inside the region-free image only adds false positives,
	// so AUPRO cannot increase.
	for p := range maps[1] {
		maps[1][p] += 0.5
	}
	b, err := AUPRO(maps, masks, 16, 16)
	if err != nil {
		t.Fatal(err)
	}
	pro, fpr, _ := refPROCurve(maps, masks, 16, 16, 8)
	if want := refAUPRO(pro, fpr); !near(b, want, 1e-12) {
		t.Errorf("AUPRO %v, reference %v", b, want)
	}
	if !(a > 0 && a <= 1 && b > 0 && b <= 1) {
		t.Errorf("AUPRO out of range: %v %v", a, b)
	}
}

func TestProThresholdsHand(t *testing.T) {
	// delta = 1/200 (rounded); 1/delta rounds to exactly 200, so 200
	// thresholds 0, delta, 2·delta, … (np.arange(0, 1, 0.005)).
	th := proThresholds(0, 1, 200)
	d := 0.005
	if len(th) != 200 || th[0] != 0 || th[1] != d || th[199] != float64(199)*d {
		t.Errorf("arange(0,1,0.005): n=%d first %v %v last %v", len(th), th[0], th[1], th[len(th)-1])
	}
}
