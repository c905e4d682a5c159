package onnx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
)

// fullModel populates every field this package models.
func fullModel() *Model {
	body := &Graph{
		Name: "body",
		Node: []*Node{{Input: []string{"a"}, Output: []string{"b"}, OpType: "Identity"}},
	}
	return &Model{
		IRVersion: 8, ProducerName: "clipad", ProducerVersion: "test", Domain: "ai.clipad",
		ModelVersion: 3, DocString: "doc ✓",
		OpsetImport:   []OperatorSetID{{Version: 17}, {Domain: "com.microsoft", Version: 1}},
		MetadataProps: []StringEntry{{Key: "k", Value: "v"}, {Key: "empty"}},
		Graph: &Graph{
			Name:      "g",
			DocString: "graph doc",
			Node: []*Node{
				{
					Input: []string{"x", "", "w"}, Output: []string{"y"}, Name: "n0", OpType: "Conv",
					Domain: "", DocString: "node doc",
					Attribute: []*Attribute{
						IntsAttr("kernel_shape", 8, 8),
						IntsAttr("neg", -1, 0, math.MaxInt64, math.MinInt64),
						IntAttr("axis", -1),
						IntAttr("zero", 0),
						FloatAttr("epsilon", 1e-5),
						FloatAttr("zerof", 0),
						StringAttr("mode", "constant"),
						{Name: "fl", Type: AttrFloats, Floats: []float32{1.5, -2, float32(math.Inf(1))}},
						{Name: "ss", Type: AttrStrings, Strings: [][]byte{[]byte("a"), {}, []byte("ccc")}},
						TensorAttr("value", Int64Tensor("c", []int{2}, []int64{1, -2})),
						{Name: "ts", Type: AttrTensors, Tensors: []*Tensor{FloatTensor("t0", []int{1}, []float32{3})}},
						{Name: "then_branch", Type: AttrGraph, G: body},
						{Name: "gs", Type: AttrGraphs, Graphs: []*Graph{body, {Name: "empty"}}},
						{Name: "withdoc", Type: AttrInt, I: 7, DocString: "attr doc"},
					},
				},
				{Input: []string{"y"}, Output: []string{"z", "z2"}, OpType: "Split"},
			},
			Initializer: []*Tensor{
				FloatTensor("f", []int{2, 3}, []float32{1, 2, 3, 4, 5, float32(math.NaN())}),
				{Name: "r", Dims: []int64{3}, DataType: Float, RawData: leFloats(-1, 0, 1)},
				{Name: "i32", Dims: []int64{3}, DataType: Int32, Int32Data: []int32{-5, 0, math.MaxInt32}},
				Int64Tensor("i64", []int{2}, []int64{math.MinInt64, 42}),
				{Name: "d", Dims: []int64{2}, DataType: Double, DoubleData: []float64{math.Pi, -0.5}},
				{Name: "u", Dims: []int64{2}, DataType: Uint64, Uint64Data: []uint64{math.MaxUint64, 1}},
				{Name: "scalar", DataType: Float, FloatData: []float32{2.5}, DocString: "tdoc"},
				{Name: "emptyraw", Dims: []int64{0}, DataType: Float, RawData: []byte{}},
				{Name: "ext", Dims: []int64{4}, DataType: Float, DataLocation: LocationExternal,
					ExternalData: []StringEntry{{Key: "location", Value: "w.bin"}, {Key: "offset", Value: "0"}}},
			},
			Input: []*ValueInfo{
				TensorValueInfo("x", Float, "N", 3, 32, 32),
				{Name: "noshape", Type: &TensorType{ElemType: Int64}},
				TensorValueInfo("scalarin", Float),
				{Name: "unknowndim", Type: &TensorType{ElemType: Float, HasShape: true, Shape: []Dim{{Value: -1}, {Value: 0}}}},
				{Name: "notype", DocString: "vdoc"},
			},
			Output:    []*ValueInfo{TensorValueInfo("z", Float, "N", 16)},
			ValueInfo: []*ValueInfo{TensorValueInfo("y", Float, "N", 32, 4, 4)},
		},
	}
}

func leFloats(v ...float32) []byte {
	var b []byte
	for _, f := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return b
}

