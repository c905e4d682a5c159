// Package kernels holds the numeric building blocks of the transformer:
// matrix products (Linear layers, attention products), LayerNorm, softmax and
// the activations. Every fast kernel has a plain reference kernel beside it
// (ref.go) and differential tests compare the two on odd shapes. All
// matrices are row-major float32 with explicit leading dimensions.
package kernels
