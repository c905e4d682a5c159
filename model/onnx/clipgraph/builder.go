package clipgraph

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/onnx"
	"github.com/clipad/clipad/model/weights"
)

// Opset and IR version of every graph written here.
const (
	Opset     = 17
	IRVersion = 8
)

// Input names.
const (
	InputImage  = "image"  // float32 [N, 3, S, S], preprocessed (normalised) pixels
	InputTokens = "tokens" // int64 [N, context], BPE ids, EOT = highest id
)

// Option changes how graphs are built.
type Option func(*options)

type options struct {
	manualLN bool
	int8     bool // Int8Weights (int8.go)
}

// ManualLayerNorm writes every LayerNorm as the two-pass formula
// (ReduceMean, Sub, Mul, ReduceMean, Add eps, Sqrt, Div, Mul γ, Add β)
// instead of the opset-17 LayerNormalization op. onnxruntime's graph
// optimiser may fuse it back at optimisation level "extended"/"all".
func ManualLayerNorm() Option { return func(o *options) { o.manualLN = true } }

// builder accumulates one graph.
type builder struct {
	cfg    config.Config
	w      weights.Set
	opt    options
	g      *onnx.Graph
	names  map[string]bool   // every tensor name defined so far
	consts map[string]string // constant key → initializer name
	tposed map[string]string // weight name → its Transpose output
	err    error
}

func newBuilder(cfg config.Config, w weights.Set, opts []Option, name string) *builder {
	b := &builder{cfg: cfg, w: w, g: &onnx.Graph{Name: name},
		names: map[string]bool{}, consts: map[string]string{}, tposed: map[string]string{}}
	for _, o := range opts {
		o(&b.opt)
	}
	return b
}

func (b *builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("clipgraph: "+format, args...)
	}
}

func (b *builder) define(name string) {
	if b.names[name] {
		panic("clipgraph: tensor name defined twice: " + name)
	}
	b.names[name] = true
}

// op appends a single-output node whose output (and node name) is out.
func (b *builder) op(out, opType string, inputs []string, attrs ...*onnx.Attribute) string {
	b.define(out)
	b.g.Node = append(b.g.Node, &onnx.Node{Name: out, OpType: opType, Input: inputs, Output: []string{out}, Attribute: attrs})
	return out
}

func (b *builder) input(vi *onnx.ValueInfo) string {
	b.define(vi.Name)
	b.g.Input = append(b.g.Input, vi)
	return vi.Name
}

func (b *builder) output(vi *onnx.ValueInfo) {
	if !b.names[vi.Name] {
		panic("clipgraph: output of an undefined tensor: " + vi.Name)
	}
	b.g.Output = append(b.g.Output, vi)
}

// weight adds the open_clip tensor name as an initializer (once; stored as
// raw_data, the data is referenced, not copied) and returns its name.
func (b *builder) weight(name string) string {
	if b.names[name] {
		return name
	}
	t, ok := b.w[name]
	switch {
	case !ok:
		b.fail("weight %q is missing", name)
	case t.Q8 != nil:
		b.fail("weight %q is int8-quantized; ONNX export needs float32 weights", name)
	case len(t.Data) != t.Elems():
		b.fail("weight %q holds %d values, its shape %v needs %d", name, len(t.Data), t.Shape, t.Elems())
	}
	b.define(name)
	b.g.Initializer = append(b.g.Initializer, onnx.RawFloatTensor(name, t.Shape, t.Data))
	return name
}

// transposed returns weight name transposed ([out,in] → [in,out]) by a
// Transpose node, created once per weight.
func (b *builder) transposed(name string) string {
	if t, ok := b.tposed[name]; ok {
		return t
	}
	t := b.op(name+"/T", "Transpose", []string{b.weight(name)}, onnx.IntsAttr("perm", 1, 0))
	b.tposed[name] = t
	return t
}

func (b *builder) constant(key string, t *onnx.Tensor) string {
	if n, ok := b.consts[key]; ok {
		return n
	}
	t.Name = "const/" + key
	b.define(t.Name)
	b.g.Initializer = append(b.g.Initializer, t)
	b.consts[key] = t.Name
	return t.Name
}

// i64 is a 1-D int64 constant.
func (b *builder) i64(v ...int64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatInt(x, 10)
	}
	return b.constant("i64["+strings.Join(parts, ",")+"]", onnx.Int64Tensor("", []int{len(v)}, v))
}

