//go:build js && wasm

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"syscall/js"

	"github.com/clipad/clipad/model/detect"
	"github.com/clipad/clipad/model/dicom"
	"github.com/clipad/clipad/model/imageio"
)

// DICOM and 16-bit inputs (see doc.go for the contract with the page).
// Nothing here returns an identifying DICOM attribute: model/dicom never
// reads them.

// dicomFiles holds the files opened with dicomOpen, by handle.
type dicomFiles struct {
	next  int
	files map[int]*dicom.File
}

func (c *core) dicomFile(v js.Value) (*dicom.File, error) {
	if v.Type() != js.TypeNumber {
		return nil, fmt.Errorf("the first argument must be a handle from dicomOpen")
	}
	f := c.dicom.files[v.Int()]
	if f == nil {
		return nil, fmt.Errorf("no open DICOM file with handle %d (closed?)", v.Int())
	}
	return f, nil
}

// optsArg returns args[i] if it is an object, else undefined.
func optsArg(args []js.Value, i int) js.Value {
	if len(args) > i && args[i].Type() == js.TypeObject {
		return args[i]
	}
	return js.Undefined()
}

// windowOpt reads {center, width, function, auto} from an options object.
func windowOpt(o js.Value) imageio.Window {
	var w imageio.Window
	if o.Type() != js.TypeObject {
		return w
	}
	if v := o.Get("center"); v.Type() == js.TypeNumber {
		w.Center = v.Float()
	}
	if v := o.Get("width"); v.Type() == js.TypeNumber {
		w.Width = v.Float()
	}
	if v := o.Get("function"); v.Type() == js.TypeString {
		w.Function = v.String()
	}
	if v := o.Get("auto"); v.Type() == js.TypeString {
		w.Auto = v.String()
	}
	return w
}

func windowObj(w *imageio.Window) any {
	if w == nil {
		return nil
	}
	return map[string]any{"center": w.Center, "width": w.Width, "function": w.Function, "source": w.Source}
}

func windowsArr(ws []imageio.Window) []any {
	out := make([]any, len(ws))
	for i := range ws {
		out[i] = windowObj(&ws[i])
	}
	return out
}

func infoObj(handle int, in *dicom.Info) map[string]any {
	return map[string]any{
		"handle": handle, "id": in.ID, "frames": in.Frames, "rows": in.Rows, "columns": in.Columns,
		"modality": in.Modality, "instanceNumber": in.InstanceNumber, "seriesKey": in.SeriesKey, "photometric": in.Photometric, "samplesPerPixel": in.SamplesPerPixel,
		"bitsAllocated": in.BitsAllocated, "bitsStored": in.BitsStored, "signed": in.Signed, "color": in.Color,
		"rescaleSlope": in.RescaleSlope, "rescaleIntercept": in.RescaleIntercept, "windows": windowsArr(in.Windows),
		"transferSyntax": in.TransferSyntax, "transferSyntaxName": in.TransferSyntaxName,
	}
}

// dicomOpen(bytes) → info (with handle) | {error}
func (c *core) dicomOpen(args []js.Value) any {
	if len(args) < 1 || args[0].Type() != js.TypeObject {
		return map[string]any{"error": "dicomOpen(bytes) needs the file's bytes (Uint8Array)"}
	}
	f, err := dicom.Open(bytesArg(args[0]), "", dicom.Limits{})
	if err != nil {
		return errObj(err)
	}
	if c.dicom.files == nil {
		c.dicom.files = map[int]*dicom.File{}
	}
	c.dicom.next++
	h := c.dicom.next
	c.dicom.files[h] = f
	return infoObj(h, &f.Info)
}

// dicomClose(handle) → null
func (c *core) dicomClose(args []js.Value) any {
	if len(args) > 0 && args[0].Type() == js.TypeNumber {
		delete(c.dicom.files, args[0].Int())
	}
	return nil
}

func rgbaArray(img image.Image) (js.Value, int, int) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	buf := make([]byte, 4*w*h)
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+w]
			o := buf[4*y*w:]
			for x, v := range row {
				o[4*x], o[4*x+1], o[4*x+2], o[4*x+3] = v, v, v, 255
			}
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			copy(buf[4*y*w:4*(y+1)*w], m.Pix[y*m.Stride:])
		}
	default:
		im8, err := imageio.RGB8(img)
		if err == nil {
			for i := 0; i < w*h; i++ {
				buf[4*i], buf[4*i+1], buf[4*i+2], buf[4*i+3] = im8.Pix[3*i], im8.Pix[3*i+1], im8.Pix[3*i+2], 255
			}
		}
	}
	a := js.Global().Get("Uint8ClampedArray").New(len(buf))
	js.CopyBytesToJS(a, buf)
	return a, w, h
}

