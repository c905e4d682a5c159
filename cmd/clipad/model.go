package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/textvec"
	"github.com/clipad/clipad/model/vision"
	"github.com/clipad/clipad/model/weights"
	"github.com/clipad/clipad/quantize"
)

// resolveConfig picks the config: the flag if given, else an
// open_clip_config.json (or a bundle manifest) beside the weights, else the
// default backbone.
func resolveConfig(flagVal, weightsPath string) (config.Config, error) {
	if flagVal != "" {
		return config.Load(flagVal)
	}
	dir := weightsPath
	if st, err := os.Stat(weightsPath); err == nil && !st.IsDir() {
		dir = filepath.Dir(weightsPath)
	}
	if p := filepath.Join(dir, "open_clip_config.json"); fileExists(p) {
		return config.Load(p)
	}
	return config.Named(config.Default)
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// loadVision loads the vision tower from a safetensors file, a bundle
// directory (manifest.json + shards) or an ONNX file, and returns it with
// the model id.
func loadVision(weightsPath, cfgFlag string) (*vision.Model, string, error) {
	if weightsPath == "" {
		return nil, "", fmt.Errorf("-weights is required (a safetensors file, a bundle directory or an ONNX file; 'make model' fetches the real ones, 'clipad synth' makes synthetic ones)")
	}
	if st, err := os.Stat(weightsPath); err == nil && st.IsDir() {
		return loadBundle(weightsPath)
	} else if err != nil {
		return nil, "", err
	}
	cfg, err := resolveConfig(cfgFlag, weightsPath)
	if err != nil {
		return nil, "", err
	}
	if strings.HasSuffix(strings.ToLower(weightsPath), ".onnx") {
		set, err := readONNXWeights(weightsPath, cfg)
		if err != nil {
			return nil, "", err
		}
		m, err := vision.New(cfg, set)
		return m, set.ModelID(cfg), err
	}
	set, err := weights.LoadSafetensors(weightsPath, cfg, weights.VisionTower)
	if err != nil {
		return nil, "", err
	}
	id, err := weights.FileModelID(weightsPath, cfg)
	if err != nil {
		return nil, "", err
	}
	m, err := vision.New(cfg, set)
	return m, id, err
}

func loadBundle(dir string) (*vision.Model, string, error) {
	mb, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, "", fmt.Errorf("%s is a directory but not a model bundle: %w", dir, err)
	}
	l, err := quantize.NewLoader(mb, "")
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", dir, err)
	}
	for i, s := range l.M.Shards {
		b, err := os.ReadFile(filepath.Join(dir, s.File))
		if err != nil {
			return nil, "", err
		}
		if err := l.Feed(i, b); err != nil {
			return nil, "", err
		}
	}
	set, err := l.Weights(false)
	if err != nil {
		return nil, "", err
	}
	m, err := vision.New(l.M.Config, set)
	return m, l.M.ModelID, err
}

// loadTextAsset reads the text-vector asset: *path, or text_vectors.json beside
// the weights when *path is empty (then *path is set to it).
func loadTextAsset(path *string, weightsPath string) (*textvec.Asset, error) {
	if *path == "" {
		*path = defaultTextPath(weightsPath)
	}
	a, err := textvec.Load(*path)
	if err != nil {
		return nil, fmt.Errorf("text vectors: %w (make them with 'clipad rvs')", err)
	}
	return a, nil
}
