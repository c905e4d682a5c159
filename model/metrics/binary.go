package metrics

import (
	"fmt"
	"math"
	"slices"
)

// Value is one metric value, or n/a when Err is non-nil (Err then says why;
// errors.Is(Err, ErrUndefined) holds for the values this package produces).
type Value struct {
	V   float64
	Err error
}

// OK reports whether the value is defined.
func (v Value) OK() bool { return v.Err == nil }

// String is FormatPct(V), or "n/a".
func (v Value) String() string {
	if v.Err != nil {
		return "n/a"
	}
	return FormatPct(v.V)
}

func valueOf(v float64, err error) Value {
	if err != nil {
		return Value{V: math.NaN(), Err: err}
	}
	return Value{V: v}
}

// BinaryResult holds the three threshold-free binary metrics computed from one
// sort of the scores. Each is n/a (Err set) where sklearn would raise or give
// nan: AUROC needs both classes, AP and F1-max need at least one positive.
type BinaryResult struct {
	AUROC Value // sklearn roc_auc_score
	AP    Value // sklearn average_precision_score
	F1Max Value // max F1 over sklearn precision_recall_curve, NaNs dropped

	Positives, Negatives int
}

// AUROC is sklearn's roc_auc_score for binary labels (true = positive =
// anomalous): the trapezoidal area under the ROC curve over distinct score
// thresholds, so tied scores count one half. It returns an error matching
// ErrUndefined when only one class is present.
func AUROC(scores []float64, labels []bool) (float64, error) {
	r, err := Binary(scores, labels)
	if err != nil {
		return math.NaN(), err
	}
	return r.AUROC.V, r.AUROC.Err
}

// AP is sklearn's average_precision_score: Σ_k (R_k − R_{k−1})·P_k over
// distinct thresholds in descending order (no interpolation). Undefined
// (ErrUndefined) without positives.
func AP(scores []float64, labels []bool) (float64, error) {
	r, err := Binary(scores, labels)
	if err != nil {
		return math.NaN(), err
	}
	return r.AP.V, r.AP.Err
}

// F1Max is the official F1-max: F1 = 2PR/(P+R) at every point of sklearn's
// precision_recall_curve (positive iff score ≥ threshold, distinct
// thresholds, plus the appended P=1,R=0 point), NaNs dropped, maximum taken.
// Undefined (ErrUndefined) without positives.
func F1Max(scores []float64, labels []bool) (float64, error) {
	r, err := Binary(scores, labels)
	if err != nil {
		return math.NaN(), err
	}
	return r.F1Max.V, r.F1Max.Err
}

// AUROC32 is AUROC for float32 scores (pixel level).
func AUROC32(scores []float32, labels []bool) (float64, error) {
	r, err := Binary32(scores, labels)
	if err != nil {
		return math.NaN(), err
	}
	return r.AUROC.V, r.AUROC.Err
}

// AP32 is AP for float32 scores (pixel level).
func AP32(scores []float32, labels []bool) (float64, error) {
	r, err := Binary32(scores, labels)
	if err != nil {
		return math.NaN(), err
	}
	return r.AP.V, r.AP.Err
}

// F1Max32 is F1Max for float32 scores (pixel level).
func F1Max32(scores []float32, labels []bool) (float64, error) {
	r, err := Binary32(scores, labels)
	if err != nil {
		return math.NaN(), err
	}
	return r.F1Max.V, r.F1Max.Err
}

// Binary computes AUROC, AP and F1-max with a single O(n log n) sort. The
// returned error is only for invalid input (length mismatch, empty input,
// NaN or ±Inf scores — sklearn rejects those too); undefined metrics are
// reported per value in the result.
func Binary(scores []float64, labels []bool) (BinaryResult, error) {
	if len(scores) != len(labels) {
		return BinaryResult{}, fmt.Errorf("metrics: %d scores but %d labels", len(scores), len(labels))
	}
	if len(scores) == 0 {
		return BinaryResult{}, fmt.Errorf("metrics: no samples")
	}
	npos := 0
	for i, s := range scores {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return BinaryResult{}, fmt.Errorf("metrics: score %d is %v (scores must be finite)", i, s)
		}
		if labels[i] {
			npos++
		}
	}
	pos := make([]uint64, 0, npos)
	neg := make([]uint64, 0, len(scores)-npos)
	for i, s := range scores {
		if labels[i] {
			pos = append(pos, key64(s))
		} else {
			neg = append(neg, key64(s))
		}
	}
	slices.Sort(pos)
	slices.Sort(neg)
	return sweep(pos, neg), nil
}

// Binary32 is Binary for float32 scores. It stores 4 bytes per sample
// (positives and negatives sorted separately with an in-place radix sort)
// and makes no per-threshold passes, so it suits all pixels of a category
// (10^7–10^8 values).
func Binary32(scores []float32, labels []bool) (BinaryResult, error) {
	if len(scores) != len(labels) {
		return BinaryResult{}, fmt.Errorf("metrics: %d scores but %d labels", len(scores), len(labels))
	}
	return BinaryMaps([][]float32{scores}, [][]bool{labels})
}

