package dicom

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Tags this package reads. Every other element — patient and study
// identification included — is skipped over by its length and its value is
// never decoded, copied or kept. The Series Instance UID is only hashed.
const (
	tagTransferSyntax  = 0x00020010
	tagModality        = 0x00080060
	tagSeriesUID       = 0x0020000E // read only to be hashed (File.SeriesKey)
	tagInstanceNumber  = 0x00200013
	tagSamples         = 0x00280002
	tagPhotometric     = 0x00280004
	tagPlanar          = 0x00280006
	tagFrames          = 0x00280008
	tagRows            = 0x00280010
	tagColumns         = 0x00280011
	tagBitsAllocated   = 0x00280100
	tagBitsStored      = 0x00280101
	tagHighBit         = 0x00280102
	tagPixelRep        = 0x00280103
	tagWindowCenter    = 0x00281050
	tagWindowWidth     = 0x00281051
	tagIntercept       = 0x00281052
	tagSlope           = 0x00281053
	tagVOIFunction     = 0x00281056
	tagPixelValueSeq   = 0x00289145 // Pixel Value Transformation Sequence (functional group)
	tagFrameVOISeq     = 0x00289132 // Frame VOI LUT Sequence (functional group)
	tagSharedFG        = 0x52009229 // Shared Functional Groups Sequence
	tagPerFrameFG      = 0x52009230 // Per-frame Functional Groups Sequence
	tagExtOffsets      = 0x7FE00001 // Extended Offset Table
	tagExtLengths      = 0x7FE00002 // Extended Offset Table Lengths
	tagFloatPixelData  = 0x7FE00008
	tagDoublePixelData = 0x7FE00009
	tagPixelData       = 0x7FE00010
	tagItem            = 0xFFFEE000
	tagItemDelim       = 0xFFFEE00D
	tagSeqDelim        = 0xFFFEE0DD
	undefinedLength    = 0xFFFFFFFF
	maxDepth           = 12 // nesting of sequences
)

// wanted maps the tags whose values are kept to their VR (needed for
// implicit VR data sets).
var wanted = map[uint32]string{
	tagModality: "CS", tagSeriesUID: "UI", tagInstanceNumber: "IS", tagSamples: "US", tagPhotometric: "CS", tagPlanar: "US", tagFrames: "IS",
	tagRows: "US", tagColumns: "US", tagBitsAllocated: "US", tagBitsStored: "US", tagHighBit: "US",
	tagPixelRep: "US", tagWindowCenter: "DS", tagWindowWidth: "DS", tagIntercept: "DS", tagSlope: "DS",
	tagVOIFunction: "CS", tagPixelValueSeq: "SQ", tagFrameVOISeq: "SQ", tagSharedFG: "SQ", tagPerFrameFG: "SQ",
	tagExtOffsets: "OV", tagExtLengths: "OV", tagFloatPixelData: "OF", tagDoublePixelData: "OD",
}

// VRs with a 2-byte reserved field and a 4-byte length in explicit VR.
var longVR = map[string]bool{"OB": true, "OD": true, "OF": true, "OL": true, "OV": true, "OW": true,
	"SQ": true, "SV": true, "UC": true, "UN": true, "UR": true, "UT": true, "UV": true}

var knownVR = map[string]bool{"AE": true, "AS": true, "AT": true, "CS": true, "DA": true, "DS": true, "DT": true,
	"FD": true, "FL": true, "IS": true, "LO": true, "LT": true, "OB": true, "OD": true, "OF": true, "OL": true,
	"OV": true, "OW": true, "PN": true, "SH": true, "SL": true, "SQ": true, "SS": true, "ST": true, "SV": true,
	"TM": true, "UC": true, "UI": true, "UL": true, "UN": true, "UR": true, "US": true, "UT": true, "UV": true}

// elem is a kept element: a value (a sub-slice of the data) or the items of
// a kept sequence.
type elem struct {
	tag   uint32
	vr    string
	val   []byte
	items [][]elem
}

