package dataset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mkTree creates files (tiny fake contents) and folders (names ending in
// "/") under root. A "name=content" entry writes content.
func mkTree(t *testing.T, root string, entries ...string) {
	t.Helper()
	for _, e := range entries {
		if strings.HasSuffix(e, "/") {
			if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(e)), 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		name, content := e, "fake"
		if i := strings.Index(e, "="); i >= 0 {
			name, content = e[:i], e[i+1:]
		}
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// rel returns p relative to root with forward slashes ("" stays "").
func rel(t *testing.T, root, p string) string {
	t.Helper()
	if p == "" {
		return ""
	}
	r, err := filepath.Rel(root, p)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.ToSlash(r)
}

func mustOpen(t *testing.T, root, kind string) *Set {
	t.Helper()
	s, err := Open(root, kind)
	if err != nil {
		t.Fatalf("Open(%s, %q): %v", root, kind, err)
	}
	return s
}

// relPaths lists the sample paths of c relative to root.
func relPaths(t *testing.T, root string, c *Category) []string {
	var out []string
	for _, s := range c.Samples {
		out = append(out, rel(t, root, s.Path))
	}
	return out
}

// problemsText renders the problems relative to root, one per line.
func problemsText(t *testing.T, root string, s *Set) string {
	var b strings.Builder
	for _, p := range s.Problems {
		path := p.Path
		if r, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(r, "..") {
			path = filepath.ToSlash(r)
		} else if i := strings.Index(path, ":line "); i >= 0 {
			if r, err := filepath.Rel(root, path[:i]); err == nil {
				path = filepath.ToSlash(r) + path[i:]
			}
		}
		b.WriteString(path + ": " + p.Message + "\n")
	}
	return b.String()
}

func wantProblem(t *testing.T, text string, substrs ...string) {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		ok := true
		for _, s := range substrs {
			if !strings.Contains(line, s) {
				ok = false
				break
			}
		}
		if ok {
			return
		}
	}
	t.Errorf("no problem line containing all of %q in:\n%s", substrs, text)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func catNames(s *Set) []string {
	var out []string
	for _, c := range s.Categories {
		out = append(out, c.Key())
	}
	return out
}
