package quantize

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/synth"
	"github.com/clipad/clipad/model/vision"
	"github.com/clipad/clipad/model/weights"
)

func TestInt8AndInt4ErrorBounds(t *testing.T) {
	out, in := 5, 70
	w := make([]float32, out*in)
	for i := range w {
		w[i] = float32(math.Sin(float64(i)*1.3)) * float32(1+i%7)
	}
	for i := 0; i < in; i++ { // an all-zero row
		w[2*in+i] = 0
	}
	q, s := Int8PerChannel(w, out, in)
	d := DequantInt8(q, s, out, in)
	for o := 0; o < out; o++ {
		for i := 0; i < in; i++ {
			if e := math.Abs(float64(d[o*in+i] - w[o*in+i])); e > float64(s[o])/2+1e-7 {
				t.Fatalf("int8 error %g > scale/2 %g", e, s[o]/2)
			}
			if q[o*in+i] < -127 {
				t.Fatal("code -128 used")
			}
		}
	}
	if s[2] != 0 || d[2*in] != 0 {
		t.Error("zero row")
	}
	p, gs := Int4Grouped(w, out, in, 32)
	if len(p) != out*35 || len(gs) != out*3 {
		t.Fatalf("int4 sizes %d %d", len(p), len(gs))
	}
	d4 := DequantInt4(p, gs, out, in, 32)
	for o := 0; o < out; o++ {
		for i := 0; i < in; i++ {
			if e := math.Abs(float64(d4[o*in+i] - w[o*in+i])); e > float64(gs[o*3+i/32])/2+1e-6 {
				t.Fatalf("int4 error %g at %d,%d", e, o, i)
			}
		}
	}
}

func writeTiny(t *testing.T, dtype string, maxShard int64) (string, config.Config, weights.Set) {
	cfg, _ := config.Named("test-small")
	set := synth.Weights(cfg, 11)
	dir := filepath.Join(t.TempDir(), dtype)
	if _, err := WriteBundle(dir, cfg, set, set.ModelID(cfg), WriteOptions{DType: dtype, Synthetic: true, MaxShard: maxShard}); err != nil {
		t.Fatal(err)
	}
	return dir, cfg, set
}

func load(t *testing.T, dir, want string, order []int) (*Loader, error) {
	mb, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLoader(mb, want)
	if err != nil {
		return nil, err
	}
	if order == nil {
		for i := range l.M.Shards {
			order = append(order, i)
		}
	}
	for _, i := range order {
		b, err := os.ReadFile(filepath.Join(dir, l.M.Shards[i].File))
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Feed(i, b); err != nil {
			return l, err
		}
	}
	return l, nil
}

