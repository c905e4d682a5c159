package dicom

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/clipad/clipad/model/imageio"
)

// Info is what a viewer or the detector needs to know about a DICOM file.
// It deliberately holds no identifying attribute: no patient, study,
// series or instance data, no dates, no institution, no UIDs other than the
// transfer syntax.
type Info struct {
	TransferSyntax     string `json:"transferSyntax"`     // UID
	TransferSyntaxName string `json:"transferSyntaxName"` // e.g. "Explicit VR Little Endian"
	Modality           string `json:"modality,omitempty"` // e.g. "MR", "CT" (a code string, sanitised)
	// InstanceNumber orders the files of a series (0 when absent).
	InstanceNumber int `json:"instanceNumber,omitempty"`
	// SeriesKey groups the files of one series without revealing it: the
	// first 16 hex digits of SHA-256("clipad-series:" + Series Instance
	// UID), "" when absent.
	SeriesKey       string `json:"seriesKey,omitempty"`
	Rows            int    `json:"rows"`
	Columns         int    `json:"columns"`
	Frames          int    `json:"frames"`
	SamplesPerPixel int    `json:"samplesPerPixel"`
	Photometric     string `json:"photometric"` // MONOCHROME1, MONOCHROME2, RGB, YBR_FULL, YBR_FULL_422
	PlanarConfig    int    `json:"planarConfiguration"`
	BitsAllocated   int    `json:"bitsAllocated"`
	BitsStored      int    `json:"bitsStored"`
	HighBit         int    `json:"highBit"`
	Signed          bool   `json:"signed"` // Pixel Representation 1
	Color           bool   `json:"color"`  // colour frames: windows do not apply
	// RescaleSlope and RescaleIntercept of the first frame (functional
	// groups may give other frames other values; see Frame.Mono).
	RescaleSlope     float64 `json:"rescaleSlope"`
	RescaleIntercept float64 `json:"rescaleIntercept"`
	// Windows stored in the file for the first frame (Window Center/Width,
	// the first is the default); empty when the file has none.
	Windows []imageio.Window `json:"windows"`
	// ID is an anonymous identifier: the first 16 hex digits of the SHA-256
	// of the pixel data of all frames (stored bytes, in frame order). It
	// names exports without patient data and stays the same when only the
	// file's other attributes (e.g. de-identification) change.
	ID string `json:"id"`
}

// frameParams are the per-frame modality rescale and windows.
type frameParams struct {
	slope, intercept float64
	windows          []imageio.Window
}

// File is an opened DICOM file: its header is parsed and checked, frames
// are decoded on demand (File.Frame, File.Render). A File keeps a reference
// to the data given to Open (or to the inflated data set) and caches the
// last decoded frame, so that re-rendering it with another window costs
// one pass over its pixels. It is safe for concurrent use.
type File struct {
	Info
	name   string
	lim    Limits
	syntax Syntax
	pix    *pixelData
	params []frameParams // one per frame, or one for all
	spans  [][][]byte    // encapsulated: the fragments of each frame
	frameN int           // native: bytes per frame

	mu        sync.Mutex
	lastFrame *Frame
}

func (f *File) err(frame int, err error) error {
	return &Error{Name: f.name, Frame: frame, Err: err}
}

// Open parses data as a DICOM file and checks that its frames can be
// decoded. name is only used in error messages. Sizes are checked against
// lim before any pixel memory is allocated: Rows×Columns against MaxPixels
// and MaxSide, Number of Frames against MaxFrames, and the frames against
// the bytes actually present.
func Open(data []byte, name string, lim Limits) (f *File, err error) {
	lim = lim.withDefaults()
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, &Error{Name: name, Err: fmt.Errorf("%w: reader panic: %v", ErrCorrupt, r)}
		}
	}()
	p, err := parseFile(data, lim)
	if err != nil {
		return nil, &Error{Name: name, Err: err}
	}
	f = &File{name: name, lim: lim, syntax: p.syntax, pix: p.pix}
	if err := f.interpret(p); err != nil {
		return nil, f.err(0, err)
	}
	return f, nil
}

