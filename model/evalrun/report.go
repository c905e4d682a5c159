package evalrun

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/clipad/clipad/model/metrics"
)

// Output file names inside Config.Out.
const (
	FileMarkdown = "results.md"
	FileCSV      = "results.csv"
	FileJSON     = "results.json"
	FileImages   = "images.csv"
)

// Write writes results.md, results.csv, results.json and images.csv.
func (res *Result) Write(dir string) error {
	md := res.Markdown(true)
	if err := os.WriteFile(filepath.Join(dir, FileMarkdown), []byte(md), 0o644); err != nil {
		return err
	}
	if err := writeCSV(filepath.Join(dir, FileCSV), res.csvRows()); err != nil {
		return err
	}
	if err := writeCSV(filepath.Join(dir, FileImages), res.imageRows()); err != nil {
		return err
	}
	b, err := json.MarshalIndent(res.jsonDoc(), "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, FileJSON), append(b, '\n'), 0o644)
}

// SummaryLine is the one-line summary printed at the end of a run.
func (res *Result) SummaryLine() string {
	t := res.Totals
	s := fmt.Sprintf("%d images in %d categories: %d scored (%d from cache), %d failed; %d problems",
		t.Images, len(res.Categories), t.Scored, t.FromCache, t.Failed, t.Problems)
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{t.MissingMasks, "missing masks"}, {t.MaskErrors, "unreadable masks"}, {t.MaskSizeMismatch, "masks of another size"},
		{res.EmptyCats, "empty categories"}, {t.Failed, "unreadable images"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s + fmt.Sprintf("; %s", res.Elapsed.Round(time.Millisecond))
}

// Markdown renders the report: a header, one table per dataset (the
// official column order, values ×100 rounded to 0.1, a mean row), the
// paper's reference numbers with Compare, and with problems the full
// problem list.
func (res *Result) Markdown(problems bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# clipad eval: %s (%s)\n\n", res.Root, res.Kind)
	fmt.Fprintf(&b, "- model `%s` at %d×%d (grid %d); text vectors `%s` (reducer %s)\n", res.ModelID, res.ImageSize, res.ImageSize,
		res.Grid, res.TextPath, strings.Join(res.Reducers, ", "))
	fmt.Fprintf(&b, "- σ %g; image score mode %s; clean class row %v; limit %s; %d workers\n", res.Sigma, res.Mode,
		res.CleanClassRow, limitText(res.Limit), res.Workers)
	fmt.Fprintf(&b, "- %s\n", res.SummaryLine())
	for _, w := range res.Warnings {
		fmt.Fprintf(&b, "- warning: %s\n", w)
	}
	for _, d := range res.Datasets {
		fmt.Fprintf(&b, "\n## %s\n\n", d.Name)
		if len(d.Summary.Columns) == 0 {
			b.WriteString("No metric is defined for this dataset:\n")
			for _, c := range d.Categories {
				fmt.Fprintf(&b, "- %s: image level: %s; pixel level: %s\n", c.Name, c.ImageNA, c.PixelNA)
			}
		} else {
			b.WriteString(d.Summary.Table())
			for _, c := range d.Categories {
				if c.Row.Image == nil && c.Row.Pixel == nil {
					fmt.Fprintf(&b, "note: %s has no metric: image level: %s; pixel level: %s\n", c.Name, c.ImageNA, c.PixelNA)
				}
			}
		}
		if d.Paper != nil {
			b.WriteString(paperMarkdown(d))
		}
	}
	if res.Compare == ComparePaper {
		var none []string
		for _, d := range res.Datasets {
			if d.Paper == nil {
				none = append(none, d.Name)
			}
		}
		if len(none) > 0 {
			fmt.Fprintf(&b, "\nNo paper reference numbers are known for: %s (spec §8.3).\n", strings.Join(none, ", "))
		}
	}
	if problems && len(res.Problems) > 0 {
		fmt.Fprintf(&b, "\n## Problems (%d)\n\n", len(res.Problems))
		for _, p := range res.Problems {
			fmt.Fprintf(&b, "- %s: %s\n", p.Kind, p.String())
		}
	}
	return b.String()
}

func limitText(n int) string {
	if n <= 0 {
		return "none"
	}
	return fmt.Sprintf("%d per category", n)
}

// paperColumns are the columns of the comparison table: ours, or all.
func paperColumns(d *DatasetResult) []metrics.Metric {
	if len(d.Summary.Columns) > 0 {
		return d.Summary.Columns
	}
	var all []metrics.Metric
	for m := range metrics.NumMetrics {
		all = append(all, m)
	}
	return all
}

func paperMarkdown(d *DatasetResult) string {
	cols := paperColumns(d)
	var b strings.Builder
	b.WriteString("\nPaper reference numbers (spec §8; v = verified in an abstract, r = recalled and NOT verified, " +
		"d = derived from a verified delta and a recalled base; — = not known):\n\n")
	b.WriteString("| method |")
	for _, m := range cols {
		b.WriteString(" " + m.String() + " |")
	}
	b.WriteString("\n|:--|")
	b.WriteString(strings.Repeat("--:|", len(cols)))
	b.WriteString("\n| ours (mean) |")
	for _, m := range cols {
		b.WriteString(" " + d.Summary.Mean[m].String() + " |")
	}
	b.WriteByte('\n')
	for _, r := range d.Paper.Rows {
		b.WriteString("| " + r.Method + " |")
		for _, m := range cols {
			if rv, ok := r.Values[m]; ok {
				fmt.Fprintf(&b, " %.1f %s |", rv.V, Marker(rv.Status))
			} else {
				b.WriteString(" — |")
			}
		}
		b.WriteByte('\n')
	}
	// ours − SDP where both are known
	if sdp := d.Paper.Rows[0]; strings.HasPrefix(sdp.Method, "SDP ") {
		b.WriteString("| ours − SDP |")
		for _, m := range cols {
			rv, ok := sdp.Values[m]
			if ours := d.Summary.Mean[m]; ok && ours.OK() {
				fmt.Fprintf(&b, " %+.1f |", metrics.RoundPct(ours.V)-rv.V)
			} else {
				b.WriteString(" — |")
			}
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	for _, r := range d.Paper.Rows {
		fmt.Fprintf(&b, "- %s: %s\n", r.Method, r.Note)
	}
	fmt.Fprintf(&b, "- not known: %s\n", d.Paper.Missing)
	b.WriteString("- the released CLIP-AD code hard-wires PRO to 0; clipad computes it with APRIL-GAN's cal_pro_score (spec §7.2)\n")
	return b.String()
}

// ---- CSV ----

func writeCSV(path string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var countHeader = []string{"images", "normal", "anomalous", "failed", "from_cache", "pixel_images", "missing_masks",
	"mask_errors", "mask_size_mismatch", "problems"}

func countCells(c Counts) []string {
	return []string{strconv.Itoa(c.Images), strconv.Itoa(c.Normal), strconv.Itoa(c.Anomalous), strconv.Itoa(c.Failed),
		strconv.Itoa(c.FromCache), strconv.Itoa(c.PixelImages), strconv.Itoa(c.MissingMasks), strconv.Itoa(c.MaskErrors),
		strconv.Itoa(c.MaskSizeMismatch), strconv.Itoa(c.Problems)}
}

// csvValue is a metric in percent with 4 decimals, "n/a" when undefined.
func csvValue(v metrics.Value) string {
	if !v.OK() {
		return "n/a"
	}
	return strconv.FormatFloat(100*v.V, 'f', 4, 64)
}

// csvRows: one row per category ("ours"), one mean row per dataset, and
// with Compare the paper rows (cells "" where not known / not applicable).
func (res *Result) csvRows() [][]string {
	head := []string{"dataset", "category", "source"}
	head = append(head, countHeader...)
	for m := range metrics.NumMetrics {
		head = append(head, m.String())
	}
	head = append(head, "status")
	rows := [][]string{head}
	for _, d := range res.Datasets {
		var tot Counts
		for _, c := range d.Categories {
			tot.add(c.Counts)
			line := []string{d.Name, c.Name, "ours"}
			line = append(line, countCells(c.Counts)...)
			for m := range metrics.NumMetrics {
				if v, ok := c.Row.Get(m); ok {
					line = append(line, csvValue(v))
				} else {
					line = append(line, "")
				}
			}
			rows = append(rows, append(line, "measured"))
		}
		line := []string{d.Name, "mean", "ours"}
		line = append(line, countCells(tot)...)
		for m := range metrics.NumMetrics {
			if contains(d.Summary.Columns, m) {
				line = append(line, csvValue(d.Summary.Mean[m]))
			} else {
				line = append(line, "")
			}
		}
		rows = append(rows, append(line, "measured"))
		if d.Paper == nil {
			continue
		}
		for _, r := range d.Paper.Rows {
			line := []string{d.Name, "mean", "paper: " + r.Method}
			line = append(line, make([]string, len(countHeader))...)
			var st []string
			for m := range metrics.NumMetrics {
				if rv, ok := r.Values[m]; ok {
					line = append(line, strconv.FormatFloat(rv.V, 'f', 1, 64))
					st = append(st, m.String()+"="+rv.Status)
				} else {
					line = append(line, "")
				}
			}
			rows = append(rows, append(line, strings.Join(st, " ")))
		}
	}
	return rows
}

func contains(ms []metrics.Metric, m metrics.Metric) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// imageRows: images.csv, one line per image in dataset/category/path order.
func (res *Result) imageRows() [][]string {
	rows := [][]string{{"path", "dataset", "category", "defect", "label", "s0", "s1", "score", "score_mode", "pixel_metrics", "from_cache", "error"}}
	for _, im := range res.Images {
		label := "normal"
		if im.Anomalous {
			label = "anomalous"
		}
		line := []string{im.Path, im.Dataset, im.Category, im.Defect, label}
		if im.OK {
			line = append(line, fmtFloat(im.S0), fmtFloat(im.S1), fmtFloat(im.Score), res.Mode)
		} else {
			line = append(line, "", "", "", "")
		}
		line = append(line, im.Pixel, strconv.FormatBool(im.Cached), im.Error)
		rows = append(rows, line)
	}
	return rows
}

// ---- JSON ----

type jsonValue struct {
	Value *float64 `json:"value"` // fraction in [0, 1]; null when n/a
	Pct   string   `json:"pct"`   // ×100 rounded to 0.1, or "n/a"
	NA    string   `json:"na,omitempty"`
}

func toJSONValue(v metrics.Value) jsonValue {
	if !v.OK() {
		return jsonValue{Pct: "n/a", NA: v.Err.Error()}
	}
	x := v.V
	return jsonValue{Value: &x, Pct: v.String()}
}

type jsonCategory struct {
	Dataset      string               `json:"dataset"`
	Name         string               `json:"name"`
	TextCategory string               `json:"text_category"`
	ImageLevel   bool                 `json:"image_level"`
	PixelLevel   bool                 `json:"pixel_level"`
	ImageNA      string               `json:"image_na,omitempty"`
	PixelNA      string               `json:"pixel_na,omitempty"`
	Counts       Counts               `json:"counts"`
	Metrics      map[string]jsonValue `json:"metrics"`
	Problems     []Problem            `json:"problems"`
}

type jsonPaperRow struct {
	Method string              `json:"method"`
	Note   string              `json:"note"`
	Values map[string]RefValue `json:"values"`
}

type jsonDataset struct {
	Name       string               `json:"name"`
	Categories []string             `json:"categories"`
	Columns    []string             `json:"columns"`
	Mean       map[string]jsonValue `json:"mean"`
	Counted    map[string]int       `json:"mean_over_categories"`
	Notes      []string             `json:"notes,omitempty"`
	Paper      []jsonPaperRow       `json:"paper,omitempty"`
	PaperNote  string               `json:"paper_not_known,omitempty"`
}

type jsonDoc struct {
	Tool          string         `json:"tool"`
	Root          string         `json:"root"`
	Kind          string         `json:"kind"`
	ModelID       string         `json:"model_id"`
	ImageSize     int            `json:"image_size"`
	Grid          int            `json:"grid"`
	Text          string         `json:"text_vectors"`
	Reducers      []string       `json:"reducers"`
	Sigma         float64        `json:"sigma"`
	Mode          string         `json:"mode"`
	CleanClassRow bool           `json:"clean_class_row"`
	Limit         int            `json:"limit"`
	Workers       int            `json:"workers"`
	Cache         string         `json:"cache"`
	Totals        Counts         `json:"totals"`
	EmptyCats     int            `json:"empty_categories"`
	ElapsedS      float64        `json:"elapsed_s"`
	Warnings      []string       `json:"warnings,omitempty"`
	Datasets      []jsonDataset  `json:"datasets"`
	Categories    []jsonCategory `json:"categories"`
	Problems      []Problem      `json:"problems"`
}

func (res *Result) jsonDoc() jsonDoc {
	doc := jsonDoc{Tool: "clipad eval", Root: res.Root, Kind: res.Kind, ModelID: res.ModelID, ImageSize: res.ImageSize,
		Grid: res.Grid, Text: res.TextPath, Reducers: res.Reducers, Sigma: res.Sigma, Mode: res.Mode,
		CleanClassRow: res.CleanClassRow, Limit: res.Limit, Workers: res.Workers, Cache: res.CacheDir, Totals: res.Totals,
		EmptyCats: res.EmptyCats, ElapsedS: math.Round(res.Elapsed.Seconds()*1000) / 1000, Warnings: res.Warnings,
		Problems: res.Problems}
	if doc.Problems == nil {
		doc.Problems = []Problem{}
	}
	for _, d := range res.Datasets {
		jd := jsonDataset{Name: d.Name, Mean: map[string]jsonValue{}, Counted: map[string]int{}, Notes: d.Summary.Notes,
			Columns: []string{}}
		for _, c := range d.Categories {
			jd.Categories = append(jd.Categories, c.Name)
		}
		for _, m := range d.Summary.Columns {
			jd.Columns = append(jd.Columns, m.String())
			jd.Mean[m.String()] = toJSONValue(d.Summary.Mean[m])
			jd.Counted[m.String()] = d.Summary.Counted[m]
		}
		if d.Paper != nil {
			for _, r := range d.Paper.Rows {
				jr := jsonPaperRow{Method: r.Method, Note: r.Note, Values: map[string]RefValue{}}
				for m, rv := range r.Values {
					jr.Values[m.String()] = rv
				}
				jd.Paper = append(jd.Paper, jr)
			}
			jd.PaperNote = d.Paper.Missing
		}
		doc.Datasets = append(doc.Datasets, jd)
	}
	for _, c := range res.Categories {
		jc := jsonCategory{Dataset: c.Dataset, Name: c.Name, TextCategory: c.TextCategory, ImageLevel: c.ImageLevel,
			PixelLevel: c.PixelLevel, ImageNA: c.ImageNA, PixelNA: c.PixelNA, Counts: c.Counts,
			Metrics: map[string]jsonValue{}, Problems: c.Problems}
		if jc.Problems == nil {
			jc.Problems = []Problem{}
		}
		for m := range metrics.NumMetrics {
			if v, ok := c.Row.Get(m); ok {
				jc.Metrics[m.String()] = toJSONValue(v)
			}
		}
		doc.Categories = append(doc.Categories, jc)
	}
	return doc
}
