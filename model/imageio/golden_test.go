package imageio

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// testdata/golden.json is written by model/preprocess/testdata/gen_golden.py:
// Pillow 9.4's pixel values for each test file (np.array(Image.open(p)),
// mapped to clipad's modes as documented in doc.go), and Pillow's
// convert('L') / CMYK→RGB conversions on grids of values.
type goldenFile struct {
	Versions map[string]string `json:"versions"`
	PNG      []struct {
		File    string `json:"file"`
		PILMode string `json:"pil_mode"`
		Mode    string `json:"mode"`
		W       int    `json:"w"`
		H       int    `json:"h"`
		Pix     string `json:"pix"`
		RGB     string `json:"rgb"`
	} `json:"png"`
	JPEG []struct {
		File    string `json:"file"`
		PILMode string `json:"pil_mode"`
		W       int    `json:"w"`
		H       int    `json:"h"`
		Pix     string `json:"pix"`
		RGB     string `json:"rgb"`
	} `json:"jpeg"`
	Luma struct {
		RGB string `json:"rgb"`
		L   string `json:"l"`
	} `json:"luma"`
	CMYK2RGB struct {
		CMYK string `json:"cmyk"`
		RGB  string `json:"rgb"`
	} `json:"cmyk2rgb"`
}

func loadGolden(t *testing.T) *goldenFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.PNG) == 0 || len(g.JPEG) == 0 {
		t.Fatal("golden.json is empty")
	}
	return &g
}

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeTestFile(t *testing.T, name string) *Image8 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	img, err := Decode(b, name, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	im, err := FromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// TestGoldenPNG: every PNG variant decodes to exactly Pillow's pixel values.
func TestGoldenPNG(t *testing.T) {
	g := loadGolden(t)
	modes := map[string]bool{}
	for _, tc := range g.PNG {
		t.Run(tc.File, func(t *testing.T) {
			im := decodeTestFile(t, tc.File)
			modes[tc.PILMode] = true
			if im.W != tc.W || im.H != tc.H || im.Mode.String() != tc.Mode {
				t.Fatalf("got %d×%d %v, want %d×%d %s (Pillow mode %s)", im.W, im.H, im.Mode, tc.W, tc.H, tc.Mode, tc.PILMode)
			}
			if want := unb64(t, tc.Pix); string(im.Pix) != string(want) {
				t.Fatalf("pixels differ from Pillow's\n got %v\nwant %v", head(im.Pix), head(want))
			}
			rgb, err := ToRGB(im)
			if err != nil {
				t.Fatal(err)
			}
			if want := unb64(t, tc.RGB); string(rgb.Pix) != string(want) {
				t.Fatalf("convert('RGB') differs from Pillow's")
			}
			b, _ := os.ReadFile(filepath.Join("testdata", tc.File))
			img, _ := Decode(b, tc.File, Limits{})
			rgb2, err := RGB8(img)
			if err != nil || string(rgb2.Pix) != string(rgb.Pix) || rgb2.Mode != RGB {
				t.Fatalf("RGB8 disagrees with ToRGB(FromImage): %v", err)
			}
		})
	}
	for _, m := range []string{"1", "L", "I", "RGB", "RGBA", "LA", "P"} {
		if !modes[m] {
			t.Errorf("no PNG test file opens in Pillow mode %s", m)
		}
	}
}

func head(b []byte) []byte {
	if len(b) > 24 {
		return b[:24]
	}
	return b
}

// TestGoldenJPEG: Go's JPEG decoder plus our libjpeg-style colour conversion
// and fancy upsampling against libjpeg-turbo (through Pillow). The IDCTs
// differ, so only closeness is asserted; the differences are logged.
func TestGoldenJPEG(t *testing.T) {
	g := loadGolden(t)
	for _, tc := range g.JPEG {
		t.Run(tc.File, func(t *testing.T) {
			im := decodeTestFile(t, tc.File)
			want := map[string]Mode{"L": Gray, "RGB": RGB, "CMYK": CMYK}[tc.PILMode]
			if im.Mode != want || im.W != tc.W || im.H != tc.H {
				t.Fatalf("got %d×%d %v, want %d×%d %v", im.W, im.H, im.Mode, tc.W, tc.H, want)
			}
			meanPix, maxPix := absDiff(im.Pix, unb64(t, tc.Pix))
			rgb, err := ToRGB(im)
			if err != nil {
				t.Fatal(err)
			}
			meanRGB, maxRGB := absDiff(rgb.Pix, unb64(t, tc.RGB))
			t.Logf("%s (%s): native mean |Δ| %.3f max %d; RGB mean |Δ| %.3f max %d", tc.File, tc.PILMode, meanPix, maxPix, meanRGB, maxRGB)
			// Observed with Go 1.26 / libjpeg-turbo 2.1.5: mean ≤ 0.05, max ≤ 3.
			if meanPix > 0.1 || maxPix > 4 || meanRGB > 0.1 || maxRGB > 4 {
				t.Errorf("Go's decoding is too far from libjpeg's")
			}
		})
	}
}

func absDiff(a, b []byte) (mean float64, maxd int) {
	if len(a) != len(b) {
		return 1e9, 1 << 30
	}
	sum := 0
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d < 0 {
			d = -d
		}
		sum += d
		maxd = max(maxd, d)
	}
	return float64(sum) / float64(len(a)), maxd
}

func TestGoldenLuma(t *testing.T) {
	g := loadGolden(t)
	rgb, l := unb64(t, g.Luma.RGB), unb64(t, g.Luma.L)
	n := len(l)
	if n < 1000 || len(rgb) != 3*n {
		t.Fatalf("bad luma golden: %d/%d", len(rgb), n)
	}
	for _, mode := range []Mode{RGB, RGBA} {
		c := mode.Channels()
		im := &Image8{W: n, H: 1, Mode: mode, Pix: make([]uint8, c*n)}
		for i := 0; i < n; i++ {
			copy(im.Pix[c*i:], rgb[3*i:3*i+3])
			if c == 4 {
				im.Pix[c*i+3] = uint8(i * 7) // alpha is ignored
			}
		}
		got, err := ToGray(im)
		if err != nil {
			t.Fatal(err)
		}
		for i := range l {
			if got.Pix[i] != l[i] {
				t.Fatalf("%v %v → L = %d, Pillow %d", mode, rgb[3*i:3*i+3], got.Pix[i], l[i])
			}
		}
	}
}

func TestGoldenCMYK2RGB(t *testing.T) {
	g := loadGolden(t)
	cmyk, rgb := unb64(t, g.CMYK2RGB.CMYK), unb64(t, g.CMYK2RGB.RGB)
	n := len(cmyk) / 4
	if n < 500 || len(rgb) != 3*n {
		t.Fatalf("bad cmyk golden")
	}
	got, err := ToRGB(&Image8{W: n, H: 1, Mode: CMYK, Pix: cmyk})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if string(got.Pix[3*i:3*i+3]) != string(rgb[3*i:3*i+3]) {
			t.Fatalf("CMYK %v → %v, Pillow %v", cmyk[4*i:4*i+4], got.Pix[3*i:3*i+3], rgb[3*i:3*i+3])
		}
	}
	// Via ToGray (CMYK → RGB → L).
	l, err := ToGray(&Image8{W: n, H: 1, Mode: CMYK, Pix: cmyk})
	if err != nil {
		t.Fatal(err)
	}
	l2, _ := ToGray(got)
	if string(l.Pix) != string(l2.Pix) {
		t.Fatal("CMYK→L is not CMYK→RGB→L")
	}
}
