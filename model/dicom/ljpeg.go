package dicom

import (
	"encoding/binary"
	"fmt"
)

// Lossless JPEG (ITU-T T.81 Annex H, Process 14): Huffman-coded differences
// from one of seven predictors, 2–16 bits per sample. This is what DICOM's
// JPEG Lossless transfer syntaxes (…4.57 and …4.70, the latter with
// predictor 1) hold; Go's image/jpeg does not decode it.

type ljHuff struct {
	maxcode [18]int32 // largest code of each length, -1 if none
	valptr  [17]int32 // index in vals of the first code of each length
	mincode [17]int32
	vals    []uint8
	ok      bool
}

func (h *ljHuff) build(counts [16]uint8, vals []uint8) error {
	h.vals = vals
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		h.valptr[l], h.mincode[l] = k, code
		code += n
		k += n
		if n > 0 {
			h.maxcode[l] = code - 1
		} else {
			h.maxcode[l] = -1
		}
		if code > 1<<l {
			return fmt.Errorf("%w: lossless JPEG: invalid Huffman table", ErrCorrupt)
		}
		code <<= 1
	}
	h.maxcode[17] = 1 << 30
	h.ok = true
	return nil
}

// ljBits reads entropy-coded bits: 0xFF00 is a 0xFF byte; at a marker it
// yields zero bits and remembers the marker.
type ljBits struct {
	d      []byte
	pos    int
	acc    uint64
	n      uint
	marker byte
	fake   uint // zero bits appended past the data (at a marker or the end)
}

func (b *ljBits) fill() {
	for b.n <= 56 {
		var c byte
		real := false
		if b.marker == 0 && b.pos < len(b.d) {
			c = b.d[b.pos]
			if c == 0xFF {
				if b.pos+1 < len(b.d) && b.d[b.pos+1] == 0x00 {
					b.pos += 2
				} else {
					if b.pos+1 < len(b.d) {
						b.marker = b.d[b.pos+1]
					} else {
						b.marker = 0xD9
					}
					c = 0
				}
			} else {
				b.pos++
			}
			real = b.marker == 0
		}
		if !real {
			b.fake += 8
		}
		b.acc |= uint64(c) << (56 - b.n)
		b.n += 8
	}
}

func (b *ljBits) bits(k uint) int32 {
	if k == 0 {
		return 0
	}
	if b.n < k {
		b.fill()
	}
	v := int32(b.acc >> (64 - k))
	b.acc <<= k
	b.n -= k
	return v
}

// overrun reports whether bits past the data were consumed.
func (b *ljBits) overrun() bool { return b.fake > b.n }

func (b *ljBits) decode(h *ljHuff) (int, error) {
	code := b.bits(1)
	for l := 1; l <= 16; l++ {
		if code <= h.maxcode[l] {
			return int(h.vals[h.valptr[l]+code-h.mincode[l]]), nil
		}
		code = code<<1 | b.bits(1)
	}
	return 0, fmt.Errorf("%w: lossless JPEG: bad Huffman code", ErrCorrupt)
}

// restart skips to the RSTn marker expected after a restart interval.
func (b *ljBits) restart() error {
	if b.overrun() {
		return fmt.Errorf("%w: lossless JPEG data cut off", ErrTruncated)
	}
	b.acc, b.n, b.fake = 0, 0, 0
	if b.marker == 0 {
		// find the marker (padding 1-bits may precede it)
		for b.pos+1 < len(b.d) && !(b.d[b.pos] == 0xFF && b.d[b.pos+1] != 0 && b.d[b.pos+1] != 0xFF) {
			b.pos++
		}
		if b.pos+1 >= len(b.d) {
			return fmt.Errorf("%w: lossless JPEG: restart marker missing", ErrTruncated)
		}
		b.marker = b.d[b.pos+1]
	}
	if b.marker < 0xD0 || b.marker > 0xD7 {
		return fmt.Errorf("%w: lossless JPEG: expected a restart marker, found FF%02X", ErrCorrupt, b.marker)
	}
	b.pos += 2
	b.marker = 0
	return nil
}