// pixelData is where the top-level Pixel Data element lies.
type pixelData struct {
	vr        string
	native    []byte   // defined length: the value
	bot       []byte   // encapsulated: Basic Offset Table value
	frags     [][]byte // encapsulated: fragment values
	fragStart []int    // encapsulated: offset of each fragment's item tag from the first fragment's
}

type parser struct {
	data []byte
	bo   binary.ByteOrder
	pix  *pixelData
	done bool // top-level Pixel Data read: stop
	lim  Limits
}

func (p *parser) u16(b []byte) uint16 { return p.bo.Uint16(b) }
func (p *parser) u32(b []byte) uint32 { return p.bo.Uint32(b) }

func tagString(t uint32) string { return fmt.Sprintf("(%04X,%04X)", t>>16, t&0xffff) }

func truncated(what string, t uint32, need, have int) error {
	return fmt.Errorf("%w: %s %s needs %d bytes, only %d left", ErrTruncated, what, tagString(t), need, have)
}

// header reads an element header at pos.
func (p *parser) header(pos int, explicit bool) (tag uint32, vr string, length uint32, next int, err error) {
	d := p.data
	if pos+8 > len(d) {
		return 0, "", 0, 0, fmt.Errorf("%w: element header at byte %d cut off", ErrTruncated, pos)
	}
	tag = uint32(p.u16(d[pos:]))<<16 | uint32(p.u16(d[pos+2:]))
	if tag>>16 == 0xFFFE || !explicit {
		length = p.u32(d[pos+4:])
		if !explicit {
			vr = wanted[tag]
			if tag == tagPixelData {
				vr = "OW"
			}
		}
		return tag, vr, length, pos + 8, nil
	}
	vr = string(d[pos+4 : pos+6])
	if !knownVR[vr] {
		return 0, "", 0, 0, fmt.Errorf("%w: invalid VR %q for element %s at byte %d", ErrCorrupt, sanitize(vr), tagString(tag), pos)
	}
	if longVR[vr] {
		if pos+12 > len(d) {
			return 0, "", 0, 0, fmt.Errorf("%w: element header at byte %d cut off", ErrTruncated, pos)
		}
		return tag, vr, p.u32(d[pos+8:]), pos + 12, nil
	}
	return tag, vr, uint32(p.u16(d[pos+6:])), pos + 8, nil
}

// dataset parses elements from pos up to end, or, when undef, up to an Item
// Delimitation Item. It returns the kept elements and the position after
// the data set (after the delimiter).
func (p *parser) dataset(pos, end int, undef, explicit bool, depth int) ([]elem, int, error) {
	if depth > maxDepth {
		return nil, 0, fmt.Errorf("%w: sequences nested more than %d deep", ErrCorrupt, maxDepth)
	}
	var out []elem
	for !p.done {
		if !undef && pos >= end {
			break
		}
		if depth == 0 && pos >= len(p.data) {
			break
		}
		tag, vr, length, next, err := p.header(pos, explicit)
		if err != nil {
			return nil, 0, err
		}
		if tag == tagItemDelim {
			if undef {
				return out, next, nil
			}
			pos = next
			continue
		}
		if tag == tagItem || tag == tagSeqDelim {
			return nil, 0, fmt.Errorf("%w: unexpected item tag %s at byte %d", ErrCorrupt, tagString(tag), pos)
		}
		if length == undefinedLength {
			switch {
			case tag == tagPixelData && depth == 0:
				if p.pix, next, err = p.encapsulated(next, vr); err != nil {
					return nil, 0, err
				}
				p.done = true
			case tag == tagPixelData || vr == "OB" || vr == "OW":
				// Encapsulated pixel data nested in a sequence (an icon): skip the fragments.
				if next, err = p.skipFragments(next); err != nil {
					return nil, 0, err
				}
			case vr == "SQ" || vr == "UN" || !explicit:
				// Undefined-length UN holds implicit VR little endian (CP-246).
				items, n, err := p.sequence(next, 0, true, explicit && vr != "UN", depth+1)
				if err != nil {
					return nil, 0, err
				}
				if wanted[tag] == "SQ" {
					out = append(out, elem{tag: tag, vr: "SQ", items: items})
				}
				next = n
			default:
				return nil, 0, fmt.Errorf("%w: undefined length for %s element %s", ErrCorrupt, vr, tagString(tag))
			}
			pos = next
			continue
		}
		if int64(length) > int64(len(p.data)-next) {
			return nil, 0, truncated("element", tag, int(length), len(p.data)-next)
		}
		if !undef && next+int(length) > end {
			return nil, 0, fmt.Errorf("%w: element %s runs past the end of its item", ErrCorrupt, tagString(tag))
		}
		val := p.data[next : next+int(length)]
		switch {
		case tag == tagPixelData && depth == 0:
			p.pix = &pixelData{vr: vr, native: val}
			p.done = true
		case wanted[tag] == "SQ" && (vr == "SQ" || vr == "UN" || !explicit):
			items, _, err := p.sequence(next, next+int(length), false, explicit && vr != "UN", depth+1)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, elem{tag: tag, vr: "SQ", items: items})
		case wanted[tag] != "" && wanted[tag] != "SQ":
			if vr == "" {
				vr = wanted[tag]
			}
			out = append(out, elem{tag: tag, vr: vr, val: val})
		}
		pos = next + int(length)
	}
	if undef && !p.done {
		return nil, 0, fmt.Errorf("%w: item without delimiter", ErrTruncated)
	}
	return out, pos, nil
}

