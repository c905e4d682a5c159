package main

import (
	"fmt"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/weights"
)

func exportONNX(cfg config.Config, set weights.Set, dir string) error {
	return fmt.Errorf("ONNX export is not wired in yet")
}

func readONNXWeights(path string, cfg config.Config) (weights.Set, error) {
	return nil, fmt.Errorf("ONNX import is not wired in yet")
}
