package reference

import (
	"fmt"
	"math"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/weights"
)

// Model is a float64, plain-loop implementation of spec §3 written
// independently of package vision (no shared helpers, no kernels package).
type Model struct {
	C config.Config
	S weights.Set
}

// Mat is a row-major float64 Matrix.
type Mat [][]float64

func newMat(r, c int) Mat {
	m := make(Mat, r)
	for i := range m {
		m[i] = make([]float64, c)
	}
	return m
}

func (r Model) t(name string) []float32 { return r.S[name].Data }

func (r Model) layerNorm(x Mat, p string) Mat {
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
			y[i][j] = (v-mu)/math.Sqrt(va+r.C.LNEps)*float64(g[j]) + float64(b[j])
		}
	}
	return y
}

// linear: y = x Wᵀ + b, W [out,in]
func (r Model) linear(x Mat, wn, bn string, rowOff, outN int) Mat {
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
func (r Model) attention(x Mat, p string) (Mat, Mat) {
	W := r.C.Vision.Width
	hw := r.C.Vision.HeadWidth
	q := r.linear(x, p+"attn.in_proj_weight", p+"attn.in_proj_bias", 0, W)
	k := r.linear(x, p+"attn.in_proj_weight", p+"attn.in_proj_bias", W, W)
	v := r.linear(x, p+"attn.in_proj_weight", p+"attn.in_proj_bias", 2*W, W)
	T := len(x)
	orig, vv := newMat(T, W), newMat(T, W)
	for h := 0; h < W/hw; h++ {
		for _, pair := range []struct {
			a, b Mat
			out  Mat
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

func add(a, b Mat) Mat {
	y := newMat(len(a), len(a[0]))
	for i := range a {
		for j := range a[i] {
			y[i][j] = a[i][j] + b[i][j]
		}
	}
	return y
}

// Output mirrors vision.Output in float64 ([token][channel]).
type Output struct {
	Blocks   []Mat
	Original [4]Mat
	Surgery  [4]Mat
	Features [4]Mat
	Embed    []float64
}

// Forward runs the dual-path forward on a CHW image.
func (r Model) Forward(img []float32, clean bool) Output {
	v := r.C.Vision
	S, P, G, W, E := v.ImageSize, v.Patch, v.Grid(), v.Width, r.C.EmbedDim
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
	var out Output
	L, st := v.Layers, v.StageLen()
	var s Mat
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
			out.Original[b/st-1] = a
		}
		m := r.linear(r.layerNorm(a, p+"ln_2"), p+"mlp.c_fc.weight", p+"mlp.c_fc.bias", 0, v.MLPWidth)
		for i := range m {
			for j, z := range m[i] {
				if r.C.QuickGELU {
					m[i][j] = z / (1 + math.Exp(-1.702*z))
				} else {
					m[i][j] = 0.5 * z * (1 + math.Erf(z/math.Sqrt2))
				}
			}
		}
		h = add(a, r.linear(m, p+"mlp.c_proj.weight", p+"mlp.c_proj.bias", 0, W))
		out.Blocks = append(out.Blocks, h)
		if (b+1)%st == 0 {
			k := (b+1)/st - 1
			out.Surgery[k] = s
			if clean || k == 3 {
				out.Original[k] = h
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
		copy(z[0], out.Original[k][0])
		for i := 1; i < T; i++ {
			copy(z[i], out.Surgery[k][i])
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
		out.Features[k] = f
	}
	out.Embed = project(r.layerNorm(Mat{h[0]}, "visual.ln_post")[0])
	return out
}

// RelErr is max|a−b| / max|b| over the tensor (a row-major float32 copy of b).
func RelErr(a []float32, b Mat) float64 {
	var num, den float64
	for i := range b {
		for j, v := range b[i] {
			num = math.Max(num, math.Abs(float64(a[i*len(b[i])+j])-v))
			den = math.Max(den, math.Abs(v))
		}
	}
	return num / den
}
