package vision

import (
	"math"
	"testing"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/synth"
	"github.com/clipad/clipad/model/weights"
	"github.com/clipad/clipad/quantize"
)

// TestClassRowsOnly: skipping the last block's per-patch original-path
// work must leave every SDP output bit-identical — features, surgery
// sums, image embedding and the original path's class rows — for f32 and
// int8 weights, with and without the §3.4 quirk, on configs whose stages
// are 1 block (test-tiny) and longer; and Original[k] must then hold the
// class row only.
func TestClassRowsOnly(t *testing.T) {
	for _, name := range []string{"test-tiny", "test-small"} {
		cfg, _ := config.Named(name)
		set := synth.Weights(cfg, 5)
		f32, err := New(cfg, set)
		if err != nil {
			t.Fatal(err)
		}
		q := weights.Set{}
		for name, w := range set {
			if quantize.Quantized(name) { // as an int8 bundle stores it (visual.proj included)
				out := w.Shape[0]
				w = weights.Tensor{Shape: w.Shape}
				w.Q8, w.Scale = quantize.Int8PerChannel(set[name].Data, out, set[name].Elems()/out)
			}
			q[name] = w
		}
		i8, err := New(cfg, q)
		if err != nil {
			t.Fatal(err)
		}
		W := cfg.Vision.Width
		img := testImage(cfg.Vision.ImageSize)
		for mname, m := range map[string]*Model{"f32": f32, "int8": i8} {
			for _, clean := range []bool{false, true} {
				full, err := m.Forward(img, Options{CleanClassRow: clean}, nil)
				if err != nil {
					t.Fatal(err)
				}
				part, err := m.Forward(img, Options{CleanClassRow: clean, ClassRowsOnly: true}, new(Workspace))
				if err != nil {
					t.Fatal(err)
				}
				what := name + " " + mname
				same := func(k string, a, b []float32) {
					t.Helper()
					if len(a) != len(b) {
						t.Fatalf("%s %s: len %d vs %d", what, k, len(a), len(b))
					}
					for i := range a {
						if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
							t.Fatalf("%s clean=%v %s[%d]: %v vs %v", what, clean, k, i, a[i], b[i])
						}
					}
				}
				same("image embed", part.ImageEmbed, full.ImageEmbed)
				for k := 0; k < 4; k++ {
					same("features", part.Features[k], full.Features[k])
					same("surgery", part.Surgery[k], full.Surgery[k])
					same("original class row", part.Original[k], full.Original[k][:W])
				}
			}
		}
	}
}