// sequence parses the items of a sequence whose value starts at pos.
func (p *parser) sequence(pos, end int, undef, explicit bool, depth int) ([][]elem, int, error) {
	var items [][]elem
	for {
		if !undef && pos >= end {
			return items, pos, nil
		}
		if pos+8 > len(p.data) {
			return nil, 0, fmt.Errorf("%w: sequence cut off at byte %d", ErrTruncated, pos)
		}
		tag := uint32(p.u16(p.data[pos:]))<<16 | uint32(p.u16(p.data[pos+2:]))
		length := p.u32(p.data[pos+4:])
		pos += 8
		switch tag {
		case tagSeqDelim:
			if undef {
				return items, pos, nil
			}
			continue
		case tagItem:
		default:
			return nil, 0, fmt.Errorf("%w: expected an item, found %s at byte %d", ErrCorrupt, tagString(tag), pos-8)
		}
		if len(items) >= 1<<20 {
			return nil, 0, fmt.Errorf("%w: more than %d items in a sequence", ErrTooLarge, 1<<20)
		}
		var els []elem
		var err error
		if length == undefinedLength {
			els, pos, err = p.dataset(pos, 0, true, explicit, depth)
		} else {
			if int64(length) > int64(len(p.data)-pos) {
				return nil, 0, truncated("item in sequence", tagItem, int(length), len(p.data)-pos)
			}
			if !undef && pos+int(length) > end {
				return nil, 0, fmt.Errorf("%w: item runs past the end of its sequence", ErrCorrupt)
			}
			els, _, err = p.dataset(pos, pos+int(length), false, explicit, depth)
			pos += int(length)
		}
		if err != nil {
			return nil, 0, err
		}
		items = append(items, els)
	}
}

// items reads encapsulated items (always little endian, PS3.5 A.4) up to the
// Sequence Delimitation Item.
func (p *parser) items(pos int, keep func(start int, val []byte) error) (int, error) {
	d := p.data
	for n := 0; ; n++ {
		if pos+8 > len(d) {
			return 0, fmt.Errorf("%w: encapsulated pixel data cut off (fragment %d)", ErrTruncated, n)
		}
		tag := uint32(binary.LittleEndian.Uint16(d[pos:]))<<16 | uint32(binary.LittleEndian.Uint16(d[pos+2:]))
		length := binary.LittleEndian.Uint32(d[pos+4:])
		if tag == tagSeqDelim {
			return pos + 8, nil
		}
		if tag != tagItem {
			return 0, fmt.Errorf("%w: expected a fragment item, found %s", ErrCorrupt, tagString(tag))
		}
		if length == undefinedLength {
			return 0, fmt.Errorf("%w: fragment %d has undefined length", ErrCorrupt, n)
		}
		if int64(length) > int64(len(d)-pos-8) {
			return 0, fmt.Errorf("%w: fragment %d needs %d bytes, only %d left", ErrTruncated, n, length, len(d)-pos-8)
		}
		if err := keep(pos, d[pos+8:pos+8+int(length)]); err != nil {
			return 0, err
		}
		pos += 8 + int(length)
	}
}

