//go:build !js

package train

import (
	"fmt"

	"github.com/clipad/clipad/model/sdpplus"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Loss constants of spec §5.2 (APRIL-GAN's FocalLoss and BinaryDiceLoss).
const (
	FocalSmooth = 1e-5 // one-hot clamp [1e-5, 1−1e-5] and the +1e-5 on pt
	DiceSmooth  = 1.0
)

// upsampleMatrix returns the size×grid matrix U of PyTorch's 1-D linear
// interpolation with align_corners=True (out[d] = Σ_i U[d,i]·in[i]), the
// same taps as anomaly.Bilinear(…, true): src = d·(grid−1)/(size−1).
func upsampleMatrix(grid, size int) []float64 {
	u := make([]float64, size*grid)
	scale := 0.0
	if size > 1 {
		scale = float64(grid-1) / float64(size-1)
	}
	for d := 0; d < size; d++ {
		src := scale * float64(d)
		a := min(int(src), grid-1)
		b := a
		if a < grid-1 {
			b = a + 1
		}
		w1 := src - float64(a)
		u[d*grid+a] += 1 - w1
		u[d*grid+b] += w1
	}
	return u
}

// graph is the loss of one batch of B images as a gorgonia expression
// graph, with gradients w.r.t. the head's 8 parameters.
//
// Row layout: to express the per-image bilinear upsampling Ur·Z_b·Ucᵀ as
// two plain matrix products without transposes, the patch tokens of a
// batch are stacked in (patch row r, image b, patch column c) order and
// the upsampled maps and masks in (pixel row y, image b, pixel column x)
// order. Every loss term is a sum over pixels (per image for dice), so the
// order does not change the loss.
//
// The 2-way softmax over the upsampled logit channels equals the sigmoid
// of the upsampled difference (interpolation is linear), so one channel
// z = 100·⟨L2(Linear_k(o)), t_a − t_n⟩ is upsampled per stage, and
// p_a = σ(z), p_n = σ(−z), each computed exactly (sigmoidOp).
type graph struct {
	dt          tensor.Dtype
	B, P, Gr, S int
	W, E        int

	g        *G.ExprGraph
	x        [sdpplus.Stages]*G.Node // (Gr·B·Gr) × W
	w        [sdpplus.Stages]*G.Node // E × W
	b        [sdpplus.Stages]*G.Node // 1 × E
	tsel     *G.Node                 // (Gr·B·Gr) × E: 100·(t_a − t_n) of each row's image
	focalA   *G.Node                 // (S·B) × S: c₁ = clamp(onehot_a)
	focalB   *G.Node                 // (S·B) × S: c₀ = clamp(onehot_n)
	focalEps *G.Node                 // the +1e-5 on pt
	mask     *G.Node                 // (S·B) × S: 0/1
	ysum1    *G.Node                 // B: Σ mask + 1 per image
	ur, uc   *G.Node
	loss     *G.Node
	parts    [sdpplus.Stages]*G.Node // focal + dice of each stage
	vm       G.VM
}

func (g *graph) scalar(v float64) *G.Node {
	if g.dt == tensor.Float32 {
		return G.NewConstant(float32(v))
	}
	return G.NewConstant(v)
}

func backing(dt tensor.Dtype, v []float64) any {
	if dt == tensor.Float32 {
		f := make([]float32, len(v))
		for i, x := range v {
			f[i] = float32(x)
		}
		return f
	}
	return v
}

// newGraph builds the loss graph for batches of B images (grid Gr, map
// size S, layers W→E) in float32 or float64.
func newGraph(dt tensor.Dtype, B, Gr, S, W, E int) (*graph, error) {
	gg := &graph{dt: dt, B: B, P: Gr * Gr, Gr: Gr, S: S, W: W, E: E, g: G.NewGraph()}
	if err := gg.build(); err != nil {
		return nil, fmt.Errorf("train: building the loss graph: %w", err)
	}
	return gg, nil
}

func (gg *graph) build() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	g, dt := gg.g, gg.dt
	B, Gr, S, W, E := gg.B, gg.Gr, gg.S, gg.W, gg.E
	rows := Gr * B * Gr
	must := G.Must
	u := upsampleMatrix(Gr, S) // S×Gr
	ucT := make([]float64, Gr*S)
	for d := 0; d < S; d++ {
		for i := 0; i < Gr; i++ {
			ucT[i*S+d] = u[d*Gr+i]
		}
	}
	gg.ur = G.NewMatrix(g, dt, G.WithShape(S, Gr), G.WithName("Ur"),
		G.WithValue(tensor.New(tensor.WithShape(S, Gr), tensor.WithBacking(backing(dt, u)))))
	gg.uc = G.NewMatrix(g, dt, G.WithShape(Gr, S), G.WithName("UcT"),
		G.WithValue(tensor.New(tensor.WithShape(Gr, S), tensor.WithBacking(backing(dt, ucT)))))
	gg.tsel = G.NewMatrix(g, dt, G.WithShape(rows, E), G.WithName("tsel"))
	gg.focalA = G.NewMatrix(g, dt, G.WithShape(S*B, S), G.WithName("focalA"))
	gg.focalB = G.NewMatrix(g, dt, G.WithShape(S*B, S), G.WithName("focalB"))
	gg.mask = G.NewMatrix(g, dt, G.WithShape(S*B, S), G.WithName("mask"))
	gg.ysum1 = G.NewVector(g, dt, G.WithShape(B), G.WithName("ysum1"))
	one := gg.scalar(1)
	gg.focalEps = gg.scalar(FocalSmooth)
	var total *G.Node
	for k := range sdpplus.Stages {
		gg.x[k] = G.NewMatrix(g, dt, G.WithShape(rows, W), G.WithName(fmt.Sprintf("x%d", k)))
		gg.w[k] = G.NewMatrix(g, dt, G.WithShape(E, W), G.WithName(fmt.Sprintf("w%d", k)))
		gg.b[k] = G.NewMatrix(g, dt, G.WithShape(1, E), G.WithName(fmt.Sprintf("b%d", k)))
		y := must(G.Mul(gg.x[k], must(G.Transpose(gg.w[k]))))      // rows×E
		y = must(G.BroadcastAdd(y, gg.b[k], nil, []byte{0}))       // + bias
		nrm := must(G.Sqrt(must(G.Sum(must(G.Square(y)), 1))))     // rows
		nrm = must(G.Reshape(nrm, tensor.Shape{rows, 1}))          //
		yn := must(G.BroadcastHadamardDiv(y, nrm, nil, []byte{1})) // L2 rows
		z := must(G.Sum(must(G.HadamardProd(yn, gg.tsel)), 1))     // rows: logit difference a − n
		z = must(G.Reshape(z, tensor.Shape{Gr, B * Gr}))           // [r, (b,c)]
		a := must(G.Mul(gg.ur, z))                                 // [y, (b,c)]
		a = must(G.Reshape(a, tensor.Shape{S * B, Gr}))            // [(y,b), c]
		up := must(G.Mul(a, gg.uc))                                // [(y,b), x]
		p := must(exactSigmoid(up))                                // P_k[abnormal] = softmax(n, a)_a
		pn := must(exactSigmoid(must(G.Neg(up))))                  // P_k[normal], exact also where p rounds to 1
		// focal (γ = 2): pt = c₁·p_a + c₀·p_n + 1e-5
		pt := must(G.Add(must(G.Add(must(G.HadamardProd(gg.focalA, p)), must(G.HadamardProd(gg.focalB, pn)))), gg.focalEps))
		omp := must(G.Sub(one, pt))
		focal := must(G.Mean(must(G.HadamardProd(must(G.Square(omp)), must(G.Neg(must(G.Log(pt))))))))
		// dice per image: (2Σpy + 1)/(Σp + Σy + 1)
		inter := must(G.Reshape(must(G.HadamardProd(p, gg.mask)), tensor.Shape{S, B, S}))
		inter = must(G.Sum(must(G.Sum(inter, 2)), 0)) // B
		ps := must(G.Sum(must(G.Sum(must(G.Reshape(p, tensor.Shape{S, B, S})), 2)), 0))
		num := must(G.Add(must(G.Mul(gg.scalar(2), inter)), gg.scalar(DiceSmooth)))
		den := must(G.Add(ps, gg.ysum1))
		dice := must(G.Sub(one, must(G.Mean(must(G.HadamardDiv(num, den))))))
		gg.parts[k] = must(G.Add(focal, dice))
		if total == nil {
			total = gg.parts[k]
		} else {
			total = must(G.Add(total, gg.parts[k]))
		}
	}
	gg.loss = total
	var wrt G.Nodes
	for k := range sdpplus.Stages {
		wrt = append(wrt, gg.w[k], gg.b[k])
	}
	grads, err := G.Grad(gg.loss, wrt...)
	if err != nil {
		return err
	}
	// Run only what the loss and the parameter gradients need: symbolic
	// differentiation also creates the (unused) gradients w.r.t. the frozen
	// tokens, a third of the matrix-product work.
	sub := g.SubgraphRoots(append(G.Nodes{gg.loss}, grads...)...)
	gg.vm = G.NewTapeMachine(sub, G.BindDualValues(wrt...))
	return nil
}

// batchInput is one batch in the graph's layouts.
type batchInput[T float32 | float64] struct {
	x                   [sdpplus.Stages][]T // (Gr·B·Gr) × W each
	tsel                []T                 // (Gr·B·Gr) × E
	focalA, focalB, msk []T                 // (S·B) × S
	ysum1               []T                 // B
}

// makeInput lays out a batch: tokens[b][k] is image b's stage-k patch
// tokens (P×W, class token removed), masks[b] its S×S 0/1 mask, tn[b] and
// ta[b] its category's text vectors.
func makeInput[T float32 | float64](g *graph, tokens [][sdpplus.Stages][]float32, masks [][]uint8, tn, ta [][]float32) (*batchInput[T], error) {
	B, Gr, S, W, E := g.B, g.Gr, g.S, g.W, g.E
	if len(tokens) != B || len(masks) != B || len(tn) != B || len(ta) != B {
		return nil, fmt.Errorf("train: batch of %d/%d/%d/%d items for a graph of %d", len(tokens), len(masks), len(tn), len(ta), B)
	}
	in := &batchInput[T]{tsel: make([]T, Gr*B*Gr*E), focalA: make([]T, S*B*S), focalB: make([]T, S*B*S),
		msk: make([]T, S*B*S), ysum1: make([]T, B)}
	for k := range sdpplus.Stages {
		in.x[k] = make([]T, Gr*B*Gr*W)
	}
	c1hi, c1lo := 1-FocalSmooth, FocalSmooth
	for b := 0; b < B; b++ {
		if len(masks[b]) != S*S {
			return nil, fmt.Errorf("train: mask %d has %d values, want %d×%d", b, len(masks[b]), S, S)
		}
		if len(tn[b]) != E || len(ta[b]) != E {
			return nil, fmt.Errorf("train: text vectors of image %d are %d/%d-d, want %d", b, len(tn[b]), len(ta[b]), E)
		}
		td := make([]T, E)
		for i := range td {
			td[i] = T(sdpplus.LogitScale * (float64(ta[b][i]) - float64(tn[b][i])))
		}
		for k := range sdpplus.Stages {
			if len(tokens[b][k]) != Gr*Gr*W {
				return nil, fmt.Errorf("train: image %d stage %d has %d token values, want %d×%d", b, k+1, len(tokens[b][k]), Gr*Gr, W)
			}
		}
		for r := 0; r < Gr; r++ {
			for c := 0; c < Gr; c++ {
				row := (r*B+b)*Gr + c
				for k := range sdpplus.Stages {
					src := tokens[b][k][(r*Gr+c)*W : (r*Gr+c+1)*W]
					dst := in.x[k][row*W : (row+1)*W]
					for i, v := range src {
						dst[i] = T(v)
					}
				}
				copy(in.tsel[row*E:(row+1)*E], td)
			}
		}
		ys := 0.0
		for y := 0; y < S; y++ {
			for x := 0; x < S; x++ {
				m := masks[b][y*S+x]
				if m > 1 {
					return nil, fmt.Errorf("train: mask %d is not 0/1 (value %d)", b, m)
				}
				i := (y*B+b)*S + x
				c1 := c1lo
				if m == 1 {
					c1 = c1hi
					ys++
				}
				in.msk[i] = T(m)
				in.focalA[i] = T(c1)
				in.focalB[i] = T(1 - c1) // clamp(1 − y) = 1 − clamp(y)
			}
		}
		in.ysum1[b] = T(ys + DiceSmooth)
	}
	return in, nil
}

func dense[T float32 | float64](v []T, shape ...int) *tensor.Dense {
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
}

// run evaluates the loss and its gradients for params (weights E×W and
// biases E per stage) on one batch. The gradients are returned in the
// parameters' layouts; parts holds each stage's focal + dice.
func run[T float32 | float64](g *graph, in *batchInput[T], w, b [sdpplus.Stages][]T) (loss float64, parts [sdpplus.Stages]float64, gw, gb [sdpplus.Stages][]T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("train: gorgonia: %v", r)
		}
	}()
	rows := g.Gr * g.B * g.Gr
	lets := []struct {
		n *G.Node
		v *tensor.Dense
	}{
		{g.tsel, dense(in.tsel, rows, g.E)},
		{g.focalA, dense(in.focalA, g.S*g.B, g.S)},
		{g.focalB, dense(in.focalB, g.S*g.B, g.S)},
		{g.mask, dense(in.msk, g.S*g.B, g.S)},
		{g.ysum1, dense(in.ysum1, g.B)},
	}
	for k := range sdpplus.Stages {
		lets = append(lets,
			struct {
				n *G.Node
				v *tensor.Dense
			}{g.x[k], dense(in.x[k], rows, g.W)},
			struct {
				n *G.Node
				v *tensor.Dense
			}{g.w[k], dense(w[k], g.E, g.W)},
			struct {
				n *G.Node
				v *tensor.Dense
			}{g.b[k], dense(b[k], 1, g.E)})
	}
	for _, l := range lets {
		if err = G.Let(l.n, l.v); err != nil {
			return
		}
	}
	defer g.vm.Reset()
	if err = g.vm.RunAll(); err != nil {
		return
	}
	loss = scalarOf(g.loss.Value())
	for k := range sdpplus.Stages {
		parts[k] = scalarOf(g.parts[k].Value())
		var gv G.Value
		if gv, err = g.w[k].Grad(); err != nil {
			return
		}
		gw[k] = append([]T(nil), gv.Data().([]T)...)
		if gv, err = g.b[k].Grad(); err != nil {
			return
		}
		gb[k] = append([]T(nil), gv.Data().([]T)...)
	}
	return
}

func scalarOf(v G.Value) float64 {
	switch x := v.Data().(type) {
	case float32:
		return float64(x)
	case float64:
		return x
	case []float32:
		return float64(x[0])
	case []float64:
		return x[0]
	}
	panic(fmt.Sprintf("train: unexpected scalar %T", v.Data()))
}
