// Package synth makes deterministic synthetic CLIP weights for any config,
// with the real open_clip tensor names and shapes and open_clip's
// initialisation scales, so every test and benchmark runs on weights that
// look like a real model's without downloading one. Each tensor is drawn
// from its own stream, seeded by (seed, tensor name), so the values of one
// tensor never depend on which others exist.
package synth
