package detect

import (
	"fmt"
	"image"
	"sync"
	"time"

	"github.com/clipad/clipad/model/anomaly"
	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/dicom"
	"github.com/clipad/clipad/model/imageio"
	"github.com/clipad/clipad/model/preprocess"
	"github.com/clipad/clipad/model/sdpplus"
	"github.com/clipad/clipad/model/textvec"
	"github.com/clipad/clipad/model/vision"
)

// DefaultSigma is the Gaussian σ of the official SDP runs (spec §4.3).
const DefaultSigma = 8

// Options of a detector.
type Options struct {
	Sigma         float64 // Gaussian σ in model pixels; 0 means DefaultSigma, < 0 disables smoothing
	CleanClassRow bool    // see vision.Options
	Limits        imageio.Limits
	// SDPPlus, when set, adds the SDP+ linear-layer maps (spec §5.3): the
	// smoothed map becomes Gaussian_σ(SDP map + Σ_k P_k[abnormal]). σ stays
	// Sigma (the official runs use 8, and 2 on VisA: sdpplus.VisASigma).
	SDPPlus *sdpplus.Head
}

// Detector runs CLIP-AD on images with one model and one text-vector asset.
// It is safe for concurrent use (forwards are serialised per detector; run
// one detector per core for parallelism — they can share the Model).
type Detector struct {
	Cfg     config.Config
	Model   *vision.Model
	Text    *textvec.Asset
	ModelID string
	Opt     Options

	mu sync.Mutex
	ws vision.Workspace
}

// New checks that the text vectors were made for this model.
func New(m *vision.Model, modelID string, text *textvec.Asset, opt Options) (*Detector, error) {
	if err := text.CheckModel(modelID); err != nil {
		return nil, err
	}
	if text.EmbedDim != m.Cfg.EmbedDim {
		return nil, fmt.Errorf("text vectors are %d-d, the model embeds in %d-d", text.EmbedDim, m.Cfg.EmbedDim)
	}
	if opt.SDPPlus != nil {
		if err := opt.SDPPlus.CheckModel(m.Cfg, modelID); err != nil {
			return nil, err
		}
	}
	if opt.Sigma == 0 {
		opt.Sigma = DefaultSigma
	}
	if opt.Limits == (imageio.Limits{}) {
		opt.Limits = imageio.DefaultLimits()
	}
	return &Detector{Cfg: m.Cfg, Model: m, Text: text, ModelID: modelID, Opt: opt}, nil
}

// Record is the machine-readable result for one image.
type Record struct {
	Name     string `json:"name"`
	Category string `json:"category"`
	Width    int    `json:"width"`  // original image size
	Height   int    `json:"height"` //
	Grid     int    `json:"grid"`
	Size     int    `json:"size"` // model input size; Map is Size×Size
	// PatchMap is the raw G×G SDP map (sum of the four stages' feature
	// surgery, class token dropped) before any upsampling, row-major.
	PatchMap []float32 `json:"patch_map"`
	// ProbAbnormal (s0) is the CLIP abnormal probability of the final class
	// token at logit scale 100.
	ProbAbnormal float64 `json:"prob_abnormal"`
	// MapMax (s1) is the maximum of the smoothed Size×Size map; MapMin its
	// minimum (the raw-map PNGs are scaled from MapMin..MapMax).
	MapMax float64 `json:"map_max"`
	MapMin float64 `json:"map_min"`
	// Score is the final image score in ScoreMode ("batch" or "single").
	Score     float64 `json:"score"`
	ScoreMode string  `json:"score_mode"`
	Sigma     float64 `json:"sigma"`
	SDPPlus   bool    `json:"sdp_plus,omitempty"` // Map includes the SDP+ layers (PatchMap stays the SDP map)
	ModelID   string  `json:"model_id"`
	Millis    int64   `json:"ms"`
	Error     string  `json:"error,omitempty"`
	// Map is the smoothed Size×Size pixel map (not in JSON; written as PNGs).
	Map []float32 `json:"-"`
}

