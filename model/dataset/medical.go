package dataset

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ---- BrainMRI ----

const brainExpected = "<root>/{yes,no}/<image> or <root>/brain_tumor_dataset/{yes,no}/<image> (yes = tumour = anomalous)"

// brainDir returns the folder holding yes/ and/or no/, or "".
func brainDir(root string) string {
	for _, d := range []string{root, filepath.Join(root, "brain_tumor_dataset")} {
		if isDir(filepath.Join(d, "yes")) || isDir(filepath.Join(d, "no")) {
			return d
		}
	}
	return ""
}

func readBrainMRI(b *builder) error {
	dir := brainDir(b.root)
	if dir == "" {
		return layoutError("a BrainMRI", b.root, brainExpected)
	}
	const ds, cat = KindBrainMRI, CategoryBrainMRI
	for _, sub := range []string{"no", "yes"} {
		d := filepath.Join(dir, sub)
		imgs, others, err := listImages(d)
		if err != nil {
			b.problem(ds, cat, d, "missing folder %s/: no %s images", sub, map[string]string{"no": "normal", "yes": "anomalous"}[sub])
			continue
		}
		for _, o := range others {
			b.problem(ds, cat, filepath.Join(d, o), "not an image file, skipped")
		}
		for _, img := range imgs {
			s := Sample{Dataset: ds, Category: cat, Path: filepath.Join(d, img), Defect: "good"}
			if sub == "yes" {
				s.Anomalous, s.Defect = true, "anomaly"
			}
			b.add(s)
		}
	}
	finishImageLevel(b, ds, cat, dir)
	return nil
}

// finishImageLevel reports an empty image-level category or marks it.
func finishImageLevel(b *builder, ds, cat, dir string) {
	c := b.cats[ds+"/"+cat]
	if c == nil || len(c.Samples) == 0 {
		b.problem(ds, cat, dir, "empty category: no images")
		return
	}
	c.ImageLevel = bothLabels(c.Samples)
}

// ---- HeadCT ----

const headExpected = "<root>/labels.csv (columns id, hemorrhage) and images <root>/head_ct/head_ct/NNN.png or <root>/head_ct/NNN.png (id zero-padded to 3 digits)"

func readHeadCT(b *builder) error {
	csvPath := filepath.Join(b.root, "labels.csv")
	dirs := []string{filepath.Join(b.root, "head_ct", "head_ct"), filepath.Join(b.root, "head_ct")}
	if !isFile(csvPath) || !(isDir(dirs[0]) || isDir(dirs[1])) {
		return layoutError("a HeadCT", b.root, headExpected)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	r, header, col, err := csvWithHeader(f, csvPath, "a HeadCT", headExpected)
	if err != nil {
		return err
	}
	idCol, hasID := col["id"]
	hemCol, hasHem := col["hemorrhage"]
	if !hasID || !hasHem {
		return fmt.Errorf("%w: not a HeadCT root: %s header %q lacks id or hemorrhage (expected %s)",
			ErrLayout, csvPath, strings.Join(header, ","), headExpected)
	}
	const ds, cat = KindHeadCT, CategoryHeadCT
	seen := map[int]bool{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				b.problem(ds, cat, fmt.Sprintf("%s:line %d", csvPath, pe.StartLine), "unreadable CSV row: %v", pe.Err)
				continue
			}
			return fmt.Errorf("dataset: reading %s: %w", csvPath, err)
		}
		line, _ := r.FieldPos(0)
		where := fmt.Sprintf("%s:line %d", csvPath, line)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) <= max(idCol, hemCol) {
			b.problem(ds, cat, where, "unreadable CSV row: %d fields, want %d", len(rec), max(idCol, hemCol)+1)
			continue
		}
		id, err := strconv.Atoi(strings.TrimSpace(rec[idCol]))
		if err != nil || id < 0 {
			b.problem(ds, cat, where, "unreadable CSV row: id %q is not a non-negative integer", rec[idCol])
			continue
		}
		var anomalous bool
		switch strings.TrimSpace(rec[hemCol]) {
		case "0":
		case "1":
			anomalous = true
		default:
			b.problem(ds, cat, where, "unreadable CSV row: hemorrhage %q is neither 0 nor 1", rec[hemCol])
			continue
		}
		if seen[id] {
			b.problem(ds, cat, where, "duplicate id %d, skipped", id)
			continue
		}
		seen[id] = true
		name := fmt.Sprintf("%03d.png", id)
		path := ""
		for _, d := range dirs {
			if p := filepath.Join(d, name); isFile(p) {
				path = p
				break
			}
		}
		if path == "" {
			b.problem(ds, cat, filepath.Join(dirs[0], name), "image for id %d (line %d) not found in head_ct/head_ct/ or head_ct/, skipped", id, line)
			continue
		}
		s := Sample{Dataset: ds, Category: cat, Path: path, Anomalous: anomalous, Defect: "good"}
		if anomalous {
			s.Defect = "anomaly"
		}
		b.add(s)
	}
	finishImageLevel(b, ds, cat, b.root)
	return nil
}

