package kernels

import "fmt"

// Blocking parameters of the f32 GEMM (see doc.go for the structure).
const (
	mr = 3 // rows of the micro-tile (kern3x3)
	nr = 3 // columns of the micro-tile

	kcBlock  = 256 // depth of a k-block: a 3×256 panel is 3 KiB (L1)
	tileMMax = 240 // rows of C per work tile (multiple of mr); A is streamed, only a 3×kc panel stays in L1
	tileNMax = 240 // columns of C per work tile (multiple of nr): B block ≤ 240 KiB (L2)

	// Problems with fewer multiply-adds than this (or fewer than mr rows or
	// nr columns) take the plain reference loops: packing would cost more
	// than it saves.
	smallMACs = 1 << 14
)

// bKind says how the B operand of a gemm job is stored.
type bKind uint8

const (
	bNT     bKind = iota // b is n×k (row j holds column j of B): MatMulNT, Linear
	bNN                  // b is k×n: MatMulNN
	bPacked              // pre-packed panels (PackedF32)
)

// gemmJob is one C = A·B (+ bias) product cut into tiles of C. A is m×k
// row-major with stride lda; B is k×n, stored as bkind says.
type gemmJob struct {
	m, n, k int
	a       []float32
	lda     int
	bkind   bKind
	b       []float32
	ldb     int
	packed  *PackedF32
	c       []float32
	ldc     int
	bias    []float32 // nil or n values added to every row

	tm, tn int // tile size (multiples of mr, nr)
	tilesN int // tiles across n
}

// tileSizes splits total into the fewest pieces of at most max that are
// multiples of unit and as even as possible; it returns the piece size and
// the count.
func tileSizes(total, max, unit int) (size, count int) {
	count = (total + max - 1) / max
	size = (total + count - 1) / count
	size = (size + unit - 1) / unit * unit
	count = (total + size - 1) / size
	return size, count
}

// run plans the tiles and computes them, in parallel where the platform
// allows. The tiling never changes a result: each element of C is summed
// in the same order (p = 0..k-1) whatever the tile or worker count.
func (j *gemmJob) run() {
	if j.m == 0 || j.n == 0 {
		return
	}
	tm, nm := tileSizes(j.m, tileMMax, mr)
	tn, nn := tileSizes(j.n, tileNMax, nr)
	// Give every worker something to do on small problems (attention
	// products): shrink the row tiles while there are fewer than two tiles
	// per worker. This only changes speed, never the results.
	w := workers()
	for w > 1 && nm*nn < 2*w && tm > 8*mr {
		tm, nm = tileSizes(j.m, tm/2, mr)
	}
	j.tm, j.tn, j.tilesN = tm, tn, nn
	parallelTiles(nm*nn, 2*j.m*j.n*j.k, j.tile)
}

// tile computes one tile of C.
func (j *gemmJob) tile(s *scratch, t int) {
	i0 := (t / j.tilesN) * j.tm
	j0 := (t % j.tilesN) * j.tn
	i1 := min(i0+j.tm, j.m)
	j1 := min(j0+j.tn, j.n)
	mp := (i1 - i0 + mr - 1) / mr
	np := (j1 - j0 + nr - 1) / nr
	ldc := j.ldc
	for i := i0; i < i1; i++ {
		clear(j.c[i*ldc+j0 : i*ldc+j1])
	}
	var edge [mr * nr]float32
	for pc := 0; pc < j.k; pc += kcBlock {
		kc := min(kcBlock, j.k-pc)
		ap := growF32(&s.a, mp*mr*kc)
		packA(ap, j.a, j.lda, i0, i1, pc, kc)
		var bp []float32
		switch j.bkind {
		case bPacked:
			off := pc*j.packed.nPad + j0*kc
			bp = j.packed.data[off : off+np*nr*kc]
		case bNT:
			bp = growF32(&s.b, np*nr*kc)
			packBNT(bp, j.b, j.ldb, j0, j1, pc, kc)
		case bNN:
			bp = growF32(&s.b, np*nr*kc)
			packBNN(bp, j.b, j.ldb, j0, j1, pc, kc)
		}
		for ip := 0; ip < mp; ip++ {
			apan := ap[ip*mr*kc : (ip+1)*mr*kc]
			ii := i0 + ip*mr
			rows := min(mr, i1-ii)
			for jp := 0; jp < np; jp++ {
				bpan := bp[jp*nr*kc : (jp+1)*nr*kc]
				jj := j0 + jp*nr
				cols := min(nr, j1-jj)
				if rows == mr && cols == nr {
					kern3x3(kc, apan, bpan, j.c[ii*ldc+jj:], ldc)
					continue
				}
				// Edge tile: run the full kernel on a copy (the packed
				// panels are zero-padded) and write back the valid part.
				for r := 0; r < rows; r++ {
					copy(edge[r*nr:r*nr+cols], j.c[(ii+r)*ldc+jj:])
				}
				kern3x3(kc, apan, bpan, edge[:], nr)
				for r := 0; r < rows; r++ {
					copy(j.c[(ii+r)*ldc+jj:(ii+r)*ldc+jj+cols], edge[r*nr:])
				}
			}
		}
	}
	if j.bias != nil {
		bias := j.bias[j0:j1]
		for i := i0; i < i1; i++ {
			row := j.c[i*ldc+j0 : i*ldc+j1]
			for q, v := range bias {
				row[q] += v
			}
		}
	}
}

