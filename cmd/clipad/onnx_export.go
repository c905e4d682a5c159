package main

import (
	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/onnx"
	"github.com/clipad/clipad/model/onnx/clipgraph"
	"github.com/clipad/clipad/model/weights"
)

// exportONNX writes vision.onnx (dual path with every tap), vision_plain.onnx
// and text.onnx from the same weights.
func exportONNX(cfg config.Config, set weights.Set, dir string) error {
	return clipgraph.WriteAll(dir, cfg, set)
}

func readONNXWeights(path string, cfg config.Config) (weights.Set, error) {
	return onnx.ReadWeights(path, cfg, weights.VisionTower)
}
