package evalrun

import (
	"errors"
	"fmt"
	"github.com/clipad/clipad/model/sdpplus"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/clipad/clipad/model/dataset"
	"github.com/clipad/clipad/model/detect"
	"github.com/clipad/clipad/model/imageio"
	"github.com/clipad/clipad/model/kernels"
	"github.com/clipad/clipad/model/metrics"
	"github.com/clipad/clipad/model/textvec"
	"github.com/clipad/clipad/model/vision"
)

// CacheOff as Config.Cache disables the per-image cache.
const CacheOff = "off"

// ComparePaper as Config.Compare adds the paper's reference numbers.
const ComparePaper = "paper"

// Progress receives one Add(1, category) per image and a final Done.
type Progress interface {
	Add(n int, extra string)
	Done()
}

// Config describes one evaluation run.
type Config struct {
	Data       string   // dataset root
	Kind       string   // dataset.Kinds() or "" / "auto"
	Categories []string // names or dataset/name; empty = all
	Limit      int      // at most this many images per category (≤ 0: all)

	Model    *vision.Model
	ModelID  string
	Text     *textvec.Asset
	TextPath string // for the report only

	// Sigma is the Gaussian σ of the map in model pixels; ≤ 0 disables the
	// smoothing. (Unlike detect.Options, 0 does not mean the default 8.)
	Sigma         float64
	Mode          string // detect.ModeBatch ("" too) or detect.ModeSingle
	CleanClassRow bool
	// SDPPlus, when set, adds the SDP+ linear-layer maps (spec §5.3). The
	// per-image cache holds only the raw SDP grid, from which SDP+ maps
	// cannot be rebuilt, so SDP+ runs do not use the cache.
	SDPPlus *sdpplus.Head

	Out     string // output folder (created)
	Cache   string // cache folder; "" = Out/cache; CacheOff disables
	Workers int    // concurrent images; ≤ 0 = runtime.NumCPU()
	Compare string // "" or ComparePaper
	// Fallback is the text-vector category used for a dataset category the
	// asset has no vectors for; "" makes such a category an error.
	Fallback string

	Progress Progress       // may be nil
	Log      io.Writer      // per-file problem reports as they happen; nil = discard
	Limits   imageio.Limits // decoding limits; zero = imageio defaults
}

// Problem kinds.
const (
	ProblemDataset  = "dataset"   // found while reading the dataset (missing mask, empty category, stray file, …)
	ProblemImage    = "image"     // image unreadable or undecodable: not scored
	ProblemMask     = "mask"      // mask unreadable or undecodable: image left out of the pixel metrics
	ProblemMaskSize = "mask-size" // mask size differs from its image: still used (resized to S×S)
)

// Problem is one reported issue.
type Problem struct {
	Kind     string `json:"kind"`
	Dataset  string `json:"dataset,omitempty"`
	Category string `json:"category,omitempty"`
	Path     string `json:"path"`
	Message  string `json:"message"`
}

func (p Problem) String() string {
	s := p.Path
	if p.Category != "" {
		s += " [" + p.Dataset + "/" + p.Category + "]"
	}
	return s + ": " + p.Message
}

// Counts of one category (or of the whole run).
type Counts struct {
	Images           int `json:"images"`    // in this run (after -limit)
	Normal           int `json:"normal"`    //
	Anomalous        int `json:"anomalous"` //
	Failed           int `json:"failed"`    // not scored (unreadable / undecodable)
	Scored           int `json:"scored"`    // Images − Failed
	FromCache        int `json:"from_cache"`
	PixelImages      int `json:"pixel_images"`       // entered the pixel metrics
	MissingMasks     int `json:"missing_masks"`      // anomalous, pixel-level category, no mask file
	MaskErrors       int `json:"mask_errors"`        // mask file unreadable / undecodable
	MaskSizeMismatch int `json:"mask_size_mismatch"` // mask size ≠ image size (mask still used)
	Problems         int `json:"problems"`
}

func (c *Counts) add(o Counts) {
	c.Images += o.Images
	c.Normal += o.Normal
	c.Anomalous += o.Anomalous
	c.Failed += o.Failed
	c.Scored += o.Scored
	c.FromCache += o.FromCache
	c.PixelImages += o.PixelImages
	c.MissingMasks += o.MissingMasks
	c.MaskErrors += o.MaskErrors
	c.MaskSizeMismatch += o.MaskSizeMismatch
	c.Problems += o.Problems
}

