package weights

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/safetensors"
)

// Tensor is a dense row-major tensor: float32 values in Data, or — for a
// weight matrix viewed as [out, in] = [Shape[0], rest] — symmetric int8
// codes in Q8 with one float32 scale per output row in Scale (Data nil).
type Tensor struct {
	Shape []int
	Data  []float32
	Q8    []int8
	Scale []float32
}

// Elems is the number of elements of the tensor's shape.
func (t Tensor) Elems() int { return safetensors.Elems(t.Shape) }

// Float32 returns the values as float32: Data itself, or for an int8
// tensor a new slice with code·scale of its row.
func (t Tensor) Float32() []float32 {
	if t.Q8 == nil {
		return t.Data
	}
	rows := len(t.Scale)
	if rows == 0 {
		return nil
	}
	cols := len(t.Q8) / rows
	f := make([]float32, len(t.Q8))
	for r, s := range t.Scale {
		for i, q := range t.Q8[r*cols : (r+1)*cols] {
			f[r*cols+i] = float32(q) * s
		}
	}
	return f
}

// Set maps open_clip state-dict names to tensors.
type Set map[string]Tensor

// Tower selects which part of the model to check or load.
type Tower int

const (
	VisionTower Tower = 1 << iota
	TextTower
	BothTowers = VisionTower | TextTower
)

// Spec is one required tensor.
type Spec struct {
	Name  string
	Shape []int
}

