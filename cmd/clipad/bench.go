package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clipad/clipad/model/kernels"
	"github.com/clipad/clipad/model/onnx/clipgraph"
	"github.com/clipad/clipad/model/vision"
	"github.com/clipad/clipad/model/weights"
)

// Helpers of the benchmark harness (js/bench, make bench).

func init() {
	register("bench-forward", "time the dual-path vision forward natively at given thread counts (JSON lines; for make bench)", runBenchForward)
	register("bench-onnx", "write the int8-weight plain vision ONNX graph (vision_plain_int8.onnx) for the onnxruntime benchmarks", runBenchONNX)
}

// benchResult is one line of bench-forward's output.
type benchResult struct {
	Variant  string    `json:"variant"`
	Threads  int       `json:"threads"`
	DType    string    `json:"dtype"`
	Warmup   int       `json:"warmup"`
	Ms       []float64 `json:"ms"`
	MedianMs float64   `json:"median_ms"`
	LoadMs   float64   `json:"load_ms"`
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func runBenchForward(args []string) error {
	fs := flag.NewFlagSet("bench-forward", flag.ContinueOnError)
	wPath := fs.String("weights", "", "bundle directory (manifest.json + shards; f32 or int8), safetensors or ONNX file")
	cfgFlag := fs.String("config", "", "config name or open_clip_config.json (default: the one beside the weights)")
	n := fs.Int("n", 3, "timed forwards per thread count (the median is reported)")
	warm := fs.Int("warmup", 1, "untimed forwards first")
	threads := fs.String("threads", "1,2", "comma-separated thread counts (GOMAXPROCS and kernel goroutines)")
	serve := fs.Bool("serve", false, "load once, then run one timed forward per stdin line \"<threads>\" and answer each with a JSON line (the harness interleaves variants)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var ts []int
	for _, f := range strings.Split(*threads, ",") {
		t, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || t < 1 {
			return fmt.Errorf("-threads: bad count %q", f)
		}
		ts = append(ts, t)
	}
	if *n < 1 {
		return fmt.Errorf("-n must be at least 1")
	}
	t0 := time.Now()
	m, _, err := loadVision(*wPath, *cfgFlag)
	if err != nil {
		return err
	}
	load := time.Since(t0)
	dtype := "f32"
	if m.Blocks[0].QKV.Q != nil {
		dtype = "int8"
	}
	img, _ := loadInput("", m.Cfg.Vision.ImageSize)
	ws := new(vision.Workspace)
	enc := json.NewEncoder(os.Stdout)
	prevProcs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prevProcs)
	if *serve {
		if err := enc.Encode(map[string]any{"ready": true, "dtype": dtype, "load_ms": float64(load.Microseconds()) / 1e3}); err != nil {
			return err
		}
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			t, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
			if err != nil || t < 1 {
				return fmt.Errorf("bench-forward -serve: bad line %q (want a thread count)", sc.Text())
			}
			runtime.GOMAXPROCS(t)
			kernels.SetMaxWorkers(t)
			s := time.Now()
			if _, err := m.Forward(img, vision.Options{ClassRowsOnly: true}, ws); err != nil {
				return err
			}
			if err := enc.Encode(map[string]any{"threads": t, "ms": float64(time.Since(s).Microseconds()) / 1e3}); err != nil {
				return err
			}
		}
		return sc.Err()
	}
	for _, t := range ts {
		runtime.GOMAXPROCS(t)
		kernels.SetMaxWorkers(t)
		r := benchResult{Variant: "go-native", Threads: t, DType: dtype, Warmup: *warm, LoadMs: float64(load.Microseconds()) / 1e3}
		for i := 0; i < *warm+*n; i++ {
			s := time.Now()
			if _, err := m.Forward(img, vision.Options{ClassRowsOnly: true}, ws); err != nil {
				return err
			}
			if i >= *warm {
				r.Ms = append(r.Ms, float64(time.Since(s).Microseconds())/1e3)
			}
		}
		r.MedianMs = median(r.Ms)
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

func runBenchONNX(args []string) error {
	fs := flag.NewFlagSet("bench-onnx", flag.ContinueOnError)
	wPath := fs.String("weights", "", "open_clip safetensors file")
	cfgFlag := fs.String("config", "", "config name or open_clip_config.json (default: the one beside the weights)")
	out := fs.String("out", "", "output directory (writes "+clipgraph.VisionPlainInt8File+")")
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
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := clipgraph.WriteVisionPlainInt8(*out, cfg, set); err != nil {
		return err
	}
	fmt.Printf("int8-weight plain vision graph of %s in %s/%s\n", cfg.Name, *out, clipgraph.VisionPlainInt8File)
	return nil
}
