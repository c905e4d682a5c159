package dicom

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"sort"
	"testing"
)

// A small DICOM writer for the tests: files are built here, nothing is
// downloaded.

type tel struct {
	tag   uint32
	vr    string
	val   []byte
	items [][]tel // SQ
	undef bool    // SQ: undefined lengths (sequence and items)
	frags [][]byte
	bot   []byte
	encap bool // Pixel Data: encapsulated (frags, bot)
}

func usv(tag uint32, v ...uint16) tel {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], x)
	}
	return tel{tag: tag, vr: "US", val: b}
}

func strv(tag uint32, vr, s string) tel { return tel{tag: tag, vr: vr, val: []byte(s)} }

func seqv(tag uint32, undef bool, items ...[]tel) tel {
	return tel{tag: tag, vr: "SQ", items: items, undef: undef}
}

// Identifying values written into every test file; none may ever appear in
// anything this package returns.
var secrets = []string{"DOE^JANE^SECRET", "DOE", "JANE", "PID-884422", "19440312", "St Secret Hospital",
	"1.2.826.0.1.3680043.9999.1", "1.2.826.0.1.3680043.9999.2", "1.2.826.0.1.3680043.9999.3", "ACC-5550123"}

func identifying() []tel {
	return []tel{
		strv(0x00080018, "UI", "1.2.826.0.1.3680043.9999.2"), // SOP Instance UID
		strv(0x00080050, "SH", "ACC-5550123"),                // Accession Number
		strv(0x00080080, "LO", "St Secret Hospital"),         // Institution Name
		strv(0x00100010, "PN", "DOE^JANE^SECRET"),            // Patient's Name
		strv(0x00100020, "LO", "PID-884422"),                 // Patient ID
		strv(0x00100030, "DA", "19440312"),                   // Patient's Birth Date
		strv(0x0020000D, "UI", "1.2.826.0.1.3680043.9999.1"), // Study Instance UID
		strv(0x0020000E, "UI", "1.2.826.0.1.3680043.9999.3"), // Series Instance UID
		strv(0x00200013, "IS", "17"),                         // Instance Number
	}
}

type enc struct {
	explicit bool
	bo       binary.ByteOrder
}

func pad(vr string, v []byte) []byte {
	if len(v)%2 == 0 {
		return v
	}
	switch vr {
	case "UI", "OB", "UN":
		return append(append([]byte{}, v...), 0)
	}
	return append(append([]byte{}, v...), ' ')
}

func (e enc) tag(b *bytes.Buffer, t uint32) {
	var x [4]byte
	e.bo.PutUint16(x[:], uint16(t>>16))
	e.bo.PutUint16(x[2:], uint16(t))
	b.Write(x[:])
}

func (e enc) u32(b *bytes.Buffer, v uint32) {
	var x [4]byte
	e.bo.PutUint32(x[:], v)
	b.Write(x[:])
}

// head writes a tag, VR (explicit) and length.
func (e enc) head(b *bytes.Buffer, t uint32, vr string, n uint32) {
	e.tag(b, t)
	if !e.explicit {
		e.u32(b, n)
		return
	}
	b.WriteString(vr)
	if longVR[vr] {
		b.Write([]byte{0, 0})
		e.u32(b, n)
		return
	}
	var x [2]byte
	e.bo.PutUint16(x[:], uint16(n))
	b.Write(x[:])
}

// fixOrder rewrites US values (built little endian) for big endian.
func (e enc) value(el tel) []byte {
	v := pad(el.vr, el.val)
	if e.bo == binary.BigEndian && (el.vr == "US" || el.vr == "OW") {
		o := make([]byte, len(v))
		for i := 0; i+1 < len(v); i += 2 {
			o[i], o[i+1] = v[i+1], v[i]
		}
		return o
	}
	return v
}

func (e enc) write(b *bytes.Buffer, els []tel) {
	sorted := append([]tel(nil), els...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].tag < sorted[j].tag })
	for _, el := range sorted {
		switch {
		case el.encap:
			e.head(b, el.tag, "OB", 0xFFFFFFFF)
			le := enc{explicit: false, bo: binary.LittleEndian}
			le.tag(b, tagItem)
			le.u32(b, uint32(len(el.bot)))
			b.Write(el.bot)
			for _, f := range el.frags {
				le.tag(b, tagItem)
				le.u32(b, uint32(len(f)))
				b.Write(f)
			}
			le.tag(b, tagSeqDelim)
			le.u32(b, 0)
		case el.vr == "SQ":
			var inner bytes.Buffer
			for _, it := range el.items {
				var ib bytes.Buffer
				e.write(&ib, it)
				e.tag(&inner, tagItem)
				if el.undef {
					e.u32(&inner, 0xFFFFFFFF)
					inner.Write(ib.Bytes())
					e.tag(&inner, tagItemDelim)
					e.u32(&inner, 0)
				} else {
					e.u32(&inner, uint32(ib.Len()))
					inner.Write(ib.Bytes())
				}
			}
			if el.undef {
				e.head(b, el.tag, "SQ", 0xFFFFFFFF)
				b.Write(inner.Bytes())
				e.tag(b, tagSeqDelim)
				e.u32(b, 0)
			} else {
				e.head(b, el.tag, "SQ", uint32(inner.Len()))
				b.Write(inner.Bytes())
			}
		default:
			v := e.value(el)
			e.head(b, el.tag, el.vr, uint32(len(v)))
			b.Write(v)
		}
	}
}

