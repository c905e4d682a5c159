// Package dicom reads the images of DICOM files for clipad: a small,
// focused, pure-Go reader that works the same natively and in the browser
// (GOOS=js GOARCH=wasm), where brain MRI, head CT and other medical images
// are screened without leaving the device.
//
// # Use
//
// Open parses and checks a file held in memory; File.Frame decodes one frame
// (1-based) on demand and File.Render windows it to an 8-bit image for the
// detector or a viewer. The last decoded frame is cached, so re-rendering it
// with another window (window/level dragging) costs one pass over its
// pixels and no parsing. Each walks every image of any input file (every
// frame of a DICOM, or a PNG/JPEG/TIFF through imageio.DecodeWindowed) for
// the CLI.
//
// # What is read
//
// Part 10 files (128-byte preamble and "DICM", or "DICM" at the start, or a
// bare little endian data set starting with group 0002/0008, as old files
// are). Transfer syntaxes decoded:
//
//   - 1.2.840.10008.1.2      Implicit VR Little Endian
//   - 1.2.840.10008.1.2.1    Explicit VR Little Endian
//   - 1.2.840.10008.1.2.1.98 Encapsulated Uncompressed Explicit VR Little Endian
//   - 1.2.840.10008.1.2.1.99 Deflated Explicit VR Little Endian
//   - 1.2.840.10008.1.2.2    Explicit VR Big Endian (retired)
//   - 1.2.840.10008.1.2.4.50 JPEG Baseline (Process 1), via image/jpeg
//   - 1.2.840.10008.1.2.4.51 JPEG Extended (Process 2 & 4): 8-bit only; a
//     12-bit frame is refused with ErrUnsupported
//   - 1.2.840.10008.1.2.4.57 JPEG Lossless (Process 14), all predictors,
//     2–16 bits, restart intervals, point transform (ljpeg.go)
//   - 1.2.840.10008.1.2.4.70 JPEG Lossless SV1 (the usual lossless CT/MR one)
//   - 1.2.840.10008.1.2.5    RLE Lossless
//
// Not supported (the file is refused with ErrUnsupported naming the syntax
// and suggesting decompression with dcmdjpeg/dcmdjpls/gdcmconv --raw):
// JPEG-LS (…4.80, …4.81), JPEG 2000 (…4.90–…4.93), HTJ2K (…4.201–…4.203),
// JPIP (…4.94, …4.95, …4.204, …4.205), MPEG-2/MPEG-4/HEVC video
// (…4.100–…4.108), JPEG XL (…4.110–…4.112), Deflated Image Frame
// Compression (…1.2.8.1) and private transfer syntaxes. Syntaxes lists
// them all.
//
// Pixels: 8, 16 and 32 bits allocated, any Bits Stored and High Bit,
// unsigned or signed (two's complement, sign-extended from Bits Stored);
// MONOCHROME1 (displayed inverted), MONOCHROME2, RGB (planar configuration
// 0 or 1), YBR_FULL and native YBR_FULL_422 (converted to RGB; 16-bit colour
// keeps its top 8 stored bits); single- and multi-frame. Not supported:
// PALETTE COLOR, 1-bit (segmentation/overlay) data, YBR_PARTIAL_*, float
// pixel data. Encapsulated frames are found by the Basic Offset Table, one
// fragment per frame, or (JPEG) a new frame at each SOI marker.
//
// Modality rescale (Rescale Slope/Intercept) and the stored windows (Window
// Center/Width, all pairs, with VOI LUT Function LINEAR, LINEAR_EXACT or
// SIGMOID) are read from the top level, then the Shared and then the
// Per-frame Functional Groups (enhanced CT/MR), so each frame gets its own.
// Modality and VOI LUT Sequences (non-linear tables) are ignored.
//
// # Windows
//
// Monochrome frames are windowed with imageio.Window: a window given by the
// user, else the file's first window, else the frame's min–max (or, on
// request, its 0.5th–99.5th percentiles). Colour frames are shown as stored.
//
// # Privacy
//
// Only the elements the image needs are read (Image Pixel module, Modality,
// Instance Number, rescale, windows, functional groups, transfer syntax;
// the Series Instance UID only to be hashed into Info.SeriesKey, which
// groups files into series without revealing the UID). Every other
// element — patient name, ID, birth date, study and instance UIDs,
// institution, dates — is skipped by its length and never decoded, copied or
// kept, so it cannot reach Info, errors, records or exports. Errors contain
// numbers, tags, the transfer syntax UID (only if well-formed) and the
// sanitised photometric interpretation, and the file name the caller passed
// (the browser core passes none). Info.ID and Frame.ID are the first 16 hex
// digits of the SHA-256 of the pixel data (of all frames / of one frame):
// anonymous names for exports that stay the same when a file is
// re-anonymised, and that cannot be checked against guessed patient names
// (a hash of the whole file could).
//
// # Bad input
//
// Every error is an *Error naming the file and, when it concerns one, the
// frame, and wraps ErrNotDICOM, ErrTruncated, ErrCorrupt, ErrUnsupported,
// ErrNoPixelData, ErrTooLarge or ErrInvalidFrame. Sizes are checked before
// any pixel memory is allocated: Rows×Columns against Limits (by default
// 100 megapixels, 30000 per side, like imageio), Number of Frames against
// MaxFrames (10000), and the frames against the bytes actually present;
// every length read from the file is checked against the bytes left before
// it is used, so a few hundred bytes claiming a 4 GiB fragment cost nothing.
// Sequences may nest 12 deep. Panics in decoders become ErrCorrupt.
//
// # Why not github.com/suyashkumar/dicom
//
// v1.1.0 builds with Go 1.26 (natively and for js/wasm) and is MIT-licensed,
// but: it allocates whatever a length field claims (make([]byte, vl) for an
// encapsulated fragment: a 259-byte file made it die with "fatal error: out
// of memory", which recover cannot catch and which would kill the Web
// Worker); it decodes every element, patient data included, into memory;
// its native frames are read sample by sample through io.ReadFull; it only
// decodes baseline JPEG among the compressed syntaxes (no RLE, no lossless
// JPEG) and treats each fragment as a frame; and it pulls in
// golang.org/x/text's CJK encodings and a 1 MB tag dictionary: +4.9 MB on
// the WebAssembly core (4.4 MB before). This reader, with TIFF decoding and
// windowing, adds about 0.5 MB (0.12 MB gzipped).
package dicom
