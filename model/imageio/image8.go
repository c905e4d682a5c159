package imageio

import (
	"errors"
	"fmt"
	"image"
	"image/color"
)

// Mode is the pixel layout of an Image8, named after Pillow's modes.
type Mode uint8

const (
	Gray Mode = 1 + iota // "L": 1 channel
	RGB                  // "RGB": 3 channels
	RGBA                 // "RGBA": 4 channels, straight (non-premultiplied) alpha
	CMYK                 // "CMYK": 4 channels, 0 = no ink
)

// Channels returns the number of interleaved channels of m (0 if invalid).
func (m Mode) Channels() int {
	switch m {
	case Gray:
		return 1
	case RGB:
		return 3
	case RGBA, CMYK:
		return 4
	}
	return 0
}

// String returns Pillow's name for m.
func (m Mode) String() string {
	switch m {
	case Gray:
		return "L"
	case RGB:
		return "RGB"
	case RGBA:
		return "RGBA"
	case CMYK:
		return "CMYK"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Image8 is an 8-bit image: W×H pixels of Mode.Channels() interleaved bytes,
// row-major with no padding (len(Pix) == W*H*Channels).
type Image8 struct {
	W, H int
	Mode Mode
	Pix  []uint8
}

// ErrInvalid is returned for nil, empty or inconsistent images.
var ErrInvalid = errors.New("imageio: invalid image")

const (
	maxInt   = int(^uint(0) >> 1)
	maxSide8 = 1 << 24
)

// NewImage8 allocates a zeroed w×h image of mode m.
func NewImage8(w, h int, m Mode) (*Image8, error) {
	if w <= 0 || h <= 0 || m.Channels() == 0 {
		return nil, fmt.Errorf("%w: %d×%d %v", ErrInvalid, w, h, m)
	}
	if w > maxSide8 || h > maxSide8 || int64(w)*int64(h) > int64(maxInt/4) {
		return nil, fmt.Errorf("%w: %d×%d %v too large", ErrInvalid, w, h, m)
	}
	return &Image8{W: w, H: h, Mode: m, Pix: make([]uint8, w*h*m.Channels())}, nil
}

// Channels returns im.Mode.Channels().
func (im *Image8) Channels() int { return im.Mode.Channels() }

// Validate checks that im is non-nil, non-empty and that len(Pix) matches.
func (im *Image8) Validate() error {
	if im == nil {
		return fmt.Errorf("%w: nil", ErrInvalid)
	}
	c := im.Mode.Channels()
	if c == 0 {
		return fmt.Errorf("%w: unknown mode %v", ErrInvalid, im.Mode)
	}
	if im.W <= 0 || im.H <= 0 {
		return fmt.Errorf("%w: size %d×%d", ErrInvalid, im.W, im.H)
	}
	if int64(len(im.Pix)) != int64(im.W)*int64(im.H)*int64(c) {
		return fmt.Errorf("%w: %d×%d %v needs %d bytes, has %d", ErrInvalid, im.W, im.H, im.Mode, int64(im.W)*int64(im.H)*int64(c), len(im.Pix))
	}
	return nil
}

// Clone returns a deep copy.
func (im *Image8) Clone() *Image8 {
	o := *im
	o.Pix = append([]uint8(nil), im.Pix...)
	return &o
}

// FromImage converts a decoded image to the Image8 Pillow would hold after
// Image.open (see the package documentation for the exact rules).
func FromImage(img image.Image) (*Image8, error) {
	if img == nil {
		return nil, fmt.Errorf("%w: nil image.Image", ErrInvalid)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%w: empty bounds %v", ErrInvalid, b)
	}
	if w > maxSide8 || h > maxSide8 || int64(w)*int64(h) > int64(maxInt/4) {
		return nil, fmt.Errorf("%w: bounds %v too large", ErrInvalid, b)
	}
	switch m := img.(type) {
	case *image.Gray:
		o, err := NewImage8(w, h, Gray)
		if err != nil {
			return nil, err
		}
		for y := 0; y < h; y++ {
			i := m.PixOffset(b.Min.X, b.Min.Y+y)
			copy(o.Pix[y*w:(y+1)*w], m.Pix[i:i+w])
		}
		return o, nil
	case *image.Gray16:
		o, err := NewImage8(w, h, Gray)
		if err != nil {
			return nil, err
		}
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := o.Pix[y*w : (y+1)*w]
			for x := range dst {
				v := uint32(src[2*x])<<8 | uint32(src[2*x+1])
				dst[x] = uint8((v + 128) / 257)
			}
		}
		return o, nil
	case *image.NRGBA:
		return from4(w, h, func(y int) []uint8 {
			i := m.PixOffset(b.Min.X, b.Min.Y+y)
			return m.Pix[i : i+4*w]
		})
	case *image.RGBA:
		if opaque8(w, h, func(y int) []uint8 { i := m.PixOffset(b.Min.X, b.Min.Y+y); return m.Pix[i : i+4*w] }) {
			return from4(w, h, func(y int) []uint8 { i := m.PixOffset(b.Min.X, b.Min.Y+y); return m.Pix[i : i+4*w] })
		}
	case *image.NRGBA64:
		row := make([]uint8, 4*w)
		return from4(w, h, func(y int) []uint8 {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for i := range row {
				row[i] = src[2*i] // high byte, as Pillow's ;16B unpackers
			}
			return row
		})
	case *image.RGBA64:
		if m.Opaque() {
			row := make([]uint8, 4*w)
			return from4(w, h, func(y int) []uint8 {
				src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
				for i := range row {
					row[i] = src[2*i]
				}
				return row
			})
		}
	case *image.YCbCr:
		return fromYCbCr(m)
	case *image.CMYK:
		o, err := NewImage8(w, h, CMYK)
		if err != nil {
			return nil, err
		}
		for y := 0; y < h; y++ {
			i := m.PixOffset(b.Min.X, b.Min.Y+y)
			copy(o.Pix[y*4*w:(y+1)*4*w], m.Pix[i:i+4*w])
		}
		return o, nil
	case *image.Paletted:
		var lut [256][3]uint8
		for i, c := range m.Palette {
			if i >= 256 {
				break
			}
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			lut[i] = [3]uint8{n.R, n.G, n.B}
		}
		o, err := NewImage8(w, h, RGB)
		if err != nil {
			return nil, err
		}
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := o.Pix[y*3*w : (y+1)*3*w]
			for x := 0; x < w; x++ {
				c := lut[src[x]] // out-of-palette indices give black
				dst[3*x], dst[3*x+1], dst[3*x+2] = c[0], c[1], c[2]
			}
		}
		return o, nil
	}
	// Generic path: straight 8-bit RGBA through Go's colour model.
	row := make([]uint8, 4*w)
	return from4(w, h, func(y int) []uint8 {
		for x := 0; x < w; x++ {
			n := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = n.R, n.G, n.B, n.A
		}
		return row
	})
}