func (p *parser) skipFragments(pos int) (int, error) {
	return p.items(pos, func(int, []byte) error { return nil })
}

// maxFragments bounds the fragments of one Pixel Data element.
const maxFragments = 1 << 20

func (p *parser) encapsulated(pos int, vr string) (*pixelData, int, error) {
	px := &pixelData{vr: vr}
	first := -1
	n := 0
	end, err := p.items(pos, func(start int, val []byte) error {
		if n == 0 {
			px.bot = val
		} else {
			if first < 0 {
				first = start
			}
			if len(px.frags) >= maxFragments {
				return fmt.Errorf("%w: more than %d pixel data fragments", ErrTooLarge, maxFragments)
			}
			px.frags = append(px.frags, val)
			px.fragStart = append(px.fragStart, start-first)
		}
		n++
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return px, end, nil
}

// parsed is the outcome of reading a file's data set.
type parsed struct {
	syntax Syntax
	elems  []elem
	pix    *pixelData
}

// IsDICOM reports whether data looks like a DICOM Part 10 file: "DICM" after
// the 128-byte preamble (or, without a preamble, at the start).
func IsDICOM(data []byte) bool {
	return (len(data) >= 132 && string(data[128:132]) == "DICM") || (len(data) >= 4 && string(data[:4]) == "DICM")
}

// looksLikeDataset reports whether data starts with a plausible bare data
// set (no preamble, no meta group): a group 0002 or 0008 tag, little endian.
// It returns whether the first element has an explicit VR.
func looksLikeDataset(data []byte) (ok, explicit bool) {
	if len(data) < 8 {
		return false, false
	}
	g := binary.LittleEndian.Uint16(data)
	if g != 0x0002 && g != 0x0008 {
		return false, false
	}
	vr := string(data[4:6])
	return true, knownVR[vr]
}

func parseFile(data []byte, lim Limits) (*parsed, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty file", ErrNotDICOM)
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes exceeds the limit of %d bytes", ErrTooLarge, len(data), lim.MaxBytes)
	}
	pos := -1
	switch {
	case len(data) >= 132 && string(data[128:132]) == "DICM":
		pos = 132
	case len(data) >= 4 && string(data[:4]) == "DICM":
		pos = 4
	}
	var tsUID string
	var syn Syntax
	if pos < 0 {
		ok, explicit := looksLikeDataset(data)
		if !ok {
			if len(data) < 132 {
				return nil, fmt.Errorf("%w: %d bytes, too short for the 128-byte preamble and \"DICM\"", ErrNotDICOM, len(data))
			}
			return nil, fmt.Errorf("%w: no \"DICM\" marker after the 128-byte preamble", ErrNotDICOM)
		}
		syn = syntaxes[ImplicitVRLittleEndian]
		if explicit {
			syn = syntaxes[ExplicitVRLittleEndian]
		}
		pos = 0
	} else {
		// File Meta Information: explicit VR little endian, group 0002.
		mp := &parser{data: data, bo: binary.LittleEndian, lim: lim}
		for pos+4 <= len(data) && binary.LittleEndian.Uint16(data[pos:]) == 0x0002 {
			tag, _, length, next, err := mp.header(pos, true)
			if err != nil {
				return nil, fmt.Errorf("file meta information: %w", err)
			}
			if length == undefinedLength || int64(length) > int64(len(data)-next) {
				return nil, fmt.Errorf("%w: file meta element %s cut off", ErrTruncated, tagString(tag))
			}
			if tag == tagTransferSyntax {
				tsUID = trimValue(data[next : next+int(length)])
			}
			pos = next + int(length)
		}
		if tsUID == "" {
			// Missing transfer syntax: guess from the first element.
			_, explicit := looksLikeDataset(data[pos:])
			syn = syntaxes[ImplicitVRLittleEndian]
			if explicit {
				syn = syntaxes[ExplicitVRLittleEndian]
			}
		} else {
			var ok bool
			syn, ok = syntaxes[tsUID]
			if !ok {
				return nil, fmt.Errorf("%w: transfer syntax %s is not known to this reader", ErrUnsupported, safeUID(tsUID))
			}
		}
	}
	if !syn.Supported {
		return nil, fmt.Errorf("%w: transfer syntax %s (%s) is not supported; decompress the file first (e.g. dcmdjpeg, dcmdjpls, gdcmconv --raw)", ErrUnsupported, syn.Name, syn.UID)
	}
	body := data[pos:]
	if syn.deflate {
		var err error
		if body, err = inflate(body, lim.MaxBytes); err != nil {
			return nil, err
		}
	}
	p := &parser{data: body, bo: syn.order(), lim: lim}
	els, _, err := p.dataset(0, len(body), false, syn.explicit, 0)
	if err != nil {
		return nil, err
	}
	return &parsed{syntax: syn, elems: els, pix: p.pix}, nil
}

func inflate(b []byte, limit int64) ([]byte, error) {
	r := flate.NewReader(bytes.NewReader(b))
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("%w: deflated data set: %v", ErrCorrupt, err)
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("%w: deflated data set inflates beyond %d bytes", ErrTooLarge, limit)
	}
	return out, nil
}

