package sitesrv

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

const shardName = "shard-000-0123456789abcdef.bin"

func testSite() (fstest.MapFS, []byte, []byte) {
	wasm := bytes.Repeat([]byte("\x00asm-clipad-"), 4000) // compressible, > MinCompressBytes
	shard := make([]byte, 5000)
	for i := range shard {
		shard[i] = byte(i * 7)
	}
	man := map[string]any{"format": "clipad.bundle", "version": 1, "model_id": "m", "dtype": "int8", "total_bytes": len(shard),
		"shards": []any{map[string]any{"file": shardName, "bytes": len(shard), "sha256": strings.Repeat("ab", 32)}}}
	mb, _ := json.Marshal(man)
	return fstest.MapFS{
		"index.html":                  {Data: []byte("<!doctype html><title>clipad</title>")},
		"clipad.wasm":                 {Data: wasm},
		"sw.js":                       {Data: []byte("self.addEventListener('fetch', () => {});")},
		"models/m/manifest.json":      {Data: mb},
		"models/m/" + shardName:       {Data: shard},
		"models/broken/manifest.json": {Data: []byte("{not json")},
		"docs/index.html":             {Data: []byte("<p>docs</p>")},
	}, wasm, shard
}

func newTestHandler(opt Options) (*Handler, []byte, []byte) {
	site, wasm, shard := testSite()
	store := FSStore{FS: site}
	if opt.ModelIDs == nil {
		opt.ModelIDs = func() ([]string, error) { return []string{"m", "broken", "missing", "../bad"}, nil }
	}
	return &Handler{Store: store, Opt: opt}, wasm, shard
}

type resp struct {
	code int
	h    http.Header
	body []byte
}

func do(t *testing.T, h http.Handler, method, target string, hdr ...string) resp {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return resp{w.Code, w.Result().Header, w.Body.Bytes()}
}

func checkSecurity(t *testing.T, what string, h http.Header) {
	t.Helper()
	if h.Get("Content-Security-Policy") != CSP || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != ReferrerPolicy {
		t.Errorf("%s: security headers missing: %v", what, h)
	}
}

func TestIndexAndStatic(t *testing.T) {
	h, _, shard := newTestHandler(Options{Encodings: []string{"gzip"}, SelfCompress: true})
	for _, p := range []string{"/", "/index.html"} {
		r := do(t, h, "GET", p)
		if r.code != 200 || string(r.body) != "<!doctype html><title>clipad</title>" || r.h.Get("Content-Type") != "text/html; charset=utf-8" || r.h.Get("Cache-Control") != CacheShort || r.h.Get("ETag") == "" {
			t.Errorf("GET %s: %d %v %q", p, r.code, r.h, r.body)
		}
		checkSecurity(t, p, r.h)
	}
	if r := do(t, h, "GET", "/docs/"); r.code != 200 || string(r.body) != "<p>docs</p>" {
		t.Errorf("directory index: %d", r.code)
	}
	r := do(t, h, "GET", "/models/m/"+shardName)
	if r.code != 200 || !bytes.Equal(r.body, shard) || r.h.Get("Cache-Control") != CacheImmutable || r.h.Get("Content-Type") != "application/octet-stream" || r.h.Get("Content-Length") != "5000" || r.h.Get("Accept-Ranges") != "bytes" || r.h.Get("Content-Encoding") != "" {
		t.Errorf("shard: %d %v", r.code, r.h)
	}
	if r := do(t, h, "GET", "/sw.js"); r.h.Get("Cache-Control") != CacheRevalidate {
		t.Errorf("sw.js cache %q", r.h.Get("Cache-Control"))
	}
	if r := do(t, h, "GET", "/models/m/manifest.json"); r.code != 200 || r.h.Get("Cache-Control") != CacheShort || r.h.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("manifest: %d %v", r.code, r.h)
	}
}

