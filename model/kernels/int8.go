package kernels

import (
	"fmt"
	"math"
)

// Blocking parameters of the int8 GEMM (see doc.go).
const (
	qmr = 4       // activation rows of the micro-tile (kernQ4x3)
	qnw = 3       // lane words per micro-tile
	qnr = 3 * qnw // output channels per micro-tile

	// qChunk is how many k steps the 21-bit lanes may accumulate before
	// they are flushed: |Σ| ≤ qChunk·128·128 = 983040 < 2^20, so a lane
	// holds its exact signed sum even for the full int8 range −128..127.
	qChunk = 60

	qkcBlock = 4 * qChunk // k-block: a 4-row int8 panel is 960 B (L1)
	qTileM   = 240        // rows per tile (multiple of qmr): weights are lane-packed once per row tile
	qTileN   = 252        // channels per tile (multiple of qnr): 84 words × 240 × 8 B = 161 KiB (L2)
)

// lanes3 packs three int8 values into the 21-bit lanes of one int64:
// v0 + v1·2^21 + v2·2^42 (signed, so lanes borrow from the one above).
func lanes3(v0, v1, v2 int8) int64 {
	return int64(v0) + int64(v1)<<21 + int64(v2)<<42
}

// unlanes3 splits s = s0 + s1·2^21 + s2·2^42 (each |si| < 2^20) back into
// its three signed lane sums and adds them to r[0..2].
func unlanes3(r []int32, s int64) {
	l0 := s << 43 >> 43 // sign-extend the low 21 bits
	s = (s - l0) >> 21
	l1 := s << 43 >> 43
	l2 := (s - l1) >> 21
	r[0] += int32(l0)
	r[1] += int32(l1)
	r[2] += int32(l2)
}

// ActCodeMax is the largest activation code QuantizeRows makes: 63, so
// activations are 7-bit (−63…63) while weights keep 8 bits. Relaxed SIMD's
// 8-bit dot product (i32x4.relaxed_dot_i8x16_i7x16_add_s, VNNI) takes one
// operand in 0…127; the SIMD module adds 64 to each code to get there
// (model/kernels/simd/relaxed.wat). One code range for every kernel keeps
// the results bit-identical whichever runs.
const ActCodeMax = 63

// QuantizeRows quantizes each row of x (rows×in) symmetrically to 7-bit
// codes: scales[r] = max|x[r,·]|/63 and xq[r,i] = x[r,i]/scales[r] rounded
// to the nearest integer (ties up), in −63..63 (ActCodeMax), so x ≈
// xq·scale. A row of zeros (or with max|x| < 2⁻¹²⁰, quantTiny) gets zero
// codes and scale 0; a row holding a NaN or ±Inf gets zeros and scale
// NaN, so its outputs come out NaN rather than silently finite.
func QuantizeRows(x []float32, rows, in int) (xq []int8, scales []float32) {
	xq = make([]int8, rows*in)
	scales = make([]float32, rows)
	QuantizeRowsTo(xq, scales, x, rows, in)
	return xq, scales
}

// QuantizeRowsTo is QuantizeRows into caller-owned buffers (xq: rows×in,
// scales: rows), for hot loops that must not allocate.
func QuantizeRowsTo(xq []int8, scales []float32, x []float32, rows, in int) {
	if simdQuantize(xq, scales, x, rows, in) { // the same operations, 16 values at a time
		return
	}
	for r := 0; r < rows; r++ {
		xr := x[r*in : r*in+in]
		qr := xq[r*in : r*in+in]
		mx, finite := absMax(xr)
		switch {
		case !finite:
			clear(qr)
			scales[r] = float32(math.NaN())
		case mx < quantTiny: // all (near) zero: 127/mx would overflow float32
			clear(qr)
			scales[r] = 0
		default:
			quantizeRow(qr, xr, float32(ActCodeMax/float64(mx)))
			scales[r] = float32(float64(mx) / ActCodeMax)
		}
	}
}

// quantTiny is the smallest row maximum QuantizeRowsTo scales: below it
// (2⁻¹²⁰ ≈ 7.5e-37) 63/max would overflow float32, so such rows, zeros
// included, quantize to all-zero codes with scale 0.
const quantTiny = 0x1p-120