func (f *File) interpret(p *parsed) error {
	els := p.elems
	f.TransferSyntax, f.TransferSyntaxName = p.syntax.UID, p.syntax.Name
	f.Modality = sanitize(p.str(els, tagModality))
	if in, ok := p.floats(els, tagInstanceNumber); ok && in[0] == math.Trunc(in[0]) && math.Abs(in[0]) < 1e9 {
		f.InstanceNumber = int(in[0])
	}
	if uid := p.str(els, tagSeriesUID); uid != "" {
		f.SeriesKey = hashBytes([]byte("clipad-series:" + uid))
	}
	if p.pix == nil {
		if p.find(els, tagFloatPixelData) != nil || p.find(els, tagDoublePixelData) != nil {
			return fmt.Errorf("%w: float pixel data (Float/Double Float Pixel Data) is not supported", ErrUnsupported)
		}
		return ErrNoPixelData
	}
	rows, okR := p.uint(els, tagRows)
	cols, okC := p.uint(els, tagColumns)
	if !okR || !okC {
		return fmt.Errorf("%w: Rows or Columns missing", ErrCorrupt)
	}
	if rows == 0 || cols == 0 {
		return fmt.Errorf("%w: %d×%d pixels", ErrCorrupt, cols, rows)
	}
	if lim := f.lim; lim.MaxSide < 0 || rows > lim.MaxSide || cols > lim.MaxSide {
		return fmt.Errorf("%w: %d×%d pixels, each side may be at most %d", ErrTooLarge, cols, rows, max(lim.MaxSide, 0))
	}
	if px := int64(rows) * int64(cols); px > f.lim.MaxPixels {
		return fmt.Errorf("%w: %d×%d = %d pixels per frame exceeds the limit of %d", ErrTooLarge, cols, rows, px, max(f.lim.MaxPixels, 0))
	}
	frames := 1
	if nf, ok := p.floats(els, tagFrames); ok {
		if nf[0] < 1 || nf[0] != math.Trunc(nf[0]) {
			return fmt.Errorf("%w: Number of Frames %v", ErrCorrupt, nf[0])
		}
		if nf[0] > float64(f.lim.MaxFrames) {
			return fmt.Errorf("%w: %v frames exceeds the limit of %d", ErrTooLarge, nf[0], f.lim.MaxFrames)
		}
		frames = int(nf[0])
	} else if p.find(els, tagFrames) != nil {
		return fmt.Errorf("%w: unreadable Number of Frames", ErrCorrupt)
	}
	spp, ok := p.uint(els, tagSamples)
	if !ok {
		spp = 1
	}
	photo := sanitize(p.str(els, tagPhotometric))
	if photo == "" {
		photo = "MONOCHROME2"
		if spp == 3 {
			photo = "RGB"
		}
	}
	ba, ok := p.uint(els, tagBitsAllocated)
	if !ok {
		return fmt.Errorf("%w: Bits Allocated missing", ErrCorrupt)
	}
	bs, ok := p.uint(els, tagBitsStored)
	if !ok {
		bs = ba
	}
	hb, ok := p.uint(els, tagHighBit)
	if !ok {
		hb = bs - 1
	}
	pr, _ := p.uint(els, tagPixelRep)
	planar, _ := p.uint(els, tagPlanar)
	f.Rows, f.Columns, f.Frames, f.SamplesPerPixel, f.Photometric = rows, cols, frames, spp, photo
	f.BitsAllocated, f.BitsStored, f.HighBit, f.Signed, f.PlanarConfig = ba, bs, hb, pr == 1, planar

	switch ba {
	case 8, 16, 32:
	default:
		return fmt.Errorf("%w: %d bits allocated per sample (want 8, 16 or 32)", ErrUnsupported, ba)
	}
	if bs < 1 || bs > ba {
		return fmt.Errorf("%w: %d bits stored in %d allocated", ErrCorrupt, bs, ba)
	}
	if hb < bs-1 || hb > ba-1 {
		f.HighBit = bs - 1 // tolerate a wrong High Bit
	}
	if pr > 1 {
		return fmt.Errorf("%w: Pixel Representation %d", ErrCorrupt, pr)
	}
	switch photo {
	case "MONOCHROME1", "MONOCHROME2":
		if spp != 1 {
			return fmt.Errorf("%w: %s with %d samples per pixel", ErrCorrupt, photo, spp)
		}
	case "RGB", "YBR_FULL", "YBR_FULL_422":
		if spp != 3 {
			return fmt.Errorf("%w: %s with %d samples per pixel", ErrCorrupt, photo, spp)
		}
		if ba == 32 {
			return fmt.Errorf("%w: 32-bit colour samples", ErrUnsupported)
		}
		if k := p.syntax.kind; photo == "YBR_FULL_422" && k != kindJPEG && (ba != 8 || cols%2 != 0 || (k != kindNative && k != kindEncapNative)) {
			return fmt.Errorf("%w: YBR_FULL_422 with %d bits and %d columns (want 8 bits, even columns)", ErrUnsupported, ba, cols)
		}
		f.Color = true
	case "PALETTE COLOR":
		return fmt.Errorf("%w: photometric interpretation PALETTE COLOR is not supported", ErrUnsupported)
	default:
		return fmt.Errorf("%w: photometric interpretation %s is not supported", ErrUnsupported, photo)
	}
	if planar > 1 {
		return fmt.Errorf("%w: Planar Configuration %d", ErrCorrupt, planar)
	}
	if err := f.framesLayout(); err != nil {
		return err
	}
	f.readParams(p)
	f.RescaleSlope, f.RescaleIntercept, f.Windows = f.params[0].slope, f.params[0].intercept, f.params[0].windows
	if f.Windows == nil {
		f.Windows = []imageio.Window{}
	}
	f.ID = f.hashAll()
	return nil
}

