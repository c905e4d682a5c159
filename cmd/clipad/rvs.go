package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/clipad/clipad/model/prompts"
	"github.com/clipad/clipad/model/rvs"
	"github.com/clipad/clipad/model/text"
	"github.com/clipad/clipad/model/textvec"
	"github.com/clipad/clipad/model/tokenizer"
	"github.com/clipad/clipad/model/weights"
)

func init() {
	register("rvs", "compute the text-vector asset (RVS representative vectors per category) for a model", runRVS)
}

func runRVS(args []string) error {
	fs := flag.NewFlagSet("rvs", flag.ContinueOnError)
	wPath := fs.String("weights", "", "open_clip safetensors file with the text tower")
	cfgFlag := fs.String("config", "", "config name or open_clip_config.json (default: the one beside the weights)")
	tokDir := fs.String("tokenizer", "", "directory with vocab.json+merges.txt or bpe_simple_vocab_16e6.txt.gz (default: beside the weights)")
	cats := fs.String("categories", "", "comma-separated categories (default: the shipped set: MVTec-AD, VisA, object, medical)")
	reducer := fs.String("reducer", rvs.MethodDBSCAN, "RVS reducer: "+strings.Join(rvs.Methods(), ", "))
	dataset := fs.String("dataset", "", "dataset whose DBSCAN parameters to use for every category (default: each category's own: visa eps 1.5/25, others 0.5/15)")
	out := fs.String("out", "", "output file (default: text_vectors.json beside the weights)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *wPath == "" {
		return fmt.Errorf("-weights is required")
	}
	cfg, err := resolveConfig(*cfgFlag, *wPath)
	if err != nil {
		return err
	}
	if *tokDir == "" {
		*tokDir = filepath.Dir(*wPath)
	}
	tok, err := tokenizer.LoadDir(*tokDir)
	if err != nil {
		return fmt.Errorf("tokenizer: %w (pass -tokenizer DIR)", err)
	}
	set, err := weights.LoadSafetensors(*wPath, cfg, weights.TextTower)
	if err != nil {
		return err
	}
	id, err := weights.FileModelID(*wPath, cfg)
	if err != nil {
		return err
	}
	tm, err := text.New(cfg, set)
	if err != nil {
		return err
	}
	var list []prompts.Category
	if *cats == "" {
		list = prompts.Default()
	} else {
		for _, n := range strings.Split(*cats, ",") {
			c, _ := prompts.Lookup(strings.TrimSpace(n))
			list = append(list, c)
		}
	}
	asset := &textvec.Asset{ModelID: id, Config: cfg.Name, EmbedDim: cfg.EmbedDim, Templates: prompts.Templates,
		Note: "CLIP-AD RVS text vectors (spec §2); medical categories use clipad's own state phrases"}
	total := 0
	for _, c := range list {
		total += (len(c.Normal) + len(c.Abnormal)) * len(prompts.Templates)
	}
	pb := newProgress("rvs", total)
	for _, c := range list {
		ds := c.Dataset
		if *dataset != "" {
			ds = *dataset
		}
		entry := textvec.Category{Name: c.Name, PromptName: c.PromptName, Dataset: c.Dataset, Medical: c.Medical,
			Reducer: *reducer, NormalStates: c.Normal, AbnormalStates: c.Abnormal}
		if *reducer == rvs.MethodDBSCAN {
			eps, ms := rvs.DBSCANParams(ds)
			entry.Params = map[string]any{"eps": eps, "min_samples": ms, "dataset": ds}
		}
		for state, phrases := range [][]string{c.Normal, c.Abnormal} {
			sents := prompts.Sentences(phrases, c.PromptName)
			ids, err := tok.Tokenize(sents, cfg.Text.Context)
			if err != nil {
				return err
			}
			emb, err := tm.Embed(ids)
			if err != nil {
				return err
			}
			v, err := rvs.Reduce(*reducer, emb, ds)
			if err != nil {
				return fmt.Errorf("category %s: %w", c.Name, err)
			}
			entry.Sentences[state] = len(sents)
			if state == 0 {
				entry.Normal = v
			} else {
				entry.Abnormal = v
			}
			pb.Add(len(sents), c.Name)
		}
		asset.Categories = append(asset.Categories, entry)
	}
	pb.Done()
	if *out == "" {
		*out = defaultTextPath(*wPath)
	}
	if err := asset.Save(*out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%d categories for model %s written to %s\n", len(asset.Categories), id, *out)
	return nil
}
