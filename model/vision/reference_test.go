package vision

import (
	"fmt"
	"math"
	"testing"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/synth"
	"github.com/clipad/clipad/model/weights"
)

// refModel is a float64, plain-loop implementation of spec §3 written
// independently of Forward (no shared helpers, no kernels package), used to
// check the fast path.
type refModel struct {
	c config.Config
	s weights.Set
}

type mat [][]float64

func newMat(r, c int) mat {
	m := make(mat, r)
	for i := range m {
		m[i] = make([]float64, c)
	}
	return m
}

func (r refModel) t(name string) []float32 { return r.s[name].Data }

func (r refModel) layerNorm(x mat, p string) mat {
	g, b := r.t(p+".weight"), r.t(p+".bias")
	y := newMat(len(x), len(x[0]))
	for i, row := range x {
		mu, va := 0.0, 0.0
		for _, v := range row {
			mu += v
		}
		mu /= float64(len(row))
		for _, v := range row {
			va += (v - mu) * (v - mu)
		}
		va /= float64(len(row))
		for j, v := range row {
			y[i][j] = (v-mu)/math.Sqrt(va+r.c.LNEps)*float64(g[j]) + float64(b[j])
		}
	}
	return y
}

// linear: y = x Wᵀ + b, W [out,in]
func (r refModel) linear(x mat, wn, bn string, rowOff, outN int) mat {
	w := r.t(wn)
	in := len(x[0])
	var b []float32
	if bn != "" {
		b = r.t(bn)
	}
	y := newMat(len(x), outN)
	for i := range x {
		for o := 0; o < outN; o++ {
			s := 0.0
			for k := 0; k < in; k++ {
				s += x[i][k] * float64(w[(rowOff+o)*in+k])
			}
			if b != nil {
				s += float64(b[rowOff+o])
			}
			y[i][o] = s
		}
	}
	return y
}

func softmax(v []float64) {
	mx := math.Inf(-1)
	for _, x := range v {
		mx = math.Max(mx, x)
	}
	s := 0.0
	for i := range v {
		v[i] = math.Exp(v[i] - mx)
		s += v[i]
	}
	for i := range v {
		v[i] /= s
	}
}

// attention returns (original, vv) head-concatenated outputs before out_proj.
func (r refModel) attention(x mat, p string) (mat, mat) {
	W := r.c.Vision.Width
	hw := r.c.Vision.HeadWidth
	q := r.linear(x, p+"attn.in_proj_weight", p+"attn.in_proj_bias", 0, W)
	k := r.linear(x, p+"attn.in_proj_weight", p+"attn.in_proj_bias", W, W)
	v := r.linear(x, p+"attn.in_proj_weight", p+"attn.in_proj_bias", 2*W, W)
	T := len(x)
	orig, vv := newMat(T, W), newMat(T, W)
	for h := 0; h < W/hw; h++ {
		for _, pair := range []struct {
			a, b mat
			out  mat
		}{{q, k, orig}, {v, v, vv}} {
			for i := 0; i < T; i++ {
				sc := make([]float64, T)
				for j := 0; j < T; j++ {
					for d := h * hw; d < (h+1)*hw; d++ {
						sc[j] += pair.a[i][d] * pair.b[j][d]
					}
					sc[j] /= math.Sqrt(float64(hw))
				}
				softmax(sc)
				for d := h * hw; d < (h+1)*hw; d++ {
					for j := 0; j < T; j++ {
						pair.out[i][d] += sc[j] * v[j][d]
					}
				}
			}
		}
	}
	return orig, vv
}

func add(a, b mat) mat {
	y := newMat(len(a), len(a[0]))
	for i := range a {
		for j := range a[i] {
			y[i][j] = a[i][j] + b[i][j]
		}
	}
	return y
}

type refOut struct {
	blocks   []mat
	original [4]mat
	surgery  [4]mat
	features [4]mat
	embed    []float64
}

