package vision

import (
	"fmt"
	"math"
	"sync"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/kernels"
	"github.com/clipad/clipad/model/weights"
)

// Linear is one y = x·Wᵀ + b layer (W in PyTorch [out,in] layout), with
// float32 weights W or int8 weights Q (one scale per output row in QScale).
type Linear struct {
	In, Out int
	W, B    []float32
	Q       []int8
	QScale  []float32
}

// Apply computes y = x·Wᵀ + b for rows rows of x. Int8 layers quantize the
// activations per row (symmetric int8) and accumulate in int32.
func (l *Linear) Apply(y, x []float32, rows int) {
	if l.Q != nil {
		buf := quantBufs.Get().(*quantBuf)
		xq, xs := buf.grow(rows*l.In, rows)
		kernels.QuantizeRowsTo(xq, xs, x[:rows*l.In], rows, l.In)
		kernels.LinearInt8(y, xq, xs, l.Q, l.QScale, rows, l.In, l.Out, l.B)
		quantBufs.Put(buf)
		return
	}
	kernels.Linear(y, x, rows, l.In, l.W, l.Out, l.B)
}

// Outputs returns the layer restricted to output channels [lo, hi) (a
// view sharing the weights).
func (l *Linear) Outputs(lo, hi int) Linear {
	v := Linear{In: l.In, Out: hi - lo}
	if l.W != nil {
		v.W = l.W[lo*l.In : hi*l.In]
	}
	if l.B != nil {
		v.B = l.B[lo:hi]
	}
	if l.Q != nil {
		v.Q, v.QScale = l.Q[lo*l.In:hi*l.In], l.QScale[lo:hi]
	}
	return v
}

// quantBuf holds the int8 activations of one Linear call; pooled so int8
// layers do not allocate per call (a Linear is shared by goroutines).
type quantBuf struct {
	q []int8
	s []float32
}

func (b *quantBuf) grow(n, rows int) ([]int8, []float32) {
	if cap(b.q) < n {
		b.q = make([]int8, n)
	}
	if cap(b.s) < rows {
		b.s = make([]float32, rows)
	}
	return b.q[:n], b.s[:rows]
}

var quantBufs = sync.Pool{New: func() any { return new(quantBuf) }}

// LayerNorm holds affine LayerNorm parameters.
type LayerNorm struct{ G, B []float32 }

// Block is one pre-LN transformer block.
type Block struct {
	LN1, LN2 LayerNorm
	QKV, Out Linear
	FC, Proj Linear
}

// Model is a loaded CLIP vision tower.
type Model struct {
	Cfg      config.Config
	Conv     Linear // conv1 as a [W, 3·P·P] linear over im2col patches, no bias
	ClassEmb []float32
	PosEmb   []float32
	LNPre    LayerNorm
	Blocks   []Block
	LNPost   LayerNorm
	ProjT    []float32 // proj transposed to [E, W] so it is a Linear
}

func ln(s weights.Set, p string) LayerNorm {
	return LayerNorm{G: s[p+".weight"].Data, B: s[p+".bias"].Data}
}

func lin(s weights.Set, wName, bName string) Linear {
	w := s[wName]
	l := Linear{Out: w.Shape[0], In: w.Elems() / w.Shape[0], W: w.Data, Q: w.Q8, QScale: w.Scale}
	if bName != "" {
		l.B = s[bName].Data
	}
	return l
}

// LoadBlocks builds the blocks of a tower stored under prefix ("visual." or "").
func LoadBlocks(s weights.Set, prefix string, layers int) []Block {
	b := make([]Block, layers)
	for i := range b {
		p := fmt.Sprintf("%stransformer.resblocks.%d.", prefix, i)
		b[i] = Block{
			LN1: ln(s, p+"ln_1"), LN2: ln(s, p+"ln_2"),
			QKV:  lin(s, p+"attn.in_proj_weight", p+"attn.in_proj_bias"),
			Out:  lin(s, p+"attn.out_proj.weight", p+"attn.out_proj.bias"),
			FC:   lin(s, p+"mlp.c_fc.weight", p+"mlp.c_fc.bias"),
			Proj: lin(s, p+"mlp.c_proj.weight", p+"mlp.c_proj.bias"),
		}
	}
	return b
}

// Transpose returns the [cols, rows] transpose of a [rows, cols] matrix.
func Transpose(a []float32, rows, cols int) []float32 {
	t := make([]float32, len(a))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			t[c*rows+r] = a[r*cols+c]
		}
	}
	return t
}

// New checks the weights against the config and builds the tower.
func New(cfg config.Config, s weights.Set) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := s.Check(cfg, weights.VisionTower); err != nil {
		return nil, err
	}
	v := cfg.Vision
	m := &Model{
		Cfg:      cfg,
		Conv:     lin(s, "visual.conv1.weight", ""),
		ClassEmb: s["visual.class_embedding"].Data,
		PosEmb:   s["visual.positional_embedding"].Data,
		LNPre:    ln(s, "visual.ln_pre"),
		Blocks:   LoadBlocks(s, "visual.", v.Layers),
		LNPost:   ln(s, "visual.ln_post"),
		ProjT:    Transpose(s["visual.proj"].Float32(), v.Width, cfg.EmbedDim), // int8 bundles store it quantized per row
	}
	return m, nil
}

