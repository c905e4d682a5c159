package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMVTec(t *testing.T) {
	root := t.TempDir()
	mkTree(t, root,
		"readme.txt",
		"bottle/train/good/000.png",
		"bottle/test/good/001.png",
		"bottle/test/good/000.png",
		"bottle/test/broken_large/000.png",
		"bottle/test/broken_large/001.png",
		"bottle/test/contamination/000.png",
		"bottle/test/contamination/notes.txt",
		"bottle/test/contamination/.DS_Store",
		"bottle/ground_truth/broken_large/000_mask.png",
		"bottle/ground_truth/broken_large/001_mask.png",
		// contamination/000 has no mask
		"bottle/ground_truth/contamination/",
		// grid: no ground_truth folder at all
		"grid/test/good/000.png",
		"grid/test/bent/000.png",
		"grid/test/bent/001.png",
		"cable/train/good/000.png", // known category without test/
		"carpet/test/good/",        // empty category
		"my_part/test/good/000.png",
	)
	if k, err := Detect(root); err != nil || k != KindMVTec {
		t.Fatalf("Detect = %q, %v; want mvtec", k, err)
	}
	s := mustOpen(t, root, KindMVTec)
	if got, want := catNames(s), []string{"mvtec/bottle", "mvtec/grid", "mvtec/my_part"}; !equalStrings(got, want) {
		t.Fatalf("categories %v, want %v", got, want)
	}
	b := s.Category("bottle")
	wantPaths := []string{
		"bottle/test/broken_large/000.png", "bottle/test/broken_large/001.png",
		"bottle/test/contamination/000.png", "bottle/test/good/000.png", "bottle/test/good/001.png",
	}
	if got := relPaths(t, root, b); !equalStrings(got, wantPaths) {
		t.Fatalf("bottle paths %v, want %v", got, wantPaths)
	}
	wantMasks := []string{"bottle/ground_truth/broken_large/000_mask.png", "bottle/ground_truth/broken_large/001_mask.png", "", "", ""}
	wantDefects := []string{"broken_large", "broken_large", "contamination", "good", "good"}
	for i, smp := range b.Samples {
		if got := rel(t, root, smp.MaskPath); got != wantMasks[i] {
			t.Errorf("sample %d mask %q, want %q", i, got, wantMasks[i])
		}
		if smp.Defect != wantDefects[i] || smp.Anomalous != (i < 3) {
			t.Errorf("sample %d defect %q anomalous %v", i, smp.Defect, smp.Anomalous)
		}
		if !smp.HasMask || !smp.MaskPrebinarize || smp.MaskThreshold != 0 || smp.MaskFirstChannel {
			t.Errorf("sample %d mask rule %+v", i, smp)
		}
		if smp.Dataset != "mvtec" || smp.Category != "bottle" {
			t.Errorf("sample %d names %q/%q", i, smp.Dataset, smp.Category)
		}
	}
	if n, a, m := b.Counts(); n != 2 || a != 3 || m != 2 {
		t.Errorf("bottle counts %d/%d/%d", n, a, m)
	}
	if !b.ImageLevel || !b.PixelLevel {
		t.Errorf("bottle levels %v %v", b.ImageLevel, b.PixelLevel)
	}
	g := s.Category("grid")
	if n, a, m := g.Counts(); n != 1 || a != 2 || m != 0 {
		t.Errorf("grid counts %d/%d/%d", n, a, m)
	}
	pt := problemsText(t, root, s)
	wantProblem(t, pt, "bottle/test/contamination/000.png", "missing mask", "000_mask.png not found")
	wantProblem(t, pt, "bottle/test/contamination/notes.txt", "not an image")
	wantProblem(t, pt, "grid/test/bent/000.png", "missing mask", "does not exist")
	wantProblem(t, pt, "grid/test/bent/001.png", "missing mask")
	wantProblem(t, pt, "cable:", "empty category", "no test/")
	wantProblem(t, pt, "carpet/test:", "empty category")
	if strings.Contains(pt, "DS_Store") || strings.Contains(pt, "readme") || strings.Contains(pt, "train") {
		t.Errorf("unexpected problems:\n%s", pt)
	}
	if len(s.Problems) != 6 {
		t.Errorf("%d problems, want 6:\n%s", len(s.Problems), pt)
	}
	byPath := s.ProblemsByPath()
	if len(byPath[filepath.Join(root, "grid", "test", "bent", "000.png")]) != 1 {
		t.Errorf("ProblemsByPath: %v", byPath)
	}
	if s.Len() != 5+3+1 || len(s.Samples()) != 9 {
		t.Errorf("Len %d, Samples %d", s.Len(), len(s.Samples()))
	}

	// A root that is one category folder.
	one := mustOpen(t, filepath.Join(root, "bottle"), KindMVTec)
	if got := catNames(one); !equalStrings(got, []string{"mvtec/bottle"}) || one.Len() != 5 {
		t.Errorf("single-category root: %v, %d samples", got, one.Len())
	}
}

