package reference

import "math"

// SDP is the float64 result of the reference scoring.
type SDP struct {
	PatchMap     []float64 // G×G raw map
	Map          []float64 // size×size smoothed map
	ProbAbnormal float64   // s0
	MapMax       float64   // s1
}

func dot(a []float64, b []float32) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * float64(b[i])
	}
	return s
}

// surgery is the official element-wise feature surgery (not the closed
// form): w_c = p_c / mean(p); e_ic = w_c·(F_i ⊙ t_c); r_i = mean_c e_ic;
// sim_ic = Σ_d (e_ic − r_i)_d; returns the abnormal channel.
func surgery(F Mat, tn, ta []float32) []float64 {
	ln, la := dot(F[0], tn), dot(F[0], ta)
	m := math.Max(ln, la)
	en, ea := math.Exp(ln-m), math.Exp(la-m)
	p := []float64{en / (en + ea), ea / (en + ea)}
	t := [][]float32{tn, ta}
	sim := make([]float64, len(F))
	for i, f := range F {
		var s float64
		for d := range f {
			e0 := p[0] / 0.5 * f[d] * float64(t[0][d])
			e1 := p[1] / 0.5 * f[d] * float64(t[1][d])
			r := (e0 + e1) / 2
			s += e1 - r
		}
		sim[i] = s
	}
	return sim
}

// reflect maps an index into [0, n) with scipy's 'reflect' (half-sample
// symmetric) boundary, repeating as often as needed.
func reflect(i, n int) int {
	for i < 0 || i >= n {
		if i < 0 {
			i = -i - 1
		}
		if i >= n {
			i = 2*n - i - 1
		}
	}
	return i
}

// ScoreSDP computes spec §3.7 in float64 from the reference forward.
func ScoreSDP(out Output, tn, ta []float32, grid, size int, sigma float64) SDP {
	T := grid*grid + 1
	total := make([]float64, T)
	for k := 0; k < 4; k++ {
		for i, v := range surgery(out.Features[k], tn, ta) {
			total[i] += v
		}
	}
	raw := total[1:]
	// bilinear, align_corners=False (PyTorch)
	up := make([]float64, size*size)
	scale := float64(grid) / float64(size)
	src := func(d int) (int, int, float64) {
		s := (float64(d)+0.5)*scale - 0.5
		if s < 0 {
			s = 0
		}
		i0 := int(math.Floor(s))
		if i0 > grid-1 {
			i0 = grid - 1
		}
		i1 := i0 + 1
		if i1 > grid-1 {
			i1 = grid - 1
		}
		return i0, i1, s - float64(i0)
	}
	for y := 0; y < size; y++ {
		y0, y1, wy := src(y)
		for x := 0; x < size; x++ {
			x0, x1, wx := src(x)
			up[y*size+x] = (1-wy)*((1-wx)*raw[y0*grid+x0]+wx*raw[y0*grid+x1]) +
				wy*((1-wx)*raw[y1*grid+x0]+wx*raw[y1*grid+x1])
		}
	}
	// Gaussian (scipy gaussian_filter, truncate 4)
	rad := int(4*sigma + 0.5)
	w := make([]float64, 2*rad+1)
	var ws float64
	for k := -rad; k <= rad; k++ {
		w[k+rad] = math.Exp(-float64(k*k) / (2 * sigma * sigma))
		ws += w[k+rad]
	}
	for i := range w {
		w[i] /= ws
	}
	tmp := make([]float64, size*size)
	for y := 0; y < size; y++ { // along rows (axis 0) first, as scipy does
		for x := 0; x < size; x++ {
			var s float64
			for k := -rad; k <= rad; k++ {
				s += w[k+rad] * up[reflect(y+k, size)*size+x]
			}
			tmp[y*size+x] = s
		}
	}
	sm := make([]float64, size*size)
	mx := math.Inf(-1)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var s float64
			for k := -rad; k <= rad; k++ {
				s += w[k+rad] * tmp[y*size+reflect(x+k, size)]
			}
			sm[y*size+x] = s
			mx = math.Max(mx, s)
		}
	}
	F0 := out.Features[3][0]
	ln, la := 100*dot(F0, tn), 100*dot(F0, ta)
	m := math.Max(ln, la)
	s0 := math.Exp(la-m) / (math.Exp(ln-m) + math.Exp(la-m))
	return SDP{PatchMap: append([]float64(nil), raw...), Map: sm, ProbAbnormal: s0, MapMax: mx}
}
