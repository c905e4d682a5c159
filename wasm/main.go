//go:build js && wasm

package main

import (
	"fmt"
	"runtime/debug"
	"syscall/js"

	"github.com/clipad/clipad/model/detect"
	"github.com/clipad/clipad/model/sdpplus"
	"github.com/clipad/clipad/model/textvec"
	"github.com/clipad/clipad/model/vision"
	"github.com/clipad/clipad/quantize"
)

// Version is the core's version string.
const Version = "clipad-core 1"

type core struct {
	loader *quantize.Loader
	model  *vision.Model
	id     string
	text   *textvec.Asset
	det    *detect.Detector
	dicom  dicomFiles
	// SDP+ layers shipped in the bundle (nil if none) and whether they are used.
	head   *sdpplus.Head
	useSDP bool
}

func errObj(err error) map[string]any { return map[string]any{"error": err.Error()} }

func bytesArg(v js.Value) []byte {
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

func f32Array(v []float32) js.Value {
	a := js.Global().Get("Float32Array").New(len(v))
	// copy through a byte view: no per-element JS calls
	u8 := js.Global().Get("Uint8Array").New(a.Get("buffer"))
	buf := make([]byte, 4*len(v))
	for i, f := range v {
		putF32(buf[4*i:], f)
	}
	js.CopyBytesToJS(u8, buf)
	return a
}

// guard turns panics (for instance out of memory) into an error result so
// one bad input never kills the worker silently.
func guard(f func(args []js.Value) any) js.Func {
	return js.FuncOf(func(this js.Value, args []js.Value) (res any) {
		defer func() {
			if r := recover(); r != nil {
				res = map[string]any{"error": fmt.Sprintf("internal error: %v", r)}
			}
		}()
		return f(args)
	})
}

func (c *core) loadManifest(args []js.Value) any {
	if len(args) < 1 {
		return map[string]any{"error": "loadManifest(json) needs the manifest"}
	}
	l, err := quantize.NewLoader([]byte(args[0].String()), "")
	if err != nil {
		return errObj(err)
	}
	c.loader, c.model, c.det = l, nil, nil
	shards := make([]any, len(l.M.Shards))
	for i, s := range l.M.Shards {
		shards[i] = map[string]any{"file": s.File, "bytes": s.Bytes, "sha256": s.SHA256}
	}
	return map[string]any{"modelId": l.M.ModelID, "totalBytes": l.M.TotalBytes, "dtype": l.M.DType,
		"synthetic": l.M.Synthetic, "sdpPlus": l.M.SDPPlus != nil, "shards": shards, "config": l.M.Config.Name, "size": l.M.Config.Vision.ImageSize}
}

func (c *core) feedShard(args []js.Value) any {
	if c.loader == nil {
		return "no manifest loaded"
	}
	if len(args) < 2 {
		return "feedShard(index, bytes) needs two arguments"
	}
	if err := c.loader.Feed(args[0].Int(), bytesArg(args[1])); err != nil {
		return err.Error()
	}
	return nil
}

func (c *core) finishModel(args []js.Value) any {
	if c.loader == nil {
		return "no manifest loaded"
	}
	set, err := c.loader.Weights(false)
	if err != nil {
		return err.Error()
	}
	m, err := vision.New(c.loader.M.Config, set)
	if err != nil {
		return err.Error()
	}
	head, err := sdpplus.FromBundle(c.loader.M, set)
	if err != nil {
		return err.Error()
	}
	c.model, c.id, c.head, c.useSDP = m, c.loader.M.ModelID, head, head != nil
	c.loader = nil
	debug.FreeOSMemory()
	return c.rebuild()
}

func (c *core) rebuild() any {
	c.det = nil
	if c.model == nil || c.text == nil {
		return nil
	}
	opt := detect.Options{}
	if c.useSDP {
		opt.SDPPlus = c.head
	}
	d, err := detect.New(c.model, c.id, c.text, opt)
	if err != nil {
		return err.Error()
	}
	c.det = d
	return nil
}

// setSDPPlus(on) switches the bundle's SDP+ layers on or off; it answers
// {available, enabled}.
func (c *core) setSDPPlus(args []js.Value) any {
	if len(args) > 0 {
		c.useSDP = args[0].Truthy() && c.head != nil
		if e := c.rebuild(); e != nil {
			return map[string]any{"error": e}
		}
	}
	return map[string]any{"available": c.head != nil, "enabled": c.useSDP}
}

func (c *core) setText(args []js.Value) any {
	if len(args) < 1 {
		return map[string]any{"error": "setText(json) needs the text-vector asset"}
	}
	a, err := textvec.Parse([]byte(args[0].String()))
	if err != nil {
		return errObj(err)
	}
	if c.model != nil {
		if err := a.CheckModel(c.id); err != nil {
			return errObj(err)
		}
	}
	c.text = a
	if e := c.rebuild(); e != nil {
		return map[string]any{"error": e}
	}
	var cats []any
	for _, cat := range a.Categories {
		cats = append(cats, map[string]any{"name": cat.Name, "dataset": cat.Dataset, "medical": cat.Medical})
	}
	return map[string]any{"modelId": a.ModelID, "categories": cats}
}

func (c *core) analyze(args []js.Value) any {
	if c.det == nil {
		return map[string]any{"error": "model or text vectors not loaded"}
	}
	if len(args) < 3 {
		return map[string]any{"error": "analyze(bytes, name, category[, sigma[, opts]]) needs three arguments"}
	}
	name, cat := args[1].String(), args[2].String()
	sigma := js.Undefined()
	if len(args) > 3 {
		sigma = args[3]
	}
	d, err := c.detectorFor(sigma)
	if err != nil {
		return errObj(err)
	}
	// opts (args[4]): window {center, width, function, auto} for 16-bit
	// gray PNG/TIFF and DICOM; frame (1-based) for DICOM bytes.
	res, err := c.analyzeBytes(d, bytesArg(args[0]), name, cat, optsArg(args, 4))
	if err != nil {
		return errObj(err)
	}
	return res
}

func floats(v js.Value) []float64 {
	n := v.Get("length").Int()
	out := make([]float64, n)
	for i := range out {
		out[i] = v.Index(i).Float()
	}
	return out
}

func (c *core) batchScores(args []js.Value) any {
	if len(args) < 2 {
		return map[string]any{"error": "batchScores(s0[], s1[]) needs two arrays"}
	}
	s, err := detect.BatchScores(floats(args[0]), floats(args[1]))
	if err != nil {
		return errObj(err)
	}
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func main() {
	// A tighter GC target keeps a worker's WASM memory (which never shrinks)
	// within about 1.5× the int8 bundle instead of 2.6× (make bench), at no
	// measurable cost to the forward.
	debug.SetGCPercent(25)
	c := &core{}
	api := map[string]any{
		"version":      Version,
		"loadManifest": guard(c.loadManifest),
		"feedShard":    guard(c.feedShard),
		"finishModel":  guard(c.finishModel),
		"setText":      guard(c.setText),
		"analyze":      guard(c.analyze),
		"batchScores":  guard(c.batchScores),
		"setSDPPlus":   guard(c.setSDPPlus),
		// DICOM and windowing (see doc.go)
		"dicomOpen":     guard(c.dicomOpen),
		"dicomFrame":    guard(c.dicomFrame),
		"dicomAnalyze":  guard(c.dicomAnalyze),
		"dicomClose":    guard(c.dicomClose),
		"dicomSyntaxes": guard(dicomSyntaxes),
		"jet":           guard(func([]js.Value) any { return jetTable() }),
	}
	addBenchAPI(c, api) // benchForward, splitForward, memStats (bench.go)
	js.Global().Set("clipad", js.ValueOf(api))
	if cb := js.Global().Get("onClipadReady"); cb.Type() == js.TypeFunction {
		cb.Invoke()
	}
	select {}
}
