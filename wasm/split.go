//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"math"
	"syscall/js"
	"time"
	"unsafe"

	"github.com/clipad/clipad/model/kernels"
	"github.com/clipad/clipad/model/vision"
)

// Single-image forward split across Go instances (one per Web Worker).
//
// Every instance holds the whole model and computes the rows (tokens)
// [r0, r1) of the T = G²+1 token matrix, r_i = i·T/size. Everything in a
// pre-LN ViT block is row-wise (LayerNorm, the four linear layers, GELU,
// residuals) except attention, which needs every token's keys and values:
// after in_proj each instance all-gathers the qkv rows (the only
// exchange per block), then attends with its own query rows against all
// keys/values, for the original path (q·k) and the surgery path (v·v)
// alike. At the end the four stage feature matrices (T×E) are
// all-gathered. 12 + 4 exchanges per dual-path image (12 for the plain
// tower). Each output element is summed in exactly the order of
// vision.Model.Forward (the kernels' sums do not depend on the row count),
// so the result is bit-identical to the one-instance forward.
//
// The exchange goes through globalThis.clipadPeer, installed by the JS
// host (js/bench/peer.mjs):
//
//	shared transport (SharedArrayBuffer + Atomics; needs cross-origin
//	isolation in browsers): {shared: true, slot(s, rank, nbytes) →
//	Uint8Array view of slot s (0/1, double-buffered) of rank, barrier()}.
//	Go copies its rows into its slot, waits at the barrier (Atomics.wait,
//	synchronous), then copies the others' rows out.
//
//	message transport (any worker, no SharedArrayBuffer, e.g. plain static
//	hosting without COOP/COEP): {shared: false, exchange(gen, Uint8Array)
//	→ Promise<Array<Uint8Array|null>> indexed by rank}; the forward runs
//	on its own goroutine and yields to the worker's event loop while it
//	waits, so MessagePort messages can arrive.

// rowPart returns rank r's rows [a, b) of n rows split size ways.
func rowPart(n, size, r int) (int, int) { return r * n / size, (r + 1) * n / size }

func f32Bytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(f))), 4*len(f))
}

// await blocks the calling goroutine (never the JS callback goroutine)
// until the promise settles.
func await(p js.Value) (js.Value, error) {
	ok, bad := make(chan js.Value, 1), make(chan js.Value, 1)
	fo := js.FuncOf(func(_ js.Value, a []js.Value) any { ok <- a[0]; return nil })
	fb := js.FuncOf(func(_ js.Value, a []js.Value) any { bad <- a[0]; return nil })
	defer fo.Release()
	defer fb.Release()
	p.Call("then", fo, fb)
	select {
	case v := <-ok:
		return v, nil
	case e := <-bad:
		return js.Undefined(), fmt.Errorf("peer exchange failed: %s", e.Call("toString").String())
	}
}

// peer is this instance's view of the group.
type peer struct {
	rank, size int
	obj        js.Value
	shared     bool
	gen        int
	u8         js.Value
}

func newPeer(rank, size int) (*peer, error) {
	if size < 1 || rank < 0 || rank >= size {
		return nil, fmt.Errorf("split: rank %d of %d", rank, size)
	}
	p := &peer{rank: rank, size: size}
	if size == 1 {
		return p, nil
	}
	p.obj = js.Global().Get("clipadPeer")
	if p.obj.Type() != js.TypeObject {
		return nil, errors.New("split: a forward split over several workers needs globalThis.clipadPeer (js/bench/peer.mjs)")
	}
	p.shared = p.obj.Get("shared").Truthy()
	p.u8 = js.Global().Get("Uint8Array")
	return p, nil
}

// allgather completes buf (rows×w floats, this rank's rows filled) with
// the other ranks' rows.
func (p *peer) allgather(buf []float32, rows, w int) {
	if p.size == 1 {
		return
	}
	p.gen++
	a, b := rowPart(rows, p.size, p.rank)
	mine := f32Bytes(buf[a*w : b*w])
	if p.shared {
		s := p.gen & 1
		js.CopyBytesToJS(p.obj.Call("slot", s, p.rank, len(mine)), mine)
		p.obj.Call("barrier")
		for q := 0; q < p.size; q++ {
			if q == p.rank {
				continue
			}
			qa, qb := rowPart(rows, p.size, q)
			dst := f32Bytes(buf[qa*w : qb*w])
			js.CopyBytesToGo(dst, p.obj.Call("slot", s, q, len(dst)))
		}
		return
	}
	msg := p.u8.New(len(mine))
	js.CopyBytesToJS(msg, mine)
	got, err := await(p.obj.Call("exchange", p.gen, msg))
	if err != nil {
		panic(err)
	}
	for q := 0; q < p.size; q++ {
		if q == p.rank {
			continue
		}
		qa, qb := rowPart(rows, p.size, q)
		dst := f32Bytes(buf[qa*w : qb*w])
		if n := js.CopyBytesToGo(dst, got.Index(q)); n != len(dst) {
			panic(fmt.Sprintf("split: rank %d sent %d bytes, expected %d", q, n, len(dst)))
		}
	}
}

