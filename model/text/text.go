package text

import (
	"fmt"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/kernels"
	"github.com/clipad/clipad/model/vision"
	"github.com/clipad/clipad/model/weights"
)

// Model is a loaded CLIP text tower.
type Model struct {
	Cfg      config.Config
	TokenEmb []float32 // Vocab×Wt
	PosEmb   []float32 // Context×Wt
	Blocks   []vision.Block
	LNFinal  vision.LayerNorm
	ProjT    []float32 // text_projection transposed to [E, Wt]
}

// New checks the weights against the config and builds the tower.
func New(cfg config.Config, s weights.Set) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := s.Check(cfg, weights.TextTower); err != nil {
		return nil, err
	}
	t := cfg.Text
	return &Model{
		Cfg:      cfg,
		TokenEmb: s["token_embedding.weight"].Data,
		PosEmb:   s["positional_embedding"].Data,
		Blocks:   vision.LoadBlocks(s, "", t.Layers),
		LNFinal:  vision.LayerNorm{G: s["ln_final.weight"].Data, B: s["ln_final.bias"].Data},
		ProjT:    vision.Transpose(s["text_projection"].Data, t.Width, cfg.EmbedDim),
	}, nil
}

// Encode returns the projected (not normalised) feature of each token
// sequence (each of length Context, padded with zeros), N×E.
//
// The attention is causal, so positions after a sequence's end-of-text
// token cannot influence it: only the first eot+1 positions are computed
// (the same result as the full padded sequence). Sequences are processed
// in batches whose tokens are stacked into one matrix for the linear
// layers (attention stays per sequence); the kernels' results do not
// depend on the batching, row for row.
func (m *Model) Encode(tokens [][]int32) ([][]float32, error) {
	t := m.Cfg.Text
	W := t.Width
	lens := make([]int, len(tokens))
	for n, seq := range tokens {
		if len(seq) != t.Context {
			return nil, fmt.Errorf("text: sequence %d has %d tokens, expected %d", n, len(seq), t.Context)
		}
		eot := 0
		for i, id := range seq {
			if id < 0 || int(id) >= t.Vocab {
				return nil, fmt.Errorf("text: sequence %d: token id %d out of range [0,%d)", n, id, t.Vocab)
			}
			if id > seq[eot] {
				eot = i
			}
		}
		lens[n] = eot + 1
	}
	const maxRows = 2048
	out := make([][]float32, 0, len(tokens))
	var x, lnb, qkv, attn, tmp, mlp []float32
	scores := make([]float32, t.Context*t.Context)
	for lo := 0; lo < len(tokens); {
		hi, rows := lo, 0
		for hi < len(tokens) && (hi == lo || rows+lens[hi] <= maxRows) {
			rows += lens[hi]
			hi++
		}
		x = grow(x, rows*W)
		lnb = grow(lnb, rows*W)
		qkv = grow(qkv, rows*3*W)
		attn = grow(attn, rows*W)
		tmp = grow(tmp, rows*W)
		mlp = grow(mlp, rows*4*W)
		off := 0
		for n := lo; n < hi; n++ {
			for i, id := range tokens[n][:lens[n]] {
				r := x[(off+i)*W : (off+i+1)*W]
				copy(r, m.TokenEmb[int(id)*W:(int(id)+1)*W])
				for j := range r {
					r[j] += m.PosEmb[i*W+j]
				}
			}
			off += lens[n]
		}
		for b := range m.Blocks {
			blk := &m.Blocks[b]
			kernels.LayerNorm(lnb, x, rows, W, blk.LN1.G, blk.LN1.B, m.Cfg.LNEps)
			blk.QKV.Apply(qkv, lnb, rows)
			off = 0
			for n := lo; n < hi; n++ {
				vision.Attention(attn[off*W:], qkv[off*3*W:], scores, lens[n], W, t.HeadWidth(), false, true)
				off += lens[n]
			}
			blk.Out.Apply(tmp, attn, rows)
			kernels.Add(x, x, tmp)
			kernels.LayerNorm(lnb, x, rows, W, blk.LN2.G, blk.LN2.B, m.Cfg.LNEps)
			blk.FC.Apply(mlp, lnb, rows)
			vision.Act(mlp, m.Cfg.QuickGELU)
			blk.Proj.Apply(tmp, mlp, rows)
			kernels.Add(x, x, tmp)
		}
		off = 0
		for n := lo; n < hi; n++ {
			eot := off + lens[n] - 1
			row := make([]float32, W)
			kernels.LayerNorm(row, x[eot*W:(eot+1)*W], 1, W, m.LNFinal.G, m.LNFinal.B, m.Cfg.LNEps)
			f := make([]float32, m.Cfg.EmbedDim)
			kernels.Linear(f, row, 1, W, m.ProjT, m.Cfg.EmbedDim, nil)
			out = append(out, f)
			off += lens[n]
		}
		lo = hi
	}
	return out, nil
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

// Embed returns L2-normalised text embeddings (spec §2.2).
func (m *Model) Embed(tokens [][]int32) ([][]float32, error) {
	f, err := m.Encode(tokens)
	if err != nil {
		return nil, err
	}
	for _, v := range f {
		kernels.L2NormalizeRows(v, 1, len(v))
	}
	return f, nil
}
