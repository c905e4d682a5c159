package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/clipad/clipad/model/dataset"
	"github.com/clipad/clipad/model/detect"
	"github.com/clipad/clipad/model/evalrun"
)

func init() {
	register("eval", "the paper's metrics on MVTec-AD, VisA and the medical sets: per-category tables (Markdown, CSV, JSON)", runEval)
}

const evalUsage = `usage: clipad eval -data ROOT -weights W [flags]

Scores every test image of a benchmark with CLIP-AD (SDP) and computes the
paper's metrics per category and their mean (spec §7.2): pixel AUROC, F1-max,
AP, AUPRO at the model resolution, image AUROC, F1-max, AP.

Writes to -out: results.md (the tables), results.csv, results.json (counts,
problems, every metric with its n/a reason), images.csv (s0, s1 and score of
every image) and cache/ (one small file per image, so an interrupted run
resumes). Unreadable images, missing or unreadable masks, masks of another
size and empty categories are reported per file; the run goes on.

The RVS reducer (mean, pca, kde, dbscan, mean_shift) is fixed when the text
vectors are made: 'clipad rvs -reducer NAME -out FILE', then -text FILE.

Examples:
  W=models/ViT-B-16-plus-240/open_clip_model.safetensors   # 'make model', then 'clipad rvs -weights $W'
  clipad eval -data /data/mvtec_anomaly_detection -weights $W -compare paper -out eval-mvtec
  clipad eval -data /data/VisA -kind visa -weights $W -compare paper -out eval-visa
  clipad eval -data ../shared/data -weights synth/open_clip_model.safetensors -limit 4

flags:
`

func runEval(args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	data := fs.String("data", "", "dataset root (MVTec-AD, VisA, BrainMRI, HeadCT, ISIC 2016, CVC-ClinicDB or the shared layout)")
	kind := fs.String("kind", dataset.KindAuto, "dataset layout: auto, "+strings.Join(dataset.Kinds(), ", "))
	wPath := fs.String("weights", "", "open_clip safetensors file, bundle directory or ONNX file")
	cfgFlag := fs.String("config", "", "config name or open_clip_config.json (default: the one beside the weights)")
	textPath := fs.String("text", "", "text-vector asset (default: text_vectors.json beside the weights); it fixes the RVS reducer ('clipad rvs -reducer')")
	sigma := fs.Float64("sigma", detect.DefaultSigma, "Gaussian σ of the anomaly map in model pixels (0: none)")
	mode := fs.String("mode", detect.ModeBatch, "image score: batch (per-category min–max over this run, the paper's protocol) or single (the asset's fixed calibration)")
	out := fs.String("out", "clipad-eval", "output directory")
	cache := fs.String("cache", "", "per-image cache directory (default OUT/cache; 'off' disables)")
	limit := fs.Int("limit", 0, "at most N images per category, normal and anomalous alternately (0: all)")
	cats := fs.String("categories", "", "comma-separated categories (name or dataset/name; default: all)")
	workers := fs.Int("workers", runtime.NumCPU(), "images scored in parallel (each GEMM then runs on one core)")
	compare := fs.String("compare", "", "'paper': add the paper's reference numbers where known (spec §8)")
	sdpPlus := fs.String("sdp-plus", "", sdpPlusUsage)
	clean := fs.Bool("clean-class-row", false, "use the clean stage class rows instead of the official in-place quirk")
	fallback := fs.String("fallback", "", "text category for dataset categories without text vectors, e.g. object (default: such a category is an error)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), evalUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (the dataset is given with -data)", fs.Args())
	}
	if *data == "" {
		return fmt.Errorf("-data is required (a dataset root; see 'clipad eval -h')")
	}
	if *mode != detect.ModeBatch && *mode != detect.ModeSingle {
		return fmt.Errorf("-mode must be batch or single, not %q", *mode)
	}
	if *compare != "" && *compare != evalrun.ComparePaper {
		return fmt.Errorf("-compare takes only %q, not %q", evalrun.ComparePaper, *compare)
	}
	if *limit < 0 || *workers < 1 {
		return fmt.Errorf("-limit must be ≥ 0 and -workers ≥ 1")
	}
	m, id, err := loadVision(*wPath, *cfgFlag)
	if err != nil {
		return err
	}
	asset, err := loadTextAsset(textPath, *wPath)
	if err != nil {
		return err
	}
	head, err := loadSDPPlus(*sdpPlus, *wPath, m.Cfg, id)
	if err != nil {
		return err
	}
	sigmaHint(head, *sigma)
	var catList []string
	for _, c := range strings.Split(*cats, ",") {
		if c = strings.TrimSpace(c); c != "" {
			catList = append(catList, c)
		}
	}
	cfg := evalrun.Config{Data: *data, Kind: *kind, Categories: catList, Limit: *limit, Model: m, ModelID: id,
		Text: asset, TextPath: *textPath, Sigma: *sigma, Mode: *mode, CleanClassRow: *clean, SDPPlus: head, Out: *out, Cache: *cache,
		Workers: *workers, Compare: *compare, Fallback: *fallback}
	pb := newProgress("eval", evalCountImages(cfg))
	cfg.Progress = pb
	cfg.Log = &evalLog{w: os.Stderr, pb: pb}
	res, err := evalrun.Run(cfg)
	if err != nil {
		return err
	}
	fmt.Print(res.Markdown(false))
	fmt.Printf("\n%s\nresults.md, results.csv, results.json and images.csv in %s\n", res.SummaryLine(), *out)
	if res.Totals.Scored == 0 {
		return fmt.Errorf("no image could be scored")
	}
	return nil
}

// evalCountImages is the progress total: the images the run will score.
func evalCountImages(cfg evalrun.Config) int {
	s, err := dataset.Open(cfg.Data, cfg.Kind)
	if err != nil {
		return 0
	}
	if s, err = s.Filter(cfg.Categories, cfg.Limit); err != nil {
		return 0
	}
	return s.Len()
}

// evalLog writes per-file reports below the progress bar: on a terminal it
// first ends the bar's line.
type evalLog struct {
	w  io.Writer
	pb *progress
}

func (l *evalLog) Write(b []byte) (int, error) {
	if l.pb.tty {
		l.pb.mu.Lock()
		defer l.pb.mu.Unlock()
		if _, err := io.WriteString(l.w, "\r\x1b[K"); err != nil {
			return 0, err
		}
	}
	return l.w.Write(b)
}