// decodeLosslessJPEG decodes a lossless JPEG of w×h pixels and ncomp
// components; it returns the samples per component (row-major) and the
// precision P.
func decodeLosslessJPEG(data []byte, w, h, ncomp int) ([][]int32, int, error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, 0, fmt.Errorf("%w: lossless JPEG: no SOI marker", ErrCorrupt)
	}
	var tables [4]ljHuff
	var prec, restartInterval int
	var compIDs []uint8
	var out [][]int32
	var decoded []bool
	pos := 2
	for {
		// next marker (skip fill bytes)
		for pos < len(data) && data[pos] != 0xFF {
			pos++
		}
		for pos < len(data) && data[pos] == 0xFF {
			pos++
		}
		if pos >= len(data) {
			return nil, 0, fmt.Errorf("%w: lossless JPEG cut off before its image data", ErrTruncated)
		}
		m := data[pos]
		pos++
		if m == 0xD9 {
			return nil, 0, fmt.Errorf("%w: lossless JPEG without a scan", ErrCorrupt)
		}
		if m == 0x01 || (m >= 0xD0 && m <= 0xD7) {
			continue // no length
		}
		if pos+2 > len(data) {
			return nil, 0, fmt.Errorf("%w: lossless JPEG marker cut off", ErrTruncated)
		}
		n := int(binary.BigEndian.Uint16(data[pos:]))
		if n < 2 || pos+n > len(data) {
			return nil, 0, fmt.Errorf("%w: lossless JPEG segment FF%02X cut off", ErrTruncated, m)
		}
		seg := data[pos+2 : pos+n]
		pos += n
		switch {
		case m == 0xC3: // SOF3
			if len(seg) < 6 {
				return nil, 0, fmt.Errorf("%w: lossless JPEG frame header", ErrCorrupt)
			}
			prec = int(seg[0])
			y, x, nf := int(binary.BigEndian.Uint16(seg[1:])), int(binary.BigEndian.Uint16(seg[3:])), int(seg[5])
			if prec < 2 || prec > 16 {
				return nil, 0, fmt.Errorf("%w: lossless JPEG precision %d", ErrUnsupported, prec)
			}
			if x != w || y != h || nf != ncomp || len(seg) < 6+3*nf {
				return nil, 0, fmt.Errorf("%w: lossless JPEG is %d×%d with %d components, the header says %d×%d with %d", ErrCorrupt, x, y, nf, w, h, ncomp)
			}
			for i := 0; i < nf; i++ {
				if seg[7+3*i] != 0x11 {
					return nil, 0, fmt.Errorf("%w: lossless JPEG with subsampled components", ErrUnsupported)
				}
				compIDs = append(compIDs, seg[6+3*i])
			}
			out = make([][]int32, nf)
			decoded = make([]bool, nf)
			for i := range out {
				out[i] = make([]int32, w*h)
			}
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
			return nil, 0, fmt.Errorf("%w: JPEG process SOF%d in a lossless JPEG transfer syntax", ErrUnsupported, m-0xC0)
		case m == 0xC4: // DHT
			for len(seg) > 0 {
				if len(seg) < 17 {
					return nil, 0, fmt.Errorf("%w: lossless JPEG Huffman table cut off", ErrCorrupt)
				}
				tc, th := seg[0]>>4, seg[0]&15
				var counts [16]uint8
				copy(counts[:], seg[1:17])
				total := 0
				for _, c := range counts {
					total += int(c)
				}
				if len(seg) < 17+total || th > 3 || total > 256 {
					return nil, 0, fmt.Errorf("%w: lossless JPEG Huffman table", ErrCorrupt)
				}
				if tc == 0 {
					if err := tables[th].build(counts, append([]uint8(nil), seg[17:17+total]...)); err != nil {
						return nil, 0, err
					}
				}
				seg = seg[17+total:]
			}
		case m == 0xDD: // DRI
			if len(seg) < 2 {
				return nil, 0, fmt.Errorf("%w: lossless JPEG restart interval", ErrCorrupt)
			}
			restartInterval = int(binary.BigEndian.Uint16(seg))
		case m == 0xDA: // SOS
			if out == nil {
				return nil, 0, fmt.Errorf("%w: lossless JPEG scan before its frame header", ErrCorrupt)
			}
			if len(seg) < 1 || len(seg) < 1+2*int(seg[0])+3 {
				return nil, 0, fmt.Errorf("%w: lossless JPEG scan header", ErrCorrupt)
			}
			ns := int(seg[0])
			var comps []int
			var hts []*ljHuff
			for i := 0; i < ns; i++ {
				id, td := seg[1+2*i], seg[2+2*i]>>4
				ci := -1
				for k, c := range compIDs {
					if c == id {
						ci = k
					}
				}
				if ci < 0 || td > 3 || !tables[td].ok {
					return nil, 0, fmt.Errorf("%w: lossless JPEG scan component or table", ErrCorrupt)
				}
				comps, hts = append(comps, ci), append(hts, &tables[td])
			}
			sv, pt := int(seg[1+2*ns]), int(seg[3+2*ns]&15)
			if sv < 1 || sv > 7 || pt >= prec {
				return nil, 0, fmt.Errorf("%w: lossless JPEG predictor %d, point transform %d", ErrUnsupported, sv, pt)
			}
			end, err := ljScan(data[pos:], out, comps, hts, w, h, prec, sv, pt, restartInterval)
			if err != nil {
				return nil, 0, err
			}
			pos += end
			all := true
			for _, ci := range comps {
				decoded[ci] = true
			}
			for _, d := range decoded {
				all = all && d
			}
			if all {
				return out, prec, nil
			}
			// other components follow in further scans
		}
	}
}

