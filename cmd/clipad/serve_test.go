package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSiteServer(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"index.html":                "<!doctype html><title>x</title>",
		"sw.js":                     "// sw",
		"core/clipad-0123abcd.wasm": "\x00asm\x01\x00\x00\x00",
		"models/m/shard-000-0123456789abcdef.bin": "weights",
		"app/main.js": "export {}",
		".hidden":     "secret",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(&siteServer{root: dir, headers: true})
	defer srv.Close()
	get := func(method, path string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := http.DefaultTransport.RoundTrip(req) // no redirect following
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	cases := []struct {
		path, ctype, cache string
		status             int
	}{
		{"/", "text/html; charset=utf-8", "no-cache", 200},
		{"/index.html", "text/html; charset=utf-8", "no-cache", 200},
		{"/sw.js", "text/javascript; charset=utf-8", "no-cache", 200},
		{"/app/main.js", "text/javascript; charset=utf-8", "no-cache", 200},
		{"/core/clipad-0123abcd.wasm", "application/wasm", "no-cache", 200},
		{"/models/m/shard-000-0123456789abcdef.bin", "application/octet-stream", "public, max-age=31536000, immutable", 200},
		{"/models/", "", "", 404},       // no directory listings
		{"/core", "", "", 404},          // directories are not files
		{"/.hidden", "", "", 404},       // no dot files
		{"/../etc/passwd", "", "", 404}, // no escaping the root
		{"/app/../sw.js", "", "", 404},
		{"/missing.js", "", "", 404},
	}
	for _, c := range cases {
		r := get("GET", c.path)
		if r.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.path, r.StatusCode, c.status)
			continue
		}
		if r.Header.Get("Content-Security-Policy") == "" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: security headers missing", c.path)
		}
		for _, h := range []string{"Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy"} {
			if r.Header.Get(h) != "" {
				t.Errorf("%s: %s set; the page must not need cross-origin isolation", c.path, h)
			}
		}
		if c.status != 200 {
			continue
		}
		if got := r.Header.Get("Content-Type"); got != c.ctype {
			t.Errorf("%s: Content-Type %q, want %q", c.path, got, c.ctype)
		}
		if got := r.Header.Get("Cache-Control"); got != c.cache {
			t.Errorf("%s: Cache-Control %q, want %q", c.path, got, c.cache)
		}
	}
	if r := get("POST", "/"); r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d", r.StatusCode)
	}
	if r := get("HEAD", "/app/main.js"); r.StatusCode != 200 {
		t.Errorf("HEAD: status %d", r.StatusCode)
	}
	if !strings.Contains(siteCSP, "'wasm-unsafe-eval'") {
		t.Error("the CSP must allow compiling WebAssembly")
	}
}

func TestSiteCSPMatchesPage(t *testing.T) {
	b, err := os.ReadFile("../../index.html")
	if err != nil {
		t.Skip("index.html not found")
	}
	// the page's meta carries the same policy less frame-ancestors
	meta := strings.Replace(siteCSP, " frame-ancestors 'none';", "", 1)
	if !strings.Contains(string(b), `content="`+meta+`"`) {
		t.Errorf("index.html's CSP meta differs from the served policy:\n%s", meta)
	}
}