// Profile buckets of the row forward (milliseconds per image).
const (
	pEmbed = iota
	pLN
	pQKV
	pAttn
	pOut
	pVVAttn
	pVVOut
	pSoftmax
	pFC
	pAct
	pProj
	pResidual
	pFeatures
	pExchange
	nProf
)

var profNames = [nProf]string{"embed", "layernorm", "qkv", "attention", "out_proj", "vv_attention", "vv_out_proj", "softmax", "mlp_fc", "gelu", "mlp_proj", "residual", "features", "exchange"}

// rowForward runs the (dual-path or plain) vision forward for one rank's
// rows; with size 1 it is the whole forward.
type rowForward struct {
	m              *vision.Model
	p              *peer
	r0, r1, T, W   int
	plain, profile bool
	prof           [nProf]float64
	last           time.Time

	h, a, lnb, attn, tmp, vv, mlp, scores, patches []float32
	qkv                                            []float32 // T×3W, all rows after the exchange
	surgery                                        [4][]float32
	cls                                            [4][]float32 // stage class rows (rank holding row 0)
	features                                       [4][]float32 // T×E, all rows after the exchange
	embed                                          []float32
}

func newRowForward(m *vision.Model, p *peer, plain bool) *rowForward {
	v := m.Cfg.Vision
	T, W := v.Tokens(), v.Width
	r0, r1 := rowPart(T, p.size, p.rank)
	n := r1 - r0
	buf := func(size int) []float32 { return make([]float32, size) }
	f := &rowForward{m: m, p: p, r0: r0, r1: r1, T: T, W: W, plain: plain,
		h: buf(n * W), a: buf(n * W), lnb: buf(n * W), attn: buf(n * W), tmp: buf(n * W), vv: buf(n * W),
		mlp: buf(n * v.MLPWidth), scores: buf(n * T), qkv: buf(T * 3 * W)}
	if !plain {
		for k := range f.surgery {
			f.surgery[k] = buf(n * W)
			f.features[k] = buf(T * m.Cfg.EmbedDim)
		}
	}
	return f
}

// tick charges the time since the last tick to bucket b.
func (f *rowForward) tick(b int) {
	if !f.profile {
		return
	}
	now := time.Now()
	f.prof[b] += float64(now.Sub(f.last).Nanoseconds()) / 1e6
	f.last = now
}

// embedRows computes rows [r0, r1) of h_0 = ln_pre([cls; conv(img)] + pos).
func (f *rowForward) embedRows(img []float32) error {
	m := f.m
	v := m.Cfg.Vision
	S, P, G, W := v.ImageSize, v.Patch, v.Grid(), v.Width
	if len(img) != 3*S*S {
		return fmt.Errorf("vision: input has %d values, expected 3×%d×%d", len(img), S, S)
	}
	K := 3 * P * P
	p0 := max(f.r0, 1) // first patch token of this rank
	np := f.r1 - p0
	if cap(f.patches) < np*K {
		f.patches = make([]float32, np*K)
	}
	patches := f.patches[:np*K]
	for t := p0; t < f.r1; t++ {
		r, c := (t-1)/G, (t-1)%G
		dst := patches[(t-p0)*K:]
		for ch := 0; ch < 3; ch++ {
			for i := 0; i < P; i++ {
				copy(dst[(ch*P+i)*P:(ch*P+i)*P+P], img[ch*S*S+(r*P+i)*S+c*P:])
			}
		}
	}
	n := f.r1 - f.r0
	h := f.h[:n*W]
	if f.r0 == 0 {
		copy(h[:W], m.ClassEmb)
	}
	if np > 0 {
		m.Conv.Apply(h[(p0-f.r0)*W:], patches, np)
	}
	pos := m.PosEmb[f.r0*W:]
	for i := range h {
		h[i] += pos[i]
	}
	kernels.LayerNorm(h, h, n, W, m.LNPre.G, m.LNPre.B, m.Cfg.LNEps)
	return nil
}