func TestVisA(t *testing.T) {
	root := t.TempDir()
	csv := "\ufeffobject,split,label,image,mask\n" +
		"candle,train,normal,candle/Data/Images/Normal/0000.JPG,\n" +
		"candle,test,normal,candle/Data/Images/Normal/0001.JPG,\n" +
		"candle,test,anomaly,candle/Data/Images/Anomaly/000.JPG,candle/Data/Masks/Anomaly/000.png\n" +
		"candle,test,anomaly,candle/Data/Images/Anomaly/001.JPG,candle/Data/Masks/Anomaly/001.png\n" + // mask file absent
		"pcb1,test,anomaly,pcb1/Data/Images/Anomaly/000.JPG,\n" + // empty mask column
		"pcb1,test,normal,pcb1/Data/Images/Normal/0000.JPG,\n" +
		"pcb1,test\n" + // line 8: too few fields
		"pcb1,test,weird,pcb1/Data/Images/Normal/0000.JPG,\n" + // line 9: bad label
		"pcb1,test,normal,pcb1/Data/Images/Normal/9999.JPG,\n" + // line 10: image missing
		"pcb1,test,normal,../outside.JPG,\n" + // line 11: escapes root
		"pcb1,test,normal,pcb1/\"bad\"quote.JPG,\n" + // line 12: CSV syntax error
		"capsules,test,normal,capsules/Data/Images/Normal/0000.JPG,\n"
	mkTree(t, root,
		"split_csv/1cls.csv="+csv,
		"candle/Data/Images/Normal/0000.JPG",
		"candle/Data/Images/Normal/0001.JPG",
		"candle/Data/Images/Anomaly/000.JPG",
		"candle/Data/Images/Anomaly/001.JPG",
		"candle/Data/Masks/Anomaly/000.png",
		"pcb1/Data/Images/Anomaly/000.JPG",
		"pcb1/Data/Images/Normal/0000.JPG",
		"capsules/Data/Images/Normal/0000.JPG",
	)
	if k, err := Detect(root); err != nil || k != KindVisA {
		t.Fatalf("Detect = %q, %v", k, err)
	}
	s := mustOpen(t, root, "")
	if s.Kind != KindVisA {
		t.Errorf("auto kind %q", s.Kind)
	}
	if got, want := catNames(s), []string{"visa/candle", "visa/capsules", "visa/pcb1"}; !equalStrings(got, want) {
		t.Fatalf("categories %v, want %v", got, want)
	}
	c := s.Category("candle")
	if got, want := relPaths(t, root, c), []string{
		"candle/Data/Images/Anomaly/000.JPG", "candle/Data/Images/Anomaly/001.JPG", "candle/Data/Images/Normal/0001.JPG",
	}; !equalStrings(got, want) {
		t.Fatalf("candle %v, want %v", got, want)
	}
	if got := rel(t, root, c.Samples[0].MaskPath); got != "candle/Data/Masks/Anomaly/000.png" {
		t.Errorf("mask %q", got)
	}
	if c.Samples[1].MaskPath != "" || !c.Samples[1].HasMask || c.Samples[0].Defect != "anomaly" || c.Samples[2].Defect != "good" {
		t.Errorf("samples %+v", c.Samples)
	}
	if c.Samples[0].MaskThreshold != 0 || !c.Samples[0].MaskPrebinarize {
		t.Errorf("VisA mask rule %+v", c.Samples[0])
	}
	if !c.ImageLevel || !c.PixelLevel {
		t.Error("candle levels")
	}
	if caps := s.Category("capsules"); caps.ImageLevel || !caps.PixelLevel {
		t.Error("capsules (normal only) must not be image-level")
	}
	p := s.Category("pcb1")
	if n, a, m := p.Counts(); n != 1 || a != 1 || m != 0 {
		t.Errorf("pcb1 counts %d/%d/%d", n, a, m)
	}
	pt := problemsText(t, root, s)
	wantProblem(t, pt, "candle/Data/Images/Anomaly/001.JPG", "missing mask", "001.png not found")
	wantProblem(t, pt, "pcb1/Data/Images/Anomaly/000.JPG", "missing mask", "column is empty")
	wantProblem(t, pt, "split_csv/1cls.csv:line 8", "unreadable CSV row", "2 fields")
	wantProblem(t, pt, "split_csv/1cls.csv:line 9", "unreadable CSV row", "weird")
	wantProblem(t, pt, "pcb1/Data/Images/Normal/9999.JPG", "does not exist")
	wantProblem(t, pt, "split_csv/1cls.csv:line 11", "leaves the root")
	wantProblem(t, pt, "split_csv/1cls.csv:line 12", "unreadable CSV row")
	if len(s.Problems) != 7 {
		t.Errorf("%d problems, want 7:\n%s", len(s.Problems), pt)
	}

	// A CSV without the required columns is a layout error.
	bad := t.TempDir()
	mkTree(t, bad, "split_csv/1cls.csv=object,split,image\n")
	_, err := Open(bad, KindVisA)
	if !errors.Is(err, ErrLayout) || !strings.Contains(err.Error(), `no "label" column`) {
		t.Errorf("bad header: %v", err)
	}
}

