package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/synth"
)

// evalSharedDataDir finds shared/data beside the repository by walking up from
// the working directory; the test is skipped without it.
func evalSharedDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "data")
		if st, err := os.Stat(filepath.Join(p, "mvtec")); err == nil && st.IsDir() {
			return p
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Skip("no shared/data beside the repository")
		}
		dir = up
	}
}

// evalOverlay mirrors src into dst with one symlink per file (folders are
// real), skipping the tokenizer folder, so bad files can be added without
// writing into shared/data.
func evalOverlay(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() && rel == "clip" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		return os.Symlink(p, filepath.Join(dst, rel))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func evalPut(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func evalMaskPNG(t *testing.T, w, h int, s *synth.Spot) []byte {
	t.Helper()
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
		t.Fatal(err)
	}
	return b.Bytes()
}

type evalJSON struct {
	Kind     string
	ModelID  string `json:"model_id"`
	Warnings []string
	Totals   map[string]int
	Datasets []struct {
		Name    string
		Columns []string
		Mean    map[string]struct{ Pct string }
		Paper   []struct{ Method string }
	}
	Categories []struct {
		Dataset      string
		Name         string
		TextCategory string `json:"text_category"`
		ImageLevel   bool   `json:"image_level"`
		PixelLevel   bool   `json:"pixel_level"`
		ImageNA      string `json:"image_na"`
		PixelNA      string `json:"pixel_na"`
		Counts       map[string]int
		Metrics      map[string]struct {
			Value *float64
			Pct   string
			NA    string
		}
		Problems []struct{ Kind, Path, Message string }
	}
	Problems []struct{ Kind, Path, Message string }
}

func evalReadJSON(t *testing.T, dir string) evalJSON {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc evalJSON
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func evalReadCSV(t *testing.T, path string) [][]string {
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
	return rows
}

// clipad eval end to end on shared/data (plus bad files in an overlay)
// with test-small synthetic weights and rvs text vectors: the structure of
// every output, the counts per category, the problems, and resumption from
// the cache giving identical results. The numbers themselves mean nothing
// with synthetic weights; the planted test below checks values.
func TestEvalSharedData(t *testing.T) {
	data := evalSharedDataDir(t)
	tmp := t.TempDir()
	wdir := filepath.Join(tmp, "weights")
	if err := runSynth([]string{"-config", "test-small", "-out", wdir}); err != nil {
		t.Fatal(err)
	}
	weightsFile := filepath.Join(wdir, "open_clip_model.safetensors")
	// no "skin": the ISIC category then needs -fallback
	if err := runRVS([]string{"-weights", weightsFile, "-tokenizer", filepath.Join(data, "clip"), "-reducer", "mean",
		"-categories", "bottle,transistor,brain_mri,pcb1,pcb2,pcb3,object"}); err != nil {
		t.Fatal(err)
	}

	root := filepath.Join(tmp, "data")
	evalOverlay(t, data, root)
	bottle := filepath.Join(root, "mvtec", "bottle")
	evalPut(t, filepath.Join(bottle, "good", "999.png"), []byte("not an image at all")) // unreadable
	// an anomalous image whose mask has another size (450×450 vs 900×900)
	if err := os.Symlink(filepath.Join(data, "mvtec", "bottle", "good", "000.png"), filepath.Join(bottle, "anomaly", "broken_large", "900.png")); err != nil {
		t.Fatal(err)
	}
	evalPut(t, filepath.Join(bottle, "mask", "broken_large", "900_mask.png"), evalMaskPNG(t, 450, 450, &synth.Spot{X0: 100, Y0: 100, X1: 200, Y1: 180}))
	// an anomalous image without a mask
	if err := os.Symlink(filepath.Join(data, "mvtec", "transistor", "good", "000.png"), filepath.Join(root, "mvtec", "transistor", "anomaly", "misplaced", "900.png")); err != nil {
		t.Fatal(err)
	}
	// an empty category
	if err := os.MkdirAll(filepath.Join(root, "mvtec", "empty", "good"), 0o755); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(tmp, "out")
	base := []string{"-data", root, "-weights", weightsFile, "-workers", "2"}
	// an unknown category is an error that lists the asset's categories …
	err := runEval(append(slices.Clone(base), "-out", out))
	if err == nil || !strings.Contains(err.Error(), `no category "skin"`) || !strings.Contains(err.Error(), "bottle, brain_mri, object") ||
		!strings.Contains(err.Error(), "-fallback") {
		t.Fatalf("missing text category: %v", err)
	}
	base = append(base, "-fallback", "object") // … unless a fallback is named

	// 1. an interrupted run: two images per category
	if err := runEval(append(slices.Clone(base), "-out", out, "-limit", "2")); err != nil {
		t.Fatal(err)
	}
	if doc := evalReadJSON(t, out); doc.Totals["scored"] != 10 || doc.Totals["from_cache"] != 0 {
		t.Fatalf("limited run totals %v", doc.Totals)
	}
	// 2. the full run resumes from the cache
	if err := runEval(append(slices.Clone(base), "-out", out, "-compare", "paper")); err != nil {
		t.Fatal(err)
	}
	// 3. a fresh run without a cache
	fresh := filepath.Join(tmp, "fresh")
	if err := runEval(append(slices.Clone(base), "-out", fresh, "-cache", "off", "-compare", "paper", "-workers", "1")); err != nil {
		t.Fatal(err)
	}

	doc := evalReadJSON(t, out)
	if doc.Kind != "shared" || !strings.HasPrefix(doc.ModelID, "test-small-") {
		t.Errorf("header: kind %q model %q", doc.Kind, doc.ModelID)
	}
	wantTotals := map[string]int{"images": 47, "normal": 17, "anomalous": 30, "failed": 1, "scored": 46, "from_cache": 10,
		"pixel_images": 24, "missing_masks": 1, "mask_errors": 0, "mask_size_mismatch": 1, "problems": 4}
	for k, v := range wantTotals {
		if doc.Totals[k] != v {
			t.Errorf("totals[%s] = %d, want %d (all: %v)", k, doc.Totals[k], v, doc.Totals)
		}
	}
	if len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0], "isic/skin") {
		t.Errorf("warnings %v", doc.Warnings)
	}
	type want struct {
		text                        string
		images, normal, anom, pixel int
		imageLevel, pixelLevel      bool
		problems                    int
	}
	wants := map[string]want{
		"brainmri/brain":   {"brain_mri", 20, 10, 10, 0, true, false, 0},
		"isic/skin":        {"object", 1, 0, 1, 0, false, false, 0},
		"mvtec/bottle":     {"bottle", 11, 4, 7, 10, true, true, 2},
		"mvtec/transistor": {"transistor", 12, 3, 9, 11, true, true, 1},
		"visa/pcb1":        {"pcb1", 1, 0, 1, 1, false, true, 0},
		"visa/pcb2":        {"pcb2", 1, 0, 1, 1, false, true, 0},
		"visa/pcb3":        {"pcb3", 1, 0, 1, 1, false, true, 0},
	}
	if len(doc.Categories) != len(wants) {
		t.Fatalf("%d categories, want %d", len(doc.Categories), len(wants))
	}
	for _, c := range doc.Categories {
		key := c.Dataset + "/" + c.Name
		w, ok := wants[key]
		if !ok {
			t.Errorf("unexpected category %s", key)
			continue
		}
		if c.TextCategory != w.text || c.Counts["images"] != w.images || c.Counts["normal"] != w.normal ||
			c.Counts["anomalous"] != w.anom || c.Counts["pixel_images"] != w.pixel || c.ImageLevel != w.imageLevel ||
			c.PixelLevel != w.pixelLevel || len(c.Problems) != w.problems || c.Counts["problems"] != w.problems {
			t.Errorf("%s: text %q counts %v image %v pixel %v problems %d; want %+v", key, c.TextCategory, c.Counts,
				c.ImageLevel, c.PixelLevel, len(c.Problems), w)
		}
		var names []string
		for k, v := range c.Metrics {
			names = append(names, k)
			if v.Value != nil && (*v.Value < -1e-9 || *v.Value > 1+1e-9 || v.Pct == "") {
				t.Errorf("%s %s = %v (%q)", key, k, *v.Value, v.Pct)
			}
			if v.Value == nil && v.NA == "" {
				t.Errorf("%s %s: n/a without a reason", key, k)
			}
		}
		slices.Sort(names)
		var wantNames []string
		if w.pixelLevel {
			wantNames = append(wantNames, "ap_px", "aupro", "auroc_px", "f1_px")
		}
		if w.imageLevel {
			wantNames = append(wantNames, "ap_sp", "auroc_sp", "f1_sp")
		}
		slices.Sort(wantNames)
		if !slices.Equal(names, wantNames) {
			t.Errorf("%s: metrics %v, want %v", key, names, wantNames)
		}
		if (!w.imageLevel && c.ImageNA == "") || (!w.pixelLevel && c.PixelNA == "") {
			t.Errorf("%s: absent metric block without a reason", key)
		}
	}
	kinds := map[string]int{}
	for _, p := range doc.Problems {
		kinds[p.Kind]++
		switch p.Kind {
		case "image":
			if !strings.HasSuffix(p.Path, "999.png") {
				t.Errorf("image problem for %s", p.Path)
			}
		case "mask-size":
			if !strings.HasSuffix(p.Path, filepath.Join("broken_large", "900.png")) || !strings.Contains(p.Message, "450×450") {
				t.Errorf("mask-size problem %+v", p)
			}
		}
	}
	if kinds["dataset"] != 2 || kinds["image"] != 1 || kinds["mask-size"] != 1 {
		t.Errorf("problem kinds %v: %+v", kinds, doc.Problems)
	}
	// per-dataset tables in the official column order, with the paper rows
	var dsNames []string
	for _, d := range doc.Datasets {
		dsNames = append(dsNames, d.Name)
		switch d.Name {
		case "mvtec":
			if strings.Join(d.Columns, ",") != "auroc_px,f1_px,ap_px,aupro,auroc_sp,f1_sp,ap_sp" || len(d.Paper) != 4 {
				t.Errorf("mvtec columns %v, %d paper rows", d.Columns, len(d.Paper))
			}
		case "visa":
			if strings.Join(d.Columns, ",") != "auroc_px,f1_px,ap_px,aupro" || len(d.Paper) != 2 {
				t.Errorf("visa columns %v, %d paper rows", d.Columns, len(d.Paper))
			}
		case "brainmri":
			if strings.Join(d.Columns, ",") != "auroc_sp,f1_sp,ap_sp" || len(d.Paper) != 0 {
				t.Errorf("brainmri columns %v", d.Columns)
			}
		}
	}
	if strings.Join(dsNames, ",") != "brainmri,isic,mvtec,visa" {
		t.Errorf("datasets %v", dsNames)
	}
	md, err := os.ReadFile(filepath.Join(out, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"## mvtec", "## brainmri", "## visa", "## isic", " auroc_px | f1_px | ap_px | aupro | auroc_sp | f1_sp | ap_sp |",
		"| mean ", "| SDP (CLIP-AD paper) | — | 35.9 d | — | 75.3 d |", "| WinCLIP (zero-shot) | 85.1 v | 31.7 r |", "## Problems (4)",
		"47 images in 7 categories: 46 scored (10 from cache), 1 failed; 4 problems"} {
		if !strings.Contains(string(md), s) {
			t.Errorf("results.md lacks %q:\n%s", s, md)
		}
	}
	rcsv := evalReadCSV(t, filepath.Join(out, "results.csv"))
	if len(rcsv) != 1+7+4+6 || rcsv[0][0] != "dataset" || rcsv[0][13] != "auroc_px" || rcsv[0][19] != "ap_sp" {
		t.Errorf("results.csv: %d rows, header %v", len(rcsv), rcsv[0])
	}
	cache, _ := filepath.Glob(filepath.Join(out, "cache", "*.json"))
	if len(cache) != 46 {
		t.Errorf("%d cache files, want one per scored image (46)", len(cache))
	}

	// resumed and fresh runs agree exactly
	a, b := evalReadCSV(t, filepath.Join(out, "images.csv")), evalReadCSV(t, filepath.Join(fresh, "images.csv"))
	if len(a) != 48 || len(b) != 48 {
		t.Fatalf("images.csv rows %d / %d, want 48", len(a), len(b))
	}
	cached := 0
	for i := range a {
		if a[i][10] == "true" {
			cached++
		}
		a[i][10], b[i][10] = "", "" // from_cache
		if !slices.Equal(a[i], b[i]) {
			t.Errorf("images.csv row %d differs:\n resumed %v\n fresh   %v", i, a[i], b[i])
		}
	}
	if cached != 10 {
		t.Errorf("%d images.csv rows from cache, want 10", cached)
	}
	fa, fb := evalReadJSON(t, out), evalReadJSON(t, fresh)
	for i := range fa.Categories {
		ja, _ := json.Marshal(fa.Categories[i].Metrics)
		jb, _ := json.Marshal(fb.Categories[i].Metrics)
		if !bytes.Equal(ja, jb) {
			t.Errorf("%s metrics differ:\n resumed %s\n fresh   %s", fa.Categories[i].Name, ja, jb)
		}
	}
	if fb.Totals["from_cache"] != 0 {
		t.Errorf("cache off: %d from cache", fb.Totals["from_cache"])
	}
	if _, err := os.Stat(filepath.Join(fresh, "cache")); !os.IsNotExist(err) {
		t.Errorf("-cache off made a cache folder")
	}
}

// clipad eval with the planted white-box model ('clipad synth -config
// planted' writes the weights and calibrated text vectors) on an MVTec-AD
// layout of planted images: the metric code gives the known values in both
// score modes (image AUROC = 1, pixel AUROC ≥ 0.99, AUPRO ≥ 0.97; see
// model/evalrun TestPlantedKnownValues for the bounds).
func TestEvalPlanted(t *testing.T) {
	tmp := t.TempDir()
	wdir := filepath.Join(tmp, "planted")
	if err := runSynth([]string{"-config", "planted", "-out", wdir}); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(tmp, "data")
	spots := []*synth.Spot{{X0: 40, Y0: 30, X1: 130, Y1: 110}, {X0: 180, Y0: 150, X1: 280, Y1: 230}, {X0: 20, Y0: 160, X1: 110, Y1: 250},
		{X0: 200, Y0: 20, X1: 290, Y1: 100}}
	for i, sp := range spots {
		evalPut(t, filepath.Join(root, "screw", "test", "good", fmt.Sprintf("%03d.png", i)), synth.PlantedPNG(320, 280, nil, uint64(i), i == 2))
		evalPut(t, filepath.Join(root, "screw", "test", "spot", fmt.Sprintf("%03d.png", i)), synth.PlantedPNG(320, 280, sp, uint64(10+i), false))
		evalPut(t, filepath.Join(root, "screw", "ground_truth", "spot", fmt.Sprintf("%03d_mask.png", i)), evalMaskPNG(t, 320, 280, sp))
	}
	for _, mode := range []string{"batch", "single"} {
		out := filepath.Join(tmp, mode)
		if err := runEval([]string{"-data", root, "-kind", "mvtec", "-weights", filepath.Join(wdir, "open_clip_model.safetensors"),
			"-mode", mode, "-out", out, "-workers", "2"}); err != nil {
			t.Fatal(err)
		}
		doc := evalReadJSON(t, out)
		if len(doc.Categories) != 1 || doc.Totals["scored"] != 8 || doc.Totals["problems"] != 0 {
			t.Fatalf("%s: %+v", mode, doc.Totals)
		}
		m := doc.Categories[0].Metrics
		val := func(k string) float64 {
			if m[k].Value == nil {
				t.Fatalf("%s: %s is n/a: %s", mode, k, m[k].NA)
			}
			return *m[k].Value
		}
		t.Logf("%s: image AUROC %.4f, pixel AUROC %.4f, AUPRO %.4f", mode, val("auroc_sp"), val("auroc_px"), val("aupro"))
		if val("auroc_sp") != 1 || val("ap_sp") != 1 || val("f1_sp") != 1 || val("auroc_px") < 0.99 || val("aupro") < 0.97 {
			t.Errorf("%s: planted metrics %v", mode, m)
		}
	}
}

func TestEvalFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "-data is required"},
		{[]string{"-data", "x", "-mode", "both"}, "-mode must be batch or single"},
		{[]string{"-data", "x", "-compare", "winclip"}, "-compare takes only"},
		{[]string{"-data", "x", "-workers", "0"}, "-workers"},
		{[]string{"-data", "x", "stray"}, "unexpected arguments"},
		{[]string{"-data", "x"}, "-weights is required"},
	} {
		err := runEval(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err %v, want %q", c.args, err, c.want)
		}
	}
}
