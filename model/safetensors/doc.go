// Package safetensors reads and writes the safetensors format (an 8-byte
// little-endian header length, a JSON header of dtype/shape/data_offsets per
// tensor, then the raw little-endian data). Reading is lazy and validates the
// header against the file size before anything large is allocated; tensors
// are converted to float32 on access (F32, F16, BF16, F64 sources).
package safetensors
