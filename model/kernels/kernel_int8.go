// Code in this file was generated once by a small script (a 4-row × 3-word
// int64 register tile unrolled 4× over k) and is maintained by hand; keep the
// pattern regular.

package kernels

// kernQ4x3 is the int8 micro-kernel. a is a packed int8 activation panel
// (a[p*4+i] = row i at depth p), b a packed weight panel of lane words
// (b[p*3+w] = lanes3(w[3w][p], w[3w+1][p], w[3w+2][p])), so one 64-bit
// multiply a·b yields three int8×int8 products in three 21-bit lanes. The
// lane sums stay exact for up to qChunk steps (qChunk·128·128 < 2^20), after
// which they are split (unlanes3) and added to the int32 accumulators
// acc[i*ld+3w+l] (row i, channel 3w+l of the panel).
func kernQ4x3(kc int, a []int8, b []int64, acc []int32, ld int) {
	a = a[:kc*4]
	b = b[:kc*3]
	r0 := acc[0:9:9]
	r1 := acc[ld : ld+9 : ld+9]
	r2 := acc[2*ld : 2*ld+9 : 2*ld+9]
	r3 := acc[3*ld : 3*ld+9 : 3*ld+9]
	for p0 := 0; p0 < kc; p0 += qChunk {
		pe := min(p0+qChunk, kc)
		var s00, s01, s02 int64
		var s10, s11, s12 int64
		var s20, s21, s22 int64
		var s30, s31, s32 int64
		p := p0
		for ; p+4 <= pe; p += 4 {
			aa := a[p*4 : p*4+16 : p*4+16]
			bb := b[p*3 : p*3+12 : p*3+12]
			b0, b1, b2 := bb[0], bb[1], bb[2]
			a0 := int64(aa[0])
			s00 += a0 * b0
			s01 += a0 * b1
			s02 += a0 * b2
			a1 := int64(aa[1])
			s10 += a1 * b0
			s11 += a1 * b1
			s12 += a1 * b2
			a2 := int64(aa[2])
			s20 += a2 * b0
			s21 += a2 * b1
			s22 += a2 * b2
			a3 := int64(aa[3])
			s30 += a3 * b0
			s31 += a3 * b1
			s32 += a3 * b2
			b0, b1, b2 = bb[3], bb[4], bb[5]
			a0 = int64(aa[4])
			s00 += a0 * b0
			s01 += a0 * b1
			s02 += a0 * b2
			a1 = int64(aa[5])
			s10 += a1 * b0
			s11 += a1 * b1
			s12 += a1 * b2
			a2 = int64(aa[6])
			s20 += a2 * b0
			s21 += a2 * b1
			s22 += a2 * b2
			a3 = int64(aa[7])
			s30 += a3 * b0
			s31 += a3 * b1
			s32 += a3 * b2
			b0, b1, b2 = bb[6], bb[7], bb[8]
			a0 = int64(aa[8])
			s00 += a0 * b0
			s01 += a0 * b1
			s02 += a0 * b2
			a1 = int64(aa[9])
			s10 += a1 * b0
			s11 += a1 * b1
			s12 += a1 * b2
			a2 = int64(aa[10])
			s20 += a2 * b0
			s21 += a2 * b1
			s22 += a2 * b2
			a3 = int64(aa[11])
			s30 += a3 * b0
			s31 += a3 * b1
			s32 += a3 * b2
			b0, b1, b2 = bb[9], bb[10], bb[11]
			a0 = int64(aa[12])
			s00 += a0 * b0
			s01 += a0 * b1
			s02 += a0 * b2
			a1 = int64(aa[13])
			s10 += a1 * b0
			s11 += a1 * b1
			s12 += a1 * b2
			a2 = int64(aa[14])
			s20 += a2 * b0
			s21 += a2 * b1
			s22 += a2 * b2
			a3 = int64(aa[15])
			s30 += a3 * b0
			s31 += a3 * b1
			s32 += a3 * b2
		}
		for ; p < pe; p++ {
			aa := a[p*4 : p*4+4 : p*4+4]
			bb := b[p*3 : p*3+3 : p*3+3]
			b0, b1, b2 := bb[0], bb[1], bb[2]
			a0 := int64(aa[0])
			s00 += a0 * b0
			s01 += a0 * b1
			s02 += a0 * b2
			a1 := int64(aa[1])
			s10 += a1 * b0
			s11 += a1 * b1
			s12 += a1 * b2
			a2 := int64(aa[2])
			s20 += a2 * b0
			s21 += a2 * b1
			s22 += a2 * b2
			a3 := int64(aa[3])
			s30 += a3 * b0
			s31 += a3 * b1
			s32 += a3 * b2
		}
		unlanes3(r0[0:3:3], s00)
		unlanes3(r0[3:6:6], s01)
		unlanes3(r0[6:9:9], s02)
		unlanes3(r1[0:3:3], s10)
		unlanes3(r1[3:6:6], s11)
		unlanes3(r1[6:9:9], s12)
		unlanes3(r2[0:3:3], s20)
		unlanes3(r2[3:6:6], s21)
		unlanes3(r2[6:9:9], s22)
		unlanes3(r3[0:3:3], s30)
		unlanes3(r3[3:6:6], s31)
		unlanes3(r3[6:9:9], s32)
	}
}
