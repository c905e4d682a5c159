// Package text is the CLIP text tower: token embedding plus positional
// embedding, a causal pre-LN transformer, ln_final, the feature at the
// end-of-text token (the highest token id, as CLIP pools), text_projection
// and L2 normalisation (spec §2.2). Token ids come from package tokenizer.
package text
