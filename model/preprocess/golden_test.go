package preprocess

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/imageio"
)

// golden.json is written by testdata/gen_golden.py with Debian's Pillow 9.4
// (the version is recorded in the file). Every uint8 expectation must match
// byte for byte.

// expect is either a stored file or a sha256 with sample pixels.
type expect struct {
	File    string  `json:"file"`
	SHA256  string  `json:"sha256"`
	Samples [][]int `json:"samples"`
}

type goldenFile struct {
	Versions map[string]string `json:"versions"`
	Cases    []struct {
		Name  string  `json:"name"`
		Input string  `json:"input"`
		W     int     `json:"w"`
		H     int     `json:"h"`
		PIL   string  `json:"pil"`
		RGB   expect  `json:"rgb"`
		RGBA  *expect `json:"rgba"`
	} `json:"cases"`
	CMYK []struct {
		Name  string  `json:"name"`
		Input string  `json:"input"`
		W     int     `json:"w"`
		H     int     `json:"h"`
		CMYK  *expect `json:"cmyk"`
		RGB   expect  `json:"rgb"`
	} `json:"cmyk"`
	Gray []struct {
		Input string `json:"input"`
		Gray  expect `json:"gray"`
	} `json:"gray"`
	Masks []struct {
		Name    string  `json:"name"`
		Input   string  `json:"input"`
		W       int     `json:"w"`
		H       int     `json:"h"`
		Gray    *expect `json:"gray"`
		Size    int     `json:"size"`
		Nonzero bool    `json:"nonzero"`
		Target  *expect `json:"target"`
	} `json:"masks"`
	Float []struct {
		Name   string `json:"name"`
		Input  string `json:"input"`
		SW     int    `json:"sw"`
		SH     int    `json:"sh"`
		W      int    `json:"w"`
		H      int    `json:"h"`
		Filter string `json:"filter"`
		SHA256 string `json:"sha256"`
		Out    string `json:"out"`
	} `json:"float"`
	Normalize struct {
		MeanBits  []uint32   `json:"mean_bits"`
		StdBits   []uint32   `json:"std_bits"`
		TableBits [][]uint32 `json:"table_bits"`
	} `json:"normalize"`
	Real []struct {
		File           string  `json:"file"`
		Kind           string  `json:"kind"`
		W              int     `json:"w"`
		H              int     `json:"h"`
		FileSHA256     string  `json:"file_sha256"`
		SHA256         string  `json:"sha256"`
		Samples        [][]int `json:"samples"`
		RGB            *expect `json:"rgb"`
		BilinearSHA256 string  `json:"bilinear_sha256"`
		PlainSHA256    string  `json:"bilinear_plain_sha256"`
		TargetSHA256   string  `json:"target_sha256"`
		TargetOnes     int     `json:"target_ones"`
	} `json:"real"`
}

func loadGolden(t testing.TB) *goldenFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) == 0 || g.Versions["pillow"] == "" {
		t.Fatal("golden.json has no cases")
	}
	return &g
}

// proceduralImage regenerates gen_golden.py's procedural(w, h, c) input.
func proceduralImage(w, h, c int) *Image8 {
	mode := map[int]imageio.Mode{1: imageio.Gray, 3: imageio.RGB, 4: imageio.RGBA}[c]
	im := &Image8{W: w, H: h, Mode: mode, Pix: make([]uint8, w*h*c)}
	wd, hd := uint32(max(w-1, 1)), uint32(max(h-1, 1))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			ux, uy := uint32(x), uint32(y)
			for ch := 0; ch < c; ch++ {
				v := (ux * 73856093) ^ (uy * 19349663) ^ uint32((ch+1)*83492791)
				v ^= v >> 13
				v *= 0x5BD1E995
				v ^= v >> 15
				smooth := (ux*255/wd + uy*255/hd*uint32(ch+1)) & 255
				var edge uint32
				if (ux/37+uy/29)%2 == 0 {
					edge = 60
				}
				im.Pix[(y*w+x)*c+ch] = uint8((smooth*3 + (v & 255) + edge*4) / 4 & 255)
			}
		}
	}
	return im
}