// BinaryMaps is Binary32 over the concatenation of maps[i] (scores) and
// masks[i] (labels, true = anomalous pixel) without building the
// concatenation: the pixel-level AUROC / AP / F1-max of a category, as the
// official code computes them on gt_px.ravel(), pr_px.ravel().
func BinaryMaps(maps [][]float32, masks [][]bool) (BinaryResult, error) {
	if len(maps) != len(masks) {
		return BinaryResult{}, fmt.Errorf("metrics: %d maps but %d masks", len(maps), len(masks))
	}
	npos, n := 0, 0
	for i, m := range maps {
		if len(m) != len(masks[i]) {
			return BinaryResult{}, fmt.Errorf("metrics: map %d has %d values but its mask %d", i, len(m), len(masks[i]))
		}
		for j, s := range m {
			if s != s || math.IsInf(float64(s), 0) {
				return BinaryResult{}, fmt.Errorf("metrics: map %d value %d is %v (scores must be finite)", i, j, s)
			}
			if masks[i][j] {
				npos++
			}
		}
		n += len(m)
	}
	if n == 0 {
		return BinaryResult{}, fmt.Errorf("metrics: no samples")
	}
	pos := make([]uint32, 0, npos)
	neg := make([]uint32, 0, n-npos)
	for i, m := range maps {
		mk := masks[i]
		for j, s := range m {
			if mk[j] {
				pos = append(pos, key32(s))
			} else {
				neg = append(neg, key32(s))
			}
		}
	}
	radixSort32(pos)
	radixSort32(neg)
	return sweep(pos, neg), nil
}

// sweep walks the distinct thresholds from the highest score down (pos and
// neg are ascending keys of the positive and negative samples) and
// accumulates the three metrics in one pass.
//
// At each distinct threshold t the cumulative counts tp, fp are those of
// sklearn's _binary_clf_curve (positive iff score ≥ t).
//   - AUROC: 2·area = Σ Δfp·(tp_prev + tp) is accumulated exactly in integers
//     and divided by 2·P·N once (sklearn's trapezoid over the same points,
//     without its float rounding).
//   - AP: Σ (tp/P − tp_prev/P)·tp/(tp+fp), each term formed as sklearn forms
//     it, summed with Neumaier compensation.
//   - F1: (2·p·r)/(p+r) with p = tp/(tp+fp), r = tp/P, exactly numpy's
//     expression, maximized over thresholds with tp > 0 (tp = 0 gives 0/0 =
//     NaN, dropped) and the appended P=1,R=0 point (F1 = 0). sklearn 1.0.2
//     stops the curve at full recall; the points after it have recall 1 and
//     falling precision, so neither the maximum nor AP changes.
func sweep[K uint32 | uint64](pos, neg []K) BinaryResult {
	P, N := len(pos), len(neg)
	res := BinaryResult{Positives: P, Negatives: N}
	i, j := P-1, N-1
	var tp, fp uint64
	var twiceArea uint64
	var apSum, apComp float64
	f1 := 0.0 // the appended (P=1, R=0) point
	fP := float64(P)
	for i >= 0 || j >= 0 {
		var k K
		if j < 0 || (i >= 0 && pos[i] >= neg[j]) {
			k = pos[i]
		} else {
			k = neg[j]
		}
		tp0, fp0 := tp, fp
		for i >= 0 && pos[i] == k {
			tp++
			i--
		}
		for j >= 0 && neg[j] == k {
			fp++
			j--
		}
		twiceArea += (fp - fp0) * (tp0 + tp)
		if tp == 0 || P == 0 {
			continue
		}
		prec := float64(tp) / float64(tp+fp)
		rec := float64(tp) / fP
		if tp != tp0 {
			term := float64((rec - float64(tp0)/fP) * prec)
			// Neumaier-compensated apSum += term.
			t := apSum + term
			if math.Abs(apSum) >= math.Abs(term) {
				apComp += (apSum - t) + term
			} else {
				apComp += (term - t) + apSum
			}
			apSum = t
		}
		if f := (2 * prec * rec) / (prec + rec); f > f1 {
			f1 = f
		}
	}
	switch {
	case P == 0:
		e := undefined("AUROC", reasonNoPos)
		res.AUROC = valueOf(0, e)
		res.AP = valueOf(0, undefined("AP", reasonNoPos))
		res.F1Max = valueOf(0, undefined("F1-max", reasonNoPos))
		return res
	case N == 0:
		res.AUROC = valueOf(0, undefined("AUROC", reasonNoNeg))
	default:
		res.AUROC = Value{V: float64(twiceArea) / float64(2*uint64(P)*uint64(N))}
	}
	res.AP = Value{V: apSum + apComp}
	res.F1Max = Value{V: f1}
	return res
}
