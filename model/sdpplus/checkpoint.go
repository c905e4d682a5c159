package sdpplus

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/clipad/clipad/model/safetensors"
)

// Checkpoint format identity (safetensors metadata "format"/"version").
const (
	Format  = "clipad.sdpplus"
	Version = 1
)

// Tensor names inside a checkpoint (and, with BundlePrefix, in a bundle).
func WeightName(k int) string { return fmt.Sprintf("fc.%d.weight", k) }

// BiasName is the name of stage k's bias.
func BiasName(k int) string { return fmt.Sprintf("fc.%d.bias", k) }

// Tensors returns the head's tensors in checkpoint order, named with
// prefix (e.g. "" or BundlePrefix).
func (h *Head) Tensors(prefix string) []safetensors.Tensor {
	var ts []safetensors.Tensor
	for k := range Stages {
		ts = append(ts,
			safetensors.Tensor{Name: prefix + WeightName(k), Shape: []int{h.Embed, h.Width}, Data: h.Weight[k]},
			safetensors.Tensor{Name: prefix + BiasName(k), Shape: []int{h.Embed}, Data: h.Bias[k]})
	}
	return ts
}

// MetaMap is the metadata of a checkpoint (string values).
func (h *Head) MetaMap() map[string]string {
	m := map[string]string{
		"format":  Format,
		"version": strconv.Itoa(Version),
		"width":   strconv.Itoa(h.Width),
		"embed":   strconv.Itoa(h.Embed),
	}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set("model_id", h.Meta.ModelID)
	set("config", h.Meta.Config)
	set("train_data", h.Meta.TrainData)
	set("target_data", h.Meta.TargetData)
	set("source", h.Meta.Source)
	if h.Meta.Epoch > 0 {
		m["epoch"] = strconv.Itoa(h.Meta.Epoch)
	}
	if h.Meta.Sigma > 0 {
		m["sigma"] = strconv.FormatFloat(h.Meta.Sigma, 'g', -1, 64)
	}
	return m
}

// ParseMeta reads Meta from checkpoint metadata; a "format" other than
// Format or a newer "version" is an error, absent ones are accepted.
func ParseMeta(md map[string]string) (Meta, error) {
	if f, ok := md["format"]; ok && f != Format {
		return Meta{}, fmt.Errorf("%w: checkpoint format is %q, not %q", ErrHead, f, Format)
	}
	if v, ok := md["version"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return Meta{}, fmt.Errorf("%w: bad checkpoint version %q", ErrHead, v)
		}
		if n > Version {
			return Meta{}, fmt.Errorf("%w: checkpoint version %d is newer than this build supports (%d): update clipad", ErrHead, n, Version)
		}
	}
	m := Meta{ModelID: md["model_id"], Config: md["config"], TrainData: md["train_data"],
		TargetData: md["target_data"], Source: md["source"]}
	if v := md["epoch"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return Meta{}, fmt.Errorf("%w: bad epoch %q in checkpoint metadata", ErrHead, v)
		}
		m.Epoch = n
	}
	if v := md["sigma"]; v != "" {
		s, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(s) || math.IsInf(s, 0) || s < 0 {
			return Meta{}, fmt.Errorf("%w: bad sigma %q in checkpoint metadata", ErrHead, v)
		}
		m.Sigma = s
	}
	return m, nil
}

// Write writes the head as a safetensors checkpoint.
func (h *Head) Write(w io.Writer) error {
	if err := h.Check(); err != nil {
		return err
	}
	return safetensors.Write(w, h.Tensors(""), h.MetaMap())
}

// Save writes the head to path (via a temporary file renamed into place,
// so an interrupted save never leaves a truncated checkpoint).
func (h *Head) Save(path string) error {
	if err := h.Check(); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := safetensors.WriteFile(tmp, h.Tensors(""), h.MetaMap()); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// tensorSource abstracts a safetensors file for FromTensors.
type tensorSource interface {
	Info(name string) (safetensors.Info, bool)
	Float32(name string) ([]float32, error)
}

// fromTensors reads fc.{k}.weight/bias named with prefix.
func fromTensors(f tensorSource, prefix string) (*Head, error) {
	var h *Head
	for k := range Stages {
		wi, ok := f.Info(prefix + WeightName(k))
		if !ok {
			return nil, fmt.Errorf("%w: tensor %s%s is missing (not an SDP+ checkpoint?)", ErrHead, prefix, WeightName(k))
		}
		bi, ok := f.Info(prefix + BiasName(k))
		if !ok {
			return nil, fmt.Errorf("%w: tensor %s%s is missing", ErrHead, prefix, BiasName(k))
		}
		if len(wi.Shape) != 2 || wi.Shape[0] < 1 || wi.Shape[1] < 1 || wi.Shape[0] > maxDim || wi.Shape[1] > maxDim {
			return nil, fmt.Errorf("%w: %s%s has shape %v, want [E,W]", ErrHead, prefix, WeightName(k), wi.Shape)
		}
		if h == nil {
			h = &Head{Embed: wi.Shape[0], Width: wi.Shape[1]}
		}
		if wi.Shape[0] != h.Embed || wi.Shape[1] != h.Width {
			return nil, fmt.Errorf("%w: %s%s has shape %v, stage 1 has [%d,%d]", ErrHead, prefix, WeightName(k), wi.Shape, h.Embed, h.Width)
		}
		if len(bi.Shape) != 1 || bi.Shape[0] != h.Embed {
			return nil, fmt.Errorf("%w: %s%s has shape %v, want [%d]", ErrHead, prefix, BiasName(k), bi.Shape, h.Embed)
		}
		var err error
		if h.Weight[k], err = f.Float32(prefix + WeightName(k)); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrHead, err)
		}
		if h.Bias[k], err = f.Float32(prefix + BiasName(k)); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrHead, err)
		}
	}
	return h, h.Check()
}

// Read parses a safetensors checkpoint image of the given size.
func Read(r io.ReaderAt, size int64, name string) (*Head, error) {
	f, err := safetensors.NewReader(r, size, name)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrHead, err)
	}
	meta, err := ParseMeta(f.Metadata)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	h, err := fromTensors(f, "")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	h.Meta = meta
	return h, nil
}

// Parse reads a checkpoint from memory: a clipad SDP+ safetensors file or
// an official PyTorch checkpoint (zip-format .pth, see ImportPTH), told
// apart by their first bytes.
func Parse(data []byte, name string) (*Head, error) {
	if IsPTH(data) {
		return ImportPTH(data, name)
	}
	if _, err := safetensors.NewReader(bytes.NewReader(data), int64(len(data)), name); err != nil {
		if len(data) > 1 && data[0] == 0x80 && data[1] >= 2 && data[1] <= 5 {
			return ImportPTH(data, name) // says: a bare pickle
		}
		return nil, fmt.Errorf("%w: %s is not an SDP+ checkpoint: neither clipad's safetensors format (%v) nor a PyTorch checkpoint (zip-format torch.save)", ErrHead, name, err)
	}
	return Read(bytes.NewReader(data), int64(len(data)), name)
}

// maxCheckpoint bounds the file size Load reads (the real head is 9.2 MB).
const maxCheckpoint = 1 << 30

// Load reads a checkpoint file (safetensors or .pth, see Parse).
func Load(path string) (*Head, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not an SDP+ checkpoint", path)
	}
	if st.Size() > maxCheckpoint {
		return nil, fmt.Errorf("%s: %d bytes is too large for an SDP+ checkpoint", path, st.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}
