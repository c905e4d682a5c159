package metrics

import (
	"math/rand/v2"
	"testing"
)

// pixelData makes n smooth-ish float32 pixel scores (heavy ties, like
// Gaussian-smoothed maps) with ~5% anomalous pixels.
func pixelData(n int) ([]float32, []bool) {
	rng := rand.New(rand.NewPCG(99, 100))
	s := make([]float32, n)
	y := make([]bool, n)
	for i := range s {
		y[i] = rng.IntN(20) == 0
		v := float32(rng.NormFloat64()*0.1 + 0.5)
		if y[i] {
			v += 0.15
		}
		s[i] = v
	}
	return s, y
}

// BenchmarkAUROC32_10M: pixel-level AUROC over 10M pixels (≈ 175 images at
// 240×240), one radix sort + one sweep.
func BenchmarkAUROC32_10M(b *testing.B) {
	s, y := pixelData(10_000_000)
	b.SetBytes(int64(len(s)) * 4)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AUROC32(s, y); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAUROC64_1M: the float64 path (pdqsort on uint64 keys).
func BenchmarkAUROC64_1M(b *testing.B) {
	s32, y := pixelData(1_000_000)
	s := make([]float64, len(s32))
	for i, v := range s32 {
		s[i] = float64(v)
	}
	for b.Loop() {
		if _, err := AUROC(s, y); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAUPRO_240x240x100: cal_pro_score over 100 maps of 240×240.
func BenchmarkAUPRO_240x240x100(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	maps, masks := randomMapsMasks(rng, 100, 240, 240, 0)
	for b.Loop() {
		if _, err := AUPRO(maps, masks, 240, 240); err != nil {
			b.Fatal(err)
		}
	}
}
