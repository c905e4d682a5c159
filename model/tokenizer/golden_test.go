package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// sharedClip is the CLIP vocabulary directory of the shared test data.
var sharedClip = filepath.Join("..", "..", "..", "shared", "data", "clip")

var (
	loadOnce     sync.Once
	tokGz, tokHF *Tokenizer
	errGz, errHF error
)

// loaded returns the tokenizer built from the OpenAI merges file and the one
// built from the Hugging Face files, or skips when the shared data is absent.
func loaded(t testing.TB) (gz, hf *Tokenizer) {
	t.Helper()
	if _, err := os.Stat(sharedClip); err != nil {
		t.Skipf("shared CLIP vocabulary not available: %v", err)
	}
	loadOnce.Do(func() {
		tokGz, errGz = LoadBPEGz(filepath.Join(sharedClip, BPEGzName))
		tokHF, errHF = LoadHF(filepath.Join(sharedClip, "hf_tokenizer", HFVocabName), filepath.Join(sharedClip, "hf_tokenizer", HFMergesName))
	})
	if errGz != nil {
		t.Fatalf("LoadBPEGz: %v", errGz)
	}
	if errHF != nil {
		t.Fatalf("LoadHF: %v", errHF)
	}
	return tokGz, tokHF
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type goldenCase struct {
	Text      string  `json:"text"`
	RefInput  *string `json:"ref_input"`
	Why       string  `json:"why"`
	NFC       bool    `json:"nfc"`
	IDs       []int   `json:"ids"`
	Context77 []int32 `json:"context77"`
}

type goldenFile struct {
	Reference string       `json:"reference"`
	SOT       int          `json:"sot"`
	EOT       int          `json:"eot"`
	Context   int          `json:"context"`
	Cases     []goldenCase `json:"cases"`
}

func readGolden(t *testing.T, name string) goldenFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(g.Cases) == 0 {
		t.Fatalf("%s has no cases", name)
	}
	return g
}

// TestGolden compares Encode and Tokenize, for both vocabulary forms, with
// the ids that Hugging Face tokenizers (cross-checked with tokenizers.js)
// gave for the same sentences; see js/tools/tokenizer-golden.mjs.
func TestGolden(t *testing.T) {
	gz, hf := loaded(t)
	g := readGolden(t, "golden.json")
	if g.SOT != SOT || g.EOT != EOT || g.Context != ContextLength {
		t.Fatalf("golden SOT/EOT/context %d/%d/%d", g.SOT, g.EOT, g.Context)
	}
	prompts, truncated, cleaned := 0, 0, 0
	for _, c := range g.Cases {
		if c.RefInput != nil {
			cleaned++
		}
		if strings.HasPrefix(c.Text, "a ") && strings.HasSuffix(c.Text, ".") {
			prompts++
		}
		for name, tk := range map[string]*Tokenizer{"gz": gz, "hf": hf} {
			got := tk.Encode(c.Text)
			if !slices.Equal(got, c.IDs) && !(len(got) == 0 && len(c.IDs) == 0) {
				t.Errorf("%s Encode(%q) (%s)\n got  %v\n want %v\n clean %q", name, c.Text, c.Why, got, c.IDs, tk.Clean(c.Text))
				continue
			}
			rows, err := tk.Tokenize([]string{c.Text}, ContextLength)
			if err != nil {
				t.Fatal(err)
			}
			want := c.Context77
			if want == nil {
				want = make([]int32, ContextLength)
				want[0] = SOT
				for i, id := range c.IDs {
					want[1+i] = int32(id)
				}
				want[1+len(c.IDs)] = EOT
			} else {
				truncated++
			}
			if !slices.Equal(rows[0], want) {
				t.Errorf("%s Tokenize(%q)\n got  %v\n want %v", name, c.Text, rows[0], want)
			}
		}
	}
	if prompts < 1000 || truncated == 0 || cleaned < 10 {
		t.Errorf("golden coverage: %d prompts, %d truncated, %d with cleaning", prompts, truncated, cleaned)
	}
}

// TestNFCHook: text in decomposed form only matches CLIP (ftfy normalises to
// NFC) once a normaliser is plugged in. The stand-in here composes just the
// two sequences of the golden case.
func TestNFCHook(t *testing.T) {
	_, hf := loaded(t)
	g := readGolden(t, "golden.json")
	var c *goldenCase
	for i := range g.Cases {
		if g.Cases[i].NFC {
			c = &g.Cases[i]
		}
	}
	if c == nil {
		t.Fatal("no nfc case in golden.json")
	}
	if !slices.Equal(hf.Encode(c.Text), c.IDs) {
		t.Fatalf("Encode(%q) with the default NFC does not match CLIP", c.Text)
	}
	calls := 0
	nfc := strings.NewReplacer("e\u0301", "\u00e9", "i\u0308", "\u00ef")
	tk, err := FromHFBytes(mustRead(t, filepath.Join(sharedClip, "hf_tokenizer", HFVocabName)), mustRead(t, filepath.Join(sharedClip, "hf_tokenizer", HFMergesName)))
	if err != nil {
		t.Fatal(err)
	}
	tk.NFC = nil
	if slices.Equal(tk.Encode(c.Text), c.IDs) {
		t.Fatalf("Encode(%q) matched without NFC; the case does not test the hook", c.Text)
	}
	tk, err = FromHFBytes(mustRead(t, filepath.Join(sharedClip, "hf_tokenizer", HFVocabName)), mustRead(t, filepath.Join(sharedClip, "hf_tokenizer", HFMergesName)))
	if err != nil {
		t.Fatal(err)
	}
	tk.NFC = func(s string) string { calls++; return nfc.Replace(s) }
	if got := tk.Encode(c.Text); !slices.Equal(got, c.IDs) {
		t.Errorf("with NFC: Encode(%q) = %v, want %v", c.Text, got, c.IDs)
	}
	if calls == 0 {
		t.Error("NFC hook not called")
	}
}

// TestGoldenOpenAI compares Encode with ids from OpenAI's own
// clip/simple_tokenizer.py for cases that exercise Python's str.lower, the
// regex module's IGNORECASE and html.unescape; see testdata/openai_golden.py.
func TestGoldenOpenAI(t *testing.T) {
	gz, hf := loaded(t)
	g := readGolden(t, "golden_openai.json")
	for _, c := range g.Cases {
		for name, tk := range map[string]*Tokenizer{"gz": gz, "hf": hf} {
			if got := tk.Encode(c.Text); !slices.Equal(got, c.IDs) {
				t.Errorf("%s Encode(%q)\n got  %v\n want %v\n clean %q", name, c.Text, got, c.IDs, tk.Clean(c.Text))
			}
		}
	}
}
