package imageio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"testing"

	"golang.org/x/image/tiff"
)

func gray16PNG(t *testing.T, w, h int, f func(x, y int) uint16) []byte {
	t.Helper()
	g := image.NewGray16(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			g.SetGray16(x, y, color.Gray16{Y: f(x, y)})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestWindowFunctions(t *testing.T) {
	// DICOM PS3.3 C.11.2.1.2.1: LINEAR with c=40, w=400 maps
	// x ≤ c-0.5-(w-1)/2 = -160 to 0, x > c-0.5+(w-1)/2 = 239 to 255.
	lin := Window{Center: 40, Width: 400}
	for _, c := range []struct{ x, want float64 }{
		{-1000, 0}, {-160, 0}, {239.5, 255}, {1e9, 255}, {39.5, 127.5},
	} {
		if got := lin.Apply(c.x); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("LINEAR(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	// Just inside the linear ramp at both ends.
	if got := lin.Apply(-159); got <= 0 || got > 1 {
		t.Errorf("LINEAR(-159) = %v, want in (0, 1]", got)
	}
	ex := Window{Center: 100, Width: 200, Function: WindowLinearExact}
	for _, c := range []struct{ x, want float64 }{{0, 0}, {200, 255}, {100, 127.5}, {150, 191.25}, {-5, 0}, {201, 255}} {
		if got := ex.Apply(c.x); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("LINEAR_EXACT(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	sg := Window{Center: 0, Width: 10, Function: WindowSigmoid}
	if got := sg.Apply(0); math.Abs(got-127.5) > 1e-9 {
		t.Errorf("SIGMOID(c) = %v", got)
	}
	if a, b := sg.Apply(-100), sg.Apply(100); a > 0.01 || b < 254.99 {
		t.Errorf("SIGMOID tails %v %v", a, b)
	}
	// Width below 1 is treated as 1 for LINEAR: a step at c-0.5.
	step := Window{Center: 10, Width: 0.1}
	if step.Apply(9.5) != 0 || step.Apply(9.51) != 255 {
		t.Errorf("LINEAR width<1: %v %v", step.Apply(9.5), step.Apply(9.51))
	}
}

func TestParseWindow(t *testing.T) {
	good := map[string]Window{
		"":                        {Auto: AutoFile},
		"file":                    {Auto: AutoFile},
		"MinMax":                  {Auto: AutoMinMax},
		"percentile":              {Auto: AutoPercentile},
		"40,80":                   {Center: 40, Width: 80},
		" -600 , 1500 ":           {Center: -600, Width: 1500},
		"40,80,linear_exact":      {Center: 40, Width: 80, Function: WindowLinearExact},
		"0.5,2,SIGMOID":           {Center: 0.5, Width: 2, Function: WindowSigmoid},
		"1e3,2e3":                 {Center: 1000, Width: 2000},
		"40,80,LINEAR":            {Center: 40, Width: 80, Function: WindowLinear},
		"-1024,4096,LINEAR_EXACT": {Center: -1024, Width: 4096, Function: WindowLinearExact},
	}
	for s, want := range good {
		got, err := ParseWindow(s)
		if err != nil || got != want {
			t.Errorf("ParseWindow(%q) = %+v, %v; want %+v", s, got, err, want)
		}
	}
	for _, s := range []string{"40", "40,0", "40,-3", "a,b", "40,80,cubic", "1,2,3,4", "NaN,3", "3,Inf", "auto"} {
		if _, err := ParseWindow(s); err == nil {
			t.Errorf("ParseWindow(%q) accepted", s)
		}
	}
}

// A 12-bit MRI saved as a 16-bit PNG: Decode keeps its documented v/257
// mapping (almost black); DecodeWindowed stretches min–max to 0…255.
func TestDecodeWindowed16BitPNG(t *testing.T) {
	w, h := 64, 32
	val := func(x, y int) uint16 { return uint16(100 + (x*4095/(w-1)+y)%3996) } // 100…4095
	data := gray16PNG(t, w, h, val)

	old, err := Decode(data, "mri16.png", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	o8, err := FromImage(old)
	if err != nil {
		t.Fatal(err)
	}
	if mx := slicesMax(o8.Pix); mx > 16 {
		t.Fatalf("Decode's v/257 mapping changed: max %d", mx)
	}

	img, win, err := DecodeWindowed(data, "mri16.png", Limits{}, Window{})
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok || win == nil {
		t.Fatalf("got %T, window %v", img, win)
	}
	if win.Source != AutoMinMax || win.Function != WindowLinearExact {
		t.Fatalf("window %+v", *win)
	}
	lo, hi := 1e9, -1e9
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			lo, hi = math.Min(lo, float64(val(x, y))), math.Max(hi, float64(val(x, y)))
		}
	}
	if win.Center != (lo+hi)/2 || win.Width != hi-lo {
		t.Fatalf("min–max window %+v, want centre %v width %v", *win, (lo+hi)/2, hi-lo)
	}
	var gmin, gmax uint8 = 255, 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := g.GrayAt(x, y).Y
			gmin, gmax = min(gmin, v), max(gmax, v)
			want := math.Round((float64(val(x, y)) - lo) / (hi - lo) * 255)
			if math.Abs(float64(v)-want) > 0.5 {
				t.Fatalf("(%d,%d): %d, want %v", x, y, v, want)
			}
		}
	}
	if gmin != 0 || gmax != 255 {
		t.Fatalf("windowed range %d…%d, want 0…255", gmin, gmax)
	}

	// A manual window: everything ≤ 1000 black, > 2000 white.
	img, win, err = DecodeWindowed(data, "mri16.png", Limits{}, Window{Center: 1500, Width: 1000, Function: WindowLinearExact})
	if err != nil {
		t.Fatal(err)
	}
	if win.Source != SourceUser {
		t.Fatalf("source %q", win.Source)
	}
	g = img.(*image.Gray)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v, s := g.GrayAt(x, y).Y, val(x, y)
			if (s <= 1000 && v != 0) || (s > 2000 && v != 255) || (s > 1000 && s <= 2000 && (v == 0 && s > 1002)) {
				t.Fatalf("manual window: stored %d → %d", s, v)
			}
		}
	}
}

func slicesMax(p []uint8) uint8 {
	var m uint8
	for _, v := range p {
		m = max(m, v)
	}
	return m
}

// One hot pixel would squash a min–max window; the percentile window
// ignores it.
func TestDecodeWindowedPercentile(t *testing.T) {
	w, h := 100, 100
	data := gray16PNG(t, w, h, func(x, y int) uint16 {
		if x == 0 && y == 0 {
			return 65535
		}
		return uint16(1000 + (x+y)%100)
	})
	_, mm, err := DecodeWindowed(data, "hot.png", Limits{}, Window{Auto: AutoMinMax})
	if err != nil {
		t.Fatal(err)
	}
	img, pc, err := DecodeWindowed(data, "hot.png", Limits{}, Window{Auto: AutoPercentile})
	if err != nil {
		t.Fatal(err)
	}
	if mm.Center-mm.Width/2 != 1000 || mm.Center+mm.Width/2 != 65535 {
		t.Fatalf("min–max window %+v", *mm)
	}
	if pc.Source != AutoPercentile || pc.Center+pc.Width/2 > 1099 || pc.Center-pc.Width/2 < 1000 {
		t.Fatalf("percentile window %+v", *pc)
	}
	g := img.(*image.Gray)
	if g.GrayAt(0, 0).Y != 255 || g.GrayAt(50, 49).Y != 255 || g.GrayAt(99, 1).Y != 0 {
		t.Fatalf("percentile rendering: %d %d %d", g.GrayAt(0, 0).Y, g.GrayAt(50, 49).Y, g.GrayAt(99, 1).Y)
	}
}

func TestDecodeWindowedTIFF(t *testing.T) {
	w, h := 40, 30
	g16 := image.NewGray16(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		g16.SetGray16(i%w, i/w, color.Gray16{Y: uint16(2000 + 3*i)})
	}
	for _, opt := range []*tiff.Options{nil, {Compression: tiff.Deflate, Predictor: true}} {
		var b bytes.Buffer
		if err := tiff.Encode(&b, g16, opt); err != nil {
			t.Fatal(err)
		}
		img, win, err := DecodeWindowed(b.Bytes(), "ct.tif", Limits{}, Window{})
		if err != nil {
			t.Fatal(err)
		}
		g, ok := img.(*image.Gray)
		if !ok || win == nil || win.Source != AutoMinMax {
			t.Fatalf("%T %v", img, win)
		}
		if g.Pix[0] != 0 || g.Pix[w*h-1] != 255 || g.Pix[w*h/2] < 120 || g.Pix[w*h/2] > 135 {
			t.Fatalf("TIFF window: %d %d %d", g.Pix[0], g.Pix[w*h/2], g.Pix[w*h-1])
		}
		// Decode itself still refuses TIFF (unchanged behaviour).
		if _, err := Decode(b.Bytes(), "ct.tif", Limits{}); !errors.Is(err, ErrUnknownFormat) {
			t.Fatalf("Decode(TIFF) = %v", err)
		}
	}
	// 8-bit TIFF: returned as decoded, no window.
	rgb := image.NewRGBA(image.Rect(0, 0, 3, 2))
	rgb.Pix[0], rgb.Pix[3] = 200, 255
	var b bytes.Buffer
	if err := tiff.Encode(&b, rgb, nil); err != nil {
		t.Fatal(err)
	}
	img, win, err := DecodeWindowed(b.Bytes(), "rgb.tif", Limits{}, Window{})
	if err != nil || win != nil {
		t.Fatal(err, win)
	}
	if r, _, _, _ := img.At(0, 0).RGBA(); r>>8 != 200 {
		t.Fatalf("8-bit TIFF pixel %v", img.At(0, 0))
	}
}

// tiffHeader is a little-endian TIFF whose only IFD claims w×h 16-bit gray
// with one strip at offset 8 of the given byte count (no pixel data).
func tiffHeader(w, h uint32, count uint32) []byte {
	var b bytes.Buffer
	b.WriteString("II*\x00")
	binary.Write(&b, binary.LittleEndian, uint32(8))
	type ent struct {
		tag, typ uint16
		n, v     uint32
	}
	ents := []ent{{256, 4, 1, w}, {257, 4, 1, h}, {258, 3, 1, 16}, {259, 3, 1, 1}, {262, 3, 1, 1}, {273, 4, 1, 8}, {277, 3, 1, 1}, {278, 4, 1, h}, {279, 4, 1, count}}
	binary.Write(&b, binary.LittleEndian, uint16(len(ents)))
	for _, e := range ents {
		binary.Write(&b, binary.LittleEndian, e)
	}
	binary.Write(&b, binary.LittleEndian, uint32(0))
	return b.Bytes()
}

func TestDecodeWindowedBadTIFF(t *testing.T) {
	before := totalAlloc()
	_, _, err := DecodeWindowed(tiffHeader(30000, 30000, 1<<31), "huge.tif", Limits{}, Window{})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("huge TIFF: %v", err)
	}
	if a := totalAlloc() - before; a > 1<<20 {
		t.Fatalf("huge TIFF allocated %d bytes before refusing", a)
	}
	if _, _, err := DecodeWindowed(tiffHeader(64, 64, 64*64*2), "short.tif", Limits{}, Window{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("truncated TIFF: %v", err)
	}
	if _, _, err := DecodeWindowed([]byte("II*\x00\xff\xff"), "cut.tif", Limits{}, Window{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("cut TIFF: %v", err)
	}
	_, _, err = DecodeWindowed([]byte("GIF89a....."), "x.gif", Limits{}, Window{})
	if !errors.Is(err, ErrUnknownFormat) || !bytes.Contains([]byte(err.Error()), []byte("TIFF")) {
		t.Fatalf("unknown format: %v", err)
	}
	if _, _, err := DecodeWindowed(nil, "empty.png", Limits{}, Window{}); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty: %v", err)
	}
	if _, _, err := DecodeWindowed(gray16PNG(t, 2, 2, func(x, y int) uint16 { return 1 }), "a.png", Limits{}, Window{Function: "GAMMA"}); err == nil {
		t.Fatal("bad window function accepted")
	}
}

// 8-bit and colour images come back exactly as Decode returns them.
func TestDecodeWindowedPassThrough(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 5, 4))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 7)
	}
	var b bytes.Buffer
	png.Encode(&b, g)
	a, err := Decode(b.Bytes(), "g.png", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	img, win, err := DecodeWindowed(b.Bytes(), "g.png", Limits{}, Window{Center: 3, Width: 2})
	if err != nil || win != nil {
		t.Fatal(err, win)
	}
	if !bytes.Equal(a.(*image.Gray).Pix, img.(*image.Gray).Pix) {
		t.Fatal("8-bit gray PNG changed by DecodeWindowed")
	}
	// 16-bit RGB keeps Decode's high-byte mapping (no window).
	c := image.NewRGBA64(image.Rect(0, 0, 2, 1))
	c.SetRGBA64(0, 0, color.RGBA64{R: 0x1234, G: 0xabcd, B: 0xffff, A: 0xffff})
	c.SetRGBA64(1, 0, color.RGBA64{A: 0xffff})
	b.Reset()
	png.Encode(&b, c)
	img, win, err = DecodeWindowed(b.Bytes(), "c.png", Limits{}, Window{})
	if err != nil || win != nil {
		t.Fatal(err, win)
	}
	im8, _ := FromImage(img)
	if im8.Mode != RGB || im8.Pix[0] != 0x12 || im8.Pix[1] != 0xab {
		t.Fatalf("16-bit RGB: %v %v", im8.Mode, im8.Pix[:3])
	}
}

