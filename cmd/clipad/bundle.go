package main

import (
	"flag"
	"fmt"

	"github.com/clipad/clipad/model/safetensors"
	"github.com/clipad/clipad/model/weights"
	"github.com/clipad/clipad/quantize"
)

func init() {
	register("bundle", "quantize a model's vision tower into the sharded bundle the browser loads (f32, int8, int4)", runBundle)
}

func runBundle(args []string) error {
	fs := flag.NewFlagSet("bundle", flag.ContinueOnError)
	wPath := fs.String("weights", "", "open_clip safetensors file")
	cfgFlag := fs.String("config", "", "config name or open_clip_config.json (default: the one beside the weights)")
	dtype := fs.String("dtype", "int8", "weight type of the linear layers: f32, int8 or int4")
	out := fs.String("out", "", "output directory (manifest.json + shards)")
	shardBytes := fs.Int64("shard-bytes", 0, "largest shard in bytes (default and maximum 16 MiB)")
	sdpPlus := fs.String("sdp-plus", "", "also store these SDP+ layers (checkpoint .safetensors or official .pth) in the bundle, f32")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *wPath == "" || *out == "" {
		return fmt.Errorf("-weights and -out are required")
	}
	cfg, err := resolveConfig(*cfgFlag, *wPath)
	if err != nil {
		return err
	}
	set, err := weights.LoadSafetensors(*wPath, cfg, weights.VisionTower)
	if err != nil {
		return err
	}
	id, err := weights.FileModelID(*wPath, cfg)
	if err != nil {
		return err
	}
	f, err := safetensors.Open(*wPath)
	if err != nil {
		return err
	}
	synthetic := f.Metadata["clipad_synthetic"] != ""
	f.Close()
	wo := quantize.WriteOptions{DType: *dtype, Synthetic: synthetic, MaxShard: *shardBytes}
	if *sdpPlus != "" {
		h, err := loadSDPPlus(*sdpPlus, *wPath, cfg, id)
		if err != nil {
			return err
		}
		if wo.Extra, wo.SDPPlus, err = h.BundleExtras(); err != nil {
			return err
		}
	}
	m, err := quantize.WriteBundle(*out, cfg, set, id, wo)
	if err != nil {
		return err
	}
	fmt.Printf("%s bundle of %s: %d shards, %.1f MB, in %s\n", *dtype, id, len(m.Shards), float64(m.TotalBytes)/1e6, *out)
	return nil
}
