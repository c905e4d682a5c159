package metrics

import (
	"errors"
	"fmt"
	"strings"
)

// Metric names one column of the official results table.
type Metric int

// The columns in the official order (util/metrics.py calculate_metrics).
const (
	PixelAUROC Metric = iota
	PixelF1Max
	PixelAP
	PixelAUPRO
	ImageAUROC
	ImageF1Max
	ImageAP
	NumMetrics
)

var metricHeaders = [NumMetrics]string{"auroc_px", "f1_px", "ap_px", "aupro", "auroc_sp", "f1_sp", "ap_sp"}

// String is the official column header (auroc_px, f1_px, ap_px, aupro,
// auroc_sp, f1_sp, ap_sp).
func (m Metric) String() string {
	if m < 0 || m >= NumMetrics {
		return fmt.Sprintf("Metric(%d)", int(m))
	}
	return metricHeaders[m]
}

// Pixel reports whether m is a pixel-level column.
func (m Metric) Pixel() bool { return m >= PixelAUROC && m <= PixelAUPRO }

// PixelResult holds a category's pixel-level metrics.
type PixelResult struct {
	AUROC, F1Max, AP, AUPRO Value
}

// ImageResult holds a category's image-level metrics.
type ImageResult struct {
	AUROC, F1Max, AP Value
}

// EvalPixel computes the pixel-level metrics of one category: AUROC, F1-max
// and AP over all pixels of all its maps (masks: true = anomalous) and
// AUPRO (cal_pro_score). The error is for invalid input only; undefined
// metrics come back as n/a values.
func EvalPixel(maps [][]float32, masks [][]bool, H, W int) (PixelResult, error) {
	for i := range maps {
		if len(maps[i]) != H*W {
			return PixelResult{}, fmt.Errorf("metrics: map %d has %d values, want %d×%d", i, len(maps[i]), H, W)
		}
	}
	b, err := BinaryMaps(maps, masks)
	if err != nil {
		return PixelResult{}, err
	}
	r := PixelResult{AUROC: b.AUROC, F1Max: b.F1Max, AP: b.AP}
	a, err := AUPRO(maps, masks, H, W)
	if err != nil && !isUndefined(err) {
		return PixelResult{}, err
	}
	r.AUPRO = valueOf(a, err)
	return r, nil
}

// EvalImage computes the image-level metrics of one category from its image
// scores (the official score is norm(s0)+norm(s1), see the spec §4.4) and
// labels (true = anomalous).
func EvalImage(scores []float64, labels []bool) (ImageResult, error) {
	b, err := Binary(scores, labels)
	if err != nil {
		return ImageResult{}, err
	}
	return ImageResult{AUROC: b.AUROC, F1Max: b.F1Max, AP: b.AP}, nil
}

func isUndefined(err error) bool { return errors.Is(err, ErrUndefined) }

// Row is one category of the results table. Pixel or Image may be nil when
// the dataset has no such ground truth (image-only / mask-only datasets).
type Row struct {
	Category string
	Pixel    *PixelResult
	Image    *ImageResult
}

// Get returns the row's value for m and whether the row has that column.
func (r Row) Get(m Metric) (Value, bool) {
	switch m {
	case PixelAUROC, PixelF1Max, PixelAP, PixelAUPRO:
		if r.Pixel == nil {
			return Value{}, false
		}
		return [...]Value{r.Pixel.AUROC, r.Pixel.F1Max, r.Pixel.AP, r.Pixel.AUPRO}[m-PixelAUROC], true
	case ImageAUROC, ImageF1Max, ImageAP:
		if r.Image == nil {
			return Value{}, false
		}
		return [...]Value{r.Image.AUROC, r.Image.F1Max, r.Image.AP}[m-ImageAUROC], true
	}
	return Value{}, false
}

// Summary is the per-category table plus the unweighted mean over
// categories.
type Summary struct {
	Columns []Metric // pixel columns if any row has pixel results, then image columns likewise
	Rows    []Row
	// Mean[m] is np.mean over the categories whose value of m is defined;
	// n/a when none is.
	Mean [NumMetrics]Value
	// Counted[m] is how many categories entered Mean[m].
	Counted [NumMetrics]int
	// Notes lists, per column, the categories left out of the mean because
	// their value was n/a (the official code would have crashed instead).
	Notes []string
}

// Summarize builds the table and its mean row. The mean of each column is
// unweighted over categories (numpy pairwise summation, as np.mean) and
// skips n/a values, adding a note naming them.
func Summarize(rows []Row) Summary {
	s := Summary{Rows: rows}
	var hasPx, hasImg bool
	for _, r := range rows {
		hasPx = hasPx || r.Pixel != nil
		hasImg = hasImg || r.Image != nil
	}
	for m := range NumMetrics {
		if (m.Pixel() && hasPx) || (!m.Pixel() && hasImg) {
			s.Columns = append(s.Columns, m)
		}
	}
	for _, m := range s.Columns {
		var vals []float64
		var skipped []string
		for _, r := range rows {
			v, ok := r.Get(m)
			if !ok {
				continue
			}
			if v.OK() {
				vals = append(vals, v.V)
			} else {
				skipped = append(skipped, r.Category)
			}
		}
		s.Counted[m] = len(vals)
		if len(vals) == 0 {
			s.Mean[m] = valueOf(0, undefined(m.String()+" mean", "no category has a defined value"))
		} else {
			s.Mean[m] = Value{V: npMean(vals)}
		}
		if len(skipped) > 0 {
			s.Notes = append(s.Notes, fmt.Sprintf("%s: mean over %d categories; n/a (skipped): %s",
				m, len(vals), strings.Join(skipped, ", ")))
		}
	}
	return s
}

// Table renders the summary as a Markdown pipe table like the official log
// (objects, the metric columns, a final "mean" row; values ×100 rounded to
// 0.1, "n/a" for undefined ones), followed by the notes, if any.
func (s Summary) Table() string {
	header := []string{"objects"}
	for _, m := range s.Columns {
		header = append(header, m.String())
	}
	cells := [][]string{header}
	for _, r := range s.Rows {
		line := []string{r.Category}
		for _, m := range s.Columns {
			if v, ok := r.Get(m); ok {
				line = append(line, v.String())
			} else {
				line = append(line, "")
			}
		}
		cells = append(cells, line)
	}
	mean := []string{"mean"}
	for _, m := range s.Columns {
		mean = append(mean, s.Mean[m].String())
	}
	cells = append(cells, mean)

	width := make([]int, len(header))
	for _, line := range cells {
		for c, v := range line {
			width[c] = max(width[c], len(v))
		}
	}
	var b strings.Builder
	writeLine := func(line []string) {
		b.WriteByte('|')
		for c, v := range line {
			if c == 0 {
				fmt.Fprintf(&b, " %-*s |", width[c], v)
			} else {
				fmt.Fprintf(&b, " %*s |", width[c], v)
			}
		}
		b.WriteByte('\n')
	}
	writeLine(cells[0])
	b.WriteByte('|')
	for c := range header {
		if c == 0 {
			b.WriteString(":" + strings.Repeat("-", width[c]+1) + "|")
		} else {
			b.WriteString(strings.Repeat("-", width[c]+1) + ":|")
		}
	}
	b.WriteByte('\n')
	for _, line := range cells[1:] {
		writeLine(line)
	}
	for _, n := range s.Notes {
		b.WriteString("note: " + n + "\n")
	}
	return b.String()
}
