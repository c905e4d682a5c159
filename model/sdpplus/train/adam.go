//go:build !js

package train

import (
	"math"

	"github.com/clipad/clipad/model/sdpplus"
)

// rng is splitmix64: a small deterministic generator. It is NOT PyTorch's
// (Mersenne Twister / Philox) stream, so a run cannot reproduce the
// official initialisation bit for bit, only its distribution.
type rng struct{ s uint64 }

func newRNG(seed uint64) *rng { return &rng{s: seed} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// uniform returns a float64 in [lo, hi).
func (r *rng) uniform(lo, hi float64) float64 {
	return lo + (hi-lo)*float64(r.next()>>11)/(1<<53)
}

// InitHead returns a W→E head with PyTorch's default nn.Linear
// initialisation: kaiming_uniform_(a=√5) gives weight ~ U(±1/√W), and
// the bias ~ U(±1/√W) (fan_in = W), drawn layer by layer (fc.0.weight,
// fc.0.bias, fc.1.weight, …) from a splitmix64 stream seeded with seed.
func InitHead(W, E int, seed uint64) *sdpplus.Head {
	h := sdpplus.NewHead(W, E)
	r := newRNG(seed)
	bound := 1 / math.Sqrt(float64(W))
	for k := range sdpplus.Stages {
		for i := range h.Weight[k] {
			h.Weight[k][i] = float32(r.uniform(-bound, bound))
		}
		for i := range h.Bias[k] {
			h.Bias[k][i] = float32(r.uniform(-bound, bound))
		}
	}
	return h
}

// adam is torch.optim.Adam (1.13, no weight decay, no amsgrad), float32
// state:
//
//	m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
//	p ← p − (lr/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε)
type adam struct {
	lr, b1, b2, eps float64
	t               int
	mw, vw, mb, vb  [sdpplus.Stages][]float32
}

func newAdam(h *sdpplus.Head, o Options) *adam {
	a := &adam{lr: o.LR, b1: o.Beta1, b2: o.Beta2, eps: o.Eps}
	for k := range sdpplus.Stages {
		a.mw[k] = make([]float32, len(h.Weight[k]))
		a.vw[k] = make([]float32, len(h.Weight[k]))
		a.mb[k] = make([]float32, len(h.Bias[k]))
		a.vb[k] = make([]float32, len(h.Bias[k]))
	}
	return a
}

func (a *adam) step(h *sdpplus.Head, gw, gb [sdpplus.Stages][]float32) {
	a.t++
	bc1 := 1 - math.Pow(a.b1, float64(a.t))
	bc2 := 1 - math.Pow(a.b2, float64(a.t))
	stepSize := float32(a.lr / bc1)
	bc2s := float32(math.Sqrt(bc2))
	b1, b2 := float32(a.b1), float32(a.b2)
	ob1, ob2 := float32(1-a.b1), float32(1-a.b2)
	eps := float32(a.eps)
	upd := func(p, g, m, v []float32) {
		for i, gi := range g {
			m[i] = m[i]*b1 + gi*ob1
			v[i] = v[i]*b2 + gi*gi*ob2
			denom := float32(math.Sqrt(float64(v[i])))/bc2s + eps
			p[i] -= stepSize * m[i] / denom
		}
	}
	for k := range sdpplus.Stages {
		upd(h.Weight[k], gw[k], a.mw[k], a.vw[k])
		upd(h.Bias[k], gb[k], a.mb[k], a.vb[k])
	}
}
