package onnx

import (
	"fmt"
	"os"
	"slices"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/weights"
)

// ReadWeights reads the CLIP weights of the requested towers from an ONNX
// file's initializers (see the package documentation for which exports
// qualify) and checks them against cfg.
func ReadWeights(path string, cfg config.Config, towers weights.Tower) (weights.Set, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ReadWeightsBytes(b, cfg, towers)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ReadWeightsBytes is ReadWeights on an in-memory ONNX file (for the
// browser, where there is no file system). The returned tensors do not
// alias b.
func ReadWeightsBytes(b []byte, cfg config.Config, towers weights.Tower) (weights.Set, error) {
	m, err := Decode(b)
	if err != nil {
		return nil, err
	}
	return WeightsFromModel(m, cfg, towers)
}

// WeightsFromModel imports the initializers named by open_clip state-dict
// names (weights.Expected(cfg, towers)) as float32 tensors and checks the
// set with weights.Set.Check. Other initializers are ignored.
func WeightsFromModel(m *Model, cfg config.Config, towers weights.Tower) (weights.Set, error) {
	if m.Graph == nil {
		return nil, fmt.Errorf("onnx: model has no graph")
	}
	byName := make(map[string]*Tensor, len(m.Graph.Initializer))
	for _, t := range m.Graph.Initializer {
		byName[t.Name] = t
	}
	set := weights.Set{}
	for _, sp := range weights.Expected(cfg, towers) {
		t, ok := byName[sp.Name]
		if !ok {
			hint := ""
			if len(m.Graph.Initializer) > 0 && len(byName) > 0 {
				hint = fmt.Sprintf(" (the graph has %d initializers, e.g. %q; only graphs whose initializers carry open_clip state-dict names can be imported)", len(byName), m.Graph.Initializer[0].Name)
			}
			return nil, fmt.Errorf("onnx weights for %s: initializer %q is missing%s", cfg.Name, sp.Name, hint)
		}
		data, err := t.Float32()
		if err != nil {
			return nil, fmt.Errorf("onnx weights for %s: %w", cfg.Name, err)
		}
		shape := t.Shape()
		if !slices.Equal(shape, sp.Shape) {
			return nil, fmt.Errorf("onnx weights for %s: initializer %q has shape %v, expected %v (weights made for another config?)", cfg.Name, sp.Name, shape, sp.Shape)
		}
		set[sp.Name] = weights.Tensor{Shape: shape, Data: data}
	}
	if err := set.Check(cfg, towers); err != nil {
		return nil, err
	}
	return set, nil
}
