//go:build !js

package train

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/clipad/clipad/model/dataset"
	"github.com/clipad/clipad/model/detect"
	"github.com/clipad/clipad/model/synth"
	"github.com/clipad/clipad/model/textvec"
	"github.com/clipad/clipad/model/vision"
)

func put(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func maskPNG(w, h int, s *synth.Spot) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if s.Contains(x, y) {
				img.SetGray(x, y, color.Gray{255})
			}
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// The feature cache stores exactly what a fresh forward gives, is reused
// while nothing changes and recomputed when the text vectors change; the
// validation map of a cached image equals detect's SDP+ map bit for bit.
func TestCacheAndValidationMatchDetect(t *testing.T) {
	cfg, set, tn, ta := synth.Planted()
	m, err := vision.New(cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	id := set.ModelID(cfg)
	root := t.TempDir()
	spots := []*synth.Spot{{X0: 20, Y0: 30, X1: 110, Y1: 100}, {X0: 150, Y0: 120, X1: 260, Y1: 200}}
	for i, sp := range spots {
		put(t, filepath.Join(root, "pill", "test", "good", fmt.Sprintf("%03d.png", i)), synth.PlantedPNG(280, 240, nil, uint64(i), false))
		put(t, filepath.Join(root, "pill", "test", "crack", fmt.Sprintf("%03d.png", i)), synth.PlantedPNG(280, 240, sp, uint64(5+i), false))
		put(t, filepath.Join(root, "pill", "ground_truth", "crack", fmt.Sprintf("%03d_mask.png", i)), maskPNG(280, 240, sp))
	}
	ds, err := dataset.Open(root, dataset.KindMVTec)
	if err != nil {
		t.Fatal(err)
	}
	asset := &textvec.Asset{Format: textvec.Format, Version: textvec.Version, ModelID: id, EmbedDim: cfg.EmbedDim,
		Categories: []textvec.Category{{Name: "pill", Normal: tn, Abnormal: ta}}}
	tc, _ := asset.Get("pill")
	c := &Cache{Dir: filepath.Join(t.TempDir(), "cache"), Model: m, ModelID: id}
	cat := ds.Categories[0]
	var entries []*Entry
	for i := range cat.Samples {
		e, err := c.Entry(&cat.Samples[i], cat, tc)
		if err != nil {
			t.Fatal(err)
		}
		if e.Cached {
			t.Fatal("fresh cache reported a hit")
		}
		entries = append(entries, e)
	}
	head := InitHead(cfg.Vision.Width, cfg.EmbedDim, 42)
	d, err := detect.New(m, id, asset, detect.Options{Sigma: 8, SDPPlus: head})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		again, err := c.Entry(&cat.Samples[i], cat, tc)
		if err != nil || !again.Cached || again.File != e.File {
			t.Fatalf("second lookup: %+v, %v", again, err)
		}
		it, err := c.Load(e)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(e.Image)
		r, err := d.Analyze(data, e.Image, "pill")
		if err != nil {
			t.Fatal(err)
		}
		if it.S0 != r.ProbAbnormal {
			t.Fatalf("cached s0 %v, detect %v", it.S0, r.ProbAbnormal)
		}
		for j := range r.PatchMap {
			if it.SDP[j] != r.PatchMap[j] {
				t.Fatalf("cached SDP patch map differs at %d", j)
			}
		}
		mp, mx, err := combinedMap(head, it, e, 15, 240, cfg.Vision.Width, 8)
		if err != nil {
			t.Fatal(err)
		}
		for j := range mp {
			if mp[j] != r.Map[j] {
				t.Fatalf("%s: validation map[%d] = %v, detect %v", e.Image, j, mp[j], r.Map[j])
			}
		}
		if mx != r.MapMax {
			t.Fatalf("max %v vs %v", mx, r.MapMax)
		}
		if e.Anomalous != (it.Mask != nil) || !e.Pixel {
			t.Fatalf("%s: anomalous %v, mask %v, pixel %v", e.Image, e.Anomalous, it.Mask != nil, e.Pixel)
		}
		if it.Mask != nil {
			n := 0
			for _, v := range it.Mask {
				n += int(v)
			}
			if n < 3000 {
				t.Fatalf("%s: mask has only %d pixels", e.Image, n)
			}
		}
	}
	sum, err := Validate(c, head, entries, ValOptions{Sigma: 8, AUPRO: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Rows) != 1 || sum.Rows[0].Pixel == nil || sum.Rows[0].Image == nil || !sum.Rows[0].Pixel.AUPRO.OK() {
		t.Fatalf("summary %+v", sum)
	}
	// new text vectors invalidate the entry
	tc2 := *tc
	tc2.Normal = append([]float32(nil), tn...)
	tc2.Normal[2] = 0.5
	e, err := c.Entry(&cat.Samples[0], cat, &tc2)
	if err != nil || e.Cached {
		t.Fatalf("changed text vectors: cached %v, %v", e != nil && e.Cached, err)
	}
}