func TestCompression(t *testing.T) {
	h, wasm, _ := newTestHandler(Options{Encodings: []string{"gzip"}, SelfCompress: true})
	r := do(t, h, "GET", "/clipad.wasm", "Accept-Encoding", "gzip, br")
	if r.code != 200 || r.h.Get("Content-Encoding") != "gzip" || r.h.Get("Content-Type") != "application/wasm" || r.h.Get("Vary") != "Accept-Encoding" || r.h.Get("Content-Length") != "" || !strings.HasPrefix(r.h.Get("ETag"), "W/") {
		t.Fatalf("gzip: %d %v", r.code, r.h)
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, wasm) || len(r.body) >= len(wasm)/4 {
		t.Fatalf("gzip body: %d bytes → %d", len(wasm), len(r.body))
	}
	// Without Accept-Encoding: identity with a length.
	r = do(t, h, "GET", "/clipad.wasm")
	if r.h.Get("Content-Encoding") != "" || !bytes.Equal(r.body, wasm) || r.h.Get("Vary") != "Accept-Encoding" || r.h.Get("Content-Length") == "" {
		t.Fatalf("identity: %v", r.h)
	}
	// HEAD says the same, without a body.
	r = do(t, h, "HEAD", "/clipad.wasm", "Accept-Encoding", "gzip")
	if r.code != 200 || r.h.Get("Content-Encoding") != "gzip" || len(r.body) != 0 {
		t.Fatalf("HEAD gzip: %v", r.h)
	}
	// Small files and shards are not compressed.
	if r := do(t, h, "GET", "/index.html", "Accept-Encoding", "gzip"); r.h.Get("Content-Encoding") != "" {
		t.Error("tiny file compressed")
	}
	if r := do(t, h, "GET", "/models/m/"+shardName, "Accept-Encoding", "gzip"); r.h.Get("Content-Encoding") != "" || r.h.Get("Vary") != "" {
		t.Error("shard compressed")
	}
	// A platform that encodes itself: only the header is set, the body is plain.
	h2, wasm2, _ := newTestHandler(Options{Encodings: []string{"br", "gzip"}})
	r = do(t, h2, "GET", "/clipad.wasm", "Accept-Encoding", "gzip, br")
	if r.h.Get("Content-Encoding") != "br" || !bytes.Equal(r.body, wasm2) {
		t.Fatalf("platform encoding: %v", r.h)
	}
	// SelfCompress offers gzip only.
	r = do(t, h, "GET", "/clipad.wasm", "Accept-Encoding", "br")
	if r.h.Get("Content-Encoding") != "" {
		t.Fatalf("br without an encoder: %v", r.h)
	}
}

