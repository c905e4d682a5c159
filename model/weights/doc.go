// Package weights holds a CLIP model's tensors by their open_clip state-dict
// names, knows which names and shapes a config requires (spec §11.2), and
// checks a tensor set against a config before any compute: a missing
// tensor, a wrong shape or a wrong dtype is an error naming the tensor and
// what was expected. Sources: safetensors files and this project's ONNX
// graphs (see package onnx).
package weights
