package tokenizer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ypogegrammeni is U+0345 COMBINING GREEK YPOGEGRAMMENI. Under CLIP's
// re.IGNORECASE (Python's regex module) it matches neither [\p{L}]+ (it is a
// mark) nor [^\s\p{L}\p{N}]+ (it case-folds to ι, a letter), so findall skips
// it like whitespace.
const ypogegrammeni = '\u0345'

// preTokenize splits cleaned, lower-cased text as CLIP's
//
//	re.findall(r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", text, re.IGNORECASE)
//
// does with Python's regex module: at each position the first alternative
// that matches wins, and characters that no alternative matches (whitespace)
// are skipped. The text is lower case already, so IGNORECASE only matters for
// U+017F ſ, which simple case folding equates with 's', and for U+0345.
func preTokenize(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) || r == ypogegrammeni {
			i += size
			continue
		}
		if n := matchFold(s[i:], sotText); n > 0 {
			out = append(out, s[i:i+n])
			i += n
			continue
		}
		if n := matchFold(s[i:], eotText); n > 0 {
			out = append(out, s[i:i+n])
			i += n
			continue
		}
		if r == '\'' {
			if n := contraction(s[i:]); n > 0 {
				out = append(out, s[i:i+n])
				i += n
				continue
			}
		}
		j := i + size
		switch {
		case unicode.IsLetter(r):
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r2) {
					break
				}
				j += sz
			}
		case unicode.IsNumber(r):
			// [\p{N}]: one character
		default:
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				if unicode.IsSpace(r2) || unicode.IsLetter(r2) || unicode.IsNumber(r2) || r2 == ypogegrammeni {
					break
				}
				j += sz
			}
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

// contractions in the order of the regex alternatives.
var contractions = [...]string{"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"}

// contraction returns the byte length of the contraction s starts with, or 0.
func contraction(s string) int {
	for _, c := range contractions {
		if n := matchFold(s, c); n > 0 {
			return n
		}
	}
	return 0
}

// matchFold reports the byte length of the prefix of s that matches the
// ASCII pattern lit under the regex module's IGNORECASE (simple case
// folding), or 0. Besides ASCII case, 'ſ' (U+017F) matches 's' and 'K'
// (U+212A KELVIN SIGN) matches 'k'.
func matchFold(s, lit string) int {
	n := 0
	for k := 0; k < len(lit); k++ {
		if n >= len(s) {
			return 0
		}
		r, size := utf8.DecodeRuneInString(s[n:])
		want := rune(lit[k])
		if r != want && !(r < utf8.RuneSelf && strings.EqualFold(string(r), string(want))) &&
			!(r == 'ſ' && (want == 's' || want == 'S')) && !(r == '\u212A' && (want == 'k' || want == 'K')) {
			return 0
		}
		n += size
	}
	return n
}
