package dataset

import (
	"path/filepath"
	"sort"
)

const sharedExpected = "<root>/<dataset>/<category>/{good,anomaly,mask}/[<defect>/]<file> (or <root>/<category>/{good,anomaly,mask}/… for one dataset)"

// SharedVisAMaskThreshold is the mask threshold of the shared layout's VisA
// masks: they were re-encoded as JPEG by their source, so SOURCES.md says to
// threshold them at > 127 rather than > 0.
const SharedVisAMaskThreshold = 127

// isSharedCategory reports whether dir has a good/ or anomaly/ folder and
// is not an MVTec split folder (test/, train/, ground_truth/), so that an
// MVTec-AD root is not mistaken for the shared layout.
func isSharedCategory(dir string) bool {
	switch filepath.Base(dir) {
	case "test", "train", "ground_truth":
		return false
	}
	return isDir(filepath.Join(dir, "good")) || isDir(filepath.Join(dir, "anomaly"))
}

type sharedDataset struct{ name, dir string }

// sharedDatasets finds the dataset folders of a shared-layout root: root
// itself when it directly holds category folders (named after root's base
// name), else each sub-folder that holds at least one category folder.
func sharedDatasets(root string) []sharedDataset {
	hasCategory := func(dir string) bool {
		for _, c := range subdirs(dir) {
			if isSharedCategory(filepath.Join(dir, c)) {
				return true
			}
		}
		return false
	}
	if hasCategory(root) {
		return []sharedDataset{{filepath.Base(filepath.Clean(root)), root}}
	}
	var out []sharedDataset
	for _, d := range subdirs(root) {
		if dir := filepath.Join(root, d); hasCategory(dir) {
			out = append(out, sharedDataset{d, dir})
		}
	}
	return out
}

// sharedMaskRule fills the mask decoding fields for a shared dataset name.
func sharedMaskRule(dataset string, s *Sample) {
	s.MaskPrebinarize = true
	switch dataset {
	case KindVisA:
		s.MaskThreshold = SharedVisAMaskThreshold
	case KindISIC:
		s.MaskPrebinarize = false
	case KindClinicDB:
		s.MaskPrebinarize, s.MaskFirstChannel = false, true
	}
}

func readShared(b *builder) error {
	dss := sharedDatasets(b.root)
	if len(dss) == 0 {
		return layoutError("a shared-layout", b.root, sharedExpected)
	}
	for _, ds := range dss {
		for _, c := range subdirs(ds.dir) {
			cdir := filepath.Join(ds.dir, c)
			if !isSharedCategory(cdir) {
				b.problem(ds.name, c, cdir, "empty category: no good/ or anomaly/ folder")
				continue
			}
			readSharedCategory(b, ds.name, c, cdir)
		}
	}
	return nil
}

func readSharedCategory(b *builder, ds, cat, dir string) {
	maskDir := filepath.Join(dir, "mask")
	hasMask := isDir(maskDir)
	proto := Sample{Dataset: ds, Category: cat, HasMask: hasMask}
	sharedMaskRule(ds, &proto)
	n := 0

	goodDir := filepath.Join(dir, "good")
	if isDir(goodDir) {
		imgs, others, err := listImages(goodDir)
		if err != nil {
			b.problem(ds, cat, goodDir, "unreadable folder: %v", err)
		}
		for _, o := range others {
			b.problem(ds, cat, filepath.Join(goodDir, o), "not an image file, skipped")
		}
		for _, sd := range subdirs(goodDir) {
			b.problem(ds, cat, filepath.Join(goodDir, sd), "unexpected folder in good/, skipped")
		}
		for _, img := range imgs {
			s := proto
			s.Path, s.Defect = filepath.Join(goodDir, img), "good"
			b.add(s)
			n++
		}
	}

	anoDir := filepath.Join(dir, "anomaly")
	// groups: "" = loose files in anomaly/, else anomaly/<defect>/
	groups := []string{""}
	if isDir(anoDir) {
		groups = append(groups, subdirs(anoDir)...)
	}
	for _, g := range groups {
		idir, mdir, defect := anoDir, maskDir, "anomaly"
		if g != "" {
			idir, mdir, defect = filepath.Join(anoDir, g), filepath.Join(maskDir, g), g
		}
		imgs, others, err := listImages(idir)
		if err != nil {
			if g != "" || isDir(anoDir) {
				b.problem(ds, cat, idir, "unreadable folder: %v", err)
			}
			continue
		}
		for _, o := range others {
			b.problem(ds, cat, filepath.Join(idir, o), "not an image file, skipped")
		}
		var pairs map[string]string
		if hasMask {
			var masks []string
			if isDir(mdir) {
				masks, _, _ = listImages(mdir)
			}
			var extra []string
			pairs, extra = pairMasks(imgs, masks)
			for _, m := range extra {
				b.problem(ds, cat, filepath.Join(mdir, m), "mask without a matching image in %s", idir)
			}
		}
		for _, img := range imgs {
			s := proto
			s.Path, s.Anomalous, s.Defect = filepath.Join(idir, img), true, defect
			if hasMask {
				if m := pairs[img]; m != "" {
					s.MaskPath = filepath.Join(mdir, m)
				} else if !isDir(mdir) {
					b.problem(ds, cat, s.Path, "missing mask: folder %s does not exist", mdir)
				} else {
					b.problem(ds, cat, s.Path, "missing mask: no mask in %s pairs with it", mdir)
				}
			}
			b.add(s)
			n++
		}
	}
	if n == 0 {
		b.problem(ds, cat, dir, "empty category: no images in good/ or anomaly/")
		return
	}
	c := b.category(ds, cat)
	c.PixelLevel = hasMask
	c.ImageLevel = bothLabels(c.Samples)
}

// pairMasks pairs image names with mask names of one folder. First by name:
// <stem>_mask.<ext>, the same name, or <stem>.<ext>. The images and masks
// left over are then paired in sorted order when they are equally many
// (the shared VisA folders hold defective.jpg and ground_truth.jpg);
// otherwise they stay unpaired. It returns image → mask and the unused masks.
func pairMasks(imgs, masks []string) (map[string]string, []string) {
	pairs := map[string]string{}
	free := map[string]bool{}
	for _, m := range masks {
		free[m] = true
	}
	var left []string
	for _, img := range imgs {
		cands := []string{}
		for _, e := range allImageExts {
			cands = append(cands, stem(img)+"_mask"+e)
		}
		cands = append(cands, img)
		for _, e := range allImageExts {
			cands = append(cands, stem(img)+e)
		}
		found := false
		for _, c := range cands {
			if free[c] {
				pairs[img], free[c], found = c, false, true
				break
			}
		}
		if !found {
			left = append(left, img)
		}
	}
	var rest []string
	for _, m := range masks {
		if free[m] {
			rest = append(rest, m)
		}
	}
	sort.Strings(left)
	sort.Strings(rest)
	if len(left) == len(rest) {
		for i := range left {
			pairs[left[i]] = rest[i]
		}
		rest = nil
	}
	return pairs, rest
}
