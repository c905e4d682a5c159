package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/clipad/clipad/model/detect"
	"github.com/clipad/clipad/model/dicom"
	"github.com/clipad/clipad/model/imageio"
)

// Medical inputs for detect: DICOM files (every frame becomes an image),
// 16-bit grayscale PNG/TIFF (windowed to 8 bits), with the record keeping
// the source file and frame number.

// medicalNote is printed when a medical category is used.
const medicalNote = "clipad: screening aid, not for diagnostic use: anomaly scores of a zero-shot model are no diagnosis."

// sniffDICOM reports whether the file at path starts like a DICOM Part 10
// file (preamble + "DICM"). Folders from PACS exports hold extensionless or
// UID-named files ("1.2.840.113619.2.55.1"), so every file that is not a
// known image is sniffed; DICOMDIR (a directory record without pixels) is
// skipped.
func sniffDICOM(path string) bool {
	if strings.EqualFold(filepath.Base(path), "DICOMDIR") {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [132]byte
	n, _ := io.ReadFull(f, b[:])
	return dicom.IsDICOM(b[:n])
}

// inputRecord is the JSON record of one analysed image: detect's record plus
// where the image came from.
type inputRecord struct {
	*detect.Record
	// Source is the DICOM file a frame came from (as given on the command
	// line); Frame its 1-based frame number and Frames the file's count.
	Source string `json:"source,omitempty"`
	Frame  int    `json:"frame,omitempty"`
	Frames int    `json:"frames,omitempty"`
	// ImageID is an anonymous name: the first 16 hex digits of the SHA-256
	// of the frame's pixel data (DICOM) or of the file's bytes.
	ImageID string `json:"image_id,omitempty"`
	// Window is the window applied to a monochrome DICOM frame or a 16-bit
	// grayscale image.
	Window *imageio.Window `json:"window,omitempty"`

	stem   string
	hashed bool
}

func bytesID(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}

// medicalOptions are detect's input options.
type medicalOptions struct {
	window    imageio.Window
	hashNames bool // name outputs and records by image ID, keep no path in records
	limits    imageio.Limits
	category  string
	modelID   string
	outDir    string
	noPNG     bool
}

// analyseFile runs the detector on every image of one input file and
// returns their records; a file that cannot be read at all gives one record
// with the error, a frame that cannot be decoded one record for that frame.
// The batch always goes on.
func analyseFile(d *detect.Detector, p, stem string, used map[string]bool, o medicalOptions) (recs []*inputRecord, failed int) {
	data, err := os.ReadFile(p)
	ename := p // the name in errors and records
	if o.hashNames {
		ename = bytesID(data)
	}
	fail := func(r *inputRecord, given string, err error) {
		failed++
		r.Record = &detect.Record{Name: r.name(given), Category: o.category, Error: err.Error(), ModelID: o.modelID}
		if o.hashNames { // the error names the file by its hash: say which file it is here (not in records)
			fmt.Fprintf(os.Stderr, "\nclipad detect: %s: %v (skipped; the batch goes on)\n", p, err)
		} else {
			fmt.Fprintf(os.Stderr, "\nclipad detect: %v (skipped; the batch goes on)\n", err)
		}
		recs = append(recs, r)
	}
	if err == nil {
		opt := dicom.Options{Limits: dicom.Limits{Limits: o.limits}, Window: o.window}
		err = dicom.Each(data, ename, opt, func(in dicom.Input) error {
			r := &inputRecord{stem: stem, Window: in.Window, ImageID: in.ID}
			if in.DICOM {
				r.Source, r.Frame, r.Frames = p, in.Frame, in.Frames
				if in.Frames > 1 {
					r.stem = fmt.Sprintf("%s_f%04d", stem, in.Frame)
				}
			} else {
				r.ImageID = bytesID(data)
			}
			if o.hashNames {
				r.hash(r.ImageID, used)
			}
			if in.Err != nil {
				fail(r, in.Name, in.Err)
				return nil
			}
			rec, err := d.AnalyzeImage(in.Image, r.name(in.Name), o.category)
			if err != nil {
				fail(r, in.Name, err)
				return nil
			}
			r.Record = rec
			recs = append(recs, r)
			if !o.noPNG {
				if err := writeHeatmapsImage(o.outDir, r.stem, in.Image, rec); err != nil {
					fmt.Fprintf(os.Stderr, "\nclipad detect: %s: heatmap PNG: %v\n", p, err)
				}
			}
			return nil
		})
	}
	if err != nil {
		r := &inputRecord{stem: stem}
		if dicom.IsDICOM(data) || dicom.HasDICOMName(p) {
			r.Source = p
		}
		if o.hashNames {
			r.ImageID = bytesID(data)
			r.hash(r.ImageID, used)
		}
		fail(r, p, err)
	}
	return recs, failed
}

// hash names the record by id: output stem and record name, no source path.
func (r *inputRecord) hash(id string, used map[string]bool) {
	r.Source, r.hashed = "", true
	r.stem = id
	for i := 2; used[r.stem]; i++ {
		r.stem = fmt.Sprintf("%s_%d", id, i)
	}
	used[r.stem] = true
}

// name is the record name: the stem with -hash-names, else the given name
// (the path, "path#frame" for frames of multi-frame files).
func (r *inputRecord) name(given string) string {
	if r.hashed {
		return r.stem
	}
	return given
}
