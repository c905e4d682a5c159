package dicom

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/imageio"
)

func mustOpen(t *testing.T, data []byte, name string) *File {
	t.Helper()
	f, err := Open(data, name, Limits{})
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	assertNoSecrets(t, name+" info", mustJSON(t, f.Info))
	return f
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func assertNoSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, sec := range secrets {
		if strings.Contains(strings.ToUpper(s), strings.ToUpper(sec)) {
			t.Fatalf("%s contains identifying value %q: %s", what, sec, s)
		}
	}
}

func gray(t *testing.T, img image.Image) *image.Gray {
	t.Helper()
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("got %T, want *image.Gray", img)
	}
	return g
}

// 16-bit MONOCHROME2, 12 bits stored (garbage above the high bit), three
// frames, rescale intercept, two stored windows; explicit VR little endian.
func TestNativeMono16MultiFrame(t *testing.T) {
	const rows, cols, frames = 4, 5, 3
	stored := func(f, i int) int { return (f*1000 + i*37 + 5) & 0xfff }
	var px []uint16
	for f := 0; f < frames; f++ {
		for i := 0; i < rows*cols; i++ {
			v := uint16(stored(f, i))
			if i%3 == 0 {
				v |= 0xA000 // bits above Bits Stored must be ignored
			}
			px = append(px, v)
		}
	}
	els := append(imageTags(rows, cols, frames, 1, "MONOCHROME2", 16, 12, false),
		strv(tagIntercept, "DS", "-1024"), strv(tagSlope, "DS", "1"),
		strv(tagWindowCenter, "DS", "40\\-600"), strv(tagWindowWidth, "DS", "400\\1500"),
		pixelsOW(px))
	data := file(ExplicitVRLittleEndian, els)
	f := mustOpen(t, data, "series/ct.dcm")
	in := f.Info
	if in.Rows != rows || in.Columns != cols || in.Frames != frames || in.BitsAllocated != 16 || in.BitsStored != 12 ||
		in.HighBit != 11 || in.Signed || in.Color || in.Photometric != "MONOCHROME2" || in.Modality != "MR" ||
		in.RescaleIntercept != -1024 || in.RescaleSlope != 1 || in.TransferSyntax != ExplicitVRLittleEndian || len(in.ID) != 16 {
		t.Fatalf("info %+v", in)
	}
	wantWins := []imageio.Window{{Center: 40, Width: 400, Function: "LINEAR", Source: "file"}, {Center: -600, Width: 1500, Function: "LINEAR", Source: "file"}}
	if in.InstanceNumber != 17 || len(in.SeriesKey) != 16 {
		t.Fatalf("instance %d, series key %q", in.InstanceNumber, in.SeriesKey)
	}
	if fmt.Sprint(in.Windows) != fmt.Sprint(wantWins) {
		t.Fatalf("windows %+v", in.Windows)
	}
	ids := map[string]bool{}
	for n := 1; n <= frames; n++ {
		fr, err := f.Frame(n)
		if err != nil {
			t.Fatal(err)
		}
		ids[fr.ID] = true
		for i, v := range fr.Mono.V {
			if int(v) != stored(n-1, i) {
				t.Fatalf("frame %d pixel %d: %d, want %d", n, i, v, stored(n-1, i))
			}
			if fr.Mono.Real(v) != float64(stored(n-1, i))-1024 {
				t.Fatalf("rescale: %v", fr.Mono.Real(v))
			}
		}
		img, win, _, err := f.Render(n, imageio.Window{})
		if err != nil {
			t.Fatal(err)
		}
		if win.Source != "file" || win.Center != 40 || win.Width != 400 {
			t.Fatalf("default window %+v", win)
		}
		g := gray(t, img)
		for i, v := range fr.Mono.V {
			want := win.Apply(float64(v) - 1024)
			if math.Abs(float64(g.Pix[i])-want) > 0.5 {
				t.Fatalf("frame %d pixel %d: %d, want %v", n, i, g.Pix[i], want)
			}
		}
		// Re-rendering with another window reuses the decoded frame.
		img, win, fr2, err := f.Render(n, imageio.Window{Auto: imageio.AutoMinMax})
		if err != nil || fr2 != fr {
			t.Fatalf("re-render decoded again or failed: %v", err)
		}
		g = gray(t, img)
		lo, hi := fr.Mono.Range()
		for i, v := range fr.Mono.V {
			r := fr.Mono.Real(v)
			if (r == lo && g.Pix[i] != 0) || (r == hi && g.Pix[i] != 255) {
				t.Fatalf("min–max window %+v: %v → %d", win, r, g.Pix[i])
			}
		}
	}
	if len(ids) != frames || ids[in.ID] {
		t.Fatalf("frame ids %v, file id %s", ids, in.ID)
	}
	if f.FrameName(2) != "series/ct.dcm#2" {
		t.Fatal(f.FrameName(2))
	}
	if _, err := f.Frame(0); !errors.Is(err, ErrInvalidFrame) {
		t.Fatal(err)
	}
	if _, err := f.Frame(4); !errors.Is(err, ErrInvalidFrame) {
		t.Fatal(err)
	}
}

// 8-bit MONOCHROME1 in implicit VR, no window: min–max, inverted.
func TestImplicitMono1(t *testing.T) {
	px := []byte{10, 20, 30, 40, 50, 60}
	els := append(imageTags(2, 3, 1, 1, "MONOCHROME1", 8, 8, false), pixelsOB(px))
	f := mustOpen(t, file(ImplicitVRLittleEndian, els), "m1.dcm")
	if f.TransferSyntax != ImplicitVRLittleEndian || f.Photometric != "MONOCHROME1" || len(f.Windows) != 0 || f.Modality != "MR" {
		t.Fatalf("%+v", f.Info)
	}
	img, win, _, err := f.Render(1, imageio.Window{})
	if err != nil {
		t.Fatal(err)
	}
	g := gray(t, img)
	if win.Source != imageio.AutoMinMax || g.Pix[0] != 255 || g.Pix[5] != 0 || g.Pix[2] != 255-102 {
		t.Fatalf("window %+v pixels %v", win, g.Pix)
	}
	if f.FrameName(1) != "m1.dcm" {
		t.Fatal(f.FrameName(1))
	}
}