func TestBrainMRI(t *testing.T) {
	for _, nest := range []string{"", "brain_tumor_dataset/"} {
		root := t.TempDir()
		mkTree(t, root,
			nest+"yes/Y1.jpg", nest+"yes/Y100.JPG", nest+"yes/Y2.png",
			nest+"no/1 no.jpeg", nest+"no/10 no.jpg", nest+"no/Thumbs.db",
		)
		if k, err := Detect(root); err != nil || k != KindBrainMRI {
			t.Fatalf("%q: Detect = %q, %v", nest, k, err)
		}
		s := mustOpen(t, root, KindBrainMRI)
		if got := catNames(s); !equalStrings(got, []string{"brainmri/brain_mri"}) {
			t.Fatalf("%q: categories %v", nest, got)
		}
		c := s.Categories[0]
		want := []string{nest + "no/1 no.jpeg", nest + "no/10 no.jpg", nest + "yes/Y1.jpg", nest + "yes/Y100.JPG", nest + "yes/Y2.png"}
		if got := relPaths(t, root, c); !equalStrings(got, want) {
			t.Fatalf("%q: paths %v, want %v", nest, got, want)
		}
		for i, smp := range c.Samples {
			if smp.Anomalous != (i >= 2) || smp.HasMask || smp.MaskPath != "" {
				t.Errorf("%q: sample %d %+v", nest, i, smp)
			}
		}
		if !c.ImageLevel || c.PixelLevel {
			t.Errorf("%q: levels", nest)
		}
		wantProblem(t, problemsText(t, root, s), "Thumbs.db", "not an image")
		if len(s.Problems) != 1 {
			t.Errorf("%q: problems %v", nest, s.Problems)
		}
	}
	// yes/ only: still read, the missing no/ is reported.
	root := t.TempDir()
	mkTree(t, root, "yes/Y1.jpg")
	s := mustOpen(t, root, KindBrainMRI)
	if s.Len() != 1 || s.Categories[0].ImageLevel {
		t.Errorf("yes-only: %d samples, image-level %v", s.Len(), s.Categories[0].ImageLevel)
	}
	wantProblem(t, problemsText(t, root, s), "missing folder no/")
	// Both folders empty: empty category.
	root = t.TempDir()
	mkTree(t, root, "yes/", "no/")
	s = mustOpen(t, root, KindBrainMRI)
	if len(s.Categories) != 0 {
		t.Errorf("empty set has categories %v", catNames(s))
	}
	wantProblem(t, problemsText(t, root, s), "empty category")
}

