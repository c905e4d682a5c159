//go:build !js

package train

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/clipad/clipad/model/anomaly"
	"github.com/clipad/clipad/model/dataset"
	"github.com/clipad/clipad/model/evalrun"
	"github.com/clipad/clipad/model/imageio"
	"github.com/clipad/clipad/model/preprocess"
	"github.com/clipad/clipad/model/safetensors"
	"github.com/clipad/clipad/model/sdpplus"
	"github.com/clipad/clipad/model/textvec"
	"github.com/clipad/clipad/model/vision"
)

// cacheVersion changes whenever what a cache file holds changes.
const cacheVersion = "clipad.sdpplus.cache/1"

// Item is what the feature cache holds for one image: everything training
// and validation need, so the frozen CLIP forward runs once per image.
type Item struct {
	// Orig[k] is stage k's raw original-path patch tokens O_k[1:] (P×W).
	Orig [sdpplus.Stages][]float32
	// SDP is the raw SDP patch map (grid×grid, unsmoothed) for the
	// category's text vectors, S0 the CLIP abnormal probability.
	SDP []float32
	S0  float64
	// Mask is the S×S 0/1 ground truth; nil when the image has none (a
	// normal image, or no pixel ground truth).
	Mask []uint8
}

// Entry is one cached image.
type Entry struct {
	File      string // cache file
	Image     string // source image
	Dataset   string
	Category  string // dataset category name
	Text      *textvec.Category
	Anomalous bool
	// Pixel says the image has pixel ground truth (its category is
	// pixel-level and, if anomalous, its mask was read).
	Pixel bool
	// ImageLevel and PixelLevel are the category's flags (dataset.Category).
	ImageLevel, PixelLevel bool
	Cached                 bool // found in the cache (not computed)
}

// Key is dataset/category.
func (e *Entry) Key() string { return e.Dataset + "/" + e.Category }

// Cache computes and stores per-image features for one model.
type Cache struct {
	Dir     string
	Model   *vision.Model
	ModelID string
	Clean   bool // vision.Options.CleanClassRow
	Limits  imageio.Limits
	print   string
}

func fileStamp(p string) string {
	st, err := os.Stat(p)
	if err != nil {
		return p + "|missing"
	}
	return fmt.Sprintf("%s|%d|%d", p, st.Size(), st.ModTime().UnixNano())
}

// weightsPrint fingerprints the loaded weights beyond the model id: the
// same model as f32, int8 or int4 (requantized) gives different features.
func weightsPrint(m *vision.Model) string {
	h := sha256.New()
	var b [4]byte
	f32 := func(v []float32) {
		for _, x := range v {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
			h.Write(b[:])
		}
	}
	for _, blk := range []*vision.Block{&m.Blocks[0], &m.Blocks[len(m.Blocks)-1]} {
		for _, l := range []*vision.Linear{&blk.QKV, &blk.FC} {
			f32(l.W)
			f32(l.QScale)
			for _, q := range l.Q {
				h.Write([]byte{byte(q)})
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func (c *Cache) key(s *dataset.Sample, tc *textvec.Category) string {
	if c.print == "" {
		c.print = weightsPrint(c.Model)
	}
	h := sha256.New()
	abs, _ := filepath.Abs(s.Path)
	fmt.Fprintf(h, "%s\n%s\n%s\n%s\n%v\n%s\n", cacheVersion, c.ModelID, c.print, c.Model.Cfg.Name, c.Clean, fileStamp(abs))
	if s.MaskPath != "" {
		mabs, _ := filepath.Abs(s.MaskPath)
		fmt.Fprintf(h, "%s|%d|%v|%v\n", fileStamp(mabs), s.MaskThreshold, s.MaskPrebinarize, s.MaskFirstChannel)
	}
	var b [4]byte
	for _, v := range append(append([]float32(nil), tc.Normal...), tc.Abnormal...) {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Entry resolves a sample to its cache entry, computing and writing the
// cache file if it is missing or stale. pixel is whether the sample's
// category has pixel ground truth.
func (c *Cache) Entry(s *dataset.Sample, cat *dataset.Category, tc *textvec.Category) (*Entry, error) {
	k := c.key(s, tc)
	e := &Entry{File: filepath.Join(c.Dir, k[:40]+".safetensors"), Image: s.Path, Dataset: s.Dataset, Category: s.Category,
		Text: tc, Anomalous: s.Anomalous, ImageLevel: cat.ImageLevel, PixelLevel: cat.PixelLevel}
	e.Pixel = cat.PixelLevel && s.HasMask && (!s.Anomalous || s.MaskPath != "")
	if f, err := safetensors.Open(e.File); err == nil {
		ok := f.Metadata["key"] == k
		f.Close()
		if ok {
			e.Cached = true
			return e, nil
		}
	}
	it, err := c.compute(s, e, tc)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil, err
	}
	v := c.Model.Cfg.Vision
	P, W := v.Grid()*v.Grid(), v.Width
	orig := make([]float32, 0, sdpplus.Stages*P*W)
	for k := range sdpplus.Stages {
		orig = append(orig, it.Orig[k]...)
	}
	ts := []safetensors.Tensor{
		{Name: "orig", Shape: []int{sdpplus.Stages, P, W}, Data: orig},
		{Name: "sdp", Shape: []int{P}, Data: it.SDP},
	}
	if it.Mask != nil {
		m := make([]float32, len(it.Mask))
		for i, x := range it.Mask {
			m[i] = float32(x)
		}
		ts = append(ts, safetensors.Tensor{Name: "mask", Shape: []int{v.ImageSize, v.ImageSize}, Data: m})
	}
	md := map[string]string{"key": k, "image": s.Path, "category": s.Dataset + "/" + s.Category,
		"anomalous": strconv.FormatBool(s.Anomalous), "s0": strconv.FormatFloat(it.S0, 'g', -1, 64)}
	tmp := e.File + ".tmp"
	if err := safetensors.WriteFile(tmp, ts, md); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	return e, os.Rename(tmp, e.File)
}

// compute runs the frozen forward for one image.
func (c *Cache) compute(s *dataset.Sample, e *Entry, tc *textvec.Category) (*Item, error) {
	cfg := c.Model.Cfg
	v := cfg.Vision
	data, err := os.ReadFile(s.Path)
	if err != nil {
		return nil, err
	}
	lim := c.Limits
	if lim == (imageio.Limits{}) {
		lim = imageio.DefaultLimits()
	}
	img, err := imageio.Decode(data, s.Path, lim)
	if err != nil {
		return nil, err
	}
	x, err := preprocess.CLIPInput(img, v.ImageSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Path, err)
	}
	out, err := c.Model.Forward(x, vision.Options{CleanClassRow: c.Clean}, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Path, err)
	}
	it := &Item{}
	W := v.Width
	for k := range sdpplus.Stages {
		it.Orig[k] = out.Original[k][W:]
	}
	raw, _, err := anomaly.SDPMap(out.Features[:], tc.Normal, tc.Abnormal, v.Grid(), v.ImageSize, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Path, err)
	}
	it.SDP = raw
	if it.S0, err = anomaly.ProbAbnormal(out.Features[3][:cfg.EmbedDim], tc.Normal, tc.Abnormal); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Path, err)
	}
	if e.Pixel && s.Anomalous {
		m, _, _, err := evalrun.MaskTarget(*s, v.ImageSize, lim)
		if err != nil {
			return nil, fmt.Errorf("mask of %s: %w", s.Path, err)
		}
		it.Mask = make([]uint8, len(m))
		for i, b := range m {
			if b {
				it.Mask[i] = 1
			}
		}
	}
	return it, nil
}

