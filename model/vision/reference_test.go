package vision

import (
	"fmt"
	"math"
	"testing"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/reference"
	"github.com/clipad/clipad/model/synth"
)

func testImage(S int) []float32 {
	img := make([]float32, 3*S*S)
	for i := range img {
		img[i] = float32(math.Sin(float64(i)*0.37)*1.5 + math.Cos(float64(i%S)*0.11))
	}
	return img
}

func TestForwardMatchesFloat64Reference(t *testing.T) {
	for _, name := range []string{"test-tiny", "test-small"} {
		for _, clean := range []bool{false, true} {
			cfg, _ := config.Named(name)
			set := synth.Weights(cfg, 7)
			m, err := New(cfg, set)
			if err != nil {
				t.Fatal(err)
			}
			img := testImage(cfg.Vision.ImageSize)
			got, err := m.Forward(img, Options{CleanClassRow: clean, KeepBlocks: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := reference.Model{C: cfg, S: set}.Forward(img, clean)
			worst := 0.0
			check := func(what string, a []float32, b reference.Mat) {
				e := reference.RelErr(a, b)
				worst = math.Max(worst, e)
				if e > 1e-4 {
					t.Errorf("%s clean=%v %s: max rel err %.2e > 1e-4", name, clean, what, e)
				}
			}
			for b := range want.Blocks {
				check(fmt.Sprintf("block %d", b+1), got.Blocks[b], want.Blocks[b])
			}
			for k := 0; k < 4; k++ {
				check(fmt.Sprintf("original %d", k+1), got.Original[k], want.Original[k])
				check(fmt.Sprintf("surgery %d", k+1), got.Surgery[k], want.Surgery[k])
				check(fmt.Sprintf("features %d", k+1), got.Features[k], want.Features[k])
			}
			check("image embed", got.ImageEmbed, reference.Mat{want.Embed})
			t.Logf("%s clean=%v: worst rel err %.2e", name, clean, worst)
		}
	}
}

// The quirk must actually change stage 1–3 class rows and nothing else.
func TestQuirkOnlyChangesStages1to3(t *testing.T) {
	cfg, _ := config.Named("test-tiny")
	m, err := New(cfg, synth.Weights(cfg, 3))
	if err != nil {
		t.Fatal(err)
	}
	img := testImage(cfg.Vision.ImageSize)
	q, _ := m.Forward(img, Options{}, nil)
	c, _ := m.Forward(img, Options{CleanClassRow: true}, nil)
	for k := 0; k < 4; k++ {
		same := true
		for i := range q.Original[k] {
			if q.Original[k][i] != c.Original[k][i] {
				same = false
				break
			}
		}
		if (k < 3) == same {
			t.Errorf("stage %d: quirk and clean original tensors equal=%v", k+1, same)
		}
		for i := range q.Surgery[k] {
			if q.Surgery[k][i] != c.Surgery[k][i] {
				t.Fatalf("stage %d: surgery path must not depend on the class-row option", k+1)
			}
		}
	}
}

func TestRejectsBadInput(t *testing.T) {
	cfg, _ := config.Named("test-tiny")
	set := synth.Weights(cfg, 1)
	m, err := New(cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(make([]float32, 10), Options{}, nil); err == nil {
		t.Error("short input accepted")
	}
	other, _ := config.Named("test-small")
	if _, err := New(other, set); err == nil {
		t.Error("weights for test-tiny accepted for test-small")
	}
	delete(set, "visual.transformer.resblocks.2.mlp.c_fc.bias")
	if _, err := New(cfg, set); err == nil {
		t.Error("missing tensor accepted")
	}
}
