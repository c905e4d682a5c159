// Package quantize turns float32 CLIP weights into the compact forms the
// browser downloads — per-output-channel symmetric int8 and group-wise
// symmetric int4 for every linear layer and the patch embedding (LayerNorms,
// biases, embeddings and the final projection stay float32) — and defines the
// bundle: a manifest (model id, config, tensor table, dtypes, sha256 per
// shard, total size) plus shards of at most 16 MB that a loader consumes
// one at a time, checking each shard's hash before using a byte of it.
package quantize