// ImageResult is one line of images.csv.
type ImageResult struct {
	Path      string
	Dataset   string
	Category  string
	Defect    string
	Anomalous bool
	OK        bool
	S0, S1    float64
	Score     float64
	Cached    bool
	// Pixel is "yes" (in the pixel metrics), "no" (pixel-level category but
	// left out: no/unreadable mask or failed) or "" (no pixel ground truth).
	Pixel string
	Error string
}

// CategoryResult is one category's row.
type CategoryResult struct {
	Dataset      string
	Name         string
	TextCategory string
	ImageLevel   bool // image metrics computed
	PixelLevel   bool // pixel metrics computed
	// ImageNA / PixelNA say why a whole block is absent (not applicable).
	ImageNA, PixelNA string
	Counts           Counts
	Row              metrics.Row
	Problems         []Problem
}

// Key is dataset/name.
func (c *CategoryResult) Key() string { return c.Dataset + "/" + c.Name }

// DatasetResult is one dataset's table: its categories and their mean.
type DatasetResult struct {
	Name       string
	Categories []*CategoryResult
	Summary    metrics.Summary
	Paper      *PaperTable // with Compare == "paper" and known numbers
}

// Result is a finished run.
type Result struct {
	Root, Kind    string
	ModelID       string
	ImageSize     int
	Grid          int
	TextPath      string
	Reducers      []string
	Sigma         float64
	Mode          string
	CleanClassRow bool
	Workers       int
	CacheDir      string // "" when off
	Limit         int
	Categories    []*CategoryResult
	Datasets      []*DatasetResult
	Images        []ImageResult
	Problems      []Problem
	Warnings      []string
	Totals        Counts
	EmptyCats     int
	Compare       string
	Elapsed       time.Duration
}

