package textvec

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
)

// Format and Version identify the file; readers refuse newer versions.
const (
	Format  = "clipad.textvectors"
	Version = 1
)

// Category holds one category's representative vectors.
type Category struct {
	Name           string         `json:"name"`
	PromptName     string         `json:"prompt_name"`
	Dataset        string         `json:"dataset"`
	Medical        bool           `json:"medical,omitempty"`
	Reducer        string         `json:"reducer"`
	Params         map[string]any `json:"params,omitempty"`
	NormalStates   []string       `json:"normal_states"`
	AbnormalStates []string       `json:"abnormal_states"`
	Sentences      [2]int         `json:"sentences"` // normal, abnormal counts
	Normal         []float32      `json:"normal"`
	Abnormal       []float32      `json:"abnormal"`
	// Calibration, when present, fixes the single-image score ranges for
	// this category (fitted by 'clipad rvs -calibrate' on sample images).
	Calibration *Calibration `json:"calibration,omitempty"`
}

// Calibration holds the ranges of s0 (CLIP abnormal probability) and s1
// (map maximum) that map single-image scores to [0, 2].
type Calibration struct {
	S0Min float64 `json:"s0_min"`
	S0Max float64 `json:"s0_max"`
	S1Min float64 `json:"s1_min"`
	S1Max float64 `json:"s1_max"`
	// Images is how many images the ranges were fitted on.
	Images int `json:"images"`
}

// Asset is the whole file.
type Asset struct {
	Format     string     `json:"format"`
	Version    int        `json:"version"`
	ModelID    string     `json:"model_id"`
	Config     string     `json:"config"`
	EmbedDim   int        `json:"embed_dim"`
	Templates  []string   `json:"templates"`
	Note       string     `json:"note,omitempty"`
	Categories []Category `json:"categories"`
}

// Names lists the categories.
func (a *Asset) Names() []string {
	n := make([]string, len(a.Categories))
	for i, c := range a.Categories {
		n[i] = c.Name
	}
	sort.Strings(n)
	return n
}

// Get returns a category's vectors or an error listing what exists.
func (a *Asset) Get(name string) (*Category, error) {
	for i := range a.Categories {
		if a.Categories[i].Name == name {
			return &a.Categories[i], nil
		}
	}
	return nil, fmt.Errorf("unknown category %q; this text-vector file has: %s", name, strings.Join(a.Names(), ", "))
}

// CheckModel refuses vectors made for another model.
func (a *Asset) CheckModel(modelID string) error {
	if a.ModelID != modelID {
		return fmt.Errorf("text vectors were made for model %s, but the loaded weights are %s: recompute them with 'clipad rvs' for these weights", a.ModelID, modelID)
	}
	return nil
}

// Validate checks structure and that every vector is a finite unit vector of the right size.
func (a *Asset) Validate() error {
	if a.Format != Format {
		return fmt.Errorf("not a clipad text-vector file (format %q)", a.Format)
	}
	if a.Version > Version || a.Version < 1 {
		return fmt.Errorf("text-vector file version %d is not supported by this build (supports %d)", a.Version, Version)
	}
	if a.EmbedDim <= 0 || a.ModelID == "" {
		return fmt.Errorf("text-vector file lacks model_id or embed_dim")
	}
	seen := map[string]bool{}
	for _, c := range a.Categories {
		if c.Name == "" || seen[c.Name] {
			return fmt.Errorf("text-vector file: empty or duplicate category name %q", c.Name)
		}
		seen[c.Name] = true
		for _, v := range [][]float32{c.Normal, c.Abnormal} {
			if len(v) != a.EmbedDim {
				return fmt.Errorf("text-vector file: category %q has a %d-d vector, embed_dim is %d", c.Name, len(v), a.EmbedDim)
			}
			var n float64
			for _, x := range v {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					return fmt.Errorf("text-vector file: category %q has a non-finite value", c.Name)
				}
				n += float64(x) * float64(x)
			}
			if math.Abs(n-1) > 1e-3 {
				return fmt.Errorf("text-vector file: category %q has a vector of norm %.4f, expected unit vectors", c.Name, math.Sqrt(n))
			}
		}
	}
	return nil
}

// Parse decodes and validates an asset.
func Parse(data []byte) (*Asset, error) {
	var a Asset
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("corrupt text-vector file: %v", err)
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return &a, nil
}

// Load reads an asset file.
func Load(path string) (*Asset, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	a, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Marshal encodes the asset (validated first).
func (a *Asset) Marshal() ([]byte, error) {
	a.Format, a.Version = Format, Version
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return json.MarshalIndent(a, "", " ")
}

// Save writes the asset.
func (a *Asset) Save(path string) error {
	b, err := a.Marshal()
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
