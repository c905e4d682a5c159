;; relaxed.wat — clipad's int8 GEMM on relaxed SIMD's 8-bit dot product.
;;
;; A second, optional kernel module beside kernels.wat. It uses
;; i32x4.relaxed_dot_i8x16_i7x16_add_s (written i32x4.dot_i8x16_i7x16_add_s
;; in WABT 1.0.32), which multiplies sixteen signed 8-bit values by sixteen
;; 7-bit values (0…127) and adds each group of four products to an i32
;; lane: 16 multiply-adds per instruction, twice i32x4.dot_i16x8_s. V8
;; lowers it to AVX-VNNI/AVX512-VNNI vpdpbusd where the CPU has it (Chromium
;; 114+ and Node 22+ enable relaxed SIMD by default; Node 20 needs
;; --experimental-wasm-relaxed-simd). An engine without relaxed SIMD
;; cannot validate this module, so it is not a file of its own: build.sh
;; stores its binary in a custom section "clipad.relaxed" of kernels.wasm,
;; which every engine ignores; js/simd/simd.js takes it out, validates it
;; and, where it validates, routes qgemm through it.
;;
;; The contract is kernels.wat's (checked by simd_module_test.go on the
;; embedded binary): no memory, data, global, table, element or start
;; section, no imported functions, no state between calls, no stack in
;; linear memory; it reads only its operands and writes only y and the
;; caller's work buffer, inside the shapes passed.
;;
;; Exports
;;   abi() → 1
;;   selftest() → 1 where the engine's relaxed dot product is exact (below)
;;   qgemm(y, x, xs, w, ws, bias, m, k, n, work, wbytes) → 1 or 0
;;        kernels.wat's qgemm (same arguments, same results bit for bit),
;;        or 0 with nothing written to y when it cannot run: an
;;        activation code outside −64…63 (the 7-bit operand is x + 64), or
;;        a work buffer too small for one panel. Then the caller runs
;;        kernels.wat's qgemm. QuantizeRows makes codes in −63…63, so the
;;        engine's products always qualify.
;;
;; Exactness: the activation operand is u = x + 64 in 0…127, so that the
;; 7-bit operand's value is the same whether an engine reads it as signed
;; or unsigned (the relaxed instruction's only latitude); each panel starts
;; its accumulators at −64·Σ_k w (computed with the same instruction from
;; the packed weights), so S = Σ u·w − 64·Σ w = Σ x·w exactly. The x86
;; lowering without VNNI (pmaddubsw, then pmaddwd) saturates a pair of
;; products at ±32767, which 2·127·128 = 32512 never reaches. Integer sums
;; wrap like Go's int32; the f32 epilogue is kernels.wat's $kq, so results
;; equal RefLinearInt8 bit for bit.
;;
;; Layout: activations are packed 4 rows at a time, per quad of k steps 16
;; bytes (row r's four u at 4r); weights per panel of 8 channels: a 32-byte
;; header of −64·Σw (channels 0–7 as i32), then per quad 32 bytes (byte
;; 16v + 4c + j = w[8jp + 4v + c, 4i + j]). Depth past k is zero in both.
;; Loops: as kernels.wat's qgemm. Build: build.sh (wat2wasm
;; --enable-relaxed-simd).
(module
  (import "env" "memory" (memory 0))

  (func (export "abi") (result i32) (i32.const 1))

  ;; selftest() → 1 when this engine's relaxed dot product computes what
  ;; the kernels rely on — signed 8-bit first operand (−128 and 127
  ;; included), 7-bit second operand, sum of four products added to the
  ;; third operand — and 0 otherwise. simd.js links the module only on 1:
  ;; Node 20's experimental implementation (--experimental-wasm-relaxed-
  ;; simd) fails it (it ignores the accumulator).
  (func (export "selftest") (result i32)
    (i32x4.all_true (i32x4.eq
      (i32x4.dot_i8x16_i7x16_add_s
        (v128.const i8x16 -128 127 -1 5 100 -100 7 -7 0 1 -64 63 127 -128 2 -3)
        (v128.const i8x16 127 127 64 3 0 1 126 5 9 10 11 12 127 127 127 0)
        (v128.const i32x4 1000 -1000 7 0x40000000))
      (v128.const i32x4 824 -253 69 1073741951))))

  ;; $pack_a: rows at $a0..$a3 (k bytes each) → dst, per quad i 16 bytes
  ;; at dst + 16i, row r's x[4i..4i+3] + 64 at 4r (zero past k). Blocks of
  ;; 16 bytes transpose 4×4 32-bit units with two rounds of shuffles; the
  ;; rest goes one byte at a time. Returns non-zero when a code is outside
  ;; −64…63 (top bit of x + 64 set).
  (func $pack_a (param $dst i32) (param $a0 i32) (param $a1 i32) (param $a2 i32) (param $a3 i32) (param $k i32) (result i32)
    (local $i i32) (local $kk i32) (local $r i32) (local $row i32) (local $v i32) (local $bad i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local $u v128) (local $acc v128)
    (if (i32.ge_u (local.get $k) (i32.const 16)) (then (loop $blocks ;; bytes i .. i+15 = quads i/4 .. i/4+3
      (local.set $r0 (v128.load (i32.add (local.get $a0) (local.get $i))))
      (local.set $r1 (v128.load (i32.add (local.get $a1) (local.get $i))))
      (local.set $r2 (v128.load (i32.add (local.get $a2) (local.get $i))))
      (local.set $r3 (v128.load (i32.add (local.get $a3) (local.get $i))))
      (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
      (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
      (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
      (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
      (local.set $u (i8x16.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)) (v128.const i8x16 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64)))
      (local.set $acc (v128.or (local.get $acc) (local.get $u)))
      (v128.store offset=0 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))) (local.get $u))
      (local.set $u (i8x16.add (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)) (v128.const i8x16 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64)))
      (local.set $acc (v128.or (local.get $acc) (local.get $u)))
      (v128.store offset=16 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))) (local.get $u))
      (local.set $u (i8x16.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)) (v128.const i8x16 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64)))
      (local.set $acc (v128.or (local.get $acc) (local.get $u)))
      (v128.store offset=32 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))) (local.get $u))
      (local.set $u (i8x16.add (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)) (v128.const i8x16 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64)))
      (local.set $acc (v128.or (local.get $acc) (local.get $u)))
      (v128.store offset=48 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))) (local.get $u))
      (br_if $blocks (i32.le_u (i32.add (local.tee $i (i32.add (local.get $i) (i32.const 16))) (i32.const 16)) (local.get $k))))))
    ;; the rest, up to the next multiple of 4, one byte at a time
    (local.set $kk (local.get $i))
    (if (i32.lt_u (local.get $kk) (i32.and (i32.add (local.get $k) (i32.const 3)) (i32.const -4))) (then (loop $bytes
      (local.set $r (i32.const 0))
      (loop $rows
        (local.set $row (select (local.get $a0) (select (local.get $a1) (select (local.get $a2) (local.get $a3) (i32.eq (local.get $r) (i32.const 2))) (i32.eq (local.get $r) (i32.const 1))) (i32.eqz (local.get $r))))
        (local.set $v (if (result i32) (i32.lt_u (local.get $kk) (local.get $k))
          (then (i32.and (i32.add (i32.load8_s (i32.add (local.get $row) (local.get $kk))) (i32.const 64)) (i32.const 255)))
          (else (i32.const 0))))
        (local.set $bad (i32.or (local.get $bad) (local.get $v)))
        (i32.store8 (i32.add (i32.add (local.get $dst) (i32.shl (i32.shr_u (local.get $kk) (i32.const 2)) (i32.const 4)))
                             (i32.add (i32.shl (local.get $r) (i32.const 2)) (i32.and (local.get $kk) (i32.const 3))))
          (local.get $v))
        (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (i32.const 4))))
      (br_if $bytes (i32.lt_u (local.tee $kk (i32.add (local.get $kk) (i32.const 1))) (i32.and (i32.add (local.get $k) (i32.const 3)) (i32.const -4)))))))
    (i32.or (i32.and (local.get $bad) (i32.const 128))
      (v128.any_true (v128.and (local.get $acc) (v128.const i8x16 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128 128))))
  )

  ;; $pack_w: channels 0..nc-1 of w (n×k int8 at $src, row stride k) into
  ;; ⌈nc/8⌉ panels at dst, each 32 + 32·⌈k/4⌉ bytes: the header (filled by
  ;; $colsum), then per quad i at +32 + 32i byte 16v + 4c + j = w[8jp + 4v
  ;; + c, 4i + j]; channels past nc and depth past k are zero. Full panels
  ;; transpose 4×4 32-bit units of each half (two rounds of shuffles); the
  ;; rest goes one byte at a time.
  (func $pack_w (param $dst i32) (param $src i32) (param $k i32) (param $nc i32)
    (local $jp i32) (local $np i32) (local $pan i32) (local $kq i32) (local $s i32) (local $d i32) (local $i i32) (local $q i32) (local $kk i32) (local $h i32) (local $c i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $kq (i32.shr_u (i32.add (local.get $k) (i32.const 3)) (i32.const 2)))
    (local.set $np (i32.shr_u (i32.add (local.get $nc) (i32.const 7)) (i32.const 3)))
    (loop $panels
      (local.set $pan (i32.add (local.get $dst) (i32.mul (local.get $jp) (i32.add (i32.shl (local.get $kq) (i32.const 5)) (i32.const 32)))))
      (local.set $i (i32.const 0)) ;; byte index along k
      (if (i32.and (i32.le_u (i32.shl (i32.add (local.get $jp) (i32.const 1)) (i32.const 3)) (local.get $nc)) (i32.ge_u (local.get $k) (i32.const 16)))
        (then (loop $blocks ;; bytes i .. i+15 of the 8 channels
          (local.set $h (i32.const 0))
          (loop $halves ;; channels 4h .. 4h+3 → bytes 16h of each quad
            (local.set $s (i32.add (i32.add (local.get $src) (i32.mul (i32.add (i32.shl (local.get $jp) (i32.const 3)) (i32.shl (local.get $h) (i32.const 2))) (local.get $k))) (local.get $i)))
            (local.set $r0 (v128.load (local.get $s)))
            (local.set $s (i32.add (local.get $s) (local.get $k)))
            (local.set $r1 (v128.load (local.get $s)))
            (local.set $s (i32.add (local.get $s) (local.get $k)))
            (local.set $r2 (v128.load (local.get $s)))
            (local.set $s (i32.add (local.get $s) (local.get $k)))
            (local.set $r3 (v128.load (local.get $s)))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
            ;; quad i/4 + t at pan + 32 + 8i + 32t, half h at + 16h
            (local.set $d (i32.add (i32.add (local.get $pan) (i32.const 32)) (i32.add (i32.shl (local.get $i) (i32.const 3)) (i32.shl (local.get $h) (i32.const 4)))))
            (v128.store offset=0 (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (v128.store offset=32 (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (v128.store offset=64 (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (v128.store offset=96 (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (br_if $halves (i32.lt_u (local.tee $h (i32.add (local.get $h) (i32.const 1))) (i32.const 2))))
          (br_if $blocks (i32.le_u (i32.add (local.tee $i (i32.add (local.get $i) (i32.const 16))) (i32.const 16)) (local.get $k))))))
      ;; the rest of the panel one byte at a time
      (local.set $kk (local.get $i))
      (if (i32.lt_u (local.get $kk) (i32.shl (local.get $kq) (i32.const 2))) (then (loop $bytes
        (local.set $q (i32.const 0))
        (loop $chans
          (local.set $c (i32.add (i32.shl (local.get $jp) (i32.const 3)) (local.get $q)))
          (i32.store8 (i32.add (i32.add (local.get $pan) (i32.const 32))
                               (i32.add (i32.shl (i32.shr_u (local.get $kk) (i32.const 2)) (i32.const 5))
                                        (i32.add (i32.shl (local.get $q) (i32.const 2)) (i32.and (local.get $kk) (i32.const 3)))))
            (if (result i32) (i32.and (i32.lt_u (local.get $kk) (local.get $k)) (i32.lt_u (local.get $c) (local.get $nc)))
              (then (i32.load8_s (i32.add (i32.add (local.get $src) (i32.mul (local.get $c) (local.get $k))) (local.get $kk))))
              (else (i32.const 0))))
          (br_if $chans (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 1))) (i32.const 8))))
        (br_if $bytes (i32.lt_u (local.tee $kk (i32.add (local.get $kk) (i32.const 1))) (i32.shl (local.get $kq) (i32.const 2)))))))
      (call $colsum (local.get $pan) (local.get $kq))
      (br_if $panels (i32.lt_u (local.tee $jp (i32.add (local.get $jp) (i32.const 1))) (local.get $np))))
  )

  ;; $colsum fills a packed panel's header with −64·Σ_k w per channel: the
  ;; relaxed dot of each quad with 64 in every byte.
  (func $colsum (param $pan i32) (param $kq i32)
    (local $p i32) (local $end i32) (local $h0 v128) (local $h1 v128)
    (local.set $p (i32.add (local.get $pan) (i32.const 32)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $kq) (i32.const 5))))
    (loop $quads
      (local.set $h0 (i32x4.dot_i8x16_i7x16_add_s (v128.load offset=0 (local.get $p)) (v128.const i8x16 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64) (local.get $h0)))
      (local.set $h1 (i32x4.dot_i8x16_i7x16_add_s (v128.load offset=16 (local.get $p)) (v128.const i8x16 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64) (local.get $h1)))
      (br_if $quads (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 32))) (local.get $end))))
    (v128.store offset=0 (local.get $pan) (i32x4.neg (local.get $h0)))
    (v128.store offset=16 (local.get $pan) (i32x4.neg (local.get $h1)))
  )

  ;; $kq: the 4×8 micro-kernel over $kq quads of the packed rows $ap and
  ;; the packed panel $bp (header first). Per quad: two panel loads, one
  ;; v128.load32_splat of each row's four u, eight relaxed dots that add
  ;; into the accumulators, which start at the header. Output as
  ;; kernels.wat's $kq: raw i32 sums at $dst (row stride $ld bytes) when
  ;; $xs = 0, otherwise f32(S)·xs[r]·ws[q] (+ bias[q]).
  (func $kq (param $dst i32) (param $ld i32) (param $ap i32) (param $bp i32) (param $kq i32)
        (param $xs i32) (param $ws i32) (param $bias i32)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128) (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local $b0 v128) (local $b1 v128) (local $av v128) (local $blo v128) (local $bhi v128) (local $bv v128) (local $w v128) (local $bb v128)
    (local $p i32) (local $end i32)
    (local.set $s00 (v128.load offset=0 (local.get $bp)))
    (local.set $s01 (v128.load offset=16 (local.get $bp)))
    (local.set $s10 (local.get $s00)) (local.set $s11 (local.get $s01))
    (local.set $s20 (local.get $s00)) (local.set $s21 (local.get $s01))
    (local.set $s30 (local.get $s00)) (local.set $s31 (local.get $s01))
    (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
    (local.set $end (i32.add (local.get $bp) (i32.shl (local.get $kq) (i32.const 5))))
    (loop $quads
        (local.set $b0 (v128.load offset=0 (local.get $bp)))
        (local.set $b1 (v128.load offset=16 (local.get $bp)))
        (local.set $av (v128.load32_splat offset=0 (local.get $ap)))
        (local.set $s00 (i32x4.dot_i8x16_i7x16_add_s (local.get $b0) (local.get $av) (local.get $s00)))
        (local.set $s01 (i32x4.dot_i8x16_i7x16_add_s (local.get $b1) (local.get $av) (local.get $s01)))
        (local.set $av (v128.load32_splat offset=4 (local.get $ap)))
        (local.set $s10 (i32x4.dot_i8x16_i7x16_add_s (local.get $b0) (local.get $av) (local.get $s10)))
        (local.set $s11 (i32x4.dot_i8x16_i7x16_add_s (local.get $b1) (local.get $av) (local.get $s11)))
        (local.set $av (v128.load32_splat offset=8 (local.get $ap)))
        (local.set $s20 (i32x4.dot_i8x16_i7x16_add_s (local.get $b0) (local.get $av) (local.get $s20)))
        (local.set $s21 (i32x4.dot_i8x16_i7x16_add_s (local.get $b1) (local.get $av) (local.get $s21)))
        (local.set $av (v128.load32_splat offset=12 (local.get $ap)))
        (local.set $s30 (i32x4.dot_i8x16_i7x16_add_s (local.get $b0) (local.get $av) (local.get $s30)))
        (local.set $s31 (i32x4.dot_i8x16_i7x16_add_s (local.get $b1) (local.get $av) (local.get $s31)))
      (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
      (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
      (br_if $quads (i32.lt_u (local.get $bp) (local.get $end))))
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

  ;; qgemm: see the header. $work: 256 bytes of edge tile, the packed
  ;; activations (16·⌈k/4⌉ bytes per 4 rows), then as many weight panels
  ;; (32 + 32·⌈k/4⌉ bytes) as fit. Returns 0 (y untouched) when not even
  ;; one panel fits or a code is outside −64…63, else 1.
  (func (export "qgemm") (param $y i32) (param $x i32) (param $xs i32) (param $w i32) (param $ws i32) (param $bias i32)
        (param $m i32) (param $k i32) (param $n i32) (param $work i32) (param $wbytes i32) (result i32)
    (local $pbytes i32) (local $ncmax i32) (local $jc i32) (local $nc i32) (local $np i32) (local $i i32) (local $mlast i32) (local $rows i32)
    (local $jp i32) (local $j i32) (local $cols i32) (local $yp i32) (local $pan i32) (local $bp i32) (local $ldy i32) (local $r i32) (local $q i32)
    (local $s i32) (local $v f32) (local $kq i32) (local $apk i32) (local $ab i32) (local $bad i32)
    (if (i32.or (i32.le_s (local.get $m) (i32.const 0)) (i32.or (i32.le_s (local.get $n) (i32.const 0)) (i32.le_s (local.get $k) (i32.const 0))))
      (then (unreachable)))
    (local.set $kq (i32.shr_u (i32.add (local.get $k) (i32.const 3)) (i32.const 2)))
    (local.set $pbytes (i32.add (i32.shl (local.get $kq) (i32.const 5)) (i32.const 32)))
    (local.set $apk (i32.add (local.get $work) (i32.const 256)))
    (local.set $ab (i32.mul (i32.shr_u (i32.add (local.get $m) (i32.const 3)) (i32.const 2)) (i32.shl (local.get $kq) (i32.const 4))))
    (if (i32.or (i32.lt_s (local.get $wbytes) (i32.const 256))
                (i32.lt_u (i32.sub (local.get $wbytes) (i32.const 256)) (i32.add (local.get $ab) (local.get $pbytes))))
      (then (return (i32.const 0))))
    (local.set $ncmax (i32.shl (i32.div_u (i32.sub (i32.sub (local.get $wbytes) (i32.const 256)) (local.get $ab)) (local.get $pbytes)) (i32.const 3)))
    (local.set $bp (i32.add (local.get $apk) (local.get $ab)))
    (local.set $ldy (i32.shl (local.get $n) (i32.const 2)))
    (local.set $mlast (i32.sub (local.get $m) (i32.const 1)))
    ;; all activation rows, 4 at a time (rows past m-1 repeat row m-1: reads only)
    (loop $packrows
      (local.set $bad (i32.or (local.get $bad)
        (call $pack_a (i32.add (local.get $apk) (i32.mul (i32.shr_u (local.get $i) (i32.const 2)) (i32.shl (local.get $kq) (i32.const 4))))
          (i32.add (local.get $x) (i32.mul (select (local.get $i) (local.get $mlast) (i32.lt_u (local.get $i) (local.get $m))) (local.get $k)))
          (i32.add (local.get $x) (i32.mul (select (i32.add (local.get $i) (i32.const 1)) (local.get $mlast) (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $m))) (local.get $k)))
          (i32.add (local.get $x) (i32.mul (select (i32.add (local.get $i) (i32.const 2)) (local.get $mlast) (i32.lt_u (i32.add (local.get $i) (i32.const 2)) (local.get $m))) (local.get $k)))
          (i32.add (local.get $x) (i32.mul (select (i32.add (local.get $i) (i32.const 3)) (local.get $mlast) (i32.lt_u (i32.add (local.get $i) (i32.const 3)) (local.get $m))) (local.get $k)))
          (local.get $k))))
      (br_if $packrows (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $m))))
    (if (local.get $bad) (then (return (i32.const 0))))
    (loop $colblocks
      (local.set $nc (select (local.get $ncmax) (i32.sub (local.get $n) (local.get $jc)) (i32.lt_u (local.get $ncmax) (i32.sub (local.get $n) (local.get $jc)))))
      (local.set $np (i32.shr_u (i32.add (local.get $nc) (i32.const 7)) (i32.const 3)))
      (call $pack_w (local.get $bp) (i32.add (local.get $w) (i32.mul (local.get $jc) (local.get $k))) (local.get $k) (local.get $nc))
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
            (then (call $kq (local.get $yp) (local.get $ldy) (i32.add (local.get $apk) (i32.mul (i32.shr_u (local.get $i) (i32.const 2)) (i32.shl (local.get $kq) (i32.const 4)))) (local.get $pan) (local.get $kq)
              (select (i32.add (local.get $xs) (i32.shl (local.get $i) (i32.const 2))) (i32.const 0) (local.get $xs))
              (i32.add (local.get $ws) (i32.shl (local.get $j) (i32.const 2)))
              (select (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))) (i32.const 0) (local.get $bias))))
            (else
              ;; edge: sums into the work tile, then the valid part out
              (call $kq (local.get $work) (i32.const 32) (i32.add (local.get $apk) (i32.mul (i32.shr_u (local.get $i) (i32.const 2)) (i32.shl (local.get $kq) (i32.const 4)))) (local.get $pan) (local.get $kq) (i32.const 0) (i32.const 0) (i32.const 0))
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
    (i32.const 1)
  )
)
