package dicom

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math"

	"github.com/clipad/clipad/model/imageio"
)

// Frame is one decoded frame: a monochrome frame as stored values with its
// rescale (Mono), or a colour frame as 8-bit RGB (RGB, opaque).
type Frame struct {
	Number  int              // 1-based frame number
	Mono    *imageio.Mono    // MONOCHROME1/2 frames
	RGB     *image.RGBA      // RGB / YBR frames
	Windows []imageio.Window // windows stored in the file for this frame
	// ID is the first 16 hex digits of the SHA-256 of the frame's stored
	// pixel bytes (compressed bytes for compressed syntaxes).
	ID string
}

// Render returns the frame as an 8-bit image for display or for the
// detector: monochrome frames windowed with req (see imageio.Window and
// imageio.Mono.Resolve; by default the file's window, else min–max) as an
// *image.Gray together with the applied window, colour frames as stored (an
// *image.RGBA, nil window: windows apply to monochrome data only).
func (fr *Frame) Render(req imageio.Window) (image.Image, *imageio.Window, error) {
	if fr.RGB != nil {
		return fr.RGB, nil, nil
	}
	g, w, err := fr.Mono.Render(req, fr.Windows)
	if err != nil {
		return nil, nil, err
	}
	return g, &w, nil
}

// Frame decodes frame n (1-based). Decoding errors name the frame; other
// frames may still decode.
func (f *File) Frame(n int) (fr *Frame, err error) {
	if n < 1 || n > f.Frames {
		return nil, f.err(0, fmt.Errorf("%w: frame %d of %d", ErrInvalidFrame, n, f.Frames))
	}
	f.mu.Lock()
	last := f.lastFrame
	f.mu.Unlock()
	if last != nil && last.Number == n {
		return last, nil
	}
	defer func() {
		if r := recover(); r != nil {
			fr, err = nil, f.err(n, fmt.Errorf("%w: decoder panic: %v", ErrCorrupt, r))
		}
	}()
	fr, err = f.decode(n)
	if err != nil {
		return nil, f.err(n, err)
	}
	f.mu.Lock()
	f.lastFrame = fr
	f.mu.Unlock()
	return fr, nil
}

// Render decodes frame n (or reuses the last decoded frame) and renders it
// with req (see Frame.Render).
func (f *File) Render(n int, req imageio.Window) (image.Image, *imageio.Window, *Frame, error) {
	fr, err := f.Frame(n)
	if err != nil {
		return nil, nil, nil, err
	}
	img, w, err := fr.Render(req)
	if err != nil {
		return nil, nil, nil, f.err(n, err)
	}
	return img, w, fr, nil
}

