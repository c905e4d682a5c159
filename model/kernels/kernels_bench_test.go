package kernels

import (
	"fmt"
	"math/rand"
	"testing"
)

// benchShapes are rows×in×out of the model's Linear layers: ViT-B/16 at
// 224 px (197 tokens: qkv-free MLP 768→3072) and the 226-token (15·15+1)
// 896-wide tower (attention out 896→896, MLP 896→3584 and 3584→896).
var benchShapes = []shape{{226, 896, 896}, {226, 896, 3584}, {226, 3584, 896}, {197, 768, 3072}}

// Run e.g.
//
//	go test ./model/kernels/ -run '^$' -bench . -benchtime 3x
//	GOOS=js GOARCH=wasm go test ./model/kernels/ -exec=/usr/local/go/lib/wasm/go_js_wasm_exec -run '^$' -bench . -benchtime 3x
//
// GFLOP/s counts 2·rows·in·out per call (int8: one multiply-add = 2 ops).
func BenchmarkLinear(b *testing.B) {
	for _, s := range benchShapes {
		rng := rand.New(rand.NewSource(1))
		rows, in, out := s.m, s.k, s.n
		x := randSlice(rng, rows*in)
		w := randSlice(rng, out*in)
		bias := randSlice(rng, out)
		y := make([]float32, rows*out)
		flops := 2 * float64(rows) * float64(in) * float64(out)
		report := func(b *testing.B) {
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		name := fmt.Sprintf("%dx%dx%d", rows, in, out)
		// Each case calls its function once before timing: V8 first runs
		// wasm in its baseline tier and swaps in optimized code only for
		// later calls, so an untimed call keeps short runs honest.
		b.Run("ref/"+name, func(b *testing.B) {
			RefLinear(y, x, rows, in, w, out, bias)
			for b.Loop() {
				RefLinear(y, x, rows, in, w, out, bias)
			}
			report(b)
		})
		b.Run("fast/"+name, func(b *testing.B) {
			Linear(y, x, rows, in, w, out, bias)
			for b.Loop() {
				Linear(y, x, rows, in, w, out, bias)
			}
			report(b)
		})
		p := PackLinear(w, out, in)
		b.Run("packed/"+name, func(b *testing.B) {
			LinearPacked(y, x, rows, p, bias)
			for b.Loop() {
				LinearPacked(y, x, rows, p, bias)
			}
			report(b)
		})
		xq, xs := QuantizeRows(x, rows, in)
		wq, ws := QuantizeRows(w, out, in)
		b.Run("int8/"+name, func(b *testing.B) {
			LinearInt8(y, xq, xs, wq, ws, rows, in, out, bias)
			for b.Loop() {
				LinearInt8(y, xq, xs, wq, ws, rows, in, out, bias)
			}
			report(b)
		})
		b.Run("int8+quant/"+name, func(b *testing.B) {
			// activation quantization included, as the model would run it
			QuantizeRowsTo(xq, xs, x, rows, in)
			for b.Loop() {
				QuantizeRowsTo(xq, xs, x, rows, in)
				LinearInt8(y, xq, xs, wq, ws, rows, in, out, bias)
			}
			report(b)
		})
	}
}

// BenchmarkAttention is one head of the ViT attention (T=197, head 64):
// scores = q·kᵀ (MatMulNT) and out = scores·v (MatMulNN), strided in qkv.
func BenchmarkAttention(b *testing.B) {
	rng := rand.New(rand.NewSource(2))
	T, W, hw := 197, 768, 64
	qkv := randSlice(rng, T*3*W)
	scores := randSlice(rng, T*T)
	out := make([]float32, T*W)
	flops := 2 * 2 * float64(T) * float64(T) * float64(hw)
	for _, impl := range []struct {
		name   string
		nt, nn func(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, n, k int)
	}{{"ref", RefMatMulNT, RefMatMulNN}, {"fast", MatMulNT, MatMulNN}} {
		b.Run(impl.name, func(b *testing.B) {
			impl.nt(scores, T, qkv, 3*W, qkv[W:], 3*W, T, T, hw)
			impl.nn(out, W, scores, T, qkv[2*W:], 3*W, T, hw, T)
			for b.Loop() {
				impl.nt(scores, T, qkv, 3*W, qkv[W:], 3*W, T, T, hw)
				impl.nn(out, W, scores, T, qkv[2*W:], 3*W, T, hw, T)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkQuantizeRows is the per-call activation quantization of
// LinearInt8 (226×3584, the widest input of the 896 tower).
func BenchmarkQuantizeRows(b *testing.B) {
	rng := rand.New(rand.NewSource(3))
	rows, in := 226, 3584
	x := randSlice(rng, rows*in)
	xq := make([]int8, rows*in)
	sc := make([]float32, rows)
	QuantizeRowsTo(xq, sc, x, rows, in)
	for b.Loop() {
		QuantizeRowsTo(xq, sc, x, rows, in)
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(rows*in), "ns/value")
}

// BenchmarkPack is the per-call B packing of Linear (NT, a 240-column tile
// of a 896-deep weight) and of MatMulNN (NN), per value packed.
func BenchmarkPack(b *testing.B) {
	rng := rand.New(rand.NewSource(4))
	n, k := 240, 896
	w := randSlice(rng, n*k)
	bn := randSlice(rng, kcBlock*n)
	dst := make([]float32, n*kcBlock)
	b.Run("NT", func(b *testing.B) {
		for b.Loop() {
			for pc := 0; pc < k; pc += kcBlock {
				packBNT(dst, w, k, 0, n, pc, min(kcBlock, k-pc))
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(n*k), "ns/value")
	})
	b.Run("NN", func(b *testing.B) {
		for b.Loop() {
			packBNN(dst, bn, n, 0, n, 0, kcBlock)
		}
		b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(n*kcBlock), "ns/value")
	})
}
