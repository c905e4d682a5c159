package evalrun

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clipad/clipad/model/dataset"
	"github.com/clipad/clipad/model/detect"
	"github.com/clipad/clipad/model/imageio"
	"github.com/clipad/clipad/model/preprocess"
	"github.com/clipad/clipad/model/synth"
	"github.com/clipad/clipad/model/textvec"
)

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Bad input is reported per file and counted; the run goes on and the
// clean images still give the known planted values.
func TestBadInput(t *testing.T) {
	root := t.TempDir()
	writePlantedMVTec(t, root, "bottle")
	b := filepath.Join(root, "bottle")
	// an unreadable (undecodable) image
	writeFile(t, filepath.Join(b, "test", "good", "900.png"), []byte("this is not a PNG"))
	// a mask of another size than its image (half resolution, same place)
	sp := &synth.Spot{X0: 100, Y0: 60, X1: 180, Y1: 140}
	writeFile(t, filepath.Join(b, "test", "spot", "900.png"), synth.PlantedPNG(320, 320, sp, 7, false))
	writeFile(t, filepath.Join(b, "ground_truth", "spot", "900_mask.png"),
		maskPNG(160, 160, &synth.Spot{X0: 50, Y0: 30, X1: 90, Y1: 70}))
	// a missing mask
	writeFile(t, filepath.Join(b, "test", "spot", "901.png"), synth.PlantedPNG(320, 320, sp, 8, false))
	// an unreadable mask
	writeFile(t, filepath.Join(b, "test", "spot", "902.png"), synth.PlantedPNG(320, 320, sp, 9, false))
	writeFile(t, filepath.Join(b, "ground_truth", "spot", "902_mask.png"), []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0})
	// empty categories: a known MVTec name without test/, and one without images
	if err := os.MkdirAll(filepath.Join(root, "cable"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "zipper", "test", "good"), 0o755); err != nil {
		t.Fatal(err)
	}

	m, id, a := planted(t, "bottle")
	out := t.TempDir()
	var log bytes.Buffer
	res, err := Run(Config{Data: root, Model: m, ModelID: id, Text: a, Sigma: 8, Out: out, Workers: 2, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Categories) != 1 {
		t.Fatalf("categories %d", len(res.Categories))
	}
	c := res.Categories[0]
	want := Counts{Images: 16, Normal: 7, Anomalous: 9, Failed: 1, Scored: 15, PixelImages: 13, MissingMasks: 1,
		MaskErrors: 1, MaskSizeMismatch: 1, Problems: 4}
	if c.Counts != want {
		t.Errorf("counts\n got %+v\nwant %+v", c.Counts, want)
	}
	if res.Totals.Problems != 6 || res.EmptyCats != 2 || res.Totals.Failed != 1 {
		t.Errorf("totals %+v, empty categories %d", res.Totals, res.EmptyCats)
	}
	kinds := map[string]int{}
	for _, p := range res.Problems {
		kinds[p.Kind]++
	}
	if kinds[ProblemDataset] != 3 || kinds[ProblemImage] != 1 || kinds[ProblemMask] != 1 || kinds[ProblemMaskSize] != 1 {
		t.Errorf("problem kinds %v:\n%v", kinds, res.Problems)
	}
	// reported per file as it happens
	for _, s := range []string{"900.png", "902_mask.png", "is 160×160 but the image is 320×320", "missing mask", "empty category"} {
		if !strings.Contains(log.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, log.String())
		}
	}
	// counted in the summary line and the outputs
	line := res.SummaryLine()
	for _, s := range []string{"16 images", "15 scored", "1 failed", "6 problems", "1 missing masks", "1 unreadable masks",
		"1 masks of another size", "2 empty categories"} {
		if !strings.Contains(line, s) {
			t.Errorf("summary line %q lacks %q", line, s)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, FileMarkdown))
	if !strings.Contains(string(md), "## Problems (6)") || !strings.Contains(string(md), "mask-size:") {
		t.Errorf("results.md lacks the problem list:\n%s", md)
	}
	rows := checkImagesCSV(t, filepath.Join(out, FileImages), 16, detect.ModeBatch)
	var failedRow []string
	for _, r := range rows {
		if strings.HasSuffix(r[0], "900.png") && r[4] == "normal" {
			failedRow = r
		}
	}
	if failedRow == nil || failedRow[5] != "" || failedRow[11] == "" || failedRow[9] != "no" {
		t.Errorf("failed image row %v", failedRow)
	}
	// the clean part still gives the planted values
	if v := c.Row.Image.AUROC; !v.OK() || v.V != 1 {
		t.Errorf("image AUROC %v", v)
	}
	if v := c.Row.Pixel.AUROC; !v.OK() || v.V < 0.99 {
		t.Errorf("pixel AUROC %v", v)
	}

	// the second run takes every scored image from the cache; the failed
	// one is retried (and fails again)
	log.Reset()
	res2, err := Run(Config{Data: root, Model: m, ModelID: id, Text: a, Sigma: 8, Out: out, Workers: 1, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if got := res2.Categories[0].Counts; got.FromCache != 15 || got.Failed != 1 {
		t.Errorf("second run: %+v", got)
	}
	if res2.Categories[0].Row.Pixel.AUPRO != c.Row.Pixel.AUPRO || res2.Categories[0].Row.Image.AP != c.Row.Image.AP {
		t.Errorf("cached run differs: %v vs %v", res2.Categories[0].Row, c.Row)
	}
}

// A dataset with no images is an error naming the problems.
func TestNoImages(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "bottle", "test", "good"), 0o755); err != nil {
		t.Fatal(err)
	}
	m, id, a := planted(t, "bottle")
	_, err := Run(Config{Data: root, Model: m, ModelID: id, Text: a, Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "no test images") || !strings.Contains(err.Error(), "empty category") {
		t.Errorf("err = %v", err)
	}
	_, err = Run(Config{Data: root, Model: m, ModelID: id, Text: a, Out: t.TempDir(), Mode: "bogus"})
	if err == nil || !strings.Contains(err.Error(), "mode") {
		t.Errorf("bad mode: %v", err)
	}
}