// Options select forward variants.
type Options struct {
	// CleanClassRow takes the stage-k class row from h_{3k} instead of the
	// official code's mid-block state of block 3k+1 (spec §3.4).
	CleanClassRow bool
	// KeepBlocks keeps every block's hidden state h_b in Output.Blocks.
	KeepBlocks bool
	// ClassRowsOnly skips work that only the original path's patch rows
	// need: those rows feed SDP+ alone, never the SDP map, the features
	// or the image embedding. In the last block the queries, the original
	// attention, its out_proj and the MLP then run for the class row only
	// (keys and values still for every row: the class query and the v-v
	// attention read them), ≈ 6 % of a ViT-B-16-plus-240 forward.
	// Output.Original[k] holds just the class row (W values). Ignored
	// with KeepBlocks.
	ClassRowsOnly bool
}

// Output of the dual-path forward for one image. All matrices are
// row-major with T = G²+1 rows (row 0 the class token, row 1+G·r+c the
// patch at row r, column c).
type Output struct {
	Blocks     [][]float32  // h_b, b = 1..L (index b−1), T×W; only with KeepBlocks
	Original   [4][]float32 // O_k: original-path stage tensors, T×W (W: the class row, with ClassRowsOnly)
	Surgery    [4][]float32 // S_k: raw surgery-path stage sums, T×W
	Features   [4][]float32 // F_k = L2(ln_post(Z_k)·proj), T×E
	ImageEmbed []float32    // ln_post(h_L[cls])·proj, not normalised, E
}

// Workspace holds the scratch buffers of one forward so repeated calls do
// not allocate. It is not safe for concurrent use.
type Workspace struct {
	h, a, ln, qkv, kv, attn, tmp, scores, mlp, vv, patches []float32
}

func grow(b *[]float32, n int) []float32 {
	if cap(*b) < n {
		*b = make([]float32, n)
	}
	*b = (*b)[:n]
	return *b
}

// Embed computes h_0 = ln_pre([cls; conv(img)] + pos) into h (T×W).
func (m *Model) Embed(h, img []float32, ws *Workspace) error {
	v := m.Cfg.Vision
	S, P, G, W := v.ImageSize, v.Patch, v.Grid(), v.Width
	if len(img) != 3*S*S {
		return fmt.Errorf("vision: input has %d values, expected 3×%d×%d = %d", len(img), S, S, 3*S*S)
	}
	K := 3 * P * P
	patches := grow(&ws.patches, G*G*K)
	for r := 0; r < G; r++ {
		for c := 0; c < G; c++ {
			dst := patches[(r*G+c)*K:]
			for ch := 0; ch < 3; ch++ {
				for i := 0; i < P; i++ {
					copy(dst[(ch*P+i)*P:(ch*P+i)*P+P], img[ch*S*S+(r*P+i)*S+c*P:])
				}
			}
		}
	}
	copy(h[:W], m.ClassEmb)
	m.Conv.Apply(h[W:], patches, G*G)
	T := v.Tokens()
	for i := 0; i < T*W; i++ {
		h[i] += m.PosEmb[i]
	}
	kernels.LayerNorm(h, h, T, W, m.LNPre.G, m.LNPre.B, m.Cfg.LNEps)
	return nil
}

// Attention runs multi-head attention on the packed qkv (T×3W) into out
// (T×W). With vv it is CLIP Surgery's v-v attention (q and k replaced by
// v); with causal the scores above the diagonal are masked.
func Attention(out, qkv, scores []float32, T, W, headWidth int, vv, causal bool) {
	attention(out, qkv, scores, T, T, W, headWidth, vv, causal)
}

// attention is Attention for the first rows queries only (out gets rows
// rows; keys and values are all T tokens).
func attention(out, qkv, scores []float32, rows, T, W, headWidth int, vv, causal bool) {
	heads := W / headWidth
	scale := float32(1 / math.Sqrt(float64(headWidth)))
	for hd := 0; hd < heads; hd++ {
		q := qkv[hd*headWidth:]
		k := qkv[W+hd*headWidth:]
		val := qkv[2*W+hd*headWidth:]
		if vv {
			q, k = val, val
		}
		kernels.MatMulNT(scores, T, q, 3*W, k, 3*W, rows, T, headWidth)
		if causal {
			inf := float32(math.Inf(-1))
			for i := 0; i < rows; i++ {
				for j := i + 1; j < T; j++ {
					scores[i*T+j] = inf
				}
			}
		}
		kernels.SoftmaxRows(scores, rows, T, T, scale)
		kernels.MatMulNN(out[hd*headWidth:], W, scores, T, val, 3*W, rows, headWidth, T)
	}
}