// attendRows is vision.Attention for the query rows [r0, r0+n) against
// all T keys/values of the packed qkv (T×3W). The two products are charged
// to bucket prod, the softmax to pSoftmax.
func (f *rowForward) attendRows(out []float32, n, hw int, vv bool, prod int) {
	T, W, qkv, scores := f.T, f.W, f.qkv, f.scores
	heads := W / hw
	scale := float32(1 / math.Sqrt(float64(hw)))
	for hd := 0; hd < heads; hd++ {
		q := qkv[f.r0*3*W+hd*hw:]
		k := qkv[W+hd*hw:]
		val := qkv[2*W+hd*hw:]
		if vv {
			q, k = qkv[f.r0*3*W+2*W+hd*hw:], val
		}
		kernels.MatMulNT(scores, T, q, 3*W, k, 3*W, n, T, hw)
		f.tick(prod)
		kernels.SoftmaxRows(scores, n, T, T, scale)
		f.tick(pSoftmax)
		kernels.MatMulNN(out[hd*hw:], W, scores, T, val, 3*W, n, hw, T)
		f.tick(prod)
	}
}

func addTo(dst, x, y []float32) {
	for i := range dst {
		dst[i] = x[i] + y[i]
	}
}

// run computes one image. Rank 0 ends with embed (the image embedding)
// and, for the dual path, every rank with all rows of the four stage
// features.
func (f *rowForward) run(img []float32) error {
	m, p := f.m, f.p
	c := m.Cfg
	v := c.Vision
	T, W, E, L, hw := f.T, f.W, c.EmbedDim, v.Layers, v.HeadWidth
	stage := v.StageLen()
	n := f.r1 - f.r0
	f.last = time.Now()
	if err := f.embedRows(img); err != nil {
		return err
	}
	f.tick(pEmbed)
	h, a, lnb, tmp := f.h, f.a, f.lnb, f.tmp
	for b := 0; b < L; b++ {
		blk := &m.Blocks[b]
		kernels.LayerNorm(lnb, h, n, W, blk.LN1.G, blk.LN1.B, c.LNEps)
		f.tick(pLN)
		blk.QKV.Apply(f.qkv[f.r0*3*W:], lnb, n)
		f.tick(pQKV)
		p.allgather(f.qkv, T, 3*W)
		f.tick(pExchange)
		f.attendRows(f.attn, n, hw, false, pAttn)
		f.tick(pAttn)
		blk.Out.Apply(tmp, f.attn, n)
		f.tick(pOut)
		addTo(a, h, tmp)
		f.tick(pResidual)
		if !f.plain {
			f.attendRows(f.vv, n, hw, true, pVVAttn)
			f.tick(pVVAttn)
			k := b / stage
			if b%stage == 0 {
				blk.Out.Apply(f.surgery[k], f.vv, n)
			} else {
				blk.Out.Apply(tmp, f.vv, n)
				s := f.surgery[k]
				for i := range s {
					s[i] += tmp[i]
				}
			}
			f.tick(pVVOut)
			// the §3.4 quirk: stage k<4's class row is block 3k+1's mid state
			if b%stage == 0 && b > 0 && f.r0 == 0 {
				f.cls[b/stage-1] = append(f.cls[b/stage-1][:0], a[:W]...)
			}
		}
		kernels.LayerNorm(lnb, a, n, W, blk.LN2.G, blk.LN2.B, c.LNEps)
		f.tick(pLN)
		blk.FC.Apply(f.mlp, lnb, n)
		f.tick(pFC)
		vision.Act(f.mlp[:n*v.MLPWidth], c.QuickGELU)
		f.tick(pAct)
		blk.Proj.Apply(tmp, f.mlp, n)
		f.tick(pProj)
		addTo(h, a, tmp)
		f.tick(pResidual)
	}
	if f.r0 == 0 {
		cls := make([]float32, W)
		kernels.LayerNorm(cls, h[:W], 1, W, m.LNPost.G, m.LNPost.B, c.LNEps)
		f.embed = make([]float32, E)
		kernels.Linear(f.embed, cls, 1, W, m.ProjT, E, nil)
		if !f.plain {
			f.cls[3] = append(f.cls[3][:0], h[:W]...)
		}
	}
	if f.plain {
		f.tick(pFeatures)
		return nil
	}
	for k := 0; k < 4; k++ {
		z := tmp
		copy(z, f.surgery[k])
		if f.r0 == 0 {
			copy(z[:W], f.cls[k])
		}
		kernels.LayerNorm(z, z, n, W, m.LNPost.G, m.LNPost.B, c.LNEps)
		out := f.features[k][f.r0*E : f.r1*E]
		kernels.Linear(out, z, n, W, m.ProjT, E, nil)
		kernels.L2NormalizeRows(out, n, E)
		f.tick(pFeatures)
		p.allgather(f.features[k], T, E)
		f.tick(pExchange)
	}
	return nil
}