// file builds a Part 10 file: preamble, "DICM", the meta group and the data
// set in transfer syntax ts.
func file(ts string, els []tel) []byte {
	var b bytes.Buffer
	b.Write(make([]byte, 128))
	b.WriteString("DICM")
	meta := enc{explicit: true, bo: binary.LittleEndian}
	var mb bytes.Buffer
	meta.write(&mb, []tel{
		{tag: 0x00020001, vr: "OB", val: []byte{0, 1}},
		strv(0x00020002, "UI", "1.2.840.10008.5.1.4.1.1.7"),
		strv(0x00020003, "UI", "1.2.826.0.1.3680043.9999.2"),
		strv(0x00020010, "UI", ts),
	})
	gl := make([]byte, 4)
	binary.LittleEndian.PutUint32(gl, uint32(mb.Len()))
	meta.write(&b, []tel{{tag: 0x00020000, vr: "UL", val: gl}})
	b.Write(mb.Bytes())
	b.Write(dataset(ts, els))
	return b.Bytes()
}

func dataset(ts string, els []tel) []byte {
	e := enc{explicit: ts != ImplicitVRLittleEndian, bo: binary.LittleEndian}
	if ts == ExplicitVRBigEndian {
		e.bo = binary.BigEndian
	}
	var ds bytes.Buffer
	e.write(&ds, append(identifying(), els...))
	if ts == DeflatedExplicitVRLittleEndian {
		var z bytes.Buffer
		w, _ := flate.NewWriter(&z, flate.BestSpeed)
		w.Write(ds.Bytes())
		w.Close()
		return z.Bytes()
	}
	return ds.Bytes()
}

// imageTags returns the Image Pixel module for the given layout.
func imageTags(rows, cols, frames, spp int, photo string, ba, bs int, signed bool) []tel {
	els := []tel{
		usv(tagSamples, uint16(spp)), strv(tagPhotometric, "CS", photo),
		usv(tagRows, uint16(rows)), usv(tagColumns, uint16(cols)),
		usv(tagBitsAllocated, uint16(ba)), usv(tagBitsStored, uint16(bs)), usv(tagHighBit, uint16(bs-1)),
		strv(tagModality, "CS", "MR"),
	}
	pr := uint16(0)
	if signed {
		pr = 1
	}
	els = append(els, usv(tagPixelRep, pr))
	if spp == 3 {
		els = append(els, usv(tagPlanar, 0))
	}
	if frames != 1 {
		els = append(els, strv(tagFrames, "IS", fmt.Sprint(frames)))
	}
	return els
}

// with replaces (or adds) elements by tag.
func with(els []tel, repl ...tel) []tel {
	out := append([]tel(nil), els...)
	for _, r := range repl {
		found := false
		for i := range out {
			if out[i].tag == r.tag {
				out[i], found = r, true
			}
		}
		if !found {
			out = append(out, r)
		}
	}
	return out
}

func pixelsOW(v []uint16) tel {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], x)
	}
	return tel{tag: tagPixelData, vr: "OW", val: b}
}

func pixelsOB(v []byte) tel { return tel{tag: tagPixelData, vr: "OB", val: v} }

func encapsulated(bot []byte, frags ...[]byte) tel {
	return tel{tag: tagPixelData, vr: "OB", encap: true, bot: bot, frags: frags}
}

func botFor(frags ...[]byte) []byte {
	var b []byte
	off := 0
	for _, f := range frags {
		b = binary.LittleEndian.AppendUint32(b, uint32(off))
		off += 8 + len(f)
	}
	return b
}

// packBits is a simple PackBits encoder (runs of ≥ 3 equal bytes repeat,
// the rest literal).
func packBits(src []byte) []byte {
	var out []byte
	i := 0
	for i < len(src) {
		j := i + 1
		for j < len(src) && src[j] == src[i] && j-i < 128 {
			j++
		}
		if j-i >= 3 {
			out = append(out, byte(int8(1-(j-i))), src[i])
			i = j
			continue
		}
		k := i
		for k < len(src) && k-i < 128 {
			if k+2 < len(src) && src[k] == src[k+1] && src[k] == src[k+2] {
				break
			}
			k++
		}
		out = append(out, byte(k-i-1))
		out = append(out, src[i:k]...)
		i = k
	}
	return out
}

