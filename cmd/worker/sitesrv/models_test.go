package sitesrv

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clipad/clipad/model/config"
	"github.com/clipad/clipad/model/synth"
	"github.com/clipad/clipad/quantize"
)

// The listing reads manifests written by quantize.WriteBundle.
func TestDescribeRealBundle(t *testing.T) {
	cfg, err := config.Named("test-small")
	if err != nil {
		t.Fatal(err)
	}
	set := synth.Weights(cfg, 3)
	dir := filepath.Join(t.TempDir(), "models", "tiny")
	m, err := quantize.WriteBundle(dir, cfg, set, set.ModelID(cfg), quantize.WriteOptions{DType: "int8", Synthetic: true, MaxShard: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	info := DescribeModel("tiny", data)
	if info.Error != "" {
		t.Fatal(info.Error)
	}
	if info.ModelID != m.ModelID || info.DType != "int8" || !info.Synthetic || info.TotalBytes != m.TotalBytes || info.ShardCount != len(m.Shards) || len(m.Shards) < 2 {
		t.Fatalf("info %+v vs manifest total %d shards %d", info, m.TotalBytes, len(m.Shards))
	}
	sum := sha256.Sum256(data)
	if info.ManifestSHA256 != hex.EncodeToString(sum[:]) || info.ManifestBytes != int64(len(data)) || info.Manifest != "/models/tiny/manifest.json" {
		t.Errorf("manifest fields %+v", info)
	}
	for i, s := range info.Shards {
		if s.File != m.Shards[i].File || s.Bytes != m.Shards[i].Bytes || s.SHA256 != m.Shards[i].SHA256 || s.URL != "/models/tiny/"+s.File {
			t.Errorf("shard %d: %+v", i, s)
		}
		if !IsShard("models/tiny/"+s.File) || CachePolicy("models/tiny/"+s.File) != CacheImmutable {
			t.Errorf("shard %s not recognised as an immutable shard", s.File)
		}
	}
	if BundleFormat != quantize.BundleFormat {
		t.Error("BundleFormat differs from quantize's")
	}
}

func manifestJSON(t *testing.T, mutate func(m map[string]any)) []byte {
	m := map[string]any{
		"format": "clipad.bundle", "version": 1, "model_id": "m", "dtype": "f32", "total_bytes": 30,
		"shards": []any{
			map[string]any{"file": "shard-000-0123456789abcdef.bin", "bytes": 10, "sha256": strings.Repeat("ab", 32)},
			map[string]any{"file": "shard-001-fedcba9876543210.bin", "bytes": 20, "sha256": strings.Repeat("cd", 32)},
		},
	}
	if mutate != nil {
		mutate(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDescribeModelErrors(t *testing.T) {
	if info := DescribeModel("m", manifestJSON(t, nil)); info.Error != "" || info.TotalBytes != 30 || info.ShardCount != 2 {
		t.Fatalf("valid manifest: %+v", info)
	}
	shard0 := func(k string, v any) func(m map[string]any) {
		return func(m map[string]any) { m["shards"].([]any)[0].(map[string]any)[k] = v }
	}
	bad := map[string][]byte{
		"not json":    []byte("{"),
		"format":      manifestJSON(t, func(m map[string]any) { m["format"] = "other" }),
		"version":     manifestJSON(t, func(m map[string]any) { delete(m, "version") }),
		"no shards":   manifestJSON(t, func(m map[string]any) { m["shards"] = []any{} }),
		"total":       manifestJSON(t, func(m map[string]any) { m["total_bytes"] = 31 }),
		"path escape": manifestJSON(t, shard0("file", "../x.bin")),
		"subdir":      manifestJSON(t, shard0("file", "a/x.bin")),
		"dotfile":     manifestJSON(t, shard0("file", ".x.bin")),
		"zero bytes":  manifestJSON(t, shard0("bytes", 0)),
		"short sha":   manifestJSON(t, shard0("sha256", "abcd")),
		"non-hex sha": manifestJSON(t, shard0("sha256", strings.Repeat("zz", 32))),
	}
	for name, data := range bad {
		info := DescribeModel("m", data)
		if info.Error == "" || info.ShardCount != 0 || info.Shards != nil {
			t.Errorf("%s: want an error entry, got %+v", name, info)
		}
	}
}

func TestModelIDsAndSiteIndex(t *testing.T) {
	for _, id := range []string{"ViT-B-16-plus-240", "test-small.int8", "a_b"} {
		if !ValidModelID(id) {
			t.Errorf("%q should be valid", id)
		}
	}
	for _, id := range []string{"", ".hidden", "a/b", "..", "a b", strings.Repeat("x", 129)} {
		if ValidModelID(id) {
			t.Errorf("%q should be invalid", id)
		}
	}
	if got := SortedIDs([]string{"b", "a", "b", "../x"}); strings.Join(got, ",") != "a,b" {
		t.Errorf("SortedIDs = %v", got)
	}
	idx, err := ParseSiteIndex(`{"format":"clipad.worker-site-index","version":1,"models":["z","a","../x"]}`)
	if err != nil || strings.Join(idx.Models, ",") != "a,z" {
		t.Fatalf("ParseSiteIndex: %v %v", idx, err)
	}
	if idx, err := ParseSiteIndex(""); err != nil || len(idx.Models) != 0 {
		t.Fatal("empty index")
	}
	for _, s := range []string{"{", `{"format":"x","version":1}`, `{"format":"clipad.worker-site-index","version":2}`} {
		if _, err := ParseSiteIndex(s); err == nil {
			t.Errorf("ParseSiteIndex(%q) should fail", s)
		}
	}
}