func TestHeadCT(t *testing.T) {
	labels := "id, hemorrhage\n0, 0\n1, 1\n2, 1\n3, x\nabc, 0\n4\n5, 0\n1, 0\n"
	for _, nest := range []string{"head_ct/head_ct/", "head_ct/"} {
		root := t.TempDir()
		mkTree(t, root, "labels.csv="+labels,
			nest+"000.png", nest+"001.png", nest+"002.png", nest+"003.png", nest+"004.png")
		if k, err := Detect(root); err != nil || k != KindHeadCT {
			t.Fatalf("Detect = %q, %v", k, err)
		}
		s := mustOpen(t, root, KindHeadCT)
		if got := catNames(s); !equalStrings(got, []string{"headct/head_ct"}) {
			t.Fatalf("categories %v", got)
		}
		c := s.Categories[0]
		if got, want := relPaths(t, root, c), []string{nest + "000.png", nest + "001.png", nest + "002.png"}; !equalStrings(got, want) {
			t.Fatalf("%q: paths %v, want %v", nest, got, want)
		}
		if c.Samples[0].Anomalous || !c.Samples[1].Anomalous || !c.Samples[2].Anomalous {
			t.Errorf("labels wrong: %+v", c.Samples)
		}
		if !c.ImageLevel || c.PixelLevel || c.Samples[1].HasMask {
			t.Error("HeadCT must be image-level only")
		}
		pt := problemsText(t, root, s)
		wantProblem(t, pt, "labels.csv:line 5", "hemorrhage \"x\"")
		wantProblem(t, pt, "labels.csv:line 6", "id \"abc\"")
		wantProblem(t, pt, "labels.csv:line 7", "1 fields")
		wantProblem(t, pt, "005.png", "not found")
		wantProblem(t, pt, "labels.csv:line 9", "duplicate id 1")
		if len(s.Problems) != 5 {
			t.Errorf("%d problems:\n%s", len(s.Problems), pt)
		}
	}
	// head_ct/ folder but no labels.csv: layout error.
	root := t.TempDir()
	mkTree(t, root, "head_ct/head_ct/000.png")
	if _, err := Open(root, KindHeadCT); !errors.Is(err, ErrLayout) || !strings.Contains(err.Error(), "not a HeadCT root: expected <root>/labels.csv") {
		t.Errorf("no labels.csv: %v", err)
	}
}

func TestISIC(t *testing.T) {
	root := t.TempDir()
	mkTree(t, root,
		"ISBI2016_ISIC_Part1_Test_Data/ISIC_0000003.jpg",
		"ISBI2016_ISIC_Part1_Test_Data/ISIC_0000012.jpg",
		"ISBI2016_ISIC_Part1_Test_Data/ISIC_0000013.jpg",
		"ISBI2016_ISIC_Part1_Test_GroundTruth/ISIC_0000003_Segmentation.png",
		"ISBI2016_ISIC_Part1_Test_GroundTruth/ISIC_0000013_Segmentation.png",
	)
	if k, err := Detect(root); err != nil || k != KindISIC {
		t.Fatalf("Detect = %q, %v", k, err)
	}
	s := mustOpen(t, root, KindISIC)
	if got := catNames(s); !equalStrings(got, []string{"isic/skin"}) {
		t.Fatalf("categories %v", got)
	}
	c := s.Categories[0]
	wantMasks := []string{"ISBI2016_ISIC_Part1_Test_GroundTruth/ISIC_0000003_Segmentation.png", "",
		"ISBI2016_ISIC_Part1_Test_GroundTruth/ISIC_0000013_Segmentation.png"}
	for i, smp := range c.Samples {
		if !smp.Anomalous || !smp.HasMask || rel(t, root, smp.MaskPath) != wantMasks[i] || smp.MaskPrebinarize {
			t.Errorf("sample %d %+v", i, smp)
		}
	}
	if c.ImageLevel || !c.PixelLevel {
		t.Error("ISIC must be pixel-level only")
	}
	wantProblem(t, problemsText(t, root, s), "ISIC_0000012.jpg", "missing mask", "ISIC_0000012_Segmentation.png not found")
	if len(s.Problems) != 1 {
		t.Errorf("problems %v", s.Problems)
	}

	// Ground-truth folder missing: every image is a problem, the run goes on.
	root = t.TempDir()
	mkTree(t, root, "ISBI2016_ISIC_Part1_Test_Data/ISIC_1.jpg", "ISBI2016_ISIC_Part1_Test_Data/ISIC_2.jpg")
	s = mustOpen(t, root, KindISIC)
	if s.Len() != 2 || len(s.Problems) != 2 {
		t.Fatalf("%d samples, problems %v", s.Len(), s.Problems)
	}
	wantProblem(t, problemsText(t, root, s), "ISIC_2.jpg", "missing mask", "does not exist")
}

