// Package vision is the CLIP image tower with CLIP-AD's Staged Dual-Path
// forward (spec §3): one pass computes the original ViT path (pre-LN
// blocks with q·k attention and MLP) and, from the same LN1 output of every
// block, the surgery path (v-v attention, no MLP, no residual) whose sum is
// reset at the start of each of the four stages. At the end of each stage it
// taps the original stream (with the official code's in-place quirk by
// default, §3.4), replaces the surgery output's class row with it, and
// projects all tokens through ln_post·proj with L2 normalisation (§3.5).
// The final class embedding of the original path is the usual CLIP image
// embedding. Every block's hidden state can be kept for tests.
package vision
