// Package reference is a float64 implementation of CLIP-AD in plain loops —
// the dual-path vision forward (spec §3) and the SDP map (§4.1–4.3) —
// written independently of the fast path (no kernels, no shared helpers)
// so tests can check the engine against it. It is slow by design and is
// used only by tests.
package reference