// Signed data: 16 bits stored with rescale, and 12 bits stored in 16
// (sign bit 11), in little and big endian.
func TestSigned(t *testing.T) {
	vals := []int16{-2000, -1, 0, 1, 1500, 32767, -32768, 7}
	px := make([]uint16, len(vals))
	for i, v := range vals {
		px[i] = uint16(v)
	}
	for _, ts := range []string{ExplicitVRLittleEndian, ExplicitVRBigEndian, ImplicitVRLittleEndian, DeflatedExplicitVRLittleEndian} {
		els := append(imageTags(2, 4, 1, 1, "MONOCHROME2", 16, 16, true),
			strv(tagSlope, "DS", "2"), strv(tagIntercept, "DS", "10"), pixelsOW(px))
		f := mustOpen(t, file(ts, els), "s.dcm")
		fr, err := f.Frame(1)
		if err != nil {
			t.Fatal(ts, err)
		}
		for i, v := range vals {
			if fr.Mono.V[i] != int32(v) || fr.Mono.Real(fr.Mono.V[i]) != float64(v)*2+10 {
				t.Fatalf("%s: pixel %d = %d (real %v), want %d", ts, i, fr.Mono.V[i], fr.Mono.Real(fr.Mono.V[i]), v)
			}
		}
		if !f.Signed || f.RescaleSlope != 2 {
			t.Fatalf("%s: %+v", ts, f.Info)
		}
	}
	// 12 bits stored, signed: 0x0FFF is -1, 0x0800 is -2048; the high
	// nibble is garbage.
	raw := []uint16{0x0FFF, 0x0800, 0x07FF, 0xF001}
	want := []int32{-1, -2048, 2047, 1}
	els := append(imageTags(2, 2, 1, 1, "MONOCHROME2", 16, 12, true), pixelsOW(raw))
	fr, err := mustOpen(t, file(ExplicitVRBigEndian, els), "s12.dcm").Frame(1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if fr.Mono.V[i] != want[i] {
			t.Fatalf("12-bit signed: %v, want %v", fr.Mono.V, want)
		}
	}
	// High Bit 15 with 12 bits stored: the value sits in the top 12 bits.
	els = append(with(imageTags(1, 3, 1, 1, "MONOCHROME2", 16, 12, false), usv(tagHighBit, 15)), pixelsOW([]uint16{0xFFF0, 0x0010, 0x123F}))
	fr, err = mustOpen(t, file(ExplicitVRLittleEndian, els), "hb15.dcm").Frame(1)
	if err != nil || fr.Mono.V[0] != 0xFFF || fr.Mono.V[1] != 1 || fr.Mono.V[2] != 0x123 {
		t.Fatalf("high bit 15: %v %v", err, fr.Mono.V)
	}
	// 8-bit signed.
	els = append(imageTags(1, 3, 1, 1, "MONOCHROME2", 8, 8, true), pixelsOB([]byte{0x80, 0xFF, 0x7F}))
	fr, err = mustOpen(t, file(ExplicitVRLittleEndian, els), "s8.dcm").Frame(1)
	if err != nil || fr.Mono.V[0] != -128 || fr.Mono.V[1] != -1 || fr.Mono.V[2] != 127 {
		t.Fatalf("8-bit signed: %v %v", err, fr.Mono.V)
	}
	// 32-bit unsigned keeps its range (halved internally, slope doubled).
	b := make([]byte, 8)
	binary.LittleEndian.PutUint32(b, 4000000000)
	binary.LittleEndian.PutUint32(b[4:], 2)
	els = append(imageTags(1, 2, 1, 1, "MONOCHROME2", 32, 32, false), pixelsOB(b))
	fr, err = mustOpen(t, file(ExplicitVRLittleEndian, els), "u32.dcm").Frame(1)
	if err != nil || fr.Mono.Real(fr.Mono.V[0]) != 4000000000 || fr.Mono.Real(fr.Mono.V[1]) != 2 {
		t.Fatalf("32-bit: %v %v", err, fr.Mono.V)
	}
}

func rgbTestImage(w, h int) [][3]uint8 {
	out := make([][3]uint8, w*h)
	for i := range out {
		out[i] = [3]uint8{uint8(i * 13), uint8(255 - i*7), uint8(i * i)}
	}
	return out
}

func checkRGB(t *testing.T, what string, img image.Image, want [][3]uint8, tol int) {
	t.Helper()
	rgba, ok := img.(*image.RGBA)
	if !ok {
		t.Fatalf("%s: %T", what, img)
	}
	for i, c := range want {
		for k := 0; k < 3; k++ {
			if d := int(rgba.Pix[4*i+k]) - int(c[k]); d > tol || d < -tol {
				t.Fatalf("%s: pixel %d channel %d = %d, want %d", what, i, k, rgba.Pix[4*i+k], c[k])
			}
		}
		if rgba.Pix[4*i+3] != 255 {
			t.Fatalf("%s: alpha", what)
		}
	}
}

