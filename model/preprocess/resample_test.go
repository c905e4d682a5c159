package preprocess

import (
	"errors"
	"image"
	"math"
	"testing"

	"github.com/clipad/clipad/model/imageio"
)

func TestBadArguments(t *testing.T) {
	good := &Image8{W: 4, H: 3, Mode: imageio.RGB, Pix: make([]uint8, 36)}
	var nilIm *Image8
	for _, tc := range []struct {
		name string
		src  *Image8
		w, h int
		f    Filter
	}{
		{"nil", nilIm, 2, 2, Bicubic},
		{"zero width", good, 0, 2, Bicubic},
		{"zero height", good, 2, 0, Bicubic},
		{"negative", good, -3, 2, Bicubic},
		{"too large", good, MaxSide + 1, 2, Bicubic},
		{"bad filter", good, 2, 2, Filter(0)},
		{"bad filter 2", good, 2, 2, Filter(99)},
		{"short pix", &Image8{W: 4, H: 3, Mode: imageio.RGB, Pix: make([]uint8, 35)}, 2, 2, Bicubic},
		{"empty image", &Image8{W: 0, H: 3, Mode: imageio.RGB}, 2, 2, Bicubic},
		{"bad mode", &Image8{W: 1, H: 1, Mode: 0, Pix: []uint8{1}}, 2, 2, Bicubic},
	} {
		if _, err := Resize(tc.src, tc.w, tc.h, tc.f); !errors.Is(err, ErrArgument) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, err := ResizeBicubic(good, 0, 0); !errors.Is(err, ErrArgument) {
		t.Error("ResizeBicubic 0×0")
	}
	if _, err := ResizeMaskBilinear(nilIm, 2, 2); !errors.Is(err, ErrArgument) {
		t.Error("mask nil")
	}
	if _, err := ResizeMaskBilinear(good, 0, 2); !errors.Is(err, ErrArgument) {
		t.Error("mask 0 width")
	}
	if _, err := NonzeroTo255(nilIm); !errors.Is(err, ErrArgument) {
		t.Error("NonzeroTo255 nil")
	}
	if _, err := BinarizeMask(good, 0, true); !errors.Is(err, ErrArgument) {
		t.Error("BinarizeMask size 0")
	}
	if _, err := MaskTarget(nil, 240, true); !errors.Is(err, ErrArgument) {
		t.Error("MaskTarget nil")
	}
	if _, err := CLIPInput(nil, 240); !errors.Is(err, ErrArgument) {
		t.Error("CLIPInput nil")
	}
	if _, err := CLIPInput(image.NewRGBA(image.Rect(0, 0, 0, 0)), 240); !errors.Is(err, ErrArgument) {
		t.Error("CLIPInput empty")
	}
	if _, err := CLIPInput(image.NewRGBA(image.Rect(0, 0, 5, 5)), 0); !errors.Is(err, ErrArgument) {
		t.Error("CLIPInput size 0")
	}
	if _, err := ResizeForCLIP(image.NewGray(image.Rect(0, 0, 5, 5)), -1); !errors.Is(err, ErrArgument) {
		t.Error("ResizeForCLIP size -1")
	}
	if _, err := Normalize(nilIm); !errors.Is(err, ErrArgument) {
		t.Error("Normalize nil")
	}
	if _, err := Normalize(&Image8{W: 1, H: 1, Mode: imageio.Gray, Pix: []uint8{1}}); !errors.Is(err, ErrArgument) {
		t.Error("Normalize gray")
	}
	for _, tc := range []struct {
		src            []float32
		sw, sh, dw, dh int
		f              Filter
	}{
		{nil, 0, 0, 5, 5, Bilinear},
		{make([]float32, 6), 2, 3, 0, 5, Bilinear},
		{make([]float32, 5), 2, 3, 4, 5, Bilinear},
		{make([]float32, 6), 2, 3, 4, 5, Filter(7)},
		{make([]float32, 6), -2, -3, 4, 5, Bilinear},
	} {
		if _, err := ResizeFloat(tc.src, tc.sw, tc.sh, tc.dw, tc.dh, tc.f); !errors.Is(err, ErrArgument) {
			t.Errorf("ResizeFloat %d×%d→%d×%d: %v", tc.sw, tc.sh, tc.dw, tc.dh, err)
		}
	}
}

// Resizing to the same size is the identity (a copy, never shared).
func TestIdentity(t *testing.T) {
	for _, mode := range []imageio.Mode{imageio.Gray, imageio.RGB, imageio.RGBA, imageio.CMYK} {
		src := proceduralImage(31, 17, mode.Channels())
		src.Mode = mode
		for _, f := range []Filter{Bilinear, Bicubic} {
			r, err := Resize(src, 31, 17, f)
			if err != nil {
				t.Fatal(err)
			}
			if r.Mode != mode || string(r.Pix) != string(src.Pix) {
				t.Fatalf("%v %v: not the identity", mode, f)
			}
			r.Pix[0]++
			if r.Pix[0] == src.Pix[0] {
				t.Fatal("result shares memory with the source")
			}
		}
	}
	m := []float32{1, 2.5, -3, 4, 5, 6}
	r, err := ResizeFloat(m, 3, 2, 3, 2, Bicubic)
	if err != nil || len(r) != 6 || r[2] != -3 || &r[0] == &m[0] {
		t.Fatalf("float identity: %v %v", r, err)
	}
}

// A constant image stays exactly constant under any resize (the fixed-point
// weights of every output pixel sum to 2^22 within far less than 2^21/255).
// For RGBA the alpha is opaque; the check compares channel by channel.
func TestConstantStaysConstant(t *testing.T) {
	sizes := [][2]int{{1, 1}, {2, 3}, {240, 240}, {7, 300}, {5, 5}}
	for _, v := range []uint8{0, 1, 127, 128, 254, 255} {
		for _, mode := range []imageio.Mode{imageio.Gray, imageio.RGB, imageio.RGBA} {
			src := &Image8{W: 23, H: 41, Mode: mode, Pix: make([]uint8, 23*41*mode.Channels())}
			for i := range src.Pix {
				src.Pix[i] = v
				if mode == imageio.RGBA && i%4 == 3 {
					src.Pix[i] = 255 // (premultiplying by a small alpha loses colour, as in Pillow)
				}
			}
			for _, s := range sizes {
				for _, f := range []Filter{Bilinear, Bicubic} {
					r, err := Resize(src, s[0], s[1], f)
					if err != nil {
						t.Fatal(err)
					}
					for i, p := range r.Pix {
						if p != src.Pix[i%len(src.Pix)] {
							t.Fatalf("%v %v %d→%v: byte %d = %d", mode, f, v, s, i, p)
						}
					}
				}
			}
		}
	}
}

// A 2× bilinear reduction by hand: for output 0, center 1, support 2, input
// taps 0..2 with weights tri((x−0.5)/2) = 3/4, 3/4, 1/4, normalised 3/7,
// 3/7, 1/7; in fixed point round(3/7·2^22) = 1797559, round(1/7·2^22) =
// 599186; so [0, 70, 140, 210] → (2^21 + 70·1797559 + 140·599186) >> 22 = 50
// (the exact value 50 rounds down: 50.4999…). Output 1: center 3, taps 1..3
// with weights 1/4, 3/4, 3/4 → 1/7, 3/7, 3/7: (70 + 3·140 + 3·210)/7 = 160.
func TestHandComputedBilinear(t *testing.T) {
	src := &Image8{W: 4, H: 1, Mode: imageio.Gray, Pix: []uint8{0, 70, 140, 210}}
	r, err := Resize(src, 2, 1, Bilinear)
	if err != nil {
		t.Fatal(err)
	}
	if r.Pix[0] != 50 || r.Pix[1] != 160 {
		t.Fatalf("got %v, want [50 160]", r.Pix)
	}
	c := precompute(4, 2, Bilinear)
	if c.ksize != 5 || c.bounds[0] != 0 || c.bounds[1] != 3 || c.bounds[2] != 1 || c.bounds[3] != 3 {
		t.Fatalf("windows %+v", c)
	}
	kk := c.fixed()
	if kk[0] != 1797559 || kk[1] != 1797559 || kk[2] != 599186 {
		t.Fatalf("fixed weights %v", kk[:5])
	}
	// The same on a float map: exact rational results.
	f, err := ResizeFloat([]float32{0, 70, 140, 210}, 4, 1, 2, 1, Bilinear)
	if err != nil || math.Abs(float64(f[0])-50) > 1e-5 || math.Abs(float64(f[1])-160) > 1e-5 {
		t.Fatalf("float: %v %v", f, err)
	}
}

// The bicubic kernel is Keys' cubic with a = −0.5 (exact values at simple
// points) and its normalised weights sum to 1.
func TestBicubicKernel(t *testing.T) {
	for _, tc := range []struct{ x, want float64 }{
		{0, 1}, {1, 0}, {2, 0}, {-1, 0}, {0.5, 0.5625}, {-0.5, 0.5625}, {1.5, -0.0625}, {2.5, 0}, {0.25, 0.8671875},
	} {
		if got := bicubicKernel(tc.x); got != tc.want {
			t.Errorf("bicubic(%v) = %v, want %v", tc.x, got, tc.want)
		}
	}
	for _, s := range [][2]int{{1024, 240}, {13, 240}, {900, 240}, {7, 3}} {
		c := precompute(s[0], s[1], Bicubic)
		for i := 0; i < s[1]; i++ {
			sum := 0.0
			for _, k := range c.k[i*c.ksize : i*c.ksize+c.bounds[2*i+1]] {
				sum += k
			}
			if math.Abs(sum-1) > 1e-12 || c.bounds[2*i] < 0 || c.bounds[2*i]+c.bounds[2*i+1] > s[0] {
				t.Fatalf("%v output %d: sum %v window %d+%d", s, i, sum, c.bounds[2*i], c.bounds[2*i+1])
			}
		}
	}
}

// Pillow's premultiplication round trip by exact analysis: alpha 0 and 255
// keep colours; otherwise c → MULDIV255(c, a) → min(255, 255·c'/a).
func TestPremultiply(t *testing.T) {
	src := &Image8{W: 4, H: 1, Mode: imageio.RGBA, Pix: []uint8{
		200, 100, 50, 0, // fully transparent: colour kept through the round trip
		200, 100, 50, 255,
		200, 100, 50, 128, // 200·128/255 = 100.39 → 100 → 255·100/128 = 199
		255, 1, 0, 3, // 255·3/255 = 3 → 255; 1·3/255 → 0 → 0
	}}
	p := premultiply(src)
	want := []uint8{0, 0, 0, 0, 200, 100, 50, 255, 100, 50, 25, 128, 3, 0, 0, 3}
	if string(p.Pix) != string(want) {
		t.Fatalf("premultiplied %v, want %v", p.Pix, want)
	}
	unpremultiply(p)
	want = []uint8{0, 0, 0, 0, 200, 100, 50, 255, 199, 99, 49, 128, 255, 0, 0, 3}
	if string(p.Pix) != string(want) {
		t.Fatalf("un-premultiplied %v, want %v", p.Pix, want)
	}
}

func TestMaskHelpers(t *testing.T) {
	m := &Image8{W: 4, H: 2, Mode: imageio.Gray, Pix: []uint8{0, 1, 127, 128, 255, 0, 0, 3}}
	nz, err := NonzeroTo255(m)
	if err != nil || string(nz.Pix) != string([]uint8{0, 255, 255, 255, 255, 0, 0, 255}) || m.Pix[1] != 1 {
		t.Fatalf("NonzeroTo255: %v %v", nz, err)
	}
	// Same size: the target is v >= 128 (v/255 > 0.5), with or without >0.
	tg, err := BinarizeMask(&Image8{W: 2, H: 2, Mode: imageio.Gray, Pix: []uint8{127, 128, 0, 255}}, 2, false)
	if err != nil || string(tg) != string([]uint8{0, 1, 0, 1}) {
		t.Fatalf("BinarizeMask: %v %v", tg, err)
	}
	tg, err = BinarizeMask(&Image8{W: 2, H: 2, Mode: imageio.Gray, Pix: []uint8{127, 1, 0, 255}}, 2, true)
	if err != nil || string(tg) != string([]uint8{1, 1, 0, 1}) {
		t.Fatalf("BinarizeMask >0: %v %v", tg, err)
	}
	for v := 0; v < 256; v++ {
		if (float32(v)/255 > 0.5) != (v >= 128) {
			t.Fatalf("threshold analysis wrong at %d", v)
		}
	}
	// An RGB mask is converted with convert('L') first.
	rgb := &Image8{W: 1, H: 1, Mode: imageio.RGB, Pix: []uint8{255, 255, 255}}
	r, err := ResizeMaskBilinear(rgb, 3, 2)
	if err != nil || r.Mode != imageio.Gray || string(r.Pix) != string([]uint8{255, 255, 255, 255, 255, 255}) {
		t.Fatalf("RGB mask: %v %v", r, err)
	}
}

func TestCLIPInputShape(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 50, 30))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	x, err := CLIPInput(img, 24)
	if err != nil || len(x) != 3*24*24 {
		t.Fatalf("%d %v", len(x), err)
	}
	// A constant gray image gives per-channel constants (200/255 − m)/s.
	for c := 0; c < 3; c++ {
		want := (float32(200)/255 - CLIPMean[c]) / CLIPStd[c]
		for i := 0; i < 24*24; i++ {
			if x[c*576+i] != want {
				t.Fatalf("channel %d pixel %d: %v want %v", c, i, x[c*576+i], want)
			}
		}
	}
}
