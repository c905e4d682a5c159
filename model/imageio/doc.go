// Package imageio owns safe image decoding for clipad and the conversion of
// decoded images to plain 8-bit pixel buffers with Pillow's semantics.
//
// # Decoding
//
// Decode and DecodeReader accept PNG (1/2/4/8/16-bit; gray, gray+alpha, RGB,
// RGBA, palette with or without tRNS; interlaced) and baseline/progressive
// JPEG (gray, YCbCr, CMYK/YCCK). The format is sniffed from the magic bytes,
// never from the file name, which is only used in error messages. Before any
// pixel memory is allocated the header is read (image.DecodeConfig) and
// images whose claimed size exceeds Limits (by default 100 megapixels and
// 30000 pixels per side) are refused with ErrTooLarge. Empty, truncated,
// garbage and unknown inputs give an *Error naming the file (errors.Is works
// with ErrEmpty, ErrUnknownFormat, ErrTooLarge, ErrCorrupt); a panic inside a
// standard-library decoder is turned into ErrCorrupt. EXIF orientation is not
// applied, as PIL.Image.open does not apply it either.
//
// Like Pillow, which ignores a colour-key tRNS chunk of gray and truecolour
// PNGs when it resizes and converts to RGB, Decode drops such colour-key
// transparency: those PNGs decode to *image.Gray/*image.Gray16 or an opaque
// *image.RGBA/*image.RGBA64. Real alpha channels (gray+alpha, RGBA) and
// palette transparency are kept.
//
// # 8-bit buffers
//
// Image8 is a W×H interleaved 8-bit buffer in one of Pillow's modes L, RGB,
// RGBA (straight, not premultiplied alpha) or CMYK. FromImage maps a decoded
// image.Image to the Image8 that Pillow would hold after Image.open:
//
//   - 8-bit gray → L; YCbCr JPEG → RGB (libjpeg's conversion, see below);
//     CMYK JPEG → CMYK.
//   - RGB/RGBA/gray+alpha PNG → RGBA, or RGB when every alpha is 255 (a fully
//     opaque RGBA image resizes and converts exactly like RGB in Pillow).
//     Gray+alpha keeps R=G=B, which resizes exactly like Pillow's LA.
//   - 16-bit RGB, RGBA and gray+alpha keep the high byte (v>>8), exactly as
//     Pillow's RGB;16B/RGBA;16B/LA;16B unpackers do.
//   - 16-bit gray → L by rounding v/257 ((v+128)/257). Pillow would open it
//     as mode I and convert('RGB') would clip every value above 255 to white;
//     we map the full 16-bit range linearly instead. Windowing of 16-bit
//     medical images (a window level/width) is DecodeWindowed's job (below).
//   - palette → RGB from the palette, alpha ignored (as convert('RGB') does).
//     Pillow's resize() would resample a "P" (and a 1-bit "1") image with
//     NEAREST; clipad instead expands the palette first so that it is
//     resampled with the requested filter like every other image.
//
// ToRGB and ToGray are Pillow's convert('RGB') and convert('L') on Image8
// (alpha dropped without compositing; CMYK→RGB and the ITU-R 601-2 luma in
// Pillow's fixed-point form). RGB8 = ToRGB(FromImage(img)).
//
// JPEG pixels: Pillow decodes with libjpeg-turbo, which upsamples 4:2:2 and
// 4:2:0 chroma with a triangle filter ("fancy upsampling") and converts
// YCbCr→RGB with its own fixed-point tables. FromImage reproduces both from
// the subsampled planes Go's image/jpeg returns (4:4:0 is replicated), so the
// only remaining difference is the IDCT: against Pillow 9.4 / libjpeg-turbo
// 2.1.5 the tests measure a mean difference of 0.02–0.05 levels and at most
// 3 levels on single pixels (gray and CMYK: at most 1). PNG decoding is
// bit-exact.
package imageio