func TestRGBAndYBR(t *testing.T) {
	const w, h = 4, 3
	want := rgbTestImage(w, h)
	var inter, planar []byte
	for _, c := range want {
		inter = append(inter, c[0], c[1], c[2])
	}
	for k := 0; k < 3; k++ {
		for _, c := range want {
			planar = append(planar, c[k])
		}
	}
	for _, ts := range []string{ExplicitVRLittleEndian, ImplicitVRLittleEndian, ExplicitVRBigEndian} {
		els := append(imageTags(h, w, 1, 3, "RGB", 8, 8, false), pixelsOB(inter))
		f := mustOpen(t, file(ts, els), "rgb.dcm")
		img, win, _, err := f.Render(1, imageio.Window{Center: 1, Width: 2})
		if err != nil || win != nil || !f.Color {
			t.Fatal(err, win, f.Color)
		}
		checkRGB(t, "RGB planar 0 "+ts, img, want, 0)

		els = append(with(imageTags(h, w, 1, 3, "RGB", 8, 8, false), usv(tagPlanar, 1)), pixelsOB(planar))
		img, _, _, err = mustOpen(t, file(ts, els), "rgbp.dcm").Render(1, imageio.Window{})
		if err != nil {
			t.Fatal(err)
		}
		checkRGB(t, "RGB planar 1 "+ts, img, want, 0)
	}
	// 16-bit RGB, 12 bits stored: the top 8 stored bits are shown.
	var px16 []uint16
	for _, c := range want {
		px16 = append(px16, uint16(c[0])<<4|3, uint16(c[1])<<4, uint16(c[2])<<4|15)
	}
	els := append(imageTags(h, w, 1, 3, "RGB", 16, 12, false), pixelsOW(px16))
	img, _, _, err := mustOpen(t, file(ExplicitVRLittleEndian, els), "rgb16.dcm").Render(1, imageio.Window{})
	if err != nil {
		t.Fatal(err)
	}
	checkRGB(t, "RGB 16-bit", img, want, 0)

	// YBR_FULL and YBR_FULL_422 (pairs of pixels share chroma).
	var ybr, ybr422 []byte
	var want422 [][3]uint8
	for i, c := range want {
		yy, cb, cr := color.RGBToYCbCr(c[0], c[1], c[2])
		ybr = append(ybr, yy, cb, cr)
		if i%2 == 0 {
			c2 := want[i+1]
			y2, _, _ := color.RGBToYCbCr(c2[0], c2[1], c2[2])
			ybr422 = append(ybr422, yy, y2, cb, cr)
			r1, g1, b1 := color.YCbCrToRGB(yy, cb, cr)
			r2, g2, b2 := color.YCbCrToRGB(y2, cb, cr)
			want422 = append(want422, [3]uint8{r1, g1, b1}, [3]uint8{r2, g2, b2})
		}
	}
	els = append(imageTags(h, w, 1, 3, "YBR_FULL", 8, 8, false), pixelsOB(ybr))
	img, _, _, err = mustOpen(t, file(ExplicitVRLittleEndian, els), "ybr.dcm").Render(1, imageio.Window{})
	if err != nil {
		t.Fatal(err)
	}
	checkRGB(t, "YBR_FULL", img, want, 3)
	els = append(imageTags(h, w, 1, 3, "YBR_FULL_422", 8, 8, false), pixelsOB(ybr422))
	img, _, _, err = mustOpen(t, file(ExplicitVRLittleEndian, els), "ybr422.dcm").Render(1, imageio.Window{})
	if err != nil {
		t.Fatal(err)
	}
	checkRGB(t, "YBR_FULL_422", img, want422, 2)
}

func TestRLE(t *testing.T) {
	const w, h, frames = 7, 5, 2
	val := func(f, i int) int16 { return int16((i*331+f*977)%4000 - 1000) }
	var frags [][]byte
	for f := 0; f < frames; f++ {
		hi, lo := make([]byte, w*h), make([]byte, w*h)
		for i := 0; i < w*h; i++ {
			v := uint16(val(f, i))
			if i > 20 {
				v = uint16(val(f, 20)) // a run
			}
			hi[i], lo[i] = byte(v>>8), byte(v)
		}
		frags = append(frags, rleFrame([][]byte{hi, lo}))
	}
	for _, bot := range [][]byte{nil, botFor(frags...)} {
		els := append(imageTags(h, w, frames, 1, "MONOCHROME2", 16, 16, true), encapsulated(bot, frags...))
		f := mustOpen(t, file(RLELossless, els), "rle.dcm")
		for n := 1; n <= frames; n++ {
			fr, err := f.Frame(n)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range fr.Mono.V {
				want := val(n-1, min(i, 20))
				if v != int32(want) {
					t.Fatalf("RLE frame %d pixel %d: %d want %d", n, i, v, want)
				}
			}
		}
	}
	// RGB RLE: three segments R, G, B.
	want := rgbTestImage(w, h)
	planes := [][]byte{make([]byte, w*h), make([]byte, w*h), make([]byte, w*h)}
	for i, c := range want {
		planes[0][i], planes[1][i], planes[2][i] = c[0], c[1], c[2]
	}
	els := append(imageTags(h, w, 1, 3, "RGB", 8, 8, false), encapsulated(nil, rleFrame(planes)))
	img, _, _, err := mustOpen(t, file(RLELossless, els), "rlergb.dcm").Render(1, imageio.Window{})
	if err != nil {
		t.Fatal(err)
	}
	checkRGB(t, "RLE RGB", img, want, 0)
}

