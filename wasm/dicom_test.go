//go:build js && wasm

// Run with: GOOS=js GOARCH=wasm go test -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./wasm

package main

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"strings"
	"syscall/js"
	"testing"

	"github.com/clipad/clipad/model/detect"
	"github.com/clipad/clipad/model/dicom/dicomtest"
	"github.com/clipad/clipad/model/synth"
	"github.com/clipad/clipad/model/textvec"
	"github.com/clipad/clipad/model/vision"
)

const explicitLE = "1.2.840.10008.1.2.1"

func u8(b []byte) js.Value {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

func obj(m map[string]any) js.Value { return js.ValueOf(m) }

// jsonOf stringifies a result (typed arrays included) for leak checks.
func jsonOf(v any) string {
	return js.Global().Get("JSON").Call("stringify", js.ValueOf(v)).String()
}

func noSecrets(t *testing.T, what string, v any) {
	t.Helper()
	s := jsonOf(v)
	for _, sec := range dicomtest.Secrets {
		if strings.Contains(s, sec) {
			t.Fatalf("%s leaks %q: %s", what, sec, s)
		}
	}
}

func res(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("result %T %v", v, v)
	}
	return m
}

func mono3() []byte {
	px := make([]byte, 2*8*6*3)
	for i := 0; i < len(px)/2; i++ {
		binary.LittleEndian.PutUint16(px[2*i:], uint16(100+i*10))
	}
	els := append(dicomtest.Image(6, 8, "MONOCHROME2", 1, 16, 3),
		dicomtest.Str(0x00281050, "DS", "400"), dicomtest.Str(0x00281051, "DS", "300"), dicomtest.Pixels("OW", px))
	return dicomtest.File(explicitLE, els...)
}

