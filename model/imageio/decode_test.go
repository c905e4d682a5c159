package imageio

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// pngHeader is a hand-made PNG: signature and an IHDR chunk (valid CRC)
// claiming w×h, followed by nothing.
func pngHeader(w, h uint32, depth, colorType byte) []byte {
	var b bytes.Buffer
	b.Write(pngMagic)
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = depth, colorType
	writeChunk(&b, "IHDR", ihdr)
	return b.Bytes()
}

func writeChunk(b *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	b.Write(n[:])
	b.WriteString(typ)
	b.Write(data)
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	b.Write(n[:])
}

// jpegHeader is a hand-made JPEG: SOI, optionally a JFIF APP0, and a
// baseline SOF0 for a 3-component w×h image; withSOS appends an SOS header.
func jpegHeader(w, h uint16, jfif, withSOS bool) []byte {
	b := []byte{0xff, 0xd8}
	if jfif {
		b = append(b, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0)
	}
	b = append(b, 0xff, 0xc0, 0, 17, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), 3,
		1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0)
	if withSOS {
		b = append(b, 0xff, 0xda, 0, 12, 3, 1, 0, 2, 0, 3, 0, 0, 63, 0)
	}
	return b
}

func totalAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

func TestHugeHeaderRefusedBeforeAllocation(t *testing.T) {
	cases := []struct {
		name string
		data []byte
	}{
		{"huge.png", pngHeader(30000, 30000, 8, 6)},
		{"huge16.png", pngHeader(30000, 30000, 16, 6)},
		{"wide.png", pngHeader(40000, 1, 8, 0)},
		{"tall.png", pngHeader(1, 1<<31-1, 8, 2)},
		{"huge.jpg", jpegHeader(30000, 30000, true, false)},
		{"huge_nojfif.jpg", jpegHeader(30000, 30000, false, true)},
		{"wide.jpg", jpegHeader(65535, 2, true, false)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := totalAlloc()
			img, err := Decode(tc.data, tc.name, Limits{})
			used := totalAlloc() - before
			if img != nil || !errors.Is(err, ErrTooLarge) {
				t.Fatalf("got %v, %v; want ErrTooLarge", img, err)
			}
			var e *Error
			if !errors.As(err, &e) || e.Name != tc.name || !strings.Contains(err.Error(), tc.name) {
				t.Fatalf("error does not name the file: %v", err)
			}
			if used > 1<<20 {
				t.Fatalf("%d bytes allocated before refusing", used)
			}
			if _, err := Probe(tc.data, tc.name, Limits{}); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Probe: %v", err)
			}
		})
	}
	// 30000×30000 is refused by the pixel limit; each side alone is allowed.
	info, err := Probe(pngHeader(30000, 3000, 8, 2), "ok.png", Limits{})
	if err != nil || info.Width != 30000 || info.Height != 3000 || info.Format != "png" {
		t.Fatalf("30000×3000: %+v %v", info, err)
	}
	if _, err := Probe(pngHeader(30001, 10, 8, 2), "x.png", Limits{}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("side 30001: %v", err)
	}
	if _, err := Probe(pngHeader(10000, 10001, 8, 2), "x.png", Limits{}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("100010000 pixels: %v", err)
	}
	if _, err := Probe(pngHeader(10000, 10000, 8, 2), "x.png", Limits{}); err != nil {
		t.Fatalf("exactly 100 MP: %v", err)
	}
	info, err = Probe(jpegHeader(640, 480, true, false), "a.jpg", Limits{})
	if err != nil || info != (Info{Format: "jpeg", Width: 640, Height: 480}) {
		t.Fatalf("jpeg probe: %+v %v", info, err)
	}
}

func smallPNG(t testing.TB) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 37, 23))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func smallJPEG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 33, 17))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 5)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCustomLimits(t *testing.T) {
	data := smallPNG(t)
	if _, err := Decode(data, "a.png", Limits{MaxPixels: 37*23 - 1}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("pixel limit: %v", err)
	}
	if _, err := Decode(data, "a.png", Limits{MaxSide: 36}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("side limit: %v", err)
	}
	if _, err := Decode(data, "a.png", Limits{MaxBytes: int64(len(data) - 1)}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("byte limit: %v", err)
	}
	img, err := Decode(data, "a.png", Limits{MaxPixels: 37 * 23, MaxSide: 37, MaxBytes: int64(len(data))})
	if err != nil || img.Bounds() != image.Rect(0, 0, 37, 23) {
		t.Fatalf("at the limits: %v", err)
	}
	if _, err := Decode(data, "a.png", Limits{MaxSide: -1}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("negative limit accepts: %v", err)
	}
	d := DefaultLimits()
	if d.MaxPixels != 100_000_000 || d.MaxSide != 30000 || d.MaxBytes != DefaultMaxBytes {
		t.Fatalf("defaults %+v", d)
	}
}