// ---- ISIC 2016 Part 1 test ----

const (
	isicImages   = "ISBI2016_ISIC_Part1_Test_Data"
	isicMasks    = "ISBI2016_ISIC_Part1_Test_GroundTruth"
	isicExpected = "<root>/" + isicImages + "/<id>.jpg with masks <root>/" + isicMasks + "/<id>_Segmentation.png"
)

func readISIC(b *builder) error {
	imgDir := filepath.Join(b.root, isicImages)
	if !isDir(imgDir) {
		return layoutError("an ISIC 2016 Part 1 test", b.root, isicExpected)
	}
	mdir := filepath.Join(b.root, isicMasks)
	return readPixelOnly(b, KindISIC, CategoryISIC, imgDir, mdir, func(img string) []string {
		st := stem(img)
		return []string{st + "_Segmentation.png", st + "_segmentation.png", st + "_Segmentation.PNG"}
	}, Sample{})
}

// ---- CVC-ClinicDB ----

const clinicExpected = "<root>/Original/*.tif with masks of the same name in <root>/Ground Truth/ (also accepted under <root>/TIF, <root>/PNG, <root>/CVC-ClinicDB)"

// clinicDir returns the folder holding Original/ and "Ground Truth/", or "".
func clinicDir(root string) string {
	for _, d := range []string{root, filepath.Join(root, "TIF"), filepath.Join(root, "PNG"),
		filepath.Join(root, "CVC-ClinicDB"), filepath.Join(root, "CVC-ClinicDB", "TIF")} {
		if isDir(filepath.Join(d, "Original")) && isDir(filepath.Join(d, "Ground Truth")) {
			return d
		}
	}
	return ""
}

func readClinicDB(b *builder) error {
	dir := clinicDir(b.root)
	if dir == "" {
		return layoutError("a CVC-ClinicDB", b.root, clinicExpected)
	}
	mdir := filepath.Join(dir, "Ground Truth")
	return readPixelOnly(b, KindClinicDB, CategoryClinicDB, filepath.Join(dir, "Original"), mdir, func(img string) []string {
		out := []string{img}
		for _, e := range allImageExts {
			out = append(out, stem(img)+e)
		}
		return out
	}, Sample{MaskFirstChannel: true})
}

// readPixelOnly reads a set whose images are all anomalous with masks in
// mdir; candidates lists the mask names to try for an image name. proto
// carries the mask decoding fields.
func readPixelOnly(b *builder, ds, cat, imgDir, mdir string, candidates func(string) []string, proto Sample) error {
	imgs, others, err := listImages(imgDir)
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	for _, o := range others {
		b.problem(ds, cat, filepath.Join(imgDir, o), "not an image file, skipped")
	}
	masks := nameSet(mdir)
	for _, img := range imgs {
		if strings.HasSuffix(stem(img), "_superpixels") {
			continue
		}
		s := proto
		s.Dataset, s.Category, s.Path = ds, cat, filepath.Join(imgDir, img)
		s.Anomalous, s.Defect, s.HasMask = true, "anomaly", true
		for _, m := range candidates(img) {
			if masks[m] {
				s.MaskPath = filepath.Join(mdir, m)
				break
			}
		}
		if s.MaskPath == "" {
			if masks == nil {
				b.problem(ds, cat, s.Path, "missing mask: folder %s does not exist", mdir)
			} else {
				b.problem(ds, cat, s.Path, "missing mask: %s not found", filepath.Join(mdir, candidates(img)[0]))
			}
		}
		b.add(s)
	}
	c := b.cats[ds+"/"+cat]
	if c == nil {
		b.problem(ds, cat, imgDir, "empty category: no images")
		return nil
	}
	c.PixelLevel = true // pixel-level only: every image is anomalous
	return nil
}