func plantedCore(t *testing.T) *core {
	t.Helper()
	cfg, set, tn, ta := synth.Planted()
	m, err := vision.New(cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	id := set.ModelID(cfg)
	a := &textvec.Asset{Format: textvec.Format, Version: textvec.Version, ModelID: id, EmbedDim: cfg.EmbedDim,
		Categories: []textvec.Category{{Name: "object", Normal: tn, Abnormal: ta}}}
	d, err := detect.New(m, id, a, detect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &core{model: m, id: id, text: a, det: d}
}

func TestDicomAPI(t *testing.T) {
	c := &core{}
	info := res(t, c.dicomOpen([]js.Value{u8(mono3())}))
	if info["error"] != nil {
		t.Fatal(info["error"])
	}
	noSecrets(t, "dicomOpen", info)
	if info["frames"] != 3 || info["rows"] != 6 || info["columns"] != 8 || info["modality"] != "MR" || info["color"] != false ||
		info["photometric"] != "MONOCHROME2" || len(info["id"].(string)) != 16 || len(info["seriesKey"].(string)) != 16 || len(info["windows"].([]any)) != 1 {
		t.Fatalf("info %v", jsonOf(info))
	}
	h := js.ValueOf(info["handle"])
	fr := res(t, c.dicomFrame([]js.Value{h, js.ValueOf(2)}))
	if fr["error"] != nil {
		t.Fatal(fr["error"])
	}
	noSecrets(t, "dicomFrame", fr)
	w := fr["window"].(map[string]any)
	if fr["frame"] != 2 || fr["width"] != 8 || fr["height"] != 6 || w["source"] != "file" || w["center"] != 400.0 ||
		fr["rgba"].(js.Value).Get("length").Int() != 8*6*4 || fr["id"] == info["id"] {
		t.Fatalf("frame %v", jsonOf(fr))
	}
	rng := fr["range"].(map[string]any)
	if rng["min"] != 100.0+48*10 || rng["max"] != 100.0+95*10 {
		t.Fatalf("range %v", rng)
	}
	// Window/level re-render: user window, then automatic.
	fr = res(t, c.dicomFrame([]js.Value{h, js.ValueOf(2), obj(map[string]any{"center": 800, "width": 100})}))
	rgba := make([]byte, 8*6*4)
	js.CopyBytesToGo(rgba, fr["rgba"].(js.Value))
	if fr["window"].(map[string]any)["source"] != "user" || rgba[0] != 0 || rgba[len(rgba)-4] != 255 || rgba[3] != 255 {
		t.Fatalf("user window %v first %v last %v", jsonOf(fr["window"]), rgba[:4], rgba[len(rgba)-4:])
	}
	fr = res(t, c.dicomFrame([]js.Value{h, js.ValueOf(2), obj(map[string]any{"auto": "minmax"})}))
	if fr["window"].(map[string]any)["source"] != "minmax" {
		t.Fatal(jsonOf(fr["window"]))
	}
	if e := res(t, c.dicomFrame([]js.Value{h, js.ValueOf(4)})); e["error"] == nil || !strings.Contains(e["error"].(string), "frame 4 of 3") {
		t.Fatalf("frame 4: %v", e)
	}
	if e := res(t, c.dicomFrame([]js.Value{h, js.ValueOf(1), obj(map[string]any{"function": "GAMMA"})})); e["error"] == nil {
		t.Fatal("bad window function accepted")
	}
	c.dicomClose([]js.Value{h})
	if e := res(t, c.dicomFrame([]js.Value{h, js.ValueOf(1)})); e["error"] == nil || !strings.Contains(e["error"].(string), "closed") {
		t.Fatalf("after close: %v", e)
	}

	// Bad files: one clear error each, nothing identifying.
	good := mono3()
	for what, data := range map[string][]byte{
		"truncated":   good[:len(good)-200],
		"unsupported": dicomtest.File("1.2.840.10008.1.2.4.91", dicomtest.Image(6, 8, "MONOCHROME2", 1, 16, 0)...),
		"no pixels":   dicomtest.File(explicitLE, dicomtest.Image(6, 8, "MONOCHROME2", 1, 16, 0)...),
		"absurd":      dicomtest.File(explicitLE, append(dicomtest.Image(60000, 60000, "MONOCHROME2", 1, 16, 9000), dicomtest.Pixels("OW", []byte{1, 2}))...),
		"not dicom":   []byte("hello world"),
	} {
		e := res(t, c.dicomOpen([]js.Value{u8(data)}))
		if e["error"] == nil || e["handle"] != nil {
			t.Fatalf("%s: %v", what, jsonOf(e))
		}
		noSecrets(t, what, e)
	}
	if e := res(t, c.dicomOpen(nil)); e["error"] == nil {
		t.Fatal("no argument accepted")
	}
	var syn []any = dicomSyntaxes(nil).([]any)
	if len(syn) < 10 {
		t.Fatal(len(syn))
	}
}

func TestDicomAnalyzeAndWindowedAnalyze(t *testing.T) {
	c := plantedCore(t)
	// An RGB frame with a red spot, a grey one without.
	const rows, cols = 48, 64
	var px []byte
	for f := 0; f < 2; f++ {
		for y := 0; y < rows; y++ {
			for x := 0; x < cols; x++ {
				if f == 0 && x >= 30 && x < 50 && y >= 10 && y < 30 {
					px = append(px, 240, 12, 12)
				} else {
					n := byte((x + y) % 20)
					px = append(px, 120+n, 120+n, 120+n)
				}
			}
		}
	}
	data := dicomtest.File(explicitLE, append(dicomtest.Image(rows, cols, "RGB", 3, 8, 2), dicomtest.Pixels("OB", px))...)
	info := res(t, c.dicomOpen([]js.Value{u8(data)}))
	h := js.ValueOf(info["handle"])
	var scores [2]float64
	for n := 1; n <= 2; n++ {
		r := res(t, c.dicomAnalyze([]js.Value{h, js.ValueOf(n), js.ValueOf("object")}))
		if r["error"] != nil {
			t.Fatal(r["error"])
		}
		noSecrets(t, "dicomAnalyze", r)
		if r["frame"] != n || r["frames"] != 2 || r["width"] != cols || r["height"] != rows || r["window"] != nil ||
			r["name"] != r["id"] || r["map"].(js.Value).Get("length").Int() == 0 {
			t.Fatalf("frame %d: %v", n, jsonOf(map[string]any{"frame": r["frame"], "name": r["name"], "id": r["id"], "w": r["width"]}))
		}
		scores[n-1] = r["mapMax"].(float64)
	}
	if scores[0] <= scores[1] {
		t.Fatalf("the spotted frame does not score higher: %v", scores)
	}
	// analyze() takes DICOM bytes too (frame from opts) …
	r := res(t, c.analyze([]js.Value{u8(data), js.ValueOf("a1b2"), js.ValueOf("object"), js.Undefined(), obj(map[string]any{"frame": 2})}))
	if r["error"] != nil || r["frame"] != 2 || r["name"] != "a1b2" || r["mapMax"].(float64) != scores[1] {
		t.Fatalf("analyze(DICOM): %v", jsonOf(map[string]any{"e": r["error"], "f": r["frame"], "m": r["mapMax"]}))
	}
	// … and windows 16-bit grey PNGs.
	g := image.NewGray16(image.Rect(0, 0, 30, 20))
	for i := 0; i < 600; i++ {
		g.SetGray16(i%30, i/30, color.Gray16{Y: uint16(500 + i)})
	}
	var b bytes.Buffer
	png.Encode(&b, g)
	r = res(t, c.analyze([]js.Value{u8(b.Bytes()), js.ValueOf("x"), js.ValueOf("object"), js.ValueOf(4), obj(map[string]any{"auto": "percentile"})}))
	if r["error"] != nil || r["window"].(map[string]any)["source"] != "percentile" || r["sigma"] != 4.0 || len(r["id"].(string)) != 16 {
		t.Fatalf("analyze(16-bit PNG): %v", r["error"])
	}
	// Plain PNG/JPEG analysis is unchanged: no window.
	r = res(t, c.analyze([]js.Value{u8(synth.PlantedPNG(60, 40, nil, 1, false)), js.ValueOf("p"), js.ValueOf("object")}))
	if r["error"] != nil || r["window"] != nil {
		t.Fatalf("analyze(PNG): %v", r["error"])
	}
}
