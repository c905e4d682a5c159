package clipgraph

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/onnx"
	"github.com/clipad/clipad/model/weights"
)

func named(t *testing.T, name string) config.Config {
	t.Helper()
	c, err := config.Named(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// standardOps is every op the builders may use (all in the default ONNX
// domain at opset 17).
var standardOps = map[string]bool{
	"Conv": true, "Reshape": true, "Transpose": true, "Shape": true, "Slice": true, "Concat": true,
	"Expand": true, "Add": true, "Sub": true, "Mul": true, "Div": true, "MatMul": true, "Softmax": true,
	"LayerNormalization": true, "ReduceMean": true, "ReduceSumSquare": true, "Sqrt": true, "Erf": true,
	"Sigmoid": true, "Gather": true, "GatherND": true, "ArgMax": true, "Unsqueeze": true, "Cast": true,
	"Identity": true,
}

// checkGraph verifies the generic structure: IR/opset, standard ops only,
// nodes topologically ordered over defined tensors, unique names, outputs
// produced and declared as wanted.
func checkGraph(t *testing.T, m *onnx.Model, inputs []string, outputs []string) {
	t.Helper()
	if m.IRVersion != IRVersion || len(m.OpsetImport) != 1 || m.OpsetImport[0].Version != Opset || m.OpsetImport[0].Domain != "" {
		t.Fatalf("ir %d opset %+v", m.IRVersion, m.OpsetImport)
	}
	g := m.Graph
	defined := map[string]bool{}
	for _, in := range g.Input {
		defined[in.Name] = true
	}
	for _, init := range g.Initializer {
		if defined[init.Name] {
			t.Fatalf("initializer %q defined twice", init.Name)
		}
		defined[init.Name] = true
	}
	for _, n := range g.Node {
		if !standardOps[n.OpType] || n.Domain != "" {
			t.Fatalf("node %s uses op %q (domain %q)", n.Name, n.OpType, n.Domain)
		}
		for _, in := range n.Input {
			if !defined[in] {
				t.Fatalf("node %s (%s) reads %q before it is defined", n.Name, n.OpType, in)
			}
		}
		for _, out := range n.Output {
			if defined[out] {
				t.Fatalf("tensor %q defined twice", out)
			}
			defined[out] = true
		}
	}
	var gotIn, gotOut []string
	for _, v := range g.Input {
		gotIn = append(gotIn, v.Name)
	}
	for _, v := range g.Output {
		gotOut = append(gotOut, v.Name)
		if !defined[v.Name] {
			t.Fatalf("output %q is never produced", v.Name)
		}
		if v.Type == nil || v.Type.ElemType != onnx.Float || len(v.Type.Shape) == 0 || v.Type.Shape[0].Param != "N" {
			t.Fatalf("output %q declared as %+v, want float32 with batch dim N", v.Name, v.Type)
		}
	}
	if !slices.Equal(gotIn, inputs) || !slices.Equal(gotOut, outputs) {
		t.Fatalf("inputs %v outputs %v, want %v %v", gotIn, gotOut, inputs, outputs)
	}
}

// roundTrip writes m, reads the weights back with onnx.ReadWeights and
// checks every open_clip tensor bit-exactly, and that the initializers are
// stored under exactly the open_clip names in open_clip layout.
func roundTrip(t *testing.T, m *onnx.Model, cfg config.Config, w weights.Set, towers weights.Tower) {
	t.Helper()
	for _, sp := range weights.Expected(cfg, towers) {
		init := m.Graph.InitializerByName(sp.Name)
		if init == nil {
			t.Fatalf("open_clip tensor %q is not an initializer", sp.Name)
		}
		if !slices.Equal(init.Shape(), sp.Shape) {
			t.Fatalf("%q stored with shape %v, open_clip layout is %v", sp.Name, init.Shape(), sp.Shape)
		}
	}
	p := filepath.Join(t.TempDir(), "m.onnx")
	if err := onnx.WriteFile(p, m); err != nil {
		t.Fatal(err)
	}
	got, err := onnx.ReadWeights(p, cfg, towers)
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range weights.Expected(cfg, towers) {
		a, b := got[sp.Name].Data, w[sp.Name].Data
		if len(a) != len(b) {
			t.Fatalf("%s: %d values, want %d", sp.Name, len(a), len(b))
		}
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("%s[%d]: %v != %v", sp.Name, i, a[i], b[i])
			}
		}
	}
	// The file decodes to the same graph (node count, outputs).
	back, err := onnx.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Graph.Node) != len(m.Graph.Node) || len(back.Graph.Output) != len(m.Graph.Output) {
		t.Fatal("graph changed in the file round trip")
	}
}