func TestTextCategory(t *testing.T) {
	vec := func(i int) []float32 { v := make([]float32, 4); v[i] = 1; return v }
	a := &textvec.Asset{Format: textvec.Format, Version: textvec.Version, ModelID: "m", EmbedDim: 4}
	for _, n := range []string{"bottle", "brain_mri", "skin", "object"} {
		a.Categories = append(a.Categories, textvec.Category{Name: n, Normal: vec(0), Abnormal: vec(1)})
	}
	cases := []struct {
		ds, name, fallback, want, err, warn string
	}{
		{"mvtec", "bottle", "", "bottle", "", ""},
		{"brainmri", "brain", "", "brain_mri", "", ""},               // shared layout folder name
		{"brainmri", "brain_mri", "", "brain_mri", "", ""},           // BrainMRI kind
		{"isic", "skin", "", "skin", "", ""},                         //
		{"mvtec", "foo", "", "", `no category "foo"`, ""},            // unknown: error …
		{"mvtec", "foo", "object", "object", "", "using \"object\""}, // … or the fallback, with a warning
		{"headct", "head_ct", "", "", `no category "head_ct"`, ""},
		{"mvtec", "foo", "nope", "", "fallback text category", ""},
	}
	for _, c := range cases {
		k, warn, err := TextCategory(&dataset.Category{Dataset: c.ds, Name: c.name}, a, c.fallback)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), "bottle, brain_mri, object, skin") {
				t.Errorf("%s/%s: err %v, want %q and the list", c.ds, c.name, err, c.err)
			}
			continue
		}
		if err != nil || k != c.want || (c.warn == "") != (warn == "") || !strings.Contains(warn, c.warn) {
			t.Errorf("%s/%s: %q %q %v, want %q", c.ds, c.name, k, warn, err, c.want)
		}
	}
}

