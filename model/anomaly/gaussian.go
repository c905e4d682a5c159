package anomaly

import (
	"fmt"
	"math"
)

// maxGaussianRadius bounds the kernel (σ up to ~262000); real maps use σ ≤ 8.
const maxGaussianRadius = 1 << 20

// GaussianRadius is scipy's kernel radius for truncate = 4.0:
// int(4·σ + 0.5) (σ = 8 → 32, σ = 2 → 8, σ = 0.7 → 3).
func GaussianRadius(sigma float64) int { return int(4*sigma + 0.5) }

// GaussianKernel returns scipy.ndimage's 1-D Gaussian weights for sigma
// (order 0, truncate 4.0): exp(−0.5/σ² · k²) for k = −r..r, divided by
// their sum.
func GaussianKernel(sigma float64) ([]float64, error) {
	if math.IsNaN(sigma) || math.IsInf(sigma, 0) || sigma <= 0 {
		return nil, fmt.Errorf("%w: Gaussian sigma must be a positive finite number, got %v", ErrInput, sigma)
	}
	r := GaussianRadius(sigma)
	if r > maxGaussianRadius {
		return nil, fmt.Errorf("%w: Gaussian sigma %v is too large (radius %d)", ErrInput, sigma, r)
	}
	c := -0.5 / (sigma * sigma)
	k := make([]float64, 2*r+1)
	s := 0.0
	for i := range k {
		x := float64(i - r)
		k[i] = math.Exp(c * (x * x))
		s += k[i]
	}
	for i := range k {
		k[i] /= s
	}
	return k, nil
}

// reflectIndex maps any integer index onto [0, n) with scipy.ndimage's
// 'reflect' boundary (half-sample symmetric, … c b a | a b c | c b a …),
// repeated as often as needed: the extension is periodic with period 2n.
func reflectIndex(i, n int) int {
	p := 2 * n
	i %= p
	if i < 0 {
		i += p
	}
	if i >= n {
		i = p - 1 - i
	}
	return i
}

// Gaussian smooths the row-major h×w map img exactly as
// scipy.ndimage.gaussian_filter(img, sigma) (truncate 4.0, mode 'reflect'):
// a separable correlation with GaussianKernel(sigma), first along the rows
// index (axis 0), then along the columns (axis 1), each 1-D pass summed in
// float64 and stored as float32 — as scipy does for a float32 array. A
// radius larger than the image is handled like scipy, by reflecting again
// and again. sigma ≤ 1e-15 returns a copy (scipy skips such axes).
func Gaussian(img []float32, h, w int, sigma float64) ([]float32, error) {
	if err := checkMap("Gaussian input", img, h, w); err != nil {
		return nil, err
	}
	if math.IsNaN(sigma) || math.IsInf(sigma, 0) || sigma < 0 {
		return nil, fmt.Errorf("%w: Gaussian sigma must be a finite number ≥ 0, got %v", ErrInput, sigma)
	}
	out := append([]float32(nil), img...)
	if sigma <= 1e-15 {
		return out, nil
	}
	k, err := GaussianKernel(sigma)
	if err != nil {
		return nil, err
	}
	r := len(k) / 2
	n := h
	if w > n {
		n = w
	}
	line := make([]float64, n)
	ext := make([]float64, n+2*r)
	filter := func(m int) { // line[:m] → line[:m]
		for j := range ext[:m+2*r] {
			ext[j] = line[reflectIndex(j-r, m)]
		}
		for i := 0; i < m; i++ {
			c := i + r // centre in ext
			s := k[r] * ext[c]
			for j := 1; j <= r; j++ {
				s += k[r+j] * (ext[c-j] + ext[c+j])
			}
			line[i] = s
		}
	}
	// axis 0: every column
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			line[y] = float64(out[y*w+x])
		}
		filter(h)
		for y := 0; y < h; y++ {
			out[y*w+x] = float32(line[y])
		}
	}
	// axis 1: every row
	for y := 0; y < h; y++ {
		row := out[y*w : (y+1)*w]
		for x, v := range row {
			line[x] = float64(v)
		}
		filter(w)
		for x := range row {
			row[x] = float32(line[x])
		}
	}
	return out, nil
}
