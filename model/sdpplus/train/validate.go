//go:build !js

package train

import (
	"fmt"

	"github.com/clipad/clipad/model/anomaly"
	"github.com/clipad/clipad/model/metrics"
	"github.com/clipad/clipad/model/sdpplus"
)

// ValOptions configure a validation pass.
type ValOptions struct {
	Sigma float64 // Gaussian σ of the combined map (§5.3: 8, or 2 on VisA)
	AUPRO bool    // also compute AUPRO (slower)
	// Progress, if not nil, is called once per image.
	Progress func()
}

// Validate runs the SDP+ test procedure (spec §5.3) with head on cached
// target images and returns the official per-category table: pixel AUROC,
// F1-max, AP (and AUPRO) over the combined smoothed maps, image AUROC,
// F1-max, AP over the batch score norm(s0) + norm(max map) per category.
// Entries must be grouped by category (as Cache produced them).
func Validate(c *Cache, h *sdpplus.Head, entries []*Entry, opt ValOptions) (metrics.Summary, error) {
	v := c.Model.Cfg.Vision
	grid, S := v.Grid(), v.ImageSize
	W := v.Width
	var rows []metrics.Row
	for lo := 0; lo < len(entries); {
		hi := lo
		for hi < len(entries) && entries[hi].Key() == entries[lo].Key() {
			hi++
		}
		cat := entries[lo:hi]
		lo = hi
		var maps [][]float32
		var masks [][]bool
		var s0, s1 []float64
		var labels []bool
		for _, e := range cat {
			it, err := c.Load(e)
			if err != nil {
				return metrics.Summary{}, err
			}
			mp, mx, err := combinedMap(h, it, e, grid, S, W, opt.Sigma)
			if err != nil {
				return metrics.Summary{}, err
			}
			s0, s1, labels = append(s0, it.S0), append(s1, mx), append(labels, e.Anomalous)
			if e.Pixel {
				mk := make([]bool, S*S)
				for i, x := range it.Mask { // nil for normal images: all false
					mk[i] = x == 1
				}
				maps, masks = append(maps, mp), append(masks, mk)
			}
			if opt.Progress != nil {
				opt.Progress()
			}
		}
		row := metrics.Row{Category: cat[0].Category}
		if cat[0].PixelLevel && len(maps) > 0 {
			var pr metrics.PixelResult
			var err error
			if opt.AUPRO {
				pr, err = metrics.EvalPixel(maps, masks, S, S)
			} else {
				var b metrics.BinaryResult
				b, err = metrics.BinaryMaps(maps, masks)
				pr = metrics.PixelResult{AUROC: b.AUROC, F1Max: b.F1Max, AP: b.AP, AUPRO: metrics.Value{Err: fmt.Errorf("%w: not computed", metrics.ErrUndefined)}}
			}
			if err != nil {
				return metrics.Summary{}, fmt.Errorf("category %s: %w", cat[0].Key(), err)
			}
			row.Pixel = &pr
		}
		if cat[0].ImageLevel {
			sc, err := anomaly.BatchScores(s0, s1)
			if err != nil {
				return metrics.Summary{}, fmt.Errorf("category %s: %w", cat[0].Key(), err)
			}
			ir, err := metrics.EvalImage(sc, labels)
			if err != nil {
				return metrics.Summary{}, fmt.Errorf("category %s: %w", cat[0].Key(), err)
			}
			row.Image = &ir
		}
		rows = append(rows, row)
	}
	return metrics.Summarize(rows), nil
}

// combinedMap is the §5.3 pixel map of a cached image and its maximum.
func combinedMap(h *sdpplus.Head, it *Item, e *Entry, grid, S, W int, sigma float64) ([]float32, float64, error) {
	var orig [sdpplus.Stages][]float32
	for k := range sdpplus.Stages {
		// Head.Map expects the class row too; it is skipped, so a zero
		// row in front is enough
		orig[k] = append(make([]float32, W, W+len(it.Orig[k])), it.Orig[k]...)
	}
	plus, err := h.Map(orig, grid, S, e.Text.Normal, e.Text.Abnormal)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", e.Image, err)
	}
	mp, err := sdpplus.Combine(it.SDP, plus, grid, S, sigma)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", e.Image, err)
	}
	mx, err := anomaly.MaxValue(mp)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", e.Image, err)
	}
	return mp, mx, nil
}
