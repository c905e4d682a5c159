package evalrun

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/clipad/clipad/model/anomaly"
	"github.com/clipad/clipad/model/detect"
	"github.com/clipad/clipad/model/textvec"
)

// cacheVersion changes whenever what a cache file means changes.
const cacheVersion = 1

// cacheEntry is one image's cached result: the two image-level inputs and
// the raw G×G map (the smoothed S×S map is recomputed on load).
type cacheEntry struct {
	Version int       `json:"v"`
	Key     string    `json:"key"`
	Path    string    `json:"path"`
	ModelID string    `json:"model_id"`
	Width   int       `json:"width"`
	Height  int       `json:"height"`
	Grid    int       `json:"grid"`
	Size    int       `json:"size"`
	S0      float64   `json:"s0"`
	S1      float64   `json:"s1"`
	Patch   []float32 `json:"patch_map"`
}

type cacheDir struct{ dir string }

func openCache(dir string) (*cacheDir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return &cacheDir{dir}, nil
}

// cacheKey hashes everything the cached values depend on: the model, the
// category's text vectors, σ, the class-row flag and the image file's
// absolute path, size and modification time.
func cacheKey(modelID string, tc *textvec.Category, sigma float64, clean bool, path string, st fs.FileInfo) string {
	h := sha256.New()
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	fmt.Fprintf(h, "clipad-eval-cache v%d\x00%s\x00", cacheVersion, modelID)
	var b []byte
	for _, v := range [][]float32{tc.Normal, tc.Abnormal} {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
		for _, x := range v {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
	}
	h.Write(b)
	fmt.Fprintf(h, "\x00%x\x00%v\x00%s\x00%d\x00%d", math.Float64bits(sigma), clean, abs, st.Size(), st.ModTime().UnixNano())
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func (c *cacheDir) file(key string) string { return filepath.Join(c.dir, key+".json") }

// load returns the cached record for key with its smoothed map recomputed,
// or false when there is none or it does not check out (then the image is
// simply recomputed).
func (c *cacheDir) load(key, path string, size, grid int, sigma float64) (*detect.Record, bool) {
	b, err := os.ReadFile(c.file(key))
	if err != nil {
		return nil, false
	}
	var e cacheEntry
	if json.Unmarshal(b, &e) != nil || e.Version != cacheVersion || e.Key != key || e.Grid != grid || e.Size != size ||
		len(e.Patch) != grid*grid || e.Width <= 0 || e.Height <= 0 {
		return nil, false
	}
	up, err := anomaly.Bilinear(e.Patch, grid, grid, size, size, false)
	if err != nil {
		return nil, false
	}
	sm, err := anomaly.Gaussian(up, size, size, sigma)
	if err != nil {
		return nil, false
	}
	s1, err := anomaly.MaxValue(sm)
	if err != nil || s1 != e.S1 || math.IsNaN(e.S0) || math.IsInf(e.S0, 0) {
		return nil, false
	}
	mn := s1
	for _, v := range sm {
		mn = min(mn, float64(v))
	}
	return &detect.Record{Name: path, Width: e.Width, Height: e.Height, Grid: grid, Size: size, PatchMap: e.Patch,
		ProbAbnormal: e.S0, MapMax: e.S1, MapMin: mn, Map: sm}, true
}

// store writes the record atomically (temporary file + rename), so an
// interrupted run never leaves a half-written entry.
func (c *cacheDir) store(key, path string, r *detect.Record) error {
	e := cacheEntry{Version: cacheVersion, Key: key, Path: path, ModelID: r.ModelID, Width: r.Width, Height: r.Height,
		Grid: r.Grid, Size: r.Size, S0: r.ProbAbnormal, S1: r.MapMax, Patch: r.PatchMap}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(c.dir, ".tmp-"+key+"-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), c.file(key)); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}
