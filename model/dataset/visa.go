package dataset

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// VisACategories are the 12 VisA categories (spec §7.1).
var VisACategories = []string{"candle", "capsules", "cashew", "chewinggum", "fryum", "macaroni1", "macaroni2",
	"pcb1", "pcb2", "pcb3", "pcb4", "pipe_fryum"}

const (
	visaCSV      = "split_csv/1cls.csv"
	visaExpected = "<root>/split_csv/1cls.csv with columns object,split,label,image,mask (label normal/anomaly, paths relative to <root>)"
)

func readVisA(b *builder) error {
	csvPath := filepath.Join(b.root, filepath.FromSlash(visaCSV))
	f, err := os.Open(csvPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return layoutError("a VisA", b.root, visaExpected)
		}
		return fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	r, header, col, err := csvWithHeader(f, csvPath, "a VisA", visaExpected)
	if err != nil {
		return err
	}
	for _, need := range []string{"object", "split", "label", "image", "mask"} {
		if _, ok := col[need]; !ok {
			return fmt.Errorf("%w: not a VisA root: %s has no %q column (header %q; expected %s)",
				ErrLayout, csvPath, need, strings.Join(header, ","), visaExpected)
		}
	}
	get := func(rec []string, name string) string { return strings.TrimSpace(rec[col[name]]) }
	width := 0
	for _, i := range col {
		width = max(width, i+1)
	}
	seen := map[string]bool{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				b.problem(KindVisA, "", fmt.Sprintf("%s:line %d", csvPath, pe.StartLine), "unreadable CSV row: %v", pe.Err)
				continue
			}
			return fmt.Errorf("dataset: reading %s: %w", csvPath, err)
		}
		line, _ := r.FieldPos(0)
		where := fmt.Sprintf("%s:line %d", csvPath, line)
		if len(rec) < width {
			b.problem(KindVisA, "", where, "unreadable CSV row: %d fields, want %d", len(rec), width)
			continue
		}
		if strings.ToLower(get(rec, "split")) != "test" {
			continue
		}
		obj, label := get(rec, "object"), strings.ToLower(get(rec, "label"))
		if obj == "" {
			b.problem(KindVisA, "", where, "unreadable CSV row: empty object")
			continue
		}
		if label != "normal" && label != "anomaly" {
			b.problem(KindVisA, obj, where, "unreadable CSV row: label %q is neither normal nor anomaly", get(rec, "label"))
			continue
		}
		rel := get(rec, "image")
		if !filepath.IsLocal(filepath.FromSlash(rel)) {
			b.problem(KindVisA, obj, where, "unreadable CSV row: image path %q is empty or leaves the root", rel)
			continue
		}
		s := Sample{Dataset: KindVisA, Category: obj, Path: filepath.Join(b.root, filepath.FromSlash(rel)),
			Anomalous: label == "anomaly", Defect: "good", HasMask: true, MaskPrebinarize: true}
		if !isFile(s.Path) {
			b.problem(KindVisA, obj, s.Path, "image listed in %s (line %d) does not exist, skipped", visaCSV, line)
			continue
		}
		if seen[s.Path] {
			b.problem(KindVisA, obj, where, "duplicate test image %s, skipped", rel)
			continue
		}
		seen[s.Path] = true
		if s.Anomalous {
			s.Defect = "anomaly"
			m := get(rec, "mask")
			switch {
			case m == "":
				b.problem(KindVisA, obj, s.Path, "missing mask: the mask column is empty (line %d)", line)
			case !filepath.IsLocal(filepath.FromSlash(m)):
				b.problem(KindVisA, obj, s.Path, "missing mask: mask path %q leaves the root (line %d)", m, line)
			default:
				mp := filepath.Join(b.root, filepath.FromSlash(m))
				if isFile(mp) {
					s.MaskPath = mp
				} else {
					b.problem(KindVisA, obj, s.Path, "missing mask: %s not found", mp)
				}
			}
		}
		b.add(s)
	}
	if len(b.cats) == 0 {
		b.problem(KindVisA, "", csvPath, "no usable test rows")
	}
	for _, c := range b.cats {
		c.PixelLevel = true
		c.ImageLevel = bothLabels(c.Samples)
	}
	return nil
}

// csvWithHeader starts reading a dataset CSV: a lenient reader, the header
// row, and each column's index by its lower-cased name (BOM stripped).
func csvWithHeader(f io.Reader, path, what, expected string) (*csv.Reader, []string, map[string]int, error) {
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: not %s root: cannot read the header of %s: %v (expected %s)", ErrLayout, what, path, err, expected)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	return r, header, col, nil
}