func TestClinicDB(t *testing.T) {
	for _, nest := range []string{"", "TIF/"} {
		root := t.TempDir()
		mkTree(t, root,
			nest+"Original/1.tif", nest+"Original/10.tif", nest+"Original/2.tif",
			nest+"Ground Truth/1.tif", nest+"Ground Truth/10.tif",
		)
		if k, err := Detect(root); err != nil || k != KindClinicDB {
			t.Fatalf("Detect = %q, %v", k, err)
		}
		s := mustOpen(t, root, KindClinicDB)
		if got := catNames(s); !equalStrings(got, []string{"clinicdb/colon"}) {
			t.Fatalf("categories %v", got)
		}
		c := s.Categories[0]
		if got, want := relPaths(t, root, c), []string{nest + "Original/1.tif", nest + "Original/10.tif", nest + "Original/2.tif"}; !equalStrings(got, want) {
			t.Fatalf("paths %v, want %v", got, want)
		}
		if got := rel(t, root, c.Samples[1].MaskPath); got != nest+"Ground Truth/10.tif" {
			t.Errorf("mask %q", got)
		}
		for _, smp := range c.Samples {
			if !smp.Anomalous || !smp.HasMask || !smp.MaskFirstChannel || smp.MaskPrebinarize {
				t.Errorf("sample %+v", smp)
			}
		}
		if c.ImageLevel || !c.PixelLevel {
			t.Error("CVC-ClinicDB must be pixel-level only")
		}
		wantProblem(t, problemsText(t, root, s), "Original/2.tif", "missing mask")
		if len(s.Problems) != 1 {
			t.Errorf("problems %v", s.Problems)
		}
	}
}

