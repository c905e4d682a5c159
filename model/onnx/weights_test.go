package onnx

import (
	"encoding/binary"
	"math"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/weights"
)

func randomSet(t *testing.T, cfg config.Config, towers weights.Tower) weights.Set {
	t.Helper()
	r := rand.New(rand.NewSource(7))
	s := weights.Set{}
	for _, sp := range weights.Expected(cfg, towers) {
		n := 1
		for _, d := range sp.Shape {
			n *= d
		}
		d := make([]float32, n)
		for i := range d {
			d[i] = float32(r.NormFloat64())
		}
		s[sp.Name] = weights.Tensor{Shape: sp.Shape, Data: d}
	}
	return s
}

// modelOf stores the set as initializers, alternating float_data and
// raw_data, plus one unrelated initializer.
func modelOf(s weights.Set, cfg config.Config, towers weights.Tower) *Model {
	g := &Graph{Name: "w"}
	for i, sp := range weights.Expected(cfg, towers) {
		w := s[sp.Name]
		if i%2 == 0 {
			g.Initializer = append(g.Initializer, FloatTensor(sp.Name, w.Shape, w.Data))
		} else {
			g.Initializer = append(g.Initializer, RawFloatTensor(sp.Name, w.Shape, w.Data))
		}
	}
	g.Initializer = append(g.Initializer, Int64Tensor("shape_const", []int{2}, []int64{0, -1}))
	return &Model{IRVersion: 8, OpsetImport: []OperatorSetID{{Version: 17}}, Graph: g}
}

func TestReadWeightsRoundTrip(t *testing.T) {
	cfg, _ := config.Named("test-tiny")
	for _, towers := range []weights.Tower{weights.VisionTower, weights.TextTower, weights.BothTowers} {
		s := randomSet(t, cfg, towers)
		p := filepath.Join(t.TempDir(), "w.onnx")
		if err := WriteFile(p, modelOf(s, cfg, towers)); err != nil {
			t.Fatal(err)
		}
		got, err := ReadWeights(p, cfg, towers)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(weights.Expected(cfg, towers)) {
			t.Fatalf("got %d tensors, want %d", len(got), len(weights.Expected(cfg, towers)))
		}
		for name, w := range s {
			g := got[name]
			for i := range w.Data {
				if math.Float32bits(g.Data[i]) != math.Float32bits(w.Data[i]) {
					t.Fatalf("%s[%d]: %v != %v", name, i, g.Data[i], w.Data[i])
				}
			}
		}
	}
}

func TestReadWeightsFloat16(t *testing.T) {
	cfg, _ := config.Named("test-tiny")
	s := randomSet(t, cfg, weights.VisionTower)
	m := modelOf(s, cfg, weights.VisionTower)
	// Replace one tensor by a FLOAT16 copy of values exactly representable in fp16.
	ln := m.Graph.InitializerByName("visual.ln_pre.weight")
	vals := []float32{}
	var raw []byte
	for i := range s["visual.ln_pre.weight"].Data {
		v := float32(i%7) - 2.5 // exact in fp16
		vals = append(vals, v)
		raw = binary.LittleEndian.AppendUint16(raw, fp16(v))
	}
	*ln = Tensor{Name: ln.Name, Dims: ln.Dims, DataType: Float16, RawData: raw}
	b, _ := m.Marshal()
	got, err := ReadWeightsBytes(b, cfg, weights.VisionTower)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		if got["visual.ln_pre.weight"].Data[i] != v {
			t.Fatalf("fp16 value %d: %v != %v", i, got["visual.ln_pre.weight"].Data[i], v)
		}
	}
}

// fp16 encodes a float32 that is exactly representable as a normal fp16.
func fp16(v float32) uint16 {
	if v == 0 {
		return 0
	}
	b := math.Float32bits(v)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23&0xff) - 127 + 15
	return sign | uint16(exp)<<10 | uint16(b>>13&0x3ff)
}

func TestReadWeightsErrors(t *testing.T) {
	cfg, _ := config.Named("test-tiny")
	s := randomSet(t, cfg, weights.VisionTower)

	m := modelOf(s, cfg, weights.VisionTower)
	m.Graph.Initializer = m.Graph.Initializer[1:] // drop visual.class_embedding
	b, _ := m.Marshal()
	if _, err := ReadWeightsBytes(b, cfg, weights.VisionTower); err == nil || !strings.Contains(err.Error(), "visual.class_embedding") {
		t.Errorf("missing tensor: %v", err)
	}

	m = modelOf(s, cfg, weights.VisionTower)
	m.Graph.InitializerByName("visual.proj").Dims = []int64{16, 32}
	b, _ = m.Marshal()
	if _, err := ReadWeightsBytes(b, cfg, weights.VisionTower); err == nil || !strings.Contains(err.Error(), "visual.proj") || !strings.Contains(err.Error(), "shape") {
		t.Errorf("wrong shape: %v", err)
	}

	m = modelOf(s, cfg, weights.VisionTower)
	*m.Graph.InitializerByName("visual.proj") = Tensor{Name: "visual.proj", Dims: []int64{32, 16}, DataType: Float,
		DataLocation: LocationExternal, ExternalData: []StringEntry{{Key: "location", Value: "x.bin"}}}
	b, _ = m.Marshal()
	if _, err := ReadWeightsBytes(b, cfg, weights.VisionTower); err == nil || !strings.Contains(err.Error(), "external data") {
		t.Errorf("external data: %v", err)
	}

	// Text weights are not in a vision-only file.
	b, _ = modelOf(s, cfg, weights.VisionTower).Marshal()
	if _, err := ReadWeightsBytes(b, cfg, weights.TextTower); err == nil {
		t.Error("text tower read from a vision-only file")
	}
	if _, err := ReadWeightsBytes([]byte{0x3a, 5}, cfg, weights.VisionTower); err == nil {
		t.Error("corrupt file accepted")
	}
}
