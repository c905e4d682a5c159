package dicom

import (
	"errors"
	"strconv"

	"github.com/clipad/clipad/model/imageio"
)

// Sentinel errors; every error returned by Open, File.Frame and
// File.Render is an *Error wrapping one of them (errors.Is works).
var (
	ErrNotDICOM     = errors.New("not a DICOM file")
	ErrTruncated    = errors.New("truncated DICOM file")
	ErrCorrupt      = errors.New("corrupt DICOM file")
	ErrUnsupported  = errors.New("unsupported DICOM encoding")
	ErrNoPixelData  = errors.New("DICOM file holds no image (no Pixel Data element)")
	ErrTooLarge     = errors.New("DICOM image too large")
	ErrInvalidFrame = errors.New("no such frame")
)

// Error is a DICOM error for one named input (and frame). Its message names
// the file (as the caller gave it; "" is left out), the frame and what is
// wrong; it never contains a value read from the file other than numbers,
// the transfer syntax and the photometric interpretation.
type Error struct {
	Name  string // the file name given by the caller ("" for none)
	Frame int    // 1-based frame number, 0 for the whole file
	Err   error  // wraps one of the Err* sentinels
}

func (e *Error) Error() string {
	s := "dicom: "
	if e.Name != "" {
		s += strconv.Quote(e.Name) + ": "
	}
	if e.Frame > 0 {
		s += "frame " + strconv.Itoa(e.Frame) + ": "
	}
	return s + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// DefaultMaxFrames is the default Limits.MaxFrames.
const DefaultMaxFrames = 10000

// Limits bounds what Open accepts. The embedded imageio.Limits apply per
// frame (MaxPixels, MaxSide) and to the file and to an inflated (deflate
// transfer syntax) data set (MaxBytes); zero fields take imageio's defaults.
// MaxFrames bounds Number of Frames (0: DefaultMaxFrames).
type Limits struct {
	imageio.Limits
	MaxFrames int
}

func (l Limits) withDefaults() Limits {
	d := imageio.DefaultLimits()
	if l.MaxPixels == 0 {
		l.MaxPixels = d.MaxPixels
	}
	if l.MaxSide == 0 {
		l.MaxSide = d.MaxSide
	}
	if l.MaxBytes == 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxFrames == 0 {
		l.MaxFrames = DefaultMaxFrames
	}
	return l
}
