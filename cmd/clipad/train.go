//go:build !js

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/clipad/clipad/model/dataset"
	"github.com/clipad/clipad/model/evalrun"
	"github.com/clipad/clipad/model/sdpplus"
	"github.com/clipad/clipad/model/sdpplus/train"
	"github.com/clipad/clipad/model/textvec"
	"github.com/clipad/clipad/model/vision"
)

func init() {
	register("train", "train the SDP+ linear layers on one dataset's test split, validating on another each epoch (gorgonia)", runTrain)
}

// trainSet is one opened dataset with its text vectors, resolved to
// cache entries.
type trainSet struct {
	name    string
	set     *dataset.Set
	entries []*train.Entry
	skipped []string
}

// openTrainSet opens a dataset, resolves every category's text vectors and
// computes (or finds) the cached features of every image.
func openTrainSet(role, root, kind string, cats []string, limit int, asset *textvec.Asset, fallback string,
	cache *train.Cache, needMasks bool) (*trainSet, error) {
	full, err := dataset.Open(root, kind)
	if err != nil {
		return nil, err
	}
	set, err := full.Filter(cats, limit)
	if err != nil {
		return nil, err
	}
	ts := &trainSet{name: set.Kind, set: set}
	if needMasks {
		pixel := false
		for _, c := range set.Categories {
			pixel = pixel || c.PixelLevel
		}
		if !pixel {
			return nil, fmt.Errorf("cannot train on %s (%s layout): it has no ground-truth masks; SDP+ training needs pixel-level masks (e.g. MVTec-AD or VisA test splits)", root, set.Kind)
		}
	}
	type job struct {
		s   *dataset.Sample
		c   *dataset.Category
		txt *textvec.Category
	}
	var jobs []job
	for _, c := range set.Categories {
		if needMasks && !c.PixelLevel {
			ts.skipped = append(ts.skipped, fmt.Sprintf("category %s: no masks, left out of training", c.Key()))
			continue
		}
		key, warn, err := evalrun.TextCategory(c, asset, fallback)
		if err != nil {
			return nil, fmt.Errorf("%s data: %w", role, err)
		}
		if warn != "" {
			fmt.Fprintln(os.Stderr, "clipad train: warning: "+warn)
		}
		tc, _ := asset.Get(key)
		for i := range c.Samples {
			s := &c.Samples[i]
			if needMasks && s.Anomalous && s.MaskPath == "" {
				ts.skipped = append(ts.skipped, fmt.Sprintf("%s: anomalous image without a mask, left out of training", s.Path))
				continue
			}
			jobs = append(jobs, job{s, c, tc})
		}
	}
	if len(jobs) == 0 {
		return nil, fmt.Errorf("no usable images in %s", root)
	}
	if needMasks {
		masked := 0
		for _, j := range jobs {
			if j.s.Anomalous && j.s.MaskPath != "" {
				masked++
			}
		}
		if masked == 0 {
			return nil, fmt.Errorf("cannot train on %s (%s layout): no anomalous image has a ground-truth mask; SDP+ training needs pixel-level masks (e.g. MVTec-AD or VisA test splits)", root, set.Kind)
		}
	}
	pb := newProgress("features ("+role+")", len(jobs))
	cached := 0
	for _, j := range jobs {
		e, err := cache.Entry(j.s, j.c, j.txt)
		if err != nil {
			pb.Done()
			return nil, fmt.Errorf("%s data: %w", role, err)
		}
		if e.Cached {
			cached++
		}
		ts.entries = append(ts.entries, e)
		pb.Add(1, "")
	}
	pb.Done()
	var names []string
	for _, e := range ts.entries {
		if len(names) == 0 || names[len(names)-1] != e.Dataset {
			names = append(names, e.Dataset)
		}
	}
	slices.Sort(names)
	ts.name = strings.Join(slices.Compact(names), "+") // "mvtec", "visa", also for the shared layout
	fmt.Fprintf(os.Stderr, "%s data: %s (%s), %d images (%d from the cache)\n", role, root, ts.name, len(ts.entries), cached)
	return ts, nil
}

