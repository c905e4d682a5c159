package quantize

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"unsafe"

	"github.com/clipad/clipad/model/weights"
)

// ParseManifest decodes and validates a manifest. If wantModel is not
// empty the manifest must be for that model.
func ParseManifest(data []byte, wantModel string) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("bundle manifest is corrupt: %v", err)
	}
	if m.Format != BundleFormat {
		return nil, fmt.Errorf("not a clipad bundle manifest (format %q)", m.Format)
	}
	if m.Version > BundleVersion {
		return nil, fmt.Errorf("bundle format version %d is newer than this build supports (%d): update clipad", m.Version, BundleVersion)
	}
	if m.Version < 1 {
		return nil, fmt.Errorf("bundle manifest has no valid version")
	}
	if wantModel != "" && m.ModelID != wantModel {
		return nil, fmt.Errorf("bundle is for model %s, expected %s", m.ModelID, wantModel)
	}
	if err := m.Config.Validate(); err != nil {
		return nil, fmt.Errorf("bundle manifest: %w", err)
	}
	var sum int64
	for i, s := range m.Shards {
		if s.Bytes <= 0 || s.Bytes > MaxShardBytes {
			return nil, fmt.Errorf("bundle manifest: shard %d has %d bytes (1..%d allowed)", i, s.Bytes, MaxShardBytes)
		}
		if b, err := hex.DecodeString(s.SHA256); err != nil || len(b) != 32 {
			return nil, fmt.Errorf("bundle manifest: shard %d has no valid sha256", i)
		}
		sum += s.Bytes
	}
	if sum != m.TotalBytes {
		return nil, fmt.Errorf("bundle manifest: shards hold %d bytes, total_bytes says %d", sum, m.TotalBytes)
	}
	byName := map[string]TensorEntry{}
	for _, e := range m.Tensors {
		byName[e.Name] = e
	}
	inRange := func(r Region) bool { return r.Offset >= 0 && r.Bytes >= 0 && r.Offset+r.Bytes <= m.TotalBytes }
	for _, sp := range weights.Expected(m.Config, weights.VisionTower) {
		e, ok := byName[sp.Name]
		if !ok {
			return nil, fmt.Errorf("bundle manifest: tensor %q is missing", sp.Name)
		}
		if fmt.Sprint(e.Shape) != fmt.Sprint(sp.Shape) {
			return nil, fmt.Errorf("bundle manifest: tensor %q has shape %v, the config needs %v", sp.Name, e.Shape, sp.Shape)
		}
		n := int64(weights.Tensor{Shape: sp.Shape}.Elems())
		var want, wantScales int64
		switch e.DType {
		case "f32":
			want = 4 * n
		case "i8", "i4":
			if len(sp.Shape) < 2 {
				return nil, fmt.Errorf("bundle manifest: tensor %q cannot be quantized", sp.Name)
			}
			out, in := matrixShape(sp.Shape)
			want, wantScales = n, int64(4*out)
			if e.DType == "i4" {
				if e.Group <= 0 {
					return nil, fmt.Errorf("bundle manifest: int4 tensor %q has no group size", sp.Name)
				}
				want = int64(out * ((in + 1) / 2))
				wantScales = int64(4 * out * ((in + e.Group - 1) / e.Group))
			}
			if e.Scales == nil || e.Scales.Bytes != wantScales || !inRange(*e.Scales) {
				return nil, fmt.Errorf("bundle manifest: tensor %q has missing or mis-sized scales", sp.Name)
			}
		default:
			return nil, fmt.Errorf("bundle manifest: tensor %q has unknown dtype %q", sp.Name, e.DType)
		}
		if e.Data.Bytes != want || !inRange(e.Data) {
			return nil, fmt.Errorf("bundle manifest: tensor %q needs %d bytes at a valid offset, has %d at %d", sp.Name, want, e.Data.Bytes, e.Data.Offset)
		}
	}
	if err := checkExtras(&m, m.TotalBytes); err != nil {
		return nil, err
	}
	return &m, nil
}

// maxExtraTensors bounds the tensors a bundle may hold besides the tower.
const maxExtraTensors = 64

// safeElems is the element count of shape, or −1 for a shape with a
// non-positive or too large dimension.
func safeElems(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 1 || d > 1<<28 || n > (1<<28)/d {
			return -1
		}
		n *= d
	}
	return n
}

// checkExtras validates the tensors that are not part of the vision tower
// (f32, sane shapes, data inside the bundle, unique names) and, when the
// manifest says so, the SDP+ group: SDPPlusPrefix+"fc.{0..3}.weight"
// [E,W] and ".bias" [E] for the config's width W and embedding E.
func checkExtras(m *Manifest, total int64) error {
	tower := map[string]bool{}
	for _, sp := range weights.Expected(m.Config, weights.VisionTower) {
		tower[sp.Name] = true
	}
	seen := map[string]TensorEntry{}
	extras := 0
	for _, e := range m.Tensors {
		if _, dup := seen[e.Name]; dup {
			return fmt.Errorf("bundle manifest: tensor %q is listed twice", e.Name)
		}
		seen[e.Name] = e
		if tower[e.Name] {
			continue
		}
		if extras++; extras > maxExtraTensors {
			return fmt.Errorf("bundle manifest: more than %d tensors besides the vision tower", maxExtraTensors)
		}
		n := safeElems(e.Shape)
		if e.DType != "f32" || n < 0 {
			return fmt.Errorf("bundle manifest: extra tensor %q must be f32 with a valid shape (has %s %v)", e.Name, e.DType, e.Shape)
		}
		if e.Data.Bytes != 4*int64(n) || e.Data.Offset < 0 || e.Data.Offset+e.Data.Bytes > total || e.Scales != nil {
			return fmt.Errorf("bundle manifest: extra tensor %q needs %d bytes at a valid offset, has %d at %d", e.Name, 4*n, e.Data.Bytes, e.Data.Offset)
		}
	}
	if m.SDPPlus == nil {
		return nil
	}
	W, E := m.Config.Vision.Width, m.Config.EmbedDim
	for k := 0; k < 4; k++ {
		for _, want := range []struct {
			name  string
			shape []int
		}{
			{fmt.Sprintf("%sfc.%d.weight", SDPPlusPrefix, k), []int{E, W}},
			{fmt.Sprintf("%sfc.%d.bias", SDPPlusPrefix, k), []int{E}},
		} {
			e, ok := seen[want.name]
			if !ok {
				return fmt.Errorf("bundle manifest: says it has SDP+ layers but tensor %q is missing", want.name)
			}
			if fmt.Sprint(e.Shape) != fmt.Sprint(want.shape) {
				return fmt.Errorf("bundle manifest: SDP+ tensor %q has shape %v, the config needs %v", want.name, e.Shape, want.shape)
			}
		}
	}
	return nil
}