func decodeFile(t testing.TB, path string) image.Image {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := imageio.Decode(b, path, imageio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// loadInput returns a golden case's input as decoded image and as Image8.
func loadInput(t testing.TB, input string) (image.Image, *Image8) {
	t.Helper()
	if strings.HasPrefix(input, "proc:") {
		f := strings.Split(input, ":")
		w, _ := strconv.Atoi(f[1])
		h, _ := strconv.Atoi(f[2])
		c, _ := strconv.Atoi(f[3])
		im := proceduralImage(w, h, c)
		img, err := im.Image()
		if err != nil {
			t.Fatal(err)
		}
		return img, im
	}
	img := decodeFile(t, filepath.Join("testdata", input))
	im, err := imageio.FromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	return img, im
}

// rawPNG returns the bytes of an 8-bit PNG written by Pillow in mode L, RGB
// or RGBA, interleaved with c channels (no conversion beyond unpacking).
func rawPNG(t testing.TB, path string, c int) (w, h int, pix []uint8) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	w, h = b.Dx(), b.Dy()
	pix = make([]uint8, 0, w*h*c)
	switch m := img.(type) {
	case *image.Gray:
		if c != 1 {
			t.Fatalf("%s: gray PNG, want %d channels", path, c)
		}
		pix = append(pix, m.Pix...)
	case *image.RGBA: // Pillow RGB PNG (opaque)
		if c != 3 {
			t.Fatalf("%s: RGB PNG, want %d channels", path, c)
		}
		for i := 0; i < len(m.Pix); i += 4 {
			pix = append(pix, m.Pix[i], m.Pix[i+1], m.Pix[i+2])
		}
	case *image.NRGBA:
		if c != 4 {
			t.Fatalf("%s: RGBA PNG, want %d channels", path, c)
		}
		pix = append(pix, m.Pix...)
	default:
		t.Fatalf("%s: unexpected PNG type %T", path, img)
	}
	return w, h, pix
}

func shaHex(p []uint8) string {
	s := sha256.Sum256(p)
	return hex.EncodeToString(s[:])
}

// check compares got (interleaved, c channels, w×h) with an expectation.
func check(t *testing.T, what string, e expect, w, h, c int, got []uint8) bool {
	t.Helper()
	if len(got) != w*h*c {
		t.Errorf("%s: got %d bytes, want %d×%d×%d", what, len(got), w, h, c)
		return false
	}
	if e.File != "" {
		ew, eh, want := rawPNG(t, filepath.Join("testdata", e.File), c)
		if ew != w || eh != h {
			t.Errorf("%s: size %d×%d, Pillow %d×%d", what, w, h, ew, eh)
			return false
		}
		return diff(t, what, w, c, got, want)
	}
	if e.SHA256 == "" {
		t.Fatalf("%s: empty expectation", what)
	}
	ok := true
	for _, s := range e.Samples {
		x, y := s[0], s[1]
		for ch := 0; ch < c; ch++ {
			if g := int(got[(y*w+x)*c+ch]); g != s[2+ch] {
				t.Errorf("%s: pixel (%d,%d) channel %d = %d, Pillow %d", what, x, y, ch, g, s[2+ch])
				ok = false
			}
		}
	}
	if sum := shaHex(got); sum != e.SHA256 {
		t.Errorf("%s: sha256 %s, Pillow %s", what, sum, e.SHA256)
		ok = false
	}
	return ok
}

func diff(t *testing.T, what string, w, c int, got, want []uint8) bool {
	t.Helper()
	n, maxd := 0, 0
	first := -1
	for i := range got {
		if got[i] != want[i] {
			if first < 0 {
				first = i
			}
			n++
			d := int(got[i]) - int(want[i])
			maxd = max(maxd, d, -d)
		}
	}
	if n > 0 {
		p := first / c
		t.Errorf("%s: %d of %d bytes differ from Pillow (max |Δ| %d); first at (%d,%d) ch %d: got %d want %d",
			what, n, len(got), maxd, p%w, p/w, first%c, got[first], want[first])
		return false
	}
	return true
}

func TestGoldenResize(t *testing.T) {
	g := loadGolden(t)
	for _, tc := range g.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			img, im := loadInput(t, tc.Input)
			r, err := ResizeBicubic(im, tc.W, tc.H)
			if err != nil {
				t.Fatal(err)
			}
			if r.W != tc.W || r.H != tc.H || r.Mode != im.Mode {
				t.Fatalf("got %d×%d %v, want %d×%d %v", r.W, r.H, r.Mode, tc.W, tc.H, im.Mode)
			}
			if tc.RGBA != nil {
				if r.Mode != imageio.RGBA {
					t.Fatalf("mode %v, want RGBA", r.Mode)
				}
				check(t, "RGBA resize", *tc.RGBA, tc.W, tc.H, 4, r.Pix)
			}
			rgb, err := imageio.ToRGB(r)
			if err != nil {
				t.Fatal(err)
			}
			check(t, "resize+convert('RGB')", tc.RGB, tc.W, tc.H, 3, rgb.Pix)
			if tc.W == tc.H {
				c, err := ResizeForCLIP(img, tc.W)
				if err != nil {
					t.Fatal(err)
				}
				check(t, "ResizeForCLIP", tc.RGB, tc.W, tc.H, 3, c.Pix)
			}
		})
	}
}

