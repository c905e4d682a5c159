package sitesrv

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
)

// The bundle manifest fields /api/models reports. They mirror
// quantize.Manifest (format "clipad.bundle"); the Worker does not import
// the quantize package so that its WebAssembly stays small.
type manifest struct {
	Format     string `json:"format"`
	Version    int    `json:"version"`
	ModelID    string `json:"model_id"`
	DType      string `json:"dtype"`
	Synthetic  bool   `json:"synthetic"`
	TotalBytes int64  `json:"total_bytes"`
	Shards     []struct {
		File   string `json:"file"`
		Bytes  int64  `json:"bytes"`
		SHA256 string `json:"sha256"`
	} `json:"shards"`
}

// BundleFormat is the manifest format the listing accepts.
const BundleFormat = "clipad.bundle"

// MaxManifestBytes bounds how much of a manifest the listing reads.
const MaxManifestBytes = 16 << 20

// ShardInfo is one shard in the /api/models listing.
type ShardInfo struct {
	File   string `json:"file"`
	URL    string `json:"url"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// ModelInfo is one bundle in the /api/models listing. A manifest that is
// missing or invalid is listed with Error set and nothing else but ID.
type ModelInfo struct {
	ID             string      `json:"id"`
	ModelID        string      `json:"model_id,omitempty"`
	DType          string      `json:"dtype,omitempty"`
	Synthetic      bool        `json:"synthetic,omitempty"`
	Version        int         `json:"version,omitempty"`
	Manifest       string      `json:"manifest"`
	ManifestBytes  int64       `json:"manifest_bytes,omitempty"`
	ManifestSHA256 string      `json:"manifest_sha256,omitempty"`
	TotalBytes     int64       `json:"total_bytes"`
	ShardCount     int         `json:"shard_count"`
	Shards         []ShardInfo `json:"shards,omitempty"`
	Error          string      `json:"error,omitempty"`
}

// ModelList is the /api/models response body.
type ModelList struct {
	Models     []ModelInfo `json:"models"`
	TotalBytes int64       `json:"total_bytes"`
}

// ValidModelID reports whether id is usable as a models/<id>/ directory
// name: 1-128 characters of letters, digits, '.', '_' and '-', not
// starting with a dot.
func ValidModelID(id string) bool {
	if id == "" || len(id) > 128 || id[0] == '.' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// ManifestPath is the site path (no leading slash) of a bundle's manifest.
func ManifestPath(id string) string { return "models/" + id + "/manifest.json" }

// DescribeModel builds the listing entry of bundle id from its manifest
// bytes. It checks what a listing can check without the shards: the
// format, a version, shard names that stay in the bundle directory, hex
// sha256 digests, positive sizes that add up to total_bytes.
func DescribeModel(id string, data []byte) ModelInfo {
	info := ModelInfo{ID: id, Manifest: "/" + ManifestPath(id)}
	fail := func(format string, args ...any) ModelInfo {
		return ModelInfo{ID: id, Manifest: info.Manifest, Error: fmt.Sprintf(format, args...)}
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return fail("manifest is not valid JSON: %v", err)
	}
	if m.Format != BundleFormat {
		return fail("not a clipad bundle manifest (format %q)", m.Format)
	}
	if m.Version < 1 {
		return fail("manifest has no valid version")
	}
	if len(m.Shards) == 0 {
		return fail("manifest lists no shards")
	}
	sum := sha256.Sum256(data)
	info.ModelID, info.DType, info.Synthetic, info.Version = m.ModelID, m.DType, m.Synthetic, m.Version
	info.ManifestBytes = int64(len(data))
	info.ManifestSHA256 = hex.EncodeToString(sum[:])
	var total int64
	for i, s := range m.Shards {
		if s.File == "" || s.File != path.Base(s.File) || strings.HasPrefix(s.File, ".") || strings.ContainsAny(s.File, `\`) {
			return fail("shard %d has an unsafe file name %q", i, s.File)
		}
		if s.Bytes <= 0 {
			return fail("shard %d has %d bytes", i, s.Bytes)
		}
		if b, err := hex.DecodeString(s.SHA256); err != nil || len(b) != sha256.Size {
			return fail("shard %d has no valid sha256", i)
		}
		total += s.Bytes
		info.Shards = append(info.Shards, ShardInfo{File: s.File, URL: "/models/" + id + "/" + s.File, Bytes: s.Bytes, SHA256: strings.ToLower(s.SHA256)})
	}
	if total != m.TotalBytes {
		return fail("shards hold %d bytes, total_bytes says %d", total, m.TotalBytes)
	}
	info.TotalBytes = total
	info.ShardCount = len(info.Shards)
	return info
}

// SortedIDs returns the valid ids of ids, sorted and without duplicates.
func SortedIDs(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if ValidModelID(id) && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// SiteIndex is what the Worker build records about the site (the Worker
// cannot list its static assets): build/worker/site-index.json.
type SiteIndex struct {
	Format  string   `json:"format"`
	Version int      `json:"version"`
	Models  []string `json:"models"`
}

// SiteIndexFormat identifies a SiteIndex.
const SiteIndexFormat = "clipad.worker-site-index"

// ParseSiteIndex decodes a SiteIndex (an empty string is an empty index).
func ParseSiteIndex(data string) (SiteIndex, error) {
	if strings.TrimSpace(data) == "" {
		return SiteIndex{Format: SiteIndexFormat, Version: 1}, nil
	}
	var idx SiteIndex
	if err := json.Unmarshal([]byte(data), &idx); err != nil {
		return idx, fmt.Errorf("site index: %v", err)
	}
	if idx.Format != SiteIndexFormat || idx.Version != 1 {
		return idx, fmt.Errorf("site index: unknown format %q version %d", idx.Format, idx.Version)
	}
	idx.Models = SortedIDs(idx.Models)
	return idx, nil
}
