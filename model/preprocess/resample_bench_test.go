package preprocess

import (
	"testing"
)

// BenchmarkResize1024To240 is the main preprocessing cost of one MVTec
// transistor image: 1024×1024 RGB → 240×240 bicubic.
func BenchmarkResize1024To240(b *testing.B) {
	src := proceduralImage(1024, 1024, 3)
	b.SetBytes(int64(len(src.Pix)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ResizeBicubic(src, 240, 240); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResize1024To240RGBA(b *testing.B) {
	src := proceduralImage(1024, 1024, 4)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ResizeBicubic(src, 240, 240); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCLIPInput1024(b *testing.B) {
	src := proceduralImage(1024, 1024, 3)
	img, err := src.Image()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := CLIPInput(img, 240); err != nil {
			b.Fatal(err)
		}
	}
}
