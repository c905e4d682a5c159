package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/sdpplus"
	"github.com/clipad/clipad/model/weights"
	"github.com/clipad/clipad/quantize"
)

func init() {
	register("sdpplus-import", "import an official CLIP-AD SDP+ checkpoint (train_on_mvtec.pth / train_on_visa.pth) into clipad's format", runSDPPlusImport)
}

// sdpPlusUsage documents the -sdp-plus flag of detect (and eval).
const sdpPlusUsage = "SDP+ linear layers (spec §5): a checkpoint (.safetensors from 'clipad train' or 'clipad sdpplus-import', " +
	"or an official .pth), or 'bundle' for the layers stored in the -weights bundle; empty: plain SDP. " +
	"The official runs use -sigma 2 on VisA, 8 elsewhere"

// SDPPlusBundle as the -sdp-plus value takes the layers from the bundle.
const sdpPlusBundle = "bundle"

// loadSDPPlus resolves a -sdp-plus value for a loaded model (cfg, modelID)
// whose weights came from weightsPath. It returns nil for "".
func loadSDPPlus(val, weightsPath string, cfg config.Config, modelID string) (*sdpplus.Head, error) {
	if val == "" {
		return nil, nil
	}
	var h *sdpplus.Head
	var err error
	if val == sdpPlusBundle {
		h, err = bundleSDPPlus(weightsPath)
	} else {
		h, err = sdpplus.Load(val)
	}
	if err != nil {
		return nil, fmt.Errorf("-sdp-plus: %w", err)
	}
	if err := h.CheckModel(cfg, modelID); err != nil {
		return nil, fmt.Errorf("-sdp-plus %s: %w", val, err)
	}
	return h, nil
}

// sigmaHint suggests the head's recorded σ when the run uses another one.
func sigmaHint(h *sdpplus.Head, sigma float64) {
	if h != nil && h.Meta.Sigma > 0 && h.Meta.Sigma != sigma {
		fmt.Fprintf(os.Stderr, "clipad: note: these SDP+ layers were made for target data %q with σ = %g (the official runs use 2 on VisA, 8 elsewhere); this run uses σ = %g\n",
			h.Meta.TargetData, h.Meta.Sigma, sigma)
	}
}

// bundleSDPPlus reads only the SDP+ layers of a bundle directory: the
// manifest, and the shards holding the sdp_plus.* tensors (each checked
// against its sha256).
func bundleSDPPlus(dir string) (*sdpplus.Head, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("'bundle' needs -weights to be a bundle directory, not %q", dir)
	}
	mb, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a model bundle: %w", dir, err)
	}
	m, err := quantize.ParseManifest(mb, "")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if m.SDPPlus == nil {
		return nil, fmt.Errorf("bundle %s has no SDP+ layers (make one with 'clipad bundle -sdp-plus FILE')", dir)
	}
	starts := make([]int64, len(m.Shards))
	var off int64
	for i, s := range m.Shards {
		starts[i] = off
		off += s.Bytes
	}
	shards := map[int][]byte{}
	shard := func(i int) ([]byte, error) {
		if b, ok := shards[i]; ok {
			return b, nil
		}
		s := m.Shards[i]
		b, err := os.ReadFile(filepath.Join(dir, s.File))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		if int64(len(b)) != s.Bytes || hex.EncodeToString(sum[:]) != s.SHA256 {
			return nil, fmt.Errorf("bundle shard %s is truncated or corrupt (size or sha256 differs from the manifest)", s.File)
		}
		shards[i] = b
		return b, nil
	}
	set := weights.Set{}
	for _, e := range m.Tensors {
		if !strings.HasPrefix(e.Name, quantize.SDPPlusPrefix) {
			continue
		}
		buf := make([]byte, 0, e.Data.Bytes)
		for i := range m.Shards {
			lo, hi := max(starts[i], e.Data.Offset), min(starts[i]+m.Shards[i].Bytes, e.Data.Offset+e.Data.Bytes)
			if lo >= hi {
				continue
			}
			b, err := shard(i)
			if err != nil {
				return nil, err
			}
			buf = append(buf, b[lo-starts[i]:hi-starts[i]]...)
		}
		if int64(len(buf)) != e.Data.Bytes {
			return nil, fmt.Errorf("bundle tensor %s is incomplete", e.Name)
		}
		set[e.Name] = weights.Tensor{Shape: e.Shape, Data: f32FromBytes(buf)}
	}
	return sdpplus.FromBundle(m, set)
}

func f32FromBytes(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// guessOfficial fills the metadata of an official checkpoint from its
// file name (train_on_mvtec.pth → trained on MVTec-AD, target VisA, σ 2;
// train_on_visa.pth → trained on VisA, target MVTec-AD, σ 8).
func guessOfficial(h *sdpplus.Head, name string) {
	base := strings.ToLower(filepath.Base(name))
	switch {
	case strings.Contains(base, "mvtec"):
		h.Meta.TrainData, h.Meta.TargetData, h.Meta.Sigma = "mvtec", "visa", sdpplus.VisASigma
	case strings.Contains(base, "visa"):
		h.Meta.TrainData, h.Meta.TargetData, h.Meta.Sigma = "visa", "mvtec", 8
	}
	if h.Meta.Config == "" {
		if c, err := config.Named(config.Default); err == nil && c.Vision.Width == h.Width && c.EmbedDim == h.Embed {
			h.Meta.Config = c.Name
		}
	}
}

func runSDPPlusImport(args []string) error {
	fs := flag.NewFlagSet("sdpplus-import", flag.ContinueOnError)
	pth := fs.String("pth", "", "official checkpoint (train_on_mvtec.pth or train_on_visa.pth; zip-format torch.save)")
	out := fs.String("out", "", "output checkpoint (.safetensors)")
	wPath := fs.String("weights", "", "optional: the model the layers will be used with; checks the width and records its model id")
	cfgFlag := fs.String("config", "", "config name or open_clip_config.json for -weights (default: the one beside the weights)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pth == "" || *out == "" {
		return fmt.Errorf("-pth and -out are required")
	}
	data, err := os.ReadFile(*pth)
	if err != nil {
		return err
	}
	h, err := sdpplus.ImportPTH(data, *pth)
	if err != nil {
		return err
	}
	guessOfficial(h, *pth)
	if *wPath != "" {
		m, id, err := loadVision(*wPath, *cfgFlag)
		if err != nil {
			return err
		}
		if err := h.CheckModel(m.Cfg, id); err != nil {
			return err
		}
		h.Meta.ModelID, h.Meta.Config = id, m.Cfg.Name
	}
	if err := h.Save(*out); err != nil {
		return err
	}
	fmt.Printf("imported 4 SDP+ layers %d→%d from %s into %s", h.Width, h.Embed, *pth, *out)
	if h.Meta.TrainData != "" {
		fmt.Printf(" (trained on %s; target %s, σ %g)", h.Meta.TrainData, h.Meta.TargetData, h.Meta.Sigma)
	}
	fmt.Println()
	return nil
}
