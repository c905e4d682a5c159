package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"mime"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

func init() {
	register("serve", "serve the built site/ (the browser app) as plain static files on 127.0.0.1", runServe)
}

// siteCSP is the page's Content-Security-Policy, identical to the one the
// Cloudflare Worker sends (cmd/worker/sitesrv.CSP) and the one index.html
// declares in a <meta> (less frame-ancestors, which a meta cannot carry).
// The page does not need it as a header; it is sent because a Web Worker's
// policy is the one delivered with its script.
const siteCSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; img-src 'self' blob: data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

var siteTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".json": "application/json; charset=utf-8",
	".wasm": "application/wasm",
	".bin":  "application/octet-stream",
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".svg":  "image/svg+xml",
	".md":   "text/markdown; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
}

// siteServer serves a directory as plain static files: no directory
// listings, no redirects ("/" and "dir/" serve index.html), correct media
// types (application/wasm), ETag/Last-Modified/Range from net/http. No
// COOP/COEP: the page works without cross-origin isolation.
type siteServer struct {
	root    string
	headers bool
	logReq  bool
}

func (s *siteServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status := s.serve(w, r)
	if s.logReq {
		// one line per request on stdout: tests count server hits with it
		fmt.Printf("%s %s %d\n", r.Method, r.URL.Path, status)
	}
}

func (s *siteServer) serve(w http.ResponseWriter, r *http.Request) int {
	h := w.Header()
	if s.headers {
		h.Set("Content-Security-Policy", siteCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return http.StatusMethodNotAllowed
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\x00\\") {
		http.NotFound(w, r)
		return http.StatusNotFound
	}
	if strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	for _, seg := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, ".") {
			http.NotFound(w, r)
			return http.StatusNotFound
		}
	}
	name := filepath.Join(s.root, filepath.FromSlash(strings.TrimPrefix(p, "/")))
	f, err := os.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			http.NotFound(w, r)
			return http.StatusNotFound
		}
		http.Error(w, "cannot read the file", http.StatusInternalServerError)
		return http.StatusInternalServerError
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.NotFound(w, r)
		return http.StatusNotFound
	}
	ext := strings.ToLower(path.Ext(p))
	ct := siteTypes[ext]
	if ct == "" {
		ct = mime.TypeByExtension(ext)
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	switch {
	case path.Base(p) == "sw.js":
		h.Set("Cache-Control", "no-cache")
	case strings.HasPrefix(path.Base(p), "shard-") && ext == ".bin":
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	default:
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", fmt.Sprintf(`"%x-%x"`, st.ModTime().UnixNano(), st.Size()))
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	http.ServeContent(rec, r, "", st.ModTime(), f)
	return rec.status
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func runServe(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	dir := fs.String("dir", "site", "directory to serve (what 'make site' builds)")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address (port 0: any free port)")
	headers := fs.Bool("headers", true, "send the Content-Security-Policy and nosniff headers (the page works without them)")
	logReq := fs.Bool("log", false, "print one line per request (method, path, status)")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: clipad serve [-dir site] [-addr 127.0.0.1:8080] [-log]\n\nServes the built site as plain static files. Build it first with 'make site'.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(*dir, "index.html")); err != nil {
		return fmt.Errorf("%s/index.html not found: build the site first with 'make site'", *dir)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String() + "/"
	if a, ok := ln.Addr().(*net.TCPAddr); ok && a.IP.IsUnspecified() {
		url = fmt.Sprintf("http://127.0.0.1:%d/", a.Port)
	}
	fmt.Printf("clipad: serving %s at %s (Ctrl-C stops)\n", *dir, url)
	srv := &http.Server{Handler: &siteServer{root: *dir, headers: *headers, logReq: *logReq},
		ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(os.Stderr, "serve: ", 0)}
	return srv.Serve(ln)
}
