package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/dump"
	"github.com/clipad/clipad/model/text"
	"github.com/clipad/clipad/model/tokenizer"
	"github.com/clipad/clipad/model/vision"
	"github.com/clipad/clipad/model/weights"
)

func init() {
	register("forward", "run the engine on one image (and sentences) and dump every tensor for parity checks", runForward)
}

type stringList []string

func (s *stringList) String() string     { return fmt.Sprint(*s) }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runForward(args []string) error {
	fs := flag.NewFlagSet("forward", flag.ContinueOnError)
	cfgName := fs.String("config", config.Default, "built-in config name or open_clip config JSON")
	wPath := fs.String("weights", "", "open_clip safetensors file (required)")
	imgPath := fs.String("image", "", "image file (PNG/JPEG); empty: a deterministic synthetic input tensor")
	tokDir := fs.String("tokenizer", "", "directory with the CLIP BPE vocabulary (bpe_simple_vocab_16e6.txt.gz or vocab.json+merges.txt)")
	out := fs.String("out", "", "dump directory (required)")
	clean := fs.Bool("clean-class-row", false, "use h_{3k} for the stage class rows instead of the official in-place quirk (spec §3.4)")
	var sentences stringList
	fs.Var(&sentences, "text", "a sentence for the text tower (repeatable; needs -tokenizer)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *wPath == "" || *out == "" {
		return fmt.Errorf("-weights and -out are required")
	}
	cfg, err := config.Load(*cfgName)
	if err != nil {
		return err
	}
	towers := weights.VisionTower
	if len(sentences) > 0 {
		towers |= weights.TextTower
	}
	t0 := time.Now()
	set, err := weights.LoadSafetensors(*wPath, cfg, towers)
	if err != nil {
		return err
	}
	w, err := dump.Create(*out)
	if err != nil {
		return err
	}
	v := cfg.Vision
	S, T, W, E := v.ImageSize, v.Tokens(), v.Width, cfg.EmbedDim
	img, err := loadInput(*imgPath, S)
	if err != nil {
		return err
	}
	vm, err := vision.New(cfg, set)
	if err != nil {
		return err
	}
	tLoad := time.Since(t0)
	t1 := time.Now()
	o, err := vm.Forward(img, vision.Options{CleanClassRow: *clean, KeepBlocks: true}, nil)
	if err != nil {
		return err
	}
	tVision := time.Since(t1)
	errs := []error{w.Float32("image_input", []int{1, 3, S, S}, img)}
	for b, h := range o.Blocks {
		errs = append(errs, w.Float32(fmt.Sprintf("block_%d", b+1), []int{1, T, W}, h))
	}
	for k := 0; k < 4; k++ {
		errs = append(errs,
			w.Float32(fmt.Sprintf("original_%d", k+1), []int{1, T, W}, o.Original[k]),
			w.Float32(fmt.Sprintf("surgery_%d", k+1), []int{1, T, W}, o.Surgery[k]),
			w.Float32(fmt.Sprintf("features_%d", k+1), []int{1, T, E}, o.Features[k]))
	}
	errs = append(errs, w.Float32("image_embed", []int{1, E}, o.ImageEmbed))
	if len(sentences) > 0 {
		if *tokDir == "" {
			return fmt.Errorf("-text needs -tokenizer")
		}
		tok, err := tokenizer.LoadDir(*tokDir)
		if err != nil {
			return err
		}
		ids, err := tok.Tokenize(sentences, cfg.Text.Context)
		if err != nil {
			return err
		}
		tm, err := text.New(cfg, set)
		if err != nil {
			return err
		}
		feats, err := tm.Encode(ids)
		if err != nil {
			return err
		}
		flat, flatIDs := []float32{}, []int32{}
		for i := range feats {
			flat = append(flat, feats[i]...)
			flatIDs = append(flatIDs, ids[i]...)
		}
		emb, _ := tm.Embed(ids)
		flatEmb := []float32{}
		for _, e := range emb {
			flatEmb = append(flatEmb, e...)
		}
		n := len(sentences)
		errs = append(errs,
			w.Int32("tokens", []int{n, cfg.Text.Context}, flatIDs),
			w.Float32("text_features", []int{n, E}, flat),
			w.Float32("text_embed", []int{n, E}, flatEmb))
	}
	w.Meta("config", cfg.Name)
	w.Meta("load_ms", tLoad.Milliseconds())
	w.Meta("vision_forward_ms", tVision.Milliseconds())
	errs = append(errs, w.Close())
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	fmt.Fprintf(os.Stderr, "forward %s: load %v, dual-path vision forward %v, dump in %s\n", cfg.Name, tLoad.Round(time.Millisecond), tVision.Round(time.Millisecond), *out)
	return nil
}