// packA copies rows i0..i1-1, columns pc..pc+kc-1 of a (stride lda) into
// panels of mr rows: dst[ip*mr*kc + p*mr + r] = a[i0+ip*mr+r, pc+p]. Rows
// past i1 are zero.
func packA(dst, a []float32, lda, i0, i1, pc, kc int) {
	packPanels(dst, a, lda, i0, i1, pc, kc)
}

// packA and packBNT share packPanels, which needs mr == nr.
var _ = [1]struct{}{}[mr-nr]

// packBNT packs columns j0..j1-1 of B = bᵀ (b is n×k with stride ldb) over
// depth pc..pc+kc-1 into panels of nr columns: dst[jp*nr*kc + p*nr + q] =
// b[j0+jp*nr+q, pc+p]. Columns past j1 are zero.
func packBNT(dst, b []float32, ldb, j0, j1, pc, kc int) {
	// Same layout problem as packA with the roles of rows and columns of b.
	packPanels(dst, b, ldb, j0, j1, pc, kc)
}

// packPanels copies rows i0..i1-1, columns pc..pc+kc-1 of src (stride ld)
// into panels of 3 rows stored depth-major: dst[jp*3*kc + p*3 + q] =
// src[i0+jp*3+q, pc+p]; rows past i1 are zero.
func packPanels(dst, src []float32, ld, i0, i1, pc, kc int) {
	const w = nr
	np := (i1 - i0 + w - 1) / w
	for jp := 0; jp < np; jp++ {
		pan := dst[jp*w*kc : (jp+1)*w*kc]
		j := i0 + jp*w
		if j+w <= i1 {
			pack3(pan, src[j*ld+pc:j*ld+pc+kc], src[(j+1)*ld+pc:(j+1)*ld+pc+kc], src[(j+2)*ld+pc:(j+2)*ld+pc+kc])
			continue
		}
		for q := 0; q < w; q++ {
			if j+q >= i1 {
				for p := q; p < len(pan); p += w {
					pan[p] = 0
				}
				continue
			}
			row := src[(j+q)*ld+pc : (j+q)*ld+pc+kc]
			for p, v := range row {
				pan[p*w+q] = v
			}
		}
	}
}

// pack3 interleaves three equal-length rows: pan[3p+q] = rq[p]. It is a
// small function of its own and unrolled 4×: the Go wasm back end enters
// every loop iteration through its br_table dispatcher, so short loop
// bodies are expensive there (2.7 → ~1 ns/value).
func pack3(pan, r0, r1, r2 []float32) {
	n := len(r0)
	r1 = r1[:n]
	r2 = r2[:n]
	pan = pan[:3*n]
	p := 0
	for ; p+4 <= n; p += 4 {
		a := r0[p : p+4 : p+4]
		b := r1[p : p+4 : p+4]
		c := r2[p : p+4 : p+4]
		q := pan[3*p : 3*p+12 : 3*p+12]
		q[0], q[1], q[2] = a[0], b[0], c[0]
		q[3], q[4], q[5] = a[1], b[1], c[1]
		q[6], q[7], q[8] = a[2], b[2], c[2]
		q[9], q[10], q[11] = a[3], b[3], c[3]
	}
	for ; p < n; p++ {
		q := pan[3*p : 3*p+3 : 3*p+3]
		q[0], q[1], q[2] = r0[p], r1[p], r2[p]
	}
}

