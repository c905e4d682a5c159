package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
)

// maxGraphDepth bounds nested graphs (If/Loop bodies inside attributes) so a
// hostile file cannot recurse without limit.
const maxGraphDepth = 64

// field is one decoded wire field. For VarintType, Fixed32Type and
// Fixed64Type the value is in u; for BytesType it is b (aliasing the input).
type field struct {
	num protowire.Number
	typ protowire.Type
	u   uint64
	b   []byte
}

var errGroup = errors.New("groups are not used by onnx.proto")

// next consumes one field from b.
func next(b []byte) (field, int, error) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return field{}, 0, protowire.ParseError(n)
	}
	f := field{num: num, typ: typ}
	var m int
	switch typ {
	case protowire.VarintType:
		f.u, m = protowire.ConsumeVarint(b[n:])
	case protowire.Fixed32Type:
		var v uint32
		v, m = protowire.ConsumeFixed32(b[n:])
		f.u = uint64(v)
	case protowire.Fixed64Type:
		f.u, m = protowire.ConsumeFixed64(b[n:])
	case protowire.BytesType:
		f.b, m = protowire.ConsumeBytes(b[n:])
		if m >= 0 {
			f.b = f.b[:len(f.b):len(f.b)]
		}
	case protowire.StartGroupType:
		// Unknown group: skip it whole (bounded by protowire's recursion limit).
		_, m = protowire.ConsumeGroup(num, b[n:])
	default:
		return field{}, 0, fmt.Errorf("field %d: invalid wire type %d", num, typ)
	}
	if m < 0 {
		return field{}, 0, fmt.Errorf("field %d: %w", num, protowire.ParseError(m))
	}
	return f, n + m, nil
}

func wireName(t protowire.Type) string {
	switch t {
	case protowire.VarintType:
		return "varint"
	case protowire.Fixed32Type:
		return "fixed32"
	case protowire.Fixed64Type:
		return "fixed64"
	case protowire.BytesType:
		return "length-delimited"
	case protowire.StartGroupType:
		return "group"
	}
	return fmt.Sprintf("wire type %d", t)
}

func (f field) want(t protowire.Type) error {
	if f.typ != t {
		return fmt.Errorf("field %d: expected %s, got %s", f.num, wireName(t), wireName(f.typ))
	}
	return nil
}

func (f field) int64v() (int64, error) {
	if err := f.want(protowire.VarintType); err != nil {
		return 0, err
	}
	return int64(f.u), nil
}

func (f field) str() (string, error) {
	if err := f.want(protowire.BytesType); err != nil {
		return "", err
	}
	return string(f.b), nil
}

// appendVarints appends a repeated varint field in packed or unpacked form.
// The destination grows at most by the number of bytes in the input.
func appendVarints[T int32 | int64 | uint64](dst []T, f field) ([]T, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, T(f.u)), nil
	case protowire.BytesType:
		count := 0
		for _, c := range f.b {
			if c < 0x80 {
				count++
			}
		}
		dst = slices.Grow(dst, count)
		b := f.b
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return dst, fmt.Errorf("field %d: packed: %w", f.num, protowire.ParseError(n))
			}
			dst = append(dst, T(v))
			b = b[n:]
		}
		return dst, nil
	}
	return dst, fmt.Errorf("field %d: expected varint or packed varints, got %s", f.num, wireName(f.typ))
}

func appendFloats(dst []float32, f field) ([]float32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, math.Float32frombits(uint32(f.u))), nil
	case protowire.BytesType:
		if len(f.b)%4 != 0 {
			return dst, fmt.Errorf("field %d: packed floats: %d bytes is not a multiple of 4", f.num, len(f.b))
		}
		dst = slices.Grow(dst, len(f.b)/4)
		for i := 0; i+4 <= len(f.b); i += 4 {
			dst = append(dst, math.Float32frombits(binary.LittleEndian.Uint32(f.b[i:])))
		}
		return dst, nil
	}
	return dst, fmt.Errorf("field %d: expected fixed32 or packed floats, got %s", f.num, wireName(f.typ))
}

func appendDoubles(dst []float64, f field) ([]float64, error) {
	switch f.typ {
	case protowire.Fixed64Type:
		return append(dst, math.Float64frombits(f.u)), nil
	case protowire.BytesType:
		if len(f.b)%8 != 0 {
			return dst, fmt.Errorf("field %d: packed doubles: %d bytes is not a multiple of 8", f.num, len(f.b))
		}
		dst = slices.Grow(dst, len(f.b)/8)
		for i := 0; i+8 <= len(f.b); i += 8 {
			dst = append(dst, math.Float64frombits(binary.LittleEndian.Uint64(f.b[i:])))
		}
		return dst, nil
	}
	return dst, fmt.Errorf("field %d: expected fixed64 or packed doubles, got %s", f.num, wireName(f.typ))
}

