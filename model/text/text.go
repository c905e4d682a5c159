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
func (m *Model) Encode(tokens [][]int32) ([][]float32, error) {
	t := m.Cfg.Text
	W := t.Width
	ctx := t.Context
	x := make([]float32, ctx*W)
	lnb := make([]float32, ctx*W)
	qkv := make([]float32, ctx*3*W)
	attn := make([]float32, ctx*W)
	tmp := make([]float32, ctx*W)
	scores := make([]float32, ctx*ctx)
	mlp := make([]float32, ctx*4*W)
	var out [][]float32
	for n, seq := range tokens {
		if len(seq) != ctx {
			return nil, fmt.Errorf("text: sequence %d has %d tokens, expected %d", n, len(seq), ctx)
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
		for i, id := range seq[:eot+1] {
			copy(x[i*W:(i+1)*W], m.TokenEmb[int(id)*W:(int(id)+1)*W])
		}
		// Causal attention: positions after the end-of-text token cannot
		// influence it, so only the first eot+1 positions are computed
		// (exactly the same result as the full padded sequence).
		C := eot + 1
		for i := 0; i < C*W; i++ {
			x[i] += m.PosEmb[i]
		}
		for b := range m.Blocks {
			blk := &m.Blocks[b]
			kernels.LayerNorm(lnb, x, C, W, blk.LN1.G, blk.LN1.B, m.Cfg.LNEps)
			blk.QKV.Apply(qkv, lnb, C)
			vision.Attention(attn, qkv, scores, C, W, t.HeadWidth(), false, true)
			blk.Out.Apply(tmp, attn, C)
			for i := 0; i < C*W; i++ {
				x[i] += tmp[i]
			}
			kernels.LayerNorm(lnb, x, C, W, blk.LN2.G, blk.LN2.B, m.Cfg.LNEps)
			blk.FC.Apply(mlp, lnb, C)
			vision.Act(mlp, m.Cfg.QuickGELU)
			blk.Proj.Apply(tmp, mlp, C)
			for i := 0; i < C*W; i++ {
				x[i] += tmp[i]
			}
		}
		row := make([]float32, W)
		kernels.LayerNorm(row, x[eot*W:(eot+1)*W], 1, W, m.LNFinal.G, m.LNFinal.B, m.Cfg.LNEps)
		f := make([]float32, m.Cfg.EmbedDim)
		kernels.Linear(f, row, 1, W, m.ProjT, m.Cfg.EmbedDim, nil)
		out = append(out, f)
	}
	return out, nil
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