func TestJPEG(t *testing.T) {
	const w, h = 32, 24
	j1, j2 := jpegBytes(t, grayRamp(w, h, 0)), jpegBytes(t, grayRamp(w, h, 3))
	check := func(what string, f *File) {
		t.Helper()
		for n, seed := range []int{0, 3} {
			fr, err := f.Frame(n + 1)
			if err != nil {
				t.Fatal(what, err)
			}
			ref := grayRamp(w, h, seed)
			var diff float64
			for i, v := range fr.Mono.V {
				diff += math.Abs(float64(v) - float64(ref.Pix[i]))
			}
			if diff/float64(w*h) > 3 {
				t.Fatalf("%s frame %d: mean abs diff %v", what, n+1, diff/float64(w*h))
			}
		}
	}
	// One fragment per frame, with and without a Basic Offset Table.
	for _, bot := range [][]byte{nil, botFor(j1, j2)} {
		els := append(imageTags(h, w, 2, 1, "MONOCHROME2", 8, 8, false), encapsulated(bot, j1, j2))
		check("jpeg", mustOpen(t, file(JPEGBaseline8Bit, els), "j.dcm"))
	}
	// Frames split over several fragments: by the offset table, and by SOI
	// markers without one.
	a, b, c, d := j1[:40], j1[40:], j2[:100], j2[100:]
	bot := binary.LittleEndian.AppendUint32(nil, 0)
	bot = binary.LittleEndian.AppendUint32(bot, uint32(8+len(a)+8+len(b)))
	for _, bt := range [][]byte{bot, nil} {
		els := append(imageTags(h, w, 2, 1, "MONOCHROME2", 8, 8, false), encapsulated(bt, a, b, c, d))
		check("jpeg fragments", mustOpen(t, file(JPEGExtended12Bit, els), "jf.dcm"))
	}
	// Colour JPEG (YBR_FULL_422 in the header; the JPEG decoder converts).
	rgb := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		rgb.Pix[4*i], rgb.Pix[4*i+1], rgb.Pix[4*i+2], rgb.Pix[4*i+3] = 200, 40, 90, 255
	}
	els := append(imageTags(h, w, 1, 3, "YBR_FULL_422", 8, 8, false), encapsulated(nil, jpegBytes(t, rgb)))
	img, win, _, err := mustOpen(t, file(JPEGBaseline8Bit, els), "jc.dcm").Render(1, imageio.Window{})
	if err != nil || win != nil {
		t.Fatal(err)
	}
	px := img.(*image.RGBA).Pix
	if math.Abs(float64(px[0])-200) > 4 || math.Abs(float64(px[1])-40) > 4 || math.Abs(float64(px[2])-90) > 4 {
		t.Fatalf("colour JPEG pixel %v", px[:4])
	}
	// A 12-bit JPEG (Process 4) is refused for that frame with a clear error.
	j12 := append([]byte(nil), j1...)
	i := bytes.Index(j12, []byte{0xFF, 0xC0})
	j12[i+1], j12[i+4] = 0xC1, 12
	els = append(imageTags(h, w, 1, 1, "MONOCHROME2", 16, 12, false), encapsulated(nil, j12))
	f := mustOpen(t, file(JPEGExtended12Bit, els), "j12.dcm")
	if _, err := f.Frame(1); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "frame 1") {
		t.Fatalf("12-bit JPEG: %v", err)
	}
}

func TestDeflateAndEncapsulatedUncompressed(t *testing.T) {
	px := make([]uint16, 64*64)
	for i := range px {
		px[i] = uint16(i % 700)
	}
	els := append(imageTags(64, 64, 1, 1, "MONOCHROME2", 16, 16, false), pixelsOW(px))
	data := file(DeflatedExplicitVRLittleEndian, els)
	f := mustOpen(t, data, "z.dcm")
	fr, err := f.Frame(1)
	if err != nil || fr.Mono.V[699] != 699 || fr.Mono.V[700] != 0 {
		t.Fatal(err)
	}
	// The deflated data set may not inflate beyond MaxBytes.
	if _, err := Open(data, "z.dcm", Limits{Limits: imageio.Limits{MaxBytes: int64(len(data)) + 100}}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("inflate limit: %v", err)
	}
	// Encapsulated uncompressed: frames as fragments.
	f1, f2 := []byte{1, 2, 3, 4, 5, 6}, []byte{9, 8, 7, 6, 5, 4}
	els = append(imageTags(2, 3, 2, 1, "MONOCHROME2", 8, 8, false), encapsulated(nil, f1, f2))
	f = mustOpen(t, file(EncapsulatedUncompressed, els), "eu.dcm")
	fr, err = f.Frame(2)
	if err != nil || fr.Mono.V[0] != 9 || fr.Mono.V[5] != 4 {
		t.Fatal(err, fr)
	}
	// Frame 1 split over two fragments: only the Basic Offset Table tells.
	a, b := f1[:2], f1[2:]
	bot := binary.LittleEndian.AppendUint32(nil, 0)
	bot = binary.LittleEndian.AppendUint32(bot, uint32(8+len(a)+8+len(b)))
	els = append(imageTags(2, 3, 2, 1, "MONOCHROME2", 8, 8, false), encapsulated(bot, a, b, f2))
	f = mustOpen(t, file(EncapsulatedUncompressed, els), "eu2.dcm")
	for n, want := range [][]byte{f1, f2} {
		fr, err = f.Frame(n + 1)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range want {
			if fr.Mono.V[i] != int32(v) {
				t.Fatalf("BOT frame %d: %v", n+1, fr.Mono.V)
			}
		}
	}
	// Without the table the split is ambiguous: a clear error.
	els = append(imageTags(2, 3, 2, 1, "MONOCHROME2", 8, 8, false), encapsulated(nil, a, b, f2))
	if _, err := Open(file(EncapsulatedUncompressed, els), "eu3.dcm", Limits{}); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "which of the 3 fragments") {
		t.Fatal(err)
	}
}

// Enhanced multi-frame: rescale in the shared functional groups, a window
// per frame; unrelated nested sequences (an icon image with its own Rows,
// Columns and Pixel Data) in explicit and implicit VR with defined and
// undefined lengths.
func TestFunctionalGroupsAndNesting(t *testing.T) {
	const rows, cols, frames = 3, 3, 2
	px := make([]uint16, rows*cols*frames)
	for i := range px {
		px[i] = uint16(i * 100)
	}
	icon := []tel{usv(tagRows, 2), usv(tagColumns, 2), usv(tagBitsAllocated, 8), pixelsOB([]byte{1, 2, 3, 4})}
	for _, ts := range []string{ExplicitVRLittleEndian, ImplicitVRLittleEndian} {
		for _, undef := range []bool{false, true} {
			shared := seqv(tagSharedFG, undef, []tel{
				seqv(tagPixelValueSeq, undef, []tel{strv(tagSlope, "DS", "3"), strv(tagIntercept, "DS", "-7")}),
			})
			per := seqv(tagPerFrameFG, undef,
				[]tel{seqv(tagFrameVOISeq, undef, []tel{strv(tagWindowCenter, "DS", "100"), strv(tagWindowWidth, "DS", "50")})},
				[]tel{seqv(tagFrameVOISeq, undef, []tel{strv(tagWindowCenter, "DS", "2000"), strv(tagWindowWidth, "DS", "999"), strv(tagVOIFunction, "CS", "SIGMOID")})},
			)
			els := append(imageTags(rows, cols, frames, 1, "MONOCHROME2", 16, 16, false),
				seqv(0x00880200, undef, icon), // Icon Image Sequence
				seqv(0x00081140, undef, []tel{strv(0x00081155, "UI", "1.2.826.0.1.3680043.9999.1")}), // a reference
				shared, per, pixelsOW(px))
			what := fmt.Sprintf("%s undef=%v", ts, undef)
			f := mustOpen(t, file(ts, els), "enh.dcm")
			if f.Rows != rows || f.Columns != cols || f.BitsAllocated != 16 || f.RescaleSlope != 3 || f.RescaleIntercept != -7 {
				t.Fatalf("%s: %+v", what, f.Info)
			}
			fr1, err := f.Frame(1)
			if err != nil {
				t.Fatal(err)
			}
			if fr1.Windows[0].Center != 100 || fr1.Mono.Real(fr1.Mono.V[1]) != 293 {
				t.Fatalf("%s: frame 1 %+v %v", what, fr1.Windows, fr1.Mono.Real(fr1.Mono.V[1]))
			}
			_, win, _, err := f.Render(2, imageio.Window{})
			if err != nil || win.Center != 2000 || win.Width != 999 || win.Function != imageio.WindowSigmoid {
				t.Fatalf("%s: frame 2 window %+v %v", what, win, err)
			}
		}
	}
}

