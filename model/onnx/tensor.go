package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/clipad/clipad/model/safetensors"
)

// ErrExternalData is returned when a tensor's values live in a separate
// file (TensorProto.data_location = EXTERNAL). This package only handles
// self-contained models (< 2 GiB), which is all the graphs of this project.
var ErrExternalData = errors.New("onnx: tensors with external data (data_location=EXTERNAL) are not supported; save the model with all tensors inside the .onnx file")

// External reports whether the tensor's data is stored outside the model.
func (t *Tensor) External() bool {
	return t.DataLocation == LocationExternal || len(t.ExternalData) > 0
}

const maxElements = 1 << 40

// NumElements is the product of the dims (1 for a scalar). It fails on
// negative dims or overflow.
func (t *Tensor) NumElements() (int, error) {
	n := int64(1)
	for _, d := range t.Dims {
		if d < 0 {
			return 0, fmt.Errorf("onnx: tensor %q has negative dim %d", t.Name, d)
		}
		if d != 0 && n > maxElements/d {
			return 0, fmt.Errorf("onnx: tensor %q: dims %v overflow", t.Name, t.Dims)
		}
		n *= d
	}
	return int(n), nil
}

// Shape returns the dims as ints.
func (t *Tensor) Shape() []int {
	s := make([]int, len(t.Dims))
	for i, d := range t.Dims {
		s[i] = int(d)
	}
	return s
}

func (t *Tensor) checkRaw(n, width int) error {
	if len(t.RawData) != n*width {
		return fmt.Errorf("onnx: tensor %q (%s, dims %v) has %d bytes of raw_data, needs %d", t.Name, t.DataType, t.Dims, len(t.RawData), n*width)
	}
	return nil
}

func (t *Tensor) checkLen(got, n int, field string) error {
	if got != n {
		return fmt.Errorf("onnx: tensor %q (%s, dims %v) has %d values in %s, needs %d", t.Name, t.DataType, t.Dims, got, field, n)
	}
	return nil
}

