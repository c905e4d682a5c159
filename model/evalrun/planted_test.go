package evalrun

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/clipad/clipad/model/sdpplus"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/anomaly"
	"github.com/clipad/clipad/model/detect"
	"github.com/clipad/clipad/model/metrics"
	"github.com/clipad/clipad/model/synth"
	"github.com/clipad/clipad/model/textvec"
	"github.com/clipad/clipad/model/vision"
)

// planted returns the analytic planted model and a text asset holding its
// directions for the given categories, with a single-image calibration
// fitted on separate planted images (as 'clipad synth -config planted'
// writes it).
func planted(t testing.TB, cats ...string) (*vision.Model, string, *textvec.Asset) {
	t.Helper()
	cfg, set, tn, ta := synth.Planted()
	m, err := vision.New(cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	id := set.ModelID(cfg)
	a := &textvec.Asset{Format: textvec.Format, Version: textvec.Version, ModelID: id, Config: cfg.Name, EmbedDim: cfg.EmbedDim}
	for _, c := range cats {
		a.Categories = append(a.Categories, textvec.Category{Name: c, Reducer: "planted", Normal: tn, Abnormal: ta})
	}
	d, err := detect.New(m, id, a, detect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var s0, s1 []float64
	for i := 0; i < 8; i++ {
		var sp *synth.Spot
		if i%2 == 1 {
			sp = &synth.Spot{X0: 20 * i, Y0: 30 + 10*i, X1: 20*i + 48, Y1: 78 + 10*i}
		}
		r, err := d.Analyze(synth.PlantedPNG(240, 240, sp, uint64(100+i), i == 4), "calibration", cats[0])
		if err != nil {
			t.Fatal(err)
		}
		s0, s1 = append(s0, r.ProbAbnormal), append(s1, r.MapMax)
	}
	k, err := anomaly.FitCalibration(s0, s1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Categories {
		a.Categories[i].Calibration = &textvec.Calibration{S0Min: k.S0Min, S0Max: k.S0Max, S1Min: k.S1Min, S1Max: k.S1Max, Images: 8}
	}
	return m, id, a
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// maskPNG draws a w×h grey mask, 255 inside the spot and 0 elsewhere.
func maskPNG(w, h int, s *synth.Spot) []byte {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if s.Contains(x, y) {
				g.SetGray(x, y, color.Gray{Y: 255})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, g); err != nil {
		panic(err)
	}
	return b.Bytes()
}

type plantedImage struct {
	w, h int
	spot *synth.Spot
}

// plantedSet is the test set of one category: clean images and images with
// one red rectangle, of several sizes and aspect ratios, the rectangles at
// different places, 1/6 to 3/8 of the width and 1/6 to 1/3 of the height.
func plantedSet(cat int) []plantedImage {
	sizes := [][2]int{{320, 320}, {400, 300}, {256, 384}, {480, 480}, {300, 300}, {360, 270}}
	var out []plantedImage
	for i, sz := range sizes {
		w, h := sz[0], sz[1]
		out = append(out, plantedImage{w, h, nil})
		// a spot between 1/6 and 1/3 of the side, moving around the image
		sw, sh := w/6+(i*w)/24, h/6+((5-i)*h)/30
		x0 := ((i + cat) * 37 * w / 100) % (w - sw)
		y0 := ((i*53 + cat*11) * h / 100) % (h - sh)
		out = append(out, plantedImage{w, h, &synth.Spot{X0: x0, Y0: y0, X1: x0 + sw, Y1: y0 + sh}})
	}
	return out
}

// writePlantedMVTec writes an MVTec-AD layout: <cat>/test/good/NNN.png,
// <cat>/test/spot/NNN.png and <cat>/ground_truth/spot/NNN_mask.png.
func writePlantedMVTec(t testing.TB, root string, cats ...string) {
	for ci, c := range cats {
		ng, ns := 0, 0
		for i, p := range plantedSet(ci) {
			img := synth.PlantedPNG(p.w, p.h, p.spot, uint64(1000*ci+i), i%4 == 2)
			if p.spot == nil {
				writeFile(t, filepath.Join(root, c, "test", "good", fmt.Sprintf("%03d.png", ng)), img)
				ng++
				continue
			}
			writeFile(t, filepath.Join(root, c, "test", "spot", fmt.Sprintf("%03d.png", ns)), img)
			writeFile(t, filepath.Join(root, c, "ground_truth", "spot", fmt.Sprintf("%03d_mask.png", ns)), maskPNG(p.w, p.h, p.spot))
			ns++
		}
	}
}

// The metric code on a planted run gives the known values: every spotted
// image outranks every clean one (image AUROC, F1-max and AP exactly 1) and
// the maps localise the rectangles, in both score modes, per category and
// in the mean.
//
// Pixel bounds, measured with σ = 8 on these 12-image categories (bottle /
// wood): AUROC 0.9991 / 0.9992, F1-max 0.914 / 0.907, AP 0.960 / 0.979,
// AUPRO 0.987 / 0.995. They are below 1 because the 16-pixel patch grid
// and the σ = 8 blur spread each rectangle's score over a rim about one
// patch wide. The bounds (AUROC ≥ 0.99, F1-max ≥ 0.85, AP ≥ 0.9, AUPRO ≥
// 0.97) leave room for harmless numeric changes but catch misalignment:
// with the masks drawn one patch (1/15 of the width) to the right the same
// run gives AUROC 0.994 (still ≥ 0.99!), F1-max 0.76, AP 0.78, AUPRO 0.918;
// mirrored masks give AUPRO 0.26, transposed ones 0.13.
func TestPlantedKnownValues(t *testing.T) {
	root := t.TempDir()
	cats := []string{"bottle", "wood"}
	writePlantedMVTec(t, root, cats...)
	m, id, a := planted(t, cats...)
	cacheDir := filepath.Join(t.TempDir(), "shared-cache")
	var batchRows [][]string
	for _, mode := range []string{detect.ModeBatch, detect.ModeSingle} {
		out := filepath.Join(t.TempDir(), mode)
		res, err := Run(Config{Data: root, Kind: "mvtec", Model: m, ModelID: id, Text: a, Sigma: 8, Mode: mode,
			Out: out, Cache: cacheDir, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Datasets) != 1 || len(res.Categories) != 2 || res.Totals.Images != 24 || res.Totals.Failed != 0 ||
			res.Totals.Problems != 0 || res.Totals.PixelImages != 24 {
			t.Fatalf("%s: unexpected run shape: %+v", mode, res.Totals)
		}
		if mode == detect.ModeSingle && res.Totals.FromCache != 24 {
			t.Errorf("second run took %d images from the shared cache, want 24", res.Totals.FromCache)
		}
		s := res.Datasets[0].Summary
		for _, c := range res.Categories {
			px, img := c.Row.Pixel, c.Row.Image
			if px == nil || img == nil {
				t.Fatalf("%s %s: missing metrics", mode, c.Name)
			}
			t.Logf("%s %s: pixel AUROC %.4f F1 %.4f AP %.4f AUPRO %.4f; image AUROC %.4f F1 %.4f AP %.4f", mode, c.Name,
				px.AUROC.V, px.F1Max.V, px.AP.V, px.AUPRO.V, img.AUROC.V, img.F1Max.V, img.AP.V)
			for name, v := range map[string]metrics.Value{"image AUROC": img.AUROC, "image F1-max": img.F1Max, "image AP": img.AP} {
				if !v.OK() || v.V != 1 {
					t.Errorf("%s %s: %s = %v, want exactly 1", mode, c.Name, name, v)
				}
			}
			if !px.AUROC.OK() || px.AUROC.V < 0.99 {
				t.Errorf("%s %s: pixel AUROC %v < 0.99", mode, c.Name, px.AUROC)
			}
			if !px.AUPRO.OK() || px.AUPRO.V < 0.97 {
				t.Errorf("%s %s: AUPRO %v < 0.97", mode, c.Name, px.AUPRO)
			}
			if !px.F1Max.OK() || px.F1Max.V < 0.85 || !px.AP.OK() || px.AP.V < 0.9 {
				t.Errorf("%s %s: pixel F1-max %v < 0.85 or AP %v < 0.9", mode, c.Name, px.F1Max, px.AP)
			}
		}
		if s.Mean[metrics.ImageAUROC].V != 1 || s.Mean[metrics.PixelAUROC].V < 0.99 || s.Mean[metrics.PixelAUPRO].V < 0.97 {
			t.Errorf("%s: mean row %v", mode, s.Mean)
		}
		// the printed table carries the numbers
		md, err := os.ReadFile(filepath.Join(out, FileMarkdown))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(md), "| mean ") || !strings.Contains(string(md), "100.0") {
			t.Errorf("%s: results.md lacks the mean row or the 100.0 image AUROC:\n%s", mode, md)
		}
		// s0 and s1 do not depend on the score mode (the second run reads
		// them from the cache); the scores do
		rows := checkImagesCSV(t, filepath.Join(out, FileImages), 24, mode)
		if batchRows == nil {
			batchRows = rows
			continue
		}
		differ := 0
		for i := 1; i < len(rows); i++ {
			if rows[i][0] != batchRows[i][0] || rows[i][5] != batchRows[i][5] || rows[i][6] != batchRows[i][6] {
				t.Errorf("images.csv row %d: single %v vs batch %v", i, rows[i][:7], batchRows[i][:7])
			}
			if rows[i][7] != batchRows[i][7] {
				differ++
			}
		}
		if differ == 0 {
			t.Errorf("single and batch scores are identical")
		}
	}
}

// checkImagesCSV checks images.csv's shape and returns its rows.
func checkImagesCSV(t *testing.T, path string, n int, mode string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n+1 || strings.Join(rows[0], ",") != "path,dataset,category,defect,label,s0,s1,score,score_mode,pixel_metrics,from_cache,error" {
		t.Fatalf("images.csv: %d rows, header %v", len(rows), rows[0])
	}
	for _, r := range rows[1:] {
		if r[8] != mode && r[11] == "" {
			t.Errorf("images.csv row %v: mode %q", r, r[8])
		}
	}
	return rows
}

// The JSON document has every category with counts and metrics.
func TestPlantedJSON(t *testing.T) {
	root := t.TempDir()
	writePlantedMVTec(t, root, "bottle")
	m, id, a := planted(t, "bottle")
	out := t.TempDir()
	if _, err := Run(Config{Data: root, Model: m, ModelID: id, Text: a, Sigma: 8, Out: out, Cache: CacheOff, Workers: 1, Limit: 6}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Kind       string
		Cache      string
		Limit      int
		Categories []struct {
			Name    string
			Counts  Counts
			Metrics map[string]struct {
				Value *float64
				Pct   string
				NA    string
			}
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Kind != "mvtec" || doc.Cache != "" || doc.Limit != 6 || len(doc.Categories) != 1 {
		t.Fatalf("json header: %+v", doc)
	}
	c := doc.Categories[0]
	if c.Counts.Images != 6 || c.Counts.Normal != 3 || c.Counts.Anomalous != 3 || c.Counts.FromCache != 0 {
		t.Errorf("counts %+v", c.Counts)
	}
	for _, k := range []string{"auroc_px", "f1_px", "ap_px", "aupro", "auroc_sp", "f1_sp", "ap_sp"} {
		v, ok := c.Metrics[k]
		if !ok || v.Value == nil || v.Pct == "" || v.NA != "" {
			t.Errorf("metric %s: %+v", k, v)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "cache")); !os.IsNotExist(err) {
		t.Errorf("cache off still made a cache folder: %v", err)
	}
}

// With SDP+ layers the run scores every image through the SDP+ head
// (records say so), does not touch the per-image cache (it holds only the
// raw SDP grid), and a head with zero weights and a bias — whose
// linear-layer maps are constant — leaves the ranking of the planted SDP
// map intact.
func TestPlantedSDPPlus(t *testing.T) {
	root := t.TempDir()
	writePlantedMVTec(t, root, "bottle")
	m, id, a := planted(t, "bottle")
	head := sdpplus.NewHead(m.Cfg.Vision.Width, m.Cfg.EmbedDim)
	for k := range head.Bias {
		head.Bias[k][0] = 1
	}
	cacheDir := filepath.Join(t.TempDir(), "cache")
	var log bytes.Buffer
	res, err := Run(Config{Data: root, Kind: "mvtec", Model: m, ModelID: id, Text: a, Sigma: 8,
		Out: t.TempDir(), Cache: cacheDir, Workers: 1, SDPPlus: head, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if res.Totals.Images != 12 || res.Totals.Failed != 0 || res.Totals.FromCache != 0 {
		t.Fatalf("unexpected run: %+v\n%s", res.Totals, log.String())
	}
	if !strings.Contains(log.String(), "SDP+ runs do not use the per-image cache") {
		t.Errorf("no cache note in the log: %q", log.String())
	}
	if _, err := os.Stat(cacheDir); err == nil {
		t.Error("an SDP+ run created the per-image cache")
	}
	px := res.Categories[0].Row.Pixel
	if px == nil || !px.AUROC.OK() || px.AUROC.V < 0.99 {
		t.Errorf("pixel AUROC with a constant SDP+ head: %+v", px)
	}
}
