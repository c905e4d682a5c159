package imageio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"strconv"
)

// Default limits (used for every zero field of Limits).
const (
	DefaultMaxPixels = 100_000_000 // width×height
	DefaultMaxSide   = 30000       // each of width and height
	DefaultMaxBytes  = 256 << 20   // size of the encoded file
)

// Limits bounds what Decode accepts. A zero field means its default; a
// negative field is treated as zero (nothing is accepted).
type Limits struct {
	MaxPixels int64 // maximum width×height claimed by the header
	MaxSide   int   // maximum width and maximum height
	MaxBytes  int64 // maximum size of the encoded data
}

// DefaultLimits returns the default limits.
func DefaultLimits() Limits {
	return Limits{MaxPixels: DefaultMaxPixels, MaxSide: DefaultMaxSide, MaxBytes: DefaultMaxBytes}
}

func (l Limits) withDefaults() Limits {
	if l.MaxPixels == 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxSide == 0 {
		l.MaxSide = DefaultMaxSide
	}
	if l.MaxBytes == 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	return l
}

// Sentinel errors; every error returned by this package's decoding functions
// is an *Error wrapping one of them.
var (
	ErrEmpty         = errors.New("empty file")
	ErrUnknownFormat = errors.New("unknown image format (want PNG or JPEG)")
	ErrTooLarge      = errors.New("image too large")
	ErrCorrupt       = errors.New("corrupt or truncated image")
)

// Error is a decoding error for one named input.
type Error struct {
	Name   string // the file name given by the caller
	Format string // "png", "jpeg" or "" when not known
	Err    error  // wraps one of the Err* sentinels
}

func (e *Error) Error() string {
	name := e.Name
	if name == "" {
		name = "(unnamed)"
	}
	return "imageio: " + strconv.Quote(name) + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Info is what the header says about an image.
type Info struct {
	Format string // "png" or "jpeg"
	Width  int
	Height int
}

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, pngMagic):
		return "png"
	case len(data) >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff:
		return "jpeg"
	}
	return ""
}

// Probe reads only the header of data and checks it against lim: it returns
// the format and size, or the error Decode would return before decoding
// pixels.
func Probe(data []byte, name string, lim Limits) (Info, error) {
	lim = lim.withDefaults()
	if len(data) == 0 {
		return Info{}, &Error{Name: name, Err: ErrEmpty}
	}
	if int64(len(data)) > lim.MaxBytes {
		return Info{}, &Error{Name: name, Err: fmt.Errorf("%w: %d bytes exceeds the limit of %d bytes", ErrTooLarge, len(data), lim.MaxBytes)}
	}
	format := sniff(data)
	if format == "" {
		return Info{}, &Error{Name: name, Err: ErrUnknownFormat}
	}
	cfg, err := guarded(func() (image.Config, error) {
		if format == "png" {
			return png.DecodeConfig(bytes.NewReader(data))
		}
		return jpeg.DecodeConfig(bytes.NewReader(data))
	})
	if err != nil {
		return Info{}, &Error{Name: name, Format: format, Err: fmt.Errorf("%w: %s header: %v", ErrCorrupt, formatName(format), err)}
	}
	info := Info{Format: format, Width: cfg.Width, Height: cfg.Height}
	return info, checkSize(info, name, lim)
}

// guarded runs a decoder, turning a panic (some decoders panic on hostile
// input) into an error.
func guarded[T any](f func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			var zero T
			v, err = zero, fmt.Errorf("decoder panic: %v", r)
		}
	}()
	return f()
}

func formatName(f string) string {
	if f == "png" {
		return "PNG"
	}
	return "JPEG"
}