// cmykInput reads a CMYK test image stored as an RGBA PNG of C, M, Y, K bytes.
func cmykInput(t *testing.T, path string) *Image8 {
	w, h, pix := rawPNG(t, filepath.Join("testdata", path), 4)
	return &Image8{W: w, H: h, Mode: imageio.CMYK, Pix: pix}
}

func TestGoldenCMYK(t *testing.T) {
	g := loadGolden(t)
	if len(g.CMYK) == 0 {
		t.Fatal("no CMYK cases")
	}
	for _, tc := range g.CMYK {
		t.Run(tc.Name, func(t *testing.T) {
			im := cmykInput(t, tc.Input)
			if tc.CMYK != nil {
				r, err := ResizeBicubic(im, tc.W, tc.H)
				if err != nil {
					t.Fatal(err)
				}
				check(t, "CMYK resize", *tc.CMYK, tc.W, tc.H, 4, r.Pix)
				im = r
			}
			rgb, err := imageio.ToRGB(im)
			if err != nil {
				t.Fatal(err)
			}
			check(t, "convert('RGB')", tc.RGB, im.W, im.H, 3, rgb.Pix)
		})
	}
}

func TestGoldenGray(t *testing.T) {
	g := loadGolden(t)
	for _, tc := range g.Gray {
		_, im := loadInput(t, tc.Input)
		l, err := imageio.ToGray(im)
		if err != nil {
			t.Fatal(err)
		}
		check(t, tc.Input+" convert('L')", tc.Gray, im.W, im.H, 1, l.Pix)
	}
}

func TestGoldenMasks(t *testing.T) {
	g := loadGolden(t)
	n := 0
	for _, tc := range g.Masks {
		t.Run(tc.Name, func(t *testing.T) {
			img, im := loadInput(t, tc.Input)
			if tc.Gray != nil {
				r, err := ResizeMaskBilinear(im, tc.W, tc.H)
				if err != nil {
					t.Fatal(err)
				}
				if r.Mode != imageio.Gray {
					t.Fatalf("mode %v", r.Mode)
				}
				check(t, "bilinear", *tc.Gray, tc.W, tc.H, 1, r.Pix)
				n++
			}
			if tc.Target != nil {
				got, err := MaskTarget(img, tc.Size, tc.Nonzero)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range got {
					if v > 1 {
						t.Fatalf("target value %d", v)
					}
				}
				check(t, "target", *tc.Target, tc.Size, tc.Size, 1, got)
				n++
			}
		})
	}
	if n < 8 {
		t.Fatalf("only %d mask checks", n)
	}
}

func readF32(t *testing.T, path string) []float32 {
	b, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func f32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func TestGoldenFloat(t *testing.T) {
	g := loadGolden(t)
	for _, tc := range g.Float {
		t.Run(tc.Name, func(t *testing.T) {
			src := readF32(t, tc.Input)
			f := map[string]Filter{"bilinear": Bilinear, "bicubic": Bicubic}[tc.Filter]
			got, err := ResizeFloat(src, tc.SW, tc.SH, tc.W, tc.H, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.W*tc.H {
				t.Fatalf("len %d", len(got))
			}
			if tc.Out != "" {
				want := readF32(t, tc.Out)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("value %d = %v (%#x), Pillow %v (%#x)", i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
					}
				}
				return
			}
			s := sha256.Sum256(f32Bytes(got))
			if hex.EncodeToString(s[:]) != tc.SHA256 {
				t.Fatalf("sha256 of float32 output differs from Pillow")
			}
		})
	}
}

func TestGoldenNormalize(t *testing.T) {
	g := loadGolden(t)
	nm := g.Normalize
	for c := 0; c < 3; c++ {
		if math.Float32bits(CLIPMean[c]) != nm.MeanBits[c] || math.Float32bits(CLIPStd[c]) != nm.StdBits[c] {
			t.Fatalf("channel %d: mean/std %v/%v are not numpy's float32 values", c, CLIPMean[c], CLIPStd[c])
		}
	}
	// A 256×1 RGB image holding every value in every channel, shifted per
	// channel so that the CHW layout is checked too.
	im := &Image8{W: 256, H: 1, Mode: imageio.RGB, Pix: make([]uint8, 3*256)}
	for x := 0; x < 256; x++ {
		for c := 0; c < 3; c++ {
			im.Pix[3*x+c] = uint8(x + 85*c)
		}
	}
	out, err := Normalize(im)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3*256 {
		t.Fatalf("len %d", len(out))
	}
	for c := 0; c < 3; c++ {
		for x := 0; x < 256; x++ {
			v := uint8(x + 85*c)
			if got, want := math.Float32bits(out[c*256+x]), nm.TableBits[c][v]; got != want {
				t.Fatalf("channel %d value %d: %v, numpy float32 %v", c, v, out[c*256+x], math.Float32frombits(want))
			}
		}
	}
	// Spot values by exact analysis: (0/255 − mean)/std and (255/255 − mean)/std.
	if d := float64(out[0]) - (0-0.48145466)/0.26862954; math.Abs(d) > 1e-6 {
		t.Errorf("R(0) off by %g", d)
	}
	if d := float64(out[2*256+255-170]) - (1-0.40821073)/0.27577711; math.Abs(d) > 1e-6 {
		t.Errorf("B(255) off by %g", d)
	}
}

// findShared walks up from the package directory to find shared/data beside
// the repository.
func findShared(t *testing.T) string {
	d, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		c := filepath.Join(d, "shared", "data")
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c
		}
		p := filepath.Dir(d)
		if p == d {
			t.Skip("shared/data not found beside the repository")
		}
		d = p
	}
}

