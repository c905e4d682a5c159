package detect

import (
	"fmt"

	"github.com/clipad/clipad/model/anomaly"
	"github.com/clipad/clipad/model/sdpplus"
	"github.com/clipad/clipad/model/textvec"
)

// Score modes.
const (
	// ModeBatch is the paper's protocol: per category, min–max normalise s0
	// and s1 over the images of the run and add them (spec §4.4).
	ModeBatch = "batch"
	// ModeSingle scores each image alone with fixed ranges (the category's
	// fitted calibration from the text-vector asset, else the default).
	ModeSingle = "single"
)

// Calibration returns the single-image calibration of a category.
func Calibration(c *textvec.Category) anomaly.Calibration {
	if c != nil && c.Calibration != nil {
		k := c.Calibration
		return anomaly.Calibration{S0Min: k.S0Min, S0Max: k.S0Max, S1Min: k.S1Min, S1Max: k.S1Max}
	}
	return anomaly.DefaultCalibration()
}

// SingleScore sets r.Score in single mode.
func (d *Detector) SingleScore(r *Record) error {
	cat, err := d.Text.Get(r.Category)
	if err != nil {
		return err
	}
	cal := Calibration(cat)
	if d.Opt.SDPPlus != nil {
		// SDP+ maps lie in [0, 4] plus the small SDP part (spec §5.3); a
		// calibration fitted on plain SDP maps does not apply to them.
		cal.S1Min, cal.S1Max = 0, sdpplus.Stages
	}
	s, err := cal.Score(r.ProbAbnormal, r.MapMax)
	if err != nil {
		return fmt.Errorf("%s: %w", r.Name, err)
	}
	r.Score, r.ScoreMode = s, ModeSingle
	return nil
}

// BatchScores is anomaly.BatchScores (re-exported for the WASM core).
func BatchScores(s0, s1 []float64) ([]float64, error) { return anomaly.BatchScores(s0, s1) }

// ApplyBatch sets batch-mode scores on records, normalising per category
// over the records given (records with an Error are skipped).
func ApplyBatch(records []*Record) error {
	byCat := map[string][]*Record{}
	var order []string
	for _, r := range records {
		if r == nil || r.Error != "" {
			continue
		}
		if _, ok := byCat[r.Category]; !ok {
			order = append(order, r.Category)
		}
		byCat[r.Category] = append(byCat[r.Category], r)
	}
	for _, c := range order {
		rs := byCat[c]
		s0, s1 := make([]float64, len(rs)), make([]float64, len(rs))
		for i, r := range rs {
			s0[i], s1[i] = r.ProbAbnormal, r.MapMax
		}
		sc, err := anomaly.BatchScores(s0, s1)
		if err != nil {
			return fmt.Errorf("category %s: %w", c, err)
		}
		for i, r := range rs {
			r.Score, r.ScoreMode = sc[i], ModeBatch
		}
	}
	return nil
}