// Decode decodes a PNG or JPEG held in data. name is only used in errors.
// The header is checked against lim before any pixel memory is allocated.
func Decode(data []byte, name string, lim Limits) (image.Image, error) {
	info, err := Probe(data, name, lim)
	if err != nil {
		return nil, err
	}
	img, err := guarded(func() (image.Image, error) {
		if info.Format == "png" {
			return png.Decode(bytes.NewReader(data))
		}
		return jpeg.Decode(bytes.NewReader(data))
	})
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, &Error{Name: name, Format: info.Format, Err: fmt.Errorf("%w: %s: %v", ErrCorrupt, formatName(info.Format), err)}
	}
	if b := img.Bounds(); b.Dx() != info.Width || b.Dy() != info.Height {
		return nil, &Error{Name: name, Format: info.Format, Err: fmt.Errorf("%w: decoded %d×%d pixels but the header says %d×%d", ErrCorrupt, b.Dx(), b.Dy(), info.Width, info.Height)}
	}
	if info.Format == "png" {
		img = dropColorKey(data, img)
	}
	return img, nil
}

// DecodeReader reads at most lim.MaxBytes (+1 to detect overflow) from r and
// decodes it like Decode.
func DecodeReader(r io.Reader, name string, lim Limits) (image.Image, error) {
	lim = lim.withDefaults()
	if r == nil {
		return nil, &Error{Name: name, Err: ErrEmpty}
	}
	n := lim.MaxBytes
	if n < 0 {
		n = 0
	}
	data, err := io.ReadAll(io.LimitReader(r, n+1))
	if err != nil {
		return nil, &Error{Name: name, Err: fmt.Errorf("%w: read: %v", ErrCorrupt, err)}
	}
	return Decode(data, name, lim)
}

// pngColorType returns the colour type from the IHDR chunk (the first chunk,
// right after the signature), or -1.
func pngColorType(data []byte) int {
	// signature(8) length(4) "IHDR"(4) width(4) height(4) depth(1) colour(1)
	if len(data) < 26 || string(data[12:16]) != "IHDR" || binary.BigEndian.Uint32(data[8:12]) < 13 {
		return -1
	}
	return int(data[25])
}

// dropColorKey undoes Go's expansion of a tRNS colour key of a gray (colour
// type 0) or truecolour (type 2) PNG into an alpha channel: Pillow keeps those
// images as L/RGB and ignores the key when resizing and converting to RGB.
func dropColorKey(data []byte, img image.Image) image.Image {
	ct := pngColorType(data)
	if ct != 0 && ct != 2 {
		return img
	}
	switch m := img.(type) {
	case *image.NRGBA:
		b := m.Rect
		if ct == 0 {
			g := image.NewGray(b)
			for y := 0; y < b.Dy(); y++ {
				src := m.Pix[y*m.Stride:]
				dst := g.Pix[y*g.Stride:]
				for x := 0; x < b.Dx(); x++ {
					dst[x] = src[4*x]
				}
			}
			return g
		}
		o := image.NewRGBA(b)
		for y := 0; y < b.Dy(); y++ {
			src := m.Pix[y*m.Stride : y*m.Stride+4*b.Dx()]
			dst := o.Pix[y*o.Stride:]
			for i := 0; i < len(src); i += 4 {
				dst[i], dst[i+1], dst[i+2], dst[i+3] = src[i], src[i+1], src[i+2], 0xff
			}
		}
		return o
	case *image.NRGBA64:
		b := m.Rect
		if ct == 0 {
			g := image.NewGray16(b)
			for y := 0; y < b.Dy(); y++ {
				src := m.Pix[y*m.Stride:]
				dst := g.Pix[y*g.Stride:]
				for x := 0; x < b.Dx(); x++ {
					dst[2*x], dst[2*x+1] = src[8*x], src[8*x+1]
				}
			}
			return g
		}
		o := image.NewRGBA64(b)
		for y := 0; y < b.Dy(); y++ {
			src := m.Pix[y*m.Stride : y*m.Stride+8*b.Dx()]
			dst := o.Pix[y*o.Stride:]
			for i := 0; i < len(src); i += 8 {
				copy(dst[i:i+6], src[i:i+6])
				dst[i+6], dst[i+7] = 0xff, 0xff
			}
		}
		return o
	}
	return img
}
