package onnx

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"google.golang.org/protobuf/encoding/protowire"
)

// enc writes protobuf wire format either into memory, to an io.Writer
// (through a small buffer; bulk tensor data goes out in chunks, so a
// model is never held twice), or — in counting mode — only adds up the
// size. Every message has a single encode method used for both sizing
// and writing, so length prefixes always match what is written.
type enc struct {
	counting bool
	n        int64 // bytes counted or written
	buf      []byte
	w        io.Writer // nil: accumulate everything in buf
	err      error
}

const flushAt = 1 << 16

type message interface{ encode(e *enc) }

func (e *enc) flush() {
	if e.w == nil || e.err != nil || len(e.buf) == 0 {
		return
	}
	_, e.err = e.w.Write(e.buf)
	e.buf = e.buf[:0]
}

func (e *enc) maybeFlush() {
	if e.w != nil && len(e.buf) >= flushAt {
		e.flush()
	}
}

func (e *enc) tag(num protowire.Number, typ protowire.Type) {
	if e.counting {
		e.n += int64(protowire.SizeTag(num))
		return
	}
	l := len(e.buf)
	e.buf = protowire.AppendTag(e.buf, num, typ)
	e.n += int64(len(e.buf) - l)
	e.maybeFlush()
}

func (e *enc) varint(v uint64) {
	if e.counting {
		e.n += int64(protowire.SizeVarint(v))
		return
	}
	l := len(e.buf)
	e.buf = protowire.AppendVarint(e.buf, v)
	e.n += int64(len(e.buf) - l)
	e.maybeFlush()
}

// raw appends bytes without a tag.
func (e *enc) raw(b []byte) {
	e.n += int64(len(b))
	if e.counting {
		return
	}
	if e.w != nil && len(b) >= flushAt {
		e.flush()
		if e.err == nil {
			_, e.err = e.w.Write(b)
		}
		return
	}
	e.buf = append(e.buf, b...)
	e.maybeFlush()
}

func (e *enc) rawString(s string) {
	e.n += int64(len(s))
	if e.counting {
		return
	}
	e.buf = append(e.buf, s...)
	e.maybeFlush()
}

func (e *enc) int64Field(num protowire.Number, v int64) {
	e.tag(num, protowire.VarintType)
	e.varint(uint64(v))
}

// optInt writes a scalar varint field unless it is zero.
func (e *enc) optInt(num protowire.Number, v int64) {
	if v != 0 {
		e.int64Field(num, v)
	}
}

func (e *enc) bytesField(num protowire.Number, b []byte) {
	e.tag(num, protowire.BytesType)
	e.varint(uint64(len(b)))
	e.raw(b)
}

func (e *enc) stringField(num protowire.Number, s string) {
	e.tag(num, protowire.BytesType)
	e.varint(uint64(len(s)))
	e.rawString(s)
}

func (e *enc) optString(num protowire.Number, s string) {
	if s != "" {
		e.stringField(num, s)
	}
}

func (e *enc) msg(num protowire.Number, m message) {
	e.tag(num, protowire.BytesType)
	e.varint(uint64(sizeOf(m)))
	m.encode(e)
}

// packedFloats writes a packed repeated float field (little-endian fixed32).
func (e *enc) packedFloats(num protowire.Number, v []float32) {
	if len(v) == 0 {
		return
	}
	e.rawFloats(num, v)
}

// rawFloats writes v as one length-delimited field of little-endian
// float32s (the layout of both packed float_data and FLOAT raw_data).
func (e *enc) rawFloats(num protowire.Number, v []float32) {
	e.tag(num, protowire.BytesType)
	e.varint(uint64(4 * len(v)))
	if e.counting {
		e.n += int64(4 * len(v))
		return
	}
	for len(v) > 0 {
		c := min(len(v), flushAt/4)
		for _, f := range v[:c] {
			e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(f))
		}
		e.n += int64(4 * c)
		v = v[c:]
		e.maybeFlush()
	}
}