func nodeByOutput(g *onnx.Graph, name string) *onnx.Node {
	for _, n := range g.Node {
		if slices.Contains(n.Output, name) {
			return n
		}
	}
	return nil
}

func TestVisionGraph(t *testing.T) {
	for _, name := range []string{"test-tiny", "test-small"} {
		t.Run(name, func(t *testing.T) {
			cfg := named(t, name)
			w := RandomWeights(cfg, 1)
			m, err := Vision(cfg, w)
			if err != nil {
				t.Fatal(err)
			}
			checkGraph(t, m, []string{InputImage}, VisionOutputs(cfg))
			roundTrip(t, m, cfg, w, weights.VisionTower)
			g := m.Graph
			S := int64(cfg.Vision.ImageSize)
			in := g.Input[0].Type
			if in.ElemType != onnx.Float || len(in.Shape) != 4 || in.Shape[0].Param != "N" || in.Shape[1].Value != 3 || in.Shape[2].Value != S || in.Shape[3].Value != S {
				t.Fatalf("image input declared as %+v", in)
			}
			L, sl := cfg.Vision.Layers, cfg.Vision.StageLen()
			// §3.4 quirk: original_k (k<4) is block k·s+1's attention residual, original_4 is block_L.
			for k := 1; k <= 4; k++ {
				id := nodeByOutput(g, OriginalName(k))
				want := fmt.Sprintf("visual/b%d/attn_residual", k*sl+1)
				if k == 4 {
					want = BlockName(L)
				}
				if id == nil || id.OpType != "Identity" || id.Input[0] != want {
					t.Fatalf("%s = %+v, want Identity(%s)", OriginalName(k), id, want)
				}
			}
			// Surgery sums: reset at stage starts, s−1 Adds per stage.
			adds := 0
			for _, n := range g.Node {
				if strings.HasPrefix(n.Name, "visual/surgery_sum_") {
					adds++
				}
			}
			if adds != 4*(sl-1) {
				t.Fatalf("%d surgery Adds, want %d", adds, 4*(sl-1))
			}
			// Activation and LayerNorm ops follow the config.
			ops := map[string]int{}
			for _, n := range g.Node {
				ops[n.OpType]++
			}
			if cfg.QuickGELU != (ops["Sigmoid"] == L && ops["Erf"] == 0) || !cfg.QuickGELU && ops["Erf"] != L {
				t.Fatalf("activation ops %v for QuickGELU=%v", ops, cfg.QuickGELU)
			}
			// ln_pre, 2 per block, 4 stage ln_post, 1 final ln_post
			if ops["LayerNormalization"] != 1+2*L+5 {
				t.Fatalf("%d LayerNormalization nodes", ops["LayerNormalization"])
			}
			if m.Metadata("clipad.graph") != "vision" || m.Metadata("clipad.config") != cfg.Name || m.Metadata("open_clip_config") == "" {
				t.Fatalf("metadata %+v", m.MetadataProps)
			}
		})
	}
}

func TestVisionPlainGraph(t *testing.T) {
	cfg := named(t, "test-tiny")
	w := RandomWeights(cfg, 2)
	m, err := VisionPlain(cfg, w)
	if err != nil {
		t.Fatal(err)
	}
	checkGraph(t, m, []string{InputImage}, []string{ImageEmbed})
	roundTrip(t, m, cfg, w, weights.VisionTower)
	for _, n := range m.Graph.Node {
		if strings.Contains(n.Name, "vv_attn") {
			t.Fatalf("plain graph has surgery node %s", n.Name)
		}
	}
}

func TestTextGraph(t *testing.T) {
	for _, name := range []string{"test-tiny", "test-small"} {
		t.Run(name, func(t *testing.T) {
			cfg := named(t, name)
			w := RandomWeights(cfg, 3)
			m, err := Text(cfg, w)
			if err != nil {
				t.Fatal(err)
			}
			checkGraph(t, m, []string{InputTokens}, TextOutputs())
			roundTrip(t, m, cfg, w, weights.TextTower)
			in := m.Graph.Input[0].Type
			if in.ElemType != onnx.Int64 || len(in.Shape) != 2 || in.Shape[1].Value != int64(cfg.Text.Context) {
				t.Fatalf("tokens input declared as %+v", in)
			}
			mask, err := m.Graph.InitializerByName(CausalMaskName).Float32()
			if err != nil {
				t.Fatal(err)
			}
			C := cfg.Text.Context
			for i := 0; i < C; i++ {
				for j := 0; j < C; j++ {
					if want := j > i; math.IsInf(float64(mask[i*C+j]), -1) != want || !want && mask[i*C+j] != 0 {
						t.Fatalf("mask[%d,%d] = %v", i, j, mask[i*C+j])
					}
				}
			}
		})
	}
}

