package imageio

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode: any input either decodes to an image that converts cleanly or
// gives an *Error naming the file; never a panic. Run briefly with
//
//	go test -run '^$' -fuzz FuzzDecode -fuzztime 20s ./model/imageio/
//
// (a plain go test only runs the seeds).
func FuzzDecode(f *testing.F) {
	f.Add(smallPNG(f))
	f.Add(smallJPEG(f))
	f.Add(pngHeader(3, 2, 8, 2))
	f.Add(jpegHeader(16, 16, true, true))
	f.Add([]byte("\x89PNG\r\n\x1a\n garbage"))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe0, 0, 0})
	for _, name := range []string{"p2trns_9x10.png", "gray1_19x9.png", "la16_15x11.png", "jpeg_ycc420_tiny_4x3.jpg", "jpeg_cmyk_q95.jpg"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(b)
		}
	}
	lim := Limits{MaxPixels: 1 << 20, MaxSide: 4096, MaxBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(data, "fuzz.bin", lim)
		if err != nil {
			var e *Error
			if img != nil || !errors.As(err, &e) || e.Name != "fuzz.bin" {
				t.Fatalf("bad error %T %v", img, err)
			}
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrUnknownFormat) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		info, err := Probe(data, "fuzz.bin", lim)
		b := img.Bounds()
		if err != nil || info.Width != b.Dx() || info.Height != b.Dy() {
			t.Fatalf("Probe %+v %v disagrees with %v", info, err, b)
		}
		im, err := FromImage(img)
		if err != nil {
			t.Fatalf("FromImage: %v", err)
		}
		if err := im.Validate(); err != nil || im.W != b.Dx() || im.H != b.Dy() {
			t.Fatalf("Image8 %d×%d %v: %v", im.W, im.H, im.Mode, err)
		}
		rgb, err := ToRGB(im)
		if err != nil || len(rgb.Pix) != 3*im.W*im.H {
			t.Fatalf("ToRGB: %v", err)
		}
	})
}
