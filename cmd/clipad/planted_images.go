package main

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/clipad/clipad/model/synth"
)

// plantedSample is one image of the planted demo set and where its planted
// anomaly (the red rectangle) is, in image pixels; Spot is nil for a
// normal image.
type plantedSample struct {
	File   string      `json:"file"`
	Width  int         `json:"width"`
	Height int         `json:"height"`
	Spot   *synth.Spot `json:"spot"`
	Blue   bool        `json:"blue,omitempty"`
	Seed   uint64      `json:"seed"`
}

// plantedSamples is the fixed demo set: normal images (grey, blue) and
// red spots at known places, in several sizes and aspect ratios.
var plantedSamples = []plantedSample{
	{File: "sample-01-normal.png", Width: 320, Height: 240, Seed: 101},
	{File: "sample-02-spot-top-left.png", Width: 320, Height: 240, Spot: &synth.Spot{X0: 32, Y0: 24, X1: 112, Y1: 96}, Seed: 102},
	{File: "sample-03-spot-bottom-right.png", Width: 400, Height: 300, Spot: &synth.Spot{X0: 260, Y0: 180, X1: 360, Y1: 270}, Seed: 103},
	{File: "sample-04-normal-blue.png", Width: 240, Height: 240, Blue: true, Seed: 104},
	{File: "sample-05-spot-portrait.png", Width: 240, Height: 320, Spot: &synth.Spot{X0: 140, Y0: 40, X1: 210, Y1: 110}, Seed: 105},
	{File: "sample-06-normal-wide.png", Width: 480, Height: 240, Seed: 106},
}

// writePlantedImages writes the demo set as PNGs and index.json (the list
// with the spots, used by the page's "sample images" button and the tests).
func writePlantedImages(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, s := range plantedSamples {
		b := synth.PlantedPNG(s.Width, s.Height, s.Spot, s.Seed, s.Blue)
		if err := os.WriteFile(filepath.Join(dir, s.File), b, 0o644); err != nil {
			return err
		}
	}
	j, err := json.MarshalIndent(map[string]any{"format": "clipad.samples", "model": "planted",
		"note":   "planted demo images: the red rectangle (spot, image pixels [x0,x1)×[y0,y1)) is the anomaly",
		"images": plantedSamples}, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "index.json"), append(j, '\n'), 0o644)
}