// ljScan decodes one scan into out for the listed components and returns
// how many bytes of data it used.
func ljScan(data []byte, out [][]int32, comps []int, hts []*ljHuff, w, h, prec, sv, pt, ri int) (int, error) {
	b := &ljBits{d: data}
	mask := int32(1)<<16 - 1
	initial := int32(1) << (prec - pt - 1)
	mcus := 0
	firstRow := 0 // first row of the current restart interval
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if ri > 0 && mcus > 0 && mcus%ri == 0 {
				if err := b.restart(); err != nil {
					return 0, err
				}
				firstRow = y
				if x != 0 {
					return 0, fmt.Errorf("%w: lossless JPEG restart interval is not a whole number of rows", ErrUnsupported)
				}
			}
			mcus++
			for k, ci := range comps {
				s, err := b.decode(hts[k])
				if err != nil {
					return 0, err
				}
				var diff int32
				switch {
				case s == 0:
				case s == 16:
					diff = 32768
				case s > 16:
					return 0, fmt.Errorf("%w: lossless JPEG difference category %d", ErrCorrupt, s)
				default:
					diff = b.bits(uint(s))
					if diff < 1<<(s-1) {
						diff += -(1 << s) + 1
					}
				}
				o := out[ci]
				i := y*w + x
				var p int32
				switch {
				case y == firstRow && x == 0:
					p = initial
				case y == firstRow:
					p = o[i-1]
				case x == 0:
					p = o[i-w]
				default:
					ra, rb, rc := o[i-1], o[i-w], o[i-w-1]
					switch sv {
					case 1:
						p = ra
					case 2:
						p = rb
					case 3:
						p = rc
					case 4:
						p = ra + rb - rc
					case 5:
						p = ra + (rb-rc)>>1
					case 6:
						p = rb + (ra-rc)>>1
					case 7:
						p = (ra + rb) >> 1
					}
				}
				o[i] = (p + diff) & mask
			}
		}
		if b.overrun() {
			return 0, fmt.Errorf("%w: lossless JPEG data cut off at row %d", ErrTruncated, y)
		}
	}
	if pt > 0 {
		for _, ci := range comps {
			for i := range out[ci] {
				out[ci][i] <<= pt
			}
		}
	}
	// the scan ends at the next marker
	end := b.pos
	for end+1 < len(data) && !(data[end] == 0xFF && data[end+1] != 0 && !(data[end+1] >= 0xD0 && data[end+1] <= 0xD7)) {
		end++
	}
	return end, nil
}