// frameBytes is the size of one native frame.
func (f *File) frameBytes() int64 {
	n := int64(f.Rows) * int64(f.Columns)
	if f.Photometric == "YBR_FULL_422" {
		return n * 2 // Y Y Cb Cr per two pixels
	}
	return n * int64(f.SamplesPerPixel) * int64(f.BitsAllocated/8)
}

// framesLayout checks that the pixel data holds every frame and, for
// encapsulated data, assigns fragments to frames.
func (f *File) framesLayout() error {
	need := f.frameBytes()
	switch f.syntax.kind {
	case kindNative:
		if f.pix.native == nil && f.pix.frags != nil {
			return fmt.Errorf("%w: encapsulated pixel data in an uncompressed transfer syntax", ErrCorrupt)
		}
		total := need * int64(f.Frames)
		if have := int64(len(f.pix.native)); have < total {
			return fmt.Errorf("%w: Pixel Data holds %d bytes, %d frame(s) of %d×%d need %d", ErrTruncated, have, f.Frames, f.Columns, f.Rows, total)
		}
		f.frameN = int(need)
		return nil
	}
	if f.pix.native != nil {
		return fmt.Errorf("%w: native Pixel Data in compressed transfer syntax %s", ErrCorrupt, f.syntax.Name)
	}
	spans, err := splitFrames(f.pix, f.Frames, f.syntax.kind == kindJPEG || f.syntax.kind == kindJPEGLossless)
	if err != nil {
		return err
	}
	f.spans = spans
	return nil
}

// splitFrames assigns the fragments of encapsulated pixel data to frames:
// with the Basic Offset Table if it has one entry per frame, else one
// fragment per frame, all fragments to a single frame, or (JPEG) a new
// frame at each fragment starting with an SOI marker.
func splitFrames(px *pixelData, frames int, jpegSOI bool) ([][][]byte, error) {
	fr := px.frags
	if len(fr) == 0 {
		return nil, fmt.Errorf("%w: encapsulated Pixel Data without fragments", ErrCorrupt)
	}
	if len(px.bot) > 0 && len(px.bot)%4 == 0 && len(px.bot)/4 == frames {
		offs := make([]int64, frames)
		ok := true
		for i := range offs {
			offs[i] = int64(binary.LittleEndian.Uint32(px.bot[4*i:]))
			if (i == 0 && offs[i] != 0) || (i > 0 && offs[i] <= offs[i-1]) {
				ok = false
			}
		}
		if ok {
			out := make([][][]byte, frames)
			k := 0
			for i := 0; i < frames && ok; i++ {
				end := int64(math.MaxInt64)
				if i+1 < frames {
					end = offs[i+1]
				}
				if k >= len(fr) || int64(px.fragStart[k]) != offs[i] {
					ok = false
					break
				}
				for k < len(fr) && int64(px.fragStart[k]) < end {
					out[i] = append(out[i], fr[k])
					k++
				}
			}
			if ok && k == len(fr) {
				return out, nil
			}
		}
	}
	if len(fr) == frames {
		out := make([][][]byte, frames)
		for i := range fr {
			out[i] = [][]byte{fr[i]}
		}
		return out, nil
	}
	if frames == 1 {
		return [][][]byte{fr}, nil
	}
	if jpegSOI {
		var out [][][]byte
		for _, b := range fr {
			if len(b) >= 2 && b[0] == 0xFF && b[1] == 0xD8 || len(out) == 0 {
				out = append(out, nil)
			}
			out[len(out)-1] = append(out[len(out)-1], b)
		}
		if len(out) == frames {
			return out, nil
		}
	}
	if len(fr) < frames {
		return nil, fmt.Errorf("%w: %d frames but only %d pixel data fragments", ErrTruncated, frames, len(fr))
	}
	return nil, fmt.Errorf("%w: cannot tell which of the %d fragments belong to which of the %d frames", ErrCorrupt, len(fr), frames)
}

