// Command onnxgraphs writes the ONNX graphs of package clipgraph
// (vision.onnx, vision_plain.onnx, text.onnx) for a config, from seeded
// random weights (clipgraph.RandomWeights) or from an open_clip
// safetensors file. js/parity/selftest.mjs runs it to get test models.
//
//	go run ./cmd/onnxgraphs -config test-small -seed 1 -out /tmp/g
//	go run ./cmd/onnxgraphs -config ViT-B-16-plus-240 -weights open_clip_model.safetensors -out /tmp/g
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/onnx/clipgraph"
	"github.com/clipad/clipad/model/weights"
)

func main() {
	cfgName := flag.String("config", "test-tiny", "built-in config name or open_clip config JSON")
	seed := flag.Int64("seed", 1, "seed for random weights (ignored with -weights)")
	wpath := flag.String("weights", "", "open_clip safetensors weights (default: random)")
	out := flag.String("out", "", "output directory (required)")
	manual := flag.Bool("manual-ln", false, "write LayerNorm as the two-pass formula instead of LayerNormalization")
	flag.Parse()
	if err := run(*cfgName, *seed, *wpath, *out, *manual); err != nil {
		fmt.Fprintln(os.Stderr, "onnxgraphs:", err)
		os.Exit(1)
	}
}

func run(cfgName string, seed int64, wpath, out string, manual bool) error {
	if out == "" {
		return fmt.Errorf("-out is required")
	}
	cfg, err := config.Load(cfgName)
	if err != nil {
		return err
	}
	var w weights.Set
	if wpath != "" {
		if w, err = weights.LoadSafetensors(wpath, cfg, weights.BothTowers); err != nil {
			return err
		}
	} else {
		w = clipgraph.RandomWeights(cfg, seed)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var opts []clipgraph.Option
	if manual {
		opts = append(opts, clipgraph.ManualLayerNorm())
	}
	if err := clipgraph.WriteAll(out, cfg, w, opts...); err != nil {
		return err
	}
	fmt.Printf("wrote %s, %s, %s for %s in %s\n", clipgraph.VisionFile, clipgraph.VisionPlainFile, clipgraph.TextFile, cfg.Name, out)
	return nil
}
