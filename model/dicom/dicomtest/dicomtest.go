// Package dicomtest writes small DICOM files for the tests of other
// packages (the CLI, the WebAssembly core): explicit VR little endian Part 10
// files with the Image Pixel module, native pixel data, and identifying
// attributes (patient name, ID, birth date, study and series UIDs) whose values — listed
// in Secrets — must never appear in anything clipad outputs.
package dicomtest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
)

// Element is a data element with an explicit VR.
type Element struct {
	Tag   uint32
	VR    string
	Value []byte
}

// US is a US element.
func US(tag uint32, v uint16) Element {
	return Element{tag, "US", binary.LittleEndian.AppendUint16(nil, v)}
}

// Str is a string element (padded to even length when written).
func Str(tag uint32, vr, s string) Element { return Element{tag, vr, []byte(s)} }

// Secrets are the identifying values every File carries.
var Secrets = []string{"DOE^JANE^SECRET", "PID-884422", "19440312", "1.2.826.0.1.3680043.9999.1", "1.2.826.0.1.3680043.9999.5"}

// Identifying returns the patient and study elements holding Secrets.
func Identifying() []Element {
	return []Element{
		Str(0x00100010, "PN", Secrets[0]), // Patient's Name
		Str(0x00100020, "LO", Secrets[1]), // Patient ID
		Str(0x00100030, "DA", Secrets[2]), // Patient's Birth Date
		Str(0x0020000D, "UI", Secrets[3]), // Study Instance UID
		Str(0x0020000E, "UI", Secrets[4]), // Series Instance UID
	}
}

// Image returns the Image Pixel module elements (Bits Stored = Bits
// Allocated, unsigned; frames 0 leaves Number of Frames out) with Modality
// MR.
func Image(rows, cols int, photometric string, samples, bits, frames int) []Element {
	els := []Element{US(0x00280002, uint16(samples)), Str(0x00280004, "CS", photometric), US(0x00280010, uint16(rows)),
		US(0x00280011, uint16(cols)), US(0x00280100, uint16(bits)), US(0x00280101, uint16(bits)),
		US(0x00280102, uint16(bits-1)), US(0x00280103, 0), Str(0x00080060, "CS", "MR")}
	if samples == 3 {
		els = append(els, US(0x00280006, 0))
	}
	if frames > 0 {
		els = append(els, Str(0x00280008, "IS", fmt.Sprint(frames)))
	}
	return els
}

// Pixels is a native Pixel Data element (VR OB or OW; the bytes are stored
// as given, little endian for OW).
func Pixels(vr string, b []byte) Element { return Element{0x7FE00010, vr, b} }

// File writes a Part 10 file in transfer syntax ts (the data set is always
// encoded explicit VR little endian: pass an uncompressed explicit VR little
// endian UID, or another UID to test its refusal) with els and Identifying.
func File(ts string, els ...Element) []byte {
	els = append(append([]Element(nil), els...), Identifying()...)
	sort.SliceStable(els, func(i, j int) bool { return els[i].Tag < els[j].Tag })
	var b bytes.Buffer
	b.Write(make([]byte, 128))
	b.WriteString("DICM")
	uid := []byte(ts)
	if len(uid)%2 == 1 {
		uid = append(uid, 0)
	}
	write(&b, Element{0x00020000, "UL", binary.LittleEndian.AppendUint32(nil, uint32(8+len(uid)))})
	write(&b, Element{0x00020010, "UI", uid})
	for _, e := range els {
		write(&b, e)
	}
	return b.Bytes()
}

func write(b *bytes.Buffer, e Element) {
	v := e.Value
	if len(v)%2 == 1 {
		p := byte(' ')
		if e.VR == "UI" || e.VR == "OB" {
			p = 0
		}
		v = append(append([]byte(nil), v...), p)
	}
	b.Write(binary.LittleEndian.AppendUint16(nil, uint16(e.Tag>>16)))
	b.Write(binary.LittleEndian.AppendUint16(nil, uint16(e.Tag)))
	b.WriteString(e.VR)
	switch e.VR {
	case "OB", "OW", "OD", "OF", "OL", "OV", "SQ", "UN", "UC", "UR", "UT", "SV", "UV":
		b.Write([]byte{0, 0})
		b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(v))))
	default:
		b.Write(binary.LittleEndian.AppendUint16(nil, uint16(len(v))))
	}
	b.Write(v)
}