// readParams collects rescale and windows: top level, then the shared
// functional groups, then each frame's functional groups.
func (f *File) readParams(p *parsed) {
	base := frameParams{slope: 1}
	apply := func(els []elem, fp *frameParams) {
		if s, ok := p.floats(els, tagSlope); ok && s[0] != 0 {
			fp.slope = s[0]
		}
		if b, ok := p.floats(els, tagIntercept); ok {
			fp.intercept = b[0]
		}
		cs, ok1 := p.floats(els, tagWindowCenter)
		ws, ok2 := p.floats(els, tagWindowWidth)
		if ok1 && ok2 {
			fn := sanitize(p.str(els, tagVOIFunction))
			switch fn {
			case imageio.WindowLinear, imageio.WindowLinearExact, imageio.WindowSigmoid:
			default:
				fn = imageio.WindowLinear
			}
			var wins []imageio.Window
			for i := 0; i < min(len(cs), len(ws)); i++ {
				if ws[i] > 0 {
					wins = append(wins, imageio.Window{Center: cs[i], Width: ws[i], Function: fn, Source: imageio.AutoFile})
				}
			}
			if len(wins) > 0 {
				fp.windows = wins
			}
		}
	}
	group := func(item []elem, fp *frameParams) {
		if it := p.items(item, tagPixelValueSeq); len(it) > 0 {
			apply(it[0], fp)
		}
		if it := p.items(item, tagFrameVOISeq); len(it) > 0 {
			apply(it[0], fp)
		}
	}
	apply(p.elems, &base)
	if sh := p.items(p.elems, tagSharedFG); len(sh) > 0 {
		group(sh[0], &base)
	}
	per := p.items(p.elems, tagPerFrameFG)
	if len(per) != f.Frames || f.Frames == 1 {
		if len(per) > 0 {
			group(per[0], &base)
		}
		f.params = []frameParams{base}
		return
	}
	f.params = make([]frameParams, f.Frames)
	for i := range f.params {
		f.params[i] = base
		group(per[i], &f.params[i])
	}
}

func (f *File) paramsFor(n int) frameParams {
	if len(f.params) == 1 {
		return f.params[0]
	}
	return f.params[n-1]
}

// frameData returns the stored bytes of frame n (1-based): a slice of the
// native pixel data, or the concatenated fragments.
func (f *File) frameData(n int) []byte {
	if f.spans == nil {
		return f.pix.native[(n-1)*f.frameN : n*f.frameN]
	}
	sp := f.spans[n-1]
	if len(sp) == 1 {
		return sp[0]
	}
	total := 0
	for _, b := range sp {
		total += len(b)
	}
	out := make([]byte, 0, total)
	for _, b := range sp {
		out = append(out, b...)
	}
	return out
}

func (f *File) hashAll() string {
	h := sha256.New()
	if f.spans == nil {
		h.Write(f.pix.native[:f.Frames*f.frameN])
	} else {
		for _, sp := range f.spans {
			for _, b := range sp {
				h.Write(b)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func hashBytes(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}

// FrameName is a name for frame n of a file given by name: name itself for
// single-frame files, "name#n" otherwise.
func (f *File) FrameName(n int) string {
	if f.Frames == 1 {
		return f.name
	}
	return f.name + "#" + strconv.Itoa(n)
}