func TestBadInputs(t *testing.T) {
	pngData := smallPNG(t)
	jpgData := smallJPEG(t)
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty.png", nil, ErrEmpty},
		{"empty2.jpg", []byte{}, ErrEmpty},
		{"garbage.png", []byte("this is not an image at all"), ErrUnknownFormat},
		{"zeros.png", make([]byte, 100), ErrUnknownFormat},
		{"image.gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), ErrUnknownFormat},
		{"bmp.png", []byte("BM\x00\x00\x00\x00"), ErrUnknownFormat},
		{"sig-only.png", pngMagic, ErrCorrupt},
		{"truncated-ihdr.png", pngData[:20], ErrCorrupt},
		{"header-only.png", pngHeader(10, 10, 8, 2), ErrCorrupt},
		{"zero-width.png", pngHeader(0, 10, 8, 2), ErrCorrupt},
		{"bad-depth.png", pngHeader(10, 10, 7, 2), ErrCorrupt},
		{"truncated.png", pngData[:len(pngData)/2], ErrCorrupt},
		{"no-iend.png", pngData[:len(pngData)-12], ErrCorrupt},
		{"soi-only.jpg", []byte{0xff, 0xd8, 0xff}, ErrCorrupt},
		{"truncated.jpg", jpgData[:len(jpgData)/2], ErrCorrupt},
		{"header-only.jpg", jpegHeader(8, 8, true, false), ErrCorrupt},
		{"zero-height.jpg", jpegHeader(8, 0, true, false), ErrCorrupt},
	}
	// Flipped bytes in the compressed data: CRC or format errors.
	bad := append([]byte(nil), pngData...)
	bad[len(bad)-20] ^= 0xff
	cases = append(cases, struct {
		name string
		data []byte
		want error
	}{"crc.png", bad, ErrCorrupt})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Decode(tc.data, tc.name, Limits{})
			if img != nil || !errors.Is(err, tc.want) {
				t.Fatalf("got %T, %v; want %v", img, err, tc.want)
			}
			if !strings.Contains(err.Error(), `"`+tc.name+`"`) {
				t.Fatalf("error does not name the file: %v", err)
			}
			img, err = DecodeReader(bytes.NewReader(tc.data), tc.name, Limits{})
			if img != nil || !errors.Is(err, tc.want) {
				t.Fatalf("DecodeReader: %v", err)
			}
		})
	}
	// Every truncation of a valid file fails cleanly (or, for a cut inside
	// trailing data Go does not need, succeeds with the full size).
	for _, data := range [][]byte{pngData, jpgData} {
		for n := 0; n < len(data); n++ {
			img, err := Decode(data[:n], "cut", Limits{})
			if err == nil {
				if img.Bounds().Empty() {
					t.Fatalf("cut at %d: empty image without error", n)
				}
				continue
			}
			var e *Error
			if !errors.As(err, &e) || e.Name != "cut" {
				t.Fatalf("cut at %d: %v", n, err)
			}
		}
	}
}

