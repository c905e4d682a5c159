package detect

import (
	"fmt"
	"image"
	"image/color"
	"sort"
	"testing"

	"github.com/clipad/clipad/model/anomaly"
	"github.com/clipad/clipad/model/metrics"
	"github.com/clipad/clipad/model/synth"
	"github.com/clipad/clipad/model/textvec"
	"github.com/clipad/clipad/model/vision"
)

// plantedDetector builds a detector on the analytic planted model.
func plantedDetector(t testing.TB) *Detector {
	cfg, set, tn, ta := synth.Planted()
	m, err := vision.New(cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	id := set.ModelID(cfg)
	a := &textvec.Asset{Format: textvec.Format, Version: textvec.Version, ModelID: id, EmbedDim: cfg.EmbedDim,
		Categories: []textvec.Category{{Name: "object", Normal: tn, Abnormal: ta}}}
	d, err := New(m, id, a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type spot = synth.Spot

func plantedImage(w, h int, s *spot, seed uint64, blue bool) []byte {
	return synth.PlantedPNG(w, h, s, seed, blue)
}

// Planted spots at known places, on square and non-square originals of
// several sizes: the map peak (mapped back to the original) lies on the
// spot, pixel AUROC over the set ≥ 0.99, and batch image scores rank every
// spotted image above every clean one. This catches transposed grids,
// swapped channels and misaligned upsampling.
func TestPlantedEndToEnd(t *testing.T) {
	d := plantedDetector(t)
	type tc struct {
		w, h int
		s    *spot
		blue bool
	}
	cases := []tc{
		{240, 240, &spot{X0: 16, Y0: 160, X1: 56, Y1: 200}, false},    // bottom-left
		{900, 900, &spot{X0: 600, Y0: 90, X1: 760, Y1: 230}, false},   // top-right
		{1024, 512, &spot{X0: 100, Y0: 300, X1: 260, Y1: 420}, false}, // wide
		{300, 800, &spot{X0: 180, Y0: 80, X1: 260, Y1: 200}, false},   // tall
		{640, 480, &spot{X0: 280, Y0: 200, X1: 380, Y1: 290}, true},   // centre, blue background
		{333, 517, &spot{X0: 20, Y0: 430, X1: 90, Y1: 505}, false},    // odd sizes, near the corner
	}
	for i := 0; i < 4; i++ { // clean images
		cases = append(cases, tc{[]int{240, 900, 500, 320}[i], []int{240, 600, 700, 320}[i], nil, i == 3})
	}
	var records []*Record
	var maps [][]float32
	var masks [][]bool
	for i, c := range cases {
		name := fmt.Sprintf("case%d_%dx%d", i, c.w, c.h)
		r, err := d.Analyze(plantedImage(c.w, c.h, c.s, uint64(i), c.blue), name, "object")
		if err != nil {
			t.Fatal(err)
		}
		records = append(records, r)
		full, err := anomaly.ToOriginal(r.Map, r.Size, c.w, c.h)
		if err != nil {
			t.Fatal(err)
		}
		mask := make([]bool, c.w*c.h)
		best := 0
		for p, v := range full {
			if v > full[best] {
				best = p
			}
			x, y := p%c.w, p/c.w
			mask[p] = c.s != nil && x >= c.s.X0 && x < c.s.X1 && y >= c.s.Y0 && y < c.s.Y1
		}
		maps = append(maps, full)
		masks = append(masks, mask)
		if c.s != nil {
			bx, by := best%c.w, best/c.w
			if !mask[best] {
				t.Errorf("%s: map peak at (%d,%d) is outside the spot %+v", name, bx, by, *c.s)
			}
			// the raw 15x15 map's hottest cell is the cell under the spot centre
			g := r.Grid
			hot := 0
			for k, v := range r.PatchMap {
				if v > r.PatchMap[hot] {
					hot = k
				}
			}
			cx := float64(c.s.X0+c.s.X1) / 2 / float64(c.w) * float64(g)
			cy := float64(c.s.Y0+c.s.Y1) / 2 / float64(c.h) * float64(g)
			if dx, dy := float64(hot%g)-cx+0.5, float64(hot/g)-cy+0.5; dx*dx+dy*dy > 2.5 {
				t.Errorf("%s: hottest grid cell (%d,%d) is far from the spot centre (%.1f,%.1f)", name, hot%g, hot/g, cx, cy)
			}
		}
	}
	res, err := metrics.BinaryMaps(maps, masks)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("planted pixel AUROC over %d images: %.4f", len(cases), res.AUROC.V)
	if !res.AUROC.OK() || res.AUROC.V < 0.99 {
		t.Errorf("pixel AUROC %.4f < 0.99", res.AUROC.V)
	}
	if err := ApplyBatch(records); err != nil {
		t.Fatal(err)
	}
	var spotted, clean []float64
	for i, r := range records {
		if cases[i].s != nil {
			spotted = append(spotted, r.Score)
		} else {
			clean = append(clean, r.Score)
		}
	}
	sort.Float64s(spotted)
	sort.Float64s(clean)
	t.Logf("batch scores: spotted %.3f…%.3f, clean %.3f…%.3f", spotted[0], spotted[len(spotted)-1], clean[0], clean[len(clean)-1])
	if spotted[0] <= clean[len(clean)-1] {
		t.Errorf("a clean image scores %.3f ≥ the lowest spotted image %.3f", clean[len(clean)-1], spotted[0])
	}
}

// A channel swap must break detection: a blue spot on grey is not the
// planted anomaly.
func TestPlantedIgnoresOtherColours(t *testing.T) {
	d := plantedDetector(t)
	img := image.NewRGBA(image.Rect(0, 0, 240, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 240; x++ {
			c := color.RGBA{128, 128, 128, 255}
			if x >= 100 && x < 140 && y >= 100 && y < 140 {
				c = color.RGBA{10, 10, 235, 255} // red and blue swapped
			}
			img.Set(x, y, c)
		}
	}
	red := plantedImage(240, 240, &spot{X0: 100, Y0: 100, X1: 140, Y1: 140}, 1, false)
	rb, _ := d.AnalyzeImage(img, "blue", "object")
	rr, _ := d.Analyze(red, "red", "object")
	if !(rr.MapMax > rb.MapMax+0.5) {
		t.Errorf("red spot map max %.3f should far exceed blue spot's %.3f", rr.MapMax, rb.MapMax)
	}
}
