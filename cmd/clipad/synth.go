package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/safetensors"
	"github.com/clipad/clipad/model/synth"
)

func init() {
	register("synth", "write deterministic synthetic weights (safetensors + config, optional ONNX graphs)", runSynth)
}

func runSynth(args []string) error {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	cfgName := fs.String("config", config.Default, "built-in config name or open_clip config JSON")
	out := fs.String("out", "build/synth", "output directory")
	seed := fs.Uint64("seed", 1, "random seed")
	withONNX := fs.Bool("onnx", false, "also write vision.onnx, vision_plain.onnx and text.onnx with the same weights")
	images := fs.String("planted-images", "", "only write the planted demo images (PNG + index.json with the spots) into this directory")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: clipad synth [-config NAME] [-out DIR] [-seed N] [-onnx]\n\nWith -config planted it writes the analytic white-box model and its text vectors.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *images != "" {
		if err := writePlantedImages(*images); err != nil {
			return err
		}
		fmt.Printf("planted demo images in %s\n", *images)
		return nil
	}
	cfg, err := config.Load(*cfgName)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	set := synth.Weights(cfg, *seed)
	meta := map[string]string{"clipad_synthetic": "1", "config": cfg.Name, "seed": fmt.Sprint(*seed)}
	var tn, ta []float32
	if cfg.Name == "planted" {
		cfg, set, tn, ta = synth.Planted()
		meta = map[string]string{"clipad_synthetic": "planted", "config": cfg.Name}
	}
	if err := safetensors.WriteFile(filepath.Join(*out, "open_clip_model.safetensors"), set.Tensors(), meta); err != nil {
		return err
	}
	cj, err := cfg.MarshalOpenCLIP()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "open_clip_config.json"), cj, 0o644); err != nil {
		return err
	}
	if tn != nil {
		if err := writePlantedText(cfg, set, tn, ta, filepath.Join(*out, "text_vectors.json")); err != nil {
			return err
		}
	}
	if *withONNX {
		if err := exportONNX(cfg, set, *out); err != nil {
			return err
		}
	}
	fmt.Printf("synthetic %s weights (seed %d) in %s\n", cfg.Name, *seed, *out)
	return nil
}