// Loader assembles a bundle's tensors from its shards, fed one at a time
// in any order; each shard's size and sha256 are checked before use.
type Loader struct {
	M     *Manifest
	start []int64
	fed   []bool
	bufs  map[string][]byte // tensor data and scales ("name#scales")
}

// NewLoader validates the manifest and allocates the tensors.
func NewLoader(manifest []byte, wantModel string) (*Loader, error) {
	m, err := ParseManifest(manifest, wantModel)
	if err != nil {
		return nil, err
	}
	l := &Loader{M: m, fed: make([]bool, len(m.Shards)), bufs: map[string][]byte{}}
	var off int64
	for _, s := range m.Shards {
		l.start = append(l.start, off)
		off += s.Bytes
	}
	for _, e := range m.Tensors {
		l.bufs[e.Name] = alignedBytes(e.Data.Bytes)
		if e.Scales != nil {
			l.bufs[e.Name+"#scales"] = alignedBytes(e.Scales.Bytes)
		}
	}
	return l, nil
}

// alignedBytes allocates n bytes backed by float32s so views are aligned.
func alignedBytes(n int64) []byte {
	f := make([]float32, (n+3)/4)
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), n)
}

// Feed checks shard i and copies its bytes into the tensors it covers.
func (l *Loader) Feed(i int, data []byte) error {
	if i < 0 || i >= len(l.M.Shards) {
		return fmt.Errorf("bundle: no shard %d (bundle has %d)", i, len(l.M.Shards))
	}
	s := l.M.Shards[i]
	if int64(len(data)) != s.Bytes {
		return fmt.Errorf("bundle shard %s is truncated or wrong: %d bytes, expected %d", s.File, len(data), s.Bytes)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != s.SHA256 {
		return fmt.Errorf("bundle shard %s is corrupt: its sha256 does not match the manifest", s.File)
	}
	lo, hi := l.start[i], l.start[i]+s.Bytes
	cp := func(r Region, dst []byte) {
		a, b := max(lo, r.Offset), min(hi, r.Offset+r.Bytes)
		if a < b {
			copy(dst[a-r.Offset:b-r.Offset], data[a-lo:b-lo])
		}
	}
	for _, e := range l.M.Tensors {
		cp(e.Data, l.bufs[e.Name])
		if e.Scales != nil {
			cp(*e.Scales, l.bufs[e.Name+"#scales"])
		}
	}
	l.fed[i] = true
	return nil
}

// Missing lists the shards not fed yet.
func (l *Loader) Missing() []int {
	var m []int
	for i, f := range l.fed {
		if !f {
			m = append(m, i)
		}
	}
	return m
}

func asF32(b []byte) []float32 {
	if len(b) == 0 {
		return nil
	}
	f := unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
	if !littleEndian {
		for i := range f {
			f[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	}
	return f
}

var littleEndian = func() bool { x := uint16(1); return *(*byte)(unsafe.Pointer(&x)) == 1 }()

// Weights returns the vision tower as a weight set: f32 tensors as Data,
// int8 tensors as Q8/Scale, int4 tensors converted to per-channel int8
// (dequantized and requantized once at load, so the runtime has one int8
// path and int4 only saves download size). With dequantize every tensor
// is returned as float32 instead (for fidelity measurements).
func (l *Loader) Weights(dequantize bool) (weights.Set, error) {
	if m := l.Missing(); len(m) > 0 {
		return nil, fmt.Errorf("bundle: %d of %d shards not loaded (first missing: %s)", len(m), len(l.M.Shards), l.M.Shards[m[0]].File)
	}
	set := weights.Set{}
	for _, e := range l.M.Tensors {
		b := l.bufs[e.Name]
		t := weights.Tensor{Shape: e.Shape}
		switch e.DType {
		case "f32":
			t.Data = asF32(b)
		case "i8":
			out, in := matrixShape(e.Shape)
			q := unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(b))), len(b))
			s := asF32(l.bufs[e.Name+"#scales"])
			if dequantize {
				t.Data = DequantInt8(q, s, out, in)
			} else {
				t.Q8, t.Scale = q, s
			}
		case "i4":
			out, in := matrixShape(e.Shape)
			w := DequantInt4(b, asF32(l.bufs[e.Name+"#scales"]), out, in, e.Group)
			if dequantize {
				t.Data = w
			} else {
				t.Q8, t.Scale = Int8PerChannel(w, out, in)
			}
		}
		set[e.Name] = t
		delete(l.bufs, e.Name) // release as we go (the set keeps what it needs)
	}
	return set, set.Check(l.M.Config, weights.VisionTower)
}
