package onnx

import "strconv"

// Field numbers and enum values below are those of onnx/onnx.proto (IR
// version 8 / 9). Only the messages and fields this project needs are
// modelled; unknown fields are skipped on decode and not written back.

// DataType is TensorProto.DataType.
type DataType int32

// TensorProto.DataType values.
const (
	Undefined  DataType = 0
	Float      DataType = 1
	Uint8      DataType = 2
	Int8       DataType = 3
	Uint16     DataType = 4
	Int16      DataType = 5
	Int32      DataType = 6
	Int64      DataType = 7
	String     DataType = 8
	Bool       DataType = 9
	Float16    DataType = 10
	Double     DataType = 11
	Uint32     DataType = 12
	Uint64     DataType = 13
	Complex64  DataType = 14
	Complex128 DataType = 15
	BFloat16   DataType = 16
)

var dataTypeNames = map[DataType]string{
	Undefined: "UNDEFINED", Float: "FLOAT", Uint8: "UINT8", Int8: "INT8", Uint16: "UINT16",
	Int16: "INT16", Int32: "INT32", Int64: "INT64", String: "STRING", Bool: "BOOL",
	Float16: "FLOAT16", Double: "DOUBLE", Uint32: "UINT32", Uint64: "UINT64",
	Complex64: "COMPLEX64", Complex128: "COMPLEX128", BFloat16: "BFLOAT16",
}

func (d DataType) String() string {
	if s, ok := dataTypeNames[d]; ok {
		return s
	}
	return "DataType(" + strconv.Itoa(int(d)) + ")"
}

// AttributeType is AttributeProto.AttributeType.
type AttributeType int32

// AttributeProto.AttributeType values.
const (
	AttrUndefined AttributeType = 0
	AttrFloat     AttributeType = 1
	AttrInt       AttributeType = 2
	AttrString    AttributeType = 3
	AttrTensor    AttributeType = 4
	AttrGraph     AttributeType = 5
	AttrFloats    AttributeType = 6
	AttrInts      AttributeType = 7
	AttrStrings   AttributeType = 8
	AttrTensors   AttributeType = 9
	AttrGraphs    AttributeType = 10
)

// DataLocation is TensorProto.DataLocation.
type DataLocation int32

// TensorProto.DataLocation values.
const (
	LocationDefault  DataLocation = 0
	LocationExternal DataLocation = 1
)

// Model is ModelProto.
type Model struct {
	IRVersion       int64           // 1
	ProducerName    string          // 2
	ProducerVersion string          // 3
	Domain          string          // 4
	ModelVersion    int64           // 5
	DocString       string          // 6
	Graph           *Graph          // 7
	OpsetImport     []OperatorSetID // 8
	MetadataProps   []StringEntry   // 14
}

// OperatorSetID is OperatorSetIdProto.
type OperatorSetID struct {
	Domain  string // 1
	Version int64  // 2
}

// StringEntry is StringStringEntryProto.
type StringEntry struct {
	Key   string // 1
	Value string // 2
}

// Graph is GraphProto.
type Graph struct {
	Node        []*Node      // 1
	Name        string       // 2
	Initializer []*Tensor    // 5
	DocString   string       // 10
	Input       []*ValueInfo // 11
	Output      []*ValueInfo // 12
	ValueInfo   []*ValueInfo // 13
}

// Node is NodeProto.
type Node struct {
	Input     []string     // 1
	Output    []string     // 2
	Name      string       // 3
	OpType    string       // 4
	Attribute []*Attribute // 5
	DocString string       // 6
	Domain    string       // 7
}

// Attribute is AttributeProto.
type Attribute struct {
	Name      string        // 1
	F         float32       // 2
	I         int64         // 3
	S         []byte        // 4
	T         *Tensor       // 5
	G         *Graph        // 6
	Floats    []float32     // 7
	Ints      []int64       // 8
	Strings   [][]byte      // 9
	Tensors   []*Tensor     // 10
	Graphs    []*Graph      // 11
	DocString string        // 13
	Type      AttributeType // 20
}

// Tensor is TensorProto. On decode RawData aliases the decoded buffer (it
// is not copied): do not modify the buffer while the model is in use.
// Segmented tensors (field 3) are not supported and are rejected.
type Tensor struct {
	Dims         []int64       // 1
	DataType     DataType      // 2
	FloatData    []float32     // 4 (packed)
	Int32Data    []int32       // 5 (packed)
	Int64Data    []int64       // 7 (packed)
	Name         string        // 8
	RawData      []byte        // 9
	DoubleData   []float64     // 10 (packed)
	Uint64Data   []uint64      // 11 (packed)
	DocString    string        // 12
	ExternalData []StringEntry // 13
	DataLocation DataLocation  // 14

	// RawFloats is a writer convenience, not a protobuf field: when
	// RawData is nil, a FLOAT tensor's values are taken from RawFloats and
	// written as raw_data (little-endian), converted chunk by chunk while
	// streaming, so the weights are never copied. Decode never sets it (the
	// values come back in RawData).
	RawFloats []float32
}

// ValueInfo is ValueInfoProto with a tensor type (TypeProto.tensor_type);
// other TypeProto variants (sequence, map, optional, sparse) are rejected on
// decode.
type ValueInfo struct {
	Name      string      // 1
	Type      *TensorType // 2 → TypeProto.tensor_type (1)
	DocString string      // 3
}

// TensorType is TypeProto.Tensor: element type and (optional) shape.
type TensorType struct {
	ElemType DataType // 1
	Shape    []Dim    // 2 → TensorShapeProto.dim (1); nil = unknown rank
	HasShape bool     // shape field present (a scalar has HasShape and no dims)
}

// Dim is TensorShapeProto.Dimension: a fixed size (Value ≥ 0) or a
// symbolic name (Param, e.g. "N"); Value < 0 with no Param is an unknown
// dimension (neither field set).
type Dim struct {
	Value int64  // 1
	Param string // 2
}
