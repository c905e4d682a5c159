package dataset

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Layout kinds accepted by Open.
const (
	KindMVTec    = "mvtec"
	KindVisA     = "visa"
	KindBrainMRI = "brainmri"
	KindHeadCT   = "headct"
	KindISIC     = "isic"
	KindClinicDB = "clinicdb"
	KindShared   = "shared"
	// KindAuto (or "") makes Open call Detect.
	KindAuto = "auto"
)

// Kinds lists the concrete layout kinds in the order Detect tries them.
func Kinds() []string {
	return []string{KindVisA, KindHeadCT, KindISIC, KindClinicDB, KindBrainMRI, KindMVTec, KindShared}
}

// Category names the medical readers give their single category. They are
// the keys of prompts.Medical.
const (
	CategoryBrainMRI = "brain_mri"
	CategoryHeadCT   = "head_ct"
	CategoryISIC     = "skin"
	CategoryClinicDB = "colon"
)

// ErrLayout is wrapped by every error saying that a folder does not have
// the requested (or any known) layout.
var ErrLayout = errors.New("dataset: unrecognised layout")

// Sample is one test image.
type Sample struct {
	// Dataset is the dataset name: the kind ("mvtec", "visa", "brainmri",
	// "headct", "isic", "clinicdb"), or for the shared layout the dataset
	// folder name.
	Dataset string
	// Category is the category name (MVTec/VisA/shared: the folder or CSV
	// object name; medical kinds: brain_mri, head_ct, skin, colon).
	Category string
	// Path is the image file: the root given to Open joined with the path
	// inside the dataset.
	Path string
	// Anomalous is the image-level label.
	Anomalous bool
	// Defect is "good" for normal images, the defect type where the layout
	// names one (MVTec and shared-MVTec defect folders), and "anomaly"
	// otherwise.
	Defect string
	// MaskPath is the ground-truth mask file of an anomalous image, or ""
	// (normal images, image-level sets, and anomalous images whose mask is
	// missing — the latter are listed in Set.Problems).
	MaskPath string
	// HasMask says that pixel-level ground truth exists for this sample's
	// category. A normal sample's mask is then all zero; an anomalous one
	// with MaskPath "" lost its mask (reported in Set.Problems) and should be
	// counted and left out of pixel metrics by the caller.
	HasMask bool
	// MaskThreshold: a mask pixel v (8-bit) is foreground when
	// v > MaskThreshold. 0 for MVTec, VisA and the medical sets (masks are
	// stored 0/255 or 0/1); 127 for the shared layout's VisA masks, which
	// the source re-encoded as JPEG (see shared/data/SOURCES.md).
	MaskThreshold uint8
	// MaskPrebinarize says the threshold is applied at the mask's native
	// resolution, mapping foreground to 255, before the bilinear resize
	// (spec §1.2: MVTec/VisA "pixels > 0 → 255"). When false (ISIC,
	// CVC-ClinicDB) the official code resizes the raw mask; either way the
	// resized mask is then binarised with /255 > 0.5.
	MaskPrebinarize bool
	// MaskFirstChannel: take the mask's first channel as the official code's
	// cv2.imread does (CVC-ClinicDB) instead of PIL convert('L'). cv2 reads
	// BGR, so on a decoded RGB image the first channel is Blue; on a gray
	// image it is the gray value.
	MaskFirstChannel bool
}

// Category is one category's samples, sorted by Path.
type Category struct {
	Dataset string
	Name    string
	// ImageLevel: image-level metrics are meaningful (the layout gives
	// image labels and both labels occur).
	ImageLevel bool
	// PixelLevel: pixel-level ground truth exists (Sample.HasMask).
	PixelLevel bool
	Samples    []Sample
}

// Key is "Dataset/Name", unique within a Set.
func (c *Category) Key() string { return c.Dataset + "/" + c.Name }

// Counts returns the number of normal and anomalous samples and of
// anomalous samples that have a mask file.
func (c *Category) Counts() (normal, anomalous, masks int) {
	for _, s := range c.Samples {
		if s.Anomalous {
			anomalous++
			if s.MaskPath != "" {
				masks++
			}
		} else {
			normal++
		}
	}
	return
}

