package sdpplus

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"path"
	"sort"
	"strings"

	"github.com/clipad/clipad/model/safetensors"
)

// zipMagic starts every zip-format torch.save file (PyTorch ≥ 1.6).
var zipMagic = []byte("PK\x03\x04")

// legacyMagic starts a legacy (PyTorch < 1.6) torch.save file: PROTO 2
// and the LONG1 magic number 0x1950a86a20f9469cfc6c.
var legacyMagic = []byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}

// IsPTH reports whether data looks like a torch.save file (zip or legacy).
func IsPTH(data []byte) bool {
	return bytes.HasPrefix(data, zipMagic) || bytes.HasPrefix(data, legacyMagic)
}

// maxStorage bounds one storage's bytes (the real weight is 2.3 MB).
const maxStorage = 512 << 20

// ImportPTH reads an official CLIP-AD SDP+ checkpoint (train_on_mvtec.pth,
// train_on_visa.pth): a zip-format torch.save file whose pickle is a dict
// with a "linear_layers" entry holding the state dict fc.{0..3}.weight
// [E,W] and fc.{0..3}.bias [E]. A bare state dict (fc.* at the top level)
// is accepted too. Float32 storages are imported bit-exactly; half,
// bfloat16 and double storages are converted to float32.
func ImportPTH(data []byte, name string) (*Head, error) {
	if bytes.HasPrefix(data, legacyMagic) {
		return nil, fmt.Errorf("%w: %s is a legacy (PyTorch < 1.6) torch.save file, which is not supported: re-save it with PyTorch ≥ 1.6 (torch.save(torch.load(f), g) writes the zip format)", ErrHead, name)
	}
	if !bytes.HasPrefix(data, zipMagic) {
		if len(data) > 0 && data[0] == 0x80 {
			return nil, fmt.Errorf("%w: %s is a bare pickle, not a torch.save zip archive (tensor data would be missing)", ErrHead, name)
		}
		return nil, fmt.Errorf("%w: %s is not a PyTorch checkpoint (not a zip-format torch.save file)", ErrHead, name)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: corrupt zip archive: %v", ErrHead, name, err)
	}
	files := map[string]*zip.File{}
	var pkl []string
	for _, f := range zr.File {
		files[f.Name] = f
		if path.Base(f.Name) == "data.pkl" && strings.Count(f.Name, "/") == 1 {
			pkl = append(pkl, f.Name)
		}
	}
	if len(pkl) != 1 {
		return nil, fmt.Errorf("%w: %s: expected one <name>/data.pkl in the archive, found %d (not a torch.save file?)", ErrHead, name, len(pkl))
	}
	prefix := path.Dir(pkl[0]) + "/"
	if bo, ok := files[prefix+"byteorder"]; ok {
		b, err := readZip(bo, 16)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrHead, name, err)
		}
		if s := strings.TrimSpace(string(b)); s != "little" {
			return nil, fmt.Errorf("%w: %s: storages are %q-endian; only little-endian checkpoints are supported", ErrHead, name, s)
		}
	}
	pb, err := readZip(files[pkl[0]], maxPickle)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrHead, name, err)
	}
	obj, _, err := unpickle(pb)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	top, ok := obj.(*pyDict)
	if !ok {
		return nil, fmt.Errorf("%w: %s holds a %s, expected a dict with a linear_layers entry", ErrHead, name, pyType(obj))
	}
	sd := top
	if v, ok := top.get("linear_layers"); ok {
		if sd, ok = v.(*pyDict); !ok {
			return nil, fmt.Errorf("%w: %s: linear_layers is a %s, not a state dict", ErrHead, name, pyType(v))
		}
	} else if _, ok := top.get(WeightName(0)); !ok {
		return nil, fmt.Errorf("%w: %s has no linear_layers entry (keys: %s); not a CLIP-AD SDP+ checkpoint", ErrHead, name, strings.Join(top.stringKeys(), ", "))
	}
	// read each storage once
	raw := map[string][]float32{}
	load := func(s *pyStorage) ([]float32, error) {
		if v, ok := raw[s.key]; ok {
			return v, nil
		}
		es := int64(storageTypes[s.dtype])
		if s.numel > maxStorage/es {
			return nil, fmt.Errorf("storage %s of %d elements is too large", s.key, s.numel)
		}
		f, ok := files[prefix+"data/"+s.key]
		if !ok {
			return nil, fmt.Errorf("storage %s is missing from the archive (%sdata/%s)", s.key, prefix, s.key)
		}
		if f.UncompressedSize64 != uint64(s.numel*es) {
			return nil, fmt.Errorf("storage %s holds %d bytes, its %d %s elements need %d", s.key, f.UncompressedSize64, s.numel, s.dtype, s.numel*es)
		}
		b, err := readZip(f, s.numel*es)
		if err != nil {
			return nil, err
		}
		out := make([]float32, s.numel)
		for i := range out {
			switch s.dtype {
			case "FloatStorage":
				out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
			case "HalfStorage":
				out[i] = safetensors.HalfToFloat(binary.LittleEndian.Uint16(b[2*i:]))
			case "BFloat16Storage":
				out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
			case "DoubleStorage":
				out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
			}
		}
		raw[s.key] = out
		return out, nil
	}
	tensor := func(key string) (*pyTensor, []float32, error) {
		v, ok := sd.get(key)
		if !ok {
			return nil, nil, fmt.Errorf("%w: %s: linear_layers has no %s (keys: %s)", ErrHead, name, key, strings.Join(sd.stringKeys(), ", "))
		}
		t, ok := v.(*pyTensor)
		if !ok {
			return nil, nil, fmt.Errorf("%w: %s: %s is a %s, not a tensor", ErrHead, name, key, pyType(v))
		}
		st, err := load(t.storage)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s: %s: %v", ErrHead, name, key, err)
		}
		vals, err := gather(st, t)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s: %s: %v", ErrHead, name, key, err)
		}
		return t, vals, nil
	}
	h := &Head{}
	for k := range Stages {
		wt, w, err := tensor(WeightName(k))
		if err != nil {
			return nil, err
		}
		if len(wt.size) != 2 || wt.size[0] < 1 || wt.size[1] < 1 || wt.size[0] > maxDim || wt.size[1] > maxDim {
			return nil, fmt.Errorf("%w: %s: %s has shape %v, want [E,W] (e.g. [640,896])", ErrHead, name, WeightName(k), wt.size)
		}
		if k == 0 {
			h.Embed, h.Width = int(wt.size[0]), int(wt.size[1])
		} else if int(wt.size[0]) != h.Embed || int(wt.size[1]) != h.Width {
			return nil, fmt.Errorf("%w: %s: %s has shape %v, fc.0.weight has [%d %d]", ErrHead, name, WeightName(k), wt.size, h.Embed, h.Width)
		}
		bt, b, err := tensor(BiasName(k))
		if err != nil {
			return nil, err
		}
		if len(bt.size) != 1 || int(bt.size[0]) != h.Embed {
			return nil, fmt.Errorf("%w: %s: %s has shape %v, want [%d]", ErrHead, name, BiasName(k), bt.size, h.Embed)
		}
		h.Weight[k], h.Bias[k] = w, b
	}
	var extra []string
	for _, k := range sd.stringKeys() {
		if !strings.HasPrefix(k, "fc.") || len(k) < 4 || k[3] < '0' || k[3] >= '0'+Stages {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return nil, fmt.Errorf("%w: %s: linear_layers has unexpected entries %s (not the 4-stage CLIP-AD head)", ErrHead, name, strings.Join(extra, ", "))
	}
	h.Meta.Source = "import " + path.Base(strings.ReplaceAll(name, "\\", "/"))
	if err := h.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return h, nil
}

// gather copies a strided view out of its storage (row-major result).
func gather(st []float32, t *pyTensor) ([]float32, error) {
	n := int64(1)
	maxIdx := t.offset
	for i, d := range t.size {
		if d == 0 {
			n = 0
			break
		}
		if n > math.MaxInt32/d {
			return nil, fmt.Errorf("tensor of shape %v is too large", t.size)
		}
		n *= d
		maxIdx += (d - 1) * t.stride[i]
	}
	if n == 0 {
		return []float32{}, nil
	}
	if maxIdx >= int64(len(st)) {
		return nil, fmt.Errorf("view (offset %d, shape %v, stride %v) runs past its storage of %d elements", t.offset, t.size, t.stride, len(st))
	}
	out := make([]float32, n)
	idx := make([]int64, len(t.size))
	for i := range out {
		p := t.offset
		for d := range idx {
			p += idx[d] * t.stride[d]
		}
		out[i] = st[p]
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < t.size[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out, nil
}

// readZip reads a zip entry of at most limit bytes.
func readZip(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("archive entry %s is %d bytes (at most %d expected)", f.Name, f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("archive entry %s: %v", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("archive entry %s: %v", f.Name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("archive entry %s is larger than declared", f.Name)
	}
	return b, nil
}
