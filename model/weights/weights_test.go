package weights_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/safetensors"
	"github.com/clipad/clipad/model/synth"
	"github.com/clipad/clipad/model/weights"
)

func TestExpectedCounts(t *testing.T) {
	c, _ := config.Named("ViT-B-16-plus-240")
	v := weights.Expected(c, weights.VisionTower)
	if len(v) != 6+12*12+2 {
		t.Errorf("vision tensors %d", len(v))
	}
	n := 0
	for _, s := range weights.Expected(c, weights.BothTowers) {
		p := 1
		for _, d := range s.Shape {
			p *= d
		}
		n += p
	}
	// ViT-B-16-plus-240: vision 117,213,824 + text 91,163,520 parameters (logit_scale excluded).
	if n != 117_213_824+91_163_520 {
		t.Errorf("parameter count %d", n)
	}
}

func TestLoadAndErrors(t *testing.T) {
	c, _ := config.Named("test-tiny")
	set := synth.Weights(c, 5)
	dir := t.TempDir()
	p := filepath.Join(dir, "w.safetensors")
	if err := safetensors.WriteFile(p, set.Tensors(), nil); err != nil {
		t.Fatal(err)
	}
	got, err := weights.LoadSafetensors(p, c, weights.BothTowers)
	if err != nil {
		t.Fatal(err)
	}
	if got.ModelID(c) != set.ModelID(c) || !strings.HasPrefix(set.ModelID(c), "test-tiny-") {
		t.Errorf("model id changed on round trip: %s vs %s", got.ModelID(c), set.ModelID(c))
	}
	if id, err := weights.FileModelID(p, c); err != nil || id != set.ModelID(c) {
		t.Errorf("FileModelID %s %v, want %s", id, err, set.ModelID(c))
	}
	other := synth.Weights(c, 6)
	if other.ModelID(c) == set.ModelID(c) {
		t.Error("different weights, same model id")
	}
	// weights of another config
	small, _ := config.Named("test-small")
	if _, err := weights.LoadSafetensors(p, small, weights.VisionTower); err == nil || !strings.Contains(err.Error(), "expected") {
		t.Errorf("wrong config accepted: %v", err)
	}
	// missing tensor, wrong shape
	ts := set.Tensors()
	var missing, misshaped []safetensors.Tensor
	for _, x := range ts {
		if x.Name != "visual.ln_post.bias" {
			missing = append(missing, x)
		}
		if x.Name == "visual.proj" {
			x.Shape = []int{x.Shape[1], x.Shape[0]}
		}
		misshaped = append(misshaped, x)
	}
	for name, tl := range map[string][]safetensors.Tensor{"visual.ln_post.bias": missing, "visual.proj": misshaped} {
		q := filepath.Join(dir, "bad.safetensors")
		safetensors.WriteFile(q, tl, nil)
		_, err := weights.LoadSafetensors(q, c, weights.VisionTower)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error should name the tensor: %v", name, err)
		}
	}
	// text tower only needed when asked for
	var visionOnly []safetensors.Tensor
	for _, x := range ts {
		if strings.HasPrefix(x.Name, "visual.") {
			visionOnly = append(visionOnly, x)
		}
	}
	q := filepath.Join(dir, "v.safetensors")
	safetensors.WriteFile(q, visionOnly, nil)
	if _, err := weights.LoadSafetensors(q, c, weights.VisionTower); err != nil {
		t.Error(err)
	}
	if _, err := weights.LoadSafetensors(q, c, weights.BothTowers); err == nil {
		t.Error("missing text tower accepted")
	}
}