// i64Scalar is a 0-D int64 constant.
func (b *builder) i64Scalar(v int64) string {
	return b.constant("i64("+strconv.FormatInt(v, 10)+")", onnx.Int64Tensor("", nil, []int64{v}))
}

// f32 is a 0-D float constant.
func (b *builder) f32(v float32) string {
	return b.constant("f32("+strconv.FormatFloat(float64(v), 'g', -1, 32)+")", onnx.FloatTensor("", nil, []float32{v}))
}

// layerNorm normalises the last axis with the affine parameters under
// prefix (prefix+".weight", prefix+".bias").
func (b *builder) layerNorm(out, x, prefix string) string {
	g, bias := b.weight(prefix+".weight"), b.weight(prefix+".bias")
	eps := float32(b.cfg.LNEps)
	if !b.opt.manualLN {
		return b.op(out, "LayerNormalization", []string{x, g, bias},
			onnx.IntAttr("axis", -1), onnx.FloatAttr("epsilon", eps))
	}
	mean := b.op(out+"/mean", "ReduceMean", []string{x}, onnx.IntsAttr("axes", -1), onnx.IntAttr("keepdims", 1))
	d := b.op(out+"/centered", "Sub", []string{x, mean})
	sq := b.op(out+"/sq", "Mul", []string{d, d})
	v := b.op(out+"/var", "ReduceMean", []string{sq}, onnx.IntsAttr("axes", -1), onnx.IntAttr("keepdims", 1))
	ve := b.op(out+"/var_eps", "Add", []string{v, b.f32(eps)})
	sd := b.op(out+"/std", "Sqrt", []string{ve})
	n := b.op(out+"/norm", "Div", []string{d, sd})
	sc := b.op(out+"/scaled", "Mul", []string{n, g})
	return b.op(out, "Add", []string{sc, bias})
}

// linear is y = x·Wᵀ + b with W in PyTorch [out, in] layout.
func (b *builder) linear(out, x, w, bias string) string {
	if b.opt.int8 {
		return b.linearInt8(out, x, w, bias)
	}
	y := b.op(out+"/matmul", "MatMul", []string{x, b.transposed(w)})
	return b.op(out, "Add", []string{y, b.weight(bias)})
}

// act is the MLP activation: exact GELU 0.5·x·(1+erf(x/√2)) or QuickGELU
// x·σ(1.702x).
func (b *builder) act(out, x string) string {
	if b.cfg.QuickGELU {
		s := b.op(out+"/scaled", "Mul", []string{x, b.f32(1.702)})
		sg := b.op(out+"/sigmoid", "Sigmoid", []string{s})
		return b.op(out, "Mul", []string{x, sg})
	}
	s := b.op(out+"/div_sqrt2", "Mul", []string{x, b.f32(float32(1 / math.Sqrt2))})
	e := b.op(out+"/erf", "Erf", []string{s})
	e1 := b.op(out+"/erf_plus_1", "Add", []string{e, b.f32(1)})
	xe := b.op(out+"/x_times", "Mul", []string{x, e1})
	return b.op(out, "Mul", []string{xe, b.f32(0.5)})
}

// l2 divides the last axis by its Euclidean norm.
func (b *builder) l2(out, x string) string {
	ss := b.op(out+"/sumsq", "ReduceSumSquare", []string{x}, onnx.IntsAttr("axes", -1), onnx.IntAttr("keepdims", 1))
	n := b.op(out+"/norm", "Sqrt", []string{ss})
	return b.op(out, "Div", []string{x, n})
}

// heads splits a [N,T,3W] in_proj output into q, k, v of [N,H,T,hw].
func (b *builder) heads(p, qkv string, H, hw int) (q, k, v string) {
	r := b.op(p+"/qkv_heads", "Reshape", []string{qkv, b.i64(0, 0, 3, int64(H), int64(hw))})
	t := b.op(p+"/qkv_t", "Transpose", []string{r}, onnx.IntsAttr("perm", 2, 0, 3, 1, 4)) // [3,N,H,T,hw]
	q = b.op(p+"/q", "Gather", []string{t, b.i64Scalar(0)}, onnx.IntAttr("axis", 0))
	k = b.op(p+"/k", "Gather", []string{t, b.i64Scalar(1)}, onnx.IntAttr("axis", 0))
	v = b.op(p+"/v", "Gather", []string{t, b.i64Scalar(2)}, onnx.IntAttr("axis", 0))
	return
}

