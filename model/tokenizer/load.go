package tokenizer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"golang.org/x/text/unicode/norm"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Sizes of the CLIP vocabulary. Every CLIP text tower (OpenAI and open_clip)
// uses this one vocabulary.
const (
	// NumMerges is the number of BPE merges CLIP uses: the lines
	// merges[1 : 49152-256-2+1] of bpe_simple_vocab_16e6.txt.
	NumMerges = 49152 - 256 - 2
	// VocabSize is 256 byte symbols + 256 byte symbols with "</w>" +
	// NumMerges merged symbols + the two special tokens.
	VocabSize = 2*256 + NumMerges + 2
	// SOT and EOT are the ids of "<|startoftext|>" and "<|endoftext|>" (open_clip
	// calls them "<start_of_text>" and "<end_of_text>"; the ids are the same).
	SOT = VocabSize - 2
	EOT = VocabSize - 1
	// ContextLength is the sequence length of every CLIP text tower.
	ContextLength = 77
)

// File names inside a tokenizer directory (see LoadDir).
const (
	BPEGzName     = "bpe_simple_vocab_16e6.txt.gz"
	HFVocabName   = "vocab.json"
	HFMergesName  = "merges.txt"
	sotText       = "<|startoftext|>"
	eotText       = "<|endoftext|>"
	endOfWord     = "</w>"
	hfVersionLine = "#version"
)

// LoadDir loads the tokenizer from a directory holding either the OpenAI
// merges file (bpe_simple_vocab_16e6.txt.gz) or the Hugging Face pair
// vocab.json + merges.txt. If both are present the OpenAI file is used (both
// forms give identical ids).
func LoadDir(dir string) (*Tokenizer, error) {
	gz := filepath.Join(dir, BPEGzName)
	if _, err := os.Stat(gz); err == nil {
		return LoadBPEGz(gz)
	}
	v, m := filepath.Join(dir, HFVocabName), filepath.Join(dir, HFMergesName)
	_, errV := os.Stat(v)
	_, errM := os.Stat(m)
	if errV == nil && errM == nil {
		return LoadHF(v, m)
	}
	return nil, fmt.Errorf("tokenizer: %s holds neither %s nor both %s and %s", dir, BPEGzName, HFVocabName, HFMergesName)
}

// LoadBPEGz loads the OpenAI merges file bpe_simple_vocab_16e6.txt.gz (gzip
// compressed, or already decompressed).
func LoadBPEGz(path string) (*Tokenizer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	t, err := FromBPEGzBytes(b)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return t, nil
}

// LoadHF loads the Hugging Face CLIPTokenizer files vocab.json and merges.txt.
func LoadHF(vocabPath, mergesPath string) (*Tokenizer, error) {
	v, err := os.ReadFile(vocabPath)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	m, err := os.ReadFile(mergesPath)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	return FromHFBytes(v, m)
}

// ReadBPEGz reads the OpenAI merges file from r. The stream may be gzip
// compressed (as shipped) or plain text (as a browser hands it over when the
// server sent it with Content-Encoding: gzip).
func ReadBPEGz(r io.Reader) (*Tokenizer, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: reading merges: %w", err)
	}
	return FromBPEGzBytes(b)
}

// ReadHF reads the Hugging Face vocab.json and merges.txt from two readers.
func ReadHF(vocab, merges io.Reader) (*Tokenizer, error) {
	v, err := io.ReadAll(vocab)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: reading vocab.json: %w", err)
	}
	m, err := io.ReadAll(merges)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: reading merges.txt: %w", err)
	}
	return FromHFBytes(v, m)
}

// FromBPEGzBytes builds the tokenizer from the bytes of
// bpe_simple_vocab_16e6.txt.gz, gzip compressed or plain, exactly as CLIP's
// SimpleTokenizer does: skip the first line, take the next NumMerges lines as
// merges, vocab = byte symbols, byte symbols + "</w>", joined merges,
// "<|startoftext|>", "<|endoftext|>".
func FromBPEGzBytes(b []byte) (*Tokenizer, error) {
	text := b
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("tokenizer: merges file: %w", err)
		}
		text, err = io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: merges file: %w", err)
		}
		if err := zr.Close(); err != nil {
			return nil, fmt.Errorf("tokenizer: merges file: %w", err)
		}
	}
	// Python: read().decode("utf-8").split('\n')[1:49152-256-2+1]
	if !validUTF8(text) {
		return nil, errors.New("tokenizer: merges file is not valid UTF-8")
	}
	lines := strings.Split(string(text), "\n")
	if len(lines) < 1+NumMerges {
		return nil, fmt.Errorf("tokenizer: merges file has %d merge lines, want at least %d", max(len(lines)-1, 0), NumMerges)
	}
	merges, err := parseMerges(lines[1 : 1+NumMerges])
	if err != nil {
		return nil, err
	}
	enc := byteEncoder()
	vocab := make([]string, 0, VocabSize)
	for _, b := range byteOrder() {
		vocab = append(vocab, string(enc[b]))
	}
	for _, b := range byteOrder() {
		vocab = append(vocab, string(enc[b])+endOfWord)
	}
	for _, m := range merges {
		vocab = append(vocab, m[0]+m[1])
	}
	vocab = append(vocab, sotText, eotText)
	return build(vocab, merges)
}