// rleFrame encodes planes (one per byte of each sample, MSB first) as an
// RLE Lossless frame.
func rleFrame(planes [][]byte) []byte {
	hdr := make([]byte, 64)
	binary.LittleEndian.PutUint32(hdr, uint32(len(planes)))
	var body []byte
	for i, p := range planes {
		binary.LittleEndian.PutUint32(hdr[4+4*i:], uint32(64+len(body)))
		seg := packBits(p)
		if len(seg)%2 == 1 {
			seg = append(seg, 0x80) // no-op padding
		}
		body = append(body, seg...)
	}
	return append(hdr, body...)
}

func jpegBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func grayRamp(w, h int, seed int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			g.SetGray(x, y, color.Gray{Y: uint8((x*255/(w-1) + seed*40) % 256)})
		}
	}
	return g
}

// A lossless JPEG (Process 14) encoder for the tests: one fixed DC Huffman
// table (difference categories 0–5: 3 bits, 6–11: 5 bits, 12–16: 7 bits),
// all components interleaved in one scan, optional restart interval (a
// multiple of the width) and point transform.
type ljWriter struct {
	out []byte
	acc uint32
	n   uint
}

func (e *ljWriter) put(v uint32, k uint) {
	for i := int(k) - 1; i >= 0; i-- {
		e.acc = e.acc<<1 | (v>>uint(i))&1
		e.n++
		if e.n == 8 {
			b := byte(e.acc)
			e.out = append(e.out, b)
			if b == 0xFF {
				e.out = append(e.out, 0)
			}
			e.acc, e.n = 0, 0
		}
	}
}

func (e *ljWriter) flush() {
	for e.n != 0 {
		e.put(1, 1)
	}
}

var ljCounts = [16]uint8{0, 0, 6, 0, 6, 0, 5}

func ljCodes() (codes [17]uint32, lens [17]uint) {
	code, sym := uint32(0), 0
	for l := 1; l <= 16; l++ {
		for i := 0; i < int(ljCounts[l-1]); i++ {
			codes[sym], lens[sym] = code, uint(l)
			code++
			sym++
		}
		code <<= 1
	}
	return
}

func losslessJPEG(comps [][]int32, w, h, prec, sv, pt, ri int) []byte {
	codes, lens := ljCodes()
	b := []byte{0xFF, 0xD8}
	nf := len(comps)
	sof := []byte{0xFF, 0xC3, 0, byte(8 + 3*nf), byte(prec), byte(h >> 8), byte(h), byte(w >> 8), byte(w), byte(nf)}
	for i := 0; i < nf; i++ {
		sof = append(sof, byte(i+1), 0x11, 0)
	}
	b = append(b, sof...)
	b = append(b, 0xFF, 0xC4, 0, 2+1+16+17, 0x00)
	b = append(b, ljCounts[:]...)
	for s := 0; s <= 16; s++ {
		b = append(b, byte(s))
	}
	if ri > 0 {
		b = append(b, 0xFF, 0xDD, 0, 4, byte(ri>>8), byte(ri))
	}
	sos := []byte{0xFF, 0xDA, 0, byte(6 + 2*nf), byte(nf)}
	for i := 0; i < nf; i++ {
		sos = append(sos, byte(i+1), 0x00)
	}
	b = append(b, append(sos, byte(sv), 0, byte(pt))...)
	e := &ljWriter{out: b}
	x := make([][]int32, nf) // shifted values
	for c := range comps {
		x[c] = make([]int32, w*h)
		for i, v := range comps[c] {
			x[c][i] = v >> pt
		}
	}
	first, mcus, rst := 0, 0, 0
	for yy := 0; yy < h; yy++ {
		for xx := 0; xx < w; xx++ {
			if ri > 0 && mcus > 0 && mcus%ri == 0 {
				e.flush()
				e.out = append(e.out, 0xFF, byte(0xD0+rst%8))
				rst++
				first = yy
			}
			mcus++
			for c := 0; c < nf; c++ {
				o, i := x[c], yy*w+xx
				var p int32
				switch {
				case yy == first && xx == 0:
					p = 1 << (prec - pt - 1)
				case yy == first:
					p = o[i-1]
				case xx == 0:
					p = o[i-w]
				default:
					ra, rb, rc := o[i-1], o[i-w], o[i-w-1]
					p = [8]int32{0, ra, rb, rc, ra + rb - rc, ra + (rb-rc)>>1, rb + (ra-rc)>>1, (ra + rb) >> 1}[sv]
				}
				d := (o[i] - p) & 0xFFFF
				if d >= 32768 {
					d -= 65536
				}
				switch {
				case d == 0:
					e.put(codes[0], lens[0])
				case d == -32768:
					e.put(codes[16], lens[16])
				default:
					a, s := d, uint(0)
					if a < 0 {
						a = -a
					}
					for a>>s != 0 {
						s++
					}
					e.put(codes[s], lens[s])
					if d < 0 {
						d += 1<<s - 1
					}
					e.put(uint32(d), s)
				}
			}
		}
	}
	e.flush()
	return append(e.out, 0xFF, 0xD9)
}
