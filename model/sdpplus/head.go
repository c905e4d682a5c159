package sdpplus

import (
	"errors"
	"fmt"
	"math"

	"github.com/clipad/clipad/model/anomaly"
	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/kernels"
)

// Stages is the number of linear layers (one per stage, spec §5.1).
const Stages = 4

// LogitScale multiplies the patch-text cosines before the 2-way softmax.
const LogitScale = 100

// VisASigma is the Gaussian σ the official scripts use for SDP+ on VisA
// (spec §5.3); every other dataset uses 8.
const VisASigma = 2

// ErrHead is wrapped by every error about a malformed head or checkpoint.
var ErrHead = errors.New("sdpplus")

// Meta describes where a head comes from. Every field is optional.
type Meta struct {
	// ModelID is the id of the model the layers were trained on; "" for
	// imported checkpoints (they were trained on ViT-B-16-plus-240
	// laion400m_e31, whose id depends on how its weights were converted).
	ModelID string
	// Config is the config name (e.g. ViT-B-16-plus-240, planted).
	Config string
	// Epoch is the training epoch (1-based) the layers come from; 0 unknown.
	Epoch int
	// TrainData and TargetData name the training and validation sets.
	TrainData, TargetData string
	// Sigma is the Gaussian σ recommended for the target data (8, or 2 for
	// VisA); 0 unknown. It is informative: the caller chooses σ.
	Sigma float64
	// Source says how the head was made ("clipad train", "import <file>").
	Source string
}

// Head is the SDP+ head: Stages linear layers W→E in PyTorch layout
// (y = x·Wᵀ + b, Weight[k] is E×W row-major).
type Head struct {
	Width, Embed int
	Weight       [Stages][]float32
	Bias         [Stages][]float32
	Meta         Meta
}

// NewHead returns a zero head for width W and embedding E.
func NewHead(W, E int) *Head {
	h := &Head{Width: W, Embed: E}
	for k := range Stages {
		h.Weight[k] = make([]float32, E*W)
		h.Bias[k] = make([]float32, E)
	}
	return h
}

// Clone returns a deep copy.
func (h *Head) Clone() *Head {
	c := &Head{Width: h.Width, Embed: h.Embed, Meta: h.Meta}
	for k := range Stages {
		c.Weight[k] = append([]float32(nil), h.Weight[k]...)
		c.Bias[k] = append([]float32(nil), h.Bias[k]...)
	}
	return c
}

// maxDim bounds W and E (the largest real model has W = 1024, E = 768).
const maxDim = 1 << 14

// Check verifies shapes and that every parameter is finite.
func (h *Head) Check() error {
	if h == nil {
		return fmt.Errorf("%w: no head", ErrHead)
	}
	if h.Width < 1 || h.Embed < 1 || h.Width > maxDim || h.Embed > maxDim {
		return fmt.Errorf("%w: bad layer size %d→%d", ErrHead, h.Width, h.Embed)
	}
	for k := range Stages {
		if len(h.Weight[k]) != h.Embed*h.Width {
			return fmt.Errorf("%w: fc.%d.weight holds %d values, [%d,%d] needs %d", ErrHead, k, len(h.Weight[k]), h.Embed, h.Width, h.Embed*h.Width)
		}
		if len(h.Bias[k]) != h.Embed {
			return fmt.Errorf("%w: fc.%d.bias holds %d values, [%d] needs %d", ErrHead, k, len(h.Bias[k]), h.Embed, h.Embed)
		}
		for _, p := range [2][]float32{h.Weight[k], h.Bias[k]} {
			for i, v := range p {
				if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
					return fmt.Errorf("%w: fc.%d has a non-finite parameter (%v at %d)", ErrHead, k, v, i)
				}
			}
		}
	}
	return nil
}

// CheckModel verifies that the head fits a model: its layers must map the
// config's vision width to its embedding size, and a head trained for a
// known model id must be used with that model.
func (h *Head) CheckModel(cfg config.Config, modelID string) error {
	if err := h.Check(); err != nil {
		return err
	}
	if h.Width != cfg.Vision.Width || h.Embed != cfg.EmbedDim {
		return fmt.Errorf("%w: the SDP+ layers map width %d → %d, but model %s has width %d → embedding %d (layers made for another model)",
			ErrHead, h.Width, h.Embed, cfg.Name, cfg.Vision.Width, cfg.EmbedDim)
	}
	if h.Meta.ModelID != "" && modelID != "" && h.Meta.ModelID != modelID {
		return fmt.Errorf("%w: the SDP+ layers were trained for model %s, not %s", ErrHead, h.Meta.ModelID, modelID)
	}
	return nil
}

