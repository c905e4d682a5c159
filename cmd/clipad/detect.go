package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/clipad/clipad/model/anomaly"
	"github.com/clipad/clipad/model/detect"
	"github.com/clipad/clipad/model/imageio"
)

func init() {
	register("detect", "find anomalies in images, folders or globs: JSON records, heatmap PNGs, CSV summary", runDetect)
}

var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true,
	".tif": true, ".tiff": true, ".dcm": true, ".dicom": true}

// collectInputs expands files, folders (recursively) and globs, sorted and
// de-duplicated. In folders it takes PNG, JPEG, TIFF and DICOM files by
// extension, and other files (extensionless or UID-named DICOM) when they
// start like a DICOM file.
func collectInputs(args []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, a := range args {
		matches := []string{a}
		if strings.ContainsAny(a, "*?[") {
			m, err := filepath.Glob(a)
			if err != nil {
				return nil, fmt.Errorf("bad pattern %q: %v", a, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("no file matches %q", a)
			}
			matches = m
		}
		for _, p := range matches {
			st, err := os.Stat(p)
			if err != nil {
				return nil, err
			}
			if !st.IsDir() {
				add(p)
				continue
			}
			n := 0
			err = filepath.WalkDir(p, func(q string, de os.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !de.IsDir() && (imageExts[strings.ToLower(filepath.Ext(q))] || sniffDICOM(q)) {
					add(q)
					n++
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			if n == 0 {
				return nil, fmt.Errorf("folder %s holds no PNG, JPEG, TIFF or DICOM images", p)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// stemFor makes a unique, readable output name for an input path.
func stemFor(p string, used map[string]bool) string {
	base := filepath.Base(p)
	if imageExts[strings.ToLower(filepath.Ext(base))] { // keep UID-named DICOM files whole
		base = strings.TrimSuffix(base, filepath.Ext(base))
	}
	stem := base
	dir := filepath.Dir(p)
	for used[stem] && dir != "." && dir != "/" {
		stem = filepath.Base(dir) + "__" + stem
		dir = filepath.Dir(dir)
	}
	for i := 2; used[stem]; i++ {
		stem = fmt.Sprintf("%s_%d", base, i)
	}
	used[stem] = true
	return stem
}

func defaultTextPath(weights string) string {
	dir := weights
	if st, err := os.Stat(weights); err == nil && !st.IsDir() {
		dir = filepath.Dir(weights)
	}
	return filepath.Join(dir, "text_vectors.json")
}

func runDetect(args []string) error {
	fs := flag.NewFlagSet("detect", flag.ContinueOnError)
	wPath := fs.String("weights", "", "open_clip safetensors file, bundle directory or ONNX file")
	cfgFlag := fs.String("config", "", "config name or open_clip_config.json (default: the one beside the weights)")
	textPath := fs.String("text", "", "text-vector asset (default: text_vectors.json beside the weights)")
	category := fs.String("category", "object", "category of the images (see the text-vector asset)")
	sigma := fs.Float64("sigma", detect.DefaultSigma, "Gaussian σ of the anomaly map in model pixels (0: none)")
	mode := fs.String("mode", detect.ModeBatch, "image score: batch (min–max over this run, the paper's protocol) or single (fixed calibration)")
	out := fs.String("out", "clipad-out", "output directory")
	clean := fs.Bool("clean-class-row", false, "use the clean stage class rows instead of the official in-place quirk")
	noPNG := fs.Bool("no-png", false, "skip heatmap PNGs")
	sdpPlus := fs.String("sdp-plus", "", sdpPlusUsage)
	windowFlag := fs.String("window", "", "window for monochrome DICOM frames and 16-bit gray PNG/TIFF: file (default: the DICOM's own window, else min–max), minmax, percentile (0.5–99.5%), or CENTER,WIDTH[,LINEAR|LINEAR_EXACT|SIGMOID] (e.g. 40,80)")
	hashNames := fs.Bool("hash-names", false, "name outputs and records by an anonymous image ID (SHA-256 of the pixel data or file) instead of the input path")
	if err := fs.Parse(args); err != nil {
		return err
	}
	win, err := imageio.ParseWindow(*windowFlag)
	if err != nil {
		return fmt.Errorf("-window: %w", err)
	}
	if *mode != detect.ModeBatch && *mode != detect.ModeSingle {
		return fmt.Errorf("-mode must be batch or single, not %q", *mode)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("give images, folders or globs to analyse")
	}
	inputs, err := collectInputs(fs.Args())
	if err != nil {
		return err
	}
	m, id, err := loadVision(*wPath, *cfgFlag)
	if err != nil {
		return err
	}
	asset, err := loadTextAsset(textPath, *wPath)
	if err != nil {
		return err
	}
	sg := *sigma
	if sg == 0 {
		sg = -1
	}
	head, err := loadSDPPlus(*sdpPlus, *wPath, m.Cfg, id)
	if err != nil {
		return err
	}
	sigmaHint(head, *sigma)
	d, err := detect.New(m, id, asset, detect.Options{Sigma: sg, CleanClassRow: *clean, SDPPlus: head})
	if err != nil {
		return err
	}
	if c, err := asset.Get(*category); err != nil {
		return err
	} else if c.Medical {
		fmt.Fprintln(os.Stderr, medicalNote)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	pb := newProgress("detect", len(inputs))
	used := map[string]bool{}
	var outs []*inputRecord
	failed := 0
	mo := medicalOptions{window: win, hashNames: *hashNames, limits: d.Opt.Limits, category: *category, modelID: id, outDir: *out, noPNG: *noPNG}
	for _, p := range inputs {
		stem := ""
		if !*hashNames {
			stem = stemFor(p, used)
		}
		rs, nf := analyseFile(d, p, stem, used, mo)
		outs = append(outs, rs...)
		failed += nf
		pb.Add(1, "")
	}
	pb.Done()
	records := make([]*detect.Record, len(outs))
	for i, r := range outs {
		records[i] = r.Record
	}
	if *mode == detect.ModeBatch {
		if err := detect.ApplyBatch(records); err != nil {
			return err
		}
	}
	for _, r := range outs {
		b, _ := json.MarshalIndent(r, "", " ")
		if err := os.WriteFile(filepath.Join(*out, r.stem+".json"), b, 0o644); err != nil {
			return err
		}
	}
	all, _ := json.MarshalIndent(outs, "", " ")
	if err := os.WriteFile(filepath.Join(*out, "results.json"), all, 0o644); err != nil {
		return err
	}
	if err := writeSummaryCSV(filepath.Join(*out, "summary.csv"), outs); err != nil {
		return err
	}
	fmt.Printf("%d images analysed, %d failed; records, heatmaps and summary.csv in %s\n", len(outs)-failed, failed, *out)
	if failed == len(outs) {
		return fmt.Errorf("no image could be analysed")
	}
	return nil
}

func writeSummaryCSV(path string, rs []*inputRecord) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"file", "output", "category", "width", "height", "prob_abnormal", "map_max", "score", "score_mode", "ms", "error", "source", "frame", "image_id"})
	for _, r := range rs {
		frame := ""
		if r.Frame > 0 {
			frame = fmt.Sprint(r.Frame)
		}
		w.Write([]string{r.Name, r.stem, r.Category, fmt.Sprint(r.Width), fmt.Sprint(r.Height),
			fmt.Sprintf("%.6g", r.ProbAbnormal), fmt.Sprintf("%.6g", r.MapMax), fmt.Sprintf("%.6g", r.Score),
			r.ScoreMode, fmt.Sprint(r.Millis), r.Error, r.Source, frame, r.ImageID})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeHeatmapsImage writes <stem>_overlay.png (JET at α 0.5 over the
// image the detector saw — a windowed DICOM frame or 16-bit image included —
// as the official code draws it, at the original size) and <stem>_map.png
// (the smoothed map at the original size, 16-bit grey, scaled from the
// record's map_min..map_max).
func writeHeatmapsImage(dir, stem string, img image.Image, r *detect.Record) error {
	rgb, err := imageio.RGB8(img)
	if err != nil {
		return err
	}
	full, err := anomaly.ToOriginal(r.Map, r.Size, rgb.W, rgb.H)
	if err != nil {
		return err
	}
	ov, err := anomaly.Overlay(rgb.Pix, rgb.W, rgb.H, full, 0.5)
	if err != nil {
		return err
	}
	o := image.NewRGBA(image.Rect(0, 0, rgb.W, rgb.H))
	for i := 0; i < rgb.W*rgb.H; i++ {
		o.Pix[4*i], o.Pix[4*i+1], o.Pix[4*i+2], o.Pix[4*i+3] = ov[3*i], ov[3*i+1], ov[3*i+2], 255
	}
	if err := savePNG(filepath.Join(dir, stem+"_overlay.png"), o); err != nil {
		return err
	}
	g := image.NewGray16(image.Rect(0, 0, rgb.W, rgb.H))
	span := r.MapMax - r.MapMin
	for i, v := range full {
		q := 0.0
		if span > 0 {
			q = (float64(v) - r.MapMin) / span
		}
		g.SetGray16(i%rgb.W, i/rgb.W, color.Gray16{Y: uint16(max(0, min(1, q))*65535 + 0.5)})
	}
	return savePNG(filepath.Join(dir, stem+"_map.png"), g)
}

func savePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
