package anomaly

import (
	"errors"
	"fmt"
	"math"
)

// ErrInput is wrapped by every error about malformed input.
var ErrInput = errors.New("anomaly: invalid input")

func dot64(a, b []float32) float64 {
	s := 0.0
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}

// checkVec rejects empty, non-finite and (when nonzero is set) all-zero vectors.
func checkVec(what string, v []float32, nonzero bool) error {
	if len(v) == 0 {
		return fmt.Errorf("%w: %s is empty", ErrInput, what)
	}
	zero := true
	for i, x := range v {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%w: %s[%d] is %v", ErrInput, what, i, x)
		}
		if x != 0 {
			zero = false
		}
	}
	if nonzero && zero {
		return fmt.Errorf("%w: %s is the zero vector", ErrInput, what)
	}
	return nil
}

func checkText(tn, ta []float32) error {
	if err := checkVec("t_normal", tn, true); err != nil {
		return err
	}
	if err := checkVec("t_abnormal", ta, true); err != nil {
		return err
	}
	if len(tn) != len(ta) {
		return fmt.Errorf("%w: t_normal has %d dims, t_abnormal %d", ErrInput, len(tn), len(ta))
	}
	return nil
}

// softmax2 returns softmax(a, b) computed stably.
func softmax2(a, b float64) (pa, pb float64) {
	m := math.Max(a, b)
	ea, eb := math.Exp(a-m), math.Exp(b-m)
	return ea / (ea + eb), eb / (ea + eb)
}

// FeatureSurgery computes the per-token abnormal-channel feature-surgery
// similarity of one stage (spec §4.1) in closed form:
//
//	sim_i = p_a·⟨F_i, t_a⟩ − p_n·⟨F_i, t_n⟩,
//	(p_n, p_a) = softmax(⟨F_0, t_n⟩, ⟨F_0, t_a⟩)   (temperature 1).
//
// F is T×E row-major (E = len(tn) = len(ta)), rows L2-normalised, row 0 the
// class token. Dot products accumulate in float64. Errors: lengths that do
// not fit, NaN/Inf anywhere, zero text vectors, an all-zero row of F.
func FeatureSurgery(F, tn, ta []float32) (sim []float32, pn, pa float64, err error) {
	if err := checkText(tn, ta); err != nil {
		return nil, 0, 0, err
	}
	E := len(tn)
	if len(F) == 0 || len(F)%E != 0 {
		return nil, 0, 0, fmt.Errorf("%w: F has %d values, not a positive multiple of the embedding size %d", ErrInput, len(F), E)
	}
	T := len(F) / E
	for i := 0; i < T; i++ {
		if err := checkVec(fmt.Sprintf("F row %d", i), F[i*E:(i+1)*E], true); err != nil {
			return nil, 0, 0, err
		}
	}
	pn, pa = softmax2(dot64(F[:E], tn), dot64(F[:E], ta))
	sim = make([]float32, T)
	for i := 0; i < T; i++ {
		r := F[i*E : (i+1)*E]
		sim[i] = float32(pa*dot64(r, ta) - pn*dot64(r, tn))
	}
	return sim, pn, pa, nil
}

// ProbAbnormal is the image-level CLIP probability s0 of spec §4.4:
// softmax(100·⟨F_4[0], t_n⟩, 100·⟨F_4[0], t_a⟩)[abnormal], from the final
// stage's class token.
func ProbAbnormal(F4cls, tn, ta []float32) (float64, error) {
	if err := checkText(tn, ta); err != nil {
		return 0, err
	}
	if len(F4cls) != len(tn) {
		return 0, fmt.Errorf("%w: class token has %d dims, text vectors %d", ErrInput, len(F4cls), len(tn))
	}
	if err := checkVec("class token", F4cls, true); err != nil {
		return 0, err
	}
	_, pa := softmax2(100*dot64(F4cls, tn), 100*dot64(F4cls, ta))
	return pa, nil
}

// StageSum adds the per-stage similarity vectors element-wise (spec §4.2:
// plain, unweighted sum over the stages), accumulating in float64.
func StageSum(sims [][]float32) ([]float32, error) {
	if len(sims) == 0 {
		return nil, fmt.Errorf("%w: no stages", ErrInput)
	}
	n := len(sims[0])
	if n == 0 {
		return nil, fmt.Errorf("%w: stage 0 is empty", ErrInput)
	}
	acc := make([]float64, n)
	for k, s := range sims {
		if len(s) != n {
			return nil, fmt.Errorf("%w: stage %d has %d tokens, stage 0 has %d", ErrInput, k, len(s), n)
		}
		for i, v := range s {
			f := float64(v)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("%w: stage %d token %d is %v", ErrInput, k, i, v)
			}
			acc[i] += f
		}
	}
	out := make([]float32, n)
	for i, v := range acc {
		out[i] = float32(v)
	}
	return out, nil
}

// PatchMap drops token 0 (the class token) and returns the remaining
// grid·grid values as a row-major grid×grid map (token 1 + grid·r + c is
// patch row r, column c).
func PatchMap(sim []float32, grid int) ([]float32, error) {
	if grid < 1 {
		return nil, fmt.Errorf("%w: grid %d", ErrInput, grid)
	}
	if len(sim) != grid*grid+1 {
		return nil, fmt.Errorf("%w: %d tokens, want 1 + %d×%d = %d", ErrInput, len(sim), grid, grid, grid*grid+1)
	}
	return append([]float32(nil), sim[1:]...), nil
}

// SDPMap composes spec §4.1–4.3 for one image: feature surgery per stage
// (stages[k] is F_k, T×E row-major, T = 1 + grid²), the sum over stages,
// class token dropped → raw grid×grid map; bilinear (align_corners=False)
// to size×size and Gaussian smoothing with sigma → smoothed size×size map.
// sigma ≤ 1e-15 skips the smoothing (as scipy does).
func SDPMap(stages [][]float32, tn, ta []float32, grid, size int, sigma float64) (raw, smoothed []float32, err error) {
	if len(stages) == 0 {
		return nil, nil, fmt.Errorf("%w: no stages", ErrInput)
	}
	sims := make([][]float32, len(stages))
	for k, F := range stages {
		s, _, _, err := FeatureSurgery(F, tn, ta)
		if err != nil {
			return nil, nil, fmt.Errorf("stage %d: %w", k+1, err)
		}
		sims[k] = s
	}
	sum, err := StageSum(sims)
	if err != nil {
		return nil, nil, err
	}
	raw, err = PatchMap(sum, grid)
	if err != nil {
		return nil, nil, err
	}
	up, err := Bilinear(raw, grid, grid, size, size, false)
	if err != nil {
		return nil, nil, err
	}
	smoothed, err = Gaussian(up, size, size, sigma)
	if err != nil {
		return nil, nil, err
	}
	return raw, smoothed, nil
}
