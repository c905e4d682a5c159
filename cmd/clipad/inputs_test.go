package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCollectInputs(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.MkdirAll(empty, 0o755)
	if _, err := collectInputs([]string{empty}); err == nil || !strings.Contains(err.Error(), "holds no") {
		t.Errorf("empty folder: %v", err)
	}
	if _, err := collectInputs([]string{filepath.Join(dir, "*.png")}); err == nil || !strings.Contains(err.Error(), "no file matches") {
		t.Errorf("glob without matches: %v", err)
	}
	if _, err := collectInputs([]string{filepath.Join(dir, "missing.png")}); err == nil {
		t.Error("missing file accepted")
	}
	sub := filepath.Join(dir, "imgs", "a")
	os.MkdirAll(sub, 0o755)
	for _, n := range []string{"imgs/b.png", "imgs/a/c.JPG", "imgs/a/notes.txt", "imgs/x.tif"} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	got, err := collectInputs([]string{filepath.Join(dir, "imgs"), filepath.Join(dir, "imgs", "b.png")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !strings.HasSuffix(got[0], "a/c.JPG") || !strings.HasSuffix(got[1], "b.png") || !strings.HasSuffix(got[2], "x.tif") {
		t.Errorf("got %v", got)
	}
}
