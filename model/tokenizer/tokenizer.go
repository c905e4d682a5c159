package tokenizer

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// Tokenizer is a loaded CLIP BPE tokenizer. It is safe for concurrent use.
type Tokenizer struct {
	vocab   []string         // id → symbol (byte-level unicode form)
	encoder map[string]int32 // symbol → id
	merges  map[uint64]merge // (left id, right id) → rank and merged id
	byteTok [256]int32       // id of the symbol of byte b
	byteEnd [256]int32       // id of the symbol of byte b followed by "</w>"
	sot     int32
	eot     int32

	mu    sync.Mutex
	cache map[string][]int32 // pre-token → ids

	// NFC is applied where ftfy.fix_text applies Unicode NFC normalisation;
	// the loaders set it to golang.org/x/text/unicode/norm's NFC. Set it
	// (or nil, to skip normalising) before the first use.
	NFC func(string) string
}

type merge struct {
	rank int32
	id   int32
}

func pairKey(l, r int32) uint64 { return uint64(uint32(l))<<32 | uint64(uint32(r)) }

// maxCache bounds the pre-token cache; it is emptied when it grows past this.
const maxCache = 1 << 16

// SOT returns the id of <|startoftext|>.
func (t *Tokenizer) SOT() int { return int(t.sot) }

// EOT returns the id of <|endoftext|>.
func (t *Tokenizer) EOT() int { return int(t.eot) }

// VocabSize returns the number of token ids.
func (t *Tokenizer) VocabSize() int { return len(t.vocab) }

// Token returns the vocabulary entry of id in CLIP's byte-level form (for
// example "photo</w>"), and false for an id out of range.
func (t *Tokenizer) Token(id int) (string, bool) {
	if id < 0 || id >= len(t.vocab) {
		return "", false
	}
	return t.vocab[id], true
}

// Encode returns the token ids of text without <|startoftext|> and
// <|endoftext|>, as SimpleTokenizer.encode does: text cleaning, lower-casing,
// the CLIP pre-tokenizer regex, byte-level BPE.
func (t *Tokenizer) Encode(text string) []int {
	var out []int
	for _, tok := range preTokenize(t.Clean(text)) {
		for _, id := range t.bpeToken(tok) {
			out = append(out, int(id))
		}
	}
	return out
}

// Tokenize is open_clip.tokenize: for each text, [SOT, Encode(text)..., EOT],
// truncated to context (keeping the first context ids and then overwriting the
// last with EOT) and zero-padded to context.
func (t *Tokenizer) Tokenize(texts []string, context int) ([][]int32, error) {
	if context < 1 {
		return nil, fmt.Errorf("tokenizer: context length %d, want at least 1", context)
	}
	out := make([][]int32, len(texts))
	for i, text := range texts {
		row := make([]int32, context)
		row[0] = t.sot
		n := 1 // ids written so far, SOT included
	outer:
		for _, tok := range preTokenize(t.Clean(text)) {
			for _, id := range t.bpeToken(tok) {
				if n == context {
					break outer
				}
				row[n] = id
				n++
			}
		}
		if n < context {
			row[n] = t.eot
		} else {
			// [SOT, ids..., EOT] is longer than context: open_clip keeps
			// tokens[:context] and sets tokens[-1] = eot.
			row[context-1] = t.eot
		}
		out[i] = row
	}
	return out, nil
}

// Decode turns ids back into text as SimpleTokenizer.decode does (for
// debugging): the symbols are joined, mapped back to bytes, decoded as UTF-8
// and "</w>" becomes a space. Ids outside the vocabulary give U+FFFD; invalid
// UTF-8 gives one U+FFFD per bad byte (Python's errors="replace" uses one per
// maximal bad subsequence).
func (t *Tokenizer) Decode(ids []int) string {
	dec := byteDecoder()
	var b []byte
	for _, id := range ids {
		if id < 0 || id >= len(t.vocab) {
			b = append(b, "\uFFFD"...)
			continue
		}
		for _, r := range t.vocab[id] {
			if c, ok := dec[r]; ok {
				b = append(b, c)
			} else {
				b = utf8.AppendRune(b, r)
			}
		}
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b) // RuneError, 1 for each bad byte
		sb.WriteRune(r)
		b = b[size:]
	}
	return strings.ReplaceAll(sb.String(), endOfWord, " ")
}

// bpeToken returns the ids of one pre-token (a string the pre-tokenizer
// matched), using and filling the cache.
func (t *Tokenizer) bpeToken(tok string) []int32 {
	switch tok {
	case sotText:
		return []int32{t.sot}
	case eotText:
		return []int32{t.eot}
	}
	t.mu.Lock()
	ids, ok := t.cache[tok]
	t.mu.Unlock()
	if ok {
		return ids
	}
	ids = t.bpe(tok)
	t.mu.Lock()
	if len(t.cache) >= maxCache {
		clear(t.cache)
	}
	t.cache[tok] = ids
	t.mu.Unlock()
	return ids
}

// bpe is SimpleTokenizer.bpe on the byte-level form of tok: the last symbol
// carries "</w>", and the adjacent pair of lowest merge rank is merged, all
// its occurrences left to right, until no ranked pair is left.
func (t *Tokenizer) bpe(tok string) []int32 {
	n := len(tok)
	if n == 0 {
		return nil
	}
	word := make([]int32, n)
	for i := 0; i < n-1; i++ {
		word[i] = t.byteTok[tok[i]]
	}
	word[n-1] = t.byteEnd[tok[n-1]]
	next := make([]int32, 0, n)
	for len(word) > 1 {
		best := merge{rank: -1}
		var bl, br int32
		for i := 0; i+1 < len(word); i++ {
			m, ok := t.merges[pairKey(word[i], word[i+1])]
			if ok && (best.rank < 0 || m.rank < best.rank) {
				best, bl, br = m, word[i], word[i+1]
			}
		}
		if best.rank < 0 {
			break
		}
		next = next[:0]
		for i := 0; i < len(word); {
			if word[i] == bl && i+1 < len(word) && word[i+1] == br {
				next = append(next, best.id)
				i += 2
			} else {
				next = append(next, word[i])
				i++
			}
		}
		word, next = next, word
	}
	return append([]int32(nil), word...)
}
