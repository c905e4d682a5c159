package kernels

import "fmt"

// PackedF32 is a Linear weight matrix (PyTorch [out,in] layout) re-laid out
// once in the panel order the f32 micro-kernel reads, so LinearPacked skips
// packing B on every call. For each k-block of kcBlock input features
// (starting at pc, depth kc) and each group of nr output channels jp it
// stores kc·nr values depth-major at offset pc·nPad + jp·nr·kc, where nPad
// is out rounded up to a multiple of nr (the padding channels are zero).
//
// Memory: it holds nPad·in float32 (at most 2·in more than w). PackLinear
// allocates it while w is still alive, so the peak is briefly two copies of
// that one matrix; the caller should drop its reference to w after packing
// (pack one matrix at a time while loading) so the steady state is one copy.
type PackedF32 struct {
	Out, In int
	nPad    int
	data    []float32
}

// PackLinear packs w (out×in, PyTorch Linear layout) for LinearPacked.
// w is not retained.
func PackLinear(w []float32, out, in int) *PackedF32 {
	checkMat("w", w, out, in, in)
	nPad := (out + nr - 1) / nr * nr
	p := &PackedF32{Out: out, In: in, nPad: nPad, data: make([]float32, nPad*in)}
	for pc := 0; pc < in; pc += kcBlock {
		kc := min(kcBlock, in-pc)
		packBNT(p.data[pc*nPad:pc*nPad+nPad*kc], w, in, 0, out, pc, kc)
	}
	return p
}

// Bytes is the memory held by the packed weights.
func (p *PackedF32) Bytes() int { return 4 * len(p.data) }

// LinearPacked computes y = x·wᵀ + b like Linear, from weights packed by
// PackLinear: x is rows×p.In, y is rows×p.Out, b is nil or p.Out values.
// Results equal Linear's (same summation order per element).
func LinearPacked(y, x []float32, rows int, p *PackedF32, b []float32) {
	checkMat("x", x, rows, p.In, p.In)
	checkMat("y", y, rows, p.Out, p.Out)
	if b != nil && len(b) < p.Out {
		panic(fmt.Sprintf("kernels: LinearPacked: bias len %d < %d", len(b), p.Out))
	}
	j := gemmJob{m: rows, n: p.Out, k: p.In, a: x, lda: p.In, bkind: bPacked, packed: p, c: y, ldc: p.Out, bias: b}
	j.run()
}
