// Package config describes CLIP architectures: the vision tower (patch size,
// width, depth, heads, input size), the text tower and the joint embedding,
// plus everything that follows from them (grid, token count, CLIP-AD stage
// taps). It knows the backbones the project supports by name
// (ViT-B-16-plus-240, ViT-B-16, ViT-L-14-336 and small test configs) and reads
// open_clip's model-config JSON so any ViT size works.
package config
