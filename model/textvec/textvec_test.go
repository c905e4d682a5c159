package textvec

import (
	"path/filepath"
	"strings"
	"testing"
)

func sample() *Asset {
	return &Asset{ModelID: "planted-0011223344556677", Config: "planted", EmbedDim: 2,
		Categories: []Category{
			{Name: "bottle", Reducer: "dbscan", Normal: []float32{1, 0}, Abnormal: []float32{0, 1}},
			{Name: "object", Reducer: "mean", Normal: []float32{0.6, 0.8}, Abnormal: []float32{0.8, -0.6}},
		}}
}

func TestRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.json")
	if err := sample().Save(p); err != nil {
		t.Fatal(err)
	}
	a, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Get("object")
	if err != nil || c.Normal[1] != 0.8 || c.Abnormal[1] != -0.6 {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := a.Get("cable"); err == nil || !strings.Contains(err.Error(), "bottle, object") {
		t.Errorf("unknown category error should list what exists: %v", err)
	}
	if err := a.CheckModel("ViT-B-16-plus-240-ffff"); err == nil || !strings.Contains(err.Error(), "planted-0011223344556677") {
		t.Errorf("model mismatch not refused: %v", err)
	}
	if err := a.CheckModel("planted-0011223344556677"); err != nil {
		t.Error(err)
	}
}

func TestRejectsBadFiles(t *testing.T) {
	for name, data := range map[string]string{
		"garbage":      "not json",
		"other format": `{"format":"x","version":1}`,
		"newer":        `{"format":"clipad.textvectors","version":99,"model_id":"m","embed_dim":2}`,
		"wrong dim":    `{"format":"clipad.textvectors","version":1,"model_id":"m","embed_dim":3,"categories":[{"name":"a","normal":[1,0],"abnormal":[0,1]}]}`,
		"not unit":     `{"format":"clipad.textvectors","version":1,"model_id":"m","embed_dim":2,"categories":[{"name":"a","normal":[2,0],"abnormal":[0,1]}]}`,
		"duplicate":    `{"format":"clipad.textvectors","version":1,"model_id":"m","embed_dim":2,"categories":[{"name":"a","normal":[1,0],"abnormal":[0,1]},{"name":"a","normal":[1,0],"abnormal":[0,1]}]}`,
		"empty":        ``,
	} {
		if _, err := Parse([]byte(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