// RawFloats (the writer convenience) is written exactly like raw_data bytes
// and comes back as RawData.
func TestRawFloatsEncodeAsRawData(t *testing.T) {
	vals := make([]float32, 40000) // several flush chunks
	for i := range vals {
		vals[i] = float32(i)*0.25 - 7
	}
	a := &Model{Graph: &Graph{Initializer: []*Tensor{RawFloatTensor("w", []int{200, 200}, vals)}}}
	b := &Model{Graph: &Graph{Initializer: []*Tensor{{Name: "w", Dims: []int64{200, 200}, DataType: Float, RawData: leFloats(vals...)}}}}
	ab, bb := mustMarshal(t, a), mustMarshal(t, b)
	if !bytes.Equal(ab, bb) {
		t.Fatal("RawFloats and RawData encode differently")
	}
	var buf bytes.Buffer
	if _, err := a.WriteTo(&buf); err != nil || !bytes.Equal(buf.Bytes(), bb) {
		t.Fatalf("streamed RawFloats differ: %v", err)
	}
	m, err := Decode(ab)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Graph.Initializer[0].Float32()
	if err != nil || !reflect.DeepEqual(got, vals) || m.Graph.Initializer[0].RawFloats != nil {
		t.Fatalf("decode: %v", err)
	}
	if v, _ := a.Graph.Initializer[0].Float32(); !reflect.DeepEqual(v, vals) {
		t.Fatal("Float32 of an in-memory RawFloats tensor")
	}
}