func (f *File) decode(n int) (*Frame, error) {
	data := f.frameData(n)
	fp := f.paramsFor(n)
	fr := &Frame{Number: n, Windows: fp.windows, ID: hashBytes(data)}
	w, h := f.Columns, f.Rows
	switch f.syntax.kind {
	case kindNative, kindEncapNative:
		if int64(len(data)) < f.frameBytes() {
			return nil, fmt.Errorf("%w: frame holds %d bytes, %d×%d needs %d", ErrTruncated, len(data), w, h, f.frameBytes())
		}
		order := f.syntax.order()
		if f.syntax.big && f.BitsAllocated == 8 && f.pix.vr == "OW" {
			data = swapPairs(data[:f.frameBytes()])
		}
		if f.Color {
			rgb, err := f.nativeColor(data, order)
			if err != nil {
				return nil, err
			}
			fr.RGB = rgb
			return fr, nil
		}
		m, err := imageio.NewMono(w, h)
		if err != nil {
			return nil, err
		}
		f.unpack(m.V, data, order, 1, 0)
		f.halve(m)
		f.setRescale(m, fp)
		fr.Mono = m
		return fr, nil
	case kindJPEGLossless:
		comps, _, err := decodeLosslessJPEG(data, w, h, f.SamplesPerPixel)
		if err != nil {
			return nil, err
		}
		if f.Color {
			rgb := image.NewRGBA(image.Rect(0, 0, w, h))
			shift := uint(max(f.HighBit+1-8, 0))
			for i := 0; i < w*h; i++ {
				for s := 0; s < 3; s++ {
					rgb.Pix[4*i+s] = uint8(uint32(comps[s][i]) >> shift)
				}
				rgb.Pix[4*i+3] = 255
			}
			if f.Photometric == "YBR_FULL" {
				ybrToRGB(rgb.Pix)
			}
			fr.RGB = rgb
			return fr, nil
		}
		m, err := imageio.NewMono(w, h)
		if err != nil {
			return nil, err
		}
		for i, v := range comps[0] {
			m.V[i] = f.sample(uint32(v))
		}
		f.halve(m)
		f.setRescale(m, fp)
		fr.Mono = m
		return fr, nil
	case kindRLE:
		planes, err := decodeRLE(data, w*h, f.SamplesPerPixel*f.BitsAllocated/8)
		if err != nil {
			return nil, err
		}
		bps := f.BitsAllocated / 8
		if f.Color {
			rgb := image.NewRGBA(image.Rect(0, 0, w, h))
			shift := f.HighBit + 1 - 8 // keep the top 8 of the stored bits
			for i := 0; i < w*h; i++ {
				var c [3]uint32
				for s := 0; s < 3; s++ {
					var v uint32
					for b := 0; b < bps; b++ {
						v = v<<8 | uint32(planes[s*bps+b][i])
					}
					c[s] = (v >> uint(max(shift, 0))) & 0xff
				}
				rgb.Pix[4*i], rgb.Pix[4*i+1], rgb.Pix[4*i+2], rgb.Pix[4*i+3] = uint8(c[0]), uint8(c[1]), uint8(c[2]), 255
			}
			if f.Photometric == "YBR_FULL" {
				ybrToRGB(rgb.Pix)
			}
			fr.RGB = rgb
			return fr, nil
		}
		m, err := imageio.NewMono(w, h)
		if err != nil {
			return nil, err
		}
		for i := range m.V {
			var v uint32
			for b := 0; b < bps; b++ {
				v = v<<8 | uint32(planes[b][i])
			}
			m.V[i] = f.sample(v)
		}
		f.halve(m)
		f.setRescale(m, fp)
		fr.Mono = m
		return fr, nil
	case kindJPEG:
		img, err := f.decodeJPEG(data)
		if err != nil {
			return nil, err
		}
		if g, ok := img.(*image.Gray); ok {
			m, err := imageio.NewMono(w, h)
			if err != nil {
				return nil, err
			}
			for y := 0; y < h; y++ {
				row := g.Pix[y*g.Stride : y*g.Stride+w]
				for x, v := range row {
					m.V[y*w+x] = int32(v)
				}
			}
			f.setRescale(m, fp)
			fr.Mono = m
			return fr, nil
		}
		im8, err := imageio.RGB8(img)
		if err != nil {
			return nil, err
		}
		o, err := im8.Image()
		if err != nil {
			return nil, err
		}
		fr.RGB = o.(*image.RGBA)
		return fr, nil
	}
	return nil, fmt.Errorf("%w: transfer syntax %s", ErrUnsupported, f.syntax.Name)
}

func swapPairs(b []byte) []byte {
	o := make([]byte, len(b))
	for i := 0; i+1 < len(b); i += 2 {
		o[i], o[i+1] = b[i+1], b[i]
	}
	return o
}

// sample turns the raw allocated bits of a sample into its stored value:
// shifted down to the High Bit, masked to Bits Stored, sign-extended.
func (f *File) sample(raw uint32) int32 {
	bs := uint(f.BitsStored)
	v := raw >> uint(f.HighBit+1-f.BitsStored)
	if bs < 32 {
		v &= 1<<bs - 1
		if f.Signed && v&(1<<(bs-1)) != 0 {
			return int32(v) - int32(1<<bs)
		}
		return int32(v)
	}
	if f.Signed {
		return int32(v)
	}
	return int32(v >> 1) // 32-bit unsigned: halved, see halve
}

