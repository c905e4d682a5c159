// Command wasm is the js/wasm entry point of the browser core: one instance
// runs in each Web Worker and exposes a small API on globalThis.clipad
// (load a model bundle shard by shard, set the text vectors, analyze
// images, batch scores). Images arrive as encoded bytes and are decoded and
// preprocessed in Go, so the page gives exactly the CLI's results.
//
// # Model, text vectors, analysis
//
//	clipad.loadManifest(json) → {modelId, totalBytes, dtype, synthetic, sdpPlus,
//	                              shards: [{file, bytes, sha256}], config, size} | {error}
//	clipad.feedShard(i, bytes: Uint8Array) → null | "error"   (size and sha256 checked)
//	clipad.finishModel() → null | "error"
//	clipad.setText(json) → {modelId, categories: [{name, dataset, medical}]} | {error}
//	clipad.analyze(bytes, name, category[, sigma[, opts]])
//	  → {name, category, width, height, grid, size, probAbnormal, mapMax, score,
//	     scoreMode, sigma, ms, modelId, patchMap: Float32Array, map: Float32Array, id, window}
//	  | {error}
//	clipad.batchScores(s0[], s1[]) → number[] | {error}   (the paper's per-category min–max)
//	clipad.setSDPPlus([on]) → {available, enabled}       (the bundle's SDP+ layers, on by default)
//	clipad.jet() → Uint8Array(768)                        (OpenCV's COLORMAP_JET)
//
// Benchmark hooks (make bench): benchForward, splitForward, memStats (bench.go).
//
// # Medical inputs: DICOM and 16-bit images
//
// Everything below runs inside the worker; no byte leaves the page. No
// result ever holds an identifying DICOM attribute (patient name, ID, birth
// date, UIDs, dates, institution): model/dicom does not read them. Names
// passed in are echoed back, so the page should pass an anonymous name (the
// id below or a counter), never a file name that may carry patient data.
// Frame numbers are 1-based everywhere (DICOM's convention).
//
// Window options (opts), all optional: {center, width, function, auto}.
// center/width (width > 0) set a manual window in real-world units (after
// rescale, e.g. Hounsfield units for CT); function is "LINEAR" (default),
// "LINEAR_EXACT" or "SIGMOID"; without a width, auto chooses: "file" (the
// default: the file's own window, else min–max), "minmax" or "percentile"
// (0.5th–99.5th). Windows apply to monochrome data only.
//
// A window result is {center, width, function, source} with source "user",
// "file", "minmax" or "percentile"; null for colour images.
//
//	clipad.dicomOpen(bytes: Uint8Array)
//	  → {handle, id, seriesKey, instanceNumber, frames, rows, columns,
//	     modality, photometric,
//	     samplesPerPixel, bitsAllocated, bitsStored, signed, color,
//	     rescaleSlope, rescaleIntercept, windows: [window…],
//	     transferSyntax, transferSyntaxName}
//	  | {error}
//
// Parses the file once and keeps it in the worker under handle (the bytes
// are copied into Go). id is the first 16 hex digits of the SHA-256 of the
// pixel data of all frames: use it (or a frame's id) to name exports.
// windows are those stored in the file (the first is the default).
// seriesKey ("" if none) groups dropped files into series — a hash of the
// Series Instance UID, which itself is never returned — and instanceNumber
// (0 if none) orders them within a series.
//
//	clipad.dicomFrame(handle, frame, opts?)
//	  → {frame, width, height, id, window, windows: [window…],
//	     range: {min, max} | null, rgba: Uint8ClampedArray(width*height*4)}
//	  | {error}
//
// Renders one frame with the window options: rgba goes straight into
// new ImageData(rgba, width, height). The decoded frame is cached, so
// calling it again for the same frame with another window (window/level
// dragging) does not decode again. id is the frame's anonymous id; windows
// the frame's stored windows (enhanced multi-frame files may have one per
// frame); range the frame's real-world minimum and maximum (for slider
// bounds; null for colour).
//
//	clipad.dicomAnalyze(handle, frame, category, opts?)
//	  → analyze()'s result + {frame, frames, id, window} | {error}
//
// Runs the detector on the frame as rendered with opts (which may also hold
// sigma, and name: default the frame id). width and height are the
// frame's columns and rows; map is size × size, as for analyze().
//
//	clipad.dicomClose(handle) → null
//
// Frees the file. The page should close what it no longer shows.
//
//	clipad.dicomSyntaxes() → [{uid, name, supported}]
//
// The transfer syntaxes the reader knows (for help texts).
//
//	clipad.analyze(bytes, name, category, sigma?, opts?)
//
// also takes 16-bit grayscale PNG/TIFF (windowed with opts; the result's
// window says how) and DICOM bytes (frame opts.frame, default 1; the result
// adds frame, frames, id, window; for a series prefer dicomOpen, which
// parses once). Its result now also has id: the first 16 hex digits of the
// SHA-256 of the file's bytes (images) or of the frame's pixel data (DICOM),
// and window (null for 8-bit and colour images, which decode exactly as
// before).
//
// Errors are one line each, e.g. "dicom: truncated DICOM file: …",
// "dicom: unsupported DICOM encoding: transfer syntax JPEG 2000 Image
// Compression (1.2.840.10008.1.2.4.91) is not supported; …", "dicom: DICOM
// file holds no image (no Pixel Data element)", "dicom: DICOM image too
// large: …", "dicom: frame 3: …"; a failed file or frame never stops the
// others.
package main