func mustMarshal(t testing.TB, m *Model) []byte {
	t.Helper()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	m := fullModel()
	b := mustMarshal(t, m)
	if int64(len(b)) != m.Size() {
		t.Fatalf("Marshal gave %d bytes, Size says %d", len(b), m.Size())
	}
	var buf bytes.Buffer
	n, err := m.WriteTo(&buf)
	if err != nil || n != int64(len(b)) || !bytes.Equal(buf.Bytes(), b) {
		t.Fatalf("WriteTo differs from Marshal (n=%d err=%v)", n, err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	// NaN != NaN for DeepEqual: compare that value by bits, then neutralise it.
	gf, wf := got.Graph.Initializer[0].FloatData, m.Graph.Initializer[0].FloatData
	if math.Float32bits(gf[5]) != math.Float32bits(wf[5]) {
		t.Fatalf("NaN payload changed")
	}
	gf[5], wf[5] = 0, 0
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip changed the model:\n got %+v\nwant %+v", got.Graph, m.Graph)
	}
	// A second round gives identical bytes.
	if b2 := mustMarshal(t, got); !bytes.Equal(b2, mustMarshal(t, m)) {
		t.Fatal("re-encoding differs")
	}
}

func TestWriteFileReadFile(t *testing.T) {
	m := fullModel()
	p := filepath.Join(t.TempDir(), "m.onnx")
	if err := WriteFile(p, m); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(p)
	if !bytes.Equal(raw, mustMarshal(t, m)) {
		t.Fatal("WriteFile bytes differ from Marshal")
	}
	got, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Graph.InitializerByName("r") == nil || got.Metadata("k") != "v" {
		t.Fatal("file did not round-trip")
	}
}

// TestWireLayout pins field numbers and packing against hand-written
// protobuf bytes (a round trip alone cannot catch a wrong field number).
func TestWireLayout(t *testing.T) {
	var want []byte
	app := func(num protowire.Number, typ protowire.Type) { want = protowire.AppendTag(want, num, typ) }
	// TensorProto{dims:[2,3] unpacked, data_type:FLOAT, float_data packed, name:"w"}
	tens := &Tensor{Name: "w", Dims: []int64{2, 3}, DataType: Float, FloatData: []float32{1, 2, 3, 4, 5, 6}}
	app(1, protowire.VarintType)
	want = protowire.AppendVarint(want, 2)
	app(1, protowire.VarintType)
	want = protowire.AppendVarint(want, 3)
	app(2, protowire.VarintType)
	want = protowire.AppendVarint(want, 1)
	app(4, protowire.BytesType)
	want = protowire.AppendVarint(want, 24)
	for _, f := range tens.FloatData {
		want = binary.LittleEndian.AppendUint32(want, math.Float32bits(f))
	}
	app(8, protowire.BytesType)
	want = protowire.AppendString(want, "w")
	e := enc{}
	tens.encode(&e)
	if !bytes.Equal(e.buf, want) {
		t.Fatalf("TensorProto bytes\n got %x\nwant %x", e.buf, want)
	}

	// ModelProto{ir_version:8, graph:{name:"g"}, opset_import:{version:17}, metadata_props:{k,v}}
	m := &Model{IRVersion: 8, Graph: &Graph{Name: "g"}, OpsetImport: []OperatorSetID{{Version: 17}},
		MetadataProps: []StringEntry{{Key: "k", Value: "v"}}}
	want = []byte{
		0x08, 8, // 1: ir_version
		0x3a, 3, 0x12, 1, 'g', // 7: graph { 2: name }
		0x42, 2, 0x10, 17, // 8: opset_import { 2: version }
		0x72, 6, 0x0a, 1, 'k', 0x12, 1, 'v', // 14: metadata_props
	}
	if got := mustMarshal(t, m); !bytes.Equal(got, want) {
		t.Fatalf("ModelProto bytes\n got %x\nwant %x", got, want)
	}

	// NodeProto{input:"a", output:"b", op_type:"Relu", attribute:{name:"x", i:5, type:INT}}
	n := &Node{Input: []string{"a"}, Output: []string{"b"}, OpType: "Relu", Attribute: []*Attribute{IntAttr("x", 5)}}
	want = []byte{0x0a, 1, 'a', 0x12, 1, 'b', 0x22, 4, 'R', 'e', 'l', 'u',
		0x2a, 8, 0x0a, 1, 'x', 0x18, 5, 0xa0, 0x01, 2}
	e = enc{}
	n.encode(&e)
	if !bytes.Equal(e.buf, want) {
		t.Fatalf("NodeProto bytes\n got %x\nwant %x", e.buf, want)
	}

	// ValueInfoProto{name:"x", type:{tensor_type:{elem_type:1, shape:{dim:[{dim_param:"N"},{dim_value:3}]}}}}
	v := TensorValueInfo("x", Float, "N", 3)
	want = []byte{0x0a, 1, 'x', 0x12, 15, 0x0a, 13, 0x08, 1, 0x12, 9, 0x0a, 3, 0x12, 1, 'N', 0x0a, 2, 0x08, 3}
	e = enc{}
	v.encode(&e)
	if !bytes.Equal(e.buf, want) {
		t.Fatalf("ValueInfoProto bytes\n got %x\nwant %x", e.buf, want)
	}
}

// Other writers pack dims and attribute ints/floats (protobufjs) or write
// float_data unpacked; all forms must decode to the same values.
func TestDecodeAlternateForms(t *testing.T) {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType) // packed dims
	b = protowire.AppendBytes(b, []byte{2, 3})
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, 1)
	for _, f := range []float32{1, 2, 3} { // unpacked float_data ...
		b = protowire.AppendTag(b, 4, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(f))
	}
	b = protowire.AppendTag(b, 4, protowire.BytesType) // ... then a packed chunk
	b = binary.LittleEndian.AppendUint32(protowire.AppendVarint(b, 12), math.Float32bits(4))
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(5))
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(6))
	var tens Tensor
	if err := decodeTensor(b, &tens); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tens.Dims, []int64{2, 3}) || !reflect.DeepEqual(tens.FloatData, []float32{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("got dims %v floats %v", tens.Dims, tens.FloatData)
	}
	var a []byte
	a = protowire.AppendTag(a, 8, protowire.BytesType) // packed ints with a negative value
	var packed []byte
	for _, v := range []int64{8, -1, 300} {
		packed = protowire.AppendVarint(packed, uint64(v))
	}
	a = protowire.AppendBytes(a, packed)
	var attr Attribute
	if err := decodeAttribute(a, &attr, 0); err != nil || !reflect.DeepEqual(attr.Ints, []int64{8, -1, 300}) {
		t.Fatalf("packed ints: %v %v", attr.Ints, err)
	}
	// Unknown fields (including a group) are skipped.
	var u []byte
	u = protowire.AppendTag(u, 99, protowire.VarintType)
	u = protowire.AppendVarint(u, 5)
	u = protowire.AppendTag(u, 98, protowire.StartGroupType)
	u = protowire.AppendTag(u, 1, protowire.VarintType)
	u = protowire.AppendVarint(u, 1)
	u = protowire.AppendTag(u, 98, protowire.EndGroupType)
	u = protowire.AppendTag(u, 1, protowire.VarintType)
	u = protowire.AppendVarint(u, 9)
	m, err := Decode(u)
	if err != nil || m.IRVersion != 9 {
		t.Fatalf("unknown fields: %v %+v", err, m)
	}
}

func TestRawDataAliasesInput(t *testing.T) {
	m := &Model{Graph: &Graph{Initializer: []*Tensor{RawFloatTensor("w", []int{1000}, make([]float32, 1000))}}}
	b := mustMarshal(t, m)
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	raw := got.Graph.Initializer[0].RawData
	p := uintptr(unsafe.Pointer(unsafe.SliceData(raw)))
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if p < lo || p+uintptr(len(raw)) > lo+uintptr(len(b)) {
		t.Fatal("raw_data was copied instead of aliasing the input")
	}
	if cap(raw) != len(raw) {
		t.Fatal("aliased raw_data must have cap == len so appends cannot clobber the input")
	}
}