// epochLog is one line of train_log.jsonl.
type epochLog struct {
	Epoch      int                `json:"epoch"`
	Steps      int                `json:"steps"`
	MeanLoss   float64            `json:"mean_loss"`
	Seconds    float64            `json:"seconds"`
	Checkpoint string             `json:"checkpoint"`
	Validation map[string]float64 `json:"validation,omitempty"` // mean over categories, ×1 (not ×100)
}

func runTrain(args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	data := fs.String("data", "", "training dataset root (its test split, with masks; the paper trains on MVTec-AD to test on VisA and vice versa)")
	kind := fs.String("kind", dataset.KindAuto, "training dataset layout: "+strings.Join(dataset.Kinds(), ", ")+" or auto")
	wPath := fs.String("weights", "", "open_clip safetensors file, bundle directory or ONNX file (frozen CLIP)")
	cfgFlag := fs.String("config", "", "config name or open_clip_config.json (default: the one beside the weights)")
	textPath := fs.String("text", "", "text vectors of the training categories (RVS with the training dataset's parameters; default: text_vectors.json beside the weights)")
	target := fs.String("target", "", "validation dataset root (evaluated after every epoch; empty: no validation)")
	targetKind := fs.String("target-kind", dataset.KindAuto, "validation dataset layout")
	targetText := fs.String("target-text", "", "text vectors of the validation categories (default: -text)")
	fallback := fs.String("fallback", "", "text category for dataset categories the text vectors lack (default: refuse)")
	cats := fs.String("categories", "", "comma-separated training categories (default: all)")
	targetCats := fs.String("target-categories", "", "comma-separated validation categories (default: all)")
	limit := fs.Int("limit", 0, "at most this many images per category in both sets (0: all; for quick runs)")
	epochs := fs.Int("epochs", 5, "epochs")
	lr := fs.Float64("lr", 1e-4, "Adam learning rate")
	beta1 := fs.Float64("beta1", 0.9, "Adam β1")
	beta2 := fs.Float64("beta2", 0.999, "Adam β2")
	eps := fs.Float64("eps", 1e-8, "Adam ε")
	batch := fs.Int("batch", 8, "batch size")
	seed := fs.Uint64("seed", 42, "seed of the initialisation (and of -shuffle); clipad's generator, not PyTorch's")
	shuffle := fs.Bool("shuffle", false, "shuffle the training images every epoch (the official run does not)")
	out := fs.String("out", "sdpplus-train", "output directory: epoch_N.safetensors, train_log.jsonl, val_epoch_N.md")
	cacheDir := fs.String("cache", "", "feature cache directory (default: OUT/cache)")
	sigma := fs.Float64("sigma", -1, "Gaussian σ of the validation maps (default: 2 when the target is VisA, else 8; spec §5.3)")
	clean := fs.Bool("clean-class-row", false, "use clean stage tensors instead of the official in-place quirk (the released checkpoints use the quirk)")
	aupro := fs.Bool("val-aupro", true, "compute AUPRO in validation")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" {
		return fmt.Errorf("-data is required (a dataset root with masks)")
	}
	opt := train.Options{Epochs: *epochs, Batch: *batch, LR: *lr, Beta1: *beta1, Beta2: *beta2, Eps: *eps, Seed: *seed, Shuffle: *shuffle}
	if err := opt.Check(); err != nil {
		return err
	}
	m, id, err := loadVision(*wPath, *cfgFlag)
	if err != nil {
		return err
	}
	if *textPath == "" {
		*textPath = defaultTextPath(*wPath)
	}
	trainText, err := loadText(*textPath, id)
	if err != nil {
		return err
	}
	valText := trainText
	if *targetText != "" {
		if valText, err = loadText(*targetText, id); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if *cacheDir == "" {
		*cacheDir = filepath.Join(*out, "cache")
	}
	cache := &train.Cache{Dir: *cacheDir, Model: m, ModelID: id, Clean: *clean}
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	tr, err := openTrainSet("train", *data, *kind, split(*cats), *limit, trainText, *fallback, cache, true)
	if err != nil {
		return err
	}
	for _, s := range tr.skipped {
		fmt.Fprintln(os.Stderr, "clipad train: "+s)
	}
	var val *trainSet
	if *target != "" {
		if val, err = openTrainSet("target", *target, *targetKind, split(*targetCats), *limit, valText, *fallback, cache, false); err != nil {
			return err
		}
	}
	sg := *sigma
	if sg < 0 {
		sg = 8
		if val != nil && val.name == dataset.KindVisA {
			sg = sdpplus.VisASigma
		}
	}
	return trainLoop(m, id, tr, val, cache, opt, sg, *aupro, *out)
}

