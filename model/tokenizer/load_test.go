package tokenizer

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFormsAgree: the OpenAI merges file and the Hugging Face files give the
// same vocabulary, merge table and special ids.
func TestFormsAgree(t *testing.T) {
	gz, hf := loaded(t)
	if gz.VocabSize() != VocabSize || hf.VocabSize() != VocabSize {
		t.Fatalf("vocab sizes %d, %d", gz.VocabSize(), hf.VocabSize())
	}
	if !slices.Equal(gz.vocab, hf.vocab) {
		for i := range gz.vocab {
			if gz.vocab[i] != hf.vocab[i] {
				t.Fatalf("id %d: %q (bpe.gz) vs %q (vocab.json)", i, gz.vocab[i], hf.vocab[i])
			}
		}
	}
	if len(gz.merges) != NumMerges || len(hf.merges) != NumMerges {
		t.Fatalf("merge tables %d, %d, want %d", len(gz.merges), len(hf.merges), NumMerges)
	}
	for k, m := range gz.merges {
		if hf.merges[k] != m {
			t.Fatalf("merge %v: %v vs %v", k, m, hf.merges[k])
		}
	}
	for _, tk := range []*Tokenizer{gz, hf} {
		if tk.SOT() != SOT || tk.EOT() != EOT {
			t.Errorf("SOT/EOT %d/%d", tk.SOT(), tk.EOT())
		}
		if s, _ := tk.Token(SOT); s != "<|startoftext|>" {
			t.Errorf("Token(SOT) = %q", s)
		}
		if s, _ := tk.Token(EOT); s != "<|endoftext|>" {
			t.Errorf("Token(EOT) = %q", s)
		}
	}
	// The first byte symbols, as fixed by bytes_to_unicode's key order.
	for id, want := range map[int]string{0: "!", 93: "~", 94: "¡", 188: "Ā", 255: "Ń", 256: "!</w>", 512: "in"} {
		if s, _ := gz.Token(id); s != want {
			t.Errorf("Token(%d) = %q, want %q", id, s, want)
		}
	}
}

func TestLoadDir(t *testing.T) {
	gz, _ := loaded(t)
	for _, dir := range []string{sharedClip, filepath.Join(sharedClip, "hf_tokenizer")} {
		tk, err := LoadDir(dir)
		if err != nil {
			t.Fatalf("LoadDir(%s): %v", dir, err)
		}
		if !slices.Equal(tk.vocab, gz.vocab) {
			t.Errorf("LoadDir(%s): different vocabulary", dir)
		}
		if got := tk.Encode("a photo of the pcb4 with crack."); !slices.Equal(got, gz.Encode("a photo of the pcb4 with crack.")) {
			t.Errorf("LoadDir(%s): different ids %v", dir, got)
		}
	}
	if _, err := LoadDir(t.TempDir()); err == nil {
		t.Error("LoadDir of an empty directory: no error")
	}
	// vocab.json without merges.txt is not a tokenizer directory.
	dir := t.TempDir()
	write(t, filepath.Join(dir, HFVocabName), mustRead(t, filepath.Join(sharedClip, "hf_tokenizer", HFVocabName)))
	if _, err := LoadDir(dir); err == nil {
		t.Error("LoadDir with vocab.json only: no error")
	}
}

// TestReaders: the reader and byte variants used by the wasm build, and a
// merges file that arrives already decompressed.
func TestReaders(t *testing.T) {
	gz, _ := loaded(t)
	raw := mustRead(t, filepath.Join(sharedClip, BPEGzName))
	plain := gunzip(t, raw)
	v := mustRead(t, filepath.Join(sharedClip, "hf_tokenizer", HFVocabName))
	m := mustRead(t, filepath.Join(sharedClip, "hf_tokenizer", HFMergesName))
	build := map[string]func() (*Tokenizer, error){
		"ReadBPEGz(gzip)":  func() (*Tokenizer, error) { return ReadBPEGz(bytes.NewReader(raw)) },
		"ReadBPEGz(plain)": func() (*Tokenizer, error) { return ReadBPEGz(bytes.NewReader(plain)) },
		"FromBPEGzBytes":   func() (*Tokenizer, error) { return FromBPEGzBytes(plain) },
		"ReadHF":           func() (*Tokenizer, error) { return ReadHF(bytes.NewReader(v), bytes.NewReader(m)) },
		"FromHFBytes(CRLF)": func() (*Tokenizer, error) {
			return FromHFBytes(v, bytes.ReplaceAll(m, []byte("\n"), []byte("\r\n")))
		},
	}
	for name, f := range build {
		tk, err := f()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(tk.vocab, gz.vocab) || len(tk.merges) != len(gz.merges) {
			t.Errorf("%s: different tables", name)
		}
	}
}