func TestRanges(t *testing.T) {
	h, _, shard := newTestHandler(Options{})
	path := "/models/m/" + shardName
	cases := []struct {
		hdr        string
		code       int
		start, end int
	}{
		{"bytes=0-99", 206, 0, 99},
		{"bytes=4990-", 206, 4990, 4999},
		{"bytes=-10", 206, 4990, 4999},
		{"bytes=100-100", 206, 100, 100},
		{"bytes=4000-9999", 206, 4000, 4999},
		{"bytes=5000-", 416, 0, 0},
		{"bytes=-0", 416, 0, 0},
		{"bytes=abc", 200, 0, 4999},
		{"bytes=10-5", 200, 0, 4999},
		{"pages=1-2", 200, 0, 4999},
		{"bytes=0-1,3-4", 200, 0, 4999},
	}
	for _, c := range cases {
		r := do(t, h, "GET", path, "Range", c.hdr)
		if r.code != c.code {
			t.Errorf("Range %q: status %d, want %d", c.hdr, r.code, c.code)
			continue
		}
		checkSecurity(t, c.hdr, r.h)
		switch c.code {
		case 206:
			want := shard[c.start : c.end+1]
			if r.h.Get("Cache-Control") != CacheImmutable+", no-transform" {
				t.Errorf("Range %q: Cache-Control %q", c.hdr, r.h.Get("Cache-Control"))
			}
			if !bytes.Equal(r.body, want) || r.h.Get("Content-Range") != (ByteRange{int64(c.start), int64(c.end)}).ContentRange(5000) || r.h.Get("Content-Length") != itoa(len(want)) {
				t.Errorf("Range %q: %v, %d bytes", c.hdr, r.h, len(r.body))
			}
		case 416:
			if r.h.Get("Content-Range") != "bytes */5000" {
				t.Errorf("Range %q: Content-Range %q", c.hdr, r.h.Get("Content-Range"))
			}
		case 200:
			if !bytes.Equal(r.body, shard) || r.h.Get("Content-Range") != "" {
				t.Errorf("Range %q: full body expected", c.hdr)
			}
		}
	}
	// Ranges split over header lines (as the Worker's request conversion
	// does at commas) are one list.
	if r := do(t, h, "GET", path, "Range", "bytes=0-1", "Range", "3-4"); r.code != 200 {
		t.Errorf("multi-line multi-range: %d", r.code)
	}
	// HEAD ignores Range (RFC 9110 §14.2: only GET).
	if r := do(t, h, "HEAD", path, "Range", "bytes=0-9"); r.code != 200 || r.h.Get("Content-Length") != "5000" || len(r.body) != 0 {
		t.Errorf("HEAD with Range: %d %v", r.code, r.h)
	}
	// If-Range: a matching strong tag honours the range, anything else does not.
	etag := do(t, h, "GET", path).h.Get("ETag")
	if r := do(t, h, "GET", path, "Range", "bytes=0-9", "If-Range", etag); r.code != 206 {
		t.Errorf("If-Range match: %d", r.code)
	}
	if r := do(t, h, "GET", path, "Range", "bytes=0-9", "If-Range", `"other"`); r.code != 200 || len(r.body) != 5000 {
		t.Errorf("If-Range mismatch: %d", r.code)
	}
	// Compressible files are served as identity ranges.
	h2, wasm, _ := newTestHandler(Options{Encodings: []string{"gzip"}, SelfCompress: true})
	if r := do(t, h2, "GET", "/clipad.wasm", "Range", "bytes=0-3", "Accept-Encoding", "gzip"); r.code != 206 || r.h.Get("Content-Encoding") != "" || !bytes.Equal(r.body, wasm[:4]) {
		t.Errorf("range of a compressible file: %d %v", r.code, r.h)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestConditional(t *testing.T) {
	h, _, _ := newTestHandler(Options{})
	etag := do(t, h, "GET", "/index.html").h.Get("ETag")
	r := do(t, h, "GET", "/index.html", "If-None-Match", `"x", `+etag)
	if r.code != 304 || len(r.body) != 0 || r.h.Get("ETag") != etag || r.h.Get("Cache-Control") != CacheShort {
		t.Errorf("If-None-Match: %d %v", r.code, r.h)
	}
	checkSecurity(t, "304", r.h)
	if r := do(t, h, "GET", "/index.html", "If-None-Match", `"nope"`); r.code != 200 {
		t.Errorf("non-matching If-None-Match: %d", r.code)
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	h, _, _ := newTestHandler(Options{CrossOriginIsolation: true})
	for _, p := range []string{"/nope", "/nope.wasm", "/models", "/models/m", "/models/m/shard-999-0123456789abcdef.bin",
		"/a/../index.html", "/./index.html", "//index.html", "/index.html/", "/api", "/api/", "/api/nope", "/api/health/x", "/%00", "/a%5cb"} {
		r := do(t, h, "GET", p)
		if r.code != 404 || r.h.Get("Cache-Control") != CacheNone || !strings.HasPrefix(r.h.Get("Content-Type"), "text/plain") {
			t.Errorf("GET %s: %d %v", p, r.code, r.h)
		}
		checkSecurity(t, p, r.h)
		if r.h.Get("Cross-Origin-Embedder-Policy") != "require-corp" {
			t.Errorf("GET %s: COEP missing on errors", p)
		}
		if r := do(t, h, "HEAD", p); r.code != 404 || len(r.body) != 0 {
			t.Errorf("HEAD %s: %d", p, r.code)
		}
	}
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND"} {
		for _, p := range []string{"/", "/index.html", "/api/health", "/nope"} {
			r := do(t, h, m, p)
			if r.code != 405 || r.h.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d Allow %q", m, p, r.code, r.h.Get("Allow"))
			}
			checkSecurity(t, m, r.h)
		}
	}
}

func TestAPI(t *testing.T) {
	h, _, _ := newTestHandler(Options{Runtime: "test"})
	r := do(t, h, "GET", "/api/health")
	var health Health
	if r.code != 200 || json.Unmarshal(r.body, &health) != nil || health.Status != "ok" || health.Inference || health.Runtime != "test" || r.h.Get("Cache-Control") != CacheNone || r.h.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("health: %d %v %s", r.code, r.h, r.body)
	}
	if r := do(t, h, "HEAD", "/api/health"); r.code != 200 || len(r.body) != 0 || r.h.Get("Content-Length") == "" {
		t.Errorf("HEAD health: %d %v", r.code, r.h)
	}
	r = do(t, h, "GET", "/api/models")
	var list ModelList
	if r.code != 200 || json.Unmarshal(r.body, &list) != nil {
		t.Fatalf("models: %d %s", r.code, r.body)
	}
	if len(list.Models) != 3 || list.TotalBytes != 5000 {
		t.Fatalf("models: %s", r.body)
	}
	byID := map[string]ModelInfo{}
	for _, m := range list.Models {
		byID[m.ID] = m
	}
	if m := byID["m"]; m.Error != "" || m.TotalBytes != 5000 || m.ShardCount != 1 || m.Shards[0].URL != "/models/m/"+shardName || m.ManifestSHA256 == "" {
		t.Errorf("m: %+v", m)
	}
	if byID["broken"].Error == "" || byID["missing"].Error != "manifest not found" {
		t.Errorf("errors: %+v %+v", byID["broken"], byID["missing"])
	}
	// No model source: an empty list, not null.
	h0 := &Handler{Store: h.Store}
	if r := do(t, h0, "GET", "/api/models"); r.code != 200 || !strings.Contains(string(r.body), `"models": []`) {
		t.Errorf("empty list: %s", r.body)
	}
	// The directory store finds bundles with a manifest.
	ids, err := h.Store.(FSStore).ModelIDs()
	if err != nil || strings.Join(ids, ",") != "broken,m" {
		t.Errorf("FSStore.ModelIDs = %v %v", ids, err)
	}
}