// Load reads a cached item.
func (c *Cache) Load(e *Entry) (*Item, error) {
	f, err := safetensors.Open(e.File)
	if err != nil {
		return nil, fmt.Errorf("feature cache: %w", err)
	}
	defer f.Close()
	v := c.Model.Cfg.Vision
	P, W, S := v.Grid()*v.Grid(), v.Width, v.ImageSize
	get := func(name string, n int) ([]float32, error) {
		x, err := f.Float32(name)
		if err != nil {
			return nil, fmt.Errorf("feature cache %s: %w (delete the cache folder to rebuild it)", e.File, err)
		}
		if len(x) != n {
			return nil, fmt.Errorf("feature cache %s: %s has %d values, want %d (delete the cache folder to rebuild it)", e.File, name, len(x), n)
		}
		return x, nil
	}
	it := &Item{}
	orig, err := get("orig", sdpplus.Stages*P*W)
	if err != nil {
		return nil, err
	}
	for k := range sdpplus.Stages {
		it.Orig[k] = orig[k*P*W : (k+1)*P*W]
	}
	if it.SDP, err = get("sdp", P); err != nil {
		return nil, err
	}
	if it.S0, err = strconv.ParseFloat(f.Metadata["s0"], 64); err != nil {
		return nil, fmt.Errorf("feature cache %s: bad s0 (delete the cache folder to rebuild it)", e.File)
	}
	if _, ok := f.Info("mask"); ok {
		m, err := get("mask", S*S)
		if err != nil {
			return nil, err
		}
		it.Mask = make([]uint8, len(m))
		for i, x := range m {
			if x != 0 {
				it.Mask[i] = 1
			}
		}
	}
	return it, nil
}

// TrainData serves cached entries as training samples (masks of normal
// images are all zero).
type TrainData struct {
	Cache   *Cache
	Entries []*Entry
}

// Len is the number of samples.
func (d *TrainData) Len() int { return len(d.Entries) }

// Sample loads sample i.
func (d *TrainData) Sample(i int) (*Sample, error) {
	e := d.Entries[i]
	it, err := d.Cache.Load(e)
	if err != nil {
		return nil, err
	}
	S := d.Cache.Model.Cfg.Vision.ImageSize
	m := it.Mask
	if m == nil {
		m = make([]uint8, S*S)
	}
	return &Sample{Tokens: it.Orig, Mask: m, Normal: e.Text.Normal, Abnormal: e.Text.Abnormal}, nil
}
