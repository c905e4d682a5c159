//go:build !js

package train

import (
	"math"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/sdpplus"
)

func TestInitHead(t *testing.T) {
	a, b := InitHead(64, 16, 42), InitHead(64, 16, 42)
	c := InitHead(64, 16, 43)
	bound := 1 / math.Sqrt(64)
	same, diff := true, false
	var sum, sq float64
	n := 0
	for k := range sdpplus.Stages {
		for i, v := range a.Weight[k] {
			same = same && v == b.Weight[k][i]
			diff = diff || v != c.Weight[k][i]
			if math.Abs(float64(v)) > bound {
				t.Fatalf("weight %v outside ±%v", v, bound)
			}
			sum += float64(v)
			sq += float64(v) * float64(v)
			n++
		}
		for _, v := range a.Bias[k] {
			if math.Abs(float64(v)) > bound {
				t.Fatalf("bias %v outside ±%v", v, bound)
			}
		}
	}
	if !same || !diff {
		t.Fatalf("seeded init: same seed equal %v, other seed differs %v", same, diff)
	}
	// U(−b, b): mean 0, variance b²/3
	mean, vr := sum/float64(n), sq/float64(n)
	if math.Abs(mean) > 0.01 || math.Abs(vr-bound*bound/3) > 0.1*bound*bound/3 {
		t.Fatalf("init mean %v, variance %v (want ≈0, %v)", mean, vr, bound*bound/3)
	}
}

func TestOptionsAndOrder(t *testing.T) {
	for _, c := range []struct {
		f    func(*Options)
		want string
	}{
		{func(o *Options) { o.Epochs = 0 }, "epochs"},
		{func(o *Options) { o.Batch = 0 }, "batch"},
		{func(o *Options) { o.LR = math.NaN() }, "learning rate"},
		{func(o *Options) { o.Beta2 = 1 }, "betas"},
		{func(o *Options) { o.Eps = 0 }, "eps"},
	} {
		o := DefaultOptions()
		c.f(&o)
		if err := o.Check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", o, err)
		}
	}
	h := InitHead(4, 2, 1)
	tr, err := New(h, 2, 3, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range tr.Order(1, 7) {
		if v != i {
			t.Fatal("no-shuffle order is not the identity")
		}
	}
	o := DefaultOptions()
	o.Shuffle = true
	tr2, _ := New(h, 2, 3, o)
	p1, p1b, p2 := tr2.Order(1, 50), tr2.Order(1, 50), tr2.Order(2, 50)
	seen := map[int]bool{}
	moved, differs := false, false
	for i := range p1 {
		seen[p1[i]] = true
		moved = moved || p1[i] != i
		differs = differs || p1[i] != p2[i]
		if p1[i] != p1b[i] {
			t.Fatal("shuffle is not deterministic")
		}
	}
	if len(seen) != 50 || !moved || !differs {
		t.Fatalf("shuffle: permutation %v, moved %v, epochs differ %v", len(seen) == 50, moved, differs)
	}
}

// An epoch runs ⌈n/batch⌉ steps (the last batch smaller) and changes the
// parameters; a malformed sample is an error, not a panic.
func TestEpochBatches(t *testing.T) {
	c := newTinyCase(3)
	var data SliceData
	for i := 0; i < 5; i++ {
		b := i % c.B
		data = append(data, &Sample{Tokens: c.tokens[b], Mask: c.masks[b], Normal: c.tn[b], Abnormal: c.ta[b]})
	}
	h := InitHead(c.W, c.E, 42)
	before := h.Clone()
	o := DefaultOptions()
	o.Batch = 2
	tr, err := New(h, c.Gr, c.S, o)
	if err != nil {
		t.Fatal(err)
	}
	var done []int
	r, err := tr.Epoch(1, data, func(n int, _ StepResult) { done = append(done, n) })
	if err != nil {
		t.Fatal(err)
	}
	if r.Steps != 3 || tr.Steps != 3 || len(done) != 3 || done[2] != 5 || !(r.MeanLoss > 0) {
		t.Fatalf("epoch %+v, progress %v", r, done)
	}
	if h.Weight[0][0] == before.Weight[0][0] {
		t.Fatal("parameters did not move")
	}
	bad := append(SliceData(nil), data...)
	bad[3] = &Sample{Tokens: c.tokens[0], Mask: c.masks[0][:5], Normal: c.tn[0], Abnormal: c.ta[0]}
	if _, err := tr.Epoch(2, bad, nil); err == nil || !strings.Contains(err.Error(), "mask") {
		t.Fatalf("short mask: %v", err)
	}
}