// Run evaluates and writes the outputs into cfg.Out.
func Run(cfg Config) (*Result, error) {
	start := time.Now()
	if cfg.Model == nil || cfg.Text == nil {
		return nil, errors.New("evalrun: a model and a text-vector asset are required")
	}
	if cfg.Mode == "" {
		cfg.Mode = detect.ModeBatch
	}
	if cfg.Mode != detect.ModeBatch && cfg.Mode != detect.ModeSingle {
		return nil, fmt.Errorf("mode must be %s or %s, not %q", detect.ModeBatch, detect.ModeSingle, cfg.Mode)
	}
	if cfg.Compare != "" && cfg.Compare != ComparePaper {
		return nil, fmt.Errorf("compare must be %q or empty, not %q", ComparePaper, cfg.Compare)
	}
	if math.IsNaN(cfg.Sigma) || math.IsInf(cfg.Sigma, 0) {
		return nil, fmt.Errorf("sigma must be finite")
	}
	if cfg.Sigma < 0 {
		cfg.Sigma = 0
	}
	if cfg.Out == "" {
		return nil, errors.New("evalrun: no output folder")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if cfg.Limits == (imageio.Limits{}) {
		cfg.Limits = imageio.DefaultLimits()
	}
	logw := cfg.Log
	if logw == nil {
		logw = io.Discard
	}

	full, err := dataset.Open(cfg.Data, cfg.Kind)
	if err != nil {
		return nil, err
	}
	set, err := full.Filter(cfg.Categories, cfg.Limit)
	if err != nil {
		return nil, err
	}
	if len(cfg.Categories) == 0 {
		// Filter keeps only the problems of kept categories; without a
		// selection the empty (dropped) categories count too
		set.Problems = full.Problems
	}
	res := &Result{Root: cfg.Data, Kind: set.Kind, ModelID: cfg.ModelID, ImageSize: cfg.Model.Cfg.Vision.ImageSize,
		Grid: cfg.Model.Cfg.Vision.Grid(), TextPath: cfg.TextPath, Sigma: cfg.Sigma, Mode: cfg.Mode,
		CleanClassRow: cfg.CleanClassRow, Workers: cfg.Workers, Limit: cfg.Limit, Compare: cfg.Compare}
	for _, p := range set.Problems {
		res.Problems = append(res.Problems, Problem{Kind: ProblemDataset, Dataset: p.Dataset, Category: p.Category, Path: p.Path, Message: p.Message})
		if strings.HasPrefix(p.Message, "empty category") {
			res.EmptyCats++
		}
	}
	if set.Len() == 0 {
		var b strings.Builder
		for _, p := range res.Problems {
			b.WriteString("\n  " + p.String())
		}
		return nil, fmt.Errorf("no test images in %s (%s layout)%s", cfg.Data, set.Kind, b.String())
	}

	// Text vectors for every category, resolved before any forward pass.
	textKeys := make([]string, len(set.Categories))
	reducers := map[string]bool{}
	for i, c := range set.Categories {
		k, warn, err := TextCategory(c, cfg.Text, cfg.Fallback)
		if err != nil {
			return nil, err
		}
		if warn != "" {
			res.Warnings = append(res.Warnings, warn)
			fmt.Fprintln(logw, "clipad eval: warning: "+warn)
		}
		textKeys[i] = k
		tc, _ := cfg.Text.Get(k)
		reducers[tc.Reducer] = true
	}
	for r := range reducers {
		res.Reducers = append(res.Reducers, r)
	}
	sort.Strings(res.Reducers)

	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, err
	}
	var cache *cacheDir
	if cfg.SDPPlus != nil && cfg.Cache != CacheOff {
		fmt.Fprintln(logw, "clipad eval: note: SDP+ runs do not use the per-image cache")
		cfg.Cache = CacheOff
	}
	if cfg.Cache != CacheOff {
		dir := cfg.Cache
		if dir == "" {
			dir = filepath.Join(cfg.Out, "cache")
		}
		if cache, err = openCache(dir); err != nil {
			return nil, err
		}
		res.CacheDir = dir
	}

	sigma := cfg.Sigma
	detSigma := sigma
	if detSigma == 0 {
		detSigma = -1 // detect.Options: < 0 disables, 0 would mean the default
	}
	dets := make([]*detect.Detector, cfg.Workers)
	for i := range dets {
		if dets[i], err = detect.New(cfg.Model, cfg.ModelID, cfg.Text, detect.Options{Sigma: detSigma,
			CleanClassRow: cfg.CleanClassRow, Limits: cfg.Limits, SDPPlus: cfg.SDPPlus}); err != nil {
			return nil, err
		}
	}
	if cfg.Workers > 1 {
		// parallel over images: keep each GEMM on its own goroutine
		prev := kernels.SetMaxWorkers(1)
		defer kernels.SetMaxWorkers(prev)
	}

	if len(res.Problems) > 0 {
		fmt.Fprintf(logw, "clipad eval: %d problem(s) found while reading %s:\n", len(res.Problems), cfg.Data)
		for _, p := range res.Problems {
			fmt.Fprintln(logw, "  "+p.String())
		}
	}

	r := &runner{cfg: cfg, sigma: sigma, dets: dets, cache: cache, log: logw}
	for i, c := range set.Categories {
		cr, imgs, probs, err := r.category(c, textKeys[i])
		if err != nil {
			return nil, err
		}
		res.Categories = append(res.Categories, cr)
		res.Images = append(res.Images, imgs...)
		res.Problems = append(res.Problems, probs...)
	}
	if cfg.Progress != nil {
		cfg.Progress.Done()
	}

	// attach problems to categories, count them
	byKey := map[string]*CategoryResult{}
	for _, c := range res.Categories {
		byKey[c.Key()] = c
	}
	for _, p := range res.Problems {
		if c := byKey[p.Dataset+"/"+p.Category]; c != nil {
			c.Problems = append(c.Problems, p)
			c.Counts.Problems++
		}
	}
	for _, c := range res.Categories {
		res.Totals.add(c.Counts)
	}
	res.Totals.Problems = len(res.Problems)

	// per-dataset tables
	for _, c := range res.Categories {
		var d *DatasetResult
		if n := len(res.Datasets); n > 0 && res.Datasets[n-1].Name == c.Dataset {
			d = res.Datasets[n-1]
		} else {
			d = &DatasetResult{Name: c.Dataset}
			res.Datasets = append(res.Datasets, d)
		}
		d.Categories = append(d.Categories, c)
	}
	for _, d := range res.Datasets {
		rows := make([]metrics.Row, len(d.Categories))
		for i, c := range d.Categories {
			rows[i] = c.Row
		}
		d.Summary = metrics.Summarize(rows)
		if cfg.Compare == ComparePaper {
			d.Paper = PaperFor(d.Name)
		}
	}
	res.Elapsed = time.Since(start)
	if err := res.Write(cfg.Out); err != nil {
		return res, err
	}
	return res, nil
}

