//go:build js && wasm

// The Cloudflare Worker: package sitesrv's handler over the Workers Static
// Assets binding (ASSETS), served with github.com/syumai/workers. The
// Worker runs first for every request (assets.run_worker_first) so that it
// sets the headers; it never runs inference (see README.md).
//
// Environment (wrangler vars): CROSS_ORIGIN_ISOLATION = "on" adds
// COOP/COEP/CORP. The model ids come from the site index that the build
// embeds (entry.mjs sets globalThis.CLIPAD_SITE_INDEX).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"syscall/js"

	"github.com/clipad/clipad/cmd/worker/sitesrv"
	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
	"github.com/syumai/workers/cloudflare/fetch"
)

func main() {
	coi := strings.ToLower(strings.TrimSpace(cloudflare.Getenv("CROSS_ORIGIN_ISOLATION")))
	store := &assetStore{binding: cloudflare.GetBinding("ASSETS")}
	h := &sitesrv.Handler{Store: store, Opt: sitesrv.Options{
		CrossOriginIsolation: coi == "on" || coi == "true" || coi == "1",
		// workerd encodes the body itself when Content-Encoding is set.
		Encodings: []string{"br", "gzip"},
		ModelIDs:  siteModelIDs,
		Runtime:   "cloudflare-workers",
	}}
	workers.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&jsWriter{w}, r)
	}))
}

func siteModelIDs() ([]string, error) {
	v := js.Global().Get("CLIPAD_SITE_INDEX")
	if v.Type() != js.TypeString {
		return nil, nil
	}
	idx, err := sitesrv.ParseSiteIndex(v.String())
	if err != nil {
		return nil, err
	}
	return idx.Models, nil
}

// rawJSBodyWriter is syumai/workers' internal interface for handing a JS
// body (ReadableStream, Blob or null) straight to the Response.
type rawJSBodyWriter interface{ WriteRawJSBody(body js.Value) }

// rawJSBodyGetter is implemented by syumai/workers' readers of JS streams.
type rawJSBodyGetter interface{ GetRawJSBody() js.Value }

// jsWriter forwards to syumai's ResponseWriter and implements
// sitesrv.NoBodyWriter: without it a HEAD response with Content-Length
// would be given a FixedLengthStream that never receives its bytes.
type jsWriter struct{ http.ResponseWriter }

func (w *jsWriter) WriteNoBody() {
	if rw, ok := w.ResponseWriter.(rawJSBodyWriter); ok {
		rw.WriteRawJSBody(js.Null())
	}
}

func (w *jsWriter) WriteRawJSBody(body js.Value) {
	w.ResponseWriter.(rawJSBodyWriter).WriteRawJSBody(body)
}

// assetStore reads site files through the ASSETS binding.
type assetStore struct{ binding js.Value }

func (s *assetStore) Open(r *http.Request, name string) (sitesrv.Asset, error) {
	if s.binding.IsUndefined() || s.binding.IsNull() {
		return nil, errors.New("no ASSETS binding: configure [assets] binding = \"ASSETS\"")
	}
	u := *r.URL
	u.Path, u.RawPath, u.RawQuery, u.Fragment = "/"+name, "", "", ""
	// A fresh GET without the client's Range or conditional headers: the
	// handler evaluates those itself.
	req, err := fetch.NewRequest(r.Context(), http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	client := fetch.NewClient(fetch.WithBinding(s.binding))
	res, err := client.Do(req, &fetch.RequestInit{Redirect: fetch.RedirectModeManual})
	if err != nil {
		return nil, err
	}
	switch {
	case res.StatusCode == http.StatusOK:
	case res.StatusCode == http.StatusNotFound:
		res.Body.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	default:
		// Redirects (html_handling) and errors: treat as absent.
		res.Body.Close()
		if res.StatusCode >= 300 && res.StatusCode < 500 {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		return nil, fmt.Errorf("assets: %s: status %d", name, res.StatusCode)
	}
	a := &jsAsset{res: res, size: -1}
	if n, err := strconv.ParseInt(res.Header.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
		a.size = n
	}
	return a, nil
}

// jsAsset is an ASSETS response. Its body passes to the client untouched
// (no copy through Go) unless the size or a range is needed: then it is
// read into a Blob, which gives both without copying into Go either.
type jsAsset struct {
	res  *http.Response
	size int64
	blob js.Value // set once read
}

func (a *jsAsset) ETag() string        { return strings.Join(a.res.Header.Values("Etag"), ",") }
func (a *jsAsset) ContentType() string { return strings.Join(a.res.Header.Values("Content-Type"), ",") }
func (a *jsAsset) Len() int64          { return a.size }

func (a *jsAsset) toBlob() (js.Value, error) {
	if a.blob.Truthy() {
		return a.blob, nil
	}
	g, ok := a.res.Body.(rawJSBodyGetter)
	if !ok {
		return js.Value{}, errors.New("assets: body is not a JS stream")
	}
	b, err := await(js.Global().Get("Response").New(g.GetRawJSBody()).Call("blob"))
	if err != nil {
		return js.Value{}, err
	}
	a.blob = b
	a.size = int64(b.Get("size").Float())
	return b, nil
}

func (a *jsAsset) Size(context.Context) (int64, error) {
	if a.size >= 0 {
		return a.size, nil
	}
	if _, err := a.toBlob(); err != nil {
		return 0, err
	}
	return a.size, nil
}

func (a *jsAsset) Body() (io.Reader, error) {
	if a.blob.Truthy() {
		return &blobBody{blob: a.blob}, nil
	}
	return a.res.Body, nil
}

func (a *jsAsset) Range(_ context.Context, start, end int64) (io.Reader, error) {
	b, err := a.toBlob()
	if err != nil {
		return nil, err
	}
	return &blobBody{blob: b.Call("slice", float64(start), float64(end+1))}, nil
}

func (a *jsAsset) Close() error {
	if a.blob.Truthy() {
		return nil
	}
	return a.res.Body.Close()
}

// blobBody is a JS Blob as a body: handed over as is to syumai's writer,
// read into Go only for other writers.
type blobBody struct {
	blob js.Value
	data []byte
	read bool
}

func (b *blobBody) WriteTo(w io.Writer) (int64, error) {
	if rw, ok := w.(rawJSBodyWriter); ok {
		rw.WriteRawJSBody(b.blob)
		return 0, nil
	}
	return io.Copy(w, struct{ io.Reader }{b})
}

func (b *blobBody) Read(p []byte) (int, error) {
	if !b.read {
		buf, err := await(b.blob.Call("arrayBuffer"))
		if err != nil {
			return 0, err
		}
		u8 := js.Global().Get("Uint8Array").New(buf)
		b.data = make([]byte, u8.Get("length").Int())
		js.CopyBytesToGo(b.data, u8)
		b.read = true
	}
	if len(b.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

// await waits for a JS promise.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var then, catch js.Func
	then = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	catch = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{err: fmt.Errorf("%s", args[0].Call("toString").String())}
		return nil
	})
	p.Call("then", then).Call("catch", catch)
	r := <-ch
	then.Release()
	catch.Release()
	return r.v, r.err
}
