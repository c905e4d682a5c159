package evalrun

import (
	"fmt"
	"os"

	"github.com/clipad/clipad/model/dataset"
	"github.com/clipad/clipad/model/imageio"
	"github.com/clipad/clipad/model/preprocess"
)

// MaskTarget reads a sample's mask and returns its size×size ground truth
// (true = anomalous pixel) with the sample's rules (spec §1.2, §7.1):
//
//   - channel: Pillow convert('L'), or the first channel of a cv2 read
//     (MaskFirstChannel: blue of a colour image, the grey value of a grey one);
//   - MaskPrebinarize: v > MaskThreshold → 255, else 0, at native size;
//   - Pillow BILINEAR resize to size×size, then /255 > 0.5.
//
// It also returns the mask's native width and height.
func MaskTarget(s dataset.Sample, size int, lim imageio.Limits) ([]bool, int, int, error) {
	data, err := os.ReadFile(s.MaskPath)
	if err != nil {
		return nil, 0, 0, err
	}
	img, _, err := imageio.DecodeWindowed(data, s.MaskPath, lim, imageio.Window{}) // PNG, JPEG or TIFF (CVC-ClinicDB)
	if err != nil {
		return nil, 0, 0, err
	}
	im, err := imageio.FromImage(img)
	if err != nil {
		return nil, 0, 0, err
	}
	g, err := maskChannel(im, s.MaskFirstChannel)
	if err != nil {
		return nil, 0, 0, err
	}
	if s.MaskPrebinarize {
		for i, v := range g.Pix {
			if v > s.MaskThreshold {
				g.Pix[i] = 255
			} else {
				g.Pix[i] = 0
			}
		}
	}
	b, err := preprocess.BinarizeMask(g, size, false)
	if err != nil {
		return nil, 0, 0, err
	}
	out := make([]bool, len(b))
	for i, v := range b {
		out[i] = v != 0
	}
	return out, im.W, im.H, nil
}

// maskChannel returns a fresh grey copy of im: convert('L'), or cv2's first
// (blue) channel.
func maskChannel(im *imageio.Image8, firstChannel bool) (*imageio.Image8, error) {
	if !firstChannel || im.Mode == imageio.Gray {
		return imageio.ToGray(im) // a copy also for Gray
	}
	if im.Mode == imageio.CMYK {
		rgb, err := imageio.ToRGB(im)
		if err != nil {
			return nil, err
		}
		im = rgb
	}
	c := im.Channels()
	if c < 3 {
		return nil, fmt.Errorf("mask mode %v has no blue channel", im.Mode)
	}
	g, err := imageio.NewImage8(im.W, im.H, imageio.Gray)
	if err != nil {
		return nil, err
	}
	for i := range g.Pix {
		g.Pix[i] = im.Pix[c*i+2] // cv2 reads BGR: channel 0 is blue
	}
	return g, nil
}
