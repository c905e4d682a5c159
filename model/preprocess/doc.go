// Package preprocess owns the image preprocessing of spec §1.2 and the
// ground-truth mask preparation, reproducing Pillow 9 (libImaging/Resample.c
// and Convert.c) bit for bit:
//
//   - Resize / ResizeBicubic: Pillow's antialiased separable resampling for
//     8-bit images (BICUBIC a = −0.5 support 2, BILINEAR support 1, kernel
//     widened by the reduction factor when downscaling, weights normalised in
//     float64 then rounded to 22-bit fixed point, accumulator started at
//     2^21, clip to 0..255, horizontal pass first into an 8-bit intermediate
//     computed only for the rows the vertical pass reads, a pass skipped when
//     its axis keeps its size, RGBA premultiplied to RGBa and back, a
//     same-size resize is a copy).
//   - ResizeForCLIP / Normalize / CLIPInput: img.resize((S,S), BICUBIC) →
//     convert('RGB') → ToTensor → Normalize(OpenAI mean/std), CHW float32
//     with torch's float32 arithmetic.
//   - ResizeMaskBilinear / NonzeroTo255 / BinarizeMask / MaskTarget: the
//     ground-truth masks (convert('L'), >0 → 255 for MVTec/VisA, BILINEAR to
//     S×S, /255 > 0.5).
//   - ResizeFloat: Pillow's mode "F" resize of a float32 map (for drawing a
//     model-resolution map at an image's original size).
//
// How decoded images (16-bit, palette, alpha, CMYK) map onto Pillow's modes
// is decided in package imageio; see imageio.FromImage. The uint8 results
// equal Pillow's byte for byte whenever the decoded pixels are equal, i.e. for
// every PNG (tested on synthetic images of every PNG kind and on MVTec
// files); for JPEGs the IDCT rounding of Go and libjpeg differs, which after
// a 240×240 resize leaves a mean difference of about 0.02 levels (max 2) on
// the tested VisA and BrainMRI files.
//
// Deliberate deviations from Pillow (see imageio): palette and 1-bit images
// are expanded and resampled with the requested filter (Pillow would use
// NEAREST), 16-bit gray is mapped to 8 bits by rounding v/257 (Pillow's
// I→RGB would clip at 255).
package preprocess
