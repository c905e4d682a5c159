package kernels

import (
	"fmt"
	"math/rand"
	"testing"
	"time"
)

// BenchmarkSIMDvsGo times the pure-Go kernels and the SIMD module on the
// same data in one run, alternating call by call, and reports both rates
// and their ratio: go-GFLOP/s, simd-GFLOP/s, speedup (int8: GOP/s, one
// multiply-add = 2 ops; "int8" is LinearInt8 alone, "f32" is Linear with
// bias, "attn" one 197-token head of MatMulNT + MatMulNN). It needs the
// module linked:
//
//	GOOS=js GOARCH=wasm go test -tags simd -exec=$PWD/js/simd/go_js_wasm_exec_simd \
//		./model/kernels/ -run '^$' -bench SIMDvsGo -benchtime 3x
//
// (make bench-simd). Elsewhere it skips.
func BenchmarkSIMDvsGo(b *testing.B) {
	if !SIMDLinked() {
		b.Skip("SIMD module not linked (GOOS=js GOARCH=wasm -tags simd with js/simd/go_js_wasm_exec_simd)")
	}
	defer SetSIMD(SetSIMD(true))
	for _, s := range benchShapes {
		rng := rand.New(rand.NewSource(1))
		rows, in, out := s.m, s.k, s.n
		x := randSlice(rng, rows*in)
		w := randSlice(rng, out*in)
		bias := randSlice(rng, out)
		y := make([]float32, rows*out)
		flops := 2 * float64(rows) * float64(in) * float64(out)
		name := fmt.Sprintf("%dx%dx%d", rows, in, out)
		b.Run("f32/"+name, func(b *testing.B) {
			compareSIMD(b, flops, "GFLOP/s", func() { Linear(y, x, rows, in, w, out, bias) })
		})
		xq, xs := QuantizeRows(x, rows, in)
		wq, ws := QuantizeRows(w, out, in)
		b.Run("int8/"+name, func(b *testing.B) {
			compareSIMD(b, flops, "GOP/s", func() { LinearInt8(y, xq, xs, wq, ws, rows, in, out, bias) })
		})
	}
	rng := rand.New(rand.NewSource(2))
	T, W, hw := 197, 768, 64
	qkv := randSlice(rng, T*3*W)
	scores := randSlice(rng, T*T)
	out := make([]float32, T*W)
	b.Run("attn/197x197x64", func(b *testing.B) {
		compareSIMD(b, 2*2*float64(T)*float64(T)*float64(hw), "GFLOP/s", func() {
			MatMulNT(scores, T, qkv, 3*W, qkv[W:], 3*W, T, T, hw)
			MatMulNN(out, W, scores, T, qkv[2*W:], 3*W, T, hw, T)
		})
	})
}

// compareSIMD runs f once per iteration with the SIMD kernels off and once
// with them on (after an untimed call of each, so V8 has tiered up) and
// reports the two rates and the speedup.
func compareSIMD(b *testing.B, ops float64, unit string, f func()) {
	run := func(on bool) time.Duration {
		SetSIMD(on)
		t0 := time.Now()
		f()
		return time.Since(t0)
	}
	before := simdCalls.Load()
	run(false)
	run(true)
	if simdCalls.Load() == before {
		b.Fatal("the SIMD path was not taken")
	}
	var tg, ts time.Duration
	for b.Loop() {
		tg += run(false)
		ts += run(true)
	}
	n := float64(b.N)
	b.ReportMetric(ops*n/tg.Seconds()/1e9, "go-"+unit)
	b.ReportMetric(ops*n/ts.Seconds()/1e9, "simd-"+unit)
	b.ReportMetric(tg.Seconds()/ts.Seconds(), "speedup")
}