// fieldEnds lists the offsets at which top-level fields of b end.
func fieldEnds(t *testing.T, b []byte) map[int]bool {
	ends := map[int]bool{0: true}
	off := 0
	for off < len(b) {
		_, n, err := next(b[off:])
		if err != nil {
			t.Fatal(err)
		}
		off += n
		ends[off] = true
	}
	return ends
}

func TestTruncatedInputFails(t *testing.T) {
	b := mustMarshal(t, fullModel())
	ends := fieldEnds(t, b)
	for i := 0; i < len(b); i++ {
		_, err := Decode(b[:i])
		if ends[i] {
			if err != nil {
				t.Fatalf("prefix %d ends at a field boundary and is a valid message, got %v", i, err)
			}
		} else if err == nil {
			t.Fatalf("truncated input of %d/%d bytes decoded without error", i, len(b))
		}
	}
}

// nest wraps content as length-delimited field num.
func nest(num protowire.Number, content []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), content)
}

func TestCorruptInputFails(t *testing.T) {
	cases := map[string][]byte{
		"wrong wire type":      {0x0a, 0}, // ir_version as bytes
		"graph past end":       {0x3a, 10, 0x12},
		"bad varint":           {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"end group at top":     {0x0c},
		"wire type 7":          {0x0f},
		"packed floats not x4": {0x3a, 7, 0x2a, 5, 0x22, 3, 1, 2, 3},
		"negative dim_value": nest(7, nest(11, nest(2, nest(1, nest(2, nest(1,
			protowire.AppendVarint([]byte{0x08}, uint64(1<<64-1)))))))),
		"segmented tensor":      {0x3a, 4, 0x2a, 2, 0x1a, 0},
		"sequence type":         {0x3a, 6, 0x5a, 4, 0x12, 2, 0x22, 0},
		"sparse initializer":    {0x3a, 2, 0x7a, 0},
		"field number zero":     {0x00, 0x01},
		"packed varint cut":     {0x3a, 5, 0x2a, 3, 0x0a, 1, 0x80},
		"string past end":       {0x12, 5, 'a'},
		"fixed32 cut":           {0x3a, 6, 0x0a, 4, 0x2a, 2, 0x15, 0},
		"huge length in tensor": {0x3a, 8, 0x2a, 6, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x07},
	}
	for name, b := range cases {
		if _, err := Decode(b); err == nil {
			t.Errorf("%s: decoded %x without error", name, b)
		} else if !strings.HasPrefix(err.Error(), "onnx: ") {
			t.Errorf("%s: error %q lacks the onnx: prefix", name, err)
		}
	}
}

// A length prefix claiming gigabytes must fail before allocating anything
// of that size.
func TestHugeLengthDoesNotAllocate(t *testing.T) {
	inputs := [][]byte{
		{0x3a, 0xff, 0xff, 0xff, 0xff, 0x07},                   // graph of 2 GiB
		{0x3a, 0x07, 0x2a, 0x05, 0x4a, 0xff, 0xff, 0xff, 0x7f}, // raw_data of 256 MiB
		{0x3a, 0x07, 0x2a, 0x05, 0x22, 0xff, 0xff, 0xff, 0x7f}, // packed floats
		{0x3a, 0x07, 0x2a, 0x05, 0x3a, 0xff, 0xff, 0xff, 0x7f}, // packed int64
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, b := range inputs {
		if _, err := Decode(b); err == nil {
			t.Fatalf("%x decoded", b)
		}
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Fatalf("decoding tiny corrupt inputs allocated %d bytes", d)
	}
}

func TestDeepGraphNestingFails(t *testing.T) {
	// graph{node{attribute{g: graph{node{...}}}}} nested 100 times.
	inner := []byte{}
	for i := 0; i < 100; i++ {
		var attr, node, g []byte
		attr = protowire.AppendTag(attr, 6, protowire.BytesType)
		attr = protowire.AppendBytes(attr, inner)
		node = protowire.AppendTag(node, 5, protowire.BytesType)
		node = protowire.AppendBytes(node, attr)
		g = protowire.AppendTag(g, 1, protowire.BytesType)
		g = protowire.AppendBytes(g, node)
		inner = g
	}
	var b []byte
	b = protowire.AppendTag(b, 7, protowire.BytesType)
	b = protowire.AppendBytes(b, inner)
	_, err := Decode(b)
	if err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("got %v", err)
	}
}

func TestFloatConversions(t *testing.T) {
	half := func(v ...uint16) []byte {
		var b []byte
		for _, h := range v {
			b = binary.LittleEndian.AppendUint16(b, h)
		}
		return b
	}
	cases := []struct {
		t    *Tensor
		want []float32
	}{
		{FloatTensor("a", []int{2}, []float32{1, -2}), []float32{1, -2}},
		{RawFloatTensor("b", []int{2, 1}, []float32{3, 4}), []float32{3, 4}},
		// 0x3c00 = 1, 0xc000 = -2, 0x0001 = smallest subnormal, 0x7c00 = +Inf
		{&Tensor{Name: "h", Dims: []int64{4}, DataType: Float16, RawData: half(0x3c00, 0xc000, 0x0001, 0x7c00)},
			[]float32{1, -2, float32(math.Ldexp(1, -24)), float32(math.Inf(1))}},
		{&Tensor{Name: "h32", Dims: []int64{2}, DataType: Float16, Int32Data: []int32{0x3800, 0x4200}}, []float32{0.5, 3}},
		{&Tensor{Name: "bf", Dims: []int64{2}, DataType: BFloat16, RawData: half(0x3f80, 0xc040)}, []float32{1, -3}},
		{&Tensor{Name: "bf32", Dims: []int64{1}, DataType: BFloat16, Int32Data: []int32{0x4000}}, []float32{2}},
		{&Tensor{Name: "d", Dims: []int64{2}, DataType: Double, DoubleData: []float64{0.25, -8}}, []float32{0.25, -8}},
		{&Tensor{Name: "draw", Dims: []int64{1}, DataType: Double,
			RawData: binary.LittleEndian.AppendUint64(nil, math.Float64bits(1.5))}, []float32{1.5}},
		{&Tensor{Name: "s", DataType: Float, FloatData: []float32{7}}, []float32{7}},
	}
	for _, c := range cases {
		got, err := c.t.Float32()
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, %v; want %v", c.t.Name, got, err, c.want)
		}
	}
	bad := []*Tensor{
		{Name: "short", Dims: []int64{3}, DataType: Float, RawData: make([]byte, 8)},
		{Name: "count", Dims: []int64{3}, DataType: Float, FloatData: []float32{1}},
		{Name: "int", Dims: []int64{1}, DataType: Int64, Int64Data: []int64{1}},
		{Name: "neg", Dims: []int64{-1}, DataType: Float},
		{Name: "overflow", Dims: []int64{1 << 40, 1 << 40}, DataType: Float},
	}
	for _, b := range bad {
		if _, err := b.Float32(); err == nil {
			t.Errorf("%s: no error", b.Name)
		}
	}
	ext := &Tensor{Name: "e", Dims: []int64{1}, DataType: Float, DataLocation: LocationExternal}
	if _, err := ext.Float32(); !errors.Is(err, ErrExternalData) || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("external data: %v", err)
	}
	ints, err := (&Tensor{Dims: []int64{2}, DataType: Int32, RawData: []byte{0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0}}).Int64()
	if err != nil || !reflect.DeepEqual(ints, []int64{-1, 2}) {
		t.Errorf("Int64 from int32 raw: %v %v", ints, err)
	}
}