// Problem is a non-fatal issue met while reading: a missing mask, a bad
// CSV row, an empty category, a skipped file.
type Problem struct {
	Dataset  string // may be empty
	Category string // may be empty
	Path     string // the file or folder concerned (CSV rows: "file:line N")
	Message  string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Path)
	if p.Category != "" {
		b.WriteString(" [")
		if p.Dataset != "" {
			b.WriteString(p.Dataset + "/")
		}
		b.WriteString(p.Category + "]")
	}
	b.WriteString(": " + p.Message)
	return b.String()
}

// Set is what a reader returns.
type Set struct {
	Kind       string
	Root       string
	Categories []*Category // sorted by Dataset, then Name; none empty
	Problems   []Problem   // sorted by Path, then Message
}

// Samples returns all samples, category by category.
func (s *Set) Samples() []Sample {
	var out []Sample
	for _, c := range s.Categories {
		out = append(out, c.Samples...)
	}
	return out
}

// Len is the total number of samples.
func (s *Set) Len() int {
	n := 0
	for _, c := range s.Categories {
		n += len(c.Samples)
	}
	return n
}

// Category returns the first category whose Name or Key equals name.
func (s *Set) Category(name string) *Category {
	for _, c := range s.Categories {
		if c.Name == name || c.Key() == name {
			return c
		}
	}
	return nil
}

// ProblemsByPath groups the problem messages by file.
func (s *Set) ProblemsByPath() map[string][]string {
	m := map[string][]string{}
	for _, p := range s.Problems {
		m[p.Path] = append(m[p.Path], p.Message)
	}
	return m
}

// Open reads the dataset at root laid out as kind (one of Kinds; "" or
// "auto" detects it). A folder that does not have the layout gives an
// error wrapping ErrLayout that names the expected layout; per-file issues
// are recorded in Set.Problems instead.
func Open(root, kind string) (*Set, error) {
	if root == "" {
		return nil, fmt.Errorf("dataset: empty root")
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a directory", ErrLayout, root)
	}
	kind = strings.ToLower(strings.TrimSpace(kind))
	if kind == "" || kind == KindAuto {
		if kind, err = Detect(root); err != nil {
			return nil, err
		}
	}
	b := &builder{root: root, kind: kind, cats: map[string]*Category{}}
	switch kind {
	case KindMVTec:
		err = readMVTec(b)
	case KindVisA:
		err = readVisA(b)
	case KindBrainMRI:
		err = readBrainMRI(b)
	case KindHeadCT:
		err = readHeadCT(b)
	case KindISIC:
		err = readISIC(b)
	case KindClinicDB:
		err = readClinicDB(b)
	case KindShared:
		err = readShared(b)
	default:
		return nil, fmt.Errorf("dataset: unknown kind %q (want one of %s, or auto)", kind, strings.Join(Kinds(), ", "))
	}
	if err != nil {
		return nil, err
	}
	return b.finish(), nil
}

// Detect guesses the layout kind of root from its folders, trying in order:
// visa (split_csv/1cls.csv), headct (labels.csv + head_ct/), isic
// (ISBI2016_ISIC_Part1_Test_Data/), clinicdb (Original/ + Ground Truth/),
// brainmri (yes/ or no/), mvtec (<category>/test/), shared
// (<dataset>/<category>/{good,anomaly}/).
func Detect(root string) (string, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return "", fmt.Errorf("dataset: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("%w: %s is not a directory", ErrLayout, root)
	}
	switch {
	case isFile(filepath.Join(root, visaCSV)):
		return KindVisA, nil
	case isFile(filepath.Join(root, "labels.csv")) && isDir(filepath.Join(root, "head_ct")):
		return KindHeadCT, nil
	case isDir(filepath.Join(root, isicImages)):
		return KindISIC, nil
	case clinicDir(root) != "":
		return KindClinicDB, nil
	case brainDir(root) != "":
		return KindBrainMRI, nil
	case len(mvtecCategoryDirs(root)) > 0:
		return KindMVTec, nil
	case len(sharedDatasets(root)) > 0:
		return KindShared, nil
	}
	return "", fmt.Errorf("%w: cannot tell the layout of %s (none of %s matches); found %s",
		ErrLayout, root, strings.Join(Kinds(), ", "), listing(root))
}