// Analyze decodes and scores one encoded image: PNG or JPEG (decoded as
// Pillow does), or TIFF; 16-bit grey images are windowed to 8 bits by their
// min–max range instead of being truncated (imageio.DecodeWindowed).
//
// A single-frame DICOM file is read too (its own window, else min–max);
// multi-frame files need one record per frame (dicom.Each, as clipad
// detect does) and are refused here.
func (d *Detector) Analyze(data []byte, name, category string) (*Record, error) {
	if dicom.IsDICOM(data) {
		f, err := dicom.Open(data, name, dicom.Limits{})
		if err != nil {
			return nil, err
		}
		if f.Frames != 1 {
			return nil, fmt.Errorf("%s: a DICOM file with %d frames needs one record per frame: use clipad detect", name, f.Frames)
		}
		img, _, _, err := f.Render(1, imageio.Window{})
		if err != nil {
			return nil, err
		}
		return d.AnalyzeImage(img, name, category)
	}
	img, _, err := imageio.DecodeWindowed(data, name, d.Opt.Limits, imageio.Window{})
	if err != nil {
		return nil, err
	}
	return d.AnalyzeImage(img, name, category)
}

// AnalyzeImage scores a decoded image.
func (d *Detector) AnalyzeImage(img image.Image, name, category string) (*Record, error) {
	b := img.Bounds()
	x, err := preprocess.CLIPInput(img, d.Cfg.Vision.ImageSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	r, err := d.AnalyzeInput(x, name, category)
	if err != nil {
		return nil, err
	}
	r.Width, r.Height = b.Dx(), b.Dy()
	return r, nil
}

// AnalyzeInput scores an already preprocessed CHW input.
func (d *Detector) AnalyzeInput(x []float32, name, category string) (*Record, error) {
	cat, err := d.Text.Get(category)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	d.mu.Lock()
	// without SDP+ nothing reads the original path's patch rows
	opt := vision.Options{CleanClassRow: d.Opt.CleanClassRow, ClassRowsOnly: d.Opt.SDPPlus == nil}
	out, err := d.Model.Forward(x, opt, &d.ws)
	d.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return d.score(out, cat, name, t0)
}

// ScoreOutput scores a forward's output computed elsewhere (for example to
// compare models on the same features).
func (d *Detector) ScoreOutput(out *vision.Output, name, category string) (*Record, error) {
	cat, err := d.Text.Get(category)
	if err != nil {
		return nil, err
	}
	return d.score(out, cat, name, time.Now())
}

func (d *Detector) score(out *vision.Output, cat *textvec.Category, name string, t0 time.Time) (*Record, error) {
	v := d.Cfg.Vision
	stages := out.Features[:]
	sigma := max(d.Opt.Sigma, 0)
	sdpSigma := sigma
	if d.Opt.SDPPlus != nil {
		sdpSigma = 0 // §5.3 smooths the sum, not the SDP map alone
	}
	raw, smooth, err := anomaly.SDPMap(stages, cat.Normal, cat.Abnormal, v.Grid(), v.ImageSize, sdpSigma)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if d.Opt.SDPPlus != nil {
		plus, err := d.Opt.SDPPlus.Map(out.Original, v.Grid(), v.ImageSize, cat.Normal, cat.Abnormal)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if smooth, err = sdpplus.Combine(raw, plus, v.Grid(), v.ImageSize, sigma); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	E := d.Cfg.EmbedDim
	s0, err := anomaly.ProbAbnormal(out.Features[3][:E], cat.Normal, cat.Abnormal)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s1, err := anomaly.MaxValue(smooth)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s1min := s1
	for _, x := range smooth {
		s1min = min(s1min, float64(x))
	}
	r := &Record{Name: name, Category: cat.Name, Width: v.ImageSize, Height: v.ImageSize, Grid: v.Grid(), Size: v.ImageSize,
		PatchMap: raw, Map: smooth, ProbAbnormal: s0, MapMax: s1, MapMin: s1min, Sigma: d.Opt.Sigma, ModelID: d.ModelID,
		SDPPlus: d.Opt.SDPPlus != nil,
		Millis:  time.Since(t0).Milliseconds()}
	if err := d.SingleScore(r); err != nil {
		return nil, err
	}
	return r, nil
}
