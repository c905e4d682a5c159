// Package onnx reads and writes the parts of the ONNX protobuf format this
// project needs — ModelProto, GraphProto, NodeProto, AttributeProto,
// TensorProto, ValueInfoProto with tensor types, OperatorSetIdProto and
// StringStringEntryProto — directly with
// google.golang.org/protobuf/encoding/protowire (field numbers from
// onnx/onnx.proto; no generated code, builds for GOOS=js GOARCH=wasm).
//
// Decoding is defensive: truncated or corrupt input, wrong wire types,
// lengths past the end of the buffer, segmented or sparse tensors and
// non-tensor value types return an error and never panic; allocations are
// bounded by a small multiple of the input size (a length prefix is checked
// against the bytes actually present before anything is allocated), and
// nested graphs are limited to 64 levels. TensorProto.raw_data aliases the
// input buffer, so decoding a 500 MB model does not copy the weights.
// Unknown fields are skipped and are not written back.
//
// Encoding streams: Model.WriteTo and WriteFile compute each message's
// length prefix first (a counting pass that never touches tensor values)
// and then write tensor data in 64 KiB chunks straight from the tensors'
// slices, so writing a model needs no second copy of its weights
// (RawFloatTensor references a []float32 and writes it as raw_data).
// Reading: ReadWeights holds the file once plus the float32 result (about
// 2× the file; 0.4 s and 0.9 GB peak for the 469 MB ViT-B-16-plus-240
// vision graph).
// float_data, int32_data, int64_data, double_data and uint64_data are
// written packed, dims and attribute floats/ints unpacked (as protobuf C++
// writes onnx.proto, which is proto2); both forms are accepted on decode.
// Models of 2 GiB or more (protobuf's limit) are refused; external data
// (data_location = EXTERNAL) is decoded as metadata but reading such a
// tensor's values returns ErrExternalData.
//
// # Importing weights
//
// ReadWeights / ReadWeightsBytes / WeightsFromModel import a CLIP model's
// weights from an ONNX file's initializers and check them against a config
// (weights.Set.Check). What qualifies:
//
//   - Graphs written by this project (package clipgraph): every open_clip
//     state-dict tensor is an initializer under its open_clip name
//     ("visual.transformer.resblocks.0.attn.in_proj_weight",
//     "token_embedding.weight", ...) in open_clip's own layout — Linear
//     weights [out, in], visual.proj [W, E], conv1 [W, 3, P, P]; the
//     transposes the computation needs are Transpose nodes in the graph,
//     never pre-transposed copies. Such files round-trip bit-exactly.
//   - Any other ONNX file whose initializers follow the same naming and
//     layout, in FLOAT, FLOAT16, BFLOAT16 or DOUBLE (raw_data or the typed
//     field), stored inside the .onnx file.
//
// A plain torch.onnx.export of an open_clip model does NOT qualify as is:
// the exporter renames or drops initializers (constant folding turns
// Linear weights into pre-transposed "onnx::MatMul_1234" tensors, fuses or
// splits in_proj into separate q/k/v MatMuls, and may deduplicate or store
// weights as external data above 2 GB). To import such a file one would
// need to export with do_constant_folding=False and
// keep_initializers_as_inputs=False, check that every state-dict tensor
// survives under its parameter name (export_params=True keeps
// "visual.transformer.resblocks.N..." names for parameters that are used
// unmodified), and save without external data. Otherwise load the
// safetensors weights instead (package weights).
package onnx