// StageLogits returns stage k's patch logits, row-major P×2 (P = grid²,
// column 0 normal, 1 abnormal): 100·⟨L2(Linear_k(O_k[1+i])), t⟩. orig is
// the stage's original-path tensor with its class token (T×W, T = P+1).
func (h *Head) StageLogits(k int, orig []float32, grid int, tn, ta []float32) ([]float32, error) {
	if k < 0 || k >= Stages {
		return nil, fmt.Errorf("%w: no stage %d", ErrHead, k)
	}
	W, E := h.Width, h.Embed
	P := grid * grid
	if grid < 1 || len(orig) != (P+1)*W {
		return nil, fmt.Errorf("%w: stage %d tokens: %d values, want (%d+1)×%d", ErrHead, k+1, len(orig), P, W)
	}
	if len(tn) != E || len(ta) != E {
		return nil, fmt.Errorf("%w: text vectors are %d/%d-d, the layers embed in %d-d", ErrHead, len(tn), len(ta), E)
	}
	y := make([]float32, P*E)
	kernels.Linear(y, orig[W:], P, W, h.Weight[k], E, h.Bias[k])
	out := make([]float32, 2*P)
	for i := 0; i < P; i++ {
		g := y[i*E : (i+1)*E]
		var nn, dn, da float64
		for j, v := range g {
			f := float64(v)
			nn += f * f
			dn += f * float64(tn[j])
			da += f * float64(ta[j])
		}
		if !(nn > 0) || math.IsInf(nn, 0) {
			return nil, fmt.Errorf("%w: stage %d patch %d: feature norm is %v", ErrHead, k+1, i, math.Sqrt(nn))
		}
		s := LogitScale / math.Sqrt(nn)
		out[2*i], out[2*i+1] = float32(dn*s), float32(da*s)
	}
	return out, nil
}

// StageProb returns P_k[abnormal] at size×size: the stage's two logit
// channels are upsampled separately from grid×grid with bilinear
// align_corners=True, then softmax over the two channels (spec §5.1).
func (h *Head) StageProb(k int, orig []float32, grid, size int, tn, ta []float32) ([]float32, error) {
	lg, err := h.StageLogits(k, orig, grid, tn, ta)
	if err != nil {
		return nil, err
	}
	P := grid * grid
	ln, la := make([]float32, P), make([]float32, P)
	for i := 0; i < P; i++ {
		ln[i], la[i] = lg[2*i], lg[2*i+1]
	}
	un, err := anomaly.Bilinear(ln, grid, grid, size, size, true)
	if err != nil {
		return nil, err
	}
	ua, err := anomaly.Bilinear(la, grid, grid, size, size, true)
	if err != nil {
		return nil, err
	}
	for i := range ua {
		// softmax(n, a)_a = 1/(1+exp(n−a))
		ua[i] = float32(1 / (1 + math.Exp(float64(un[i])-float64(ua[i]))))
	}
	return ua, nil
}

// Map returns Σ_k P_k[abnormal] (size×size, values in [0, Stages]) from
// the four original-path stage tensors (vision.Output.Original).
func (h *Head) Map(orig [Stages][]float32, grid, size int, tn, ta []float32) ([]float32, error) {
	var sum []float32
	for k := range Stages {
		p, err := h.StageProb(k, orig[k], grid, size, tn, ta)
		if err != nil {
			return nil, err
		}
		if sum == nil {
			sum = p
			continue
		}
		for i, v := range p {
			sum[i] += v
		}
	}
	return sum, nil
}

// Combine is the SDP+ pixel map of spec §5.3:
// Gaussian_σ( Bilinear_{align_corners=False}(sdpRaw) + plus ), with sdpRaw
// the unsmoothed grid×grid SDP patch map (detect.Record.PatchMap) and plus
// the size×size output of Map. sigma ≤ 0 skips the smoothing.
func Combine(sdpRaw, plus []float32, grid, size int, sigma float64) ([]float32, error) {
	if len(plus) != size*size {
		return nil, fmt.Errorf("%w: SDP+ map has %d values, want %d×%d", ErrHead, len(plus), size, size)
	}
	up, err := anomaly.Bilinear(sdpRaw, grid, grid, size, size, false)
	if err != nil {
		return nil, err
	}
	for i, v := range plus {
		up[i] += v
	}
	return anomaly.Gaussian(up, size, size, max(sigma, 0))
}