// runner holds what the per-category work shares.
type runner struct {
	cfg   Config
	sigma float64
	dets  []*detect.Detector
	cache *cacheDir
	log   io.Writer
	logMu sync.Mutex
}

func (r *runner) report(p Problem) {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	fmt.Fprintf(r.log, "clipad eval: %s (the run goes on)\n", p)
}

// sampleOut is one image's outcome.
type sampleOut struct {
	rec      *detect.Record
	cached   bool
	err      error
	mask     []bool // anomalous with a usable mask; nil otherwise
	maskOK   bool   // usable ground truth (normal images: all zero)
	problems []Problem
}

// category scores one category's images on all workers and computes its
// metrics.
func (r *runner) category(c *dataset.Category, textKey string) (*CategoryResult, []ImageResult, []Problem, error) {
	tc, err := r.cfg.Text.Get(textKey)
	if err != nil {
		return nil, nil, nil, err
	}
	S := r.cfg.Model.Cfg.Vision.ImageSize
	outs := make([]sampleOut, len(c.Samples))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(len(r.dets), len(c.Samples)); w++ {
		wg.Add(1)
		go func(d *detect.Detector) {
			defer wg.Done()
			for i := range jobs {
				outs[i] = r.sample(d, c, &c.Samples[i], tc, S)
				if r.cfg.Progress != nil {
					r.cfg.Progress.Add(1, c.Name)
				}
			}
		}(r.dets[w])
	}
	for i := range c.Samples {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	cr := &CategoryResult{Dataset: c.Dataset, Name: c.Name, TextCategory: textKey}
	var problems []Problem
	var recs []*detect.Record
	imgs := make([]ImageResult, len(c.Samples))
	for i, s := range c.Samples {
		o := &outs[i]
		problems = append(problems, o.problems...)
		cr.Counts.Images++
		if s.Anomalous {
			cr.Counts.Anomalous++
		} else {
			cr.Counts.Normal++
		}
		im := ImageResult{Path: s.Path, Dataset: c.Dataset, Category: c.Name, Defect: s.Defect, Anomalous: s.Anomalous}
		if c.PixelLevel && s.Anomalous && s.MaskPath == "" {
			cr.Counts.MissingMasks++
		}
		if o.err != nil {
			cr.Counts.Failed++
			im.Error = o.err.Error()
		} else {
			cr.Counts.Scored++
			im.OK, im.Cached = true, o.cached
			if o.cached {
				cr.Counts.FromCache++
			}
			recs = append(recs, o.rec)
		}
		for _, p := range o.problems {
			switch p.Kind {
			case ProblemMask:
				cr.Counts.MaskErrors++
			case ProblemMaskSize:
				cr.Counts.MaskSizeMismatch++
			}
		}
		imgs[i] = im
	}

	// image scores
	if r.cfg.Mode == detect.ModeBatch && len(recs) > 0 {
		if err := detect.ApplyBatch(recs); err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", c.Key(), err)
		}
	}
	var scores []float64
	var labels []bool
	var maps [][]float32
	var masks [][]bool
	zero := make([]bool, S*S)
	for i, s := range c.Samples {
		o := &outs[i]
		if c.PixelLevel {
			imgs[i].Pixel = "no"
		}
		if o.err != nil {
			continue
		}
		imgs[i].S0, imgs[i].S1, imgs[i].Score = o.rec.ProbAbnormal, o.rec.MapMax, o.rec.Score
		scores = append(scores, o.rec.Score)
		labels = append(labels, s.Anomalous)
		if c.PixelLevel && o.maskOK {
			m := o.mask
			if m == nil {
				m = zero
			}
			maps = append(maps, o.rec.Map)
			masks = append(masks, m)
			imgs[i].Pixel = "yes"
		}
	}
	cr.Counts.PixelImages = len(maps)

	cr.Row.Category = c.Name
	if c.ImageLevel {
		cr.ImageLevel = true
		var ir metrics.ImageResult
		if len(scores) == 0 {
			ir = naImage("no image of the category could be scored")
		} else if ir, err = metrics.EvalImage(scores, labels); err != nil {
			ir = naImage(err.Error())
		}
		cr.Row.Image = &ir
	} else {
		switch {
		case cr.Counts.Normal == 0:
			cr.ImageNA = "no normal image in the category: image-level metrics need both labels"
		case cr.Counts.Anomalous == 0:
			cr.ImageNA = "no anomalous image in the category: image-level metrics need both labels"
		default:
			cr.ImageNA = "the dataset has no image-level labels"
		}
	}
	if c.PixelLevel {
		cr.PixelLevel = true
		var pr metrics.PixelResult
		if len(maps) == 0 {
			pr = naPixel("no image with usable ground truth was scored")
		} else if pr, err = metrics.EvalPixel(maps, masks, S, S); err != nil {
			pr = naPixel(err.Error())
		}
		cr.Row.Pixel = &pr
	} else {
		cr.PixelNA = "no ground-truth masks in this dataset"
	}
	return cr, imgs, problems, nil
}