// layoutError is the error for a root that lacks the expected layout.
func layoutError(name, root, expected string) error {
	return fmt.Errorf("%w: not %s root: expected %s, found %s", ErrLayout, name, expected, listing(root))
}

// listing describes up to 8 entries of dir for error messages.
func listing(dir string) string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Sprintf("(unreadable: %v)", err)
	}
	if len(ents) == 0 {
		return "an empty folder " + dir
	}
	var names []string
	for i, e := range ents {
		if i == 8 {
			names = append(names, fmt.Sprintf("… (%d more)", len(ents)-8))
			break
		}
		n := e.Name()
		if e.IsDir() {
			n += "/"
		}
		names = append(names, n)
	}
	return fmt.Sprintf("%s in %s", strings.Join(names, ", "), dir)
}

// builder accumulates samples and problems.
type builder struct {
	root     string
	kind     string
	cats     map[string]*Category
	problems []Problem
}

func (b *builder) category(dataset, name string) *Category {
	k := dataset + "/" + name
	c := b.cats[k]
	if c == nil {
		c = &Category{Dataset: dataset, Name: name}
		b.cats[k] = c
	}
	return c
}

func (b *builder) add(s Sample) {
	c := b.category(s.Dataset, s.Category)
	c.Samples = append(c.Samples, s)
}

func (b *builder) problem(dataset, category, path, format string, args ...any) {
	b.problems = append(b.problems, Problem{Dataset: dataset, Category: category, Path: path, Message: fmt.Sprintf(format, args...)})
}

// finish sorts everything, drops (and reports) empty categories and sets
// ImageLevel where the reader left it to the labels.
func (b *builder) finish() *Set {
	s := &Set{Kind: b.kind, Root: b.root}
	for _, c := range b.cats {
		if len(c.Samples) == 0 {
			continue // readers report their empty categories
		}
		sort.SliceStable(c.Samples, func(i, j int) bool { return c.Samples[i].Path < c.Samples[j].Path })
		s.Categories = append(s.Categories, c)
	}
	sort.Slice(s.Categories, func(i, j int) bool {
		a, c := s.Categories[i], s.Categories[j]
		if a.Dataset != c.Dataset {
			return a.Dataset < c.Dataset
		}
		return a.Name < c.Name
	})
	s.Problems = b.problems
	sort.SliceStable(s.Problems, func(i, j int) bool {
		if s.Problems[i].Path != s.Problems[j].Path {
			return s.Problems[i].Path < s.Problems[j].Path
		}
		return s.Problems[i].Message < s.Problems[j].Message
	})
	return s
}

// bothLabels reports whether samples holds normal and anomalous images.
func bothLabels(samples []Sample) bool {
	var n, a bool
	for _, s := range samples {
		if s.Anomalous {
			a = true
		} else {
			n = true
		}
	}
	return n && a
}

// Filter returns a new Set restricted to the named categories (Name or
// "Dataset/Name"; nil or empty keeps all) with at most limitPerCategory
// samples per category (≤ 0: no limit). An unknown name is an error.
//
// The limit keeps a deterministic mix: normal and anomalous samples are
// taken alternately (normal first; when one label runs out the other
// continues), and the anomalous ones round-robin over the defect types
// (sorted by name), each type in Path order. The kept samples stay in the
// category's Path order. Problems are kept for the kept categories and for
// files outside any category.
func (s *Set) Filter(categories []string, limitPerCategory int) (*Set, error) {
	keep := map[*Category]bool{}
	if len(categories) == 0 {
		for _, c := range s.Categories {
			keep[c] = true
		}
	} else {
		var unknown []string
		for _, n := range categories {
			found := false
			for _, c := range s.Categories {
				if c.Name == n || c.Key() == n {
					keep[c] = true
					found = true
				}
			}
			if !found {
				unknown = append(unknown, n)
			}
		}
		if len(unknown) > 0 {
			var avail []string
			for _, c := range s.Categories {
				avail = append(avail, c.Name)
			}
			return nil, fmt.Errorf("dataset: unknown categor%s %s in %s (have: %s)",
				map[bool]string{true: "y", false: "ies"}[len(unknown) == 1],
				strings.Join(unknown, ", "), s.Root, strings.Join(avail, ", "))
		}
	}
	out := &Set{Kind: s.Kind, Root: s.Root}
	kept := map[string]bool{}
	for _, c := range s.Categories {
		if !keep[c] {
			continue
		}
		nc := *c
		nc.Samples = limitSamples(c.Samples, limitPerCategory)
		out.Categories = append(out.Categories, &nc)
		kept[c.Key()] = true
	}
	for _, p := range s.Problems {
		if p.Category == "" || kept[p.Dataset+"/"+p.Category] {
			out.Problems = append(out.Problems, p)
		}
	}
	return out, nil
}