// dicomFrame(handle, frame, opts?) → {frame, width, height, id, window, windows, range, rgba} | {error}
func (c *core) dicomFrame(args []js.Value) any {
	if len(args) < 2 || args[1].Type() != js.TypeNumber {
		return map[string]any{"error": "dicomFrame(handle, frame[, opts]) needs a handle and a 1-based frame number"}
	}
	f, err := c.dicomFile(args[0])
	if err != nil {
		return errObj(err)
	}
	o := optsArg(args, 2)
	img, win, fr, err := f.Render(args[1].Int(), windowOpt(o))
	if err != nil {
		return errObj(err)
	}
	rgba, w, h := rgbaArray(img)
	res := map[string]any{"frame": fr.Number, "width": w, "height": h, "id": fr.ID, "window": windowObj(win),
		"windows": windowsArr(fr.Windows), "range": nil, "rgba": rgba}
	if fr.Mono != nil {
		lo, hi := fr.Mono.Range()
		res["range"] = map[string]any{"min": lo, "max": hi}
	}
	return res
}

// detectorFor returns the detector, or one with another σ when sigma is a
// number that differs from the current one.
func (c *core) detectorFor(sigma js.Value) (*detect.Detector, error) {
	d := c.det
	if sigma.Type() == js.TypeNumber && sigma.Float() != d.Opt.Sigma {
		opt := d.Opt
		opt.Sigma = sigma.Float()
		return detect.New(c.model, c.id, c.text, opt)
	}
	return d, nil
}

func recordObj(r *detect.Record) map[string]any {
	return map[string]any{
		"name": r.Name, "category": r.Category, "width": r.Width, "height": r.Height,
		"grid": r.Grid, "size": r.Size, "probAbnormal": r.ProbAbnormal, "mapMax": r.MapMax,
		"score": r.Score, "scoreMode": r.ScoreMode, "sigma": r.Sigma, "ms": r.Millis, "modelId": r.ModelID,
		"patchMap": f32Array(r.PatchMap), "map": f32Array(r.Map),
	}
}

// dicomAnalyze(handle, frame, category, opts?) → analyze's result + {frame, frames, id, window} | {error}
// opts: {center, width, function, auto, sigma, name}
func (c *core) dicomAnalyze(args []js.Value) any {
	if c.det == nil {
		return map[string]any{"error": "model or text vectors not loaded"}
	}
	if len(args) < 3 || args[1].Type() != js.TypeNumber {
		return map[string]any{"error": "dicomAnalyze(handle, frame, category[, opts]) needs three arguments"}
	}
	f, err := c.dicomFile(args[0])
	if err != nil {
		return errObj(err)
	}
	o := optsArg(args, 3)
	sigma := js.Undefined()
	if o.Type() == js.TypeObject {
		sigma = o.Get("sigma")
	}
	d, err := c.detectorFor(sigma)
	if err != nil {
		return errObj(err)
	}
	img, win, fr, err := f.Render(args[1].Int(), windowOpt(o))
	if err != nil {
		return errObj(err)
	}
	name := fr.ID
	if o.Type() == js.TypeObject && o.Get("name").Type() == js.TypeString {
		name = o.Get("name").String()
	}
	r, err := d.AnalyzeImage(img, name, args[2].String())
	if err != nil {
		return errObj(err)
	}
	res := recordObj(r)
	res["frame"], res["frames"], res["id"], res["window"] = fr.Number, f.Frames, fr.ID, windowObj(win)
	return res
}

// analyzeBytes is analyze's decoding: PNG/JPEG/TIFF (16-bit gray windowed
// with opts) or DICOM (frame opts.frame, default 1).
func (c *core) analyzeBytes(d *detect.Detector, data []byte, name, cat string, o js.Value) (map[string]any, error) {
	win := windowOpt(o)
	if dicom.IsDICOM(data) {
		f, err := dicom.Open(data, "", dicom.Limits{Limits: d.Opt.Limits})
		if err != nil {
			return nil, err
		}
		n := 1
		if o.Type() == js.TypeObject && o.Get("frame").Type() == js.TypeNumber {
			n = o.Get("frame").Int()
		}
		img, w, fr, err := f.Render(n, win)
		if err != nil {
			return nil, err
		}
		r, err := d.AnalyzeImage(img, name, cat)
		if err != nil {
			return nil, err
		}
		res := recordObj(r)
		res["frame"], res["frames"], res["id"], res["window"] = fr.Number, f.Frames, fr.ID, windowObj(w)
		return res, nil
	}
	img, w, err := imageio.DecodeWindowed(data, name, d.Opt.Limits, win)
	if err != nil {
		return nil, err
	}
	r, err := d.AnalyzeImage(img, name, cat)
	if err != nil {
		return nil, err
	}
	res := recordObj(r)
	s := sha256.Sum256(data)
	res["id"], res["window"] = hex.EncodeToString(s[:8]), windowObj(w)
	return res, nil
}

// dicomSyntaxes() → [{uid, name, supported}]
func dicomSyntaxes([]js.Value) any {
	var out []any
	for _, s := range dicom.Syntaxes() {
		out = append(out, map[string]any{"uid": s.UID, "name": s.Name, "supported": s.Supported})
	}
	return out
}