func TestSharedSynthetic(t *testing.T) {
	root := t.TempDir()
	mkTree(t, root,
		"mvtec/bottle/good/000.png", "mvtec/bottle/good/001.png",
		"mvtec/bottle/anomaly/broken/000.png", "mvtec/bottle/anomaly/broken/001.png",
		"mvtec/bottle/anomaly/crack/000.png",
		"mvtec/bottle/mask/broken/000_mask.png", "mvtec/bottle/mask/broken/001_mask.png",
		// crack/000 has no mask folder
		"mvtec/empty/good/",
		"mvtec/notacategory/readme.txt",
		"visa/pcb1/anomaly/defective.jpg", "visa/pcb1/mask/ground_truth.jpg",
		"visa/pcb2/anomaly/a.jpg", "visa/pcb2/anomaly/b.jpg", "visa/pcb2/mask/x.jpg", // 2 vs 1: unpaired
		"isic/skin/anomaly/ISIC_0000001.jpg",
		"clip/hf_tokenizer/vocab.json",
		"SOURCES.md",
	)
	if k, err := Detect(root); err != nil || k != KindShared {
		t.Fatalf("Detect = %q, %v", k, err)
	}
	s := mustOpen(t, root, KindShared)
	want := []string{"isic/skin", "mvtec/bottle", "visa/pcb1", "visa/pcb2"}
	if got := catNames(s); !equalStrings(got, want) {
		t.Fatalf("categories %v, want %v", got, want)
	}
	b := s.Category("bottle")
	wantMasks := []string{"mvtec/bottle/mask/broken/000_mask.png", "mvtec/bottle/mask/broken/001_mask.png", "", "", ""}
	wantDefects := []string{"broken", "broken", "crack", "good", "good"}
	for i, smp := range b.Samples {
		if rel(t, root, smp.MaskPath) != wantMasks[i] || smp.Defect != wantDefects[i] || !smp.HasMask || smp.MaskThreshold != 0 {
			t.Errorf("bottle sample %d %+v", i, smp)
		}
	}
	p1 := s.Category("visa/pcb1")
	if len(p1.Samples) != 1 || rel(t, root, p1.Samples[0].MaskPath) != "visa/pcb1/mask/ground_truth.jpg" ||
		p1.Samples[0].MaskThreshold != SharedVisAMaskThreshold || p1.Samples[0].Defect != "anomaly" {
		t.Errorf("pcb1 %+v", p1.Samples)
	}
	if p1.ImageLevel || !p1.PixelLevel {
		t.Error("pcb1 levels")
	}
	skin := s.Category("skin")
	if len(skin.Samples) != 1 || skin.Samples[0].HasMask || skin.PixelLevel || skin.ImageLevel || !skin.Samples[0].Anomalous {
		t.Errorf("skin %+v", skin)
	}
	pt := problemsText(t, root, s)
	wantProblem(t, pt, "mvtec/bottle/anomaly/crack/000.png", "missing mask", "does not exist")
	wantProblem(t, pt, "mvtec/empty:", "empty category")
	wantProblem(t, pt, "mvtec/notacategory:", "empty category")
	wantProblem(t, pt, "visa/pcb2/anomaly/a.jpg", "missing mask")
	wantProblem(t, pt, "visa/pcb2/anomaly/b.jpg", "missing mask")
	wantProblem(t, pt, "visa/pcb2/mask/x.jpg", "without a matching image")
	if len(s.Problems) != 6 || strings.Contains(pt, "clip") {
		t.Errorf("%d problems:\n%s", len(s.Problems), pt)
	}

	// One dataset folder as the root.
	one := mustOpen(t, filepath.Join(root, "mvtec"), KindShared)
	if got := catNames(one); !equalStrings(got, []string{"mvtec/bottle"}) {
		t.Errorf("single-dataset root: %v", got)
	}
}

func TestPairMasks(t *testing.T) {
	pairs, extra := pairMasks([]string{"000.png", "001.png", "b.jpg", "a.jpg"}, []string{"000_mask.png", "001.png", "z.jpg", "y.jpg"})
	want := map[string]string{"000.png": "000_mask.png", "001.png": "001.png", "a.jpg": "y.jpg", "b.jpg": "z.jpg"}
	if len(pairs) != len(want) || len(extra) != 0 {
		t.Fatalf("pairs %v extra %v", pairs, extra)
	}
	for k, v := range want {
		if pairs[k] != v {
			t.Errorf("%s → %s, want %s", k, pairs[k], v)
		}
	}
	pairs, extra = pairMasks([]string{"a.jpg"}, []string{"m1.jpg", "m2.jpg"})
	if len(pairs) != 0 || !equalStrings(extra, []string{"m1.jpg", "m2.jpg"}) {
		t.Errorf("unequal leftovers: %v %v", pairs, extra)
	}
}

func TestWrongLayout(t *testing.T) {
	visa := t.TempDir()
	mkTree(t, visa, "split_csv/1cls.csv=object,split,label,image,mask\n", "candle/Data/")
	_, err := Open(visa, KindMVTec)
	if !errors.Is(err, ErrLayout) {
		t.Fatalf("want ErrLayout, got %v", err)
	}
	for _, sub := range []string{"not an MVTec-AD root: expected <root>/<category>/test/<defect>/*.png", "found", "split_csv/", "candle/"} {
		if !strings.Contains(err.Error(), sub) {
			t.Errorf("error %q lacks %q", err, sub)
		}
	}

	mv := t.TempDir()
	mkTree(t, mv, "bottle/test/good/000.png")
	cases := map[string]string{
		KindVisA:     "not a VisA root: expected <root>/split_csv/1cls.csv",
		KindBrainMRI: "not a BrainMRI root: expected <root>/{yes,no}/",
		KindHeadCT:   "not a HeadCT root: expected <root>/labels.csv",
		KindISIC:     "not an ISIC 2016 Part 1 test root: expected <root>/ISBI2016_ISIC_Part1_Test_Data/",
		KindClinicDB: "not a CVC-ClinicDB root: expected <root>/Original/",
		KindShared:   "not a shared-layout root: expected <root>/<dataset>/<category>/{good,anomaly,mask}",
	}
	for kind, want := range cases {
		_, err := Open(mv, kind)
		if !errors.Is(err, ErrLayout) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "bottle/") {
			t.Errorf("%s: %v", kind, err)
		}
	}

	empty := t.TempDir()
	if _, err := Detect(empty); !errors.Is(err, ErrLayout) || !strings.Contains(err.Error(), "empty folder") {
		t.Errorf("Detect(empty): %v", err)
	}
	if _, err := Open(empty, ""); !errors.Is(err, ErrLayout) {
		t.Errorf("Open(empty, auto): %v", err)
	}
	if _, err := Open(mv, "kitti"); err == nil || !strings.Contains(err.Error(), `unknown kind "kitti"`) {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := Open(filepath.Join(empty, "nope"), KindMVTec); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing root: %v", err)
	}
	f := filepath.Join(empty, "file.txt")
	mkTree(t, empty, "file.txt")
	if _, err := Open(f, KindMVTec); !errors.Is(err, ErrLayout) {
		t.Errorf("file root: %v", err)
	}
}