func TestTooLargeRefused(t *testing.T) {
	// 65 initializers sharing one 32 MiB slice claim > 2 GiB; sizing reads
	// only lengths, so this is refused before anything is written.
	shared := make([]float32, 8<<20)
	g := &Graph{}
	for i := 0; i < 65; i++ {
		g.Initializer = append(g.Initializer, FloatTensor(fmt.Sprint("w", i), []int{len(shared)}, shared))
	}
	var w countWriter
	if _, err := (&Model{Graph: g}).WriteTo(&w); !errors.Is(err, ErrTooLarge) || w != 0 {
		t.Fatalf("got %v after %d bytes", err, w)
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

func FuzzDecode(f *testing.F) {
	f.Add(mustMarshal(f, fullModel()))
	f.Add([]byte{0x3a, 0xff, 0xff, 0xff, 0xff, 0x07})
	f.Add([]byte{})
	small := &Model{IRVersion: 8, Graph: &Graph{Node: []*Node{{OpType: "Add", Input: []string{"a", "b"}, Output: []string{"c"}}},
		Initializer: []*Tensor{RawFloatTensor("w", []int{2}, []float32{1, 2})}}}
	f.Add(mustMarshal(f, small))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode, and re-decoding that is a fixed point.
		b1, err := m.Marshal()
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		m2, err := Decode(b1)
		if err != nil {
			t.Fatalf("decode of re-encoded model: %v", err)
		}
		b2, err := m2.Marshal()
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("encoding is not stable: %v", err)
		}
		if m.Graph != nil {
			for _, tens := range m.Graph.Initializer {
				tens.Float32() // must not panic
				tens.Int64()
			}
		}
	})
}
