package main

import (
	"flag"
	"fmt"
	"math"
	"os"

	"github.com/clipad/clipad/model/detect"
	"github.com/clipad/clipad/model/imageio"
	"github.com/clipad/clipad/model/preprocess"
	"github.com/clipad/clipad/model/vision"
	"github.com/clipad/clipad/model/weights"
	"github.com/clipad/clipad/quantize"
)

func init() {
	register("fidelity", "compare int8/int4 bundles with f32 on images: feature cosines, map Pearson r, score differences", runFidelity)
}

// quantizedModel writes set as a bundle of dtype into a temporary
// directory and loads it back the way the browser does.
func quantizedModel(set weights.Set, m *vision.Model, id, dtype string) (*vision.Model, error) {
	dir, err := os.MkdirTemp("", "clipad-fidelity-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if _, err := quantize.WriteBundle(dir, m.Cfg, set, id, quantize.WriteOptions{DType: dtype}); err != nil {
		return nil, err
	}
	q, _, err := loadBundle(dir)
	return q, err
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

func pearson(a, b []float32) float64 {
	var ma, mb float64
	for i := range a {
		ma += float64(a[i])
		mb += float64(b[i])
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var ab, aa, bb float64
	for i := range a {
		x, y := float64(a[i])-ma, float64(b[i])-mb
		ab += x * y
		aa += x * x
		bb += y * y
	}
	return ab / math.Sqrt(aa*bb)
}

func runFidelity(args []string) error {
	fs := flag.NewFlagSet("fidelity", flag.ContinueOnError)
	wPath := fs.String("weights", "", "open_clip safetensors file (f32 reference)")
	cfgFlag := fs.String("config", "", "config name or open_clip_config.json (default: the one beside the weights)")
	textPath := fs.String("text", "", "text-vector asset (default: text_vectors.json beside the weights)")
	category := fs.String("category", "object", "category")
	if err := fs.Parse(args); err != nil {
		return err
	}
	inputs, err := collectInputs(fs.Args())
	if err != nil {
		return err
	}
	cfg, err := resolveConfig(*cfgFlag, *wPath)
	if err != nil {
		return err
	}
	set, err := weights.LoadSafetensors(*wPath, cfg, weights.VisionTower)
	if err != nil {
		return err
	}
	id, err := weights.FileModelID(*wPath, cfg)
	if err != nil {
		return err
	}
	asset, err := loadTextAsset(textPath, *wPath)
	if err != nil {
		return err
	}
	cat, err := asset.Get(*category)
	if err != nil {
		return err
	}
	ref, err := vision.New(cfg, set)
	if err != nil {
		return err
	}
	models := map[string]*vision.Model{"f32": ref}
	for _, dt := range []string{"int8", "int4"} {
		if models[dt], err = quantizedModel(set, ref, id, dt); err != nil {
			return err
		}
	}
	type acc struct {
		minCos, sumCos float64
		n              int
		minEmb         float64
		maps           []float32 // every image's smoothed map, concatenated (pooled r: one flat map alone would make a per-image r meaningless)
		s0, s1         []float64
	}
	res := map[string]*acc{}
	for _, dt := range []string{"f32", "int8", "int4"} {
		res[dt] = &acc{minCos: 1, minEmb: 1}
	}
	pb := newProgress("fidelity", len(inputs))
	used := 0
	for _, p := range inputs {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		img, _, err := imageio.DecodeWindowed(data, p, imageio.DefaultLimits(), imageio.Window{})
		if err != nil {
			fmt.Fprintf(os.Stderr, "\nfidelity: %v (skipped)\n", err)
			pb.Add(1, "")
			continue
		}
		x, err := preprocess.CLIPInput(img, cfg.Vision.ImageSize)
		if err != nil {
			return err
		}
		outs := map[string]*vision.Output{}
		recs := map[string]*detect.Record{}
		for dt, m := range models {
			d, err := detect.New(m, id, asset, detect.Options{})
			if err != nil {
				return err
			}
			o, err := m.Forward(x, vision.Options{}, nil)
			if err != nil {
				return err
			}
			outs[dt] = o
			if recs[dt], err = d.ScoreOutput(o, p, cat.Name); err != nil {
				return err
			}
		}
		E := cfg.EmbedDim
		for dt, o := range outs {
			a := res[dt]
			for k := 0; k < 4; k++ {
				for t := 0; t < cfg.Vision.Tokens(); t++ {
					c := cosine(o.Features[k][t*E:(t+1)*E], outs["f32"].Features[k][t*E:(t+1)*E])
					a.minCos = math.Min(a.minCos, c)
					a.sumCos += c
					a.n++
				}
			}
			a.minEmb = math.Min(a.minEmb, cosine(o.ImageEmbed, outs["f32"].ImageEmbed))
			a.maps = append(a.maps, recs[dt].Map...)
			a.s0 = append(a.s0, recs[dt].ProbAbnormal)
			a.s1 = append(a.s1, recs[dt].MapMax)
		}
		used++
		pb.Add(1, "")
	}
	pb.Done()
	if used < 2 {
		return fmt.Errorf("need at least two readable images")
	}
	ref0, _ := detect.BatchScores(res["f32"].s0, res["f32"].s1)
	fmt.Printf("\n%d images, model %s, category %s\n\n", used, id, cat.Name)
	fmt.Println("| weights | stage-feature cosine min | mean | image-embedding cosine min | smoothed-map Pearson r (all pixels of all images) | max batch-score difference | max single-score difference |")
	fmt.Println("|---|---|---|---|---|---|---|")
	cal := detect.Calibration(cat)
	for _, dt := range []string{"f32", "int8", "int4"} {
		a := res[dt]
		sc, _ := detect.BatchScores(a.s0, a.s1)
		var dBatch, dSingle float64
		for i := range sc {
			dBatch = math.Max(dBatch, math.Abs(sc[i]-ref0[i]))
			s, _ := cal.Score(a.s0[i], a.s1[i])
			r, _ := cal.Score(res["f32"].s0[i], res["f32"].s1[i])
			dSingle = math.Max(dSingle, math.Abs(s-r))
		}
		fmt.Printf("| %s | %.5f | %.5f | %.5f | %.5f | %.4f | %.4f |\n", dt, a.minCos, a.sumCos/float64(a.n), a.minEmb, pearson(a.maps, res["f32"].maps), dBatch, dSingle)
	}
	return nil
}
