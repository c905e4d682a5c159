//go:build !js

package train

import (
	"os"
	"testing"
	"time"

	"github.com/clipad/clipad/model/sdpplus"
)

// TestFullSizeStepSpeed times optimiser steps at the real model's size
// (W 896 → E 640, 15×15 grid, 240×240 maps, batch 8) on random features.
// It is opt-in (CLIPAD_TRAIN_SPEED=1): it needs ~1 GB and tens of seconds.
func TestFullSizeStepSpeed(t *testing.T) {
	if os.Getenv("CLIPAD_TRAIN_SPEED") == "" {
		t.Skip("set CLIPAD_TRAIN_SPEED=1 to time full-size training steps")
	}
	const W, E, Gr, S, B = 896, 640, 15, 240, 8
	r := newRNG(3)
	var batch []*Sample
	for b := 0; b < B; b++ {
		s := &Sample{Mask: make([]uint8, S*S), Normal: make([]float32, E), Abnormal: make([]float32, E)}
		for k := range sdpplus.Stages {
			s.Tokens[k] = make([]float32, Gr*Gr*W)
			for i := range s.Tokens[k] {
				s.Tokens[k][i] = float32(r.uniform(-2, 2))
			}
		}
		for i := range s.Normal {
			s.Normal[i] = float32(r.uniform(-0.05, 0.05))
			s.Abnormal[i] = float32(r.uniform(-0.05, 0.05))
		}
		for y := 100; y < 140; y++ {
			for x := 60; x < 90; x++ {
				s.Mask[y*S+x] = 1
			}
		}
		batch = append(batch, s)
	}
	tr, err := New(InitHead(W, E, 42), Gr, S, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	const steps = 5
	var times []time.Duration
	for i := 0; i < steps; i++ {
		t0 := time.Now()
		res, err := tr.Step(batch)
		if err != nil {
			t.Fatal(err)
		}
		times = append(times, time.Since(t0))
		t.Logf("step %d: loss %.4f in %v", i+1, res.Loss, times[i].Round(time.Millisecond))
	}
	var sum time.Duration
	for _, d := range times[1:] {
		sum += d
	}
	per := sum / (steps - 1)
	t.Logf("full size (W %d, E %d, S %d, batch %d): %v per step after the first; MVTec-AD epoch (1725 images = 216 steps) ≈ %v, VisA (2162 = 271 steps) ≈ %v",
		W, E, S, B, per.Round(time.Millisecond), (per * 216).Round(time.Second), (per * 271).Round(time.Second))
}
