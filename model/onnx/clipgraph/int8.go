package clipgraph

import (
	"fmt"
	"path/filepath"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/onnx"
	"github.com/clipad/clipad/model/weights"
	"github.com/clipad/clipad/quantize"
)

// VisionPlainInt8File is the file name WriteVisionPlainInt8 writes.
const VisionPlainInt8File = "vision_plain_int8.onnx"

const int8Note = "int8: block linears as DynamicQuantizeLinear + MatMulInteger (int8 weights, per-output-channel scale) + Cast + Mul + Add"

// Int8Weights makes every transformer-block linear layer (in_proj,
// out_proj, c_fc, c_proj) an int8-weight layer in the form onnxruntime's
// dynamic quantization writes (onnxruntime.quantization.quantize_dynamic,
// per-channel, symmetric weights):
//
//	x_q, x_scale, x_zp = DynamicQuantizeLinear(x)        uint8, per tensor
//	y32 = MatMulInteger(x_q, W_q, x_zp)                   W_q int8 [in,out], zero point 0
//	y   = Cast(y32, FLOAT) · (x_scale · w_scale) + b      w_scale float [out]
//
// onnxruntime fuses that chain into its contrib DynamicQuantizeMatMul
// (optimisation level "extended" or higher, CPU and WebAssembly EPs),
// which runs MLAS's u8×s8 GEMM. Weights are quantized with
// quantize.Int8PerChannel — the same codes and scales as clipad's int8
// bundles — unless the weight set already holds int8 codes (Q8/Scale, as
// quantize.Loader returns them), which are then used as they are. Conv1,
// the attention products, LayerNorms, the activation and proj stay
// float32. The int8 weights are stored transposed ([in,out]) under
// "<name>/int8_T" with scales "<name>/scale"; graphs built with this
// option are for speed and fidelity measurements, not for
// onnx.ReadWeights.
func Int8Weights() Option { return func(o *options) { o.int8 = true } }

// VisionPlainInt8 is VisionPlain with Int8Weights: input "image"
// [N,3,S,S], output "image_embed" [N,E].
func VisionPlainInt8(cfg config.Config, w weights.Set, opts ...Option) (*onnx.Model, error) {
	return VisionPlain(cfg, w, append(opts, Int8Weights())...)
}

// WriteVisionPlainInt8 writes VisionPlainInt8 to dir/VisionPlainInt8File.
func WriteVisionPlainInt8(dir string, cfg config.Config, w weights.Set, opts ...Option) error {
	m, err := VisionPlainInt8(cfg, w, opts...)
	if err != nil {
		return err
	}
	if err := onnx.WriteFile(filepath.Join(dir, VisionPlainInt8File), m); err != nil {
		return fmt.Errorf("clipgraph: %w", err)
	}
	return nil
}

// opN appends a node with several outputs (named out+"/"+suffix).
func (b *builder) opN(out, opType string, inputs []string, suffixes []string, attrs ...*onnx.Attribute) []string {
	outs := make([]string, len(suffixes))
	for i, s := range suffixes {
		outs[i] = out + "/" + s
		b.define(outs[i])
	}
	b.g.Node = append(b.g.Node, &onnx.Node{Name: out, OpType: opType, Input: inputs, Output: outs, Attribute: attrs})
	return outs
}

// int8Weight adds weight name as int8 codes transposed to [in,out] plus
// its per-output-channel scales, once, and returns the two initializer
// names.
func (b *builder) int8Weight(name string) (codes, scales string) {
	codes, scales = name+"/int8_T", name+"/scale"
	if b.names[codes] {
		return
	}
	t, ok := b.w[name]
	if !ok {
		b.fail("weight %q is missing", name)
		return
	}
	if len(t.Shape) != 2 {
		b.fail("weight %q has shape %v; int8 layers need a matrix", name, t.Shape)
		return
	}
	out, in := t.Shape[0], t.Shape[1]
	q, s := t.Q8, t.Scale
	switch {
	case q != nil:
		if len(q) != out*in || len(s) != out {
			b.fail("int8 weight %q holds %d codes and %d scales, shape %v", name, len(q), len(s), t.Shape)
			return
		}
	case len(t.Data) == out*in:
		q, s = quantize.Int8PerChannel(t.Data, out, in)
	default:
		b.fail("weight %q holds %d values, its shape %v needs %d", name, len(t.Data), t.Shape, out*in)
		return
	}
	raw := make([]byte, out*in)
	for o := 0; o < out; o++ {
		for i, v := range q[o*in : (o+1)*in] {
			raw[i*out+o] = byte(v)
		}
	}
	b.define(codes)
	b.g.Initializer = append(b.g.Initializer, &onnx.Tensor{Name: codes, Dims: []int64{int64(in), int64(out)}, DataType: onnx.Int8, RawData: raw})
	b.define(scales)
	b.g.Initializer = append(b.g.Initializer, onnx.RawFloatTensor(scales, []int{out}, s))
	return
}

// linearInt8 is y = x·Wᵀ + b with int8 weights and dynamically quantized
// uint8 activations (see Int8Weights).
func (b *builder) linearInt8(out, x, w, bias string) string {
	codes, scales := b.int8Weight(w)
	q := b.opN(out+"/x_quant", "DynamicQuantizeLinear", []string{x}, []string{"q", "scale", "zero_point"})
	y := b.op(out+"/matmul_int", "MatMulInteger", []string{q[0], codes, q[2]})
	yf := b.op(out+"/matmul_f", "Cast", []string{y}, onnx.IntAttr("to", int64(onnx.Float)))
	s := b.op(out+"/scale", "Mul", []string{q[1], scales})
	ys := b.op(out+"/scaled", "Mul", []string{yf, s})
	return b.op(out, "Add", []string{ys, b.weight(bias)})
}
