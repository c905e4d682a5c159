package detect

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"golang.org/x/image/tiff"

	"github.com/clipad/clipad/model/dicom/dicomtest"
	"github.com/clipad/clipad/model/imageio"
	"github.com/clipad/clipad/model/synth"
)

// TIFF inputs (CVC-ClinicDB ships .tif) and 16-bit grey images go through
// the same pipeline: a planted spot saved as TIFF is found where it is, and
// a low-contrast 16-bit image is windowed (not truncated to black).
func TestTIFFAnd16Bit(t *testing.T) {
	d := plantedDetector(t)
	pngBytes := synth.PlantedPNG(320, 240, &synth.Spot{X0: 200, Y0: 40, X1: 280, Y1: 120}, 3, false)
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatal(err)
	}
	var tb bytes.Buffer
	if err := tiff.Encode(&tb, img, nil); err != nil {
		t.Fatal(err)
	}
	rt, err := d.Analyze(tb.Bytes(), "spot.tif", "object")
	if err != nil {
		t.Fatal(err)
	}
	rp, err := d.Analyze(pngBytes, "spot.png", "object")
	if err != nil {
		t.Fatal(err)
	}
	if rt.Width != 320 || rt.Height != 240 || rt.MapMax != rp.MapMax || rt.ProbAbnormal != rp.ProbAbnormal {
		t.Errorf("TIFF and PNG of the same pixels differ: %+v vs %+v", rt.MapMax, rp.MapMax)
	}
	// 16-bit grey, values 1000..1255: v/257 would give a flat dark image
	g := image.NewGray16(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			g.SetGray16(x, y, color.Gray16{Y: uint16(1000 + 4*x)})
		}
	}
	var gb bytes.Buffer
	if err := png.Encode(&gb, g); err != nil {
		t.Fatal(err)
	}
	win, _, err := imageio.DecodeWindowed(gb.Bytes(), "ramp16.png", imageio.DefaultLimits(), imageio.Window{})
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := uint8(255), uint8(0)
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			v := color.GrayModel.Convert(win.At(x, y)).(color.Gray).Y
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if lo > 2 || hi < 253 {
		t.Errorf("16-bit ramp windowed to %d..%d, want the full 8-bit range", lo, hi)
	}
	if _, err := d.Analyze(gb.Bytes(), "ramp16.png", "object"); err != nil {
		t.Fatal(err)
	}
}

// Analyze reads single-frame DICOM (so eval can too) and refuses
// multi-frame files with a pointer to clipad detect.
func TestDICOMInput(t *testing.T) {
	d := plantedDetector(t)
	const ts = "1.2.840.10008.1.2.1" // explicit VR little endian
	px := make([]byte, 32*32)
	for i := range px {
		px[i] = uint8(i % 251)
	}
	one := dicomtest.File(ts, append(append(dicomtest.Identifying(), dicomtest.Image(32, 32, "MONOCHROME2", 1, 8, 1)...), dicomtest.Pixels("OB", px))...)
	r, err := d.Analyze(one, "scan.dcm", "object")
	if err != nil {
		t.Fatal(err)
	}
	if r.Width != 32 || r.Height != 32 {
		t.Errorf("DICOM frame size %dx%d", r.Width, r.Height)
	}
	three := dicomtest.File(ts, append(append(dicomtest.Identifying(), dicomtest.Image(32, 32, "MONOCHROME2", 1, 8, 3)...), dicomtest.Pixels("OB", append(append(px, px...), px...)))...)
	if _, err := d.Analyze(three, "series.dcm", "object"); err == nil || !strings.Contains(err.Error(), "clipad detect") {
		t.Errorf("multi-frame DICOM: %v", err)
	}
}
