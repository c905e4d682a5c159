package main

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/dicom/dicomtest"
	"github.com/clipad/clipad/model/synth"
)

var medSecrets = dicomtest.Secrets

const medExplicitLE = "1.2.840.10008.1.2.1"

func medPut(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

type medRecord struct {
	Name    string `json:"name"`
	Source  string `json:"source"`
	Frame   int    `json:"frame"`
	Frames  int    `json:"frames"`
	ImageID string `json:"image_id"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Score   float64
	Error   string `json:"error"`
	Window  *struct {
		Center, Width float64
		Source        string
	} `json:"window"`
}

func medResults(t *testing.T, dir string) []medRecord {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rs []medRecord
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatal(err)
	}
	return rs
}

// medScanOutputs checks every file under dir (names and contents) for the
// forbidden strings.
func medScanOutputs(t *testing.T, dir string, forbidden []string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, s := range forbidden {
			if strings.Contains(string(b), s) || strings.Contains(d.Name(), s) {
				t.Errorf("%s contains %q", p, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// DICOM folders through `clipad detect` with the planted model (it sees red
// spots): every frame of a multi-frame RGB file is analysed and its map
// peaks on that frame's spot (rows/columns not swapped, frames not mixed
// up); bad files give one error record each and the batch goes on; no
// patient attribute reaches any output; -hash-names keeps the paths out.
func TestDetectDICOM(t *testing.T) {
	tmp := t.TempDir()
	w := filepath.Join(tmp, "w")
	if err := runSynth([]string{"-config", "planted", "-out", w}); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(tmp, "in")
	const rows, cols = 96, 160
	spots := []synth.Spot{{X0: 10, Y0: 8, X1: 40, Y1: 36}, {X0: 120, Y0: 50, X1: 150, Y1: 86}, {X0: 70, Y0: 60, X1: 100, Y1: 92}}
	var px []byte
	for f, s := range spots {
		for y := 0; y < rows; y++ {
			for x := 0; x < cols; x++ {
				n := byte((x*7 + y*13 + f) % 21)
				if s.Contains(x, y) {
					px = append(px, 235+n/2, 10+n/2, 10+n/2)
				} else {
					px = append(px, 118+n, 118+n, 118+n)
				}
			}
		}
	}
	series := filepath.Join(in, "series", "1.2.826.0.1.3680043.2.77") // UID-named, no extension
	medPut(t, series, dicomtest.File(medExplicitLE, append(dicomtest.Image(rows, cols, "RGB", 3, 8, 3), dicomtest.Pixels("OB", px))...))
	mono := make([]byte, 2*64*64)
	for i := 0; i < 64*64; i++ {
		binary.LittleEndian.PutUint16(mono[2*i:], uint16(i%4096))
	}
	mono16 := dicomtest.File(medExplicitLE, append(dicomtest.Image(64, 64, "MONOCHROME2", 1, 16, 0),
		dicomtest.Str(0x00281050, "DS", "2048"), dicomtest.Str(0x00281051, "DS", "4096"), dicomtest.Pixels("OW", mono))...)
	medPut(t, filepath.Join(in, "mono16.dcm"), mono16)
	medPut(t, filepath.Join(in, "bad", "trunc.dcm"), mono16[:len(mono16)-500])
	medPut(t, filepath.Join(in, "bad", "nopix.dcm"), dicomtest.File(medExplicitLE, dicomtest.Image(64, 64, "MONOCHROME2", 1, 16, 0)...))
	medPut(t, filepath.Join(in, "bad", "j2k.DCM"), dicomtest.File("1.2.840.10008.1.2.4.90", append(dicomtest.Image(64, 64, "MONOCHROME2", 1, 16, 0), dicomtest.Pixels("OW", mono))...))
	medPut(t, filepath.Join(in, "bad", "absurd.dcm"), dicomtest.File(medExplicitLE, append(dicomtest.Image(65535, 65535, "MONOCHROME2", 1, 16, 50000), dicomtest.Pixels("OW", mono[:64]))...))
	medPut(t, filepath.Join(in, "DICOMDIR"), dicomtest.File(medExplicitLE)) // skipped
	medPut(t, filepath.Join(in, "notes.txt"), []byte("not an image"))       // ignored
	g16 := image.NewGray16(image.Rect(0, 0, 40, 30))
	for i := 0; i < 40*30; i++ {
		g16.SetGray16(i%40, i/40, color.Gray16{Y: uint16(1000 + i)})
	}
	var pb bytes.Buffer
	png.Encode(&pb, g16)
	medPut(t, filepath.Join(in, "mri16.png"), pb.Bytes())

	out := filepath.Join(tmp, "out")
	args := []string{"-weights", filepath.Join(w, "open_clip_model.safetensors"), "-category", "brain_mri", "-out", out, in}
	if err := runDetect(args); err != nil {
		t.Fatal(err)
	}
	rs := medResults(t, out)
	byName := map[string]medRecord{}
	for _, r := range rs {
		byName[strings.TrimPrefix(r.Name, in+string(filepath.Separator))] = r
	}
	if len(rs) != 9 {
		t.Fatalf("%d records: %v", len(rs), byName)
	}
	wantErr := map[string]string{
		"bad/trunc.dcm":  "truncated",
		"bad/nopix.dcm":  "no Pixel Data",
		"bad/j2k.DCM":    "JPEG 2000",
		"bad/absurd.dcm": "too large",
	}
	for n, msg := range wantErr {
		r, ok := byName[n]
		if !ok || !strings.Contains(r.Error, msg) || r.Source == "" {
			t.Errorf("%s: record %+v, want an error saying %q", n, r, msg)
		}
	}
	for f, s := range spots {
		name := "series/1.2.826.0.1.3680043.2.77#" + string(rune('1'+f))
		r, ok := byName[name]
		if !ok || r.Error != "" || r.Frame != f+1 || r.Frames != 3 || r.Source != series || r.Width != cols || r.Height != rows ||
			!regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(r.ImageID) {
			t.Fatalf("frame %d: %+v", f+1, r)
		}
		// The map (written at the original size) peaks on this frame's spot.
		stem := "1.2.826.0.1.3680043.2.77_f000" + string(rune('1'+f))
		mb, err := os.ReadFile(filepath.Join(out, stem+"_map.png"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := png.Decode(bytes.NewReader(mb))
		if err != nil {
			t.Fatal(err)
		}
		best, bx, by := -1, 0, 0
		for y := 0; y < rows; y++ {
			for x := 0; x < cols; x++ {
				if v := int(m.(*image.Gray16).Gray16At(x, y).Y); v > best {
					best, bx, by = v, x, y
				}
			}
		}
		if !s.Contains(bx, by) {
			t.Errorf("frame %d: map peak (%d,%d) outside spot %+v", f+1, bx, by, s)
		}
		if _, err := os.Stat(filepath.Join(out, stem+"_overlay.png")); err != nil {
			t.Error(err)
		}
	}
	if r := byName["mono16.dcm"]; r.Error != "" || r.Frame != 1 || r.Frames != 1 || r.Window == nil || r.Window.Source != "file" || r.Window.Center != 2048 {
		t.Errorf("mono16: %+v", r)
	}
	if r := byName["mri16.png"]; r.Error != "" || r.Source != "" || r.Frame != 0 || r.Window == nil || r.Window.Source != "minmax" {
		t.Errorf("16-bit PNG: %+v", r)
	}
	f, err := os.Open(filepath.Join(out, "summary.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows2, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows2) != 10 || rows2[0][11] != "source" || rows2[0][12] != "frame" {
		t.Fatalf("summary.csv: %v %v", err, rows2[:1])
	}
	if n := medScanOutputs(t, out, medSecrets); n < 20 {
		t.Fatalf("only %d output files", n)
	}

	// -hash-names and a manual window: no path or file name in any output.
	out2 := filepath.Join(tmp, "out2")
	args = []string{"-weights", filepath.Join(w, "open_clip_model.safetensors"), "-category", "brain_mri", "-out", out2, "-hash-names", "-window", "100,200", in}
	if err := runDetect(args); err != nil {
		t.Fatal(err)
	}
	rs = medResults(t, out2)
	if len(rs) != 9 {
		t.Fatalf("hash names: %d records", len(rs))
	}
	for _, r := range rs {
		if !regexp.MustCompile(`^[0-9a-f]{16}(_\d+)?$`).MatchString(r.Name) || r.Source != "" {
			t.Errorf("hash names: record %+v", r)
		}
		if r.Window != nil && r.Window.Source != "user" {
			t.Errorf("manual window not applied: %+v", r.Window)
		}
	}
	medScanOutputs(t, out2, append([]string{tmp, "series", "3680043.2.77", "mono16", "trunc.dcm", "absurd.dcm", "nopix", "j2k", "mri16"}, medSecrets...))

	if err := runDetect([]string{"-weights", filepath.Join(w, "open_clip_model.safetensors"), "-window", "wide", "-out", out2, in}); err == nil || !strings.Contains(err.Error(), "-window") {
		t.Errorf("bad -window: %v", err)
	}
}

// medSharedBrainMRI finds shared/data/brainmri/brain and the CLIP tokenizer
// beside the repository, or skips.
func medSharedBrainMRI(t *testing.T) (brain, clip string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		brain = filepath.Join(dir, "shared", "data", "brainmri", "brain")
		clip = filepath.Join(dir, "shared", "data", "clip")
		if _, err := os.Stat(brain); err == nil {
			if _, err := os.Stat(clip); err == nil {
				return brain, clip
			}
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Skip("no shared/data/brainmri and shared/data/clip beside the repository")
		}
		dir = up
	}
}

// The BrainMRI samples run through `clipad detect` with the brain_mri
// category (synthetic test-small weights: this checks the pipeline and the
// category, not accuracy).
func TestDetectBrainMRI(t *testing.T) {
	brain, clip := medSharedBrainMRI(t)
	tmp := t.TempDir()
	w := filepath.Join(tmp, "w")
	if err := runSynth([]string{"-config", "test-small", "-out", w}); err != nil {
		t.Fatal(err)
	}
	wf := filepath.Join(w, "open_clip_model.safetensors")
	if err := runRVS([]string{"-weights", wf, "-tokenizer", clip, "-categories", "brain_mri,head_ct,skin,colon"}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "out")
	if err := runDetect([]string{"-weights", wf, "-category", "brain_mri", "-no-png", "-out", out, brain}); err != nil {
		t.Fatal(err)
	}
	rs := medResults(t, out)
	var good, anom int
	for _, r := range rs {
		if r.Error != "" || math.IsNaN(r.Score) || r.Width == 0 || r.Source != "" || r.Frame != 0 {
			t.Errorf("%+v", r)
		}
		switch filepath.Base(filepath.Dir(r.Name)) {
		case "good":
			good++
		case "anomaly":
			anom++
		}
	}
	if good != 10 || anom != 10 {
		t.Fatalf("%d good, %d anomaly records", good, anom)
	}
	// The other medical categories are in the asset and usable.
	for _, c := range []string{"head_ct", "skin", "colon"} {
		one := filepath.Join(tmp, "one-"+c)
		if err := runDetect([]string{"-weights", wf, "-category", c, "-no-png", "-out", one, filepath.Join(brain, "good", "1 no.jpeg")}); err != nil {
			t.Errorf("category %s: %v", c, err)
		}
	}
}