// walk calls fn for every field of the message in b.
func walk(b []byte, what string, fn func(f field) error) error {
	for len(b) > 0 {
		f, n, err := next(b)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		b = b[n:]
		if err := fn(f); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return nil
}

// Decode parses a serialized ModelProto. Tensor raw_data aliases b, so b
// must not be modified while the model is in use. Malformed input of any
// kind returns an error; allocations stay proportional to len(b).
func Decode(b []byte) (*Model, error) {
	m := new(Model)
	if err := decodeModel(b, m); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return m, nil
}

// ReadFile reads and decodes an ONNX file (one read of the file; tensors
// alias that buffer).
func ReadFile(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func decodeModel(b []byte, m *Model) error {
	return walk(b, "ModelProto", func(f field) (err error) {
		switch f.num {
		case 1:
			m.IRVersion, err = f.int64v()
		case 2:
			m.ProducerName, err = f.str()
		case 3:
			m.ProducerVersion, err = f.str()
		case 4:
			m.Domain, err = f.str()
		case 5:
			m.ModelVersion, err = f.int64v()
		case 6:
			m.DocString, err = f.str()
		case 7:
			if err = f.want(protowire.BytesType); err == nil {
				if m.Graph == nil {
					m.Graph = new(Graph)
				}
				err = decodeGraph(f.b, m.Graph, 0)
			}
		case 8:
			var o OperatorSetID
			if err = f.want(protowire.BytesType); err == nil {
				err = decodeOpset(f.b, &o)
				m.OpsetImport = append(m.OpsetImport, o)
			}
		case 14:
			var s StringEntry
			if err = f.want(protowire.BytesType); err == nil {
				err = decodeEntry(f.b, &s)
				m.MetadataProps = append(m.MetadataProps, s)
			}
		}
		return err
	})
}

func decodeOpset(b []byte, o *OperatorSetID) error {
	return walk(b, "OperatorSetIdProto", func(f field) (err error) {
		switch f.num {
		case 1:
			o.Domain, err = f.str()
		case 2:
			o.Version, err = f.int64v()
		}
		return err
	})
}

func decodeEntry(b []byte, s *StringEntry) error {
	return walk(b, "StringStringEntryProto", func(f field) (err error) {
		switch f.num {
		case 1:
			s.Key, err = f.str()
		case 2:
			s.Value, err = f.str()
		}
		return err
	})
}

func decodeGraph(b []byte, g *Graph, depth int) error {
	if depth > maxGraphDepth {
		return fmt.Errorf("GraphProto: graphs nested deeper than %d", maxGraphDepth)
	}
	return walk(b, "GraphProto", func(f field) (err error) {
		switch f.num {
		case 1:
			if err = f.want(protowire.BytesType); err == nil {
				n := new(Node)
				err = decodeNode(f.b, n, depth)
				g.Node = append(g.Node, n)
			}
		case 2:
			g.Name, err = f.str()
		case 5:
			if err = f.want(protowire.BytesType); err == nil {
				t := new(Tensor)
				err = decodeTensor(f.b, t)
				g.Initializer = append(g.Initializer, t)
			}
		case 10:
			g.DocString, err = f.str()
		case 11, 12, 13:
			if err = f.want(protowire.BytesType); err == nil {
				v := new(ValueInfo)
				err = decodeValueInfo(f.b, v)
				switch f.num {
				case 11:
					g.Input = append(g.Input, v)
				case 12:
					g.Output = append(g.Output, v)
				default:
					g.ValueInfo = append(g.ValueInfo, v)
				}
			}
		case 15:
			err = fmt.Errorf("sparse initializers are not supported")
		}
		return err
	})
}

func decodeNode(b []byte, n *Node, depth int) error {
	return walk(b, "NodeProto", func(f field) (err error) {
		var s string
		switch f.num {
		case 1:
			s, err = f.str()
			n.Input = append(n.Input, s)
		case 2:
			s, err = f.str()
			n.Output = append(n.Output, s)
		case 3:
			n.Name, err = f.str()
		case 4:
			n.OpType, err = f.str()
		case 5:
			if err = f.want(protowire.BytesType); err == nil {
				a := new(Attribute)
				err = decodeAttribute(f.b, a, depth)
				n.Attribute = append(n.Attribute, a)
			}
		case 6:
			n.DocString, err = f.str()
		case 7:
			n.Domain, err = f.str()
		}
		return err
	})
}

func decodeAttribute(b []byte, a *Attribute, depth int) error {
	return walk(b, "AttributeProto", func(f field) (err error) {
		switch f.num {
		case 1:
			a.Name, err = f.str()
		case 2:
			if err = f.want(protowire.Fixed32Type); err == nil {
				a.F = math.Float32frombits(uint32(f.u))
			}
		case 3:
			a.I, err = f.int64v()
		case 4:
			if err = f.want(protowire.BytesType); err == nil {
				a.S = f.b
			}
		case 5:
			if err = f.want(protowire.BytesType); err == nil {
				a.T = new(Tensor)
				err = decodeTensor(f.b, a.T)
			}
		case 6:
			if err = f.want(protowire.BytesType); err == nil {
				a.G = new(Graph)
				err = decodeGraph(f.b, a.G, depth+1)
			}
		case 7:
			a.Floats, err = appendFloats(a.Floats, f)
		case 8:
			a.Ints, err = appendVarints(a.Ints, f)
		case 9:
			if err = f.want(protowire.BytesType); err == nil {
				a.Strings = append(a.Strings, f.b)
			}
		case 10:
			if err = f.want(protowire.BytesType); err == nil {
				t := new(Tensor)
				err = decodeTensor(f.b, t)
				a.Tensors = append(a.Tensors, t)
			}
		case 11:
			if err = f.want(protowire.BytesType); err == nil {
				g := new(Graph)
				err = decodeGraph(f.b, g, depth+1)
				a.Graphs = append(a.Graphs, g)
			}
		case 13:
			a.DocString, err = f.str()
		case 20:
			var v int64
			v, err = f.int64v()
			a.Type = AttributeType(v)
		}
		return err
	})
}

func decodeTensor(b []byte, t *Tensor) error {
	return walk(b, "TensorProto", func(f field) (err error) {
		switch f.num {
		case 1:
			t.Dims, err = appendVarints(t.Dims, f)
		case 2:
			var v int64
			v, err = f.int64v()
			t.DataType = DataType(v)
		case 3:
			err = fmt.Errorf("segmented tensors are not supported")
		case 4:
			t.FloatData, err = appendFloats(t.FloatData, f)
		case 5:
			t.Int32Data, err = appendVarints(t.Int32Data, f)
		case 7:
			t.Int64Data, err = appendVarints(t.Int64Data, f)
		case 8:
			t.Name, err = f.str()
		case 9:
			if err = f.want(protowire.BytesType); err == nil {
				t.RawData = f.b
			}
		case 10:
			t.DoubleData, err = appendDoubles(t.DoubleData, f)
		case 11:
			t.Uint64Data, err = appendVarints(t.Uint64Data, f)
		case 12:
			t.DocString, err = f.str()
		case 13:
			var s StringEntry
			if err = f.want(protowire.BytesType); err == nil {
				err = decodeEntry(f.b, &s)
				t.ExternalData = append(t.ExternalData, s)
			}
		case 14:
			var v int64
			v, err = f.int64v()
			t.DataLocation = DataLocation(v)
		}
		return err
	})
}

func decodeValueInfo(b []byte, v *ValueInfo) error {
	return walk(b, "ValueInfoProto", func(f field) (err error) {
		switch f.num {
		case 1:
			v.Name, err = f.str()
		case 2:
			if err = f.want(protowire.BytesType); err == nil {
				if v.Type == nil {
					v.Type = new(TensorType)
				}
				err = decodeTypeProto(f.b, v.Type)
			}
		case 3:
			v.DocString, err = f.str()
		}
		return err
	})
}

func decodeTypeProto(b []byte, t *TensorType) error {
	return walk(b, "TypeProto", func(f field) (err error) {
		switch f.num {
		case 1:
			if err = f.want(protowire.BytesType); err == nil {
				err = decodeTensorType(f.b, t)
			}
		case 4, 5, 8, 9:
			err = fmt.Errorf("field %d: only tensor types are supported (sequence, map, sparse and optional types are not)", f.num)
		}
		return err
	})
}

func decodeTensorType(b []byte, t *TensorType) error {
	return walk(b, "TypeProto.Tensor", func(f field) (err error) {
		switch f.num {
		case 1:
			var v int64
			v, err = f.int64v()
			t.ElemType = DataType(v)
		case 2:
			if err = f.want(protowire.BytesType); err == nil {
				t.HasShape = true
				err = walk(f.b, "TensorShapeProto", func(f field) error {
					if f.num != 1 {
						return nil
					}
					if err := f.want(protowire.BytesType); err != nil {
						return err
					}
					d := Dim{Value: -1}
					err := walk(f.b, "Dimension", func(f field) (err error) {
						switch f.num {
						case 1:
							d.Value, err = f.int64v()
							if err == nil && d.Value < 0 {
								err = fmt.Errorf("negative dim_value %d", d.Value)
							}
							d.Param = ""
						case 2:
							d.Param, err = f.str()
							d.Value = -1
						}
						return err
					})
					t.Shape = append(t.Shape, d)
					return err
				})
			}
		}
		return err
	})
}
