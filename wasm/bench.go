//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"syscall/js"
	"time"

	"github.com/clipad/clipad/model/kernels"
	"github.com/clipad/clipad/model/vision"
)

// Benchmark API (js/bench, make bench), added to globalThis.clipad:
//
//	benchForward(n[, {warmup, output, simd}]) → Promise<{ms[], simd, dtype,
//	    imageEmbed?, features?}>
//	    times n dual-path forwards (vision.Model.Forward, every stage, as
//	    analyze runs it without SDP+, i.e. with ClassRowsOnly) of a fixed synthetic input (x[i] = 1.7·sin(0.013·i),
//	    the input of 'clipad bench-forward' and js/bench/ort-run.mjs), after
//	    warmup untimed ones. simd:false times the pure-Go kernels in a
//	    -tags simd build. output:true adds image_embed and the four stage
//	    feature matrices (Float32Array) of the last run.
//	splitForward({rank, size, n, warmup, plain, output, profile}) →
//	    Promise<{ms[], exchangeMs[], profile?, imageEmbed?, features?}>
//	    one image's forward split by token rows over size instances (see
//	    split.go); every rank calls it at the same time. size 1 is the
//	    same forward on one instance (plain:true: the plain CLIP tower,
//	    original path only). profile:true adds milliseconds per image by
//	    kind of work (median over the timed runs).
//	memStats() → Go runtime memory figures (bytes).

// Buffers kept between benchmark calls (so repeated single-run calls time
// a warm forward, as analyze's detector does).
var (
	benchWS struct {
		m  *vision.Model
		ws *vision.Workspace
	}
	rowCache = map[[3]int]*rowForward{}
)

// benchImage is the fixed synthetic input (same as cmd/clipad's loadInput("")).
func benchImage(size int) []float32 {
	img := make([]float32, 3*size*size)
	for i := range img {
		img[i] = float32(math.Sin(float64(i)*0.013) * 1.7)
	}
	return img
}

