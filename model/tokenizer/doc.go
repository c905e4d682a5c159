// Package tokenizer is CLIP's byte-level BPE tokenizer: OpenAI's
// clip/simple_tokenizer.py as open_clip.tokenize uses it (spec §2). It owns
// loading the vocabulary, text cleaning, encoding text to token ids, the
// fixed-length [SOT, ids..., EOT, 0...] rows the text tower (package
// model/text) takes, and decoding ids back to text for debugging. It uses the
// standard library only and builds for js/wasm.
//
// # Vocabulary
//
// Either OpenAI's bpe_simple_vocab_16e6.txt.gz (first line skipped, the next
// 48894 lines are the merges; vocabulary = 256 byte symbols, the same with
// "</w>", the joined merges, <|startoftext|>, <|endoftext|>) or the Hugging
// Face CLIPTokenizer files vocab.json + merges.txt. Both give the same 49408
// entries, SOT = 49406, EOT = 49407 (tested). LoadDir, LoadBPEGz and LoadHF
// read files; ReadBPEGz, ReadHF, FromBPEGzBytes and FromHFBytes take readers
// or bytes (for the browser). Malformed files are errors. Loading takes about
// 40 ms natively and 120 ms under js/wasm (Node 20).
//
// # Encoding
//
// Encode(text) is SimpleTokenizer.encode:
//
//	text = whitespace_clean(basic_clean(text)).lower()
//	basic_clean(text) = html.unescape(html.unescape(ftfy.fix_text(text))).strip()
//	whitespace_clean(text) = re.sub(r'\s+', ' ', text).strip()
//
// then the pre-tokenizer regex
//
//	<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
//
// (re.IGNORECASE, Python's regex module), each match's UTF-8 bytes mapped by
// bytes_to_unicode, and BPE with "</w>" on the last symbol, merging the
// lowest-ranked adjacent pair (all its occurrences, left to right) until no
// ranked pair is left. Tokenize is open_clip.tokenize: [SOT] + ids + [EOT],
// cut to the context length keeping the first ids and then setting the last
// entry to EOT, zero-padded.
//
// These Python details are reproduced exactly:
//   - html.unescape: numeric references with Python's replacements (C1 numbers
//     as Windows-1252, U+FFFD for 0, surrogates and numbers past U+10FFFF, ""
//     for the "invalid code points"), named references through the WHATWG
//     table that Go's html package holds (plus the two entries it omits,
//     &nLt; and &nGt;), and the longest-legacy-prefix rule for names without
//     ';'.
//   - strip uses str.isspace, \s is Unicode White_Space.
//   - str.lower: U+0130 becomes "i̇" and Σ becomes ς in the Final_Sigma
//     context.
//   - the regex: IGNORECASE lets U+017F ſ match the 's' of "'s" and of the
//     special tokens, and U+0345 is matched by no alternative, so it is
//     dropped.
//
// # What of ftfy.fix_text is reproduced
//
// Behaviour follows ftfy 6.3 (the version open_clip installs; OpenAI's CLIP
// pins none, and older ftfy releases differ), default configuration. The
// text is fixed line by line (each line keeps its "\n"), each line with
// these fixers in ftfy's order, repeated until the line stops changing:
//   - unescape_html: HTML5 entities ending in ';', the all-capitals spelling
//     of lower-case entity names ("&EACUTE;" → "É"), and numeric references
//     that html.unescape decodes completely; switched off from the first line
//     that contains '<' on (unescape_html="auto").
//   - fix_c1_controls: U+0080..U+009F read as Windows-1252.
//   - fix_latin_ligatures: ftfy's table (ﬁ → fi, Ĳ → IJ, ǅ → Dž, ...).
//   - fix_character_width: U+3000 → space, and U+FF01..U+FFEF to their NFKC
//     forms (fullwidth ASCII, halfwidth katakana and hangul, ...).
//   - uncurl_quotes: U+02BC and U+2018..U+201B → ', U+201C..U+201F → ".
//   - fix_line_breaks: CRLF, CR, U+2028, U+2029, U+0085 → LF.
//   - remove_terminal_escapes: ESC [ digits/';' letter.
//   - remove_control_chars: U+0000..U+0008, U+000B, U+000E..U+001F, U+007F,
//     U+206A..U+206F, U+FEFF, U+FFF9..U+FFFC.
//
// Not reproduced:
//   - fix_encoding, ftfy's mojibake repair (its "badness" heuristics and
//     re-decoding, with restore_byte_a0, replace_lossy_sequences and
//     decode_inconsistent_utf8). ftfy leaves text that does not look like
//     mojibake alone, which is the normal case in any script; text that it
//     would repair, such as "cafÃ©" (ftfy: "café"), is tokenized as written.
//   - fix_surrogates has nothing to do in Go; bytes that are not valid UTF-8
//     are read as U+FFFD.
//   - ftfy's max_decode_length: lines longer than a million characters are
//     not cut into pieces.
//
// # Other differences
//
// OpenAI's tokenizer (and Hugging Face's) recognises "<|startoftext|>" and
// "<|endoftext|>" typed in the text as the special tokens; open_clip's copy
// names them "<start_of_text>" and "<end_of_text>" (same ids) and recognises
// those instead. This package follows OpenAI. Character classes come from
// Go's Unicode 15 tables; the Python of a CLIP installation may use another
// Unicode version, so characters assigned in between can be classified
// differently (for every character assigned in Unicode 14 the pre-tokenizer,
// lower-casing and Final_Sigma agree with Python 3.11 and regex 2026.5).
// Decode replaces each invalid UTF-8 byte with U+FFFD, where Python's
// errors="replace" uses one per maximal invalid subsequence.
//
// # Tests
//
// testdata/golden.json holds ids for 1229 sentences (CLIP-AD prompts,
// punctuation, numbers, contractions, entities, accents, CJK and other
// scripts, emoji, odd whitespace, an over-long sentence, "") computed by
// Hugging Face tokenizers and cross-checked with tokenizers.js
// (js/tools/tokenizer-golden.mjs). Where CLIP's cleaning goes beyond that
// pipeline the reference was fed the cleaned text (ref_input, with the
// reason). testdata/golden_openai.json holds ids from OpenAI's
// simple_tokenizer.py itself for Python-specific cases, and its generator
// (testdata/openai_golden.py) also checks golden.json against it.
package tokenizer
