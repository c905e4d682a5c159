package tokenizer

import (
	"path/filepath"
	"strings"
	"testing"
)

func BenchmarkLoadBPEGz(b *testing.B) {
	loaded(b)
	path := filepath.Join(sharedClip, BPEGzName)
	for b.Loop() {
		if _, err := LoadBPEGz(path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadHF(b *testing.B) {
	loaded(b)
	dir := filepath.Join(sharedClip, "hf_tokenizer")
	for b.Loop() {
		if _, err := LoadHF(filepath.Join(dir, HFVocabName), filepath.Join(dir, HFMergesName)); err != nil {
			b.Fatal(err)
		}
	}
}

// ensemble is one category's CLIP-AD prompt ensemble, 19 states × 22
// templates (spec §2.1).
func ensemble(cat string) []string {
	states := []string{"flawless {}", "perfect {}", "unblemished {}", "{} without flaw", "{} without defect",
		"{} without damage", "{} without scratch", "{} without crack", "{} without contamination",
		"damaged {}", "imperfect {}", "blemished {}", "broken {}", "{} with flaw", "{} with defect",
		"{} with damage", "{} with scratch", "{} with crack", "{} with contamination"}
	templates := []string{"a cropped photo of the {}.", "a cropped photo of a {}.", "a close-up photo of a {}.",
		"a close-up photo of the {}.", "a bright photo of a {}.", "a bright photo of the {}.", "a dark photo of the {}.",
		"a dark photo of a {}.", "a jpeg corrupted photo of a {}.", "a jpeg corrupted photo of the {}.",
		"a blurry photo of the {}.", "a blurry photo of a {}.", "a photo of the {}.", "a photo of a {}.",
		"a photo of a large {}.", "a photo of the small {}.", "a photo of the large {}.", "a photo of a small {}.",
		"a photo of the {} for visual inspection.", "a photo of a {} for visual inspection.",
		"a photo of the {} for anomaly detection.", "a photo of a {} for anomaly detection."}
	var out []string
	for _, s := range states {
		for _, t := range templates {
			out = append(out, strings.Replace(t, "{}", strings.Replace(s, "{}", cat, 1), 1))
		}
	}
	return out
}

// BenchmarkTokenizeEnsemble tokenizes the 418 prompts of one category with a
// fresh tokenizer cache each time (what a page load does once).
func BenchmarkTokenizeEnsemble(b *testing.B) {
	_, tk := loaded(b)
	texts := ensemble("metal_nut")
	b.ReportMetric(float64(len(texts)), "texts/op")
	for b.Loop() {
		tk.mu.Lock()
		clear(tk.cache)
		tk.mu.Unlock()
		if _, err := tk.Tokenize(texts, ContextLength); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeUnicode(b *testing.B) {
	_, tk := loaded(b)
	text := "Ünïcödé café &amp; 日本語のテキスト “quotes” ＦＵＬＬＷＩＤＴＨ 🔥🔥 it's 2024"
	for b.Loop() {
		tk.mu.Lock()
		clear(tk.cache)
		tk.mu.Unlock()
		tk.Encode(text)
	}
}