// promise runs f on a new goroutine (so it may wait for JS events) and
// returns a Promise of its result.
func promise(f func() (any, error)) js.Value {
	exec := js.FuncOf(func(_ js.Value, a []js.Value) any {
		resolve, reject := a[0], a[1]
		go func() {
			defer func() {
				if r := recover(); r != nil {
					reject.Invoke(js.Global().Get("Error").New(fmt.Sprintf("internal error: %v", r)))
				}
			}()
			v, err := f()
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	defer exec.Release()
	return js.Global().Get("Promise").New(exec)
}

func optInt(o js.Value, key string, def int) int {
	if o.Type() == js.TypeObject {
		if v := o.Get(key); v.Type() == js.TypeNumber {
			return v.Int()
		}
	}
	return def
}

func optBool(o js.Value, key string, def bool) bool {
	if o.Type() == js.TypeObject {
		if v := o.Get(key); v.Type() == js.TypeBoolean {
			return v.Bool()
		}
	}
	return def
}

func msList(v []float64) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = x
	}
	return out
}

func sinceMs(t time.Time) float64 { return float64(time.Since(t).Nanoseconds()) / 1e6 }

func (c *core) dtype() string {
	if c.model != nil && c.model.Blocks[0].QKV.Q != nil {
		return "int8"
	}
	return "f32"
}

func (c *core) benchForward(args []js.Value) any {
	n := 1
	if len(args) > 0 && args[0].Type() == js.TypeNumber {
		n = args[0].Int()
	}
	var o js.Value
	if len(args) > 1 {
		o = args[1]
	}
	warm, output, simd := optInt(o, "warmup", 0), optBool(o, "output", false), optBool(o, "simd", true)
	m := c.model
	return promise(func() (any, error) {
		if m == nil {
			return nil, errors.New("benchForward: no model loaded (loadManifest, feedShard…, finishModel)")
		}
		prev := kernels.SetSIMD(simd)
		defer kernels.SetSIMD(prev)
		img := benchImage(m.Cfg.Vision.ImageSize)
		if benchWS.m != m {
			benchWS.m, benchWS.ws = m, new(vision.Workspace)
		}
		ws := benchWS.ws
		var ms []float64
		var out *vision.Output
		for i := 0; i < warm+max(n, 1); i++ {
			t := time.Now()
			o, err := m.Forward(img, vision.Options{ClassRowsOnly: true}, ws) // as analyze without SDP+
			if err != nil {
				return nil, err
			}
			if i >= warm {
				ms = append(ms, sinceMs(t))
			}
			out = o
		}
		r := map[string]any{"ms": msList(ms), "simd": simd && kernels.SIMDLinked(), "dtype": c.dtype()}
		if output {
			r["imageEmbed"] = f32Array(out.ImageEmbed)
			feats := make([]any, 4)
			for k := range feats {
				feats[k] = f32Array(out.Features[k])
			}
			r["features"] = feats
		}
		return r, nil
	})
}

func (c *core) splitForward(args []js.Value) any {
	var o js.Value
	if len(args) > 0 {
		o = args[0]
	}
	rank, size := optInt(o, "rank", 0), optInt(o, "size", 1)
	n, warm := max(optInt(o, "n", 1), 1), optInt(o, "warmup", 0)
	plain, output, profile := optBool(o, "plain", false), optBool(o, "output", false), optBool(o, "profile", false)
	m := c.model
	return promise(func() (any, error) {
		if m == nil {
			return nil, errors.New("splitForward: no model loaded")
		}
		p, err := newPeer(rank, size)
		if err != nil {
			return nil, err
		}
		key := [3]int{rank, size, map[bool]int{false: 0, true: 1}[plain]}
		f := rowCache[key]
		if f == nil || f.m != m {
			f = newRowForward(m, p, plain)
			rowCache[key] = f
		}
		f.p = p
		img := benchImage(m.Cfg.Vision.ImageSize)
		var ms, ex []float64
		profs := make([][nProf]float64, 0, n)
		for i := 0; i < warm+n; i++ {
			f.profile = profile || size > 1 // ticks: ~180 time.Now calls per block
			f.prof = [nProf]float64{}
			t := time.Now()
			if err := f.run(img); err != nil {
				return nil, err
			}
			if i >= warm {
				ms = append(ms, sinceMs(t))
				ex = append(ex, f.prof[pExchange])
				profs = append(profs, f.prof)
			}
		}
		r := map[string]any{"ms": msList(ms), "exchangeMs": msList(ex), "rows": f.r1 - f.r0,
			"transport": map[bool]string{true: "shared", false: "message"}[p.shared], "simd": kernels.SIMDLinked(), "dtype": c.dtype()}
		if size == 1 {
			r["transport"] = "none"
		}
		if profile {
			pm := map[string]any{}
			for b := 0; b < nProf; b++ {
				v := make([]float64, len(profs))
				for i := range profs {
					v[i] = profs[i][b]
				}
				pm[profNames[b]] = medianF(v)
			}
			r["profile"] = pm
		}
		if output {
			if f.embed != nil {
				r["imageEmbed"] = f32Array(f.embed)
			}
			if !plain {
				feats := make([]any, 4)
				for k := range feats {
					feats[k] = f32Array(f.features[k])
				}
				r["features"] = feats
			}
		}
		return r, nil
	})
}

func medianF(v []float64) float64 {
	s := append([]float64(nil), v...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func memStats([]js.Value) any {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	return map[string]any{"heapAlloc": float64(s.HeapAlloc), "heapSys": float64(s.HeapSys), "heapInuse": float64(s.HeapInuse),
		"sys": float64(s.Sys), "totalAlloc": float64(s.TotalAlloc), "numGC": float64(s.NumGC)}
}

// addBenchAPI adds the benchmark functions to the core's API object.
func addBenchAPI(c *core, api map[string]any) {
	api["benchForward"] = guard(c.benchForward)
	api["splitForward"] = guard(c.splitForward)
	api["memStats"] = guard(memStats)
}