// noBodyRecorder records whether the handler declared a body-less response.
type noBodyRecorder struct {
	*httptest.ResponseRecorder
	noBody bool
}

func (w *noBodyRecorder) WriteNoBody() { w.noBody = true }

func TestNoBodyWriter(t *testing.T) {
	h, _, _ := newTestHandler(Options{})
	for _, c := range []struct {
		method, path string
		hdr          []string
		want         bool
	}{
		{"HEAD", "/index.html", nil, true},
		{"HEAD", "/nope", nil, true},
		{"HEAD", "/api/health", nil, true},
		{"GET", "/index.html", []string{"If-None-Match", "*"}, true},
		{"GET", "/index.html", nil, false},
		{"GET", "/nope", nil, false},
	} {
		r := httptest.NewRequest(c.method, c.path, nil)
		for i := 0; i+1 < len(c.hdr); i += 2 {
			r.Header.Set(c.hdr[i], c.hdr[i+1])
		}
		w := &noBodyRecorder{ResponseRecorder: httptest.NewRecorder()}
		h.ServeHTTP(w, r)
		if w.noBody != c.want {
			t.Errorf("%s %s: WriteNoBody called %v", c.method, c.path, w.noBody)
		}
	}
}

func TestSiteFile(t *testing.T) {
	ok := map[string]string{"/": "index.html", "/a.js": "a.js", "/docs/": "docs/index.html", "/models/m/manifest.json": "models/m/manifest.json"}
	for p, want := range ok {
		if got, good := SiteFile(p); !good || got != want {
			t.Errorf("SiteFile(%q) = %q %v", p, got, good)
		}
	}
	for _, p := range []string{"", "a", "/..", "/../x", "/a/./b", "//", "/a//b", "/a\\b", "/a\x00b", "/.", "/index.html/"} {
		if got, good := SiteFile(p); good && p != "/index.html/" {
			t.Errorf("SiteFile(%q) = %q, want refusal", p, got)
		}
	}
}
