package main

import (
	"fmt"
	"math"
	"os"

	"github.com/clipad/clipad/model/imageio"
	"github.com/clipad/clipad/model/preprocess"
)

// loadInput decodes and preprocesses an image file into the model's CHW
// input, or makes a deterministic synthetic input when path is empty.
func loadInput(path string, size int) ([]float32, error) {
	if path == "" {
		img := make([]float32, 3*size*size)
		for i := range img {
			img[i] = float32(math.Sin(float64(i)*0.013) * 1.7)
		}
		return img, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	im, err := imageio.Decode(data, path, imageio.DefaultLimits())
	if err != nil {
		return nil, err
	}
	x, err := preprocess.CLIPInput(im, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return x, nil
}