func TestF32BundleIsExactAcrossShards(t *testing.T) {
	dir, cfg, set := writeTiny(t, "f32", 100_000) // many shards, tensors straddle them
	l, err := load(t, dir, set.ModelID(cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.M.Shards) < 5 {
		t.Fatalf("expected several shards, got %d", len(l.M.Shards))
	}
	// feed in reverse order too
	rev := []int{}
	for i := len(l.M.Shards) - 1; i >= 0; i-- {
		rev = append(rev, i)
	}
	l2, err := load(t, dir, "", rev)
	if err != nil {
		t.Fatal(err)
	}
	for _, ll := range []*Loader{l, l2} {
		got, err := ll.Weights(false)
		if err != nil {
			t.Fatal(err)
		}
		for _, sp := range weights.Expected(cfg, weights.VisionTower) {
			a, b := got[sp.Name].Data, set[sp.Name].Data
			for i := range b {
				if a[i] != b[i] {
					t.Fatalf("%s[%d] %g != %g", sp.Name, i, a[i], b[i])
				}
			}
		}
	}
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

// Quantized bundles run through the int8 path and stay close to f32.
func TestQuantizedForwardFidelity(t *testing.T) {
	for _, dt := range []string{"int8", "int4"} {
		dir, cfg, set := writeTiny(t, dt, 0)
		l, err := load(t, dir, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		q, err := l.Weights(false)
		if err != nil {
			t.Fatal(err)
		}
		if q["visual.transformer.resblocks.0.mlp.c_fc.weight"].Q8 == nil || q["visual.ln_pre.weight"].Data == nil {
			t.Fatalf("%s: linear weights should be int8 and LayerNorms f32", dt)
		}
		mf, _ := vision.New(cfg, set)
		mq, err := vision.New(cfg, q)
		if err != nil {
			t.Fatal(err)
		}
		img := make([]float32, 3*cfg.Vision.ImageSize*cfg.Vision.ImageSize)
		for i := range img {
			img[i] = float32(math.Sin(float64(i) * 0.01))
		}
		of, _ := mf.Forward(img, vision.Options{}, nil)
		oq, _ := mq.Forward(img, vision.Options{}, nil)
		minCos, meanCos, n := 1.0, 0.0, 0
		for k := 0; k < 4; k++ {
			E := cfg.EmbedDim
			for tok := 0; tok < cfg.Vision.Tokens(); tok++ {
				c := cosine(of.Features[k][tok*E:(tok+1)*E], oq.Features[k][tok*E:(tok+1)*E])
				minCos = math.Min(minCos, c)
				meanCos += c
				n++
			}
		}
		meanCos /= float64(n)
		ce := cosine(of.ImageEmbed, oq.ImageEmbed)
		t.Logf("%s (test-small, width 64): stage-feature cosine min %.5f mean %.5f, image embedding cosine %.5f", dt, minCos, meanCos, ce)
		// int4 with 32-wide groups is coarse on a 64-wide toy model; the
		// real-size figures are in BENCHMARKS.md.
		minLimit, meanLimit := 0.99, 0.995
		if dt == "int4" {
			minLimit, meanLimit = 0.9, 0.98
		}
		if minCos < minLimit || meanCos < meanLimit || ce < meanLimit {
			t.Errorf("%s fidelity too low: min %.4f mean %.4f embed %.4f", dt, minCos, meanCos, ce)
		}
	}
}

func TestBadBundles(t *testing.T) {
	dir, cfg, set := writeTiny(t, "int8", 200_000)
	mb, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	var m Manifest
	json.Unmarshal(mb, &m)
	shard0 := filepath.Join(dir, m.Shards[0].File)
	good, _ := os.ReadFile(shard0)

	// truncated shard
	l, _ := NewLoader(mb, "")
	if err := l.Feed(0, good[:len(good)-10]); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated shard: %v", err)
	}
	// corrupt shard
	bad := append([]byte(nil), good...)
	bad[100] ^= 1
	if err := l.Feed(0, bad); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("corrupt shard: %v", err)
	}
	// incomplete load
	if _, err := l.Weights(false); err == nil || !strings.Contains(err.Error(), "not loaded") {
		t.Errorf("incomplete bundle: %v", err)
	}
	// another model
	if _, err := NewLoader(mb, "ViT-B-16-plus-240-0123"); err == nil || !strings.Contains(err.Error(), set.ModelID(cfg)) {
		t.Errorf("model mismatch: %v", err)
	}
	edit := func(f func(*Manifest)) []byte {
		var c Manifest
		json.Unmarshal(mb, &c)
		f(&c)
		b, _ := json.Marshal(c)
		return b
	}
	for name, b := range map[string][]byte{
		"newer version":  edit(func(c *Manifest) { c.Version = 2 }),
		"other format":   edit(func(c *Manifest) { c.Format = "x" }),
		"missing tensor": edit(func(c *Manifest) { c.Tensors = c.Tensors[1:] }),
		"wrong shape":    edit(func(c *Manifest) { c.Tensors[0].Shape = []int{1} }),
		"bad size":       edit(func(c *Manifest) { c.TotalBytes++ }),
		"huge shard":     edit(func(c *Manifest) { c.Shards[0].Bytes = 1 << 30 }),
		"region outside": edit(func(c *Manifest) { c.Tensors[3].Data.Offset = c.TotalBytes }),
		"garbage":        []byte("{"),
	} {
		_, err := NewLoader(b, "")
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if name == "newer version" && !strings.Contains(err.Error(), "newer") {
			t.Errorf("newer version: %v", err)
		}
	}
}
