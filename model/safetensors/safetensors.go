package safetensors

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"unsafe"
)

// Info describes one stored tensor.
type Info struct {
	Name   string
	DType  string
	Shape  []int
	Offset int64 // absolute file offset of the data
	Size   int64 // bytes
}

// Elems is the number of elements.
func (i Info) Elems() int { return Elems(i.Shape) }

// Elems multiplies out a shape.
func Elems(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// File is an open safetensors file.
type File struct {
	r        io.ReaderAt
	closer   io.Closer
	path     string
	infos    map[string]Info
	Metadata map[string]string
}

const maxHeader = 100 << 20

var dtypeSize = map[string]int64{"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "I8": 1, "U8": 1, "BOOL": 1, "I16": 2}

// Open parses the header of a safetensors file.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	sf, err := NewReader(f, st.Size(), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	sf.closer = f
	return sf, nil
}

// NewReader parses a safetensors image of the given size.
func NewReader(r io.ReaderAt, size int64, name string) (*File, error) {
	if size < 8 {
		return nil, fmt.Errorf("%s: not a safetensors file: %d bytes is shorter than the 8-byte header length", name, size)
	}
	var lb [8]byte
	if _, err := r.ReadAt(lb[:], 0); err != nil {
		return nil, fmt.Errorf("%s: reading header length: %w", name, err)
	}
	hl := binary.LittleEndian.Uint64(lb[:])
	if hl == 0 || hl > maxHeader || int64(hl) > size-8 {
		return nil, fmt.Errorf("%s: not a safetensors file or truncated: header length %d does not fit in %d bytes", name, hl, size)
	}
	hdr := make([]byte, hl)
	if _, err := r.ReadAt(hdr, 8); err != nil {
		return nil, fmt.Errorf("%s: reading header: %w", name, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &raw); err != nil {
		return nil, fmt.Errorf("%s: corrupt safetensors header: %v", name, err)
	}
	base := 8 + int64(hl)
	sf := &File{r: r, path: name, infos: map[string]Info{}}
	for k, v := range raw {
		if k == "__metadata__" {
			if err := json.Unmarshal(v, &sf.Metadata); err != nil {
				return nil, fmt.Errorf("%s: corrupt __metadata__: %v", name, err)
			}
			continue
		}
		var e struct {
			DType   string  `json:"dtype"`
			Shape   []int   `json:"shape"`
			Offsets []int64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("%s: tensor %q: corrupt header entry: %v", name, k, err)
		}
		es, ok := dtypeSize[e.DType]
		if !ok {
			return nil, fmt.Errorf("%s: tensor %q: unsupported dtype %q", name, k, e.DType)
		}
		if len(e.Offsets) != 2 || e.Offsets[0] < 0 || e.Offsets[1] < e.Offsets[0] {
			return nil, fmt.Errorf("%s: tensor %q: bad data_offsets %v", name, k, e.Offsets)
		}
		n := int64(1)
		for _, d := range e.Shape {
			if d < 0 || (d > 0 && n > math.MaxInt64/int64(d)/8) {
				return nil, fmt.Errorf("%s: tensor %q: bad shape %v", name, k, e.Shape)
			}
			n *= int64(d)
		}
		if got := e.Offsets[1] - e.Offsets[0]; got != n*es {
			return nil, fmt.Errorf("%s: tensor %q: %s%v needs %d bytes, offsets give %d", name, k, e.DType, e.Shape, n*es, got)
		}
		if base+e.Offsets[1] > size {
			return nil, fmt.Errorf("%s: truncated: tensor %q ends at byte %d, file has %d", name, k, base+e.Offsets[1], size)
		}
		sf.infos[k] = Info{Name: k, DType: e.DType, Shape: e.Shape, Offset: base + e.Offsets[0], Size: n * es}
	}
	return sf, nil
}

// Close releases the file.
func (f *File) Close() error {
	if f.closer != nil {
		return f.closer.Close()
	}
	return nil
}

// Names lists the tensors in sorted order.
func (f *File) Names() []string {
	n := make([]string, 0, len(f.infos))
	for k := range f.infos {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Info returns a tensor's description.
func (f *File) Info(name string) (Info, bool) {
	i, ok := f.infos[name]
	return i, ok
}

// Float32 reads a tensor converted to float32.
func (f *File) Float32(name string) ([]float32, error) {
	info, ok := f.infos[name]
	if !ok {
		return nil, fmt.Errorf("%s: tensor %q not found", f.path, name)
	}
	n := info.Elems()
	out := make([]float32, n)
	switch info.DType {
	case "F32":
		if n > 0 {
			b := unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), 4*n)
			if _, err := f.r.ReadAt(b, info.Offset); err != nil {
				return nil, fmt.Errorf("%s: reading %q: %w", f.path, name, err)
			}
			if !littleEndian {
				for i := range out {
					out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
				}
			}
		}
		return out, nil
	case "F16", "BF16", "F64":
		b := make([]byte, info.Size)
		if _, err := f.r.ReadAt(b, info.Offset); err != nil {
			return nil, fmt.Errorf("%s: reading %q: %w", f.path, name, err)
		}
		for i := range out {
			switch info.DType {
			case "F16":
				out[i] = HalfToFloat(binary.LittleEndian.Uint16(b[2*i:]))
			case "BF16":
				out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
			case "F64":
				out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: tensor %q has dtype %s, expected a floating-point tensor (F32, F16, BF16, F64)", f.path, name, info.DType)
}

var littleEndian = func() bool { x := uint16(1); return *(*byte)(unsafe.Pointer(&x)) == 1 }()

// HalfToFloat converts IEEE 754 binary16 bits to float32.
func HalfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0:
		if mant == 0 {
			return math.Float32frombits(sign)
		}
		// subnormal: normalise
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		mant &= 0x3ff
		return math.Float32frombits(sign | e<<23 | mant<<13)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// Tensor is an in-memory float32 tensor to write.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Write writes tensors (F32) in the given order with optional metadata.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	hdr := map[string]any{}
	if len(metadata) > 0 {
		hdr["__metadata__"] = metadata
	}
	var off int64
	for _, t := range tensors {
		if Elems(t.Shape) != len(t.Data) {
			return fmt.Errorf("safetensors: tensor %q: shape %v does not match %d values", t.Name, t.Shape, len(t.Data))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		n := int64(4 * len(t.Data))
		hdr[t.Name] = map[string]any{"dtype": "F32", "shape": shape, "data_offsets": []int64{off, off + n}}
		off += n
	}
	hb, err := json.Marshal(hdr)
	if err != nil {
		return err
	}
	for len(hb)%8 != 0 { // keep the data 8-byte aligned as the reference writer does
		hb = append(hb, ' ')
	}
	var lb [8]byte
	binary.LittleEndian.PutUint64(lb[:], uint64(len(hb)))
	if _, err := w.Write(lb[:]); err != nil {
		return err
	}
	if _, err := w.Write(hb); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	for _, t := range tensors {
		for i, v := range t.Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) >= 1<<16 || i == len(t.Data)-1 {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	return nil
}

// WriteFile writes tensors to path.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := Write(bw, tensors, metadata); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