// A bare data set without preamble or meta group (old files).
func TestHeaderless(t *testing.T) {
	els := append(imageTags(2, 2, 1, 1, "MONOCHROME2", 8, 8, false), pixelsOB([]byte{0, 50, 100, 150}))
	for _, ts := range []string{ImplicitVRLittleEndian, ExplicitVRLittleEndian} {
		data := dataset(ts, els)
		if IsDICOM(data) {
			t.Fatal("no DICM marker expected")
		}
		f := mustOpen(t, data, "old.dcm")
		if f.TransferSyntax != ts {
			t.Fatalf("guessed %s, want %s", f.TransferSyntax, ts)
		}
		fr, err := f.Frame(1)
		if err != nil || fr.Mono.V[3] != 150 {
			t.Fatal(err)
		}
	}
}

// The anonymous ID depends on the pixels only.
func TestIDIgnoresIdentifyingData(t *testing.T) {
	els := append(imageTags(2, 2, 1, 1, "MONOCHROME2", 8, 8, false), pixelsOB([]byte{1, 2, 3, 4}))
	a := file(ExplicitVRLittleEndian, els)
	b := bytes.Replace(a, []byte("DOE^JANE^SECRET"), []byte("ROE^JOHN^OTHER "), 1)
	b = bytes.Replace(b, []byte("PID-884422"), []byte("PID-000000"), 1)
	if bytes.Equal(a, b) {
		t.Fatal("replacement failed")
	}
	fa, fb := mustOpen(t, a, "a.dcm"), mustOpen(t, b, "b.dcm")
	if fa.ID != fb.ID {
		t.Fatalf("ids differ: %s %s", fa.ID, fb.ID)
	}
	els = append(imageTags(2, 2, 1, 1, "MONOCHROME2", 8, 8, false), pixelsOB([]byte{1, 2, 3, 5}))
	if fc := mustOpen(t, file(ExplicitVRLittleEndian, els), "c.dcm"); fc.ID == fa.ID {
		t.Fatal("different pixels, same id")
	}
	// The series key is the same for files of one series, and differs for
	// another series.
	other := mustOpen(t, bytes.Replace(a, []byte("9999.3"), []byte("9999.4"), 1), "d.dcm")
	if fa.SeriesKey != fb.SeriesKey || other.SeriesKey == fa.SeriesKey || other.ID != fa.ID {
		t.Fatalf("series keys %s %s %s", fa.SeriesKey, fb.SeriesKey, other.SeriesKey)
	}
	fr, _ := fa.Frame(1)
	if fr.ID != fa.ID {
		t.Fatalf("single frame: frame id %s, file id %s", fr.ID, fa.ID)
	}
}

func totalAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