// limitSamples implements Filter's limit on Path-sorted samples.
func limitSamples(samples []Sample, limit int) []Sample {
	if limit <= 0 || len(samples) <= limit {
		return append([]Sample(nil), samples...)
	}
	var normal []int
	byDefect := map[string][]int{}
	var defects []string
	for i, s := range samples {
		if !s.Anomalous {
			normal = append(normal, i)
			continue
		}
		if _, ok := byDefect[s.Defect]; !ok {
			defects = append(defects, s.Defect)
		}
		byDefect[s.Defect] = append(byDefect[s.Defect], i)
	}
	sort.Strings(defects)
	var anomalous []int // round-robin over defect types
	for round := 0; len(anomalous) < len(samples)-len(normal); round++ {
		for _, d := range defects {
			if round < len(byDefect[d]) {
				anomalous = append(anomalous, byDefect[d][round])
			}
		}
	}
	chosen := make([]bool, len(samples))
	ni, ai := 0, 0
	for n := 0; n < limit; n++ {
		takeNormal := n%2 == 0
		if ni >= len(normal) {
			takeNormal = false
		} else if ai >= len(anomalous) {
			takeNormal = true
		}
		if takeNormal {
			chosen[normal[ni]] = true
			ni++
		} else {
			chosen[anomalous[ai]] = true
			ai++
		}
	}
	out := make([]Sample, 0, limit)
	for i, s := range samples {
		if chosen[i] {
			out = append(out, s)
		}
	}
	return out
}

// ---- file-system helpers ----

var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".bmp": true, ".tif": true, ".tiff": true}

// isImage reports whether name has an image extension (case-insensitive).
func isImage(name string) bool { return imageExts[strings.ToLower(filepath.Ext(name))] }

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func hidden(name string) bool { return strings.HasPrefix(name, ".") }

// subdirs lists the non-hidden sub-folders of dir, sorted.
func subdirs(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if !hidden(e.Name()) && (e.IsDir() || isDir(filepath.Join(dir, e.Name()))) {
			out = append(out, e.Name())
		}
	}
	return out
}

// listImages returns the sorted image file names of dir and the names of
// other non-hidden regular files (os.ReadDir sorts by name).
func listImages(dir string) (images, others []string, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range ents {
		n := e.Name()
		if hidden(n) || e.IsDir() {
			continue
		}
		if isImage(n) {
			images = append(images, n)
		} else {
			others = append(others, n)
		}
	}
	return images, others, nil
}

// stem is the file name without its extension.
func stem(name string) string { return strings.TrimSuffix(name, filepath.Ext(name)) }

// findByStem returns the first name in names (a set) among stem+ext for ext
// in exts (tried in order, also upper-cased), or "".
func findByStem(names map[string]bool, st string, exts ...string) string {
	for _, e := range exts {
		for _, c := range []string{st + e, st + strings.ToUpper(e)} {
			if names[c] {
				return c
			}
		}
	}
	return ""
}

// nameSet lists the non-hidden file names of dir (nil if unreadable).
func nameSet(dir string) map[string]bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	m := map[string]bool{}
	for _, e := range ents {
		if !e.IsDir() && !hidden(e.Name()) {
			m[e.Name()] = true
		}
	}
	return m
}

var allImageExts = []string{".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}
