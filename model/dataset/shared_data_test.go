package dataset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedData finds <repo>/../shared/data by walking up from the working
// directory; it skips the test when there is none.
func sharedData(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if p := filepath.Join(dir, "shared", "data"); isDir(p) {
			return p
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Skip("no shared/data directory above the working directory")
		}
		dir = up
	}
}

// TestRealSharedData checks the reader against the counts in
// shared/data/SOURCES.md.
func TestRealSharedData(t *testing.T) {
	root := sharedData(t)
	if k, err := Detect(root); err != nil || k != KindShared {
		t.Fatalf("Detect(%s) = %q, %v", root, k, err)
	}
	s := mustOpen(t, root, KindShared)
	type want struct {
		normal, anomalous, masks int
		pixel, image             bool
	}
	wants := map[string]want{
		"mvtec/bottle":     {3, 6, 6, true, true},
		"mvtec/transistor": {3, 8, 8, true, true},
		"brainmri/brain":   {10, 10, 0, false, true},
		"visa/pcb1":        {0, 1, 1, true, false},
		"visa/pcb2":        {0, 1, 1, true, false},
		"visa/pcb3":        {0, 1, 1, true, false},
		"isic/skin":        {0, 1, 0, false, false},
	}
	wantCats := []string{"brainmri/brain", "isic/skin", "mvtec/bottle", "mvtec/transistor", "visa/pcb1", "visa/pcb2", "visa/pcb3"}
	if got := catNames(s); !equalStrings(got, wantCats) {
		t.Fatalf("categories %v, want %v", got, wantCats)
	}
	for _, c := range s.Categories {
		w := wants[c.Key()]
		n, a, m := c.Counts()
		if n != w.normal || a != w.anomalous || m != w.masks {
			t.Errorf("%s: %d good / %d anomaly / %d masks, want %d / %d / %d", c.Key(), n, a, m, w.normal, w.anomalous, w.masks)
		}
		if c.PixelLevel != w.pixel || c.ImageLevel != w.image {
			t.Errorf("%s: pixel %v image %v, want %v %v", c.Key(), c.PixelLevel, c.ImageLevel, w.pixel, w.image)
		}
		for _, smp := range c.Samples {
			if !isFile(smp.Path) || (smp.MaskPath != "" && !isFile(smp.MaskPath)) {
				t.Errorf("%s: missing file in %+v", c.Key(), smp)
			}
			if smp.Dataset+"/"+smp.Category != c.Key() {
				t.Errorf("sample names %q/%q in %s", smp.Dataset, smp.Category, c.Key())
			}
			wantThr := uint8(0)
			if c.Dataset == "visa" {
				wantThr = 127
			}
			if smp.MaskThreshold != wantThr {
				t.Errorf("%s: threshold %d", smp.Path, smp.MaskThreshold)
			}
		}
	}
	if len(s.Problems) != 0 {
		t.Errorf("unexpected problems:\n%s", problemsText(t, root, s))
	}

	// Name pairing for MVTec: anomaly/<defect>/NNN.png ↔ mask/<defect>/NNN_mask.png.
	for _, smp := range s.Category("mvtec/transistor").Samples {
		if !smp.Anomalous {
			continue
		}
		r := rel(t, root, smp.Path)
		wantMask := strings.Replace(strings.TrimSuffix(r, ".png"), "/anomaly/", "/mask/", 1) + "_mask.png"
		if got := rel(t, root, smp.MaskPath); got != wantMask {
			t.Errorf("%s: mask %s, want %s", r, got, wantMask)
		}
		if smp.Defect != filepath.Base(filepath.Dir(smp.Path)) {
			t.Errorf("%s: defect %q", r, smp.Defect)
		}
	}
	// Sorted-order pairing for VisA: defective.jpg ↔ ground_truth.jpg.
	for _, name := range []string{"pcb1", "pcb2", "pcb3"} {
		smp := s.Category(name).Samples[0]
		if got := rel(t, root, smp.MaskPath); got != "visa/"+name+"/mask/ground_truth.jpg" {
			t.Errorf("%s mask %q", name, got)
		}
	}
	// brainmri defects and labels follow the folders.
	for _, smp := range s.Category("brain").Samples {
		if smp.Anomalous != strings.Contains(smp.Path, string(filepath.Separator)+"anomaly"+string(filepath.Separator)) {
			t.Errorf("brain label wrong: %s", smp.Path)
		}
	}

	// A balanced limit on the real data.
	f, err := s.Filter([]string{"bottle", "brain"}, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Categories {
		if n, a, _ := c.Counts(); n != 2 || a != 2 {
			t.Errorf("%s limited: %d normal, %d anomalous", c.Key(), n, a)
		}
	}
	var defects []string
	for _, smp := range f.Category("bottle").Samples {
		if smp.Anomalous {
			defects = append(defects, smp.Defect)
		}
	}
	if !equalStrings(defects, []string{"broken_large", "broken_small"}) {
		t.Errorf("bottle limited defects %v", defects)
	}

	// Each dataset folder also reads on its own.
	one := mustOpen(t, filepath.Join(root, "mvtec"), "")
	if got := catNames(one); !equalStrings(got, []string{"mvtec/bottle", "mvtec/transistor"}) || one.Len() != 20 {
		t.Errorf("mvtec folder alone: %v, %d samples", got, one.Len())
	}
	// …and is rejected as the wrong kind with a clear message.
	if _, err := Open(root, KindMVTec); err == nil || !strings.Contains(err.Error(), "not an MVTec-AD root") {
		t.Errorf("shared root as mvtec: %v", err)
	}
}
