package imageio

import (
	"bytes"
	"fmt"
	"image"
	"io"

	"golang.org/x/image/tiff"
)

// errUnknownWindowed is DecodeWindowed's unknown-format error; errors.Is
// matches ErrUnknownFormat.
type unknownFormatError struct{}

func (unknownFormatError) Error() string { return "unknown image format (want PNG, JPEG or TIFF)" }
func (unknownFormatError) Unwrap() error { return ErrUnknownFormat }

// IsTIFF reports whether data starts with a TIFF signature ("II*\0" or
// "MM\0*").
func IsTIFF(data []byte) bool {
	return len(data) >= 4 && (string(data[:4]) == "II*\x00" || string(data[:4]) == "MM\x00*")
}

// ProbeTIFF is Probe for TIFF: it reads the first IFD only and checks the
// size against lim.
func ProbeTIFF(data []byte, name string, lim Limits) (Info, error) {
	lim = lim.withDefaults()
	if len(data) == 0 {
		return Info{}, &Error{Name: name, Err: ErrEmpty}
	}
	if int64(len(data)) > lim.MaxBytes {
		return Info{}, &Error{Name: name, Err: fmt.Errorf("%w: %d bytes exceeds the limit of %d bytes", ErrTooLarge, len(data), lim.MaxBytes)}
	}
	if !IsTIFF(data) {
		return Info{}, &Error{Name: name, Err: unknownFormatError{}}
	}
	cfg, err := guarded(func() (image.Config, error) { return tiff.DecodeConfig(bytes.NewReader(data)) })
	if err != nil {
		return Info{}, &Error{Name: name, Format: "tiff", Err: fmt.Errorf("%w: TIFF header: %v", ErrCorrupt, err)}
	}
	info := Info{Format: "tiff", Width: cfg.Width, Height: cfg.Height}
	if err := checkSize(info, name, lim); err != nil {
		return info, err
	}
	return info, nil
}

func checkSize(info Info, name string, lim Limits) error {
	f := info.Format
	if info.Width <= 0 || info.Height <= 0 {
		return &Error{Name: name, Format: f, Err: fmt.Errorf("%w: header claims %d×%d pixels", ErrCorrupt, info.Width, info.Height)}
	}
	if lim.MaxSide < 0 || info.Width > lim.MaxSide || info.Height > lim.MaxSide {
		return &Error{Name: name, Format: f, Err: fmt.Errorf("%w: %d×%d pixels, each side may be at most %d", ErrTooLarge, info.Width, info.Height, max(lim.MaxSide, 0))}
	}
	if px := int64(info.Width) * int64(info.Height); px > lim.MaxPixels {
		return &Error{Name: name, Format: f, Err: fmt.Errorf("%w: %d×%d = %d pixels exceeds the limit of %d", ErrTooLarge, info.Width, info.Height, px, max(lim.MaxPixels, 0))}
	}
	return nil
}

// decodeTIFF decodes a TIFF after ProbeTIFF (first image of the file).
func decodeTIFF(data []byte, name string, lim Limits) (image.Image, error) {
	info, err := ProbeTIFF(data, name, lim)
	if err != nil {
		return nil, err
	}
	img, err := guarded(func() (image.Image, error) { return tiff.Decode(bytes.NewReader(data)) })
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, &Error{Name: name, Format: "tiff", Err: fmt.Errorf("%w: TIFF: %v", ErrCorrupt, err)}
	}
	if b := img.Bounds(); b.Dx() != info.Width || b.Dy() != info.Height {
		return nil, &Error{Name: name, Format: "tiff", Err: fmt.Errorf("%w: decoded %d×%d pixels but the header says %d×%d", ErrCorrupt, b.Dx(), b.Dy(), info.Width, info.Height)}
	}
	return img, nil
}

// DecodeWindowed decodes a PNG, JPEG or TIFF (the first image of a TIFF) and
// windows 16-bit grayscale images to 8 bits instead of Decode's linear v/257:
// a 12-bit MRI saved as a 16-bit PNG uses 1/16 of the 16-bit range and
// would come out almost black. win is the request (see Window): a manual
// Center/Width, or automatic (min–max of the image by default, or the
// 0.5th–99.5th percentiles with Auto AutoPercentile; 16-bit PNG/TIFF files
// carry no window of their own, so AutoFile means min–max).
//
// The result is an *image.Gray and the applied window for 16-bit grayscale
// images (PNG bit depth 16 colour type 0, TIFF 16-bit BlackIsZero or
// WhiteIsZero); every other image is returned exactly as Decode returns it
// (TIFF: as golang.org/x/image/tiff returns it) with a nil window, so 8-bit
// and colour images keep Decode's Pillow-exact behaviour. The header is
// checked against lim before pixels are allocated, as in Decode.
func DecodeWindowed(data []byte, name string, lim Limits, win Window) (image.Image, *Window, error) {
	if err := win.check(); err != nil {
		return nil, nil, &Error{Name: name, Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
	}
	var img image.Image
	var err error
	if IsTIFF(data) {
		img, err = decodeTIFF(data, name, lim)
	} else if len(data) > 0 && sniff(data) == "" && int64(len(data)) <= lim.withDefaults().MaxBytes {
		return nil, nil, &Error{Name: name, Err: unknownFormatError{}}
	} else {
		img, err = Decode(data, name, lim)
	}
	if err != nil {
		return nil, nil, err
	}
	g16, ok := img.(*image.Gray16)
	if !ok {
		return img, nil, nil
	}
	m, err := MonoFromGray16(g16)
	if err != nil {
		return nil, nil, &Error{Name: name, Err: err}
	}
	g, applied, err := m.Render(win, nil)
	if err != nil {
		return nil, nil, &Error{Name: name, Err: err}
	}
	return g, &applied, nil
}