func TestBadInputs(t *testing.T) {
	good := func() []tel {
		return append(imageTags(16, 16, 2, 1, "MONOCHROME2", 16, 16, false), pixelsOW(make([]uint16, 16*16*2)))
	}
	valid := file(ExplicitVRLittleEndian, good())
	noPixels := imageTags(16, 16, 1, 1, "MONOCHROME2", 16, 16, false)
	bombFrag := file(JPEGBaseline8Bit, imageTags(16, 16, 1, 1, "MONOCHROME2", 8, 8, false))
	bombFrag = append(bombFrag, 0xE0, 0x7F, 0x10, 0x00, 'O', 'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, // Pixel Data, undefined length
		0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0, // empty offset table
		0xFE, 0xFF, 0x00, 0xE0, 0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 0xD8) // a 4 GiB fragment
	bombElem := file(ExplicitVRLittleEndian, noPixels)
	bombElem = append(bombElem, 0x10, 0x00, 0x00, 0x10, 'O', 'B', 0, 0, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3)
	var deep []tel
	for i := 0; i < 20; i++ {
		deep = []tel{seqv(0x00081140, true, deep)}
	}
	badVR := file(ExplicitVRLittleEndian, noPixels)
	badVR = append(badVR, 0x08, 0x00, 0x16, 0x00, 'z', 'z', 2, 0, 'a', 'b')
	cases := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty.dcm", nil, ErrNotDICOM, "empty"},
		{"photo.png", []byte("\x89PNG\r\n\x1a\n" + strings.Repeat("x", 200)), ErrNotDICOM, "DICM"},
		{"short.dcm", []byte("hello"), ErrNotDICOM, "too short"},
		{"cut-pixels.dcm", valid[:len(valid)-100], ErrTruncated, ""},
		{"cut-header.dcm", valid[:300], ErrTruncated, ""},
		{"cut-meta.dcm", valid[:150], ErrTruncated, ""},
		{"no-pixels.dcm", file(ExplicitVRLittleEndian, noPixels), ErrNoPixelData, "no Pixel Data"},
		{"sr.dcm", file(ExplicitVRLittleEndian, []tel{strv(tagModality, "CS", "SR")}), ErrNoPixelData, ""},
		{"j2k.dcm", file("1.2.840.10008.1.2.4.90", good()), ErrUnsupported, "JPEG 2000 Image Compression (Lossless Only) (1.2.840.10008.1.2.4.90) is not supported"},
		{"mpeg.dcm", file("1.2.840.10008.1.2.4.102", good()), ErrUnsupported, "H.264"},
		{"jls.dcm", file("1.2.840.10008.1.2.4.80", good()), ErrUnsupported, "JPEG-LS"},
		{"private.dcm", file("1.2.3.4.5", good()), ErrUnsupported, "1.2.3.4.5 is not known"},
		{"garbage-ts.dcm", file("DOE^JANE^SECRET", good()), ErrUnsupported, "(invalid UID)"},
		{"huge-side.dcm", file(ExplicitVRLittleEndian, with(good(), usv(tagRows, 65535), usv(tagColumns, 65535))), ErrTooLarge, "each side"},
		{"huge-area.dcm", file(ExplicitVRLittleEndian, with(good(), usv(tagRows, 20000), usv(tagColumns, 20000))), ErrTooLarge, "pixels per frame"},
		{"huge-frames.dcm", file(ExplicitVRLittleEndian, with(good(), strv(tagFrames, "IS", "99999999"))), ErrTooLarge, "frames"},
		{"many-frames.dcm", file(ExplicitVRLittleEndian, with(good(), usv(tagRows, 512), usv(tagColumns, 512), strv(tagFrames, "IS", "5000"))), ErrTruncated, "5000 frame(s)"},
		{"zero-frames.dcm", file(ExplicitVRLittleEndian, with(good(), strv(tagFrames, "IS", "0"))), ErrCorrupt, "Number of Frames"},
		{"zero-rows.dcm", file(ExplicitVRLittleEndian, with(good(), usv(tagRows, 0))), ErrCorrupt, ""},
		{"fragment-bomb.dcm", bombFrag, ErrTruncated, "fragment 1"},
		{"element-bomb.dcm", bombElem, ErrTruncated, ""},
		{"1bit.dcm", file(ExplicitVRLittleEndian, with(good(), usv(tagBitsAllocated, 1), usv(tagBitsStored, 1), usv(tagHighBit, 0))), ErrUnsupported, "1 bits allocated"},
		{"palette.dcm", file(ExplicitVRLittleEndian, with(good(), strv(tagPhotometric, "CS", "PALETTE COLOR"))), ErrUnsupported, "PALETTE COLOR"},
		{"ybr-partial.dcm", file(ExplicitVRLittleEndian, with(good(), usv(tagSamples, 3), strv(tagPhotometric, "CS", "YBR_PARTIAL_420"))), ErrUnsupported, "YBR_PARTIAL_420"},
		{"rgb-1sample.dcm", file(ExplicitVRLittleEndian, with(good(), strv(tagPhotometric, "CS", "RGB"))), ErrCorrupt, "RGB with 1 samples"},
		{"float.dcm", file(ExplicitVRLittleEndian, append(noPixels, tel{tag: tagFloatPixelData, vr: "OF", val: make([]byte, 16)})), ErrUnsupported, "float"},
		{"deep.dcm", file(ExplicitVRLittleEndian, append(good(), deep...)), ErrCorrupt, "nested"},
		{"bad-vr.dcm", badVR, ErrCorrupt, "invalid VR"},
		{"rle-no-frags.dcm", file(RLELossless, append(imageTags(4, 4, 3, 1, "MONOCHROME2", 8, 8, false), encapsulated(nil, []byte{1, 2}))), ErrTruncated, "3 frames but only 1"},
		{"native-in-rle.dcm", file(RLELossless, good()), ErrCorrupt, "native Pixel Data"},
	}
	for _, c := range cases {
		before := totalAlloc()
		_, err := Open(c.data, c.name, Limits{})
		alloc := totalAlloc() - before
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
			continue
		}
		var de *Error
		if !errors.As(err, &de) || de.Name != c.name || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%s: error does not name the file: %v", c.name, err)
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %q does not say %q", c.name, err, c.msg)
		}
		assertNoSecrets(t, c.name+" error", err.Error())
		if alloc > 8<<20 {
			t.Errorf("%s: allocated %d bytes before refusing", c.name, alloc)
		}
	}
}