// absMax returns max|x| and whether x is free of NaN and ±Inf. It uses plain
// comparisons (predictable branches): the builtin max, with its NaN rules,
// makes a long dependency chain and is ~6× slower here, natively and in wasm.
func absMax(x []float32) (float32, bool) {
	var hi, lo float32
	nan := false
	for _, v := range x {
		if v > hi {
			hi = v
		}
		if v < lo {
			lo = v
		}
		if v != v {
			nan = true
		}
	}
	mx := max(hi, -lo)
	return mx, !nan && mx <= math.MaxFloat32
}

// quantizeRow sets q[i] = x[i]·inv rounded to nearest (ties up), clamped to
// ±ActCodeMax. x·inv is in [−63, 63] up to rounding; +128.5 makes it
// positive so the truncating conversion rounds.
func quantizeRow(q []int8, x []float32, inv float32) {
	q = q[:len(x)]
	for i, v := range x {
		n := int32(v*inv+128.5) - 128
		q[i] = int8(min(ActCodeMax, max(-ActCodeMax, n)))
	}
}

// LinearInt8 computes y[r,o] = float32(Σ_i xq[r,i]·wq[o,i])·xScale[r]·
// wScale[o] + b[o] like RefLinearInt8, with exact int32 accumulation (so
// the result is bit-identical to the reference). xq is rows×in (e.g. from
// QuantizeRows), wq is out×in (PyTorch layout, per-output-channel scales),
// b may be nil. Weights are lane-packed per tile on the fly (no extra
// memory is kept); the full int8 range −128..127 is supported.
func LinearInt8(y []float32, xq []int8, xScale []float32, wq []int8, wScale []float32, rows, in, out int, b []float32) {
	checkInt8Args(y, xq, xScale, wq, wScale, rows, in, out, b)
	if rows < qmr || out < qnr || rows*in*out < smallMACs {
		RefLinearInt8(y, xq, xScale, wq, wScale, rows, in, out, b)
		return
	}
	if simdLinearInt8(y, xq, xScale, wq, wScale, rows, in, out, b) { // simd.go
		return
	}
	runInt8(rows, in, out, xq, wq, func(i0, j0, nrow, ncol int, acc []int32, ld int) {
		for r := 0; r < nrow; r++ {
			xs := xScale[i0+r]
			yr := y[(i0+r)*out+j0 : (i0+r)*out+j0+ncol]
			ar := acc[r*ld : r*ld+ncol]
			ws := wScale[j0 : j0+ncol]
			if b == nil {
				for o, a := range ar {
					yr[o] = float32(a) * xs * ws[o]
				}
				continue
			}
			bb := b[j0 : j0+ncol]
			for o, a := range ar {
				v := float32(a) * xs * ws[o] // same expressions as RefLinearInt8
				v += bb[o]
				yr[o] = v
			}
		}
	})
}

func checkInt8Args(y []float32, xq []int8, xScale []float32, wq []int8, wScale []float32, rows, in, out int, b []float32) {
	switch {
	case rows < 0 || in < 0 || out < 0:
		panic(fmt.Sprintf("kernels: LinearInt8: bad shape %d×%d×%d", rows, in, out))
	case len(y) < rows*out, len(xq) < rows*in, len(xScale) < rows, len(wq) < out*in, len(wScale) < out, b != nil && len(b) < out:
		panic(fmt.Sprintf("kernels: LinearInt8: short slice for rows=%d in=%d out=%d", rows, in, out))
	}
}

// matMulInt8Acc sets acc (rows×out) to the exact int32 products Σ xq·wq
// with the fast kernel (for the tests).
func matMulInt8Acc(acc []int32, xq, wq []int8, rows, in, out int) {
	runInt8(rows, in, out, xq, wq, func(i0, j0, nrow, ncol int, t []int32, ld int) {
		for r := 0; r < nrow; r++ {
			copy(acc[(i0+r)*out+j0:(i0+r)*out+j0+ncol], t[r*ld:r*ld+ncol])
		}
	})
}

// int8Job is one exact int32 product xq·wqᵀ cut into tiles; epi receives
// each finished tile of accumulators (nrow×ncol valid, stride ld) at
// (i0, j0).
type int8Job struct {
	m, n, k int
	xq, wq  []int8
	tm, tn  int
	tilesN  int
	epi     func(i0, j0, nrow, ncol int, acc []int32, ld int)
}