func TestFilter(t *testing.T) {
	root := t.TempDir()
	mkTree(t, root,
		"a/test/good/0.png", "a/test/good/1.png", "a/test/good/2.png", "a/test/good/3.png",
		"a/test/x/0.png", "a/test/x/1.png", "a/test/x/2.png",
		"a/test/y/0.png",
		"a/test/z/0.png", // no mask anywhere → problems
		"b/test/good/0.png", "b/test/q/0.png",
	)
	s := mustOpen(t, root, KindMVTec)
	f, err := s.Filter([]string{"a"}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got := catNames(f); !equalStrings(got, []string{"mvtec/a"}) {
		t.Fatalf("categories %v", got)
	}
	// normal, x, normal, y, normal → good/0,1,2 + x/0 + y/0, in Path order
	want := []string{"a/test/good/0.png", "a/test/good/1.png", "a/test/good/2.png", "a/test/x/0.png", "a/test/y/0.png"}
	if got := relPaths(t, root, f.Categories[0]); !equalStrings(got, want) {
		t.Errorf("limit 5: %v, want %v", got, want)
	}
	f, _ = s.Filter([]string{"mvtec/a"}, 8)
	want = []string{"a/test/good/0.png", "a/test/good/1.png", "a/test/good/2.png", "a/test/good/3.png",
		"a/test/x/0.png", "a/test/x/1.png", "a/test/y/0.png", "a/test/z/0.png"}
	if got := relPaths(t, root, f.Categories[0]); !equalStrings(got, want) {
		t.Errorf("limit 8: %v, want %v", got, want)
	}
	// 10 > 4 normals: normals run out, anomalies continue.
	f, _ = s.Filter(nil, 8+1)
	if n, a, _ := f.Category("a").Counts(); n != 4 || a != 5 {
		t.Errorf("limit 9: %d normal %d anomalous", n, a)
	}
	if len(f.Categories) != 2 || len(f.Category("b").Samples) != 2 {
		t.Errorf("nil categories keep all: %v", catNames(f))
	}
	// Problems follow the kept categories.
	if len(s.Problems) != 6 {
		t.Fatalf("problems %v", s.Problems)
	}
	fb, _ := s.Filter([]string{"b"}, 0)
	if len(fb.Problems) != 1 || fb.Problems[0].Category != "b" || len(fb.Categories[0].Samples) != 2 {
		t.Errorf("filter b: %v", fb.Problems)
	}
	// Deterministic and non-destructive.
	g1, _ := s.Filter(nil, 3)
	g2, _ := s.Filter(nil, 3)
	if !equalStrings(relPaths(t, root, g1.Categories[0]), relPaths(t, root, g2.Categories[0])) {
		t.Error("Filter is not deterministic")
	}
	if s.Len() != 11 {
		t.Errorf("Filter changed the original set: %d", s.Len())
	}
	if _, err := s.Filter([]string{"a", "bottel"}, 0); err == nil || !strings.Contains(err.Error(), "unknown category bottel") || !strings.Contains(err.Error(), "have: a, b") {
		t.Errorf("unknown category: %v", err)
	}
}