// halve compensates sample's halving of 32-bit unsigned values.
func (f *File) halve(m *imageio.Mono) {
	if f.BitsStored == 32 && !f.Signed {
		m.Slope *= 2
	}
}

func (f *File) setRescale(m *imageio.Mono, fp frameParams) {
	m.Slope *= fp.slope
	m.Intercept = fp.intercept
	m.Invert = f.Photometric == "MONOCHROME1"
}

// unpack reads W*H samples (sample s of `stride` interleaved ones, or a
// plane) from native data into dst as stored values.
func (f *File) unpack(dst []int32, data []byte, order binary.ByteOrder, stride, s int) {
	switch f.BitsAllocated {
	case 8:
		for i := range dst {
			dst[i] = f.sample(uint32(data[i*stride+s]))
		}
	case 16:
		for i := range dst {
			dst[i] = f.sample(uint32(order.Uint16(data[2*(i*stride+s):])))
		}
	case 32:
		for i := range dst {
			dst[i] = f.sample(order.Uint32(data[4*(i*stride+s):]))
		}
	}
}

func (f *File) nativeColor(data []byte, order binary.ByteOrder) (*image.RGBA, error) {
	w, h := f.Columns, f.Rows
	n := w * h
	rgb := image.NewRGBA(image.Rect(0, 0, w, h))
	if f.Photometric == "YBR_FULL_422" {
		// Y1 Y2 Cb Cr for each pair of pixels (8-bit, PS3.3 C.7.6.3.1.2).
		for i := 0; i < n; i += 2 {
			q := data[2*i : 2*i+4]
			for k := 0; k < 2; k++ {
				o := rgb.Pix[4*(i+k):]
				o[0], o[1], o[2], o[3] = q[k], q[2], q[3], 255
			}
		}
		ybrToRGB(rgb.Pix)
		return rgb, nil
	}
	bps := f.BitsAllocated / 8
	shift := uint(max(f.HighBit+1-8, 0))
	for s := 0; s < 3; s++ {
		for i := 0; i < n; i++ {
			var idx int // sample index
			if f.PlanarConfig == 1 {
				idx = s*n + i
			} else {
				idx = 3*i + s
			}
			var v uint32
			if bps == 1 {
				v = uint32(data[idx])
			} else {
				v = uint32(order.Uint16(data[2*idx:]))
			}
			rgb.Pix[4*i+s] = uint8(v >> shift)
		}
	}
	for i := 0; i < n; i++ {
		rgb.Pix[4*i+3] = 255
	}
	if f.Photometric == "YBR_FULL" {
		ybrToRGB(rgb.Pix)
	}
	return rgb, nil
}

// ybrToRGB converts full-range YCbCr (PS3.3 C.7.6.3.1.2, as JFIF) held in
// RGBA pixels to RGB in place.
func ybrToRGB(pix []uint8) {
	for i := 0; i+3 < len(pix); i += 4 {
		y, cb, cr := float64(pix[i]), float64(pix[i+1])-128, float64(pix[i+2])-128
		pix[i] = clamp8(y + 1.402*cr)
		pix[i+1] = clamp8(y - 0.344136*cb - 0.714136*cr)
		pix[i+2] = clamp8(y + 1.772*cb)
	}
}

func clamp8(v float64) uint8 {
	return uint8(math.Max(0, math.Min(255, math.Round(v))))
}

func (f *File) decodeJPEG(data []byte) (image.Image, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, jpegErr(err)
	}
	if cfg.Width != f.Columns || cfg.Height != f.Rows {
		return nil, fmt.Errorf("%w: JPEG frame is %d×%d, the header says %d×%d", ErrCorrupt, cfg.Width, cfg.Height, f.Columns, f.Rows)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, jpegErr(err)
	}
	return img, nil
}

func jpegErr(err error) error {
	var ue jpeg.UnsupportedError
	if errors.As(err, &ue) {
		return fmt.Errorf("%w: JPEG feature not supported (only 8-bit baseline/extended/progressive JPEG is): %v", ErrUnsupported, err)
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w: JPEG frame cut off", ErrTruncated)
	}
	return fmt.Errorf("%w: JPEG frame: %v", ErrCorrupt, err)
}