// TestLoadErrors: bad vocabulary files give errors, not panics.
func TestLoadErrors(t *testing.T) {
	loaded(t)
	raw := mustRead(t, filepath.Join(sharedClip, BPEGzName))
	plain := gunzip(t, raw)
	v := mustRead(t, filepath.Join(sharedClip, "hf_tokenizer", HFVocabName))
	m := mustRead(t, filepath.Join(sharedClip, "hf_tokenizer", HFMergesName))
	lines := strings.Split(string(plain), "\n")
	var vocab map[string]int
	if err := json.Unmarshal(v, &vocab); err != nil {
		t.Fatal(err)
	}
	mergeLines := strings.Split(strings.TrimRight(string(m), "\n"), "\n") // "#version" + merges

	vocabWith := func(edit func(map[string]int)) []byte {
		c := make(map[string]int, len(vocab))
		for k, id := range vocab {
			c[k] = id
		}
		edit(c)
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	gzBytes := func(s string) []byte {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.Bytes()
	}
	dir := t.TempDir()
	truncated := filepath.Join(dir, "truncated.txt.gz")
	write(t, truncated, raw[:len(raw)/2])

	cases := []struct {
		name string
		load func() (*Tokenizer, error)
		want string
	}{
		{"missing gz file", func() (*Tokenizer, error) { return LoadBPEGz(filepath.Join(dir, "nope.txt.gz")) }, "no such file"},
		{"missing vocab.json", func() (*Tokenizer, error) {
			return LoadHF(filepath.Join(dir, "nope.json"), filepath.Join(sharedClip, "hf_tokenizer", HFMergesName))
		}, "no such file"},
		{"missing merges.txt", func() (*Tokenizer, error) {
			return LoadHF(filepath.Join(sharedClip, "hf_tokenizer", HFVocabName), filepath.Join(dir, "nope.txt"))
		}, "no such file"},
		{"truncated gz", func() (*Tokenizer, error) { return LoadBPEGz(truncated) }, "unexpected EOF"},
		{"corrupt gz", func() (*Tokenizer, error) {
			b := slices.Clone(raw)
			for i := 100; i < 200; i++ {
				b[i] ^= 0x55
			}
			return FromBPEGzBytes(b)
		}, "tokenizer: merges file"},
		{"gz header only", func() (*Tokenizer, error) { return FromBPEGzBytes(raw[:5]) }, "EOF"},
		{"gz too few merges", func() (*Tokenizer, error) {
			return FromBPEGzBytes(gzBytes(strings.Join(lines[:1+NumMerges-1], "\n")))
		}, "merge lines"},
		{"gz bad merge line", func() (*Tokenizer, error) {
			l := slices.Clone(lines)
			l[10] = "a b c"
			return FromBPEGzBytes([]byte(strings.Join(l, "\n")))
		}, "two symbols"},
		{"gz not UTF-8", func() (*Tokenizer, error) {
			l := slices.Clone(lines)
			l[10] = "\xff\xfe x"
			return FromBPEGzBytes([]byte(strings.Join(l, "\n")))
		}, "UTF-8"},
		{"empty input", func() (*Tokenizer, error) { return FromBPEGzBytes(nil) }, "merge lines"},
		{"malformed json", func() (*Tokenizer, error) { return FromHFBytes(v[:len(v)-10], m) }, "vocab.json"},
		{"json not an object", func() (*Tokenizer, error) { return FromHFBytes([]byte(`[1,2,3]`), m) }, "vocab.json"},
		{"vocab too small", func() (*Tokenizer, error) {
			return FromHFBytes(vocabWith(func(c map[string]int) { delete(c, "photo</w>") }), m)
		}, "entries"},
		{"vocab id out of range", func() (*Tokenizer, error) {
			return FromHFBytes(vocabWith(func(c map[string]int) { c["photo</w>"] = VocabSize }), m)
		}, "out of range"},
		{"vocab id twice", func() (*Tokenizer, error) {
			return FromHFBytes(vocabWith(func(c map[string]int) { c["photo</w>"] = c["cat</w>"] }), m)
		}, "used twice"},
		{"vocab lacks SOT", func() (*Tokenizer, error) {
			return FromHFBytes(vocabWith(func(c map[string]int) { delete(c, "<|startoftext|>"); c["<|start|>"] = SOT }), m)
		}, "startoftext"},
		{"vocab lacks byte symbol", func() (*Tokenizer, error) {
			return FromHFBytes(vocabWith(func(c map[string]int) { c["Ā!"] = c["Ā"]; delete(c, "Ā") }), m)
		}, "byte symbol"},
		{"merges too few", func() (*Tokenizer, error) {
			return FromHFBytes(v, []byte(strings.Join(mergeLines[:len(mergeLines)-1], "\n")))
		}, "merges, want"},
		{"merges too many", func() (*Tokenizer, error) {
			return FromHFBytes(v, []byte(strings.Join(append(slices.Clone(mergeLines), "a b"), "\n")))
		}, "merges, want"},
		{"merges empty", func() (*Tokenizer, error) { return FromHFBytes(v, nil) }, "merges, want"},
		{"merge line with one symbol", func() (*Tokenizer, error) {
			l := slices.Clone(mergeLines)
			l[5] = "lonely"
			return FromHFBytes(v, []byte(strings.Join(l, "\n")))
		}, "two symbols"},
		{"merge makes unknown token", func() (*Tokenizer, error) {
			l := slices.Clone(mergeLines)
			l[5] = "q z"
			return FromHFBytes(v, []byte(strings.Join(l, "\n")))
		}, "not in the vocabulary"},
		{"failing reader", func() (*Tokenizer, error) { return ReadBPEGz(errReader{}) }, "reading merges"},
		{"failing vocab reader", func() (*Tokenizer, error) { return ReadHF(errReader{}, bytes.NewReader(m)) }, "reading vocab.json"},
		{"failing merges reader", func() (*Tokenizer, error) { return ReadHF(bytes.NewReader(v), errReader{}) }, "reading merges.txt"},
	}
	for _, c := range cases {
		tk, err := c.load()
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if tk != nil {
			t.Errorf("%s: tokenizer returned with error", c.name)
		}
		// (strings.ToLower: js/wasm spells it "No such file or directory")
		if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(c.want)) {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.want)
		}
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrClosedPipe }

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
