package evalrun

import (
	"github.com/clipad/clipad/model/metrics"
)

// Provenance of a reference number (spec §0, §8).
const (
	// Verified: read in an abstract (the WinCLIP abstract for its AUROCs).
	Verified = "verified"
	// Recalled: recalled from a paper table, not verified [U].
	Recalled = "recalled"
	// Derived: arithmetic [D] from a delta verified in the CLIP-AD v2
	// abstract [A2] and a recalled WinCLIP base value.
	Derived = "derived"
)

// RefValue is one reference number in percent.
type RefValue struct {
	V      float64 `json:"value"`
	Status string  `json:"status"`
}

// PaperRow is one method's reference numbers on one dataset. Values has
// only the known cells.
type PaperRow struct {
	Method string                      `json:"method"`
	Note   string                      `json:"note"`
	Values map[metrics.Metric]RefValue `json:"-"`
}

// PaperTable is what is known for one dataset.
type PaperTable struct {
	Dataset string
	Rows    []PaperRow
	// Missing says what is not known (spec §8.3).
	Missing string
}

func vals(status [metrics.NumMetrics]string, v [metrics.NumMetrics]float64) map[metrics.Metric]RefValue {
	m := map[metrics.Metric]RefValue{}
	for i := range metrics.NumMetrics {
		if status[i] != "" {
			m[i] = RefValue{V: v[i], Status: status[i]}
		}
	}
	return m
}

// Column order: auroc_px, f1_px, ap_px, aupro, auroc_sp, f1_sp, ap_sp.
const (
	sv = Verified
	sr = Recalled
	sd = Derived
)

// PaperFor returns the reference numbers the spec (§8.1–8.2) knows for a
// dataset ("mvtec" or "visa"), or nil. Nothing is known for the medical
// sets. The CLIP-AD rows hold only what can be derived: SDP / SDP+ MVTec-AD
// pixel F1-max and PRO = WinCLIP's recalled 31.7 / 64.6 plus the abstract's
// +4.2 / +10.7 (SDP) and +8.3 / +20.5 (SDP+).
func PaperFor(ds string) *PaperTable {
	switch ds {
	case "mvtec":
		return &PaperTable{Dataset: ds, Rows: []PaperRow{
			{Method: "SDP (CLIP-AD paper)", Note: "pixel F1-max and PRO derived: WinCLIP 31.7/64.6 (recalled) + 4.2/10.7 (CLIP-AD v2 abstract); other cells not recoverable (spec §8.3)",
				Values: vals([7]string{"", sd, "", sd}, [7]float64{0, 35.9, 0, 75.3})},
			{Method: "SDP+ (CLIP-AD paper, fine-tuned; not what clipad eval runs)", Note: "derived: WinCLIP 31.7/64.6 (recalled) + 8.3/20.5 (CLIP-AD v2 abstract)",
				Values: vals([7]string{"", sd, "", sd}, [7]float64{0, 40.0, 0, 85.1})},
			{Method: "WinCLIP (zero-shot)", Note: "image/pixel AUROC 91.8/85.1 verified in the WinCLIP abstract; the rest recalled from its table",
				Values: vals([7]string{sv, sr, "", sr, sv, sr, sr}, [7]float64{85.1, 31.7, 0, 64.6, 91.8, 92.9, 96.5})},
			{Method: "APRIL-GAN (zero-shot, trained on VisA)", Note: "recalled from the VAND report, not verified",
				Values: vals([7]string{sr, sr, "", sr, sr, sr, sr}, [7]float64{87.6, 43.3, 0, 44.0, 86.1, 90.4, 93.5})},
		}, Missing: "SDP image AUROC/F1-max/AP and pixel AUROC/AP are not recoverable from what could be read (spec §8.3)"}
	case "visa":
		return &PaperTable{Dataset: ds, Rows: []PaperRow{
			{Method: "WinCLIP (zero-shot)", Note: "image/pixel AUROC 78.1/79.6 verified in the WinCLIP abstract; the rest recalled from its table",
				Values: vals([7]string{sv, sr, "", sr, sv, sr, sr}, [7]float64{79.6, 14.8, 0, 56.8, 78.1, 79.0, 81.2})},
			{Method: "APRIL-GAN (zero-shot, trained on MVTec-AD)", Note: "recalled from the VAND report, not verified",
				Values: vals([7]string{sr, sr, "", sr, sr, sr, sr}, [7]float64{94.2, 32.3, 0, 86.8, 78.0, 78.7, 81.4})},
		}, Missing: "no absolute SDP / SDP+ number on VisA is known: the v1 abstract only gives +1.0 / +1.2 (SDP) and +1.9 / +11.7 (SDP+) classification / segmentation F1 over an unnamed SOTA (spec §8.1)"}
	}
	return nil
}

// Marker is the short provenance tag printed after a number.
func Marker(status string) string {
	switch status {
	case Verified:
		return "v"
	case Recalled:
		return "r"
	case Derived:
		return "d"
	}
	return "?"
}