// FromHFBytes builds the tokenizer from the bytes of the Hugging Face
// vocab.json (token → id) and merges.txt ("#version" header, then one
// "left right" merge per line in rank order).
func FromHFBytes(vocabJSON, mergesTxt []byte) (*Tokenizer, error) {
	var m map[string]int
	if err := json.Unmarshal(vocabJSON, &m); err != nil {
		return nil, fmt.Errorf("tokenizer: vocab.json: %w", err)
	}
	if len(m) != VocabSize {
		return nil, fmt.Errorf("tokenizer: vocab.json has %d entries, want %d", len(m), VocabSize)
	}
	vocab := make([]string, VocabSize)
	seen := make([]bool, VocabSize)
	for tok, id := range m {
		if id < 0 || id >= VocabSize {
			return nil, fmt.Errorf("tokenizer: vocab.json: id %d of %q out of range [0,%d)", id, tok, VocabSize)
		}
		if seen[id] {
			return nil, fmt.Errorf("tokenizer: vocab.json: id %d used twice", id)
		}
		seen[id] = true
		vocab[id] = tok
	}
	if !validUTF8(mergesTxt) {
		return nil, errors.New("tokenizer: merges.txt is not valid UTF-8")
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(mergesTxt))
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	first := true
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if first && strings.HasPrefix(line, hfVersionLine) {
			first = false
			continue
		}
		first = false
		if line == "" {
			continue
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tokenizer: merges.txt: %w", err)
	}
	if len(lines) != NumMerges {
		return nil, fmt.Errorf("tokenizer: merges.txt has %d merges, want %d", len(lines), NumMerges)
	}
	merges, err := parseMerges(lines)
	if err != nil {
		return nil, err
	}
	return build(vocab, merges)
}

func parseMerges(lines []string) ([][2]string, error) {
	out := make([][2]string, len(lines))
	for i, l := range lines {
		f := strings.Fields(l) // Python: tuple(merge.split())
		if len(f) != 2 {
			return nil, fmt.Errorf("tokenizer: merge %d (%q) does not have two symbols", i, l)
		}
		out[i] = [2]string{f[0], f[1]}
	}
	return out, nil
}

// build makes the encoder (token → id, later duplicates winning as in
// Python's dict(zip(vocab, range(len(vocab))))), the merge table and the
// byte-symbol tables, and checks what encoding relies on.
func build(vocab []string, merges [][2]string) (*Tokenizer, error) {
	t := &Tokenizer{
		vocab:   vocab,
		encoder: make(map[string]int32, len(vocab)),
		merges:  make(map[uint64]merge, len(merges)),
		cache:   make(map[string][]int32),
		NFC:     norm.NFC.String,
	}
	for id, tok := range vocab {
		t.encoder[tok] = int32(id)
	}
	var ok bool
	if t.sot, ok = t.encoder[sotText]; !ok {
		return nil, fmt.Errorf("tokenizer: vocabulary lacks %s", sotText)
	}
	if t.eot, ok = t.encoder[eotText]; !ok {
		return nil, fmt.Errorf("tokenizer: vocabulary lacks %s", eotText)
	}
	enc := byteEncoder()
	for b, r := range enc {
		if t.byteTok[b], ok = t.encoder[string(r)]; !ok {
			return nil, fmt.Errorf("tokenizer: vocabulary lacks byte symbol %q", string(r))
		}
		if t.byteEnd[b], ok = t.encoder[string(r)+endOfWord]; !ok {
			return nil, fmt.Errorf("tokenizer: vocabulary lacks byte symbol %q", string(r)+endOfWord)
		}
	}
	for rank, m := range merges {
		joined, ok := t.encoder[m[0]+m[1]]
		if !ok {
			return nil, fmt.Errorf("tokenizer: merge %d (%q %q) makes %q, which is not in the vocabulary", rank, m[0], m[1], m[0]+m[1])
		}
		l, okL := t.encoder[m[0]]
		r, okR := t.encoder[m[1]]
		if !okL || !okR {
			// A symbol that is not in the vocabulary never occurs in a word
			// (every symbol BPE makes is a vocabulary entry), so this merge
			// can never apply; CLIP keeps it in its rank table all the same.
			continue
		}
		// A repeated pair takes its last rank, as Python's
		// dict(zip(merges, range(len(merges)))) does.
		t.merges[pairKey(l, r)] = merge{rank: int32(rank), id: joined}
	}
	return t, nil
}

func validUTF8(b []byte) bool { return utf8.Valid(b) }
