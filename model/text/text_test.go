package text

import (
	"math"
	"testing"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/synth"
)

func seq(ids ...int32) []int32 {
	s := make([]int32, 77)
	copy(s, ids)
	return s
}

// Pooling is at the end-of-text token (the highest id), embeddings are unit
// vectors, and — the attention being causal — nothing after the EOT token
// changes the result.
func TestEmbedPoolingAndCausality(t *testing.T) {
	cfg, _ := config.Named("test-tiny")
	m, err := New(cfg, synth.Weights(cfg, 4))
	if err != nil {
		t.Fatal(err)
	}
	a := seq(49406, 320, 1125, 539, 320, 2368, 269, 49407)
	b := seq(49406, 320, 1125, 539, 320, 2368, 269, 49407, 1000, 2000, 3000) // junk after EOT
	c := seq(49406, 320, 1125, 539, 320, 2369, 269, 49407)                   // one token differs
	e, err := m.Embed([][]int32{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range e {
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if math.Abs(n-1) > 1e-5 {
			t.Errorf("embedding %d has norm² %g", i, n)
		}
	}
	for i := range e[0] {
		if e[0][i] != e[1][i] {
			t.Fatalf("tokens after EOT changed the embedding at %d", i)
		}
	}
	same := true
	for i := range e[0] {
		if e[0][i] != e[2][i] {
			same = false
		}
	}
	if same {
		t.Error("a different token before EOT did not change the embedding")
	}
}

func TestBadTokens(t *testing.T) {
	cfg, _ := config.Named("test-tiny")
	m, _ := New(cfg, synth.Weights(cfg, 4))
	if _, err := m.Encode([][]int32{make([]int32, 10)}); err == nil {
		t.Error("short sequence accepted")
	}
	if _, err := m.Encode([][]int32{seq(49406, 60000)}); err == nil {
		t.Error("out-of-range id accepted")
	}
	if _, err := m.Encode([][]int32{seq(49406, -3)}); err == nil {
		t.Error("negative id accepted")
	}
	set := synth.Weights(cfg, 4)
	delete(set, "ln_final.bias")
	if _, err := New(cfg, set); err == nil {
		t.Error("missing tensor accepted")
	}
}
