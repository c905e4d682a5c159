package clipgraph

import (
	"fmt"
	"path/filepath"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/onnx"
	"github.com/clipad/clipad/model/weights"
)

// File names written by WriteAll.
const (
	VisionFile      = "vision.onnx"
	VisionPlainFile = "vision_plain.onnx"
	TextFile        = "text.onnx"
)

// WriteAll writes vision.onnx (dual path), vision_plain.onnx and text.onnx
// for cfg and w into dir (which must exist). Graphs are built and written
// one at a time; initializers reference w's data, so peak memory is the
// weights plus write buffers.
func WriteAll(dir string, cfg config.Config, w weights.Set, opts ...Option) error {
	builds := []struct {
		file  string
		build func(config.Config, weights.Set, ...Option) (*onnx.Model, error)
	}{
		{VisionFile, Vision}, {VisionPlainFile, VisionPlain}, {TextFile, Text},
	}
	for _, bd := range builds {
		m, err := bd.build(cfg, w, opts...)
		if err != nil {
			return err
		}
		if err := onnx.WriteFile(filepath.Join(dir, bd.file), m); err != nil {
			return fmt.Errorf("clipgraph: %w", err)
		}
	}
	return nil
}
