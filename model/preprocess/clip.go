package preprocess

import (
	"fmt"
	"image"

	"github.com/clipad/clipad/model/imageio"
)

// The OpenAI CLIP normalisation constants (open_clip OPENAI_DATASET_MEAN/STD),
// rounded from float64 to float32 exactly as torch.as_tensor(mean,
// dtype=float32) does.
var (
	clipMean64 = [3]float64{0.48145466, 0.4578275, 0.40821073}
	clipStd64  = [3]float64{0.26862954, 0.26130258, 0.27577711}

	CLIPMean = [3]float32{float32(clipMean64[0]), float32(clipMean64[1]), float32(clipMean64[2])}
	CLIPStd  = [3]float32{float32(clipStd64[0]), float32(clipStd64[1]), float32(clipStd64[2])}
)

// ResizeForCLIP is steps 1–3 of spec §1.2 on a decoded image: Pillow's
// img.resize((size, size), BICUBIC) (aspect ratio not kept; L, RGB, RGBA,
// CMYK resized in their own mode, RGBA premultiplied) followed by
// convert('RGB'). See imageio.FromImage for how decoded images map to
// Pillow modes.
func ResizeForCLIP(img image.Image, size int) (*Image8, error) {
	if img == nil {
		return nil, fmt.Errorf("%w: nil image", ErrArgument)
	}
	if err := checkSize(size, size); err != nil {
		return nil, err
	}
	im, err := imageio.FromImage(img)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrArgument, err)
	}
	r, err := ResizeBicubic(im, size, size)
	if err != nil {
		return nil, err
	}
	if r.Mode == imageio.RGB {
		return r, nil
	}
	return imageio.ToRGB(r)
}

// Normalize is ToTensor + Normalize (spec §1.2 steps 4–5) on an RGB image:
// CHW float32, out[c·H·W + y·W + x] = (v/255 − mean[c]) / std[c], every
// operation in float32 as torch does.
func Normalize(rgb *Image8) ([]float32, error) {
	if rgb == nil {
		return nil, fmt.Errorf("%w: nil image", ErrArgument)
	}
	if err := rgb.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrArgument, err)
	}
	if rgb.Mode != imageio.RGB {
		return nil, fmt.Errorf("%w: Normalize wants an RGB image, got %v", ErrArgument, rgb.Mode)
	}
	n := rgb.W * rgb.H
	out := make([]float32, 3*n)
	var lut [3][256]float32
	for c := 0; c < 3; c++ {
		m, s := CLIPMean[c], CLIPStd[c]
		for v := 0; v < 256; v++ {
			x := float32(v) / 255
			x = x - m
			lut[c][v] = x / s
		}
	}
	r, g, b := out[:n], out[n:2*n], out[2*n:]
	p := rgb.Pix
	for i := 0; i < n; i++ {
		r[i] = lut[0][p[3*i]]
		g[i] = lut[1][p[3*i+1]]
		b[i] = lut[2][p[3*i+2]]
	}
	return out, nil
}

// CLIPInput is the whole image preprocessing of spec §1.2: a CHW float32
// tensor of length 3·size·size ready for the vision tower.
func CLIPInput(img image.Image, size int) ([]float32, error) {
	rgb, err := ResizeForCLIP(img, size)
	if err != nil {
		return nil, err
	}
	return Normalize(rgb)
}
