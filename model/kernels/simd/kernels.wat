;; kernels.wat — clipad's WebAssembly SIMD kernels (f32 and int8 GEMM).
;;
;; This module runs beside the Go engine (GOOS=js GOARCH=wasm) in the same
;; Web Worker or Node process. It has no memory of its own: it imports the
;; Go instance's linear memory (instance.exports.mem) as env.memory, and Go
;; calls its exports through //go:wasmimport clipad_simd … trampolines that
;; js/simd/simd.js installs (model/kernels/simd_js.go is the Go side). All
;; pointers are byte addresses into that memory, passed as i32.
;;
;; Contract (checked by model/kernels/simd_module_test.go on the binary):
;; no memory, data, data-count, global, table, element or start section and
;; no imported functions — the only import is the memory. The module keeps
;; no state between calls and uses no stack in linear memory; every value
;; lives in wasm locals. It reads only the operands it is given and writes
;; only its output (the product, the quantized rows, or the array softmax,
;; act and layernorm transform) and the caller's scratch buffer ($work), and
;; only inside the shapes passed: full 4×8 output tiles are written with v128
;; stores, edge tiles go through the scratch buffer and are copied out one
;; element at a time, so nothing past the last row or column is touched.
;; Go checks every shape against its slices before calling (simd_js.go).
;;
;; Exports
;;   abi() → 2                         interface version (simd.js checks it)
;;   sgemm(c, ldc, a, lda, b, ldb, nn, m, n, k, bias, work, wbytes)
;;                                      C = A·Bᵀ (nn=0) or A·B (nn=1) (+ bias)
;;   qgemm(y, x, xs, w, ws, bias, m, k, n, work, wbytes)
;;                                      int8 x·wᵀ: exact int32 sums, then
;;                                      f32(S)·xs[r]·ws[o] (+ bias[o])
;;   softmax(x, rows, n, ld, scale)     row softmax in place (Exp32, float32)
;;   act(x, n, quick)                   GELU (erf) or QuickGELU in place
;;   quant(x, q, s, rows, n)            per-row symmetric 7-bit codes (±63)
;;   layernorm(y, x, rows, w, g, b, eps) LayerNorm (binary64 statistics)
;;
;; softmax, act, quant and layernorm are the pure-Go softmaxRow, gelu32,
;; quickGELU32 (model/kernels/fastmath.go), QuantizeRowsTo (int8.go) and
;; LayerNorm (ref.go) on four lanes
;; at a time: the same binary32 (and, for the quantization scale and the
;; LayerNorm statistics, binary64)
;; operations in the same order (separate multiply and add, correctly
;; rounded division), so results are bit-identical to them.
;;
;; f32 (sgemm): B is packed per block of ≤ (wbytes-256)/1024 columns × 256
;; depth into panels of 8 columns (32 bytes per k step) in the scratch
;; buffer; A is read in place (4 rows, v128.load32_splat). The 4×8
;; micro-kernel keeps 8 f32x4 accumulators: each lane is one element of C,
;; updated acc = acc + a·b (f32x4.mul then f32x4.add, no fused multiply-add)
;; for p = 0, 1, …, k-1; a depth block restarts from the partial sums in C,
;; and the bias is added after the last one. That is exactly the order and
;; the roundings of RefLinear / RefMatMulNT / RefMatMulNN and of the pure-Go
;; kernels, so results are bit-identical to them (wasm SIMD float lanes are
;; IEEE binary32 with round-to-nearest and subnormals; only NaN payloads may
;; differ).
;;
;; int8 (qgemm): all activation rows are first packed 4 at a time, widened
;; to i16 (16 bytes per pair of k steps: the pair of each of the 4 rows);
;; the weights are packed per block of output channels (as many panels of
;; 8 channels × ⌈k/2⌉ pairs as fit in the scratch buffer), also widened to
;; i16, so that each 32 bytes of a panel hold one pair of k steps for 8
;; channels. The 4×8 micro-kernel broadcasts a row's pair with
;; v128.load32_splat and uses i32x4.dot_i16x8_s, accumulating in i32x4 over
;; the whole depth k, with no conversion inside the loop. Integer
;; sums are exact (they wrap like Go's int32 on overflow, which needs
;; k > 131072 at ±128), so the order does not matter and the results equal
;; RefLinearInt8 bit for bit, the f32 epilogue included.
;;
;; qgemm has a faster twin on relaxed SIMD's 8-bit dot product in
;; relaxed.wat; build.sh appends that module to this one as the custom
;; section "clipad.relaxed" and simd.js routes qgemm to it where it runs.
;;
;; Build: model/kernels/simd/build.sh (wat2wasm from Debian's wabt, 1.0.32);
;; the committed kernels.wasm must equal a fresh build (TestSIMDModuleFresh).
;; The repetitive parts (kernel bodies, transposes) were generated once by a
;; small script and are maintained by hand; keep the pattern regular.
;; Measured (Node 20 / V8, AMD EPYC, one thread, BENCHMARKS.md): ≈ 49
;; GFLOP/s f32 and ≈ 110 GOP/s int8 on the model's 226 × 896…3584
;; products. What mattered: one k step (one pair) per loop iteration —
;; the same kernels unrolled 4× over k ran at 38 GFLOP/s and 69 GOP/s
;; (V8's register allocation of the longer bodies); then, for int8,
;; widening both operands to i16 when packing. Tiles of 4×12 and 6×8 and
;; fused multiply-add (relaxed SIMD, which would also break bit-identity)
;; gained ≤ 7 % unrolled and were not kept.
(module
  ;; The Go instance's memory; no maximum is declared, so any (growing) Go
  ;; memory matches. memory.grow replaces the buffer, not the Memory, so the
  ;; kernels always address the current one.
  (import "env" "memory" (memory 0))

  ;; abi is the interface version: simd.js links the module only when it
  ;; matches the version it was written for.
  (func (export "abi") (result i32) (i32.const 2))

  ;; $kf32: the f32 micro-kernel. It updates the 4×8 block of C at $c
  ;; (row stride $ldc bytes) with C[r,q] += Σ_p A_r[p]·bp[p*8+q] for
  ;; p = 0..kc-1, where A_r are 4 row pointers (contiguous f32 along k)
  ;; and bp a packed panel of 8 columns (32 bytes per k step). Each lane
  ;; of each accumulator is one element of C, summed in increasing p with
  ;; a separate multiply and add (no FMA): the reference order. With
  ;; $first set the accumulators start at zero instead of C; with $bias
  ;; non-zero the 8 values at $bias are added after the sum.
  (func $kf32 (param $c i32) (param $ldc i32) (param $a0 i32) (param $a1 i32) (param $a2 i32) (param $a3 i32)
        (param $bp i32) (param $kc i32) (param $first i32) (param $bias i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $av v128) (local $p i32) (local $end i32)
    (if (i32.eqz (local.get $first))
      (then
        (local.set $p (local.get $c))
        (local.set $c00 (v128.load (local.get $p)))
        (local.set $c01 (v128.load offset=16 (local.get $p)))
        (local.set $p (i32.add (local.get $p) (local.get $ldc)))
        (local.set $c10 (v128.load (local.get $p)))
        (local.set $c11 (v128.load offset=16 (local.get $p)))
        (local.set $p (i32.add (local.get $p) (local.get $ldc)))
        (local.set $c20 (v128.load (local.get $p)))
        (local.set $c21 (v128.load offset=16 (local.get $p)))
        (local.set $p (i32.add (local.get $p) (local.get $ldc)))
        (local.set $c30 (v128.load (local.get $p)))
        (local.set $c31 (v128.load offset=16 (local.get $p)))
      ))
    ;; one k step per iteration: V8 keeps the loop's 11 vectors in
    ;; registers; unrolled 4× (as this kernel was at first), it ran ≈ 25 %
    ;; slower (38 vs 49 GFLOP/s, BENCHMARKS.md)
    (local.set $end (i32.add (local.get $bp) (i32.shl (local.get $kc) (i32.const 5))))
    (loop $steps
      (local.set $b0 (v128.load offset=0 (local.get $bp)))
      (local.set $b1 (v128.load offset=16 (local.get $bp)))
      (local.set $av (v128.load32_splat (local.get $a0)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $av (v128.load32_splat (local.get $a1)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $av (v128.load32_splat (local.get $a2)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $av (v128.load32_splat (local.get $a3)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $a0 (i32.add (local.get $a0) (i32.const 4)))
      (local.set $a1 (i32.add (local.get $a1) (i32.const 4)))
      (local.set $a2 (i32.add (local.get $a2) (i32.const 4)))
      (local.set $a3 (i32.add (local.get $a3) (i32.const 4)))
      (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
      (br_if $steps (i32.lt_u (local.get $bp) (local.get $end))))
    (if (local.get $bias)
      (then
        (local.set $b0 (v128.load (local.get $bias)))
        (local.set $b1 (v128.load offset=16 (local.get $bias)))
        (local.set $c00 (f32x4.add (local.get $c00) (local.get $b0)))
        (local.set $c01 (f32x4.add (local.get $c01) (local.get $b1)))
        (local.set $c10 (f32x4.add (local.get $c10) (local.get $b0)))
        (local.set $c11 (f32x4.add (local.get $c11) (local.get $b1)))
        (local.set $c20 (f32x4.add (local.get $c20) (local.get $b0)))
        (local.set $c21 (f32x4.add (local.get $c21) (local.get $b1)))
        (local.set $c30 (f32x4.add (local.get $c30) (local.get $b0)))
        (local.set $c31 (f32x4.add (local.get $c31) (local.get $b1)))
      ))
    (local.set $p (local.get $c))
    (v128.store (local.get $p) (local.get $c00))
    (v128.store offset=16 (local.get $p) (local.get $c01))
    (local.set $p (i32.add (local.get $p) (local.get $ldc)))
    (v128.store (local.get $p) (local.get $c10))
    (v128.store offset=16 (local.get $p) (local.get $c11))
    (local.set $p (i32.add (local.get $p) (local.get $ldc)))
    (v128.store (local.get $p) (local.get $c20))
    (v128.store offset=16 (local.get $p) (local.get $c21))
    (local.set $p (i32.add (local.get $p) (local.get $ldc)))
    (v128.store (local.get $p) (local.get $c30))
    (v128.store offset=16 (local.get $p) (local.get $c31))
  )

  ;; $pack_nt packs columns of B = bᵀ for $kf32: b holds nc rows (the
  ;; columns of B) of kc f32 each, row stride $ld bytes, starting at $src.
  ;; Panel jp (columns 8jp..8jp+7) goes to dst + jp·kc·32 with
  ;; panel[p*8+q] = b[8jp+q, p]; columns past nc are zero. Full panels
  ;; transpose 4×4 blocks with shuffles; the rest is copied one value at
  ;; a time ($pack_scalar).
  (func $pack_nt (param $dst i32) (param $src i32) (param $ld i32) (param $nc i32) (param $kc i32)
    (local $jp i32) (local $np i32) (local $pan i32) (local $s i32) (local $d i32) (local $p i32) (local $g i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $np (i32.shr_u (i32.add (local.get $nc) (i32.const 7)) (i32.const 3)))
    (loop $panels
      (local.set $pan (i32.add (local.get $dst) (i32.mul (local.get $jp) (i32.shl (local.get $kc) (i32.const 5)))))
      (local.set $p (i32.const 0))
      (if (i32.le_u (i32.shl (i32.add (local.get $jp) (i32.const 1)) (i32.const 3)) (local.get $nc))
        (then
          (if (i32.ge_u (local.get $kc) (i32.const 4)) (then (loop $blocks
            (local.set $g (i32.const 0))
            (loop $groups ;; rows 8jp+4g .. 8jp+4g+3, depth p .. p+3
              (local.set $s (i32.add (i32.add (local.get $src) (i32.mul (i32.add (i32.shl (local.get $jp) (i32.const 3)) (i32.shl (local.get $g) (i32.const 2))) (local.get $ld))) (i32.shl (local.get $p) (i32.const 2))))
              (local.set $r0 (v128.load (local.get $s)))
              (local.set $s (i32.add (local.get $s) (local.get $ld)))
              (local.set $r1 (v128.load (local.get $s)))
              (local.set $s (i32.add (local.get $s) (local.get $ld)))
              (local.set $r2 (v128.load (local.get $s)))
              (local.set $s (i32.add (local.get $s) (local.get $ld)))
              (local.set $r3 (v128.load (local.get $s)))
              (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1))) ;; a0 b0 a1 b1
              (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1))) ;; a2 b2 a3 b3
              (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3))) ;; c0 d0 c1 d1
              (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3))) ;; c2 d2 c3 d3
              (local.set $d (i32.add (i32.add (local.get $pan) (i32.shl (local.get $p) (i32.const 5))) (i32.shl (local.get $g) (i32.const 4))))
              (v128.store offset=0 (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2))) ;; a0 b0 c0 d0
              (v128.store offset=32 (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
              (v128.store offset=64 (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
              (v128.store offset=96 (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
              (br_if $groups (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 1))) (i32.const 2))))
            (br_if $blocks (i32.le_u (i32.add (local.tee $p (i32.add (local.get $p) (i32.const 4))) (i32.const 4)) (local.get $kc))))))
        ))
      ;; partial panels, and depth kc mod 4 of full ones
      (call $pack_scalar (local.get $pan) (i32.add (local.get $src) (i32.mul (i32.shl (local.get $jp) (i32.const 3)) (local.get $ld))) (local.get $ld) (i32.const 4)
        (i32.sub (local.get $nc) (i32.shl (local.get $jp) (i32.const 3))) (local.get $p) (local.get $kc))
      (br_if $panels (i32.lt_u (local.tee $jp (i32.add (local.get $jp) (i32.const 1))) (local.get $np))))
  )

  ;; $pack_nn packs columns of B for $kf32 from b stored k×n (MatMulNN):
  ;; $src is b[pc, jc], $ld the row stride in bytes; same panel layout as
  ;; $pack_nt (panel[p*8+q] = b[p, 8jp+q]).
  (func $pack_nn (param $dst i32) (param $src i32) (param $ld i32) (param $nc i32) (param $kc i32)
    (local $jp i32) (local $np i32) (local $pan i32) (local $s i32) (local $d i32) (local $end i32)
    (local.set $np (i32.shr_u (i32.add (local.get $nc) (i32.const 7)) (i32.const 3)))
    (loop $panels
      (local.set $pan (i32.add (local.get $dst) (i32.mul (local.get $jp) (i32.shl (local.get $kc) (i32.const 5)))))
      (if (i32.le_u (i32.shl (i32.add (local.get $jp) (i32.const 1)) (i32.const 3)) (local.get $nc))
        (then
          (local.set $s (i32.add (local.get $src) (i32.shl (local.get $jp) (i32.const 5))))
          (local.set $d (local.get $pan))
          (local.set $end (i32.add (local.get $pan) (i32.shl (local.get $kc) (i32.const 5))))
          (loop $rows
            (v128.store (local.get $d) (v128.load (local.get $s)))
            (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $s)))
            (local.set $s (i32.add (local.get $s) (local.get $ld)))
            (br_if $rows (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 32))) (local.get $end)))))
        (else
          (call $pack_scalar (local.get $pan) (i32.add (local.get $src) (i32.shl (local.get $jp) (i32.const 5))) (i32.const 4) (local.get $ld)
            (i32.sub (local.get $nc) (i32.shl (local.get $jp) (i32.const 3))) (i32.const 0) (local.get $kc))))
      (br_if $panels (i32.lt_u (local.tee $jp (i32.add (local.get $jp) (i32.const 1))) (local.get $np))))
  )

  ;; $pack_scalar fills depth $p..kc-1 of one f32 panel: pan[p*8+q] =
  ;; f32 at src + q·$sq + p·$sp for q < qn, 0 for q ≥ qn.
  (func $pack_scalar (param $pan i32) (param $src i32) (param $sq i32) (param $sp i32) (param $qn i32) (param $p i32) (param $kc i32)
    (local $q i32) (local $d i32)
    (if (i32.ge_u (local.get $p) (local.get $kc)) (then (return)))
    (loop $depth
      (local.set $d (i32.add (local.get $pan) (i32.shl (local.get $p) (i32.const 5))))
      (local.set $q (i32.const 0))
      (loop $cols
        (f32.store (i32.add (local.get $d) (i32.shl (local.get $q) (i32.const 2)))
          (if (result f32) (i32.lt_s (local.get $q) (local.get $qn))
            (then (f32.load (i32.add (i32.add (local.get $src) (i32.mul (local.get $q) (local.get $sq))) (i32.mul (local.get $p) (local.get $sp)))))
            (else (f32.const 0))))
        (br_if $cols (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 1))) (i32.const 8))))
      (br_if $depth (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $kc))))
  )

  ;; $pack_q packs nc output channels of the int8 weights (rows of k
  ;; bytes, consecutive, starting at $src) for $kq, widened to i16: panel
  ;; jp (channels 8jp..8jp+7) goes to dst + jp·kp·32 (kp = ⌈k/2⌉ pairs)
  ;; with the i16 panel[16i + 2q + h] = w[8jp+q, 2i+h]; channels past nc
  ;; and the depth past k are zero. Full panels transpose 8×8 blocks of
  ;; 16-bit pairs with three rounds of shuffles and sign-extend each
  ;; 16-byte row into two; the rest goes one value at a time.
  (func $pack_q (param $dst i32) (param $src i32) (param $k i32) (param $nc i32)
    (local $jp i32) (local $np i32) (local $pan i32) (local $kp i32) (local $s i32) (local $d i32) (local $i i32) (local $q i32) (local $h i32) (local $kk i32)
    (local $r0 v128)
    (local $r1 v128)
    (local $r2 v128)
    (local $r3 v128)
    (local $r4 v128)
    (local $r5 v128)
    (local $r6 v128)
    (local $r7 v128)
    (local $u0 v128) (local $u1 v128) (local $u2 v128) (local $u3 v128) (local $u4 v128) (local $u5 v128) (local $u6 v128) (local $u7 v128)
    (local.set $kp (i32.shr_u (i32.add (local.get $k) (i32.const 1)) (i32.const 1)))
    (local.set $np (i32.shr_u (i32.add (local.get $nc) (i32.const 7)) (i32.const 3)))
    (loop $panels
      (local.set $pan (i32.add (local.get $dst) (i32.mul (local.get $jp) (i32.shl (local.get $kp) (i32.const 5)))))
      (local.set $i (i32.const 0)) ;; pair index
      (if (i32.and (i32.le_u (i32.shl (i32.add (local.get $jp) (i32.const 1)) (i32.const 3)) (local.get $nc)) (i32.ge_u (local.get $k) (i32.const 16)))
        (then (loop $blocks ;; 8 channels × 16 bytes (pairs i .. i+7)
          (local.set $s (i32.add (i32.add (local.get $src) (i32.mul (i32.shl (local.get $jp) (i32.const 3)) (local.get $k))) (i32.shl (local.get $i) (i32.const 1))))
          (local.set $r0 (v128.load (local.get $s)))
          (local.set $s (i32.add (local.get $s) (local.get $k)))
          (local.set $r1 (v128.load (local.get $s)))
          (local.set $s (i32.add (local.get $s) (local.get $k)))
          (local.set $r2 (v128.load (local.get $s)))
          (local.set $s (i32.add (local.get $s) (local.get $k)))
          (local.set $r3 (v128.load (local.get $s)))
          (local.set $s (i32.add (local.get $s) (local.get $k)))
          (local.set $r4 (v128.load (local.get $s)))
          (local.set $s (i32.add (local.get $s) (local.get $k)))
          (local.set $r5 (v128.load (local.get $s)))
          (local.set $s (i32.add (local.get $s) (local.get $k)))
          (local.set $r6 (v128.load (local.get $s)))
          (local.set $s (i32.add (local.get $s) (local.get $k)))
          (local.set $r7 (v128.load (local.get $s)))
          ;; round 1: interleave pairs of rows (r0 r1), (r2 r3), …
          (local.set $u0 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $r0) (local.get $r1)))
          (local.set $u1 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $r0) (local.get $r1)))
          (local.set $u2 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $r2) (local.get $r3)))
          (local.set $u3 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $r2) (local.get $r3)))
          (local.set $u4 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $r4) (local.get $r5)))
          (local.set $u5 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $r4) (local.get $r5)))
          (local.set $u6 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $r6) (local.get $r7)))
          (local.set $u7 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $r6) (local.get $r7)))
          ;; round 2: interleave 32-bit units of rows 0-1 with 2-3, 4-5 with 6-7
          (local.set $r0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $u0) (local.get $u2)))
          (local.set $r1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $u0) (local.get $u2)))
          (local.set $r2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $u1) (local.get $u3)))
          (local.set $r3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $u1) (local.get $u3)))
          (local.set $r4 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $u4) (local.get $u6)))
          (local.set $r5 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $u4) (local.get $u6)))
          (local.set $r6 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $u5) (local.get $u7)))
          (local.set $r7 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $u5) (local.get $u7)))
          ;; round 3: 64-bit halves; store pair i+t at d + 16t
          (local.set $d (i32.add (local.get $pan) (i32.shl (local.get $i) (i32.const 5))))
          (local.set $u0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $r0) (local.get $r4)))
          (v128.store offset=0 (local.get $d) (i16x8.extend_low_i8x16_s (local.get $u0)))
          (v128.store offset=16 (local.get $d) (i16x8.extend_high_i8x16_s (local.get $u0)))
          (local.set $u0 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $r0) (local.get $r4)))
          (v128.store offset=32 (local.get $d) (i16x8.extend_low_i8x16_s (local.get $u0)))
          (v128.store offset=48 (local.get $d) (i16x8.extend_high_i8x16_s (local.get $u0)))
          (local.set $u0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $r1) (local.get $r5)))
          (v128.store offset=64 (local.get $d) (i16x8.extend_low_i8x16_s (local.get $u0)))
          (v128.store offset=80 (local.get $d) (i16x8.extend_high_i8x16_s (local.get $u0)))
          (local.set $u0 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $r1) (local.get $r5)))
          (v128.store offset=96 (local.get $d) (i16x8.extend_low_i8x16_s (local.get $u0)))
          (v128.store offset=112 (local.get $d) (i16x8.extend_high_i8x16_s (local.get $u0)))
          (local.set $u0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $r2) (local.get $r6)))
          (v128.store offset=128 (local.get $d) (i16x8.extend_low_i8x16_s (local.get $u0)))
          (v128.store offset=144 (local.get $d) (i16x8.extend_high_i8x16_s (local.get $u0)))
          (local.set $u0 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $r2) (local.get $r6)))
          (v128.store offset=160 (local.get $d) (i16x8.extend_low_i8x16_s (local.get $u0)))
          (v128.store offset=176 (local.get $d) (i16x8.extend_high_i8x16_s (local.get $u0)))
          (local.set $u0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $r3) (local.get $r7)))
          (v128.store offset=192 (local.get $d) (i16x8.extend_low_i8x16_s (local.get $u0)))
          (v128.store offset=208 (local.get $d) (i16x8.extend_high_i8x16_s (local.get $u0)))
          (local.set $u0 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $r3) (local.get $r7)))
          (v128.store offset=224 (local.get $d) (i16x8.extend_low_i8x16_s (local.get $u0)))
          (v128.store offset=240 (local.get $d) (i16x8.extend_high_i8x16_s (local.get $u0)))
          (br_if $blocks (i32.le_u (i32.shl (i32.add (local.tee $i (i32.add (local.get $i) (i32.const 8))) (i32.const 8)) (i32.const 1)) (local.get $k))))))
      ;; the rest of the panel one byte at a time
      (if (i32.lt_u (local.get $i) (local.get $kp)) (then (loop $pairs
      (local.set $q (i32.const 0))
        (loop $chans
          (local.set $h (i32.const 0))
          (loop $half
            (local.set $kk (i32.add (i32.shl (local.get $i) (i32.const 1)) (local.get $h)))
            (i32.store16 (i32.add (i32.add (local.get $pan) (i32.shl (local.get $i) (i32.const 5))) (i32.add (i32.shl (local.get $q) (i32.const 2)) (i32.shl (local.get $h) (i32.const 1))))
              (if (result i32) (i32.and (i32.lt_u (local.get $kk) (local.get $k)) (i32.lt_u (i32.add (i32.shl (local.get $jp) (i32.const 3)) (local.get $q)) (local.get $nc)))
                (then (i32.load8_s (i32.add (i32.add (local.get $src) (i32.mul (i32.add (i32.shl (local.get $jp) (i32.const 3)) (local.get $q)) (local.get $k))) (local.get $kk))))
                (else (i32.const 0))))
            (br_if $half (i32.lt_u (local.tee $h (i32.add (local.get $h) (i32.const 1))) (i32.const 2))))
          (br_if $chans (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 1))) (i32.const 8))))
        (br_if $pairs (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $kp))))))
      (br_if $panels (i32.lt_u (local.tee $jp (i32.add (local.get $jp) (i32.const 1))) (local.get $np))))
  )

  ;; sgemm: C = A·Bᵀ (+ bias) when $nn = 0, b being n×k (b[j,p], stride
  ;; ldb; MatMulNT, Linear), and C = A·B when $nn = 1, b being k×n (b[p,j];
  ;; MatMulNN). C is m×n (row stride ldc), A m×k (row stride lda). Strides are in elements,
  ;; pointers are byte addresses in the imported memory; $bias is 0 or n
  ;; f32. $work is a scratch buffer of $wbytes bytes (at least 256 +
  ;; 8·1024): 256 bytes hold an edge tile, the rest a packed block of B
  ;; (nc ≤ (wbytes-256)/1024 columns × kc ≤ 256 depth). Requires m, n,
  ;; k ≥ 1. Nothing outside C and the work buffer is written.
  ;; Loops: column blocks jc (nc), depth blocks pc (kc = 256), rows i
  ;; (4 at a time), panels jp (8 columns). Every C element is summed
  ;; p = 0..k-1 in order, block after block (the accumulators restart
  ;; from C), then the bias is added: RefLinear's order exactly. In the
  ;; last row block, rows past m-1 read row m-1 again (reads only) and
  ;; their results are dropped with the rest of the edge tile.
  (func (export "sgemm") (param $c i32) (param $ldc i32) (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $nn i32)
        (param $m i32) (param $n i32) (param $k i32) (param $bias i32) (param $work i32) (param $wbytes i32)
    (local $ncmax i32) (local $jc i32) (local $nc i32) (local $np i32) (local $pc i32) (local $kc i32) (local $first i32) (local $last i32)
    (local $i i32) (local $mlast i32) (local $rows i32) (local $jp i32) (local $j i32) (local $cols i32) (local $cp i32) (local $pan i32) (local $bj i32)
    (local $bp i32) (local $r i32) (local $q i32) (local $v f32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local.set $ncmax (i32.and (i32.shr_u (i32.sub (local.get $wbytes) (i32.const 256)) (i32.const 10)) (i32.const -8)))
    (if (i32.or (i32.lt_s (local.get $wbytes) (i32.const 8448)) (i32.or (i32.le_s (local.get $m) (i32.const 0)) (i32.or (i32.le_s (local.get $n) (i32.const 0)) (i32.le_s (local.get $k) (i32.const 0)))))
      (then (unreachable)))
    (local.set $bp (i32.add (local.get $work) (i32.const 256)))
    (local.set $ldc (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $lda (i32.shl (local.get $lda) (i32.const 2)))
    (local.set $ldb (i32.shl (local.get $ldb) (i32.const 2)))
    (local.set $mlast (i32.sub (local.get $m) (i32.const 1)))
    (loop $colblocks
      (local.set $nc (select (local.get $ncmax) (i32.sub (local.get $n) (local.get $jc)) (i32.lt_u (local.get $ncmax) (i32.sub (local.get $n) (local.get $jc)))))
      (local.set $np (i32.shr_u (i32.add (local.get $nc) (i32.const 7)) (i32.const 3)))
      (local.set $pc (i32.const 0))
      (loop $depthblocks
        (local.set $kc (select (i32.const 256) (i32.sub (local.get $k) (local.get $pc)) (i32.lt_u (i32.const 256) (i32.sub (local.get $k) (local.get $pc)))))
        (local.set $first (i32.eqz (local.get $pc)))
        (local.set $last (i32.eq (i32.add (local.get $pc) (local.get $kc)) (local.get $k)))
        (if (local.get $nn)
          (then (call $pack_nn (local.get $bp) (i32.add (i32.add (local.get $b) (i32.mul (local.get $pc) (local.get $ldb))) (i32.shl (local.get $jc) (i32.const 2))) (local.get $ldb) (local.get $nc) (local.get $kc)))
          (else (call $pack_nt (local.get $bp) (i32.add (i32.add (local.get $b) (i32.mul (local.get $jc) (local.get $ldb))) (i32.shl (local.get $pc) (i32.const 2))) (local.get $ldb) (local.get $nc) (local.get $kc))))
        (local.set $i (i32.const 0))
        (loop $rowblocks
          (local.set $rows (select (i32.const 4) (i32.sub (local.get $m) (local.get $i)) (i32.lt_u (i32.const 4) (i32.sub (local.get $m) (local.get $i)))))
          (local.set $a0 (i32.add (i32.add (local.get $a) (i32.mul (select (i32.add (local.get $i) (i32.const 0)) (local.get $mlast) (i32.lt_u (i32.add (local.get $i) (i32.const 0)) (local.get $m))) (local.get $lda))) (i32.shl (local.get $pc) (i32.const 2))))
          (local.set $a1 (i32.add (i32.add (local.get $a) (i32.mul (select (i32.add (local.get $i) (i32.const 1)) (local.get $mlast) (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $m))) (local.get $lda))) (i32.shl (local.get $pc) (i32.const 2))))
          (local.set $a2 (i32.add (i32.add (local.get $a) (i32.mul (select (i32.add (local.get $i) (i32.const 2)) (local.get $mlast) (i32.lt_u (i32.add (local.get $i) (i32.const 2)) (local.get $m))) (local.get $lda))) (i32.shl (local.get $pc) (i32.const 2))))
          (local.set $a3 (i32.add (i32.add (local.get $a) (i32.mul (select (i32.add (local.get $i) (i32.const 3)) (local.get $mlast) (i32.lt_u (i32.add (local.get $i) (i32.const 3)) (local.get $m))) (local.get $lda))) (i32.shl (local.get $pc) (i32.const 2))))
          (local.set $jp (i32.const 0))
          (loop $panels
            (local.set $j (i32.add (local.get $jc) (i32.shl (local.get $jp) (i32.const 3))))
            (local.set $cols (select (i32.const 8) (i32.sub (local.get $n) (local.get $j)) (i32.lt_u (i32.const 8) (i32.sub (local.get $n) (local.get $j)))))
            (local.set $cp (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $pan (i32.add (local.get $bp) (i32.mul (local.get $jp) (i32.shl (local.get $kc) (i32.const 5)))))
            (local.set $bj (select (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))) (i32.const 0) (i32.and (local.get $last) (i32.ne (local.get $bias) (i32.const 0)))))
            (if (i32.and (i32.eq (local.get $rows) (i32.const 4)) (i32.eq (local.get $cols) (i32.const 8)))
              (then (call $kf32 (local.get $cp) (local.get $ldc) (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3) (local.get $pan) (local.get $kc) (local.get $first) (local.get $bj)))
              (else
                ;; edge: run the kernel on a 4×8 tile in the work buffer
                (if (i32.eqz (local.get $first)) (then
                  (local.set $r (i32.const 0))
                  (loop $rin
                    (local.set $q (i32.const 0))
                    (loop $qin
                      (f32.store (i32.add (local.get $work) (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 3)) (local.get $q)) (i32.const 2)))
                        (f32.load (i32.add (i32.add (local.get $cp) (i32.mul (local.get $r) (local.get $ldc))) (i32.shl (local.get $q) (i32.const 2)))))
                      (br_if $qin (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 1))) (local.get $cols))))
                    (br_if $rin (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows))))))
                (call $kf32 (local.get $work) (i32.const 32) (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3) (local.get $pan) (local.get $kc) (local.get $first) (i32.const 0))
                (local.set $r (i32.const 0))
                (loop $rout
                  (local.set $q (i32.const 0))
                  (loop $qout
                    (local.set $v (f32.load (i32.add (local.get $work) (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 3)) (local.get $q)) (i32.const 2)))))
                    (if (local.get $bj) (then (local.set $v (f32.add (local.get $v) (f32.load (i32.add (local.get $bj) (i32.shl (local.get $q) (i32.const 2))))))))
                    (f32.store (i32.add (i32.add (local.get $cp) (i32.mul (local.get $r) (local.get $ldc))) (i32.shl (local.get $q) (i32.const 2))) (local.get $v))
                    (br_if $qout (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 1))) (local.get $cols))))
                  (br_if $rout (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows))))))
            (br_if $panels (i32.lt_u (local.tee $jp (i32.add (local.get $jp) (i32.const 1))) (local.get $np))))
          (br_if $rowblocks (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $m))))
        (br_if $depthblocks (i32.lt_u (local.tee $pc (i32.add (local.get $pc) (local.get $kc))) (local.get $k))))
      (br_if $colblocks (i32.lt_u (local.tee $jc (i32.add (local.get $jc) (local.get $nc))) (local.get $n))))
  )

  ;; $kq: the int8 micro-kernel. It computes the exact int32 sums
  ;; S[r,q] = Σ_i A_r[i]·W_q[i] for the 4 activation rows packed at $ap
  ;; ($pack_a: per pair of k steps 16 bytes, rows 0-3 each as two i16)
  ;; and the 8 channels of the packed panel $bp ($pack_q: per pair 32
  ;; bytes, channels 0-7 each as two i16), over $kp pairs. Per pair:
  ;; v128.load32_splat broadcasts row r's pair (a_i, a_i+1, a_i, …) and
  ;; i32x4.dot_i16x8_s adds both products of a channel into its i32 lane;
  ;; both operands were widened to i16 when packed, so the loop has no
  ;; conversions. Integer sums
  ;; are exact (wrapping like Go's int32), so the order does not matter.
  ;; Output: with $xs = 0 the sums are stored as i32 at $dst (row stride
  ;; $ld bytes). Otherwise y[r,q] = f32(S)·xs[r]·ws[q] (+ bias[q] when
  ;; $bias ≠ 0), in that order, as RefLinearInt8 computes it.
  (func $kq (param $dst i32) (param $ld i32) (param $ap i32) (param $bp i32) (param $kp i32)
        (param $xs i32) (param $ws i32) (param $bias i32)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128) (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local $b0 v128) (local $b1 v128) (local $av v128) (local $blo v128) (local $bhi v128) (local $bv v128) (local $w v128) (local $bb v128)
    (local $p i32) (local $end i32)
    ;; one pair per iteration: V8 keeps this loop's 11 vectors in
    ;; registers; unrolled 4×, the same kernel ran ≈ 40 % slower
    (local.set $end (i32.add (local.get $bp) (i32.shl (local.get $kp) (i32.const 5))))
    (loop $pairs
        (local.set $b0 (v128.load offset=0 (local.get $bp)))
        (local.set $b1 (v128.load offset=16 (local.get $bp)))
        (local.set $av (v128.load32_splat offset=0 (local.get $ap)))
        (local.set $s00 (i32x4.add (local.get $s00) (i32x4.dot_i16x8_s (local.get $av) (local.get $b0))))
        (local.set $s01 (i32x4.add (local.get $s01) (i32x4.dot_i16x8_s (local.get $av) (local.get $b1))))
        (local.set $av (v128.load32_splat offset=4 (local.get $ap)))
        (local.set $s10 (i32x4.add (local.get $s10) (i32x4.dot_i16x8_s (local.get $av) (local.get $b0))))
        (local.set $s11 (i32x4.add (local.get $s11) (i32x4.dot_i16x8_s (local.get $av) (local.get $b1))))
        (local.set $av (v128.load32_splat offset=8 (local.get $ap)))
        (local.set $s20 (i32x4.add (local.get $s20) (i32x4.dot_i16x8_s (local.get $av) (local.get $b0))))
        (local.set $s21 (i32x4.add (local.get $s21) (i32x4.dot_i16x8_s (local.get $av) (local.get $b1))))
        (local.set $av (v128.load32_splat offset=12 (local.get $ap)))
        (local.set $s30 (i32x4.add (local.get $s30) (i32x4.dot_i16x8_s (local.get $av) (local.get $b0))))
        (local.set $s31 (i32x4.add (local.get $s31) (i32x4.dot_i16x8_s (local.get $av) (local.get $b1))))
      (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
      (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
      (br_if $pairs (i32.lt_u (local.get $bp) (local.get $end))))
    (local.set $p (local.get $dst))
    (if (i32.eqz (local.get $xs))
      (then
        (v128.store (local.get $p) (local.get $s00))
        (v128.store offset=16 (local.get $p) (local.get $s01))
        (local.set $p (i32.add (local.get $p) (local.get $ld)))
        (v128.store (local.get $p) (local.get $s10))
        (v128.store offset=16 (local.get $p) (local.get $s11))
        (local.set $p (i32.add (local.get $p) (local.get $ld)))
        (v128.store (local.get $p) (local.get $s20))
        (v128.store offset=16 (local.get $p) (local.get $s21))
        (local.set $p (i32.add (local.get $p) (local.get $ld)))
        (v128.store (local.get $p) (local.get $s30))
        (v128.store offset=16 (local.get $p) (local.get $s31))
        (return)))
    (local.set $blo (v128.load (local.get $ws)))
    (local.set $bhi (v128.load offset=16 (local.get $ws)))
    (if (local.get $bias)
      (then
        (local.set $bv (v128.load (local.get $bias)))
        (local.set $bb (v128.load offset=16 (local.get $bias)))))
    (local.set $av (v128.load32_splat offset=0 (local.get $xs)))
    (local.set $w (f32x4.mul (f32x4.mul (f32x4.convert_i32x4_s (local.get $s00)) (local.get $av)) (local.get $blo)))
    (if (local.get $bias) (then (local.set $w (f32x4.add (local.get $w) (local.get $bv)))))
    (v128.store offset=0 (local.get $p) (local.get $w))
    (local.set $w (f32x4.mul (f32x4.mul (f32x4.convert_i32x4_s (local.get $s01)) (local.get $av)) (local.get $bhi)))
    (if (local.get $bias) (then (local.set $w (f32x4.add (local.get $w) (local.get $bb)))))
    (v128.store offset=16 (local.get $p) (local.get $w))
    (local.set $p (i32.add (local.get $p) (local.get $ld)))
    (local.set $av (v128.load32_splat offset=4 (local.get $xs)))
    (local.set $w (f32x4.mul (f32x4.mul (f32x4.convert_i32x4_s (local.get $s10)) (local.get $av)) (local.get $blo)))
    (if (local.get $bias) (then (local.set $w (f32x4.add (local.get $w) (local.get $bv)))))
    (v128.store offset=0 (local.get $p) (local.get $w))
    (local.set $w (f32x4.mul (f32x4.mul (f32x4.convert_i32x4_s (local.get $s11)) (local.get $av)) (local.get $bhi)))
    (if (local.get $bias) (then (local.set $w (f32x4.add (local.get $w) (local.get $bb)))))
    (v128.store offset=16 (local.get $p) (local.get $w))
    (local.set $p (i32.add (local.get $p) (local.get $ld)))
    (local.set $av (v128.load32_splat offset=8 (local.get $xs)))
    (local.set $w (f32x4.mul (f32x4.mul (f32x4.convert_i32x4_s (local.get $s20)) (local.get $av)) (local.get $blo)))
    (if (local.get $bias) (then (local.set $w (f32x4.add (local.get $w) (local.get $bv)))))
    (v128.store offset=0 (local.get $p) (local.get $w))
    (local.set $w (f32x4.mul (f32x4.mul (f32x4.convert_i32x4_s (local.get $s21)) (local.get $av)) (local.get $bhi)))
    (if (local.get $bias) (then (local.set $w (f32x4.add (local.get $w) (local.get $bb)))))
    (v128.store offset=16 (local.get $p) (local.get $w))
    (local.set $p (i32.add (local.get $p) (local.get $ld)))
    (local.set $av (v128.load32_splat offset=12 (local.get $xs)))
    (local.set $w (f32x4.mul (f32x4.mul (f32x4.convert_i32x4_s (local.get $s30)) (local.get $av)) (local.get $blo)))
    (if (local.get $bias) (then (local.set $w (f32x4.add (local.get $w) (local.get $bv)))))
    (v128.store offset=0 (local.get $p) (local.get $w))
    (local.set $w (f32x4.mul (f32x4.mul (f32x4.convert_i32x4_s (local.get $s31)) (local.get $av)) (local.get $bhi)))
    (if (local.get $bias) (then (local.set $w (f32x4.add (local.get $w) (local.get $bb)))))
    (v128.store offset=16 (local.get $p) (local.get $w))
  )

  ;; $pack_a packs 4 activation rows (int8, k bytes each, at $a0..$a3)
  ;; for $kq, widened to i16: per pair i of k steps 16 bytes at dst + 16i,
  ;; row r's (x[2i], x[2i+1]) as two i16 at 4r (x[k] = 0 for odd k).
  ;; Blocks of 8 pairs interleave the rows' 16-bit pairs with two rounds
  ;; of shuffles and sign-extend; the rest goes one value at a time.
  (func $pack_a (param $dst i32) (param $a0 i32) (param $a1 i32) (param $a2 i32) (param $a3 i32) (param $k i32)
    (local $i i32) (local $kp i32) (local $r i32) (local $h i32) (local $kk i32) (local $row i32) (local $d i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $u v128)
    (local.set $kp (i32.shr_u (i32.add (local.get $k) (i32.const 1)) (i32.const 1)))
    (if (i32.ge_u (local.get $k) (i32.const 16)) (then (loop $blocks ;; pairs i .. i+7
      (local.set $kk (i32.shl (local.get $i) (i32.const 1)))
      (local.set $r0 (v128.load (i32.add (local.get $a0) (local.get $kk))))
      (local.set $r1 (v128.load (i32.add (local.get $a1) (local.get $kk))))
      (local.set $r2 (v128.load (i32.add (local.get $a2) (local.get $kk))))
      (local.set $r3 (v128.load (i32.add (local.get $a3) (local.get $kk))))
      ;; 16-bit pairs of rows 0/1 and 2/3 interleaved
      (local.set $t0 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $r0) (local.get $r1)))
      (local.set $t1 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $r0) (local.get $r1)))
      (local.set $t2 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $r2) (local.get $r3)))
      (local.set $t3 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $r2) (local.get $r3)))
      ;; 32-bit units: (row 0, 1, 2, 3) of pair i, then of pair i+1, …
      (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 4))))
      (local.set $u (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $t0) (local.get $t2)))
      (v128.store offset=0 (local.get $d) (i16x8.extend_low_i8x16_s (local.get $u)))
      (v128.store offset=16 (local.get $d) (i16x8.extend_high_i8x16_s (local.get $u)))
      (local.set $u (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $t0) (local.get $t2)))
      (v128.store offset=32 (local.get $d) (i16x8.extend_low_i8x16_s (local.get $u)))
      (v128.store offset=48 (local.get $d) (i16x8.extend_high_i8x16_s (local.get $u)))
      (local.set $u (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $t1) (local.get $t3)))
      (v128.store offset=64 (local.get $d) (i16x8.extend_low_i8x16_s (local.get $u)))
      (v128.store offset=80 (local.get $d) (i16x8.extend_high_i8x16_s (local.get $u)))
      (local.set $u (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $t1) (local.get $t3)))
      (v128.store offset=96 (local.get $d) (i16x8.extend_low_i8x16_s (local.get $u)))
      (v128.store offset=112 (local.get $d) (i16x8.extend_high_i8x16_s (local.get $u)))
      (br_if $blocks (i32.le_u (i32.shl (i32.add (local.tee $i (i32.add (local.get $i) (i32.const 8))) (i32.const 8)) (i32.const 1)) (local.get $k))))))
    (if (i32.lt_u (local.get $i) (local.get $kp)) (then (loop $pairs
      (local.set $r (i32.const 0))
      (loop $rows
        (local.set $row (select (local.get $a0) (select (local.get $a1) (select (local.get $a2) (local.get $a3) (i32.eq (local.get $r) (i32.const 2))) (i32.eq (local.get $r) (i32.const 1))) (i32.eqz (local.get $r))))
        (local.set $h (i32.const 0))
        (loop $half
          (local.set $kk (i32.add (i32.shl (local.get $i) (i32.const 1)) (local.get $h)))
          (i32.store16 (i32.add (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 4))) (i32.add (i32.shl (local.get $r) (i32.const 2)) (i32.shl (local.get $h) (i32.const 1))))
            (if (result i32) (i32.lt_u (local.get $kk) (local.get $k))
              (then (i32.load8_s (i32.add (local.get $row) (local.get $kk))))
              (else (i32.const 0))))
          (br_if $half (i32.lt_u (local.tee $h (i32.add (local.get $h) (i32.const 1))) (i32.const 2))))
        (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (i32.const 4))))
      (br_if $pairs (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $kp))))))
  )

  ;; qgemm: the int8 product of LinearInt8. x is m×k int8 (row stride k),
  ;; w is n×k int8 (PyTorch layout). With $xs = 0 it stores the exact
  ;; int32 sums S = x·wᵀ at $y (m×n i32); otherwise y[r,o] =
  ;; f32(S[r,o])·xs[r]·ws[o] (+ bias[o] when $bias ≠ 0) as f32 (m×n).
  ;; $work (wbytes bytes): 256 bytes of edge tile, the activations packed
  ;; by $pack_a (16·⌈k/2⌉ bytes per 4 rows, ⌈m/4⌉ blocks), then packed
  ;; weight panels of 32·⌈k/2⌉ bytes each (at least one must fit). Loops:
  ;; pack all of x once; channel blocks jc (as many panels as fit), rows
  ;; i (4 at a time), panels jp; each kernel call runs the whole depth k. Requires m, n,
  ;; k ≥ 1. Nothing outside y and the work buffer is written.
  (func (export "qgemm") (param $y i32) (param $x i32) (param $xs i32) (param $w i32) (param $ws i32) (param $bias i32)
        (param $m i32) (param $k i32) (param $n i32) (param $work i32) (param $wbytes i32)
    (local $pbytes i32) (local $ncmax i32) (local $jc i32) (local $nc i32) (local $np i32) (local $i i32) (local $mlast i32) (local $rows i32)
    (local $jp i32) (local $j i32) (local $cols i32) (local $yp i32) (local $pan i32) (local $bp i32) (local $ldy i32) (local $r i32) (local $q i32)
    (local $s i32) (local $v f32) (local $kp i32) (local $apk i32) (local $ab i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (if (i32.or (i32.le_s (local.get $m) (i32.const 0)) (i32.or (i32.le_s (local.get $n) (i32.const 0)) (i32.le_s (local.get $k) (i32.const 0))))
      (then (unreachable)))
    (local.set $kp (i32.shr_u (i32.add (local.get $k) (i32.const 1)) (i32.const 1)))
    (local.set $pbytes (i32.shl (local.get $kp) (i32.const 5)))
    (local.set $apk (i32.add (local.get $work) (i32.const 256)))
    (local.set $ab (i32.mul (i32.shr_u (i32.add (local.get $m) (i32.const 3)) (i32.const 2)) (i32.shl (local.get $kp) (i32.const 4))))
    (if (i32.lt_u (local.get $wbytes) (i32.add (i32.const 256) (local.get $ab))) (then (unreachable)))
    (local.set $ncmax (i32.shl (i32.div_u (i32.sub (i32.sub (local.get $wbytes) (i32.const 256)) (local.get $ab)) (local.get $pbytes)) (i32.const 3)))
    (if (i32.or (i32.lt_s (local.get $wbytes) (i32.const 256)) (i32.eqz (local.get $ncmax))) (then (unreachable)))
    (local.set $bp (i32.add (local.get $apk) (local.get $ab)))
    (local.set $ldy (i32.shl (local.get $n) (i32.const 2)))
    (local.set $mlast (i32.sub (local.get $m) (i32.const 1)))
    ;; all activation rows, 4 at a time (rows past m-1 repeat row m-1: reads only)
    (loop $packrows
      (call $pack_a (i32.add (local.get $apk) (i32.mul (i32.shr_u (local.get $i) (i32.const 2)) (i32.shl (local.get $kp) (i32.const 4))))
        (i32.add (local.get $x) (i32.mul (select (local.get $i) (local.get $mlast) (i32.lt_u (local.get $i) (local.get $m))) (local.get $k)))
        (i32.add (local.get $x) (i32.mul (select (i32.add (local.get $i) (i32.const 1)) (local.get $mlast) (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $m))) (local.get $k)))
        (i32.add (local.get $x) (i32.mul (select (i32.add (local.get $i) (i32.const 2)) (local.get $mlast) (i32.lt_u (i32.add (local.get $i) (i32.const 2)) (local.get $m))) (local.get $k)))
        (i32.add (local.get $x) (i32.mul (select (i32.add (local.get $i) (i32.const 3)) (local.get $mlast) (i32.lt_u (i32.add (local.get $i) (i32.const 3)) (local.get $m))) (local.get $k)))
        (local.get $k))
      (br_if $packrows (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $m))))
    (loop $colblocks
      (local.set $nc (select (local.get $ncmax) (i32.sub (local.get $n) (local.get $jc)) (i32.lt_u (local.get $ncmax) (i32.sub (local.get $n) (local.get $jc)))))
      (local.set $np (i32.shr_u (i32.add (local.get $nc) (i32.const 7)) (i32.const 3)))
      (call $pack_q (local.get $bp) (i32.add (local.get $w) (i32.mul (local.get $jc) (local.get $k))) (local.get $k) (local.get $nc))
      (local.set $i (i32.const 0))
      (loop $rowblocks
        (local.set $rows (select (i32.const 4) (i32.sub (local.get $m) (local.get $i)) (i32.lt_u (i32.const 4) (i32.sub (local.get $m) (local.get $i)))))
        (local.set $jp (i32.const 0))
        (loop $panels
          (local.set $j (i32.add (local.get $jc) (i32.shl (local.get $jp) (i32.const 3))))
          (local.set $cols (select (i32.const 8) (i32.sub (local.get $n) (local.get $j)) (i32.lt_u (i32.const 8) (i32.sub (local.get $n) (local.get $j)))))
          (local.set $yp (i32.add (local.get $y) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2))))
          (local.set $pan (i32.add (local.get $bp) (i32.mul (local.get $jp) (local.get $pbytes))))
          (if (i32.and (i32.eq (local.get $rows) (i32.const 4)) (i32.eq (local.get $cols) (i32.const 8)))
            (then (call $kq (local.get $yp) (local.get $ldy) (i32.add (local.get $apk) (i32.mul (i32.shr_u (local.get $i) (i32.const 2)) (i32.shl (local.get $kp) (i32.const 4)))) (local.get $pan) (local.get $kp)
              (select (i32.add (local.get $xs) (i32.shl (local.get $i) (i32.const 2))) (i32.const 0) (local.get $xs))
              (i32.add (local.get $ws) (i32.shl (local.get $j) (i32.const 2)))
              (select (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))) (i32.const 0) (local.get $bias))))
            (else
              ;; edge: sums into the work tile, then the valid part out
              (call $kq (local.get $work) (i32.const 32) (i32.add (local.get $apk) (i32.mul (i32.shr_u (local.get $i) (i32.const 2)) (i32.shl (local.get $kp) (i32.const 4)))) (local.get $pan) (local.get $kp) (i32.const 0) (i32.const 0) (i32.const 0))
              (local.set $r (i32.const 0))
              (loop $rout
                (local.set $q (i32.const 0))
                (loop $qout
                  (local.set $s (i32.load (i32.add (local.get $work) (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 3)) (local.get $q)) (i32.const 2)))))
                  (if (local.get $xs)
                    (then
                      (local.set $v (f32.mul (f32.mul (f32.convert_i32_s (local.get $s)) (f32.load (i32.add (local.get $xs) (i32.shl (i32.add (local.get $i) (local.get $r)) (i32.const 2)))))
                        (f32.load (i32.add (local.get $ws) (i32.shl (i32.add (local.get $j) (local.get $q)) (i32.const 2))))))
                      (if (local.get $bias) (then (local.set $v (f32.add (local.get $v) (f32.load (i32.add (local.get $bias) (i32.shl (i32.add (local.get $j) (local.get $q)) (i32.const 2))))))))
                      (f32.store (i32.add (i32.add (local.get $yp) (i32.mul (local.get $r) (local.get $ldy))) (i32.shl (local.get $q) (i32.const 2))) (local.get $v)))
                    (else (i32.store (i32.add (i32.add (local.get $yp) (i32.mul (local.get $r) (local.get $ldy))) (i32.shl (local.get $q) (i32.const 2))) (local.get $s))))
                  (br_if $qout (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 1))) (local.get $cols))))
                (br_if $rout (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows))))))
          (br_if $panels (i32.lt_u (local.tee $jp (i32.add (local.get $jp) (i32.const 1))) (local.get $np))))
        (br_if $rowblocks (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $m))))
      (br_if $colblocks (i32.lt_u (local.tee $jc (i32.add (local.get $jc) (local.get $nc))) (local.get $n))))
  )

  ;; $exp4: Exp32 (model/kernels/fastmath.go) on four lanes, the same
  ;; binary32 operations in the same order (constants in hex: the exact
  ;; float32 values of the Go constants). Lanes with x < expLo or NaN give
  ;; +0; x is clamped to 88 above.
  (func $exp4 (param $x v128) (result v128)
    (local $ok v128) (local $n v128) (local $r v128) (local $p v128) (local $z v128)
    (local.set $ok (f32x4.ge (local.get $x) (v128.const f32x4 -0x1.5d589ep+06 -0x1.5d589ep+06 -0x1.5d589ep+06 -0x1.5d589ep+06)))
    (local.set $x (f32x4.min (local.get $x) (v128.const f32x4 0x1.6p+06 0x1.6p+06 0x1.6p+06 0x1.6p+06)))
    (local.set $n (f32x4.sub (f32x4.add (f32x4.mul (local.get $x) (v128.const f32x4 0x1.715476p+00 0x1.715476p+00 0x1.715476p+00 0x1.715476p+00)) (v128.const f32x4 0x1.8p+23 0x1.8p+23 0x1.8p+23 0x1.8p+23)) (v128.const f32x4 0x1.8p+23 0x1.8p+23 0x1.8p+23 0x1.8p+23)))
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 0x1.63p-01 0x1.63p-01 0x1.63p-01 0x1.63p-01))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (v128.const f32x4 -0x1.bd0106p-13 -0x1.bd0106p-13 -0x1.bd0106p-13 -0x1.bd0106p-13))))
    ;; p(r) by Estrin's scheme: (c0·r + c1)·r⁴ + ((c2·r + c3)·r² + (c4·r + c5))
    (local.set $z (f32x4.mul (local.get $r) (local.get $r)))
    (local.set $p (f32x4.add (f32x4.mul (f32x4.add (f32x4.mul (v128.const f32x4 0x1.a0d2cep-13 0x1.a0d2cep-13 0x1.a0d2cep-13 0x1.a0d2cep-13) (local.get $r)) (v128.const f32x4 0x1.6e879cp-10 0x1.6e879cp-10 0x1.6e879cp-10 0x1.6e879cp-10)) (f32x4.mul (local.get $z) (local.get $z)))
                             (f32x4.add (f32x4.mul (f32x4.add (f32x4.mul (v128.const f32x4 0x1.11121p-07 0x1.11121p-07 0x1.11121p-07 0x1.11121p-07) (local.get $r)) (v128.const f32x4 0x1.555382p-05 0x1.555382p-05 0x1.555382p-05 0x1.555382p-05)) (local.get $z))
                                        (f32x4.add (f32x4.mul (v128.const f32x4 0x1.555554p-03 0x1.555554p-03 0x1.555554p-03 0x1.555554p-03) (local.get $r)) (v128.const f32x4 0x1p-01 0x1p-01 0x1p-01 0x1p-01)))))
    ;; y = (p·r² + r) + 1, times 2^n built in the exponent field
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (v128.and (local.get $ok)
      (f32x4.mul (local.get $p)
        (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))
  )

  ;; $gelu4: gelu32 on four lanes: x·Φ(x) with Φ from erfc(|x|/√2).
  (func $gelu4 (param $x v128) (result v128)
    (local $z v128) (local $t v128) (local $q v128) (local $h v128) (local $t2 v128) (local $t4 v128)
    (local.set $z (f32x4.mul (f32x4.abs (local.get $x)) (v128.const f32x4 0x1.6a09e6p-01 0x1.6a09e6p-01 0x1.6a09e6p-01 0x1.6a09e6p-01)))
    (local.set $t (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (f32x4.mul (v128.const f32x4 0.5 0.5 0.5 0.5) (local.get $z)) (v128.const f32x4 1 1 1 1))))
    ;; P(t) by Estrin's scheme: ((a0·t² + a1)·t⁴ + (a2·t² + a3))·t² + a4,
    ;; a_i = e_2i·t + e_2i+1
    (local.set $t2 (f32x4.mul (local.get $t) (local.get $t)))
    (local.set $t4 (f32x4.mul (local.get $t2) (local.get $t2)))
    (local.set $q (f32x4.add (f32x4.mul (f32x4.add (f32x4.mul (f32x4.add (f32x4.mul (f32x4.add (f32x4.mul (v128.const f32x4 0x1.5df28ap-03 0x1.5df28ap-03 0x1.5df28ap-03 0x1.5df28ap-03) (local.get $t)) (v128.const f32x4 -0x1.a4f124p-01 -0x1.a4f124p-01 -0x1.a4f124p-01 -0x1.a4f124p-01)) (local.get $t2)) (f32x4.add (f32x4.mul (v128.const f32x4 0x1.7d0f6p+00 0x1.7d0f6p+00 0x1.7d0f6p+00 0x1.7d0f6p+00) (local.get $t)) (v128.const f32x4 -0x1.229cbap+00 -0x1.229cbap+00 -0x1.229cbap+00 -0x1.229cbap+00))) (local.get $t4)) (f32x4.add (f32x4.mul (f32x4.add (f32x4.mul (v128.const f32x4 0x1.1d8f98p-02 0x1.1d8f98p-02 0x1.1d8f98p-02 0x1.1d8f98p-02) (local.get $t)) (v128.const f32x4 -0x1.7d8498p-03 -0x1.7d8498p-03 -0x1.7d8498p-03 -0x1.7d8498p-03)) (local.get $t2)) (f32x4.add (f32x4.mul (v128.const f32x4 0x1.8c6d92p-04 0x1.8c6d92p-04 0x1.8c6d92p-04 0x1.8c6d92p-04) (local.get $t)) (v128.const f32x4 0x1.7f11f6p-02 0x1.7f11f6p-02 0x1.7f11f6p-02 0x1.7f11f6p-02)))) (local.get $t2)) (f32x4.add (f32x4.mul (v128.const f32x4 0x1.00018ep+00 0x1.00018ep+00 0x1.00018ep+00 0x1.00018ep+00) (local.get $t)) (v128.const f32x4 -0x1.43f89cp+00 -0x1.43f89cp+00 -0x1.43f89cp+00 -0x1.43f89cp+00))))
    (local.set $h (f32x4.mul (v128.const f32x4 0.5 0.5 0.5 0.5)
      (f32x4.mul (local.get $t) (call $exp4 (f32x4.sub (local.get $q) (f32x4.mul (local.get $z) (local.get $z)))))))
    (f32x4.mul (local.get $x)
      (v128.bitselect (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $h)) (local.get $h) (f32x4.ge (local.get $x) (v128.const f32x4 0 0 0 0))))
  )

  ;; $quick4: quickGELU32 on four lanes: x / (e^(−1.702·x) + 1).
  (func $quick4 (param $x v128) (result v128)
    (f32x4.div (local.get $x) (f32x4.add (call $exp4 (f32x4.mul (local.get $x) (v128.const f32x4 -0x1.b3b646p+00 -0x1.b3b646p+00 -0x1.b3b646p+00 -0x1.b3b646p+00))) (v128.const f32x4 1 1 1 1)))
  )

  ;; act(x, n, quick): x[i] = gelu32(x[i]) (quick = 0) or quickGELU32(x[i])
  ;; for i < n, in place: four at a time, then the last n mod 4 one by one
  ;; through lane 0.
  (func (export "act") (param $x i32) (param $n i32) (param $quick i32)
    (local $end4 i32) (local $end i32)
    (local.set $end4 (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (if (i32.lt_u (local.get $x) (local.get $end4)) (then (loop $quad
      (v128.store (local.get $x)
        (if (result v128) (local.get $quick)
          (then (call $quick4 (v128.load (local.get $x))))
          (else (call $gelu4 (v128.load (local.get $x))))))
      (br_if $quad (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 16))) (local.get $end4))))))
    (if (i32.lt_u (local.get $x) (local.get $end)) (then (loop $one
      (f32.store (local.get $x) (f32x4.extract_lane 0
        (if (result v128) (local.get $quick)
          (then (call $quick4 (f32x4.splat (f32.load (local.get $x)))))
          (else (call $gelu4 (f32x4.splat (f32.load (local.get $x))))))))
      (br_if $one (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 4))) (local.get $end))))))
  )

  ;; softmax(x, rows, n, ld, scale): softmaxRow on each of rows rows of n
  ;; f32 (row stride ld elements), in place: v = x·scale and the row max;
  ;; e = Exp32(v − max) summed in four lanes over the largest multiple of
  ;; 4, lanes combined (l0+l2)+(l1+l3), then the rest in order; every e
  ;; times 1/sum.
  (func (export "softmax") (param $x i32) (param $rows i32) (param $n i32) (param $ld i32) (param $scale f32)
    (local $p i32) (local $end4 i32) (local $end i32) (local $sv v128) (local $mv v128) (local $acc v128)
    (local $m f32) (local $f f32) (local $s f32)
    (if (i32.or (i32.le_s (local.get $rows) (i32.const 0)) (i32.le_s (local.get $n) (i32.const 0))) (then (return)))
    (local.set $ld (i32.shl (local.get $ld) (i32.const 2)))
    (local.set $sv (f32x4.splat (local.get $scale)))
    (loop $row
      (local.set $end4 (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
      (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
      ;; scale, and the maximum
      (local.set $mv (v128.const f32x4 -inf -inf -inf -inf))
      (local.set $m (f32.const -inf))
      (local.set $p (local.get $x))
      (if (i32.lt_u (local.get $p) (local.get $end4)) (then (loop $max4
        (local.set $acc (f32x4.mul (v128.load (local.get $p)) (local.get $sv)))
        (v128.store (local.get $p) (local.get $acc))
        (local.set $mv (f32x4.max (local.get $mv) (local.get $acc)))
        (br_if $max4 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end4))))))
      (if (i32.lt_u (local.get $p) (local.get $end)) (then (loop $max1
        (local.set $f (f32.mul (f32.load (local.get $p)) (local.get $scale)))
        (f32.store (local.get $p) (local.get $f))
        (local.set $m (f32.max (local.get $m) (local.get $f)))
        (br_if $max1 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $end))))))
      (local.set $m (f32.max (f32.max (f32.max (local.get $m) (f32x4.extract_lane 0 (local.get $mv))) (f32x4.extract_lane 1 (local.get $mv)))
                             (f32.max (f32x4.extract_lane 2 (local.get $mv)) (f32x4.extract_lane 3 (local.get $mv)))))
      ;; exponentials and their sum
      (local.set $mv (f32x4.splat (local.get $m)))
      (local.set $acc (v128.const f32x4 0 0 0 0))
      (local.set $p (local.get $x))
      (if (i32.lt_u (local.get $p) (local.get $end4)) (then (loop $exps
        (local.set $sv (call $exp4 (f32x4.sub (v128.load (local.get $p)) (local.get $mv))))
        (v128.store (local.get $p) (local.get $sv))
        (local.set $acc (f32x4.add (local.get $acc) (local.get $sv)))
        (br_if $exps (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end4))))))
      (local.set $acc (f32x4.add (local.get $acc) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc))))
      (local.set $s (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc))))
      (if (i32.lt_u (local.get $p) (local.get $end)) (then (loop $exp1
        (local.set $f (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (f32.sub (f32.load (local.get $p)) (local.get $m))))))
        (f32.store (local.get $p) (local.get $f))
        (local.set $s (f32.add (local.get $s) (local.get $f)))
        (br_if $exp1 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $end))))))
      ;; normalise
      (local.set $s (f32.div (f32.const 1) (local.get $s)))
      (local.set $sv (f32x4.splat (local.get $s)))
      (local.set $p (local.get $x))
      (if (i32.lt_u (local.get $p) (local.get $end4)) (then (loop $norm4
        (v128.store (local.get $p) (f32x4.mul (v128.load (local.get $p)) (local.get $sv)))
        (br_if $norm4 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end4))))))
      (if (i32.lt_u (local.get $p) (local.get $end)) (then (loop $norm1
        (f32.store (local.get $p) (f32.mul (f32.load (local.get $p)) (local.get $s)))
        (br_if $norm1 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $end))))))
      (local.set $sv (f32x4.splat (local.get $scale)))
      (local.set $x (i32.add (local.get $x) (local.get $ld)))
      (br_if $row (local.tee $rows (i32.sub (local.get $rows) (i32.const 1)))))
  )

  ;; quant(x, q, s, rows, n): QuantizeRowsTo (model/kernels/int8.go) for
  ;; rows rows of n f32 at x (consecutive): per row the largest |x| over
  ;; lanes and the tail (order-free), NaN/±Inf → zeros and scale NaN, max
  ;; below 2⁻¹²⁰ (zeros included) → zeros and scale 0, otherwise inv =
  ;; f32(63/f64(max)), scale f32(f64(max)/63) and q = clamp(trunc(x·inv + 128.5) − 128, ±63) —
  ;; the same operations as the Go code, 16 values at a time.
  (func (export "quant") (param $x i32) (param $q i32) (param $s i32) (param $rows i32) (param $n i32)
    (local $p i32) (local $d i32) (local $end4 i32) (local $end16 i32) (local $end i32) (local $bad i32)
    (local $hi v128) (local $lo v128) (local $nan v128) (local $v v128) (local $inv v128)
    (local $mx f32) (local $f f32)
    (if (i32.or (i32.le_s (local.get $rows) (i32.const 0)) (i32.le_s (local.get $n) (i32.const 0))) (then (return)))
    (loop $row
      (local.set $end4 (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
      (local.set $end16 (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -16)) (i32.const 2))))
      (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
      ;; max and min (from 0), NaN lanes
      (local.set $hi (v128.const i32x4 0 0 0 0))
      (local.set $lo (v128.const i32x4 0 0 0 0))
      (local.set $nan (v128.const i32x4 0 0 0 0))
      (local.set $bad (i32.const 0))
      (local.set $p (local.get $x))
      (if (i32.lt_u (local.get $p) (local.get $end4)) (then (loop $max4
        (local.set $v (v128.load (local.get $p)))
        (local.set $hi (f32x4.max (local.get $hi) (local.get $v)))
        (local.set $lo (f32x4.min (local.get $lo) (local.get $v)))
        (local.set $nan (v128.or (local.get $nan) (f32x4.ne (local.get $v) (local.get $v))))
        (br_if $max4 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end4))))))
      (local.set $mx (f32.max (f32.max (f32x4.extract_lane 0 (local.get $hi)) (f32x4.extract_lane 1 (local.get $hi)))
                              (f32.max (f32x4.extract_lane 2 (local.get $hi)) (f32x4.extract_lane 3 (local.get $hi)))))
      (local.set $mx (f32.max (local.get $mx) (f32.neg (f32.min (f32.min (f32x4.extract_lane 0 (local.get $lo)) (f32x4.extract_lane 1 (local.get $lo)))
                              (f32.min (f32x4.extract_lane 2 (local.get $lo)) (f32x4.extract_lane 3 (local.get $lo)))))))
      (if (i32.lt_u (local.get $p) (local.get $end)) (then (loop $max1
        (local.set $f (f32.load (local.get $p)))
        (local.set $mx (f32.max (local.get $mx) (f32.abs (local.get $f))))
        (local.set $bad (i32.or (local.get $bad) (f32.ne (local.get $f) (local.get $f))))
        (br_if $max1 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $end))))))
      (local.set $bad (i32.or (i32.or (local.get $bad) (v128.any_true (local.get $nan)))
        (i32.eqz (f32.le (local.get $mx) (f32.const 0x1.fffffep+127)))))
      (local.set $d (local.get $q))
      (if (i32.or (local.get $bad) (f32.lt (local.get $mx) (f32.const 0x1p-120))) ;; quantTiny
        (then
          (f32.store (local.get $s) (select (f32.const nan) (f32.const 0) (local.get $bad)))
          (local.set $end (i32.add (local.get $q) (local.get $n)))
          (loop $zero
            (i32.store8 (local.get $d) (i32.const 0))
            (br_if $zero (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 1))) (local.get $end)))))
        (else
          (f32.store (local.get $s) (f32.demote_f64 (f64.div (f64.promote_f32 (local.get $mx)) (f64.convert_i32_u (i32.const 63)))))
          (local.set $inv (f32x4.splat (f32.demote_f64 (f64.div (f64.convert_i32_u (i32.const 63)) (f64.promote_f32 (local.get $mx))))))
          (local.set $p (local.get $x))
          (if (i32.lt_u (local.get $p) (local.get $end16)) (then (loop $q16
            (v128.store (local.get $d)
              (i8x16.narrow_i16x8_s
                (i16x8.narrow_i32x4_s (i32x4.max_s (i32x4.min_s (i32x4.sub (i32x4.trunc_sat_f32x4_s (f32x4.add (f32x4.mul (v128.load (local.get $p)) (local.get $inv)) (v128.const f32x4 128.5 128.5 128.5 128.5))) (v128.const i32x4 128 128 128 128)) (v128.const i32x4 63 63 63 63)) (v128.const i32x4 -63 -63 -63 -63))
                                      (i32x4.max_s (i32x4.min_s (i32x4.sub (i32x4.trunc_sat_f32x4_s (f32x4.add (f32x4.mul (v128.load offset=16 (local.get $p)) (local.get $inv)) (v128.const f32x4 128.5 128.5 128.5 128.5))) (v128.const i32x4 128 128 128 128)) (v128.const i32x4 63 63 63 63)) (v128.const i32x4 -63 -63 -63 -63)))
                (i16x8.narrow_i32x4_s (i32x4.max_s (i32x4.min_s (i32x4.sub (i32x4.trunc_sat_f32x4_s (f32x4.add (f32x4.mul (v128.load offset=32 (local.get $p)) (local.get $inv)) (v128.const f32x4 128.5 128.5 128.5 128.5))) (v128.const i32x4 128 128 128 128)) (v128.const i32x4 63 63 63 63)) (v128.const i32x4 -63 -63 -63 -63))
                                      (i32x4.max_s (i32x4.min_s (i32x4.sub (i32x4.trunc_sat_f32x4_s (f32x4.add (f32x4.mul (v128.load offset=48 (local.get $p)) (local.get $inv)) (v128.const f32x4 128.5 128.5 128.5 128.5))) (v128.const i32x4 128 128 128 128)) (v128.const i32x4 63 63 63 63)) (v128.const i32x4 -63 -63 -63 -63)))))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (br_if $q16 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 64))) (local.get $end16))))))
          (if (i32.lt_u (local.get $p) (local.get $end)) (then (loop $q1
            (i32.store8 (local.get $d) (i32x4.extract_lane 0 (i32x4.max_s (i32x4.min_s (i32x4.sub (i32x4.trunc_sat_f32x4_s (f32x4.add (f32x4.mul (f32x4.splat (f32.load (local.get $p))) (local.get $inv)) (v128.const f32x4 128.5 128.5 128.5 128.5))) (v128.const i32x4 128 128 128 128)) (v128.const i32x4 63 63 63 63)) (v128.const i32x4 -63 -63 -63 -63))))
            (local.set $d (i32.add (local.get $d) (i32.const 1)))
            (br_if $q1 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $end))))))))
      (local.set $x (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $q (i32.add (local.get $q) (local.get $n)))
      (local.set $s (i32.add (local.get $s) (i32.const 4)))
      (br_if $row (local.tee $rows (i32.sub (local.get $rows) (i32.const 1)))))
  )

  ;; layernorm(y, x, rows, w, g, b, eps): LayerNorm (model/kernels/ref.go)
  ;; on rows rows of w f32 (y may be x): mean and variance as binary64 sums
  ;; in four lanes — elements 4j, 4j+1 in $A, 4j+2, 4j+3 in $B, combined
  ;; (l0+l2)+(l1+l3), then the remaining elements in order (lnSum) — then
  ;; y = f32(f32((x−mean)·inv)·g) + b with inv = 1/√(var+eps).
  (func (export "layernorm") (param $y i32) (param $x i32) (param $rows i32) (param $w i32) (param $g i32) (param $b i32) (param $eps f64)
    (local $p i32) (local $q i32) (local $gp i32) (local $bp i32) (local $end4 i32) (local $end i32)
    (local $v v128) (local $A v128) (local $B v128) (local $mv v128) (local $iv v128) (local $lo v128) (local $hi v128)
    (local $s f64) (local $d f64) (local $mean f64) (local $inv f64) (local $wf f64)
    (if (i32.or (i32.le_s (local.get $rows) (i32.const 0)) (i32.le_s (local.get $w) (i32.const 0))) (then (return)))
    (local.set $wf (f64.convert_i32_u (local.get $w)))
    (loop $row
      (local.set $end4 (i32.add (local.get $x) (i32.shl (i32.and (local.get $w) (i32.const -4)) (i32.const 2))))
      (local.set $end (i32.add (local.get $x) (i32.shl (local.get $w) (i32.const 2))))
      ;; mean
      (local.set $A (v128.const i32x4 0 0 0 0))
      (local.set $B (v128.const i32x4 0 0 0 0))
      (local.set $p (local.get $x))
      (if (i32.lt_u (local.get $p) (local.get $end4)) (then (loop $sum4
        (local.set $v (v128.load (local.get $p)))
        (local.set $A (f64x2.add (local.get $A) (f64x2.promote_low_f32x4 (local.get $v))))
        (local.set $B (f64x2.add (local.get $B) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
        (br_if $sum4 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end4))))))
      (local.set $A (f64x2.add (local.get $A) (local.get $B)))
      (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $A)) (f64x2.extract_lane 1 (local.get $A))))
      (if (i32.lt_u (local.get $p) (local.get $end)) (then (loop $sum1
        (local.set $s (f64.add (local.get $s) (f64.promote_f32 (f32.load (local.get $p)))))
        (br_if $sum1 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $end))))))
      (local.set $mean (f64.div (local.get $s) (local.get $wf)))
      ;; variance
      (local.set $mv (f64x2.splat (local.get $mean)))
      (local.set $A (v128.const i32x4 0 0 0 0))
      (local.set $B (v128.const i32x4 0 0 0 0))
      (local.set $p (local.get $x))
      (if (i32.lt_u (local.get $p) (local.get $end4)) (then (loop $var4
        (local.set $v (v128.load (local.get $p)))
        (local.set $lo (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (local.get $mv)))
        (local.set $hi (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))) (local.get $mv)))
        (local.set $A (f64x2.add (local.get $A) (f64x2.mul (local.get $lo) (local.get $lo))))
        (local.set $B (f64x2.add (local.get $B) (f64x2.mul (local.get $hi) (local.get $hi))))
        (br_if $var4 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end4))))))
      (local.set $A (f64x2.add (local.get $A) (local.get $B)))
      (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $A)) (f64x2.extract_lane 1 (local.get $A))))
      (if (i32.lt_u (local.get $p) (local.get $end)) (then (loop $var1
        (local.set $d (f64.sub (f64.promote_f32 (f32.load (local.get $p))) (local.get $mean)))
        (local.set $s (f64.add (local.get $s) (f64.mul (local.get $d) (local.get $d))))
        (br_if $var1 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $end))))))
      (local.set $inv (f64.div (f64.convert_i32_u (i32.const 1)) (f64.sqrt (f64.add (f64.div (local.get $s) (local.get $wf)) (local.get $eps)))))
      ;; normalise, gain, bias
      (local.set $iv (f64x2.splat (local.get $inv)))
      (local.set $p (local.get $x))
      (local.set $q (local.get $y))
      (local.set $gp (local.get $g))
      (local.set $bp (local.get $b))
      (if (i32.lt_u (local.get $p) (local.get $end4)) (then (loop $norm4
        (local.set $v (v128.load (local.get $p)))
        (local.set $lo (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (local.get $mv)) (local.get $iv))))
        (local.set $hi (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))) (local.get $mv)) (local.get $iv))))
        (v128.store (local.get $q)
          (f32x4.add (f32x4.mul (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi)) (v128.load (local.get $gp)))
                     (v128.load (local.get $bp))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (local.set $gp (i32.add (local.get $gp) (i32.const 16)))
        (local.set $bp (i32.add (local.get $bp) (i32.const 16)))
        (br_if $norm4 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end4))))))
      (if (i32.lt_u (local.get $p) (local.get $end)) (then (loop $norm1
        (f32.store (local.get $q)
          (f32.add (f32.mul (f32.demote_f64 (f64.mul (f64.sub (f64.promote_f32 (f32.load (local.get $p))) (local.get $mean)) (local.get $inv)))
                            (f32.load (local.get $gp)))
                   (f32.load (local.get $bp))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (local.set $gp (i32.add (local.get $gp) (i32.const 4)))
        (local.set $bp (i32.add (local.get $bp) (i32.const 4)))
        (br_if $norm1 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $end))))))
      (local.set $x (local.get $end))
      (local.set $y (local.get $q))
      (br_if $row (local.tee $rows (i32.sub (local.get $rows) (i32.const 1)))))
  )

)
