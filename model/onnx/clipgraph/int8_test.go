package clipgraph

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/onnx"
	"github.com/clipad/clipad/model/weights"
	"github.com/clipad/clipad/quantize"
)

var int8Ops = map[string]bool{"DynamicQuantizeLinear": true, "MatMulInteger": true}

func blockLinears(layers int) []string {
	var names []string
	for i := 0; i < layers; i++ {
		for _, s := range []string{"attn.in_proj_weight", "attn.out_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"} {
			names = append(names, fmt.Sprintf("visual.transformer.resblocks.%d.%s", i, s))
		}
	}
	return names
}

func TestVisionPlainInt8Graph(t *testing.T) {
	cfg := named(t, "test-tiny")
	w := RandomWeights(cfg, 5)
	m, err := VisionPlainInt8(cfg, w)
	if err != nil {
		t.Fatal(err)
	}
	g := m.Graph
	// topological order over defined names, only standard ONNX ops
	defined := map[string]bool{}
	for _, in := range g.Input {
		defined[in.Name] = true
	}
	for _, init := range g.Initializer {
		defined[init.Name] = true
	}
	count := map[string]int{}
	for _, n := range g.Node {
		if !(standardOps[n.OpType] || int8Ops[n.OpType]) || n.Domain != "" {
			t.Fatalf("node %s uses op %q (domain %q)", n.Name, n.OpType, n.Domain)
		}
		count[n.OpType]++
		for _, in := range n.Input {
			if !defined[in] {
				t.Fatalf("node %s reads %q before it is defined", n.Name, in)
			}
		}
		for _, out := range n.Output {
			if defined[out] {
				t.Fatalf("tensor %q defined twice", out)
			}
			defined[out] = true
		}
	}
	L := cfg.Vision.Layers
	if count["MatMulInteger"] != 4*L || count["DynamicQuantizeLinear"] != 4*L {
		t.Fatalf("op counts %v, want %d int8 linears", count, 4*L)
	}
	// the attention products, the final proj stay float MatMuls
	if count["MatMul"] != 2*L+1 {
		t.Fatalf("%d float MatMuls, want %d", count["MatMul"], 2*L+1)
	}
	if len(g.Output) != 1 || g.Output[0].Name != ImageEmbed {
		t.Fatalf("outputs %+v", g.Output)
	}
	if !strings.HasPrefix(m.Metadata("clipad.weights"), "int8") || m.Metadata("clipad.graph") != "vision_plain" {
		t.Fatalf("metadata %+v", m.MetadataProps)
	}
	// codes and scales are quantize.Int8PerChannel's, stored [in,out]
	for _, name := range blockLinears(L) {
		wt := w[name]
		out, in := wt.Shape[0], wt.Shape[1]
		wantQ, wantS := quantize.Int8PerChannel(wt.Data, out, in)
		codes := g.InitializerByName(name + "/int8_T")
		scales := g.InitializerByName(name + "/scale")
		if codes == nil || scales == nil {
			t.Fatalf("%s: int8 initializers missing", name)
		}
		if codes.DataType != onnx.Int8 || !slices.Equal(codes.Shape(), []int{in, out}) {
			t.Fatalf("%s: codes %s %v", name, codes.DataType, codes.Shape())
		}
		for o := 0; o < out; o++ {
			for i := 0; i < in; i++ {
				if int8(codes.RawData[i*out+o]) != wantQ[o*in+i] {
					t.Fatalf("%s[%d,%d]: code %d, want %d", name, o, i, int8(codes.RawData[i*out+o]), wantQ[o*in+i])
				}
				if d := math.Abs(float64(float32(wantQ[o*in+i])*wantS[o] - wt.Data[o*in+i])); d > float64(wantS[o])/2+1e-7 {
					t.Fatalf("%s[%d,%d]: dequantized off by %g (scale %g)", name, o, i, d, wantS[o])
				}
			}
		}
		s, err := scales.Float32()
		if err != nil || !slices.Equal(s, wantS) {
			t.Fatalf("%s: scales %v (%v)", name, s, err)
		}
		if g.InitializerByName(name) != nil {
			t.Fatalf("%s: the float weight is still stored", name)
		}
	}
	// file round trip
	dir := t.TempDir()
	if err := WriteVisionPlainInt8(dir, cfg, w); err != nil {
		t.Fatal(err)
	}
	back, err := onnx.ReadFile(filepath.Join(dir, VisionPlainInt8File))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Graph.Node) != len(g.Node) || len(back.Graph.Initializer) != len(g.Initializer) {
		t.Fatal("graph changed in the file round trip")
	}
	// the float graphs are unchanged by the option's existence
	plain, err := VisionPlain(cfg, w)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range plain.Graph.Node {
		if int8Ops[n.OpType] {
			t.Fatal("VisionPlain has int8 nodes")
		}
	}
}

// Weights that already hold int8 codes (as quantize.Loader returns an int8
// bundle) are used as they are.
func TestVisionPlainInt8UsesGivenCodes(t *testing.T) {
	cfg := named(t, "test-tiny")
	w := RandomWeights(cfg, 6)
	name := blockLinears(1)[0]
	wt := w[name]
	out, in := wt.Shape[0], wt.Shape[1]
	q := make([]int8, out*in)
	s := make([]float32, out)
	for i := range q {
		q[i] = int8(i%255 - 127)
	}
	for o := range s {
		s[o] = float32(o+1) / 1000
	}
	w[name] = weights.Tensor{Shape: wt.Shape, Q8: q, Scale: s}
	m, err := VisionPlainInt8(cfg, w)
	if err != nil {
		t.Fatal(err)
	}
	codes := m.Graph.InitializerByName(name + "/int8_T")
	for o := 0; o < out; o++ {
		for i := 0; i < in; i++ {
			if int8(codes.RawData[i*out+o]) != q[o*in+i] {
				t.Fatalf("[%d,%d]: %d, want %d", o, i, int8(codes.RawData[i*out+o]), q[o*in+i])
			}
		}
	}
	got, _ := m.Graph.InitializerByName(name + "/scale").Float32()
	if !slices.Equal(got, s) {
		t.Fatal("scales not taken as given")
	}
	// and a float export of the same set still refuses int8 weights
	if _, err := VisionPlain(cfg, w); err == nil || !strings.Contains(err.Error(), "int8") {
		t.Fatalf("VisionPlain with int8 weights: %v", err)
	}
}
