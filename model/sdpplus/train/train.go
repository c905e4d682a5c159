//go:build !js

// Package train trains CLIP-AD's SDP+ linear layers (spec §5.2) with
// gorgonia's automatic differentiation: four Linear(W→E) layers on frozen,
// cached original-path stage tokens, loss Σ_k Focal(γ=2) + Dice per stage,
// Adam. It is native-only (gorgonia does not build for js/wasm); the
// trained head is used through package sdpplus everywhere.
package train

import (
	"fmt"
	"math"

	"github.com/clipad/clipad/model/sdpplus"
	"gorgonia.org/tensor"
)

// Options of a training run. DefaultOptions is the paper's protocol.
type Options struct {
	Epochs       int
	Batch        int
	LR           float64
	Beta1, Beta2 float64
	Eps          float64
	Seed         uint64
	Shuffle      bool // the official run does not shuffle
}

// DefaultOptions: Adam lr 1e-4 (betas 0.9/0.999, eps 1e-8), batch 8,
// 5 epochs, seed 42, no shuffle (spec §5.2).
func DefaultOptions() Options {
	return Options{Epochs: 5, Batch: 8, LR: 1e-4, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Seed: 42}
}

// Check validates the options.
func (o Options) Check() error {
	ok := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case o.Epochs < 1:
		return fmt.Errorf("train: epochs must be ≥ 1, got %d", o.Epochs)
	case o.Batch < 1 || o.Batch > 1024:
		return fmt.Errorf("train: batch size must be 1..1024, got %d", o.Batch)
	case !ok(o.LR) || o.LR <= 0:
		return fmt.Errorf("train: learning rate must be > 0, got %v", o.LR)
	case !ok(o.Beta1) || !ok(o.Beta2) || o.Beta1 < 0 || o.Beta1 >= 1 || o.Beta2 < 0 || o.Beta2 >= 1:
		return fmt.Errorf("train: Adam betas must lie in [0, 1), got %v, %v", o.Beta1, o.Beta2)
	case !ok(o.Eps) || o.Eps <= 0:
		return fmt.Errorf("train: Adam eps must be > 0, got %v", o.Eps)
	}
	return nil
}

// Sample is one training image: its frozen stage tokens, mask and text
// vectors.
type Sample struct {
	// Tokens[k] is stage k's original-path patch tokens O_k[1:] (P×W,
	// class token removed, the §3.4 quirk as vision.Forward produces it).
	Tokens [sdpplus.Stages][]float32
	// Mask is the S×S ground truth (0/1); all zero for normal images.
	Mask []uint8
	// Normal and Abnormal are the category's text vectors t_n, t_a.
	Normal, Abnormal []float32
}

// Data is a training set read in index order.
type Data interface {
	Len() int
	Sample(i int) (*Sample, error)
}

// SliceData is an in-memory Data.
type SliceData []*Sample

// Len is the number of samples.
func (d SliceData) Len() int { return len(d) }

// Sample returns sample i.
func (d SliceData) Sample(i int) (*Sample, error) { return d[i], nil }

// Trainer holds the head being trained and the optimiser state.
type Trainer struct {
	Head       *sdpplus.Head
	Opt        Options
	Grid, Size int
	adam       *adam
	graphs     map[int]*graph
	Steps      int // optimiser steps taken
}

// New starts training head (modified in place) for maps of grid×grid
// patches upsampled to size×size.
func New(head *sdpplus.Head, grid, size int, opt Options) (*Trainer, error) {
	if err := opt.Check(); err != nil {
		return nil, err
	}
	if err := head.Check(); err != nil {
		return nil, err
	}
	if grid < 1 || size < 2 || size > 4096 || grid > 256 {
		return nil, fmt.Errorf("train: bad map geometry grid %d, size %d", grid, size)
	}
	t := &Trainer{Head: head, Opt: opt, Grid: grid, Size: size, graphs: map[int]*graph{}}
	t.adam = newAdam(head, opt)
	return t, nil
}

