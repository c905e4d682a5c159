package dataset

import (
	"path/filepath"
)

// MVTecCategories are the 15 MVTec-AD categories (spec §7.1); any subset
// may be present, and other folders with a test/ sub-folder are read too.
var MVTecCategories = []string{"bottle", "cable", "capsule", "carpet", "grid", "hazelnut", "leather",
	"metal_nut", "pill", "screw", "tile", "toothbrush", "transistor", "wood", "zipper"}

const mvtecExpected = "<root>/<category>/test/<defect>/*.png (normal images in test/good) with masks <root>/<category>/ground_truth/<defect>/<name>_mask.png"

// mvtecCategoryDirs lists the sub-folders of root that have a test/ folder.
func mvtecCategoryDirs(root string) []string {
	var out []string
	for _, d := range subdirs(root) {
		if isDir(filepath.Join(root, d, "test")) {
			out = append(out, d)
		}
	}
	return out
}

func readMVTec(b *builder) error {
	type cat struct{ name, dir string }
	var cats []cat
	if isDir(filepath.Join(b.root, "test")) {
		// root is one category folder
		cats = append(cats, cat{filepath.Base(filepath.Clean(b.root)), b.root})
	} else {
		for _, d := range mvtecCategoryDirs(b.root) {
			cats = append(cats, cat{d, filepath.Join(b.root, d)})
		}
		if len(cats) == 0 {
			return layoutError("an MVTec-AD", b.root, mvtecExpected)
		}
		known := map[string]bool{}
		for _, n := range MVTecCategories {
			known[n] = true
		}
		for _, d := range subdirs(b.root) {
			if known[d] && !isDir(filepath.Join(b.root, d, "test")) {
				b.problem(KindMVTec, d, filepath.Join(b.root, d), "empty category: no test/ folder")
			}
		}
	}
	for _, c := range cats {
		readMVTecCategory(b, c.name, c.dir)
	}
	return nil
}

func readMVTecCategory(b *builder, name, dir string) {
	testDir := filepath.Join(dir, "test")
	n := 0
	for _, defect := range subdirs(testDir) {
		ddir := filepath.Join(testDir, defect)
		imgs, others, err := listImages(ddir)
		if err != nil {
			b.problem(KindMVTec, name, ddir, "unreadable folder: %v", err)
			continue
		}
		for _, o := range others {
			b.problem(KindMVTec, name, filepath.Join(ddir, o), "not an image file, skipped")
		}
		good := defect == "good"
		gtDir := filepath.Join(dir, "ground_truth", defect)
		var masks map[string]bool
		if !good {
			masks = nameSet(gtDir)
		}
		for _, img := range imgs {
			s := Sample{Dataset: KindMVTec, Category: name, Path: filepath.Join(ddir, img),
				Anomalous: !good, Defect: defect, HasMask: true, MaskPrebinarize: true}
			if !good {
				if m := findByStem(masks, stem(img)+"_mask", ".png", filepath.Ext(img)); m != "" {
					s.MaskPath = filepath.Join(gtDir, m)
				} else if masks == nil {
					b.problem(KindMVTec, name, s.Path, "missing mask: folder %s does not exist", gtDir)
				} else {
					b.problem(KindMVTec, name, s.Path, "missing mask: %s not found", filepath.Join(gtDir, stem(img)+"_mask.png"))
				}
			}
			b.add(s)
			n++
		}
	}
	if n == 0 {
		b.problem(KindMVTec, name, testDir, "empty category: no images in test/<defect>/")
		return
	}
	c := b.category(KindMVTec, name)
	c.PixelLevel = true
	c.ImageLevel = bothLabels(c.Samples)
}
