package anomaly

import (
	"fmt"
	"math"
)

func checkScores(what string, v []float64) error {
	if len(v) == 0 {
		return fmt.Errorf("%w: no %s scores", ErrInput, what)
	}
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%w: %s[%d] is %v", ErrInput, what, i, x)
		}
	}
	return nil
}

// MinMax returns (v − min)/(max − min). When max == min (one image, or all
// scores equal) every value is 0: the reference would produce 0/0 = NaN
// there; 0 keeps the term neutral in the sum.
func MinMax(v []float64) ([]float64, error) {
	if err := checkScores("min-max", v); err != nil {
		return nil, err
	}
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo = math.Min(lo, x)
		hi = math.Max(hi, x)
	}
	out := make([]float64, len(v))
	if hi > lo {
		for i, x := range v {
			out[i] = (x - lo) / (hi - lo)
		}
	}
	return out, nil
}

// MaxValue returns the maximum of a map: the pixel-level image score s1 of
// spec §4.4 when m is the smoothed map.
func MaxValue(m []float32) (float64, error) {
	if len(m) == 0 {
		return 0, fmt.Errorf("%w: empty map", ErrInput)
	}
	mx := math.Inf(-1)
	for i, v := range m {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("%w: map[%d] is %v", ErrInput, i, v)
		}
		mx = math.Max(mx, f)
	}
	return mx, nil
}

// BatchScores is the official image score (spec §4.4, batch mode): over all
// images of one category, score_i = MinMax(s0)_i + MinMax(s1)_i, with s0 the
// class-token probability (ProbAbnormal) and s1 the maximum of the smoothed
// map. A term whose values are all equal contributes 0 (see MinMax), so one
// image alone scores 0. Scores lie in [0, 2].
func BatchScores(s0, s1 []float64) ([]float64, error) {
	if len(s0) != len(s1) {
		return nil, fmt.Errorf("%w: %d s0 scores but %d s1 scores", ErrInput, len(s0), len(s1))
	}
	a, err := MinMax(s0)
	if err != nil {
		return nil, fmt.Errorf("s0: %w", err)
	}
	b, err := MinMax(s1)
	if err != nil {
		return nil, fmt.Errorf("s1: %w", err)
	}
	for i := range a {
		a[i] += b[i]
	}
	return a, nil
}

// Calibration holds the fixed affine ranges of the single-image score: each
// term is mapped by (s − Min)/(Max − Min) and clamped to [0, 1], i.e. the
// batch formula with the category's observed min/max replaced by constants.
// A range with Max == Min contributes 0, as in MinMax.
type Calibration struct {
	S0Min, S0Max float64 // range of ProbAbnormal
	S1Min, S1Max float64 // range of the smoothed map maximum
}

// DefaultCalibration is the weight-independent default: s0 keeps its
// natural probability range [0, 1]; s1 uses [0, 0.1], a placeholder derived
// only from the size of the SDP values (a sum over 4 stages of cosine
// differences weighted by ≈ 0.5, i.e. a few hundredths per stage, spec
// §5.3) — NOT fitted on real data. Fit it with FitCalibration on scores of
// real images for the weights in use.
func DefaultCalibration() Calibration {
	return Calibration{S0Min: 0, S0Max: 1, S1Min: 0, S1Max: 0.1}
}

// FitCalibration returns the calibration whose ranges are the min/max of
// the given scores (for example all test images of a category, or a pooled
// validation set). With it, Score reproduces BatchScores exactly on those
// same images.
func FitCalibration(s0, s1 []float64) (Calibration, error) {
	if len(s0) != len(s1) {
		return Calibration{}, fmt.Errorf("%w: %d s0 scores but %d s1 scores", ErrInput, len(s0), len(s1))
	}
	if err := checkScores("s0", s0); err != nil {
		return Calibration{}, err
	}
	if err := checkScores("s1", s1); err != nil {
		return Calibration{}, err
	}
	c := Calibration{S0Min: s0[0], S0Max: s0[0], S1Min: s1[0], S1Max: s1[0]}
	for i := range s0 {
		c.S0Min, c.S0Max = math.Min(c.S0Min, s0[i]), math.Max(c.S0Max, s0[i])
		c.S1Min, c.S1Max = math.Min(c.S1Min, s1[i]), math.Max(c.S1Max, s1[i])
	}
	return c, nil
}

func (c Calibration) check() error {
	for _, v := range []float64{c.S0Min, c.S0Max, c.S1Min, c.S1Max} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: calibration %+v is not finite", ErrInput, c)
		}
	}
	if c.S0Max < c.S0Min || c.S1Max < c.S1Min {
		return fmt.Errorf("%w: calibration %+v has Max < Min", ErrInput, c)
	}
	return nil
}

func affine01(x, lo, hi float64) float64 {
	if !(hi > lo) {
		return 0
	}
	return math.Min(1, math.Max(0, (x-lo)/(hi-lo)))
}

// Score is the single-image score: clamp01((s0 − S0Min)/(S0Max − S0Min)) +
// clamp01((s1 − S1Min)/(S1Max − S1Min)), in [0, 2]. It needs no other
// images; see the package documentation for what it is and is not.
func (c Calibration) Score(s0, s1 float64) (float64, error) {
	if err := c.check(); err != nil {
		return 0, err
	}
	for _, v := range []float64{s0, s1} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("%w: score input %v", ErrInput, v)
		}
	}
	return affine01(s0, c.S0Min, c.S0Max) + affine01(s1, c.S1Min, c.S1Max), nil
}

// SingleScore is DefaultCalibration().Score(s0, s1).
func SingleScore(s0, s1 float64) (float64, error) {
	return DefaultCalibration().Score(s0, s1)
}