// Float32 returns the tensor's values as float32, converting from FLOAT,
// FLOAT16, BFLOAT16 or DOUBLE (raw_data or the typed field ONNX uses for
// that type). The result is always a fresh slice.
func (t *Tensor) Float32() ([]float32, error) {
	if t.External() {
		return nil, fmt.Errorf("tensor %q: %w", t.Name, ErrExternalData)
	}
	n, err := t.NumElements()
	if err != nil {
		return nil, err
	}
	raw := t.RawData != nil
	switch t.DataType {
	case Float:
		if !raw && t.RawFloats != nil {
			if err := t.checkLen(len(t.RawFloats), n, "RawFloats"); err != nil {
				return nil, err
			}
			return append([]float32(nil), t.RawFloats...), nil
		}
		if raw {
			if err := t.checkRaw(n, 4); err != nil {
				return nil, err
			}
			out := make([]float32, n)
			for i := range out {
				out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.RawData[4*i:]))
			}
			return out, nil
		}
		if err := t.checkLen(len(t.FloatData), n, "float_data"); err != nil {
			return nil, err
		}
		return append([]float32(nil), t.FloatData...), nil
	case Float16, BFloat16:
		conv := safetensors.HalfToFloat
		if t.DataType == BFloat16 {
			conv = func(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }
		}
		out := make([]float32, n)
		if raw {
			if err := t.checkRaw(n, 2); err != nil {
				return nil, err
			}
			for i := range out {
				out[i] = conv(binary.LittleEndian.Uint16(t.RawData[2*i:]))
			}
			return out, nil
		}
		// ONNX stores 16-bit floats one per int32_data element (low 16 bits).
		if err := t.checkLen(len(t.Int32Data), n, "int32_data"); err != nil {
			return nil, err
		}
		for i, v := range t.Int32Data {
			out[i] = conv(uint16(v))
		}
		return out, nil
	case Double:
		out := make([]float32, n)
		if raw {
			if err := t.checkRaw(n, 8); err != nil {
				return nil, err
			}
			for i := range out {
				out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(t.RawData[8*i:])))
			}
			return out, nil
		}
		if err := t.checkLen(len(t.DoubleData), n, "double_data"); err != nil {
			return nil, err
		}
		for i, v := range t.DoubleData {
			out[i] = float32(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("onnx: tensor %q has data type %s, expected a floating-point type (FLOAT, FLOAT16, BFLOAT16, DOUBLE)", t.Name, t.DataType)
}

// Int64 returns the values of an INT64 or INT32 tensor as int64.
func (t *Tensor) Int64() ([]int64, error) {
	if t.External() {
		return nil, fmt.Errorf("tensor %q: %w", t.Name, ErrExternalData)
	}
	n, err := t.NumElements()
	if err != nil {
		return nil, err
	}
	out := make([]int64, n)
	switch t.DataType {
	case Int64:
		if t.RawData != nil {
			if err := t.checkRaw(n, 8); err != nil {
				return nil, err
			}
			for i := range out {
				out[i] = int64(binary.LittleEndian.Uint64(t.RawData[8*i:]))
			}
			return out, nil
		}
		if err := t.checkLen(len(t.Int64Data), n, "int64_data"); err != nil {
			return nil, err
		}
		copy(out, t.Int64Data)
		return out, nil
	case Int32:
		if t.RawData != nil {
			if err := t.checkRaw(n, 4); err != nil {
				return nil, err
			}
			for i := range out {
				out[i] = int64(int32(binary.LittleEndian.Uint32(t.RawData[4*i:])))
			}
			return out, nil
		}
		if err := t.checkLen(len(t.Int32Data), n, "int32_data"); err != nil {
			return nil, err
		}
		for i, v := range t.Int32Data {
			out[i] = int64(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("onnx: tensor %q has data type %s, expected INT64 or INT32", t.Name, t.DataType)
}

func dims64(shape []int) []int64 {
	d := make([]int64, len(shape))
	for i, v := range shape {
		d[i] = int64(v)
	}
	return d
}

// FloatTensor makes a FLOAT tensor whose values are stored in float_data.
// data is referenced, not copied, and written out as it is at encode time.
func FloatTensor(name string, shape []int, data []float32) *Tensor {
	return &Tensor{Name: name, Dims: dims64(shape), DataType: Float, FloatData: data}
}

// RawFloatTensor makes a FLOAT tensor written as raw_data (little-endian),
// the layout torch.onnx.export uses and the fastest for onnxruntime to
// load. data is referenced (Tensor.RawFloats), not copied; it is converted
// while the model is written.
func RawFloatTensor(name string, shape []int, data []float32) *Tensor {
	return &Tensor{Name: name, Dims: dims64(shape), DataType: Float, RawFloats: data}
}

// Int64Tensor makes an INT64 tensor (int64_data).
func Int64Tensor(name string, shape []int, data []int64) *Tensor {
	return &Tensor{Name: name, Dims: dims64(shape), DataType: Int64, Int64Data: data}
}

// IntAttr is an INT attribute.
func IntAttr(name string, v int64) *Attribute {
	return &Attribute{Name: name, Type: AttrInt, I: v}
}

// IntsAttr is an INTS attribute.
func IntsAttr(name string, v ...int64) *Attribute {
	return &Attribute{Name: name, Type: AttrInts, Ints: v}
}

// FloatAttr is a FLOAT attribute.
func FloatAttr(name string, v float32) *Attribute {
	return &Attribute{Name: name, Type: AttrFloat, F: v}
}

// StringAttr is a STRING attribute.
func StringAttr(name, v string) *Attribute {
	return &Attribute{Name: name, Type: AttrString, S: []byte(v)}
}

// TensorAttr is a TENSOR attribute (e.g. Constant's value).
func TensorAttr(name string, t *Tensor) *Attribute {
	return &Attribute{Name: name, Type: AttrTensor, T: t}
}

// TensorValueInfo declares a tensor input/output: element type and shape,
// each dimension either a size (int) or a symbolic name (string).
func TensorValueInfo(name string, elem DataType, dims ...any) *ValueInfo {
	tt := &TensorType{ElemType: elem, HasShape: true}
	for _, d := range dims {
		switch v := d.(type) {
		case int:
			tt.Shape = append(tt.Shape, Dim{Value: int64(v)})
		case int64:
			tt.Shape = append(tt.Shape, Dim{Value: v})
		case string:
			tt.Shape = append(tt.Shape, Dim{Param: v, Value: -1})
		default:
			panic(fmt.Sprintf("onnx.TensorValueInfo: dimension %v (%T) is neither int nor string", d, d))
		}
	}
	return &ValueInfo{Name: name, Type: tt}
}

// InitializerByName finds an initializer by name (nil if absent).
func (g *Graph) InitializerByName(name string) *Tensor {
	for _, t := range g.Initializer {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Metadata returns the value of a metadata_props key ("" if absent).
func (m *Model) Metadata(key string) string {
	for _, e := range m.MetadataProps {
		if e.Key == key {
			return e.Value
		}
	}
	return ""
}