func shapeString(s []int) string {
	p := make([]string, len(s))
	for i, d := range s {
		p[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(p, ",") + "]"
}

func blockSpecs(prefix string, layers, w, mlp int) []Spec {
	var s []Spec
	for i := 0; i < layers; i++ {
		p := fmt.Sprintf("%stransformer.resblocks.%d.", prefix, i)
		s = append(s,
			Spec{p + "ln_1.weight", []int{w}}, Spec{p + "ln_1.bias", []int{w}},
			Spec{p + "attn.in_proj_weight", []int{3 * w, w}}, Spec{p + "attn.in_proj_bias", []int{3 * w}},
			Spec{p + "attn.out_proj.weight", []int{w, w}}, Spec{p + "attn.out_proj.bias", []int{w}},
			Spec{p + "ln_2.weight", []int{w}}, Spec{p + "ln_2.bias", []int{w}},
			Spec{p + "mlp.c_fc.weight", []int{mlp, w}}, Spec{p + "mlp.c_fc.bias", []int{mlp}},
			Spec{p + "mlp.c_proj.weight", []int{w, mlp}}, Spec{p + "mlp.c_proj.bias", []int{w}},
		)
	}
	return s
}

// Expected lists the tensors a config needs, in a stable order
// (open_clip state-dict order).
func Expected(c config.Config, towers Tower) []Spec {
	var s []Spec
	if towers&VisionTower != 0 {
		v := c.Vision
		W := v.Width
		s = append(s,
			Spec{"visual.class_embedding", []int{W}},
			Spec{"visual.positional_embedding", []int{v.Tokens(), W}},
			Spec{"visual.proj", []int{W, c.EmbedDim}},
			Spec{"visual.conv1.weight", []int{W, 3, v.Patch, v.Patch}},
			Spec{"visual.ln_pre.weight", []int{W}}, Spec{"visual.ln_pre.bias", []int{W}},
		)
		s = append(s, blockSpecs("visual.", v.Layers, W, v.MLPWidth)...)
		s = append(s, Spec{"visual.ln_post.weight", []int{W}}, Spec{"visual.ln_post.bias", []int{W}})
	}
	if towers&TextTower != 0 {
		t := c.Text
		s = append(s,
			Spec{"positional_embedding", []int{t.Context, t.Width}},
			Spec{"text_projection", []int{t.Width, c.EmbedDim}},
			Spec{"token_embedding.weight", []int{t.Vocab, t.Width}},
		)
		s = append(s, blockSpecs("", t.Layers, t.Width, 4*t.Width)...)
		s = append(s, Spec{"ln_final.weight", []int{t.Width}}, Spec{"ln_final.bias", []int{t.Width}})
	}
	return s
}

// Check verifies that every tensor the config needs is present with the
// right shape and a consistent data length.
func (s Set) Check(c config.Config, towers Tower) error {
	for _, sp := range Expected(c, towers) {
		t, ok := s[sp.Name]
		if !ok {
			return fmt.Errorf("weights for %s: tensor %q is missing (expected shape %s)", c.Name, sp.Name, shapeString(sp.Shape))
		}
		if !slices.Equal(t.Shape, sp.Shape) {
			return fmt.Errorf("weights for %s: tensor %q has shape %s, expected %s (weights made for another config?)", c.Name, sp.Name, shapeString(t.Shape), shapeString(sp.Shape))
		}
		if t.Q8 != nil {
			if len(t.Q8) != t.Elems() || len(t.Shape) < 2 || len(t.Scale) != t.Shape[0] {
				return fmt.Errorf("weights for %s: int8 tensor %q holds %d codes and %d scales, its shape %s needs %d and %d", c.Name, sp.Name, len(t.Q8), len(t.Scale), shapeString(t.Shape), t.Elems(), t.Shape[0])
			}
		} else if len(t.Data) != t.Elems() {
			return fmt.Errorf("weights for %s: tensor %q holds %d values, its shape %s needs %d", c.Name, sp.Name, len(t.Data), shapeString(t.Shape), t.Elems())
		}
	}
	return nil
}

// CheckInfos verifies names, shapes and dtypes of a safetensors file
// against the config without reading any tensor data.
func CheckInfos(f *safetensors.File, c config.Config, towers Tower) error {
	for _, sp := range Expected(c, towers) {
		info, ok := f.Info(sp.Name)
		if !ok {
			return fmt.Errorf("weights for %s: tensor %q is missing (expected shape %s)", c.Name, sp.Name, shapeString(sp.Shape))
		}
		switch info.DType {
		case "F32", "F16", "BF16", "F64":
		default:
			return fmt.Errorf("weights for %s: tensor %q has dtype %s, expected a float type (F32, F16, BF16)", c.Name, sp.Name, info.DType)
		}
		if !slices.Equal(info.Shape, sp.Shape) {
			return fmt.Errorf("weights for %s: tensor %q has shape %s, expected %s (weights made for another config?)", c.Name, sp.Name, shapeString(info.Shape), shapeString(sp.Shape))
		}
	}
	return nil
}

// LoadSafetensors opens path, checks it against the config and reads the
// tensors of the requested towers (extra tensors such as logit_scale are
// ignored).
func LoadSafetensors(path string, c config.Config, towers Tower) (Set, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := CheckInfos(f, c, towers); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := Set{}
	for _, sp := range Expected(c, towers) {
		d, err := f.Float32(sp.Name)
		if err != nil {
			return nil, err
		}
		s[sp.Name] = Tensor{Shape: sp.Shape, Data: d}
	}
	return s, nil
}

// Tensors returns the set as a name-sorted list for writing.
func (s Set) Tensors() []safetensors.Tensor {
	names := make([]string, 0, len(s))
	for k := range s {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]safetensors.Tensor, len(names))
	for i, n := range names {
		out[i] = safetensors.Tensor{Name: n, Shape: s[n].Shape, Data: s[n].Data}
	}
	return out
}

// ModelID names a model by architecture and weights: the config name and
// the first 16 hex digits of a SHA-256 over every required tensor (both
// towers: name, shape and float32 little-endian values, in Expected order).
// It is independent of the file layout, so the same weights saved by
// different writers get the same id. Text vectors and bundles are keyed by
// it.
func (s Set) ModelID(c config.Config) string {
	h := sha256.New()
	var buf []byte
	for _, sp := range Expected(c, BothTowers) {
		t, ok := s[sp.Name]
		if !ok {
			continue
		}
		fmt.Fprintf(h, "%s%v;", sp.Name, t.Shape)
		buf = buf[:0]
		for _, v := range t.Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
		h.Write(buf)
	}
	return fmt.Sprintf("%s-%x", c.Name, h.Sum(nil)[:8])
}

// FileModelID computes the same id as Set.ModelID straight from a
// safetensors file, reading one tensor at a time (so the text tower is
// hashed without being kept in memory).
func FileModelID(path string, c config.Config) (string, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	var buf []byte
	for _, sp := range Expected(c, BothTowers) {
		info, ok := f.Info(sp.Name)
		if !ok {
			continue
		}
		d, err := f.Float32(sp.Name)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s%v;", sp.Name, info.Shape)
		buf = buf[:0]
		for _, v := range d {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
		h.Write(buf)
	}
	return fmt.Sprintf("%s-%x", c.Name, h.Sum(nil)[:8]), nil
}
