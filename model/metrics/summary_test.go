package metrics

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestFormatPctHand(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{0, "0.0"}, {1, "100.0"}, {0.91234, "91.2"}, {0.91251, "91.3"},
		{0.5, "50.0"}, {0.0004, "0.0"}, {math.NaN(), "nan"},
		// (v·100)·10 lands exactly on .5: numpy's rint rounds half to even
		{0.0005, "0.0"},   // 0.5 → 0
		{0.1005, "10.0"},  // 100.5 → 100
		{0.9995, "100.0"}, // 999.5 → 1000
	} {
		if got := FormatPct(c.v); got != c.want {
			t.Errorf("FormatPct(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestPairwiseSumMatchesPlainForSmall(t *testing.T) {
	a := []float64{1, 2, 3, 4, 5, 6, 7}
	if pairwiseSum(a) != 28 || npMean(a) != 4 {
		t.Error("small sums")
	}
	if !math.IsNaN(npMean(nil)) {
		t.Error("mean of nothing must be nan")
	}
	// 8..128 elements use 8 accumulators: 1e16 + 1 + ... differs from a
	// left-to-right sum. r0 = 1e16+1+1 → 1e16 (each +1 lost), r1..r7 = 1.
	b := make([]float64, 16)
	b[0] = 1e16
	for i := 1; i < 16; i++ {
		b[i] = 1
	}
	// r[0] = 1e16 + b[8] = 1e16 (+1 lost to rounding); r[1..7] = 2 each.
	// ((r0+r1)+(r2+r3)) + ((r4+r5)+(r6+r7)) = (1e16+2+4) + 8 = 1e16+14.
	if got := pairwiseSum(b); got != 1e16+14 {
		t.Errorf("pairwise = %.17g, want 1e16+14", got)
	}
}

func TestSummarize(t *testing.T) {
	na := valueOf(0, undefined("AUROC", reasonNoPos))
	rows := []Row{
		{Category: "bottle",
			Pixel: &PixelResult{AUROC: Value{V: 0.9}, F1Max: Value{V: 0.5}, AP: Value{V: 0.4}, AUPRO: Value{V: 0.8}},
			Image: &ImageResult{AUROC: Value{V: 0.95}, F1Max: Value{V: 0.9}, AP: Value{V: 0.97}}},
		{Category: "cable",
			Pixel: &PixelResult{AUROC: Value{V: 0.7}, F1Max: Value{V: 0.3}, AP: Value{V: 0.2}, AUPRO: Value{V: 0.6}},
			Image: &ImageResult{AUROC: na, F1Max: Value{V: 0.8}, AP: Value{V: 0.85}}},
		{Category: "grid",
			Pixel: &PixelResult{AUROC: Value{V: 0.8}, F1Max: Value{V: 0.4}, AP: Value{V: 0.3}, AUPRO: valueOf(0, undefined("AUPRO", "x"))},
			Image: &ImageResult{AUROC: Value{V: 0.75}, F1Max: Value{V: 0.7}, AP: Value{V: 0.8}}},
	}
	s := Summarize(rows)
	if len(s.Columns) != int(NumMetrics) {
		t.Fatalf("columns %v", s.Columns)
	}
	want := map[Metric]float64{
		PixelAUROC: (0.9 + 0.7 + 0.8) / 3, PixelAUPRO: (0.8 + 0.6) / 2,
		ImageAUROC: (0.95 + 0.75) / 2, ImageAP: (0.97 + 0.85 + 0.8) / 3,
	}
	for m, w := range want {
		if !s.Mean[m].OK() || !near(s.Mean[m].V, w, 1e-15) {
			t.Errorf("mean %v = %v, want %v", m, s.Mean[m].V, w)
		}
	}
	if s.Counted[ImageAUROC] != 2 || s.Counted[PixelAUPRO] != 2 || s.Counted[PixelAP] != 3 {
		t.Errorf("counted %v", s.Counted)
	}
	if len(s.Notes) != 2 || !strings.Contains(s.Notes[0], "aupro") || !strings.Contains(s.Notes[0], "grid") ||
		!strings.Contains(s.Notes[1], "auroc_sp") || !strings.Contains(s.Notes[1], "cable") {
		t.Errorf("notes %q", s.Notes)
	}
	tab := s.Table()
	for _, frag := range []string{
		"| objects | auroc_px | f1_px | ap_px | aupro | auroc_sp | f1_sp | ap_sp |",
		"| bottle  |     90.0 |  50.0 |  40.0 |  80.0 |     95.0 |  90.0 |  97.0 |",
		"| cable   |     70.0 |  30.0 |  20.0 |  60.0 |      n/a |  80.0 |  85.0 |",
		"| mean    |     80.0 |  40.0 |  30.0 |  70.0 |     85.0 |  80.0 |  87.3 |",
		"note: auroc_sp: mean over 2 categories; n/a (skipped): cable",
	} {
		if !strings.Contains(tab, frag) {
			t.Errorf("table lacks %q:\n%s", frag, tab)
		}
	}
}

func TestSummarizeImageOnlyAndAllNA(t *testing.T) {
	na := valueOf(0, undefined("AUROC", reasonNoNeg))
	s := Summarize([]Row{
		{Category: "headct", Image: &ImageResult{AUROC: na, F1Max: Value{V: 1}, AP: Value{V: 1}}},
	})
	if len(s.Columns) != 3 || s.Columns[0] != ImageAUROC {
		t.Fatalf("columns %v", s.Columns)
	}
	if s.Mean[ImageAUROC].OK() || !errors.Is(s.Mean[ImageAUROC].Err, ErrUndefined) {
		t.Errorf("mean of only n/a values: %+v", s.Mean[ImageAUROC])
	}
	if !strings.Contains(s.Table(), "| mean    |      n/a | 100.0 | 100.0 |") {
		t.Errorf("table:\n%s", s.Table())
	}
}

func TestEvalPixelAndImage(t *testing.T) {
	maps := [][]float32{{0.9, 0.1, 0.2, 0.3}, {0.2, 0.1, 0.8, 0.7}}
	masks := [][]bool{bools(1, 0, 0, 0), bools(0, 0, 1, 1)}
	p, err := EvalPixel(maps, masks, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	// positives 0.9, 0.8, 0.7 all above every negative (≤ 0.3)
	if p.AUROC.V != 1 || p.AP.V != 1 || p.F1Max.V != 1 || !p.AUPRO.OK() || !near(p.AUPRO.V, 1, 1e-12) {
		t.Errorf("pixel %+v", p)
	}
	noAnom := [][]bool{bools(0, 0, 0, 0), bools(0, 0, 0, 0)}
	p, err = EvalPixel(maps, noAnom, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if p.AUROC.OK() || p.AP.OK() || p.F1Max.OK() || p.AUPRO.OK() {
		t.Errorf("category without anomalies should be all n/a: %+v", p)
	}
	if _, err := EvalPixel(maps, masks, 3, 3); err == nil {
		t.Error("size mismatch accepted")
	}
	im, err := EvalImage([]float64{0.2, 0.9, 0.4}, bools(0, 1, 0))
	if err != nil || im.AUROC.V != 1 || im.AP.V != 1 || im.F1Max.V != 1 {
		t.Errorf("image %+v %v", im, err)
	}
	if _, err := EvalImage([]float64{0.2}, bools(0, 1)); err == nil {
		t.Error("length mismatch accepted")
	}
}
