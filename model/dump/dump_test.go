package dump

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRoundTripAndCorruption(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Float32("a", []int{2, 3}, []float32{1, -2, 3.5, 0, 1e-8, -7}); err != nil {
		t.Fatal(err)
	}
	if err := w.Int32("tok", []int{1, 2}, []int32{49406, -1}); err != nil {
		t.Fatal(err)
	}
	if err := w.Float32("bad", []int{3}, []float32{1}); err == nil {
		t.Error("shape mismatch accepted")
	}
	if err := w.Float32("../escape", []int{1}, []float32{1}); err == nil {
		t.Error("path-like name accepted")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got["a"].Float[2] != 3.5 || got["a"].Float[5] != -7 || got["tok"].Int[0] != 49406 || got["tok"].Int[1] != -1 {
		t.Fatalf("round trip changed values: %+v", got)
	}
	os.WriteFile(filepath.Join(dir, "a.bin"), []byte{1, 2, 3}, 0o644)
	if _, _, err := Read(dir); err == nil {
		t.Error("truncated tensor file accepted")
	}
	os.WriteFile(filepath.Join(dir, "index.json"), []byte("{"), 0o644)
	if _, _, err := Read(dir); err == nil {
		t.Error("corrupt index accepted")
	}
}