func opaque8(w, h int, row func(y int) []uint8) bool {
	for y := 0; y < h; y++ {
		r := row(y)
		for i := 3; i < len(r); i += 4 {
			if r[i] != 0xff {
				return false
			}
		}
	}
	return true
}

// from4 builds an RGBA image from straight-alpha rows, or an RGB one when
// every alpha is 255. row may reuse its buffer between calls.
func from4(w, h int, row func(y int) []uint8) (*Image8, error) {
	o, err := NewImage8(w, h, RGBA)
	if err != nil {
		return nil, err
	}
	opaque := true
	for y := 0; y < h; y++ {
		r := row(y)
		copy(o.Pix[y*4*w:(y+1)*4*w], r)
		if opaque {
			for i := 3; i < len(r); i += 4 {
				if r[i] != 0xff {
					opaque = false
					break
				}
			}
		}
	}
	if !opaque {
		return o, nil
	}
	// Compact in place to RGB.
	p := o.Pix
	for i, j := 0, 0; i < len(p); i, j = i+4, j+3 {
		p[j], p[j+1], p[j+2] = p[i], p[i+1], p[i+2]
	}
	o.Pix = p[: w*h*3 : w*h*3]
	o.Mode = RGB
	return o, nil
}

// muldiv255 is Pillow's MULDIV255: round(a*b/255) in integers.
func muldiv255(a, b uint32) uint32 {
	t := a*b + 128
	return ((t >> 8) + t) >> 8
}