func runInt8(rows, in, out int, xq, wq []int8, epi func(i0, j0, nrow, ncol int, acc []int32, ld int)) {
	if rows == 0 || out == 0 {
		return
	}
	j := int8Job{m: rows, n: out, k: in, xq: xq, wq: wq, epi: epi}
	tm, nm := tileSizes(rows, qTileM, qmr)
	tn, nn := tileSizes(out, qTileN, qnr)
	w := workers()
	for w > 1 && nm*nn < 2*w && tm > 4*qmr {
		tm, nm = tileSizes(rows, tm/2, qmr)
	}
	j.tm, j.tn, j.tilesN = tm, tn, nn
	parallelTiles(nm*nn, 2*rows*in*out, j.tile)
}

func (j *int8Job) tile(s *scratch, t int) {
	i0 := (t / j.tilesN) * j.tm
	j0 := (t % j.tilesN) * j.tn
	i1 := min(i0+j.tm, j.m)
	j1 := min(j0+j.tn, j.n)
	mp := (i1 - i0 + qmr - 1) / qmr
	np := (j1 - j0 + qnr - 1) / qnr
	ld := np * qnr
	if cap(s.acc) < mp*qmr*ld {
		s.acc = make([]int32, mp*qmr*ld)
	}
	acc := s.acc[:mp*qmr*ld]
	clear(acc)
	for pc := 0; pc < j.k; pc += qkcBlock {
		kc := min(qkcBlock, j.k-pc)
		if cap(s.qa) < mp*qmr*kc {
			s.qa = make([]int8, mp*qmr*kc)
		}
		ap := s.qa[:mp*qmr*kc]
		packQA(ap, j.xq, j.k, i0, i1, pc, kc)
		if cap(s.qb) < np*qnw*kc {
			s.qb = make([]int64, np*qnw*kc)
		}
		bp := s.qb[:np*qnw*kc]
		packQB(bp, j.wq, j.k, j0, j1, pc, kc)
		for ip := 0; ip < mp; ip++ {
			apan := ap[ip*qmr*kc : (ip+1)*qmr*kc]
			for jp := 0; jp < np; jp++ {
				kernQ4x3(kc, apan, bp[jp*qnw*kc:(jp+1)*qnw*kc], acc[ip*qmr*ld+jp*qnr:], ld)
			}
		}
	}
	j.epi(i0, j0, i1-i0, j1-j0, acc, ld)
}

// packQA copies rows i0..i1-1, columns pc..pc+kc-1 of xq (stride in) into
// panels of qmr rows: dst[ip*qmr*kc + p*qmr + r]; rows past i1 are zero.
func packQA(dst, xq []int8, in, i0, i1, pc, kc int) {
	mp := (i1 - i0 + qmr - 1) / qmr
	for ip := 0; ip < mp; ip++ {
		pan := dst[ip*qmr*kc : (ip+1)*qmr*kc]
		for r := 0; r < qmr; r++ {
			i := i0 + ip*qmr + r
			if i >= i1 {
				for p := r; p < len(pan); p += qmr {
					pan[p] = 0
				}
				continue
			}
			row := xq[i*in+pc : i*in+pc+kc]
			for p, v := range row {
				pan[p*qmr+r] = v
			}
		}
	}
}

// packQB lane-packs output channels j0..j1-1 of wq (out×in), depth
// pc..pc+kc-1, into panels of qnw words: dst[jp*qnw*kc + p*qnw + w] =
// lanes3 of channels j0+jp*qnr+3w+{0,1,2}; channels past j1 are zero.
func packQB(dst []int64, wq []int8, in, j0, j1, pc, kc int) {
	np := (j1 - j0 + qnr - 1) / qnr
	row := func(o int) []int8 { // nil stands in for a missing channel
		if o >= j1 {
			return nil
		}
		return wq[o*in+pc : o*in+pc+kc]
	}
	for jp := 0; jp < np; jp++ {
		pan := dst[jp*qnw*kc : (jp+1)*qnw*kc]
		for w := 0; w < qnw; w++ {
			o := j0 + jp*qnr + 3*w
			r0, r1, r2 := row(o), row(o+1), row(o+2)
			if len(r2) == kc {
				r0, r1 := r0[:kc], r1[:kc]
				for p, v := range r2 {
					pan[p*qnw+w] = lanes3(r0[p], r1[p], v)
				}
				continue
			}
			for p := 0; p < kc; p++ {
				var v0, v1 int8
				if len(r0) == kc {
					v0 = r0[p]
				}
				if len(r1) == kc {
					v1 = r1[p]
				}
				pan[p*qnw+w] = lanes3(v0, v1, 0)
			}
		}
	}
}
