package sitesrv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
)

// FSStore serves the site from a file system (os.DirFS for a directory).
type FSStore struct{ FS fs.FS }

// Open implements Store. Directories count as missing.
func (s FSStore) Open(_ *http.Request, name string) (Asset, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	f, err := s.FS.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	etag := `"` + strconv.FormatInt(st.Size(), 16) + "-" + strconv.FormatInt(st.ModTime().UnixNano(), 16) + `"`
	return &fsAsset{f: f, size: st.Size(), etag: etag}, nil
}

// ModelIDs lists the directories models/<id>/ that hold a manifest.json.
func (s FSStore) ModelIDs() ([]string, error) {
	entries, err := fs.ReadDir(s.FS, "models")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if !e.IsDir() || !ValidModelID(e.Name()) {
			continue
		}
		if st, err := fs.Stat(s.FS, ManifestPath(e.Name())); err == nil && st.Mode().IsRegular() {
			ids = append(ids, e.Name())
		}
	}
	return SortedIDs(ids), nil
}

type fsAsset struct {
	f    fs.File
	size int64
	etag string
}

func (a *fsAsset) ETag() string                        { return a.etag }
func (a *fsAsset) ContentType() string                 { return "" }
func (a *fsAsset) Len() int64                          { return a.size }
func (a *fsAsset) Size(context.Context) (int64, error) { return a.size, nil }
func (a *fsAsset) Body() (io.Reader, error)            { return a.f, nil }
func (a *fsAsset) Close() error                        { return a.f.Close() }
func (a *fsAsset) Range(_ context.Context, start, end int64) (io.Reader, error) {
	if start < 0 || end < start || end >= a.size {
		return nil, fmt.Errorf("range %d-%d outside 0-%d", start, end, a.size-1)
	}
	if ra, ok := a.f.(io.ReaderAt); ok {
		return io.NewSectionReader(ra, start, end-start+1), nil
	}
	if _, err := io.CopyN(io.Discard, a.f, start); err != nil {
		return nil, err
	}
	return io.LimitReader(a.f, end-start+1), nil
}