func (e *enc) packedDoubles(num protowire.Number, v []float64) {
	if len(v) == 0 {
		return
	}
	e.tag(num, protowire.BytesType)
	e.varint(uint64(8 * len(v)))
	if e.counting {
		e.n += int64(8 * len(v))
		return
	}
	for _, f := range v {
		e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(f))
		e.n += 8
		e.maybeFlush()
	}
}

// packedVarints writes a packed repeated varint field (int32 values are
// sign-extended to 64 bits, as protobuf does for negative int32).
func (e *enc) packedVarints(num protowire.Number, n int, at func(i int) uint64) {
	if n == 0 {
		return
	}
	size := 0
	for i := 0; i < n; i++ {
		size += protowire.SizeVarint(at(i))
	}
	e.tag(num, protowire.BytesType)
	e.varint(uint64(size))
	if e.counting {
		e.n += int64(size)
		return
	}
	for i := 0; i < n; i++ {
		l := len(e.buf)
		e.buf = protowire.AppendVarint(e.buf, at(i))
		e.n += int64(len(e.buf) - l)
		e.maybeFlush()
	}
}

func sizeOf(m message) int64 {
	c := enc{counting: true}
	m.encode(&c)
	return c.n
}

func (m *Model) encode(e *enc) {
	e.optInt(1, m.IRVersion)
	e.optString(2, m.ProducerName)
	e.optString(3, m.ProducerVersion)
	e.optString(4, m.Domain)
	e.optInt(5, m.ModelVersion)
	e.optString(6, m.DocString)
	if m.Graph != nil {
		e.msg(7, m.Graph)
	}
	for i := range m.OpsetImport {
		e.msg(8, &m.OpsetImport[i])
	}
	for i := range m.MetadataProps {
		e.msg(14, &m.MetadataProps[i])
	}
}

func (o *OperatorSetID) encode(e *enc) {
	// domain "" is the default ONNX domain; it is written explicitly
	// (as onnx.helper does) only when non-empty.
	e.optString(1, o.Domain)
	e.int64Field(2, o.Version)
}

func (s *StringEntry) encode(e *enc) {
	e.optString(1, s.Key)
	e.optString(2, s.Value)
}

func (g *Graph) encode(e *enc) {
	for _, n := range g.Node {
		e.msg(1, n)
	}
	e.optString(2, g.Name)
	for _, t := range g.Initializer {
		e.msg(5, t)
	}
	e.optString(10, g.DocString)
	for _, v := range g.Input {
		e.msg(11, v)
	}
	for _, v := range g.Output {
		e.msg(12, v)
	}
	for _, v := range g.ValueInfo {
		e.msg(13, v)
	}
}

func (n *Node) encode(e *enc) {
	for _, s := range n.Input {
		e.stringField(1, s)
	}
	for _, s := range n.Output {
		e.stringField(2, s)
	}
	e.optString(3, n.Name)
	e.optString(4, n.OpType)
	for _, a := range n.Attribute {
		e.msg(5, a)
	}
	e.optString(6, n.DocString)
	e.optString(7, n.Domain)
}

func (a *Attribute) encode(e *enc) {
	e.optString(1, a.Name)
	// The value field matching Type is always written (even when zero);
	// any other populated field is written as well.
	if a.Type == AttrFloat || a.F != 0 {
		e.tag(2, protowire.Fixed32Type)
		if e.counting {
			e.n += 4
		} else {
			e.buf = protowire.AppendFixed32(e.buf, math.Float32bits(a.F))
			e.n += 4
		}
	}
	if a.Type == AttrInt || a.I != 0 {
		e.int64Field(3, a.I)
	}
	if a.Type == AttrString || a.S != nil {
		e.bytesField(4, a.S)
	}
	if a.T != nil {
		e.msg(5, a.T)
	}
	if a.G != nil {
		e.msg(6, a.G)
	}
	// floats (7) and ints (8) are plain repeated fields in onnx.proto
	// (proto2, not [packed=true]); written unpacked like protobuf C++.
	for _, f := range a.Floats {
		e.tag(7, protowire.Fixed32Type)
		if e.counting {
			e.n += 4
		} else {
			e.buf = protowire.AppendFixed32(e.buf, math.Float32bits(f))
			e.n += 4
		}
	}
	for _, v := range a.Ints {
		e.int64Field(8, v)
	}
	for _, s := range a.Strings {
		e.bytesField(9, s)
	}
	for _, t := range a.Tensors {
		e.msg(10, t)
	}
	for _, g := range a.Graphs {
		e.msg(11, g)
	}
	e.optString(13, a.DocString)
	e.optInt(20, int64(a.Type))
}

