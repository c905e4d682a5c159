package main

import (
	"fmt"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/weights"
)

func exportONNX(cfg config.Config, set weights.Set, dir string) error {
	return fmt.Errorf("ONNX export is not wired in yet")
}