func TestGoldenRealImages(t *testing.T) {
	g := loadGolden(t)
	if len(g.Real) == 0 {
		t.Skip("golden.json was generated without shared/data")
	}
	shared := findShared(t)
	for _, tc := range g.Real {
		t.Run(tc.File, func(t *testing.T) {
			path := filepath.Join(shared, filepath.FromSlash(tc.File))
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if shaHex(b) != tc.FileSHA256 {
				t.Fatalf("%s is not the file the golden was made from", tc.File)
			}
			img, err := imageio.Decode(b, tc.File, imageio.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			im, err := imageio.FromImage(img)
			if err != nil {
				t.Fatal(err)
			}
			switch tc.Kind {
			case "rgb":
				r, err := ResizeBicubic(im, tc.W, tc.H)
				if err != nil {
					t.Fatal(err)
				}
				rgb, err := imageio.ToRGB(r)
				if err != nil {
					t.Fatal(err)
				}
				check(t, "resize+RGB", expect{SHA256: tc.SHA256, Samples: tc.Samples}, tc.W, tc.H, 3, rgb.Pix)
				if tc.W == tc.H {
					x, err := CLIPInput(img, tc.W)
					if err != nil {
						t.Fatal(err)
					}
					n := tc.W * tc.H
					for i := 0; i < n; i += 997 {
						for c := 0; c < 3; c++ {
							want := (float32(rgb.Pix[3*i+c])/255 - CLIPMean[c]) / CLIPStd[c]
							if x[c*n+i] != want {
								t.Fatalf("CLIPInput[%d,%d] = %v, want %v", c, i, x[c*n+i], want)
							}
						}
					}
				}
			case "rgb_jpeg":
				// Go's JPEG decoder differs slightly from libjpeg: compare
				// with a tolerance and report the difference.
				rgb, err := ResizeForCLIP(img, tc.W)
				if err != nil {
					t.Fatal(err)
				}
				_, _, want := rawPNG(t, filepath.Join("testdata", tc.RGB.File), 3)
				var sum, maxd int
				for i := range want {
					d := int(rgb.Pix[i]) - int(want[i])
					if d < 0 {
						d = -d
					}
					sum += d
					maxd = max(maxd, d)
				}
				mean := float64(sum) / float64(len(want))
				t.Logf("%s: Go-decoded vs Pillow-decoded after resize: mean |Δ| %.3f, max |Δ| %d", tc.File, mean, maxd)
				if mean > 0.1 || maxd > 4 { // observed: mean ≤ 0.03, max ≤ 2
					t.Errorf("too far from Pillow: mean |Δ| %.3f, max |Δ| %d", mean, maxd)
				}
			case "mask":
				r, err := ResizeMaskBilinear(im, tc.W, tc.H)
				if err != nil {
					t.Fatal(err)
				}
				if shaHex(r.Pix) != tc.PlainSHA256 {
					t.Errorf("bilinear resize differs from Pillow")
				}
				nz, err := NonzeroTo255(im)
				if err != nil {
					t.Fatal(err)
				}
				r, err = ResizeMaskBilinear(nz, tc.W, tc.H)
				if err != nil {
					t.Fatal(err)
				}
				if shaHex(r.Pix) != tc.BilinearSHA256 {
					t.Errorf(">0→255 + bilinear resize differs from Pillow")
				}
				tg, err := MaskTarget(img, tc.W, true)
				if err != nil {
					t.Fatal(err)
				}
				ones := 0
				for _, v := range tg {
					ones += int(v)
				}
				if ones != tc.TargetOnes || shaHex(tg) != tc.TargetSHA256 {
					t.Errorf("target: %d ones, Pillow %d (or sha differs)", ones, tc.TargetOnes)
				}
			default:
				t.Fatalf("unknown kind %q", tc.Kind)
			}
		})
	}
}