// packBNN packs columns j0..j1-1 of B = b (k×n, stride ldb) over depth
// pc..pc+kc-1 into panels of nr columns (same layout as packBNT).
func packBNN(dst, b []float32, ldb, j0, j1, pc, kc int) {
	np := (j1 - j0 + nr - 1) / nr
	for jp := 0; jp < np; jp++ {
		pan := dst[jp*nr*kc : (jp+1)*nr*kc]
		j := j0 + jp*nr
		src := b[pc*ldb+j:]
		if j+nr <= j1 {
			gather3(pan, src, ldb, kc)
			continue
		}
		for p := 0; p < kc; p++ {
			for q := 0; q < nr; q++ {
				v := float32(0)
				if j+q < j1 {
					v = src[p*ldb+q]
				}
				pan[p*nr+q] = v
			}
		}
	}
}

// gather3 copies kc rows of three consecutive values (row stride ld) of src
// into pan (pan[3p+q] = src[p*ld+q]), unrolled 2× (see pack3).
func gather3(pan, src []float32, ld, kc int) {
	pan = pan[:3*kc]
	p := 0
	for ; p+2 <= kc; p += 2 {
		s0 := src[p*ld : p*ld+3 : p*ld+3]
		s1 := src[(p+1)*ld : (p+1)*ld+3 : (p+1)*ld+3]
		q := pan[3*p : 3*p+6 : 3*p+6]
		q[0], q[1], q[2] = s0[0], s0[1], s0[2]
		q[3], q[4], q[5] = s1[0], s1[1], s1[2]
	}
	for ; p < kc; p++ {
		s0 := src[p*ld : p*ld+3 : p*ld+3]
		q := pan[3*p : 3*p+3 : 3*p+3]
		q[0], q[1], q[2] = s0[0], s0[1], s0[2]
	}
}

// checkMat panics unless s can hold a rows×cols matrix with stride ld.
// Checking up front keeps out-of-range panics in the caller's goroutine.
func checkMat(name string, s []float32, rows, cols, ld int) {
	if rows < 0 || cols < 0 || ld < cols {
		panic(fmt.Sprintf("kernels: %s: bad shape %d×%d with stride %d", name, rows, cols, ld))
	}
	if rows > 0 && cols > 0 && len(s) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("kernels: %s: len %d < %d for %d×%d with stride %d", name, len(s), (rows-1)*ld+cols, rows, cols, ld))
	}
}

func growF32(p *[]float32, n int) []float32 {
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	return (*p)[:n]
}

// gemmNT computes c = a·bᵀ (+bias) with the blocked kernel; shapes checked.
func gemmNT(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, n, k int, bias []float32) {
	checkMat("a", a, m, k, lda)
	checkMat("b", b, n, k, ldb)
	checkMat("c", c, m, n, ldc)
	j := gemmJob{m: m, n: n, k: k, a: a, lda: lda, bkind: bNT, b: b, ldb: ldb, c: c, ldc: ldc, bias: bias}
	j.run()
}

// gemmNN computes c = a·b with the blocked kernel; shapes checked.
func gemmNN(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, n, k int) {
	checkMat("a", a, m, k, lda)
	checkMat("b", b, k, n, ldb)
	checkMat("c", c, m, n, ldc)
	j := gemmJob{m: m, n: n, k: k, a: a, lda: lda, bkind: bNN, b: b, ldb: ldb, c: c, ldc: ldc}
	j.run()
}

// small reports whether an m×n×k product should take the reference loops.
func small(m, n, k int) bool {
	return m < mr || n < nr || m*n*k < smallMACs
}
