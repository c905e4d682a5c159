package dicom

import (
	"encoding/binary"
	"sort"
)

// How the pixel data of a transfer syntax is stored.
type pixelKind uint8

const (
	kindNative       pixelKind = iota // uncompressed, defined length
	kindEncapNative                   // uncompressed frames in fragments (Encapsulated Uncompressed)
	kindRLE                           // RLE Lossless
	kindJPEG                          // JPEG baseline / extended, decoded with image/jpeg (8-bit)
	kindJPEGLossless                  // JPEG lossless (Process 14), decoded by ljpeg.go
	kindUnsupported
)

// Syntax describes a transfer syntax.
type Syntax struct {
	UID       string
	Name      string
	Supported bool

	explicit bool
	big      bool
	deflate  bool
	kind     pixelKind
}

func (s Syntax) order() binary.ByteOrder {
	if s.big {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// Transfer syntax UIDs.
const (
	ImplicitVRLittleEndian         = "1.2.840.10008.1.2"
	ExplicitVRLittleEndian         = "1.2.840.10008.1.2.1"
	EncapsulatedUncompressed       = "1.2.840.10008.1.2.1.98"
	DeflatedExplicitVRLittleEndian = "1.2.840.10008.1.2.1.99"
	ExplicitVRBigEndian            = "1.2.840.10008.1.2.2"
	JPEGBaseline8Bit               = "1.2.840.10008.1.2.4.50"
	JPEGExtended12Bit              = "1.2.840.10008.1.2.4.51"
	RLELossless                    = "1.2.840.10008.1.2.5"
	JPEGLossless                   = "1.2.840.10008.1.2.4.57"
	JPEGLosslessSV1                = "1.2.840.10008.1.2.4.70"
)

var syntaxes = map[string]Syntax{}

func init() {
	add := func(uid, name string, explicit, big, deflate bool, kind pixelKind) {
		syntaxes[uid] = Syntax{UID: uid, Name: name, Supported: kind != kindUnsupported, explicit: explicit, big: big, deflate: deflate, kind: kind}
	}
	add(ImplicitVRLittleEndian, "Implicit VR Little Endian", false, false, false, kindNative)
	add(ExplicitVRLittleEndian, "Explicit VR Little Endian", true, false, false, kindNative)
	add(EncapsulatedUncompressed, "Encapsulated Uncompressed Explicit VR Little Endian", true, false, false, kindEncapNative)
	add(DeflatedExplicitVRLittleEndian, "Deflated Explicit VR Little Endian", true, false, true, kindNative)
	add(ExplicitVRBigEndian, "Explicit VR Big Endian (retired)", true, true, false, kindNative)
	add(JPEGBaseline8Bit, "JPEG Baseline (Process 1)", true, false, false, kindJPEG)
	add(JPEGExtended12Bit, "JPEG Extended (Process 2 & 4), 8-bit only", true, false, false, kindJPEG)
	add(RLELossless, "RLE Lossless", true, false, false, kindRLE)
	add(JPEGLossless, "JPEG Lossless, Non-Hierarchical (Process 14)", true, false, false, kindJPEGLossless)
	add(JPEGLosslessSV1, "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 SV1)", true, false, false, kindJPEGLossless)
	for uid, name := range map[string]string{
		"1.2.840.10008.1.2.4.80":  "JPEG-LS Lossless",
		"1.2.840.10008.1.2.4.81":  "JPEG-LS Lossy (Near-Lossless)",
		"1.2.840.10008.1.2.4.90":  "JPEG 2000 Image Compression (Lossless Only)",
		"1.2.840.10008.1.2.4.91":  "JPEG 2000 Image Compression",
		"1.2.840.10008.1.2.4.92":  "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)",
		"1.2.840.10008.1.2.4.93":  "JPEG 2000 Part 2 Multi-component Image Compression",
		"1.2.840.10008.1.2.4.94":  "JPIP Referenced",
		"1.2.840.10008.1.2.4.95":  "JPIP Referenced Deflate",
		"1.2.840.10008.1.2.4.100": "MPEG2 Main Profile / Main Level",
		"1.2.840.10008.1.2.4.101": "MPEG2 Main Profile / High Level",
		"1.2.840.10008.1.2.4.102": "MPEG-4 AVC/H.264 High Profile / Level 4.1",
		"1.2.840.10008.1.2.4.103": "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1",
		"1.2.840.10008.1.2.4.104": "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video",
		"1.2.840.10008.1.2.4.105": "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video",
		"1.2.840.10008.1.2.4.106": "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2",
		"1.2.840.10008.1.2.4.107": "HEVC/H.265 Main Profile / Level 5.1",
		"1.2.840.10008.1.2.4.108": "HEVC/H.265 Main 10 Profile / Level 5.1",
		"1.2.840.10008.1.2.4.110": "JPEG XL Lossless",
		"1.2.840.10008.1.2.4.111": "JPEG XL JPEG Recompression",
		"1.2.840.10008.1.2.4.112": "JPEG XL",
		"1.2.840.10008.1.2.4.201": "High-Throughput JPEG 2000 Image Compression (Lossless Only)",
		"1.2.840.10008.1.2.4.202": "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)",
		"1.2.840.10008.1.2.4.203": "High-Throughput JPEG 2000 Image Compression",
		"1.2.840.10008.1.2.4.204": "JPIP HTJ2K Referenced",
		"1.2.840.10008.1.2.4.205": "JPIP HTJ2K Referenced Deflate",
		"1.2.840.10008.1.2.8.1":   "Deflated Image Frame Compression",
		"1.2.840.10008.1.2.6.1":   "RFC 2557 MIME encapsulation (retired)",
		"1.2.840.10008.1.2.6.2":   "XML Encoding (retired)",
	} {
		add(uid, name, true, false, false, kindUnsupported)
	}
}

// Syntaxes lists the transfer syntaxes this package knows, sorted by UID;
// Supported tells which ones it decodes.
func Syntaxes() []Syntax {
	out := make([]Syntax, 0, len(syntaxes))
	for _, s := range syntaxes {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out
}

// LookupSyntax returns the description of a transfer syntax UID.
func LookupSyntax(uid string) (Syntax, bool) {
	s, ok := syntaxes[uid]
	return s, ok
}