// trimValue trims DICOM padding (spaces and NULs).
func trimValue(b []byte) string {
	return strings.Trim(string(b), " \x00")
}

// safeUID returns uid if it is a well-formed UID, else a placeholder, so
// that no arbitrary file content reaches a message.
func safeUID(uid string) string {
	if len(uid) == 0 || len(uid) > 64 {
		return "(invalid UID)"
	}
	for _, c := range uid {
		if (c < '0' || c > '9') && c != '.' {
			return "(invalid UID)"
		}
	}
	return uid
}

// sanitize keeps only upper-case letters, digits, '_' and ' ' (code strings).
func sanitize(s string) string {
	var b strings.Builder
	for _, c := range s {
		if (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ' ' {
			b.WriteRune(c)
		} else {
			b.WriteByte('?')
		}
		if b.Len() >= 32 {
			break
		}
	}
	return b.String()
}

// Value decoding helpers.

func (p *parsed) find(els []elem, tag uint32) *elem {
	for i := range els {
		if els[i].tag == tag {
			return &els[i]
		}
	}
	return nil
}

func (p *parsed) uint(els []elem, tag uint32) (int, bool) {
	e := p.find(els, tag)
	if e == nil || len(e.val) < 2 {
		return 0, false
	}
	return int(p.syntax.order().Uint16(e.val)), true
}

func (p *parsed) str(els []elem, tag uint32) string {
	e := p.find(els, tag)
	if e == nil {
		return ""
	}
	s := trimValue(e.val)
	if i := strings.IndexByte(s, '\\'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// floats parses a DS or IS value (backslash-separated).
func (p *parsed) floats(els []elem, tag uint32) ([]float64, bool) {
	e := p.find(els, tag)
	if e == nil {
		return nil, false
	}
	var out []float64
	for _, part := range strings.Split(trimValue(e.val), "\\") {
		f, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, false
		}
		out = append(out, f)
	}
	return out, len(out) > 0
}

func (p *parsed) items(els []elem, tag uint32) [][]elem {
	if e := p.find(els, tag); e != nil {
		return e.items
	}
	return nil
}