func (r refModel) forward(img []float32, clean bool) refOut {
	v := r.c.Vision
	S, P, G, W, E := v.ImageSize, v.Patch, v.Grid(), v.Width, r.c.EmbedDim
	T := G*G + 1
	conv := r.t("visual.conv1.weight")
	x := newMat(T, W)
	for o := 0; o < W; o++ {
		x[0][o] = float64(r.t("visual.class_embedding")[o])
	}
	for gr := 0; gr < G; gr++ {
		for gc := 0; gc < G; gc++ {
			for o := 0; o < W; o++ {
				s := 0.0
				for ch := 0; ch < 3; ch++ {
					for i := 0; i < P; i++ {
						for j := 0; j < P; j++ {
							s += float64(img[ch*S*S+(gr*P+i)*S+gc*P+j]) * float64(conv[((o*3+ch)*P+i)*P+j])
						}
					}
				}
				x[1+gr*G+gc][o] = s
			}
		}
	}
	pos := r.t("visual.positional_embedding")
	for i := range x {
		for j := range x[i] {
			x[i][j] += float64(pos[i*W+j])
		}
	}
	h := r.layerNorm(x, "visual.ln_pre")
	var out refOut
	L, st := v.Layers, v.StageLen()
	var s mat
	for b := 0; b < L; b++ {
		p := fmt.Sprintf("visual.transformer.resblocks.%d.", b)
		ln1 := r.layerNorm(h, p+"ln_1")
		o, vv := r.attention(ln1, p)
		a := add(h, r.linear(o, p+"attn.out_proj.weight", p+"attn.out_proj.bias", 0, W))
		vvp := r.linear(vv, p+"attn.out_proj.weight", p+"attn.out_proj.bias", 0, W)
		if b%st == 0 {
			s = vvp
		} else {
			s = add(s, vvp)
		}
		if !clean && b%st == 0 && b > 0 {
			out.original[b/st-1] = a
		}
		m := r.linear(r.layerNorm(a, p+"ln_2"), p+"mlp.c_fc.weight", p+"mlp.c_fc.bias", 0, v.MLPWidth)
		for i := range m {
			for j, z := range m[i] {
				if r.c.QuickGELU {
					m[i][j] = z / (1 + math.Exp(-1.702*z))
				} else {
					m[i][j] = 0.5 * z * (1 + math.Erf(z/math.Sqrt2))
				}
			}
		}
		h = add(a, r.linear(m, p+"mlp.c_proj.weight", p+"mlp.c_proj.bias", 0, W))
		out.blocks = append(out.blocks, h)
		if (b+1)%st == 0 {
			k := (b+1)/st - 1
			out.surgery[k] = s
			if clean || k == 3 {
				out.original[k] = h
			}
		}
	}
	proj := r.t("visual.proj")
	project := func(z []float64) []float64 {
		f := make([]float64, E)
		for e := 0; e < E; e++ {
			for w := 0; w < W; w++ {
				f[e] += z[w] * float64(proj[w*E+e])
			}
		}
		return f
	}
	for k := 0; k < 4; k++ {
		z := newMat(T, W)
		copy(z[0], out.original[k][0])
		for i := 1; i < T; i++ {
			copy(z[i], out.surgery[k][i])
		}
		z = r.layerNorm(z, "visual.ln_post")
		f := newMat(T, E)
		for i := range z {
			f[i] = project(z[i])
			n := 0.0
			for _, q := range f[i] {
				n += q * q
			}
			for j := range f[i] {
				f[i][j] /= math.Sqrt(n)
			}
		}
		out.features[k] = f
	}
	out.embed = project(r.layerNorm(mat{h[0]}, "visual.ln_post")[0])
	return out
}

// relErr is max|a−b| / max|b| over the tensor.
func relErr(a []float32, b mat) float64 {
	var num, den float64
	for i := range b {
		for j, v := range b[i] {
			num = math.Max(num, math.Abs(float64(a[i*len(b[i])+j])-v))
			den = math.Max(den, math.Abs(v))
		}
	}
	return num / den
}

func testImage(S int) []float32 {
	img := make([]float32, 3*S*S)
	for i := range img {
		img[i] = float32(math.Sin(float64(i)*0.37)*1.5 + math.Cos(float64(i%S)*0.11))
	}
	return img
}

func TestForwardMatchesFloat64Reference(t *testing.T) {
	for _, name := range []string{"test-tiny", "test-small"} {
		for _, clean := range []bool{false, true} {
			cfg, _ := config.Named(name)
			set := synth.Weights(cfg, 7)
			m, err := New(cfg, set)
			if err != nil {
				t.Fatal(err)
			}
			img := testImage(cfg.Vision.ImageSize)
			got, err := m.Forward(img, Options{CleanClassRow: clean, KeepBlocks: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := refModel{cfg, set}.forward(img, clean)
			worst := 0.0
			check := func(what string, a []float32, b mat) {
				e := relErr(a, b)
				worst = math.Max(worst, e)
				if e > 1e-4 {
					t.Errorf("%s clean=%v %s: max rel err %.2e > 1e-4", name, clean, what, e)
				}
			}
			for b := range want.blocks {
				check(fmt.Sprintf("block %d", b+1), got.Blocks[b], want.blocks[b])
			}
			for k := 0; k < 4; k++ {
				check(fmt.Sprintf("original %d", k+1), got.Original[k], want.original[k])
				check(fmt.Sprintf("surgery %d", k+1), got.Surgery[k], want.surgery[k])
				check(fmt.Sprintf("features %d", k+1), got.Features[k], want.features[k])
			}
			check("image embed", got.ImageEmbed, mat{want.embed})
			t.Logf("%s clean=%v: worst rel err %.2e", name, clean, worst)
		}
	}
}

// The quirk must actually change stage 1–3 class rows and nothing else.
func TestQuirkOnlyChangesStages1to3(t *testing.T) {
	cfg, _ := config.Named("test-tiny")
	m, err := New(cfg, synth.Weights(cfg, 3))
	if err != nil {
		t.Fatal(err)
	}
	img := testImage(cfg.Vision.ImageSize)
	q, _ := m.Forward(img, Options{}, nil)
	c, _ := m.Forward(img, Options{CleanClassRow: true}, nil)
	for k := 0; k < 4; k++ {
		same := true
		for i := range q.Original[k] {
			if q.Original[k][i] != c.Original[k][i] {
				same = false
				break
			}
		}
		if (k < 3) == same {
			t.Errorf("stage %d: quirk and clean original tensors equal=%v", k+1, same)
		}
		for i := range q.Surgery[k] {
			if q.Surgery[k][i] != c.Surgery[k][i] {
				t.Fatalf("stage %d: surgery path must not depend on the class-row option", k+1)
			}
		}
	}
}

func TestRejectsBadInput(t *testing.T) {
	cfg, _ := config.Named("test-tiny")
	set := synth.Weights(cfg, 1)
	m, err := New(cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(make([]float32, 10), Options{}, nil); err == nil {
		t.Error("short input accepted")
	}
	other, _ := config.Named("test-small")
	if _, err := New(other, set); err == nil {
		t.Error("weights for test-tiny accepted for test-small")
	}
	delete(set, "visual.transformer.resblocks.2.mlp.c_fc.bias")
	if _, err := New(cfg, set); err == nil {
		t.Error("missing tensor accepted")
	}
}
