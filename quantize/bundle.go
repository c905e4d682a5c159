package quantize

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/weights"
)

// Bundle format identity; loaders refuse other formats and newer versions.
const (
	BundleFormat  = "clipad.bundle"
	BundleVersion = 1
	// MaxShardBytes is the largest shard a bundle may have.
	MaxShardBytes = 16 << 20
	// Int4Group is the group size of int4 weights along the input axis.
	Int4Group = 32
)

// Region is a byte range of the bundle's logical stream (the shards
// concatenated in order).
type Region struct {
	Offset int64 `json:"offset"`
	Bytes  int64 `json:"bytes"`
}

// TensorEntry describes one stored tensor.
type TensorEntry struct {
	Name   string  `json:"name"`
	DType  string  `json:"dtype"` // f32, i8 (per output channel) or i4 (group-wise)
	Shape  []int   `json:"shape"` // the open_clip shape
	Data   Region  `json:"data"`
	Scales *Region `json:"scales,omitempty"` // f32 scales of i8/i4 tensors
	Group  int     `json:"group,omitempty"`  // i4 group size
}

// Shard is one file of the bundle.
type Shard struct {
	File   string `json:"file"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Manifest is a bundle's manifest.json.
type Manifest struct {
	Format     string          `json:"format"`
	Version    int             `json:"version"`
	ModelID    string          `json:"model_id"`
	Config     config.Config   `json:"config"`
	DType      string          `json:"dtype"` // weight dtype of the linear layers: f32, int8 or int4
	Synthetic  bool            `json:"synthetic"`
	Note       string          `json:"note,omitempty"`
	TotalBytes int64           `json:"total_bytes"`
	Tensors    []TensorEntry   `json:"tensors"`
	Shards     []Shard         `json:"shards"`
	Extras     json.RawMessage `json:"extras,omitempty"`
	// SDPPlus is present when the bundle also holds the SDP+ layers
	// (tensors SDPPlusPrefix+"fc.{0..3}.weight" [E,W] and ".bias" [E],
	// stored f32 after the vision tower); it carries the layers' checkpoint
	// metadata (see package sdpplus).
	SDPPlus map[string]string `json:"sdp_plus,omitempty"`
}

// SDPPlusPrefix prefixes the names of a bundle's optional SDP+ tensors.
const SDPPlusPrefix = "sdp_plus."

// ExtraTensor is an additional float32 tensor stored after the vision
// tower (e.g. the SDP+ layers).
type ExtraTensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Quantized reports whether a tensor is quantized in int8/int4 bundles:
// every linear layer's weight, the patch embedding and the output
// projection visual.proj. Scales are per row of the stored matrix: per
// output channel for the [out, in] linears and conv1; visual.proj is
// stored [W, E] (x·proj), so its rows are input channels. The engine
// dequantizes visual.proj to float32 at load (vision.New) and runs the
// projection in float32; quantizing it saves 1.7 MB of download (it is
// int8 in int4 bundles as well).
func Quantized(name string) bool {
	if name == "visual.proj" {
		return true
	}
	for _, s := range []string{"attn.in_proj_weight", "attn.out_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return name == "visual.conv1.weight"
}

// matrixShape views a weight as [out, in] (conv1 [W,3,P,P] → [W, 3·P·P]).
func matrixShape(shape []int) (int, int) {
	in := 1
	for _, d := range shape[1:] {
		in *= d
	}
	return shape[0], in
}

// WriteOptions control bundle writing.
type WriteOptions struct {
	DType     string // f32, int8 or int4
	Synthetic bool
	Note      string
	MaxShard  int64 // 0 = MaxShardBytes
	// Extra tensors are stored f32 after the vision tower; SDPPlus (the
	// SDP+ layers' metadata) marks the bundle as holding the SDP+ layers,
	// which Extra must then contain (see Manifest.SDPPlus).
	Extra   []ExtraTensor
	SDPPlus map[string]string
}

func f32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// WriteBundle writes the vision tower of set as a bundle in dir
// (manifest.json + shard files) and returns its manifest.
func WriteBundle(dir string, cfg config.Config, set weights.Set, modelID string, opt WriteOptions) (*Manifest, error) {
	if err := set.Check(cfg, weights.VisionTower); err != nil {
		return nil, err
	}
	switch opt.DType {
	case "f32", "int8", "int4":
	default:
		return nil, fmt.Errorf("bundle: unknown dtype %q (f32, int8, int4)", opt.DType)
	}
	maxShard := opt.MaxShard
	if maxShard <= 0 || maxShard > MaxShardBytes {
		maxShard = MaxShardBytes
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	m := &Manifest{Format: BundleFormat, Version: BundleVersion, ModelID: modelID, Config: cfg,
		DType: opt.DType, Synthetic: opt.Synthetic, Note: opt.Note}
	var stream []byte
	put := func(b []byte) Region {
		r := Region{Offset: int64(len(stream)), Bytes: int64(len(b))}
		stream = append(stream, b...)
		return r
	}
	for _, sp := range weights.Expected(cfg, weights.VisionTower) {
		t := set[sp.Name]
		e := TensorEntry{Name: sp.Name, Shape: sp.Shape, DType: "f32"}
		out, in := 0, 0
		if len(sp.Shape) >= 2 {
			out, in = matrixShape(sp.Shape)
		}
		switch {
		case (opt.DType == "int8" || sp.Name == "visual.proj" && opt.DType == "int4") && Quantized(sp.Name):
			// visual.proj is int8 in int4 bundles too: 0.5 MB, and int4
			// there costs more fidelity than it saves
			q, s := Int8PerChannel(t.Data, out, in)
			e.DType = "i8"
			e.Data = put(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(q))), len(q)))
			sr := put(f32Bytes(s))
			e.Scales = &sr
		case opt.DType == "int4" && Quantized(sp.Name):
			q, s := Int4Grouped(t.Data, out, in, Int4Group)
			e.DType, e.Group = "i4", Int4Group
			e.Data = put(q)
			sr := put(f32Bytes(s))
			e.Scales = &sr
		default:
			e.Data = put(f32Bytes(t.Data))
		}
		m.Tensors = append(m.Tensors, e)
	}
	for _, x := range opt.Extra {
		if safeElems(x.Shape) != len(x.Data) {
			return nil, fmt.Errorf("bundle: extra tensor %q: shape %v does not match %d values", x.Name, x.Shape, len(x.Data))
		}
		m.Tensors = append(m.Tensors, TensorEntry{Name: x.Name, DType: "f32", Shape: x.Shape, Data: put(f32Bytes(x.Data))})
	}
	if opt.SDPPlus != nil && len(opt.SDPPlus) == 0 {
		return nil, fmt.Errorf("bundle: the SDP+ metadata is empty (it marks the bundle as having SDP+ layers)")
	}
	m.SDPPlus = opt.SDPPlus
	m.TotalBytes = int64(len(stream))
	if err := checkExtras(m, int64(len(stream))); err != nil {
		return nil, err
	}
	for i := 0; int64(len(stream)) > 0; i++ {
		n := min(int64(len(stream)), maxShard)
		chunk := stream[:n]
		stream = stream[n:]
		sum := sha256.Sum256(chunk)
		h := hex.EncodeToString(sum[:])
		sh := Shard{File: fmt.Sprintf("shard-%03d-%s.bin", i, h[:16]), Bytes: n, SHA256: h}
		if err := os.WriteFile(filepath.Join(dir, sh.File), chunk, 0o644); err != nil {
			return nil, err
		}
		m.Shards = append(m.Shards, sh)
	}
	mb, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return nil, err
	}
	return m, os.WriteFile(filepath.Join(dir, "manifest.json"), mb, 0o644)
}
