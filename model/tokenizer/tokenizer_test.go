package tokenizer

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestKnownAnswer: "a photo of a cat." is [SOT, a, photo, of, a, cat, ., EOT]
// then zeros. The ids are what both OpenAI's simple_tokenizer.py and Hugging
// Face tokenizers give; here they are also checked against the vocabulary.
func TestKnownAnswer(t *testing.T) {
	_, tk := loaded(t)
	ids := tk.Encode("a photo of a cat.")
	want := []int{320, 1125, 539, 320, 2368, 269}
	if !slices.Equal(ids, want) {
		t.Fatalf("Encode = %v, want %v", ids, want)
	}
	for i, w := range []string{"a</w>", "photo</w>", "of</w>", "a</w>", "cat</w>", ".</w>"} {
		if s, ok := tk.Token(ids[i]); !ok || s != w {
			t.Errorf("Token(%d) = %q, want %q", ids[i], s, w)
		}
	}
	rows, err := tk.Tokenize([]string{"a photo of a cat.", "", "A  PHOTO of a Cat. "}, ContextLength)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	full := append([]int32{SOT, 320, 1125, 539, 320, 2368, 269, EOT}, make([]int32, ContextLength-8)...)
	empty := append([]int32{SOT, EOT}, make([]int32, ContextLength-2)...)
	for i, want := range [][]int32{full, empty, full} {
		if len(rows[i]) != ContextLength || !slices.Equal(rows[i], want) {
			t.Errorf("row %d = %v, want %v", i, rows[i], want)
		}
	}
	if got := tk.Decode(ids); got != "a photo of a cat . " {
		t.Errorf("Decode = %q", got) // simple_tokenizer.decode's output
	}
}

// TestTokenizeTruncation checks open_clip's rule at every context length
// around the length of the token sequence.
func TestTokenizeTruncation(t *testing.T) {
	_, tk := loaded(t)
	text := "a photo of the metal_nut with scratch for anomaly detection."
	ids := tk.Encode(text)
	seq := append(append([]int32{SOT}, toInt32(ids)...), EOT) // len(ids)+2
	for context := 1; context <= len(seq)+3; context++ {
		rows, err := tk.Tokenize([]string{text}, context)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]int32, context)
		if len(seq) > context {
			copy(want, seq[:context])
			want[context-1] = EOT
		} else {
			copy(want, seq)
		}
		if !slices.Equal(rows[0], want) {
			t.Errorf("context %d: %v, want %v", context, rows[0], want)
		}
	}
	if _, err := tk.Tokenize([]string{text}, 0); err == nil {
		t.Error("context 0: no error")
	}
	if rows, err := tk.Tokenize(nil, ContextLength); err != nil || len(rows) != 0 {
		t.Errorf("no texts: %v, %v", rows, err)
	}
	// A sentence of 200 words keeps the first 75 ids.
	long := strings.Repeat("crack ", 200)
	rows, _ := tk.Tokenize([]string{long}, ContextLength)
	r := rows[0]
	if r[0] != SOT || r[76] != EOT || slices.Contains(r[1:76], 0) || slices.Contains(r[1:76], EOT) {
		t.Errorf("long sentence: %v", r)
	}
}

func toInt32(ids []int) []int32 {
	out := make([]int32, len(ids))
	for i, id := range ids {
		out[i] = int32(id)
	}
	return out
}

// TestDecodeRoundTrip: decoding gives back the cleaned text, words followed
// by spaces, for text whose pre-tokens are separated by spaces.
func TestDecodeRoundTrip(t *testing.T) {
	_, tk := loaded(t)
	for _, s := range []string{"flawless pipe_fryum", "Ünïcödé 日本語 🔥", "it's 2024"} {
		want := strings.Join(preTokenize(tk.Clean(s)), " ") + " "
		if got := tk.Decode(tk.Encode(s)); got != want {
			t.Errorf("Decode(Encode(%q)) = %q, want %q", s, got, want)
		}
	}
	if got := tk.Decode([]int{-1, 320, VocabSize}); got != "\uFFFDa \uFFFD" {
		t.Errorf("Decode with bad ids = %q", got)
	}
	// The symbol of byte 0xE6 alone (the first of the three bytes of "日")
	// is not valid UTF-8.
	first := int(tk.encoder[string(byteEncoder()[0xE6])])
	if got := tk.Decode([]int{first, 320}); got != "\uFFFDa " {
		t.Errorf("Decode of a partial character = %q", got)
	}
}

// TestConcurrent: concurrent Encode calls (sharing the cache) agree with a
// sequential run.
func TestConcurrent(t *testing.T) {
	_, tk := loaded(t)
	texts := make([]string, 64)
	for i := range texts {
		texts[i] = fmt.Sprintf("a photo of the %d damaged pcb%d with crack number %d.", i, i%4+1, i*7919)
	}
	want := make([][]int, len(texts))
	for i, s := range texts {
		want[i] = tk.Encode(s)
	}
	var wg sync.WaitGroup
	errs := make(chan string, len(texts)*4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := range texts {
				j := (i + g*17) % len(texts)
				if got := tk.Encode(texts[j]); !slices.Equal(got, want[j]) {
					errs <- fmt.Sprintf("%q: %v vs %v", texts[j], got, want[j])
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
