// Package kernels holds the numeric building blocks of the transformer:
// matrix products (Linear layers, attention products), LayerNorm, softmax and
// the activations. Every fast kernel has a plain reference kernel beside it
// (ref.go) and differential tests compare the two on odd shapes. All
// matrices are row-major float32 with explicit leading dimensions.
//
// # f32 GEMM
//
// Linear, LinearPacked, MatMulNT and MatMulNN share one blocked GEMM
// (gemm.go), pure Go so that it runs unchanged under GOOS=js GOARCH=wasm
// (no SIMD, no threads):
//
//   - C is cut into tiles of at most tileMMax×tileNMax (240×240) elements,
//     split as evenly as possible in multiples of the micro-tile. A tile is
//     the unit of parallel work: natively (parallel_native.go) up to
//     GOMAXPROCS goroutines (see SetMaxWorkers) take tiles from a shared
//     counter; under js (parallel_js.go) they run in order on the caller.
//   - For each k-block of kcBlock (256) the tile packs its rows of A into
//     panels of 3 rows stored depth-major (a[p*3+i]) and its columns of B
//     into panels of 3 columns (b[p*3+j]), zero-padded at the edges.
//     LinearPacked reads B from a PackedF32 laid out the same way once at
//     load time (packed.go), so it packs only A.
//   - The micro-kernel kern3x3 (kernel_f32.go) keeps a 3×3 block of C in 9
//     local variables, loads 3+3 packed values per k step and is unrolled
//     4× over k. Loop order: row panel of A outside (3×kc values, L1), B
//     panels inside (the tile's B block, ≤ 240 KiB, L2). Edge tiles run the
//     same kernel on a 3×3 copy.
//   - Each kernel call starts from the partial sums already in C, so every
//     output element is summed p = 0, 1, …, k-1 — exactly the reference
//     order — whatever the tiling or the number of goroutines: results are
//     deterministic, equal across worker counts, and (where the compiler
//     does not fuse multiply-adds: amd64 at GOAMD64=v1, wasm) bit-identical
//     to RefLinear/RefMatMulNT/RefMatMulNN and between native and wasm.
//     A bias is added after the sum, as in RefLinear.
//   - Products with fewer than smallMACs multiply-adds, or fewer than 3
//     rows or columns, use the reference loops.
//
// Why 3×3: the Go compiler has 16 float registers on both amd64 and wasm
// and schedules the last additions of a loop body at its end, so larger
// tiles (4×4, 8×8) spill on every step; see kern3x3 for measurements.
// Also specific to Go's wasm back end: every loop iteration goes through
// the function's br_table dispatcher, so hot loops are unrolled and kept in
// small functions (pack3, gather3, quantizeRow).
//
// # int8 GEMM
//
// LinearInt8 (int8.go) multiplies int8 activations (QuantizeRows:
// symmetric, one scale per row, 7-bit codes −63…63 — see ActCodeMax and
// the relaxed-SIMD product below) by int8 weights (one scale per output
// channel) with exact int32 accumulation, then scales (+ bias) as
// RefLinearInt8 does. Its micro-kernel kernQ4x3 (kernel_int8.go) uses
// 64-bit integer multiplies to compute three int8 products at once: three
// weights of neighbouring output channels are packed into the 21-bit lanes
// of one int64 (lanes3: w0 + w1·2^21 + w2·2^42, signed), so x·word holds
// x·w0, x·w1, x·w2 in its lanes. Lane sums are exact while |Σ| < 2^20,
// i.e. for qChunk = 60 steps even at −128·−128, after which they are split
// (unlanes3) into int32 accumulators. The tile holds 4 rows × 3 words (9
// channels) in 12 registers. Weights are lane-packed per tile on the fly
// from the plain out×in int8 matrix, so no extra weight memory is kept.
// Tiling and threading follow the f32 GEMM; integer sums are exact, so the
// results never depend on the split.
//
// # SIMD kernel module (browser, Node)
//
// Go 1.26 emits no wasm SIMD, so for GOOS=js GOARCH=wasm builds with the
// simd tag the products go to a small hand-written wasm SIMD module,
// model/kernels/simd/kernels.wasm (source kernels.wat, rebuilt by
// simd/build.sh with WABT's wat2wasm; make simd-module). It imports the Go
// instance's memory — it has no memory, data, globals or stack of its own
// (TestSIMDModule checks the binary) — and Go calls its exports through
// //go:wasmimport clipad_simd trampolines that js/simd/simd.js installs
// (simd_js.go). Linear, MatMulNT and MatMulNN (sgemm: B packed in 8-column
// panels, a 4×8 f32x4 micro-kernel) and LinearInt8 (qgemm: activations and
// weights widened to i16 pairs when packed, i32x4.dot_i16x8_s, 4×8) use it
// for every product that would take the blocked Go kernels; LinearPacked
// keeps its Go kernel. SoftmaxRows, GELU, QuickGELU and QuantizeRowsTo go
// there too (softmax, act, quant). Each f32 element is still summed
// p = 0..k-1 with separate multiplies and adds, int8 sums are exact, and
// the element-wise functions mirror their Go code operation by operation,
// so the results are bit-identical to the Go kernels and the references.
// Go checks every shape before passing raw addresses; the module writes
// only the output (or the array it transforms in place) and a scratch
// buffer Go allocates.
//
// Relaxed SIMD: kernels.wasm also carries, in a custom section named
// "clipad.relaxed", a second small module (simd/relaxed.wat) with one
// export that matters, qgemm on i32x4.relaxed_dot_i8x16_i7x16_add_s:
// sixteen 8-bit products per instruction, twice dot_i16x8, and AVX-VNNI
// where V8 lowers it so (Chromium, Node 22+). One operand must be in
// 0…127, so activations are quantized to 7-bit codes and packed as code +
// 64, and each weight panel starts its sums at −64·Σw: the sums stay
// exact and equal the other kernels' bit for bit. simd.js links it only
// where the engine validates it and its selftest export passes (Node 20's
// experimental relaxed SIMD fails it); the qgemm trampoline then tries it
// first and falls back to kernels.wat when a code lies outside −64…63.
// SIMDRelaxedCalls counts the products it ran. make test-simd runs the
// wasm tests once more under npm's Node 24 with it required.
//
// When the module is not there — builds without the tag, natively, a host
// that did not link it (simd.js falls back when WebAssembly.validate fails)
// — or SetSIMD(false), everything runs on the pure-Go kernels above.
// SIMDLinked reports which. Tests: go test (module structure, fresh
// build), and under GOOS=js GOARCH=wasm -tags simd with
// js/simd/go_js_wasm_exec_simd as -exec (make test-simd) the differential
// tests simd_test.go plus every other test on the SIMD path; the same with
// CLIPAD_SIMD=0 checks the fallback. Measured on this EPYC
// (BenchmarkSIMDvsGo): f32 ≈ 49–55 GFLOP/s vs ≈ 7.3–8.4 in Go, int8 ≈ 105–110
// GOP/s on kernels.wat and ≈ 176–213 on relaxed.wat (Node 24) vs ≈ 14.5.
//
// # Softmax and activations
//
// SoftmaxRows, GELU and QuickGELU compute in float32 with Exp32 (Cephes'
// range reduction and polynomial, ≤ 1 ulp measured) and, for GELU, x·Φ(x)
// with Φ from an erfc fit (error ≤ 1.2e-7·(|x|+0.2)); fastmath.go states
// the exact operation order the SIMD module repeats. They replaced float64
// math.Exp and math.Erf, which cost about a quarter of a wasm forward.
//
// # Vector helpers
//
// Dot, Axpy and Add (vec.go) are unrolled loops for the model's hot
// element-wise code, with RefDot, RefAxpy and RefAdd beside them.
package kernels
