package sitesrv

import (
	"net/http"
	"strings"
	"testing"
)

func TestContentType(t *testing.T) {
	cases := map[string]string{
		"index.html":                    "text/html; charset=utf-8",
		"clipad.wasm":                   "application/wasm",
		"CLIPAD.WASM":                   "application/wasm",
		"wasm_exec.js":                  "text/javascript; charset=utf-8",
		"app.mjs":                       "text/javascript; charset=utf-8",
		"sw.js":                         "text/javascript; charset=utf-8",
		"style.css":                     "text/css; charset=utf-8",
		"textvec.json":                  "application/json; charset=utf-8",
		"models/x/manifest.json":        "application/json; charset=utf-8",
		"models/x/shard-000-0a1b2c.bin": "application/octet-stream",
		"icon.svg":                      "image/svg+xml",
		"favicon.ico":                   "image/x-icon",
		"app.webmanifest":               "application/manifest+json; charset=utf-8",
		"LICENSE":                       "application/octet-stream",
		"data.unknownext":               "application/octet-stream",
	}
	for name, want := range cases {
		if got := ContentType(name, ""); got != want {
			t.Errorf("ContentType(%q) = %q, want %q", name, got, want)
		}
	}
	if got := ContentType("x.unknownext", "text/x-thing"); got != "text/x-thing" {
		t.Errorf("fallback not used: %q", got)
	}
	if got := ContentType("x.wasm", "application/octet-stream"); got != "application/wasm" {
		t.Errorf("table must win over the store's guess: %q", got)
	}
}

func TestCompressible(t *testing.T) {
	for _, ct := range []string{"text/html; charset=utf-8", "text/javascript; charset=utf-8", "application/json; charset=utf-8", "application/wasm", "image/svg+xml", "application/manifest+json; charset=utf-8"} {
		if !Compressible(ct) {
			t.Errorf("%q should be compressible", ct)
		}
	}
	for _, ct := range []string{"application/octet-stream", "image/png", "image/jpeg", "font/woff2", ""} {
		if Compressible(ct) {
			t.Errorf("%q should not be compressible", ct)
		}
	}
}

func TestShardsAndHashes(t *testing.T) {
	yes := []string{
		"models/ViT-B-16-plus-240/shard-000-0123456789abcdef.bin",
		"models/test-small-int8/shard-012-deadbeef00112233.bin",
		"models/x/shard-1234-" + strings.Repeat("ab12", 16) + ".bin",
	}
	for _, n := range yes {
		if !IsShard(n) || !IsContentHashed(n) || CachePolicy(n) != CacheImmutable {
			t.Errorf("%q should be an immutable shard", n)
		}
	}
	notShard := []string{
		"models/x/manifest.json",
		"models/shard-000-0123456789abcdef.bin",        // no bundle dir
		"models/x/y/shard-000-0123456789abcdef.bin",    // too deep
		"other/x/shard-000-0123456789abcdef.bin",       // not under models/
		"models/x/shard-00-0123456789abcdef.bin",       // number too short
		"models/x/shard-000-0123456789ABCDEF.bin",      // upper-case hex
		"models/x/shard-000-0123.bin",                  // hash too short
		"models/x/shard-000-0123456789abcdef.bin.part", // wrong extension
		"models//shard-000-0123456789abcdef.bin",
	}
	for _, n := range notShard {
		if IsShard(n) {
			t.Errorf("%q is not a shard", n)
		}
	}
	hashed := []string{"app-3f2a9c1d.js", "js/app.3f2a9c1d.js", "textvec-0a1b2c3d4e5f6789.json", "clipad-9f8e7d6c5b4a.wasm"}
	for _, n := range hashed {
		if !IsContentHashed(n) || CachePolicy(n) != CacheImmutable {
			t.Errorf("%q should be content-hashed", n)
		}
	}
	plain := []string{"index.html", "clipad.wasm", "wasm_exec.js", "app.js", "textvec.json",
		"build-20261101.js", // a date: digits only
		"deadbeefcafe.js",   // no separator before the hash-like part
		"x-deadbeefcafe.js", // letters only
		"x-0123456.js",      // 7 digits
		".hidden-0a1b2c3d4e",
	}
	for _, n := range plain {
		if IsContentHashed(n) {
			t.Errorf("%q is not content-hashed", n)
		}
	}
}

func TestCachePolicy(t *testing.T) {
	cases := map[string]string{
		"index.html":             CacheShort,
		"models/x/manifest.json": CacheShort,
		"clipad.wasm":            CacheShort,
		"app.js":                 CacheShort,
		"sw.js":                  CacheRevalidate,
		"js/sw.js":               CacheRevalidate,
		"models/x/shard-000-0123456789abcdef.bin": CacheImmutable,
		"app-3f2a9c1d.js":                         CacheImmutable,
	}
	for name, want := range cases {
		if got := CachePolicy(name); got != want {
			t.Errorf("CachePolicy(%q) = %q, want %q", name, got, want)
		}
	}
	if !strings.Contains(CacheShort, "max-age=60") || !strings.Contains(CacheImmutable, "immutable") {
		t.Error("cache constants changed meaning")
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := http.Header{}
	SetSecurityHeaders(h, Options{})
	if h.Get("Content-Security-Policy") != CSP || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("headers %v", h)
	}
	for _, k := range []string{"Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy", "Cross-Origin-Resource-Policy"} {
		if h.Get(k) != "" {
			t.Errorf("%s sent without the option", k)
		}
	}
	h = http.Header{}
	SetSecurityHeaders(h, Options{CrossOriginIsolation: true})
	if h.Get("Cross-Origin-Opener-Policy") != "same-origin" || h.Get("Cross-Origin-Embedder-Policy") != "require-corp" || h.Get("Cross-Origin-Resource-Policy") != "same-origin" {
		t.Fatalf("COOP/COEP/CORP: %v", h)
	}
}

// The policy the page declares; keep in step with CSP (the page's
// <meta http-equiv="Content-Security-Policy"> must say the same).
func TestCSPIsThePagePolicy(t *testing.T) {
	want := "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; img-src 'self' blob: data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
	if CSP != want {
		t.Fatalf("CSP = %q", CSP)
	}
	if strings.Contains(CSP, ",") {
		t.Fatal("CSP must not contain commas (platform header splitting)")
	}
}
