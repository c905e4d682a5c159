// Package sitesrv is the platform-independent part of clipad's static
// site server: which content type, cache policy and security headers each
// file gets, Range parsing, content-coding negotiation, the /api/* routes
// and the HTTP handler that puts them together over a Store of files.
//
// The Cloudflare Worker (cmd/worker, GOOS=js GOARCH=wasm) plugs in a Store
// backed by the Workers Static Assets binding; the native build plugs in a
// directory. Everything here builds and is tested natively.
package sitesrv

import (
	"net/http"
	"path"
	"strings"
)

// CSP is the Content-Security-Policy of the page and of every other
// response (a Web Worker's policy is the one delivered with its script, so
// the workers' JS needs it too). It must stay identical to the policy the
// page declares:
//
//   - default-src 'self': nothing from other origins;
//   - script-src 'self' 'wasm-unsafe-eval': our own scripts, and compiling
//     WebAssembly (clipad.wasm) without allowing JS eval;
//   - worker-src 'self': the inference Web Workers and the service worker;
//   - connect-src 'self': fetch() only to this origin (bundles, text vectors);
//   - img-src 'self' blob: data:: dropped images are shown from blob: URLs,
//     heatmaps from canvases (data:);
//   - style-src 'self': no inline styles;
//   - object-src 'none'; base-uri 'none'; frame-ancestors 'none';
//     form-action 'none': no plugins, no <base>, no framing, no form posts.
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; img-src 'self' blob: data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

// ReferrerPolicy is sent on every response: the page links nowhere that
// needs to know where a visitor came from.
const ReferrerPolicy = "no-referrer"

// Cache-Control values.
const (
	// CacheImmutable is for content-hashed files (bundle shards, hashed
	// assets): their name changes whenever their bytes do.
	CacheImmutable = "public, max-age=31536000, immutable"
	// CacheShort is for files whose name stays while their content changes
	// (index.html, manifest.json, clipad.wasm, unhashed JS and JSON): a
	// minute, then revalidate with the ETag.
	CacheShort = "public, max-age=60, must-revalidate"
	// CacheRevalidate is for the service worker script: always revalidate.
	CacheRevalidate = "no-cache"
	// CacheNone is for errors and /api/health.
	CacheNone = "no-store"
)

// Options are the deployment choices of the server.
type Options struct {
	// CrossOriginIsolation adds COOP same-origin, COEP require-corp and
	// CORP same-origin, which make the page crossOriginIsolated (needed for
	// SharedArrayBuffer, i.e. threaded WebAssembly). Off by default: the
	// page does not need it.
	CrossOriginIsolation bool
	// Encodings are the content codings the server may apply, preferred
	// first ("br", "gzip"). Empty: never compress.
	Encodings []string
	// SelfCompress: the handler compresses (gzip only) itself. When false,
	// setting Content-Encoding is enough because the platform encodes the
	// body (Cloudflare Workers do).
	SelfCompress bool
	// ModelIDs lists the bundle directories under models/ (for /api/models).
	ModelIDs func() ([]string, error)
	// Runtime names the platform in /api/health.
	Runtime string
}

// SetSecurityHeaders sets the headers every response carries.
func SetSecurityHeaders(h http.Header, opt Options) {
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", ReferrerPolicy)
	if opt.CrossOriginIsolation {
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Embedder-Policy", "require-corp")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
	}
}

var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".htm":         "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json; charset=utf-8",
	".map":         "application/json; charset=utf-8",
	".webmanifest": "application/manifest+json; charset=utf-8",
	".wasm":        "application/wasm",
	".bin":         "application/octet-stream",
	".txt":         "text/plain; charset=utf-8",
	".md":          "text/markdown; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".ico":         "image/x-icon",
	".woff2":       "font/woff2",
	".woff":        "font/woff",
	".xml":         "application/xml; charset=utf-8",
	".pdf":         "application/pdf",
}

// ContentType returns the media type for a file name by its extension;
// fallback (the store's guess, may be empty) is used for unknown ones, then
// application/octet-stream.
func ContentType(name, fallback string) string {
	if ct, ok := contentTypes[strings.ToLower(path.Ext(name))]; ok {
		return ct
	}
	if fallback != "" {
		return fallback
	}
	return "application/octet-stream"
}

// Compressible reports whether a media type is worth compressing: text,
// JSON, JS, SVG and WebAssembly (Go's wasm shrinks about 4x). Images,
// fonts and bundle shards (quantized weights) are already dense.
func Compressible(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(strings.ToLower(mt))
	switch {
	case strings.HasPrefix(mt, "text/"):
		return true
	case mt == "application/json", mt == "application/manifest+json",
		mt == "application/javascript", mt == "application/wasm",
		mt == "application/xml", mt == "image/svg+xml":
		return true
	}
	return false
}

// IsShard reports whether name (a slash-separated path without the
// leading slash) is a bundle shard: models/<id>/shard-NNN-<hex>.bin.
func IsShard(name string) bool {
	dir, file := path.Split(name)
	parts := strings.Split(strings.TrimSuffix(dir, "/"), "/")
	if len(parts) != 2 || parts[0] != "models" || parts[1] == "" {
		return false
	}
	rest, ok := strings.CutPrefix(file, "shard-")
	if !ok {
		return false
	}
	rest, ok = strings.CutSuffix(rest, ".bin")
	if !ok {
		return false
	}
	num, hash, ok := strings.Cut(rest, "-")
	if !ok || len(num) < 3 || !allDigits(num) || len(hash) < 8 || len(hash) > 64 || !isLowerHex(hash) {
		return false
	}
	return true
}

// IsContentHashed reports whether the file name carries a content hash:
// a bundle shard, or a base name with a "-<hex>" or ".<hex>" part of 8 to
// 64 lower-case hex digits, holding at least one digit and one letter (so
// dates and words are not taken for hashes), right before the extension:
// app-3f2a9c1d.js, textvec.0a1b2c3d4e5f.json.
func IsContentHashed(name string) bool {
	if IsShard(name) {
		return true
	}
	base := path.Base(name)
	ext := path.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	if ext == "" || stem == "" {
		return false
	}
	i := strings.LastIndexAny(stem, "-.")
	if i <= 0 {
		return false
	}
	h := stem[i+1:]
	if len(h) < 8 || len(h) > 64 || !isLowerHex(h) {
		return false
	}
	return strings.ContainsAny(h, "0123456789") && strings.ContainsAny(h, "abcdef")
}

// CachePolicy returns the Cache-Control value for a site file (a path
// without the leading slash, as given to the Store).
func CachePolicy(name string) string {
	switch {
	case path.Base(name) == "sw.js":
		return CacheRevalidate
	case IsContentHashed(name):
		return CacheImmutable
	default:
		return CacheShort
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}
