//go:build !js

package train

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// sigmoidOp is an exact logistic function for gorgonia. Gorgonia's own
// Sigmoid clamps (float32: 1 above x = 15, float64: 1 above 19), which
// changes the focal loss of confidently classified pixels; this op
// computes 1/(1+e^−x) (x ≥ 0) or eˣ/(1+eˣ) (x < 0) in float64 for every
// element, like PyTorch's 2-way softmax does for each channel. Its
// derivative σ(x)·σ(−x) is built from the op itself, so it stays accurate
// where σ(x) rounds to 1.
type sigmoidOp struct{}

func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// exactSigmoid applies sigmoidOp.
func exactSigmoid(x *G.Node) (*G.Node, error) { return G.ApplyOp(sigmoidOp{}, x) }

func (sigmoidOp) Arity() int { return 1 }

func (sigmoidOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}

func (sigmoidOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("sigmoid: input shape is %T", in[0])
	}
	return s.Clone(), nil
}

func (sigmoidOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("sigmoid: %d inputs", len(in))
	}
	t, ok := in[0].(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("sigmoid: input is %T, not a tensor", in[0])
	}
	switch d := t.Data().(type) {
	case []float32:
		out := make([]float32, len(d))
		for i, x := range d {
			out[i] = float32(sigmoid64(float64(x)))
		}
		return tensor.New(tensor.WithShape(t.Shape().Clone()...), tensor.WithBacking(out)), nil
	case []float64:
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = sigmoid64(x)
		}
		return tensor.New(tensor.WithShape(t.Shape().Clone()...), tensor.WithBacking(out)), nil
	}
	return nil, fmt.Errorf("sigmoid: unsupported data %T", t.Data())
}

func (sigmoidOp) ReturnsPtr() bool      { return false }
func (sigmoidOp) CallsExtern() bool     { return false }
func (sigmoidOp) OverwritesInput() int  { return -1 }
func (sigmoidOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "clipad.sigmoid") }
func (sigmoidOp) String() string        { return "clipad.sigmoid" }

func (o sigmoidOp) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}

func (sigmoidOp) DiffWRT(n int) []bool { return []bool{true} }

// SymDiff: d/dx σ(x) = σ(x)·σ(−x).
func (sigmoidOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	neg, err := G.Neg(in[0])
	if err != nil {
		return nil, err
	}
	other, err := exactSigmoid(neg)
	if err != nil {
		return nil, err
	}
	d, err := G.HadamardProd(out, other)
	if err != nil {
		return nil, err
	}
	g, err := G.HadamardProd(grad, d)
	if err != nil {
		return nil, err
	}
	return G.Nodes{g}, nil
}