// MaskTarget follows each layout's rules; for the MVTec rule it equals
// preprocess.MaskTarget.
func TestMaskTarget(t *testing.T) {
	dir := t.TempDir()
	const S = 24
	// grey levels 0 / 100 / 200 in three vertical bands, 60×30
	g := image.NewGray(image.Rect(0, 0, 60, 30))
	for y := 0; y < 30; y++ {
		for x := 0; x < 60; x++ {
			g.SetGray(x, y, color.Gray{Y: uint8(100 * (x / 20))})
		}
	}
	gp := filepath.Join(dir, "g.png")
	writeFile(t, gp, encodePNG(t, g))
	frac := func(m []bool) float64 {
		n := 0
		for _, v := range m {
			if v {
				n++
			}
		}
		return float64(n) / float64(len(m))
	}
	mv, w, h, err := MaskTarget(dataset.Sample{MaskPath: gp, MaskPrebinarize: true}, S, imageio.Limits{})
	if err != nil || w != 60 || h != 30 {
		t.Fatal(w, h, err)
	}
	ref, err := preprocess.MaskTarget(g, S, true)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ref {
		if (ref[i] != 0) != mv[i] {
			t.Fatalf("MVTec rule differs from preprocess.MaskTarget at %d", i)
		}
	}
	visa, _, _, err := MaskTarget(dataset.Sample{MaskPath: gp, MaskPrebinarize: true, MaskThreshold: 127}, S, imageio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _, _, err := MaskTarget(dataset.Sample{MaskPath: gp}, S, imageio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// > 0: two bands of three; > 127: one; raw (no pre-binarisation) ≥ 128 after resize: one
	if f := frac(mv); f < 0.6 || f > 0.72 {
		t.Errorf("threshold 0: foreground %.3f, want ≈ 2/3", f)
	}
	if f := frac(visa); f < 0.28 || f > 0.38 {
		t.Errorf("threshold 127: foreground %.3f, want ≈ 1/3", f)
	}
	if !slices.Equal(visa, raw) {
		t.Errorf("threshold 127 and raw differ on a 0/100/200 mask")
	}

	// first channel (cv2 BGR → blue) vs convert('L')
	c := image.NewRGBA(image.Rect(0, 0, 40, 40))
	for y := 0; y < 40; y++ {
		for x := 0; x < 40; x++ {
			col := color.RGBA{255, 0, 0, 255} // red: L = 76, blue = 0
			if x < 20 {
				col = color.RGBA{0, 0, 255, 255} // blue: L = 29, blue = 255
			}
			c.Set(x, y, col)
		}
	}
	cp := filepath.Join(dir, "c.png")
	writeFile(t, cp, encodePNG(t, c))
	first, _, _, err := MaskTarget(dataset.Sample{MaskPath: cp, MaskFirstChannel: true}, S, imageio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	lum, _, _, err := MaskTarget(dataset.Sample{MaskPath: cp}, S, imageio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if f := frac(first); f < 0.45 || f > 0.55 || !first[0] || first[S-1] {
		t.Errorf("first channel: foreground %.3f (left %v right %v), want the left (blue) half", f, first[0], first[S-1])
	}
	if f := frac(lum); f != 0 {
		t.Errorf("convert('L') of red/blue: foreground %.3f, want 0", f)
	}

	if _, _, _, err := MaskTarget(dataset.Sample{MaskPath: filepath.Join(dir, "none.png")}, S, imageio.Limits{}); err == nil {
		t.Error("missing file accepted")
	}
}

// The cache returns exactly what the detector computed, and its key
// changes with every input it depends on.
func TestCache(t *testing.T) {
	m, id, a := planted(t, "bottle")
	d, err := detect.New(m, id, a, detect.Options{Sigma: 8})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "x.png")
	writeFile(t, p, synth.PlantedPNG(300, 200, &synth.Spot{X0: 10, Y0: 10, X1: 80, Y1: 90}, 3, false))
	data, _ := os.ReadFile(p)
	rec, err := d.Analyze(data, p, "bottle")
	if err != nil {
		t.Fatal(err)
	}
	cd, err := openCache(filepath.Join(dir, "cache"))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	tc, _ := a.Get("bottle")
	key := cacheKey(id, tc, 8, false, p, st)
	if err := cd.store(key, p, rec); err != nil {
		t.Fatal(err)
	}
	got, ok := cd.load(key, p, rec.Size, rec.Grid, 8)
	if !ok {
		t.Fatal("cache miss after store")
	}
	if got.ProbAbnormal != rec.ProbAbnormal || got.MapMax != rec.MapMax || got.MapMin != rec.MapMin ||
		got.Width != 300 || got.Height != 200 || !slices.Equal(got.Map, rec.Map) || !slices.Equal(got.PatchMap, rec.PatchMap) {
		t.Error("cached record differs from the computed one")
	}
	// a σ that does not match the stored s1 is a miss, not a wrong answer
	if _, ok := cd.load(key, p, rec.Size, rec.Grid, 2); ok {
		t.Error("load with another σ accepted the entry")
	}
	// the key depends on everything the values depend on
	other := *tc
	other.Normal = append([]float32(nil), tc.Normal...)
	other.Normal[0] = -other.Normal[0]
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(p, later, later); err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(p)
	keys := map[string]bool{key: true}
	for _, k := range []string{cacheKey("other-model", tc, 8, false, p, st), cacheKey(id, &other, 8, false, p, st),
		cacheKey(id, tc, 2, false, p, st), cacheKey(id, tc, 8, true, p, st), cacheKey(id, tc, 8, false, p+"x", st),
		cacheKey(id, tc, 8, false, p, st2)} {
		if keys[k] {
			t.Errorf("key collision: %s", k)
		}
		keys[k] = true
	}
	// a corrupt entry is a miss
	writeFile(t, cd.file(key), []byte(`{"v":1,"key":"`+key+`","patch_map":[1,2]}`))
	if _, ok := cd.load(key, p, rec.Size, rec.Grid, 8); ok {
		t.Error("corrupt entry accepted")
	}
	// no temporary files are left behind
	ents, _ := os.ReadDir(cd.dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("left %s", e.Name())
		}
	}
}

func TestPaperTables(t *testing.T) {
	mv := PaperFor("mvtec")
	if mv == nil || PaperFor("visa") == nil || PaperFor("brainmri") != nil {
		t.Fatal("PaperFor coverage")
	}
	// SDP MVTec-AD: 31.7 + 4.2 and 64.6 + 10.7 (spec §8.1 [D])
	sdp := mv.Rows[0]
	if v := sdp.Values[1]; v.V != 35.9 || v.Status != Derived {
		t.Errorf("SDP f1_px %+v", v)
	}
	if v := sdp.Values[3]; v.V != 75.3 || v.Status != Derived {
		t.Errorf("SDP aupro %+v", v)
	}
	if len(sdp.Values) != 2 {
		t.Errorf("SDP row claims %d numbers, only 2 are known", len(sdp.Values))
	}
	// WinCLIP: only the AUROCs are verified
	for m, v := range mv.Rows[2].Values {
		wantVerified := m.String() == "auroc_px" || m.String() == "auroc_sp"
		if (v.Status == Verified) != wantVerified {
			t.Errorf("WinCLIP %s status %s", m, v.Status)
		}
	}
}