// A frame that cannot be decoded is reported for that frame only; Each goes
// on with the others.
func TestCorruptFrameBatchGoesOn(t *testing.T) {
	const w, h = 4, 4
	plane := make([]byte, w*h)
	for i := range plane {
		plane[i] = byte(i * 9)
	}
	good := rleFrame([][]byte{plane})
	bad := append([]byte(nil), good[:len(good)-6]...) // segment too short
	els := append(imageTags(h, w, 3, 1, "MONOCHROME2", 8, 8, false), encapsulated(nil, good, bad, good))
	data := file(RLELossless, els)
	var got []string
	err := Each(data, "three.dcm", Options{}, func(in Input) error {
		if in.Err != nil {
			if !errors.Is(in.Err, ErrCorrupt) || !strings.Contains(in.Err.Error(), "frame 2") {
				t.Errorf("frame error %v", in.Err)
			}
			got = append(got, fmt.Sprintf("%s:err", in.Name))
			return nil
		}
		g := gray(t, in.Image)
		if g.Pix[w*h-1] != 255 || in.Window == nil || in.Frames != 3 || in.Info == nil || in.ID == "" {
			t.Errorf("frame %d: %v %+v", in.Frame, g.Pix, in.Window)
		}
		got = append(got, in.Name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "three.dcm#1,three.dcm#2:err,three.dcm#3" {
		t.Fatal(got)
	}
}

func TestEachPlainImages(t *testing.T) {
	g := image.NewGray16(image.Rect(0, 0, 8, 8))
	for i := 0; i < 64; i++ {
		g.SetGray16(i%8, i/8, color.Gray16{Y: uint16(100 + i)})
	}
	var b bytes.Buffer
	png.Encode(&b, g)
	n := 0
	err := Each(b.Bytes(), "mri16.png", Options{}, func(in Input) error {
		n++
		gg := gray(t, in.Image)
		if in.DICOM || in.Frame != 0 || in.Window == nil || gg.Pix[0] != 0 || gg.Pix[63] != 255 || in.Name != "mri16.png" {
			t.Fatalf("%+v", in)
		}
		return nil
	})
	if err != nil || n != 1 {
		t.Fatal(err, n)
	}
	// A .dcm name forces the DICOM reader (clear DICOM message, not "unknown image format").
	err = Each(b.Bytes(), "scan.dcm", Options{}, func(Input) error { t.Fatal("called"); return nil })
	if !errors.Is(err, ErrNotDICOM) {
		t.Fatal(err)
	}
	// An error from fn stops the walk.
	stop := errors.New("stop")
	els := append(imageTags(1, 1, 3, 1, "MONOCHROME2", 8, 8, false), pixelsOB([]byte{1, 2, 3}))
	calls := 0
	if err := Each(file(ExplicitVRLittleEndian, els), "x.dcm", Options{}, func(Input) error { calls++; return stop }); err != stop || calls != 1 {
		t.Fatal(err, calls)
	}
}

// Cut and corrupted files never panic and never hang; every error is one of
// the sentinels and holds no identifying value.
func TestRobustness(t *testing.T) {
	var files [][]byte
	px := make([]uint16, 6*5*2)
	for i := range px {
		px[i] = uint16(i * 77)
	}
	files = append(files,
		file(ExplicitVRLittleEndian, append(imageTags(6, 5, 2, 1, "MONOCHROME2", 16, 12, false), strv(tagWindowCenter, "DS", "1"), strv(tagWindowWidth, "DS", "2"), pixelsOW(px))),
		file(ImplicitVRLittleEndian, append(imageTags(6, 5, 2, 1, "MONOCHROME1", 16, 16, true), seqv(tagSharedFG, true, []tel{seqv(tagPixelValueSeq, true, []tel{strv(tagSlope, "DS", "2")})}), pixelsOW(px))),
		file(RLELossless, append(imageTags(4, 4, 1, 1, "MONOCHROME2", 8, 8, false), encapsulated(nil, rleFrame([][]byte{make([]byte, 16)})))),
		file(JPEGBaseline8Bit, append(imageTags(24, 32, 1, 1, "MONOCHROME2", 8, 8, false), encapsulated(nil, jpegBytes(t, grayRamp(32, 24, 1))))),
		file(DeflatedExplicitVRLittleEndian, append(imageTags(6, 5, 2, 1, "MONOCHROME2", 16, 16, false), pixelsOW(px))),
	)
	sentinels := []error{ErrNotDICOM, ErrTruncated, ErrCorrupt, ErrUnsupported, ErrNoPixelData, ErrTooLarge}
	check := func(what string, data []byte) {
		f, err := Open(data, "f.dcm", Limits{})
		if err == nil {
			for n := 1; n <= f.Frames; n++ {
				_, _, _, err = f.Render(n, imageio.Window{})
				if err != nil {
					break
				}
			}
		}
		if err == nil {
			return
		}
		ok := false
		for _, s := range sentinels {
			ok = ok || errors.Is(err, s)
		}
		if !ok || strings.Contains(err.Error(), "panic") {
			t.Fatalf("%s: unexpected error %v", what, err)
		}
		assertNoSecrets(t, what, err.Error())
	}
	seed := uint32(12345)
	rnd := func() uint32 { seed = seed*1664525 + 1013904223; return seed >> 8 }
	for fi, data := range files {
		for cut := 0; cut < len(data); cut += 1 + len(data)/300 {
			check(fmt.Sprintf("file %d cut at %d", fi, cut), data[:cut])
		}
		for k := 0; k < 300; k++ {
			m := append([]byte(nil), data...)
			for j := 0; j < 1+int(rnd()%4); j++ {
				m[132+int(rnd())%(len(m)-132)] = byte(rnd())
			}
			check(fmt.Sprintf("file %d mutation %d", fi, k), m)
		}
	}
}

func FuzzOpen(f *testing.F) {
	f.Add(file(ExplicitVRLittleEndian, append(imageTags(2, 2, 1, 1, "MONOCHROME2", 8, 8, false), pixelsOB([]byte{1, 2, 3, 4}))))
	f.Add(file(RLELossless, append(imageTags(2, 2, 1, 1, "MONOCHROME2", 8, 8, false), encapsulated(nil, rleFrame([][]byte{{1, 2, 3, 4}})))))
	f.Add(file(ImplicitVRLittleEndian, append(imageTags(2, 2, 2, 1, "MONOCHROME2", 16, 16, true), seqv(tagPerFrameFG, true, []tel{}, []tel{}), pixelsOW(make([]uint16, 8)))))
	f.Add(file(JPEGLosslessSV1, append(imageTags(3, 4, 1, 1, "MONOCHROME2", 16, 12, false), encapsulated(nil, losslessJPEG([][]int32{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}, 4, 3, 12, 1, 0, 4)))))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Open(data, "fuzz.dcm", Limits{Limits: imageio.Limits{MaxPixels: 1 << 16}})
		if err != nil {
			if strings.Contains(err.Error(), "panic") {
				t.Fatal(err)
			}
			return
		}
		for n := 1; n <= min(file.Frames, 4); n++ {
			if _, _, _, err := file.Render(n, imageio.Window{}); err != nil && strings.Contains(err.Error(), "panic") {
				t.Fatal(err)
			}
		}
	})
}

func TestJPEGLossless(t *testing.T) {
	const w, h = 13, 9
	noise := func(seed, i int) int32 { return int32((i*i*7919 + seed*104729 + i*31) % 97) }
	// Every predictor, 8 bits, one frame.
	for sv := 1; sv <= 7; sv++ {
		v := make([]int32, w*h)
		for i := range v {
			v[i] = (int32(i%w*15+i/w*9) + noise(sv, i)) & 0xFF
		}
		frag := losslessJPEG([][]int32{v}, w, h, 8, sv, 0, 0)
		els := append(imageTags(h, w, 1, 1, "MONOCHROME2", 8, 8, false), encapsulated(nil, frag))
		fr, err := mustOpen(t, file(JPEGLossless, els), "ll.dcm").Frame(1)
		if err != nil {
			t.Fatalf("predictor %d: %v", sv, err)
		}
		for i := range v {
			if fr.Mono.V[i] != v[i] {
				t.Fatalf("predictor %d pixel %d: %d want %d", sv, i, fr.Mono.V[i], v[i])
			}
		}
	}
	// 16-bit signed, SV1, two frames with extreme values (difference
	// category 16 included), and a rescale.
	var frags [][]byte
	var want [][]int32
	for f := 0; f < 2; f++ {
		v := make([]int32, w*h)
		for i := range v {
			s := int32(int16(uint16(i*2654435761>>7) ^ uint16(f*999)))
			if i%5 == 0 {
				s = -32768
			} else if i%7 == 0 {
				s = 32767
			}
			v[i] = s
		}
		raw := make([]int32, len(v))
		for i, s := range v {
			raw[i] = int32(uint16(int16(s)))
		}
		frags, want = append(frags, losslessJPEG([][]int32{raw}, w, h, 16, 1, 0, 0)), append(want, v)
	}
	els := append(imageTags(h, w, 2, 1, "MONOCHROME2", 16, 16, true), strv(tagIntercept, "DS", "-5"), encapsulated(botFor(frags...), frags...))
	f := mustOpen(t, file(JPEGLosslessSV1, els), "ll16.dcm")
	if f.TransferSyntaxName != "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 SV1)" {
		t.Fatal(f.TransferSyntaxName)
	}
	for n := 1; n <= 2; n++ {
		fr, err := f.Frame(n)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range want[n-1] {
			if fr.Mono.V[i] != v || fr.Mono.Real(v) != float64(v)-5 {
				t.Fatalf("16-bit signed frame %d pixel %d: %d want %d", n, i, fr.Mono.V[i], v)
			}
		}
	}
	// 12 bits, predictor 7, restart every row, point transform 2.
	v := make([]int32, w*h)
	for i := range v {
		v[i] = ((int32(i)*37 + noise(3, i)*11) & 0xFFF) &^ 3
	}
	frag := losslessJPEG([][]int32{v}, w, h, 12, 7, 2, w)
	if !bytes.Contains(frag, []byte{0xFF, 0xD3}) {
		t.Fatal("no restart markers written")
	}
	els = append(imageTags(h, w, 1, 1, "MONOCHROME2", 16, 12, false), encapsulated(nil, frag))
	f = mustOpen(t, file(JPEGLossless, els), "ll12.dcm")
	fr, err := f.Frame(1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range v {
		if fr.Mono.V[i] != v[i] {
			t.Fatalf("12-bit restart pixel %d: %d want %d", i, fr.Mono.V[i], v[i])
		}
	}
	// RGB, three interleaved components.
	rgb := rgbTestImage(w, h)
	comps := [][]int32{make([]int32, w*h), make([]int32, w*h), make([]int32, w*h)}
	for i, c := range rgb {
		comps[0][i], comps[1][i], comps[2][i] = int32(c[0]), int32(c[1]), int32(c[2])
	}
	els = append(imageTags(h, w, 1, 3, "RGB", 8, 8, false), encapsulated(nil, losslessJPEG(comps, w, h, 8, 1, 0, 0)))
	img, _, _, err := mustOpen(t, file(JPEGLosslessSV1, els), "llrgb.dcm").Render(1, imageio.Window{})
	if err != nil {
		t.Fatal(err)
	}
	checkRGB(t, "lossless RGB", img, rgb, 0)

	// Cut or damaged data: an error for that frame, never a silent image.
	for _, cut := range []int{len(frag) / 2, len(frag) - 20} {
		els = append(imageTags(h, w, 1, 1, "MONOCHROME2", 16, 12, false), encapsulated(nil, frag[:cut]))
		if _, err := mustOpen(t, file(JPEGLossless, els), "cut.dcm").Frame(1); !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("cut at %d: %v", cut, err)
		}
	}
	els = append(imageTags(h+1, w, 1, 1, "MONOCHROME2", 16, 12, false), encapsulated(nil, frag))
	if _, err := mustOpen(t, file(JPEGLossless, els), "dims.dcm").Frame(1); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("size mismatch: %v", err)
	}
	// A baseline JPEG in a lossless transfer syntax is refused clearly.
	els = append(imageTags(24, 32, 1, 1, "MONOCHROME2", 8, 8, false), encapsulated(nil, jpegBytes(t, grayRamp(32, 24, 0))))
	if _, err := mustOpen(t, file(JPEGLossless, els), "sof0.dcm").Frame(1); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "SOF0") {
		t.Fatalf("baseline in lossless: %v", err)
	}
}

// A CT series in one file: 100 frames of 512×512, 16-bit signed.
func benchSeries(b *testing.B) []byte {
	b.Helper()
	const n, frames = 512 * 512, 100
	px := make([]uint16, n*frames)
	for i := range px {
		px[i] = uint16(int16(i%3000 - 1024))
	}
	els := append(imageTags(512, 512, frames, 1, "MONOCHROME2", 16, 16, true), strv(tagWindowCenter, "DS", "40"), strv(tagWindowWidth, "DS", "80"), pixelsOW(px))
	return file(ExplicitVRLittleEndian, els)
}

func BenchmarkOpenSeries(b *testing.B) {
	data := benchSeries(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Open(data, "", Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeFrame(b *testing.B) {
	f, err := Open(benchSeries(b), "", Limits{})
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		n = n%f.Frames + 1
		if _, _, _, err := f.Render(n, imageio.Window{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReWindow(b *testing.B) {
	f, err := Open(benchSeries(b), "", Limits{})
	if err != nil {
		b.Fatal(err)
	}
	c := 0.0
	for b.Loop() {
		c += 10
		if _, _, _, err := f.Render(7, imageio.Window{Center: c, Width: 400}); err != nil {
			b.Fatal(err)
		}
	}
}