func TestDecodeValid(t *testing.T) {
	img, err := Decode(smallPNG(t), "a.png", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	n, ok := img.(*image.NRGBA)
	if !ok || n.Pix[5] != uint8(5*7) {
		t.Fatalf("got %T", img)
	}
	img, err = DecodeReader(bytes.NewReader(smallJPEG(t)), "a.jpg", Limits{})
	if err != nil || img.Bounds().Dx() != 33 || img.Bounds().Dy() != 17 {
		t.Fatalf("jpeg: %v", err)
	}
	// DecodeReader stops reading past MaxBytes.
	big := &countingReader{r: io.MultiReader(bytes.NewReader(smallPNG(t)), zeroReader{})}
	if _, err := DecodeReader(big, "endless.png", Limits{MaxBytes: 4096}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("endless reader: %v", err)
	}
	if big.n > 4097 {
		t.Fatalf("read %d bytes", big.n)
	}
	if _, err := DecodeReader(nil, "nil", Limits{}); !errors.Is(err, ErrEmpty) {
		t.Fatalf("nil reader: %v", err)
	}
	if _, err := DecodeReader(errReader{}, "err", Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("failing reader: %v", err)
	}
	var e *Error
	if _, err := Decode(nil, "", Limits{}); !errors.As(err, &e) || !strings.Contains(err.Error(), "(unnamed)") {
		t.Fatalf("unnamed: %v", err)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// A tRNS colour key on a gray or truecolour PNG is dropped (Pillow ignores
// it); a real alpha channel and palette alpha are kept by Decode.
func TestColorKeyDropped(t *testing.T) {
	for _, tc := range []struct {
		file string
		want string
	}{
		{"rgbtrns_17x21.png", "*image.RGBA"},
		{"graytrns_16x13.png", "*image.Gray"},
		{"rgba8_7x5.png", "*image.NRGBA"},
		{"p8trns_7x5.png", "*image.Paletted"},
		{"gray16_31x27.png", "*image.Gray16"},
	} {
		b, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		img, err := Decode(b, tc.file, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if got := typeName(img); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.file, got, tc.want)
		}
		if got := pngColorType(b); got < 0 {
			t.Errorf("%s: no colour type", tc.file)
		}
	}
	if pngColorType([]byte("short")) != -1 {
		t.Error("colour type of garbage")
	}
	// The same key on 16-bit images, made by Go's decoder from hand-made files.
	for _, ct := range []byte{0, 2} {
		var b bytes.Buffer
		b.Write(pngMagic)
		ihdr := []byte{0, 0, 0, 2, 0, 0, 0, 1, 16, ct, 0, 0, 0}
		writeChunk(&b, "IHDR", ihdr)
		ch := 1
		if ct == 2 {
			ch = 3
		}
		writeChunk(&b, "tRNS", make([]byte, 2*ch)) // key = 0
		raw := append([]byte{0}, make([]byte, 2*2*ch)...)
		raw[2*ch+1] = 0x80 // pixel 1 = 0x0080..., pixel 0 = key
		raw[2*ch+2] = 0x12
		writeChunk(&b, "IDAT", zlibBytes(raw))
		writeChunk(&b, "IEND", nil)
		img, err := Decode(b.Bytes(), "key16.png", Limits{})
		if err != nil {
			t.Fatal(err)
		}
		im, err := FromImage(img)
		if err != nil {
			t.Fatal(err)
		}
		wantMode := map[byte]Mode{0: Gray, 2: RGB}[ct]
		if im.Mode != wantMode {
			t.Fatalf("colour type %d: %T → %v", ct, img, im.Mode)
		}
		if ct == 2 && (im.Pix[0] != 0 || im.Pix[3] != 0x80 || im.Pix[4] != 0) {
			t.Fatalf("pixels %v", im.Pix)
		}
		if ct == 0 && (im.Pix[0] != 0 || im.Pix[1] != uint8((0x0080*256+0x12+128)/257)) {
			t.Fatalf("pixels %v", im.Pix)
		}
	}
}

func zlibBytes(raw []byte) []byte {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write(raw)
	w.Close()
	return b.Bytes()
}

func typeName(v any) string {
	switch v.(type) {
	case *image.RGBA:
		return "*image.RGBA"
	case *image.NRGBA:
		return "*image.NRGBA"
	case *image.Gray:
		return "*image.Gray"
	case *image.Gray16:
		return "*image.Gray16"
	case *image.Paletted:
		return "*image.Paletted"
	}
	return "other"
}

// FromImage on image types and sub-images that the decoders do not produce.
func TestFromImageOtherTypes(t *testing.T) {
	if _, err := FromImage(nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("nil: %v", err)
	}
	if _, err := FromImage(image.NewRGBA(image.Rect(3, 3, 3, 9))); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty: %v", err)
	}
	// Premultiplied RGBA with partial alpha: straight alpha via Go's model.
	m := image.NewRGBA(image.Rect(0, 0, 2, 1))
	copy(m.Pix, []uint8{100, 50, 0, 200, 10, 20, 30, 255})
	im, err := FromImage(m)
	if err != nil || im.Mode != RGBA {
		t.Fatalf("%v %v", im, err)
	}
	want := color.NRGBAModel.Convert(color.RGBA{100, 50, 0, 200}).(color.NRGBA)
	if im.Pix[0] != want.R || im.Pix[1] != want.G || im.Pix[3] != 200 || im.Pix[4] != 10 {
		t.Fatalf("pix %v want %v", im.Pix, want)
	}
	// A sub-image with a non-zero origin.
	g := image.NewGray(image.Rect(0, 0, 5, 4))
	for i := range g.Pix {
		g.Pix[i] = uint8(i)
	}
	sub := g.SubImage(image.Rect(1, 2, 4, 4))
	im, err = FromImage(sub)
	if err != nil || im.W != 3 || im.H != 2 || string(im.Pix) != string([]uint8{11, 12, 13, 16, 17, 18}) {
		t.Fatalf("sub-image: %+v %v", im, err)
	}
	// Generic path: an *image.Alpha (white with alpha), and a uniform.
	a := image.NewAlpha(image.Rect(0, 0, 2, 1))
	a.Pix[0], a.Pix[1] = 255, 0
	im, err = FromImage(a)
	if err != nil || im.Mode != RGBA || string(im.Pix) != string([]uint8{255, 255, 255, 255, 0, 0, 0, 0}) {
		t.Fatalf("alpha: %+v %v", im, err)
	}
	u := image.NewUniform(color.RGBA{1, 2, 3, 255})
	if _, err := FromImage(u); !errors.Is(err, ErrInvalid) {
		t.Fatalf("infinite uniform: %v", err)
	}
	// Opaque RGBA64 keeps the high byte; non-opaque goes through NRGBA.
	r64 := image.NewRGBA64(image.Rect(0, 0, 1, 1))
	r64.SetRGBA64(0, 0, color.RGBA64{0x12ff, 0x3400, 0xffff, 0xffff})
	im, err = FromImage(r64)
	if err != nil || im.Mode != RGB || string(im.Pix) != string([]uint8{0x12, 0x34, 0xff}) {
		t.Fatalf("rgba64: %+v %v", im, err)
	}
	// Gray16 → (v+128)/257, checked against exact rounding for every value.
	g16 := image.NewGray16(image.Rect(0, 0, 65536, 1))
	for v := 0; v < 65536; v++ {
		g16.SetGray16(v, 0, color.Gray16{uint16(v)})
	}
	im, err = FromImage(g16)
	if err != nil {
		t.Fatal(err)
	}
	for v := 0; v < 65536; v++ {
		// round(v/257): v/257 = q + r/257 with r ≠ 128.5, so no ties.
		q, r := v/257, v%257
		if r >= 129 {
			q++
		}
		if int(im.Pix[v]) != q {
			t.Fatalf("gray16 %d → %d, want %d", v, im.Pix[v], q)
		}
	}
	// Image() round trips.
	for _, mode := range []Mode{Gray, RGB, RGBA, CMYK} {
		src := &Image8{W: 3, H: 2, Mode: mode, Pix: make([]uint8, 6*mode.Channels())}
		for i := range src.Pix {
			src.Pix[i] = uint8(40*i + 1)
		}
		if mode == RGBA {
			for i := 3; i < len(src.Pix); i += 4 {
				src.Pix[i] = 77
			}
		}
		img, err := src.Image()
		if err != nil {
			t.Fatal(err)
		}
		back, err := FromImage(img)
		if err != nil || back.Mode != mode || string(back.Pix) != string(src.Pix) {
			t.Fatalf("%v round trip: %+v %v", mode, back, err)
		}
	}
}

func TestImage8Validate(t *testing.T) {
	var nilIm *Image8
	bad := []*Image8{
		nilIm,
		{W: 0, H: 1, Mode: Gray, Pix: nil},
		{W: 2, H: 2, Mode: RGB, Pix: make([]uint8, 11)},
		{W: 1, H: 1, Mode: Mode(9), Pix: make([]uint8, 1)},
	}
	for i, im := range bad {
		if err := im.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("case %d: %v", i, err)
		}
		if _, err := ToRGB(im); err == nil {
			t.Errorf("case %d: ToRGB accepted", i)
		}
		if _, err := ToGray(im); err == nil {
			t.Errorf("case %d: ToGray accepted", i)
		}
	}
	if _, err := NewImage8(0, 3, RGB); err == nil {
		t.Error("NewImage8(0, 3)")
	}
	if Mode(9).Channels() != 0 || Mode(9).String() == "" || RGBA.String() != "RGBA" || Gray.String() != "L" {
		t.Error("mode names")
	}
	if _, err := RGB8(nil); err == nil {
		t.Error("RGB8(nil)")
	}
}

// ToRGB on gray and RGBA by exact analysis.
func TestToRGBSimple(t *testing.T) {
	g := &Image8{W: 2, H: 1, Mode: Gray, Pix: []uint8{7, 250}}
	r, err := ToRGB(g)
	if err != nil || string(r.Pix) != string([]uint8{7, 7, 7, 250, 250, 250}) {
		t.Fatalf("%v %v", r, err)
	}
	a := &Image8{W: 1, H: 1, Mode: RGBA, Pix: []uint8{9, 8, 7, 0}}
	r, err = ToRGB(a)
	if err != nil || string(r.Pix) != string([]uint8{9, 8, 7}) {
		t.Fatalf("alpha must be dropped, not composited: %v %v", r, err)
	}
	c := &Image8{W: 1, H: 1, Mode: RGB, Pix: []uint8{1, 2, 3}}
	r, _ = ToRGB(c)
	r.Pix[0] = 99
	if c.Pix[0] != 1 {
		t.Fatal("ToRGB of RGB must copy")
	}
}
