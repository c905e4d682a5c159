package synth

import (
	"testing"

	"github.com/clipad/clipad/model/vision"
)

func dot(a, b []float32) (s float32) {
	for i := range a {
		s += a[i] * b[i]
	}
	return
}

// A red patch's stage features point at t_a, a grey patch's at t_n, in
// every stage; the grid position is preserved.
func TestPlantedFeatures(t *testing.T) {
	cfg, set, tn, ta := Planted()
	m, err := vision.New(cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	S, P, G, E := cfg.Vision.ImageSize, cfg.Vision.Patch, cfg.Vision.Grid(), cfg.EmbedDim
	mean := []float32{0.48145466, 0.4578275, 0.40821073}
	std := []float32{0.26862954, 0.26130258, 0.27577711}
	img := make([]float32, 3*S*S)
	// grey image with a red spot covering patch (row 3, col 11) exactly
	for ch := 0; ch < 3; ch++ {
		for y := 0; y < S; y++ {
			for x := 0; x < S; x++ {
				v := float32(0.5)
				if y/P == 3 && x/P == 11 {
					v = []float32{1, 0, 0}[ch]
				}
				img[ch*S*S+y*S+x] = (v - mean[ch]) / std[ch]
			}
		}
	}
	out, err := m.Forward(img, vision.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	spot := 1 + 3*G + 11
	for k := 0; k < 4; k++ {
		f := out.Features[k]
		for tok := 1; tok < G*G+1; tok++ {
			row := f[tok*E : (tok+1)*E]
			a, n := dot(row, ta), dot(row, tn)
			if tok == spot && !(a > 0.9 && n < 0.4) {
				t.Errorf("stage %d: spot token: cos(t_a)=%.3f cos(t_n)=%.3f", k+1, a, n)
			}
			if tok != spot && !(n > 0.9 && a < 0.1) {
				t.Errorf("stage %d: token %d: cos(t_a)=%.3f cos(t_n)=%.3f", k+1, tok, a, n)
			}
		}
	}
}
