package sitesrv

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// Store gives access to the site's files.
type Store interface {
	// Open opens a site file by its slash-separated path without the
	// leading slash ("index.html", "models/x/manifest.json"). A missing
	// file is an error wrapping fs.ErrNotExist. r is the client request
	// (stores that forward to another service may need its URL).
	Open(r *http.Request, name string) (Asset, error)
}

// Asset is one open site file.
type Asset interface {
	// ETag is the quoted strong entity tag, or "".
	ETag() string
	// ContentType is the store's guess of the media type, or "".
	ContentType() string
	// Len is the size if it is known without reading the body, else -1.
	Len() int64
	// Size is the exact size; it may have to read (and keep) the body.
	Size(ctx context.Context) (int64, error)
	// Body is the whole content. Copy it with io.Copy so that a platform
	// body can pass through without being copied (see io.WriterTo).
	Body() (io.Reader, error)
	// Range is the content of bytes [start, end] (inclusive; within Size).
	Range(ctx context.Context, start, end int64) (io.Reader, error)
	// Close releases the file.
	Close() error
}

// NoBodyWriter is implemented by response writers of platforms that must
// be told explicitly that a response has no body (HEAD): the Worker's
// writer would otherwise promise Content-Length bytes it never gets.
type NoBodyWriter interface {
	WriteNoBody()
}

// MinCompressBytes: files known to be smaller are not compressed.
const MinCompressBytes = 1024

// Handler serves the site from a Store and the /api/* routes.
type Handler struct {
	Store Store
	Opt   Options
}

var _ http.Handler = (*Handler)(nil)

// AllowedMethods is the Allow header of 405 responses.
const AllowedMethods = "GET, HEAD"

// headerList joins a header's lines with ", " (a platform may have split
// one line at its commas).
func headerList(h http.Header, key string) string {
	return strings.Join(h.Values(key), ", ")
}

// SiteFile maps a URL path to the Store name of the file it serves: "/" and
// any path ending in "/" get "index.html" appended. Paths that are not in
// canonical form (dot segments, doubled slashes, NUL or backslash) are
// refused (ok=false → 404) rather than normalised.
func SiteFile(urlPath string) (string, bool) {
	if !strings.HasPrefix(urlPath, "/") || strings.ContainsAny(urlPath, "\x00\\") {
		return "", false
	}
	p := urlPath
	if strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	if path.Clean(p) != p {
		return "", false
	}
	name := strings.TrimPrefix(p, "/")
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", false
		}
	}
	return name, true
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	SetSecurityHeaders(w.Header(), h.Opt)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", AllowedMethods)
		h.plainError(w, r, http.StatusMethodNotAllowed, "method not allowed: use GET or HEAD")
		return
	}
	if r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/") {
		h.serveAPI(w, r)
		return
	}
	name, ok := SiteFile(r.URL.Path)
	if !ok {
		h.plainError(w, r, http.StatusNotFound, "not found")
		return
	}
	a, err := h.Store.Open(r, name)
	if errors.Is(err, fs.ErrNotExist) {
		h.plainError(w, r, http.StatusNotFound, "not found")
		return
	}
	if err != nil {
		h.plainError(w, r, http.StatusInternalServerError, "cannot read the file")
		return
	}
	defer a.Close()
	h.serveAsset(w, r, name, a)
}