func (t *Trainer) graphFor(b int) (*graph, error) {
	if g, ok := t.graphs[b]; ok {
		return g, nil
	}
	g, err := newGraph(tensor.Float32, b, t.Grid, t.Size, t.Head.Width, t.Head.Embed)
	if err != nil {
		return nil, err
	}
	t.graphs[b] = g
	return g, nil
}

// StepResult is one optimiser step's loss (Σ over stages of focal + dice,
// the number the official code prints) and its per-stage parts.
type StepResult struct {
	Loss  float64
	Parts [sdpplus.Stages]float64
}

// Loss evaluates the loss and gradients of a batch without updating.
func (t *Trainer) Loss(batch []*Sample) (StepResult, [sdpplus.Stages][]float32, [sdpplus.Stages][]float32, error) {
	var gw, gb [sdpplus.Stages][]float32
	if len(batch) == 0 {
		return StepResult{}, gw, gb, fmt.Errorf("train: empty batch")
	}
	g, err := t.graphFor(len(batch))
	if err != nil {
		return StepResult{}, gw, gb, err
	}
	tok := make([][sdpplus.Stages][]float32, len(batch))
	masks := make([][]uint8, len(batch))
	tn := make([][]float32, len(batch))
	ta := make([][]float32, len(batch))
	for i, s := range batch {
		tok[i], masks[i], tn[i], ta[i] = s.Tokens, s.Mask, s.Normal, s.Abnormal
	}
	in, err := makeInput[float32](g, tok, masks, tn, ta)
	if err != nil {
		return StepResult{}, gw, gb, err
	}
	loss, parts, gw, gb, err := run(g, in, t.Head.Weight, t.Head.Bias)
	if err != nil {
		return StepResult{}, gw, gb, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return StepResult{}, gw, gb, fmt.Errorf("train: loss is %v (diverged; lower the learning rate)", loss)
	}
	return StepResult{Loss: loss, Parts: parts}, gw, gb, nil
}

// Step takes one Adam step on a batch.
func (t *Trainer) Step(batch []*Sample) (StepResult, error) {
	r, gw, gb, err := t.Loss(batch)
	if err != nil {
		return r, err
	}
	t.adam.step(t.Head, gw, gb)
	t.Steps++
	return r, nil
}

// Order returns the sample order of an epoch (1-based): the identity, or
// with Shuffle a permutation seeded by Seed and the epoch.
func (t *Trainer) Order(epoch, n int) []int {
	o := make([]int, n)
	for i := range o {
		o[i] = i
	}
	if t.Opt.Shuffle {
		r := newRNG(t.Opt.Seed ^ uint64(epoch)*0x9e3779b97f4a7c15)
		for i := n - 1; i > 0; i-- {
			j := int(r.next() % uint64(i+1))
			o[i], o[j] = o[j], o[i]
		}
	}
	return o
}

// EpochResult summarises an epoch.
type EpochResult struct {
	Epoch    int
	Steps    int
	MeanLoss float64 // mean of the step losses
	Samples  int
}

// Epoch runs one pass over data (epoch is 1-based, for the shuffle seed)
// in batches of Opt.Batch (the last one may be smaller, as PyTorch's
// DataLoader with drop_last=False). onStep, if not nil, is called after
// every step with the number of samples done and the step's loss.
func (t *Trainer) Epoch(epoch int, data Data, onStep func(done int, r StepResult)) (EpochResult, error) {
	n := data.Len()
	if n == 0 {
		return EpochResult{}, fmt.Errorf("train: no training samples")
	}
	order := t.Order(epoch, n)
	res := EpochResult{Epoch: epoch, Samples: n}
	sum := 0.0
	for lo := 0; lo < n; lo += t.Opt.Batch {
		hi := min(lo+t.Opt.Batch, n)
		batch := make([]*Sample, 0, hi-lo)
		for _, i := range order[lo:hi] {
			s, err := data.Sample(i)
			if err != nil {
				return res, err
			}
			batch = append(batch, s)
		}
		r, err := t.Step(batch)
		if err != nil {
			return res, err
		}
		res.Steps++
		sum += r.Loss
		if onStep != nil {
			onStep(hi, r)
		}
	}
	res.MeanLoss = sum / float64(res.Steps)
	return res, nil
}