// ToRGB is Pillow's convert('RGB'): L is replicated, alpha is dropped without
// compositing, CMYK uses Pillow's cmyk2rgb. The result is always a new image.
func ToRGB(im *Image8) (*Image8, error) {
	if err := im.Validate(); err != nil {
		return nil, err
	}
	if im.Mode == RGB {
		return im.Clone(), nil
	}
	o, err := NewImage8(im.W, im.H, RGB)
	if err != nil {
		return nil, err
	}
	n := im.W * im.H
	s, d := im.Pix, o.Pix
	switch im.Mode {
	case Gray:
		for i := 0; i < n; i++ {
			v := s[i]
			d[3*i], d[3*i+1], d[3*i+2] = v, v, v
		}
	case RGBA:
		for i := 0; i < n; i++ {
			d[3*i], d[3*i+1], d[3*i+2] = s[4*i], s[4*i+1], s[4*i+2]
		}
	case CMYK:
		for i := 0; i < n; i++ {
			nk := 255 - uint32(s[4*i+3])
			for c := 0; c < 3; c++ {
				// nk - MULDIV255(c, nk) is never negative or above 255.
				d[3*i+c] = uint8(nk - muldiv255(uint32(s[4*i+c]), nk))
			}
		}
	}
	return o, nil
}

// l24 is Pillow's ITU-R 601-2 luma in 16-bit fixed point (Convert.c L24 >> 16).
func l24(r, g, b uint8) uint8 {
	return uint8((uint32(r)*19595 + uint32(g)*38470 + uint32(b)*7471 + 0x8000) >> 16)
}

// ToGray is Pillow's convert('L'): L = (19595 R + 38470 G + 7471 B + 0x8000)
// >> 16, alpha ignored; CMYK goes through RGB first as Pillow does.
func ToGray(im *Image8) (*Image8, error) {
	if err := im.Validate(); err != nil {
		return nil, err
	}
	switch im.Mode {
	case Gray:
		return im.Clone(), nil
	case CMYK:
		rgb, err := ToRGB(im)
		if err != nil {
			return nil, err
		}
		return ToGray(rgb)
	}
	o, err := NewImage8(im.W, im.H, Gray)
	if err != nil {
		return nil, err
	}
	c := im.Channels()
	s := im.Pix
	for i := range o.Pix {
		o.Pix[i] = l24(s[c*i], s[c*i+1], s[c*i+2])
	}
	return o, nil
}

// RGB8 converts a decoded image to 8-bit RGB as the reference pipeline's
// convert('RGB') would without resizing: ToRGB(FromImage(img)).
func RGB8(img image.Image) (*Image8, error) {
	im, err := FromImage(img)
	if err != nil {
		return nil, err
	}
	if im.Mode == RGB {
		return im, nil
	}
	return ToRGB(im)
}

// Image returns im as a standard library image sharing no memory with im:
// *image.Gray for L, *image.RGBA for RGB (opaque), *image.NRGBA for RGBA and
// *image.CMYK for CMYK.
func (im *Image8) Image() (image.Image, error) {
	if err := im.Validate(); err != nil {
		return nil, err
	}
	r := image.Rect(0, 0, im.W, im.H)
	switch im.Mode {
	case Gray:
		g := image.NewGray(r)
		copy(g.Pix, im.Pix)
		return g, nil
	case RGB:
		o := image.NewRGBA(r)
		for i, j := 0, 0; i < len(im.Pix); i, j = i+3, j+4 {
			o.Pix[j], o.Pix[j+1], o.Pix[j+2], o.Pix[j+3] = im.Pix[i], im.Pix[i+1], im.Pix[i+2], 0xff
		}
		return o, nil
	case RGBA:
		o := image.NewNRGBA(r)
		copy(o.Pix, im.Pix)
		return o, nil
	default:
		o := image.NewCMYK(r)
		copy(o.Pix, im.Pix)
		return o, nil
	}
}