func TestMonoInvertAndFlat(t *testing.T) {
	m, err := NewMono(3, 1)
	if err != nil {
		t.Fatal(err)
	}
	copy(m.V, []int32{-10, 0, 10})
	m.Slope, m.Intercept = 2, 5 // real: -15, 5, 25
	lo, hi := m.Range()
	if lo != -15 || hi != 25 {
		t.Fatalf("range %v %v", lo, hi)
	}
	m.Invert = true
	g, win, err := m.Render(Window{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if win.Center != 5 || win.Width != 40 || g.Pix[0] != 255 || g.Pix[2] != 0 || g.Pix[1] != 127 {
		t.Fatalf("inverted: %+v %v", win, g.Pix)
	}
	// The file's window wins over automatic ones unless another is asked for.
	fw := []Window{{Center: 5, Width: 2}}
	if _, w, _ := m.Render(Window{}, fw); w.Source != AutoFile || w.Function != WindowLinear {
		t.Fatalf("file window not used: %+v", w)
	}
	if _, w, _ := m.Render(Window{Auto: AutoMinMax}, fw); w.Source != AutoMinMax {
		t.Fatalf("minmax not honoured: %+v", w)
	}
	flat, _ := NewMono(4, 4)
	g, win, err = flat.Render(Window{}, nil)
	if err != nil || win.Width != 1 || g.Pix[0] != 128 {
		t.Fatalf("flat: %v %+v %v", err, win, g.Pix[0])
	}
	// Wide 32-bit ranges take the per-pixel path and the sampled percentile.
	wide, _ := NewMono(1000, 2)
	for i := range wide.V {
		wide.V[i] = int32(i) * 1000000
	}
	wide.V[0] = math.MinInt32
	g, win, err = wide.Render(Window{Auto: AutoPercentile}, nil)
	if err != nil || g.Pix[0] != 0 || g.Pix[len(g.Pix)-1] != 255 || win.Center-win.Width/2 < 0 {
		t.Fatalf("wide: %v %+v %d %d", err, win, g.Pix[0], g.Pix[len(g.Pix)-1])
	}
}