func (t *Tensor) encode(e *enc) {
	// dims (1) is a plain repeated int64 in onnx.proto: written unpacked.
	for _, d := range t.Dims {
		e.int64Field(1, d)
	}
	e.optInt(2, int64(t.DataType))
	e.packedFloats(4, t.FloatData)
	e.packedVarints(5, len(t.Int32Data), func(i int) uint64 { return uint64(int64(t.Int32Data[i])) })
	e.packedVarints(7, len(t.Int64Data), func(i int) uint64 { return uint64(t.Int64Data[i]) })
	e.optString(8, t.Name)
	if t.RawData != nil {
		e.bytesField(9, t.RawData)
	} else if t.RawFloats != nil {
		e.rawFloats(9, t.RawFloats)
	}
	e.packedDoubles(10, t.DoubleData)
	e.packedVarints(11, len(t.Uint64Data), func(i int) uint64 { return t.Uint64Data[i] })
	e.optString(12, t.DocString)
	for i := range t.ExternalData {
		e.msg(13, &t.ExternalData[i])
	}
	e.optInt(14, int64(t.DataLocation))
}

func (v *ValueInfo) encode(e *enc) {
	e.optString(1, v.Name)
	if v.Type != nil {
		e.msg(2, typeProto{v.Type})
	}
	e.optString(3, v.DocString)
}

// typeProto wraps a TensorType as TypeProto{tensor_type: ...}.
type typeProto struct{ t *TensorType }

func (p typeProto) encode(e *enc) { e.msg(1, p.t) }

func (t *TensorType) encode(e *enc) {
	e.optInt(1, int64(t.ElemType))
	if t.HasShape || len(t.Shape) > 0 {
		e.msg(2, shapeProto(t.Shape))
	}
}

type shapeProto []Dim

func (s shapeProto) encode(e *enc) {
	for i := range s {
		e.msg(1, &s[i])
	}
}

func (d *Dim) encode(e *enc) {
	switch {
	case d.Param != "":
		e.stringField(2, d.Param)
	case d.Value >= 0:
		e.int64Field(1, d.Value)
	}
	// Value < 0 without a name: unknown dimension, written empty.
}

// Size is the encoded size of the model in bytes.
func (m *Model) Size() int64 { return sizeOf(m) }

// Marshal encodes the model into one buffer.
func (m *Model) Marshal() ([]byte, error) {
	size := m.Size()
	if size >= 1<<31 {
		return nil, ErrTooLarge
	}
	e := enc{buf: make([]byte, 0, int(size))}
	m.encode(&e)
	if e.n != size {
		return nil, fmt.Errorf("onnx: internal error: encoded %d bytes, sized %d", e.n, size)
	}
	return e.buf, nil
}

// ErrTooLarge is returned when a model exceeds protobuf's 2 GiB limit,
// which onnxruntime (protobuf C++) cannot parse.
var ErrTooLarge = errors.New("onnx: model exceeds protobuf's 2 GiB limit; external data is not supported")

// WriteTo streams the encoded model to w; tensor data is written in
// chunks straight from the tensors (no whole-model buffer).
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	size := m.Size()
	if size >= 1<<31 {
		return 0, ErrTooLarge
	}
	e := enc{buf: make([]byte, 0, 2*flushAt), w: w}
	m.encode(&e)
	e.flush()
	if e.err != nil {
		return e.n, e.err
	}
	if e.n != size {
		return e.n, fmt.Errorf("onnx: internal error: wrote %d bytes, sized %d", e.n, size)
	}
	return e.n, nil
}

// WriteFile writes the model to path (created or truncated) through a
// buffered writer.
func WriteFile(path string, m *Model) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if _, err := m.WriteTo(bw); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("onnx: writing %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("onnx: writing %s: %w", path, err)
	}
	return f.Close()
}
