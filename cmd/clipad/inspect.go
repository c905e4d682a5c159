package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/safetensors"
	"github.com/clipad/clipad/model/weights"
)

func init() {
	register("inspect", "check a weights file against a config without loading it (names, shapes, dtypes, size)", runInspect)
}

func runInspect(args []string) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	cfgName := fs.String("config", config.Default, "built-in config name or open_clip config JSON")
	wPath := fs.String("weights", "", "open_clip safetensors file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*cfgName)
	if err != nil {
		return err
	}
	f, err := safetensors.Open(*wPath)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := weights.CheckInfos(f, cfg, weights.BothTowers); err != nil {
		return err
	}
	var bytes int64
	for _, n := range f.Names() {
		i, _ := f.Info(n)
		bytes += i.Size
	}
	st, _ := os.Stat(*wPath)
	fmt.Printf("%s: %d tensors, %.1f MB of tensor data (file %.1f MB), all %d tensors of %s present with the expected shapes\n",
		*wPath, len(f.Names()), float64(bytes)/1e6, float64(st.Size())/1e6, len(weights.Expected(cfg, weights.BothTowers)), cfg.Name)
	return nil
}