// Act applies the config's MLP activation.
func Act(x []float32, quick bool) {
	if quick {
		kernels.QuickGELU(x)
	} else {
		kernels.GELU(x)
	}
}

// Forward runs the dual-path forward on a preprocessed CHW image
// (3×S×S, CLIP-normalised).
func (m *Model) Forward(img []float32, opt Options, ws *Workspace) (*Output, error) {
	if ws == nil {
		ws = new(Workspace)
	}
	c := m.Cfg
	v := c.Vision
	T, W, E, L := v.Tokens(), v.Width, c.EmbedDim, v.Layers
	stage := v.StageLen()
	h := grow(&ws.h, T*W)
	if err := m.Embed(h, img, ws); err != nil {
		return nil, err
	}
	a := grow(&ws.a, T*W)
	lnb := grow(&ws.ln, T*W)
	qkv := grow(&ws.qkv, T*3*W)
	attn := grow(&ws.attn, T*W)
	tmp := grow(&ws.tmp, T*W)
	scores := grow(&ws.scores, T*T)
	mlp := grow(&ws.mlp, T*v.MLPWidth)
	vv := grow(&ws.vv, T*W)
	out := &Output{}
	classOnly := opt.ClassRowsOnly && !opt.KeepBlocks
	keep := func(x []float32) []float32 { // a stage's original-path tensor
		if classOnly {
			x = x[:W]
		}
		return append([]float32(nil), x...)
	}
	var surgery []float32
	for b := 0; b < L; b++ {
		blk := &m.Blocks[b]
		// rows whose original-path values are still needed: all, except
		// in the last block with ClassRowsOnly (the class row alone)
		n := T
		if classOnly && b == L-1 {
			n = 1
		}
		kernels.LayerNorm(lnb, h, T, W, blk.LN1.G, blk.LN1.B, c.LNEps)
		if n == T {
			blk.QKV.Apply(qkv, lnb, T)
		} else {
			// keys and values of every row (strided into qkv), the query
			// of the class row
			kv := grow(&ws.kv, T*2*W)
			wkv := blk.QKV.Outputs(W, 3*W)
			wkv.Apply(kv, lnb, T)
			for i := 0; i < T; i++ {
				copy(qkv[i*3*W+W:(i+1)*3*W], kv[i*2*W:(i+1)*2*W])
			}
			wq := blk.QKV.Outputs(0, W)
			wq.Apply(qkv[:W], lnb[:W], 1)
		}
		// original path attention
		attention(attn, qkv, scores, n, T, W, v.HeadWidth, false, false)
		blk.Out.Apply(tmp, attn, n)
		for i := range a[:n*W] {
			a[i] = h[i] + tmp[i]
		}
		// surgery path (v-v attention) from the same LN1 output
		Attention(vv, qkv, scores, T, W, v.HeadWidth, true, false)
		if b%stage == 0 {
			surgery = make([]float32, T*W)
			blk.Out.Apply(surgery, vv, T)
		} else {
			blk.Out.Apply(tmp, vv, T)
			for i := range surgery {
				surgery[i] += tmp[i]
			}
		}
		// the §3.4 quirk: stage k<4's original tensor is block 3k+1's mid state
		if !opt.CleanClassRow && b%stage == 0 && b > 0 {
			out.Original[b/stage-1] = keep(a[:n*W])
		}
		// MLP
		kernels.LayerNorm(lnb, a, n, W, blk.LN2.G, blk.LN2.B, c.LNEps)
		blk.FC.Apply(mlp, lnb, n)
		Act(mlp[:n*v.MLPWidth], c.QuickGELU)
		blk.Proj.Apply(tmp, mlp, n)
		for i := range h[:n*W] {
			h[i] = a[i] + tmp[i]
		}
		if opt.KeepBlocks {
			out.Blocks = append(out.Blocks, append([]float32(nil), h...))
		}
		if (b+1)%stage == 0 {
			k := (b+1)/stage - 1
			out.Surgery[k] = surgery
			if opt.CleanClassRow || k == 3 {
				out.Original[k] = keep(h[:n*W])
			}
		}
	}
	for k := 0; k < 4; k++ {
		z := grow(&ws.tmp, T*W)
		copy(z, out.Surgery[k])
		copy(z[:W], out.Original[k][:W])
		kernels.LayerNorm(z, z, T, W, m.LNPost.G, m.LNPost.B, c.LNEps)
		f := make([]float32, T*E)
		kernels.Linear(f, z, T, W, m.ProjT, E, nil)
		kernels.L2NormalizeRows(f, T, E)
		out.Features[k] = f
	}
	cls := make([]float32, W)
	kernels.LayerNorm(cls, h[:W], 1, W, m.LNPost.G, m.LNPost.B, c.LNEps)
	out.ImageEmbed = make([]float32, E)
	kernels.Linear(out.ImageEmbed, cls, 1, W, m.ProjT, E, nil)
	return out, nil
}