func naImage(reason string) metrics.ImageResult {
	e := errors.New(reason)
	v := metrics.Value{V: math.NaN(), Err: e}
	return metrics.ImageResult{AUROC: v, F1Max: v, AP: v}
}

func naPixel(reason string) metrics.PixelResult {
	e := errors.New(reason)
	v := metrics.Value{V: math.NaN(), Err: e}
	return metrics.PixelResult{AUROC: v, F1Max: v, AP: v, AUPRO: v}
}

// sample scores one image (from the cache when possible) and builds its
// ground truth.
func (r *runner) sample(d *detect.Detector, c *dataset.Category, s *dataset.Sample, tc *textvec.Category, S int) sampleOut {
	var o sampleOut
	prob := func(kind, format string, args ...any) {
		p := Problem{Kind: kind, Dataset: c.Dataset, Category: c.Name, Path: s.Path, Message: fmt.Sprintf(format, args...)}
		o.problems = append(o.problems, p)
		r.report(p)
	}
	st, err := os.Stat(s.Path)
	if err != nil {
		o.err = fmt.Errorf("unreadable image: %v", err)
		prob(ProblemImage, "%v; not scored", o.err)
		return o
	}
	var key string
	if r.cache != nil {
		key = cacheKey(r.cfg.ModelID, tc, r.sigma, r.cfg.CleanClassRow, s.Path, st)
		if rec, ok := r.cache.load(key, s.Path, S, r.cfg.Model.Cfg.Vision.Grid(), r.sigma); ok {
			rec.Category, rec.ModelID, rec.Sigma = tc.Name, r.cfg.ModelID, r.sigma
			if err := d.SingleScore(rec); err == nil {
				o.rec, o.cached = rec, true
			}
		}
	}
	if o.rec == nil {
		data, err := os.ReadFile(s.Path)
		if err != nil {
			o.err = fmt.Errorf("unreadable image: %v", err)
			prob(ProblemImage, "%v; not scored", o.err)
			return o
		}
		rec, err := d.Analyze(data, s.Path, tc.Name)
		if err != nil {
			o.err = err
			prob(ProblemImage, "%v; not scored", err)
			return o
		}
		o.rec = rec
		if r.cache != nil {
			if err := r.cache.store(key, s.Path, rec); err != nil {
				r.logMu.Lock()
				fmt.Fprintf(r.log, "clipad eval: cache: %v\n", err)
				r.logMu.Unlock()
			}
		}
	}
	if !c.PixelLevel {
		return o
	}
	switch {
	case !s.Anomalous:
		o.maskOK = true // all-zero ground truth
	case s.MaskPath == "":
		// reported by the dataset reader ("missing mask"); counted by the caller
	default:
		m, w, h, err := MaskTarget(*s, S, r.cfg.Limits)
		if err != nil {
			prob(ProblemMask, "mask %s: %v; image left out of the pixel metrics", s.MaskPath, err)
			return o
		}
		if w != o.rec.Width || h != o.rec.Height {
			prob(ProblemMaskSize, "mask %s is %d×%d but the image is %d×%d; resized to %d×%d anyway (as the official code does)",
				s.MaskPath, w, h, o.rec.Width, o.rec.Height, S, S)
		}
		o.mask, o.maskOK = m, true
	}
	return o
}
