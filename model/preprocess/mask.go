package preprocess

import (
	"fmt"
	"image"

	"github.com/clipad/clipad/model/imageio"
)

func toGray(mask *Image8) (*Image8, error) {
	if mask == nil {
		return nil, fmt.Errorf("%w: nil mask", ErrArgument)
	}
	if err := mask.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrArgument, err)
	}
	if mask.Mode == imageio.Gray {
		return mask, nil
	}
	return imageio.ToGray(mask)
}

// ResizeMaskBilinear resizes a mask with Pillow's BILINEAR filter in mode L
// (torchvision Resize's default on PIL images, antialiased). A mask that is
// not L is first converted with Pillow's convert('L'). The result is L.
func ResizeMaskBilinear(mask *Image8, w, h int) (*Image8, error) {
	g, err := toGray(mask)
	if err != nil {
		return nil, err
	}
	return Resize(g, w, h, Bilinear)
}

// NonzeroTo255 returns the L version of mask with every pixel > 0 set to 255
// and the others 0 (the MVTec/VisA ground-truth loader's
// np.array(convert('L')) > 0 → ×255).
func NonzeroTo255(mask *Image8) (*Image8, error) {
	g, err := toGray(mask)
	if err != nil {
		return nil, err
	}
	o := &Image8{W: g.W, H: g.H, Mode: imageio.Gray, Pix: make([]uint8, len(g.Pix))}
	for i, v := range g.Pix {
		if v > 0 {
			o.Pix[i] = 255
		}
	}
	return o, nil
}

// BinarizeMask is the evaluation ground truth of spec §1.2 on an 8-bit mask:
// convert('L'), optionally pixels > 0 → 255 (nonzeroTo255, used for MVTec and
// VisA), Pillow BILINEAR resize to size×size, ToTensor (/255) and > 0.5 → 1.
// In exact arithmetic v/255 > 0.5 ⇔ v ≥ 128, which is also what float32
// gives for every v. The result has size·size values, each 0 or 1.
func BinarizeMask(mask *Image8, size int, nonzeroTo255 bool) ([]uint8, error) {
	g, err := toGray(mask)
	if err != nil {
		return nil, err
	}
	if nonzeroTo255 {
		if g, err = NonzeroTo255(g); err != nil {
			return nil, err
		}
	}
	r, err := Resize(g, size, size, Bilinear)
	if err != nil {
		return nil, err
	}
	out := make([]uint8, len(r.Pix))
	for i, v := range r.Pix {
		if v >= 128 {
			out[i] = 1
		}
	}
	return out, nil
}

// MaskTarget is BinarizeMask on a decoded mask image.
func MaskTarget(mask image.Image, size int, nonzeroTo255 bool) ([]uint8, error) {
	if mask == nil {
		return nil, fmt.Errorf("%w: nil mask", ErrArgument)
	}
	im, err := imageio.FromImage(mask)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrArgument, err)
	}
	return BinarizeMask(im, size, nonzeroTo255)
}
