package dump

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
)

// Entry describes one tensor in a dump.
type Entry struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
	File  string `json:"file"`
}

// Index is the dump's index.json.
type Index struct {
	Tensors []Entry        `json:"tensors"`
	Meta    map[string]any `json:"meta,omitempty"`
}

// Writer writes a dump directory.
type Writer struct {
	dir string
	idx Index
}

// Create makes (or reuses) dir for a new dump.
func Create(dir string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &Writer{dir: dir, idx: Index{Meta: map[string]any{}}}, nil
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func (w *Writer) add(name, dtype string, shape []int, raw []byte) error {
	if !safeName.MatchString(name) {
		return fmt.Errorf("dump: bad tensor name %q", name)
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n*4 != len(raw) {
		return fmt.Errorf("dump: %s: shape %v needs %d values, got %d", name, shape, n, len(raw)/4)
	}
	file := name + ".bin"
	if err := os.WriteFile(filepath.Join(w.dir, file), raw, 0o644); err != nil {
		return err
	}
	w.idx.Tensors = append(w.idx.Tensors, Entry{Name: name, DType: dtype, Shape: shape, File: file})
	return nil
}

// Float32 adds a float32 tensor.
func (w *Writer) Float32(name string, shape []int, data []float32) error {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return w.add(name, "float32", shape, raw)
}

// Int32 adds an int32 tensor.
func (w *Writer) Int32(name string, shape []int, data []int32) error {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], uint32(v))
	}
	return w.add(name, "int32", shape, raw)
}

// Meta records a value in the index's meta object.
func (w *Writer) Meta(key string, v any) { w.idx.Meta[key] = v }

// Close writes index.json.
func (w *Writer) Close() error {
	b, err := json.MarshalIndent(w.idx, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(w.dir, "index.json"), b, 0o644)
}

// Tensor is a tensor read back from a dump (Float for float32, Int for int32).
type Tensor struct {
	Shape []int
	Float []float32
	Int   []int32
}

// Read loads a whole dump directory.
func Read(dir string) (map[string]Tensor, Index, error) {
	var idx Index
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		return nil, idx, err
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, idx, fmt.Errorf("dump %s: corrupt index.json: %v", dir, err)
	}
	out := map[string]Tensor{}
	for _, e := range idx.Tensors {
		if !safeName.MatchString(e.File) {
			return nil, idx, fmt.Errorf("dump %s: bad file name %q", dir, e.File)
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.File))
		if err != nil {
			return nil, idx, err
		}
		n := 1
		for _, d := range e.Shape {
			n *= d
		}
		if len(raw) != 4*n {
			return nil, idx, fmt.Errorf("dump %s: %s has %d bytes, shape %v needs %d", dir, e.Name, len(raw), e.Shape, 4*n)
		}
		t := Tensor{Shape: e.Shape}
		switch e.DType {
		case "float32":
			t.Float = make([]float32, n)
			for i := range t.Float {
				t.Float[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		case "int32":
			t.Int = make([]int32, n)
			for i := range t.Int {
				t.Int[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		default:
			return nil, idx, fmt.Errorf("dump %s: %s: unsupported dtype %q", dir, e.Name, e.DType)
		}
		out[e.Name] = t
	}
	return out, idx, nil
}