func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request, name string, a Asset) {
	hd := w.Header()
	ct := ContentType(name, a.ContentType())
	compressible := Compressible(ct)
	etag := a.ETag()
	hd.Set("Cache-Control", CachePolicy(name))
	hd.Set("Accept-Ranges", "bytes")
	if compressible && len(h.Opt.Encodings) > 0 {
		hd.Set("Vary", "Accept-Encoding")
	}

	// Compress whole responses only, never ranges.
	enc := ""
	rangeHdr := ""
	if r.Method == http.MethodGet {
		rangeHdr = headerList(r.Header, "Range")
	}
	if compressible && rangeHdr == "" {
		if n := a.Len(); n < 0 || n >= MinCompressBytes {
			enc = NegotiateEncoding(headerList(r.Header, "Accept-Encoding"), h.Opt.Encodings)
			if enc != "gzip" && h.Opt.SelfCompress {
				enc = ""
			}
		}
	}
	if etag != "" {
		if enc != "" {
			// A compressed representation is not byte-identical.
			etag = "W/" + strings.TrimPrefix(etag, "W/")
		}
		hd.Set("ETag", etag)
	}
	if inm := headerList(r.Header, "If-None-Match"); inm != "" && ETagMatch(inm, etag) {
		h.noBody(w, http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", ct)

	if rangeHdr != "" && IfRangeAllows(headerList(r.Header, "If-Range"), etag) {
		size, err := a.Size(r.Context())
		if err != nil {
			h.plainError(w, r, http.StatusInternalServerError, "cannot read the file")
			return
		}
		br, kind := ParseRange(rangeHdr, size)
		switch kind {
		case RangeUnsatisfiable:
			hd.Set("Content-Range", UnsatisfiedRange(size))
			h.plainError(w, r, http.StatusRequestedRangeNotSatisfiable, "range not satisfiable")
			return
		case RangeSatisfiable:
			body, err := a.Range(r.Context(), br.Start, br.End)
			if err != nil {
				h.plainError(w, r, http.StatusInternalServerError, "cannot read the file")
				return
			}
			// A byte range must reach the client as is: no proxy or
			// front end may compress it (RFC 9111 §5.2.2.6).
			hd.Set("Cache-Control", CachePolicy(name)+", no-transform")
			hd.Set("Content-Range", br.ContentRange(size))
			hd.Set("Content-Length", strconv.FormatInt(br.Len(), 10))
			w.WriteHeader(http.StatusPartialContent)
			io.Copy(w, body)
			return
		}
	}

	if enc != "" {
		hd.Set("Content-Encoding", enc)
		hd.Del("Content-Length")
		if r.Method == http.MethodHead {
			h.noBody(w, http.StatusOK)
			return
		}
		body, err := a.Body()
		if err != nil {
			h.plainError(w, r, http.StatusInternalServerError, "cannot read the file")
			return
		}
		if !h.Opt.SelfCompress {
			// The platform encodes the body as Content-Encoding says.
			w.WriteHeader(http.StatusOK)
			io.Copy(w, body)
			return
		}
		w.WriteHeader(http.StatusOK)
		gz := gzip.NewWriter(w)
		io.Copy(gz, body)
		gz.Close()
		return
	}

	if r.Method == http.MethodHead {
		size, err := a.Size(r.Context())
		if err != nil {
			h.plainError(w, r, http.StatusInternalServerError, "cannot read the file")
			return
		}
		hd.Set("Content-Length", strconv.FormatInt(size, 10))
		h.noBody(w, http.StatusOK)
		return
	}
	if n := a.Len(); n >= 0 {
		hd.Set("Content-Length", strconv.FormatInt(n, 10))
	}
	body, err := a.Body()
	if err != nil {
		h.plainError(w, r, http.StatusInternalServerError, "cannot read the file")
		return
	}
	w.WriteHeader(http.StatusOK)
	io.Copy(w, body)
}

// noBody finishes a response without a body.
func (h *Handler) noBody(w http.ResponseWriter, status int) {
	if nb, ok := w.(NoBodyWriter); ok {
		nb.WriteNoBody()
	}
	w.WriteHeader(status)
}

// plainError sends a short text/plain error (no body for HEAD).
func (h *Handler) plainError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	hd := w.Header()
	for _, k := range []string{"ETag", "Vary", "Accept-Ranges", "Content-Encoding"} {
		hd.Del(k)
	}
	body := []byte(strconv.Itoa(status) + " " + msg + "\n")
	h.writeBody(w, r, status, "text/plain; charset=utf-8", CacheNone, body)
}

func (h *Handler) writeBody(w http.ResponseWriter, r *http.Request, status int, ct, cache string, body []byte) {
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("Cache-Control", cache)
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		h.noBody(w, status)
		return
	}
	w.WriteHeader(status)
	w.Write(body)
}

func (h *Handler) writeJSON(w http.ResponseWriter, r *http.Request, status int, cache string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		h.plainError(w, r, http.StatusInternalServerError, "cannot encode the response")
		return
	}
	h.writeBody(w, r, status, "application/json; charset=utf-8", cache, append(b, '\n'))
}

// Health is the /api/health response body.
type Health struct {
	Status    string `json:"status"`
	Service   string `json:"service"`
	Runtime   string `json:"runtime,omitempty"`
	Inference bool   `json:"inference"`
	// CrossOriginIsolation tells whether COOP/COEP are sent.
	CrossOriginIsolation bool `json:"cross_origin_isolation"`
}

func (h *Handler) serveAPI(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api/health":
		h.writeJSON(w, r, http.StatusOK, CacheNone, Health{Status: "ok", Service: "clipad-site",
			Runtime: h.Opt.Runtime, Inference: false, CrossOriginIsolation: h.Opt.CrossOriginIsolation})
	case "/api/models":
		list, err := h.ListModels(r)
		if err != nil {
			h.plainError(w, r, http.StatusInternalServerError, "cannot list the models")
			return
		}
		h.writeJSON(w, r, http.StatusOK, CacheShort, list)
	default:
		h.plainError(w, r, http.StatusNotFound, "not found")
	}
}

// ListModels reads the manifest of every bundle in Opt.ModelIDs.
func (h *Handler) ListModels(r *http.Request) (ModelList, error) {
	list := ModelList{Models: []ModelInfo{}}
	if h.Opt.ModelIDs == nil {
		return list, nil
	}
	ids, err := h.Opt.ModelIDs()
	if err != nil {
		return list, err
	}
	for _, id := range SortedIDs(ids) {
		info := h.describe(r, id)
		list.TotalBytes += info.TotalBytes
		list.Models = append(list.Models, info)
	}
	return list, nil
}

func (h *Handler) describe(r *http.Request, id string) ModelInfo {
	missing := ModelInfo{ID: id, Manifest: "/" + ManifestPath(id)}
	a, err := h.Store.Open(r, ManifestPath(id))
	if err != nil {
		missing.Error = "manifest cannot be read"
		if errors.Is(err, fs.ErrNotExist) {
			missing.Error = "manifest not found"
		}
		return missing
	}
	defer a.Close()
	body, err := a.Body()
	if err != nil {
		missing.Error = "manifest cannot be read"
		return missing
	}
	data, err := io.ReadAll(io.LimitReader(body, MaxManifestBytes+1))
	if err != nil {
		missing.Error = "manifest cannot be read"
		return missing
	}
	if len(data) > MaxManifestBytes {
		missing.Error = "manifest is too large"
		return missing
	}
	return DescribeModel(id, data)
}