func TestManualLayerNorm(t *testing.T) {
	cfg := named(t, "test-tiny")
	m, err := Vision(cfg, RandomWeights(cfg, 1), ManualLayerNorm())
	if err != nil {
		t.Fatal(err)
	}
	checkGraph(t, m, []string{InputImage}, VisionOutputs(cfg))
	for _, n := range m.Graph.Node {
		if n.OpType == "LayerNormalization" {
			t.Fatal("ManualLayerNorm left a LayerNormalization node")
		}
	}
	if m.Metadata("clipad.layernorm") != "manual" {
		t.Fatal("metadata")
	}
}

func TestBuildErrors(t *testing.T) {
	cfg := named(t, "test-tiny")
	w := RandomWeights(cfg, 1)
	delete(w, "visual.ln_post.bias")
	if _, err := Vision(cfg, w); err == nil || !strings.Contains(err.Error(), "visual.ln_post.bias") {
		t.Fatalf("missing weight: %v", err)
	}
	w = RandomWeights(cfg, 1)
	q := w["visual.proj"]
	w["visual.proj"] = weights.Tensor{Shape: q.Shape, Q8: make([]int8, len(q.Data)), Scale: make([]float32, q.Shape[0])}
	if _, err := Vision(cfg, w); err == nil || !strings.Contains(err.Error(), "int8") {
		t.Fatalf("int8 weight: %v", err)
	}
	bad := cfg
	bad.Vision.Layers = 6
	if _, err := Vision(bad, RandomWeights(bad, 1)); err == nil {
		t.Fatal("config with 6 layers accepted")
	}
	if _, err := Text(cfg, weights.Set{}); err == nil {
		t.Fatal("empty weights accepted")
	}
}

func TestWriteAll(t *testing.T) {
	cfg := named(t, "test-tiny")
	w := RandomWeights(cfg, 4)
	dir := t.TempDir()
	if err := WriteAll(dir, cfg, w); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string][]string{VisionFile: VisionOutputs(cfg), VisionPlainFile: {ImageEmbed}, TextFile: TextOutputs()} {
		m, err := onnx.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		var outs []string
		for _, o := range m.Graph.Output {
			outs = append(outs, o.Name)
		}
		if !slices.Equal(outs, want) {
			t.Fatalf("%s outputs %v", f, outs)
		}
	}
	both, err := onnx.ReadWeights(filepath.Join(dir, VisionFile), cfg, weights.VisionTower)
	if err != nil || both.ModelID(cfg) == "" {
		t.Fatal(err)
	}
}

func TestRandomWeightsDeterministic(t *testing.T) {
	cfg := named(t, "test-tiny")
	a, b, c := RandomWeights(cfg, 9), RandomWeights(cfg, 9), RandomWeights(cfg, 10)
	if err := a.Check(cfg, weights.BothTowers); err != nil {
		t.Fatal(err)
	}
	if a.ModelID(cfg) != b.ModelID(cfg) || a.ModelID(cfg) == c.ModelID(cfg) {
		t.Fatal("RandomWeights is not a deterministic function of the seed")
	}
}

// TestOnnxruntimeSelftest runs js/parity/selftest.mjs on graphs written
// here: onnxruntime-node must run them and agree with the float64
// reference. Skipped when node or js/node_modules is not available (CI
// runs it).
func TestOnnxruntimeSelftest(t *testing.T) {
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no subprocesses under WebAssembly")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	root, _ := filepath.Abs("../../..")
	if _, err := os.Stat(filepath.Join(root, "js/node_modules/onnxruntime-node")); err != nil {
		t.Skip("js/node_modules/onnxruntime-node not installed (npm ci in js/)")
	}
	var dirs []string
	for _, name := range []string{"test-tiny", "test-small"} {
		cfg := named(t, name)
		dir := filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := WriteAll(dir, cfg, RandomWeights(cfg, 21)); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, "--onnx", dir)
	}
	args := append([]string{filepath.Join(root, "js/parity/selftest.mjs"), "--threads", "1"}, dirs...)
	cmd := exec.Command(node, args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("selftest failed: %v", err)
	}
	if !strings.Contains(string(out), "0 failed") {
		t.Fatal("selftest did not report success")
	}
}
