package sdpplus

import (
	"fmt"

	"github.com/clipad/clipad/model/safetensors"
	"github.com/clipad/clipad/model/weights"
	"github.com/clipad/clipad/quantize"
)

// BundleExtras returns what quantize.WriteBundle needs to store the head
// in a bundle: its tensors (named quantize.SDPPlusPrefix+"fc.{k}.…", f32)
// for WriteOptions.Extra and its metadata for WriteOptions.SDPPlus.
func (h *Head) BundleExtras() ([]quantize.ExtraTensor, map[string]string, error) {
	if err := h.Check(); err != nil {
		return nil, nil, err
	}
	var ex []quantize.ExtraTensor
	for _, t := range h.Tensors(quantize.SDPPlusPrefix) {
		ex = append(ex, quantize.ExtraTensor{Name: t.Name, Shape: t.Shape, Data: t.Data})
	}
	return ex, h.MetaMap(), nil
}

// setSource adapts a weight set to fromTensors.
type setSource struct {
	set weights.Set
}

func (s setSource) Info(name string) (safetensors.Info, bool) {
	t, ok := s.set[name]
	if !ok || t.Data == nil {
		return safetensors.Info{}, false
	}
	return safetensors.Info{Name: name, DType: "F32", Shape: t.Shape}, true
}

func (s setSource) Float32(name string) ([]float32, error) {
	t := s.set[name]
	if len(t.Data) != t.Elems() {
		return nil, fmt.Errorf("tensor %s holds %d values for shape %v", name, len(t.Data), t.Shape)
	}
	return t.Data, nil
}

// FromBundle returns the SDP+ head stored in a loaded bundle (manifest m,
// set from Loader.Weights), or nil without error when the bundle has none.
func FromBundle(m *quantize.Manifest, set weights.Set) (*Head, error) {
	if m == nil || m.SDPPlus == nil {
		return nil, nil
	}
	meta, err := ParseMeta(m.SDPPlus)
	if err != nil {
		return nil, fmt.Errorf("bundle SDP+ layers: %w", err)
	}
	h, err := fromTensors(setSource{set}, quantize.SDPPlusPrefix)
	if err != nil {
		return nil, fmt.Errorf("bundle SDP+ layers: %w", err)
	}
	h.Meta = meta
	if err := h.CheckModel(m.Config, m.ModelID); err != nil {
		return nil, fmt.Errorf("bundle SDP+ layers: %w", err)
	}
	return h, nil
}
