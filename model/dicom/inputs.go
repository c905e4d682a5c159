package dicom

import (
	"image"
	"path/filepath"
	"strings"

	"github.com/clipad/clipad/model/imageio"
)

// Options for Each.
type Options struct {
	Limits Limits
	// Window is the window request for monochrome DICOM frames and 16-bit
	// grayscale PNG/TIFF images (zero value: the file's window, else
	// min–max).
	Window imageio.Window
}

// Input is one image for the detector taken from a file.
type Input struct {
	DICOM  bool
	Frame  int    // DICOM: 1-based frame number; 0 for other images
	Frames int    // DICOM: number of frames in the file; 0 for other images
	Name   string // the file name, or "name#frame" for frames of multi-frame files
	Image  image.Image
	// Window is the window that was applied (monochrome DICOM frames and
	// 16-bit grayscale images), nil otherwise.
	Window *imageio.Window
	ID     string // DICOM: the frame's anonymous ID (see Frame.ID)
	Info   *Info  // DICOM: the file's description (shared by its frames)
	Err    error  // this frame could not be decoded (the others may be fine)
}

// HasDICOMName reports whether a file name has a DICOM extension (.dcm,
// .dicom, any case).
func HasDICOMName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".dcm", ".dicom":
		return true
	}
	return false
}

// Each decodes the images of one input file and calls fn for each, in order:
// every frame of a DICOM file (data that IsDICOM, or a name with a DICOM
// extension), or the single image of a PNG, JPEG or TIFF
// (imageio.DecodeWindowed: 16-bit grayscale windowed with opt.Window).
//
// An error that concerns the whole file (unreadable, unsupported, too large)
// is returned and fn is not called. A DICOM frame that cannot be decoded is
// passed to fn with Err set and the other frames follow. An error returned
// by fn stops the walk and is returned.
func Each(data []byte, name string, opt Options, fn func(Input) error) error {
	if IsDICOM(data) || HasDICOMName(name) {
		f, err := Open(data, name, opt.Limits)
		if err != nil {
			return err
		}
		for n := 1; n <= f.Frames; n++ {
			in := Input{DICOM: true, Frame: n, Frames: f.Frames, Name: f.FrameName(n), Info: &f.Info}
			img, win, fr, err := f.Render(n, opt.Window)
			if err != nil {
				in.Err = err
			} else {
				in.Image, in.Window, in.ID = img, win, fr.ID
			}
			if err := fn(in); err != nil {
				return err
			}
		}
		return nil
	}
	img, win, err := imageio.DecodeWindowed(data, name, opt.Limits.Limits, opt.Window)
	if err != nil {
		return err
	}
	return fn(Input{Name: name, Image: img, Window: win})
}
