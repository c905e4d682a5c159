package prompts

import (
	"fmt"
	"sort"
	"strings"
)

// NormalStates and AbnormalStates are the industrial state phrases
// (spec §2.1); "{}" is replaced by the category's prompt name.
var (
	NormalStates = []string{
		"flawless {}", "perfect {}", "unblemished {}", "{} without flaw", "{} without defect",
		"{} without damage", "{} without scratch", "{} without crack", "{} without contamination",
	}
	AbnormalStates = []string{
		"damaged {}", "imperfect {}", "blemished {}", "broken {}", "{} with flaw", "{} with defect",
		"{} with damage", "{} with scratch", "{} with crack", "{} with contamination",
	}
	// Templates are the 22 sentence templates, in the official order.
	Templates = []string{
		"a cropped photo of the {}.", "a cropped photo of a {}.", "a close-up photo of a {}.",
		"a close-up photo of the {}.", "a bright photo of a {}.", "a bright photo of the {}.",
		"a dark photo of the {}.", "a dark photo of a {}.", "a jpeg corrupted photo of a {}.",
		"a jpeg corrupted photo of the {}.", "a blurry photo of the {}.", "a blurry photo of a {}.",
		"a photo of the {}.", "a photo of a {}.", "a photo of a large {}.", "a photo of the small {}.",
		"a photo of the large {}.", "a photo of a small {}.", "a photo of the {} for visual inspection.",
		"a photo of a {} for visual inspection.", "a photo of the {} for anomaly detection.",
		"a photo of a {} for anomaly detection.",
	}
)

// Category is one entry of the shipped category set.
type Category struct {
	Name       string   // key in the text-vector asset and on the command line
	PromptName string   // the string substituted into the state phrases
	Dataset    string   // mvtec, visa, medical or generic (selects RVS parameters)
	Normal     []string // state phrases
	Abnormal   []string
	Medical    bool
}

// Medical state phrases (this project's own; the paper's are unpublished).
// They keep the industrial structure — adjective or "with/without" phrases
// around the organ or tissue name — with clinical vocabulary.
var (
	medicalNormal = []string{
		"healthy {}", "normal {}", "unremarkable {}", "{} without lesion", "{} without abnormality",
		"{} without tumor", "{} without hemorrhage", "{} with no findings",
	}
	medicalAbnormal = []string{
		"abnormal {}", "diseased {}", "{} with lesion", "{} with abnormality", "{} with tumor",
		"{} with hemorrhage", "{} with a mass", "{} with pathology",
	}
)

// MVTec and VisA category names, exactly as the datasets' folders name them.
var (
	MVTec = []string{"bottle", "cable", "capsule", "carpet", "grid", "hazelnut", "leather", "metal_nut",
		"pill", "screw", "tile", "toothbrush", "transistor", "wood", "zipper"}
	VisA = []string{"candle", "capsules", "cashew", "chewinggum", "fryum", "macaroni1", "macaroni2",
		"pcb1", "pcb2", "pcb3", "pcb4", "pipe_fryum"}
)

// Medical categories: name → the prompt name substituted into the phrases.
var Medical = map[string]string{
	"brain_mri": "brain mri scan",
	"head_ct":   "head ct scan",
	"skin":      "skin lesion photo",
	"colon":     "colon polyp endoscopy image",
}

// Default returns the shipped category set in a stable order.
func Default() []Category {
	var cs []Category
	for _, n := range MVTec {
		cs = append(cs, Category{Name: n, PromptName: n, Dataset: "mvtec", Normal: NormalStates, Abnormal: AbnormalStates})
	}
	for _, n := range VisA {
		cs = append(cs, Category{Name: n, PromptName: n, Dataset: "visa", Normal: NormalStates, Abnormal: AbnormalStates})
	}
	cs = append(cs, Category{Name: "object", PromptName: "object", Dataset: "generic", Normal: NormalStates, Abnormal: AbnormalStates})
	var med []string
	for n := range Medical {
		med = append(med, n)
	}
	sort.Strings(med)
	for _, n := range med {
		cs = append(cs, Category{Name: n, PromptName: Medical[n], Dataset: "medical", Normal: medicalNormal, Abnormal: medicalAbnormal, Medical: true})
	}
	return cs
}

// Lookup finds a category of the default set, or builds an industrial one
// for any other name (the name doubles as its prompt name, underscores kept
// as the official code does).
func Lookup(name string) (Category, bool) {
	for _, c := range Default() {
		if c.Name == name {
			return c, true
		}
	}
	return Category{Name: name, PromptName: name, Dataset: "generic", Normal: NormalStates, Abnormal: AbnormalStates}, false
}

// Sentences expands state phrases × templates for one category: outer loop
// over states in order, inner loop over the 22 templates.
func Sentences(states []string, promptName string) []string {
	out := make([]string, 0, len(states)*len(Templates))
	for _, s := range states {
		phrase := strings.ReplaceAll(s, "{}", promptName)
		for _, t := range Templates {
			out = append(out, strings.Replace(t, "{}", phrase, 1))
		}
	}
	return out
}

// Describe is a one-line summary for logs.
func (c Category) Describe() string {
	return fmt.Sprintf("%s (%q, %s; %d normal / %d abnormal sentences)", c.Name, c.PromptName, c.Dataset,
		len(c.Normal)*len(Templates), len(c.Abnormal)*len(Templates))
}
