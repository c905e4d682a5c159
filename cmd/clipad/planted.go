package main

import (
	"github.com/clipad/clipad/model/anomaly"
	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/detect"
	"github.com/clipad/clipad/model/prompts"
	"github.com/clipad/clipad/model/synth"
	"github.com/clipad/clipad/model/textvec"
	"github.com/clipad/clipad/model/vision"
	"github.com/clipad/clipad/model/weights"
)

// writePlantedText writes the planted model's text vectors for every
// shipped category (the planted directions are the same for all), with a
// single-image calibration fitted on generated planted images.
func writePlantedText(cfg config.Config, set weights.Set, tn, ta []float32, path string) error {
	id := set.ModelID(cfg)
	asset := &textvec.Asset{Format: textvec.Format, Version: textvec.Version, ModelID: id, Config: cfg.Name,
		EmbedDim: cfg.EmbedDim, Templates: prompts.Templates,
		Note: "planted demo model: analytic weights, red patches are the anomaly; text vectors are the planted directions, not text-tower outputs"}
	for _, c := range prompts.Default() {
		asset.Categories = append(asset.Categories, textvec.Category{Name: c.Name, PromptName: c.PromptName,
			Dataset: c.Dataset, Medical: c.Medical, Reducer: "planted", NormalStates: c.Normal, AbnormalStates: c.Abnormal,
			Normal: tn, Abnormal: ta})
	}
	m, err := vision.New(cfg, set)
	if err != nil {
		return err
	}
	d, err := detect.New(m, id, asset, detect.Options{})
	if err != nil {
		return err
	}
	var s0, s1 []float64
	for i := 0; i < 8; i++ {
		var sp *synth.Spot
		if i%2 == 1 {
			sp = &synth.Spot{X0: 20 * i, Y0: 30 + 10*i, X1: 20*i + 48, Y1: 78 + 10*i}
		}
		r, err := d.Analyze(synth.PlantedPNG(240, 240, sp, uint64(i), i == 4), "calibration", "object")
		if err != nil {
			return err
		}
		s0, s1 = append(s0, r.ProbAbnormal), append(s1, r.MapMax)
	}
	k, err := anomaly.FitCalibration(s0, s1)
	if err != nil {
		return err
	}
	cal := &textvec.Calibration{S0Min: k.S0Min, S0Max: k.S0Max, S1Min: k.S1Min, S1Max: k.S1Max, Images: len(s0)}
	for i := range asset.Categories {
		asset.Categories[i].Calibration = cal
	}
	return asset.Save(path)
}