// attend is softmax(q·kᵀ·scale [+ mask])·v for [N,H,T,hw] inputs, heads
// merged back to [N,T,W] and passed through out_proj.
func (b *builder) attend(p, q, k, v, mask, outProj string, W, hw int) string {
	kt := b.op(p+"/kT", "Transpose", []string{k}, onnx.IntsAttr("perm", 0, 1, 3, 2))
	s := b.op(p+"/scores", "MatMul", []string{q, kt})
	s = b.op(p+"/scaled", "Mul", []string{s, b.f32(float32(1 / math.Sqrt(float64(hw))))})
	if mask != "" {
		s = b.op(p+"/masked", "Add", []string{s, mask})
	}
	a := b.op(p+"/probs", "Softmax", []string{s}, onnx.IntAttr("axis", -1))
	o := b.op(p+"/context", "MatMul", []string{a, v})
	o = b.op(p+"/context_t", "Transpose", []string{o}, onnx.IntsAttr("perm", 0, 2, 1, 3))
	o = b.op(p+"/merged", "Reshape", []string{o, b.i64(0, 0, int64(W))})
	return b.linear(p+"/out", o, outProj+".weight", outProj+".bias")
}

// block is one pre-LN residual block under weight prefix wp (e.g.
// "visual.transformer.resblocks.3."). It returns a (the stream after the
// attention residual), h (the block output, named hName) and, when vv is
// set, the v-v attention output of the same LN1 input.
func (b *builder) block(p, wp, x, hName string, W, H, hw int, mask string, vv bool) (a, h, vvOut string) {
	ln1 := b.layerNorm(p+"/ln_1", x, wp+"ln_1")
	qkv := b.linear(p+"/in_proj", ln1, wp+"attn.in_proj_weight", wp+"attn.in_proj_bias")
	q, k, v := b.heads(p, qkv, H, hw)
	att := b.attend(p+"/attn", q, k, v, mask, wp+"attn.out_proj", W, hw)
	if vv {
		vvOut = b.attend(p+"/vv_attn", v, v, v, "", wp+"attn.out_proj", W, hw)
	}
	a = b.op(p+"/attn_residual", "Add", []string{x, att})
	ln2 := b.layerNorm(p+"/ln_2", a, wp+"ln_2")
	fc := b.linear(p+"/c_fc", ln2, wp+"mlp.c_fc.weight", wp+"mlp.c_fc.bias")
	ac := b.act(p+"/act", fc)
	pr := b.linear(p+"/c_proj", ac, wp+"mlp.c_proj.weight", wp+"mlp.c_proj.bias")
	h = b.op(hName, "Add", []string{a, pr})
	return
}

func (b *builder) model(kind, doc string) (*onnx.Model, error) {
	if b.err != nil {
		return nil, b.err
	}
	meta := []onnx.StringEntry{
		{Key: "clipad.graph", Value: kind},
		{Key: "clipad.config", Value: b.cfg.Name},
		{Key: "clipad.ln_eps", Value: strconv.FormatFloat(b.cfg.LNEps, 'g', -1, 64)},
		{Key: "clipad.layernorm", Value: map[bool]string{false: "LayerNormalization", true: "manual"}[b.opt.manualLN]},
	}
	if b.opt.int8 {
		meta = append(meta, onnx.StringEntry{Key: "clipad.weights", Value: int8Note})
	}
	if j, err := b.cfg.MarshalOpenCLIP(); err == nil {
		meta = append(meta, onnx.StringEntry{Key: "open_clip_config", Value: string(j)})
	}
	var outs []string
	for _, o := range b.g.Output {
		outs = append(outs, o.Name)
	}
	meta = append(meta, onnx.StringEntry{Key: "clipad.outputs", Value: strings.Join(outs, ",")})
	return &onnx.Model{
		IRVersion:       IRVersion,
		ProducerName:    "clipad",
		ProducerVersion: "clipgraph",
		DocString:       doc,
		OpsetImport:     []onnx.OperatorSetID{{Version: Opset}},
		MetadataProps:   meta,
		Graph:           b.g,
	}, nil
}

func checkWeights(cfg config.Config, w weights.Set, towers weights.Tower) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("clipgraph: %w", err)
	}
	if err := w.Check(cfg, towers); err != nil {
		return fmt.Errorf("clipgraph: %w", err)
	}
	return nil
}