func loadText(path, modelID string) (*textvec.Asset, error) {
	a, err := textvec.Load(path)
	if err != nil {
		return nil, fmt.Errorf("text vectors: %w (make them with 'clipad rvs')", err)
	}
	if err := a.CheckModel(modelID); err != nil {
		return nil, err
	}
	return a, nil
}

func trainLoop(m *vision.Model, id string, tr, val *trainSet, cache *train.Cache, opt train.Options, sigma float64, aupro bool, out string) error {
	v := m.Cfg.Vision
	h := train.InitHead(v.Width, m.Cfg.EmbedDim, opt.Seed)
	h.Meta = sdpplus.Meta{ModelID: id, Config: m.Cfg.Name, TrainData: tr.name, Sigma: sigma, Source: "clipad train"}
	if val != nil {
		h.Meta.TargetData = val.name
	}
	t, err := train.New(h, v.Grid(), v.ImageSize, opt)
	if err != nil {
		return err
	}
	data := &train.TrainData{Cache: cache, Entries: tr.entries}
	logf, err := os.OpenFile(filepath.Join(out, "train_log.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(os.Stderr, "training 4 × Linear(%d→%d) on %d images: %d epochs, batch %d, Adam lr %g, seed %d, shuffle %v\n",
		v.Width, m.Cfg.EmbedDim, data.Len(), opt.Epochs, opt.Batch, opt.LR, opt.Seed, opt.Shuffle)
	for e := 1; e <= opt.Epochs; e++ {
		t0 := time.Now()
		pb := newProgress(fmt.Sprintf("epoch %d/%d", e, opt.Epochs), data.Len())
		last := 0
		res, err := t.Epoch(e, data, func(done int, r train.StepResult) {
			pb.Add(done-last, fmt.Sprintf("loss %.4f", r.Loss))
			last = done
		})
		pb.Done()
		if err != nil {
			return fmt.Errorf("epoch %d: %w", e, err)
		}
		h.Meta.Epoch = e
		ck := filepath.Join(out, fmt.Sprintf("epoch_%d.safetensors", e))
		if err := h.Save(ck); err != nil {
			return err
		}
		lg := epochLog{Epoch: e, Steps: res.Steps, MeanLoss: res.MeanLoss, Seconds: time.Since(t0).Seconds(), Checkpoint: ck}
		fmt.Printf("epoch %d: mean loss %.4f over %d steps (%s); checkpoint %s\n", e, res.MeanLoss, res.Steps, fmtDur(time.Since(t0)), ck)
		if val != nil {
			vb := newProgress(fmt.Sprintf("validate %d", e), len(val.entries))
			sum, err := train.Validate(cache, h, val.entries, train.ValOptions{Sigma: sigma, AUPRO: aupro, Progress: func() { vb.Add(1, "") }})
			vb.Done()
			if err != nil {
				return fmt.Errorf("validation after epoch %d: %w", e, err)
			}
			table := sum.Table()
			fmt.Printf("validation on %s after epoch %d (σ %g):\n%s", val.name, e, sigma, table)
			hdr := fmt.Sprintf("# SDP+ validation, epoch %d\n\ntrained on %s, validated on %s, σ %g, checkpoint %s\n\n", e, tr.name, val.name, sigma, ck)
			if err := os.WriteFile(filepath.Join(out, fmt.Sprintf("val_epoch_%d.md", e)), []byte(hdr+table), 0o644); err != nil {
				return err
			}
			lg.Validation = map[string]float64{}
			for _, c := range sum.Columns {
				if v := sum.Mean[c]; v.OK() {
					lg.Validation[c.String()] = v.V
				}
			}
		}
		b, _ := json.Marshal(lg)
		if _, err := logf.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}
