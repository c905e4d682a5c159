package tokenizer

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean returns text as CLIP's SimpleTokenizer.encode hands it to the
// pre-tokenizer: whitespace_clean(basic_clean(text)).lower(), where
// basic_clean is ftfy.fix_text, html.unescape twice and strip. What of
// ftfy.fix_text is reproduced is listed in the package documentation.
func (t *Tokenizer) Clean(text string) string {
	s := validUTF8String(text)
	s = fixText(s, t.NFC)
	s = pyUnescape(pyUnescape(s))
	s = strings.TrimFunc(s, pyIsSpace)
	s = whitespaceClean(s)
	return pyLower(s)
}

// validUTF8String replaces each byte that is not part of valid UTF-8 with
// U+FFFD (a Python str cannot hold such bytes).
func validUTF8String(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s { // range yields RuneError for each bad byte
		b.WriteRune(r)
	}
	return b.String()
}

// pyIsSpace is Python's str.isspace for one character, which strip() uses:
// Unicode White_Space plus U+001C..U+001F.
func pyIsSpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1C && r <= 0x1F) }

// whitespaceClean is CLIP's whitespace_clean: regex.sub(r'\s+', ' ', text)
// (the regex module's \s is Unicode White_Space, as unicode.IsSpace) and
// strip().
func whitespaceClean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	inSpace := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if !inSpace {
				b.WriteByte(' ')
			}
			inSpace = true
			continue
		}
		inSpace = false
		b.WriteRune(r)
	}
	return strings.TrimFunc(b.String(), pyIsSpace)
}

// ---------------------------------------------------------------------------
// ftfy.fix_text (ftfy 6.x, default TextFixerConfig), without fix_encoding.

// fixText splits text into lines (each keeping its "\n") as ftfy.fix_text
// does; HTML unescaping ("auto") is switched off from the first line that
// contains '<' on.
func fixText(text string, nfc func(string) string) string {
	if plainASCII(text) {
		return text // every fixer, NFC included, leaves such text alone
	}
	var out strings.Builder
	unescape := true
	for pos := 0; pos < len(text); {
		end := strings.IndexByte(text[pos:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += pos + 1
		}
		seg := text[pos:end]
		if unescape && strings.Contains(seg, "<") {
			unescape = false
		}
		out.WriteString(fixSegment(seg, unescape, nfc))
		pos = end
	}
	return out.String()
}

// plainASCII reports text made only of printable ASCII, tab, newline and
// form feed, without '&'.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 || c > 0x7E || c == '&') && c != '\t' && c != '\n' && c != '\f' {
			return false
		}
	}
	return true
}

// fixSegment is ftfy.fix_and_explain: the fixers in ftfy's order, repeated
// until the text stops changing.
func fixSegment(s string, unescape bool, nfc func(string) string) string {
	for iter := 0; iter < 64; iter++ {
		orig := s
		if unescape {
			s = ftfyUnescape(s)
		}
		// fix_encoding (mojibake detection) is not reproduced.
		s = mapRunes(s, fixC1Rune)
		s = mapRunes(s, ligatureRune)
		s = mapRunes(s, widthRune)
		s = mapRunes(s, uncurlRune)
		s = fixLineBreaks(s)
		// fix_surrogates: a Go string holds no surrogates.
		s = removeTerminalEscapes(s)
		s = mapRunes(s, controlRune)
		if nfc != nil {
			s = nfc(s)
		}
		if s == orig {
			break
		}
	}
	return s
}

// mapRunes applies f to each rune; f returns the replacement and true, or
// false to keep the rune. The string is returned as is when nothing changes.
func mapRunes(s string, f func(rune) (string, bool)) string {
	for i, r := range s {
		if _, ok := f(r); !ok {
			continue
		}
		var b strings.Builder
		b.Grow(len(s))
		b.WriteString(s[:i])
		for _, r := range s[i:] {
			if rep, ok := f(r); ok {
				b.WriteString(rep)
			} else {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	return s
}

// windows1252 is Windows-1252 for bytes 0x80..0x9F, the five undefined bytes
// passing through ("sloppy-windows-1252"). It is also Python's html module
// table _invalid_charrefs for these numbers.
var windows1252 = [32]rune{
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
}

// fixC1Rune is ftfy's fix_c1_controls.
func fixC1Rune(r rune) (string, bool) {
	if r >= 0x80 && r <= 0x9F {
		return string(windows1252[r-0x80]), true
	}
	return "", false
}

// ligatures is ftfy's chardata.LIGATURES.
var ligatures = map[rune]string{
	'Ĳ': "IJ", 'ĳ': "ij", 'ŉ': "ʼn",
	'Ǳ': "DZ", 'ǲ': "Dz", 'ǳ': "dz", 'Ǆ': "DŽ", 'ǅ': "Dž", 'ǆ': "dž",
	'Ǉ': "LJ", 'ǈ': "Lj", 'ǉ': "lj", 'Ǌ': "NJ", 'ǋ': "Nj", 'ǌ': "nj",
	'ﬀ': "ff", 'ﬁ': "fi", 'ﬂ': "fl", 'ﬃ': "ffi", 'ﬄ': "ffl", 'ﬅ': "ſt", 'ﬆ': "st",
}

func ligatureRune(r rune) (string, bool) {
	if r < 'Ĳ' {
		return "", false
	}
	s, ok := ligatures[r]
	return s, ok
}

// widthRune is ftfy's fix_character_width (chardata.WIDTH_MAP): U+3000 and
// the NFKC forms of U+FF01..U+FFEF. Fullwidth ASCII is an offset; the rest
// of the table was generated with Python's unicodedata.normalize("NFKC").
func widthRune(r rune) (string, bool) {
	switch {
	case r < 0x3000:
		return "", false
	case r >= 0xFF01 && r <= 0xFF5E:
		return string(r - 0xFEE0), true
	}
	s, ok := widthMap[r]
	return s, ok
}

var widthMap = map[rune]string{
	0x3000: " ", 0xFF5F: "\u2985", 0xFF60: "\u2986", 0xFF61: "\u3002", 0xFF62: "\u300C", 0xFF63: "\u300D",
	0xFF64: "\u3001", 0xFF65: "\u30FB", 0xFF66: "\u30F2", 0xFF67: "\u30A1", 0xFF68: "\u30A3", 0xFF69: "\u30A5",
	0xFF6A: "\u30A7", 0xFF6B: "\u30A9", 0xFF6C: "\u30E3", 0xFF6D: "\u30E5", 0xFF6E: "\u30E7", 0xFF6F: "\u30C3",
	0xFF70: "\u30FC", 0xFF71: "\u30A2", 0xFF72: "\u30A4", 0xFF73: "\u30A6", 0xFF74: "\u30A8", 0xFF75: "\u30AA",
	0xFF76: "\u30AB", 0xFF77: "\u30AD", 0xFF78: "\u30AF", 0xFF79: "\u30B1", 0xFF7A: "\u30B3", 0xFF7B: "\u30B5",
	0xFF7C: "\u30B7", 0xFF7D: "\u30B9", 0xFF7E: "\u30BB", 0xFF7F: "\u30BD", 0xFF80: "\u30BF", 0xFF81: "\u30C1",
	0xFF82: "\u30C4", 0xFF83: "\u30C6", 0xFF84: "\u30C8", 0xFF85: "\u30CA", 0xFF86: "\u30CB", 0xFF87: "\u30CC",
	0xFF88: "\u30CD", 0xFF89: "\u30CE", 0xFF8A: "\u30CF", 0xFF8B: "\u30D2", 0xFF8C: "\u30D5", 0xFF8D: "\u30D8",
	0xFF8E: "\u30DB", 0xFF8F: "\u30DE", 0xFF90: "\u30DF", 0xFF91: "\u30E0", 0xFF92: "\u30E1", 0xFF93: "\u30E2",
	0xFF94: "\u30E4", 0xFF95: "\u30E6", 0xFF96: "\u30E8", 0xFF97: "\u30E9", 0xFF98: "\u30EA", 0xFF99: "\u30EB",
	0xFF9A: "\u30EC", 0xFF9B: "\u30ED", 0xFF9C: "\u30EF", 0xFF9D: "\u30F3", 0xFF9E: "\u3099", 0xFF9F: "\u309A",
	0xFFA0: "\u1160", 0xFFA1: "\u1100", 0xFFA2: "\u1101", 0xFFA3: "\u11AA", 0xFFA4: "\u1102", 0xFFA5: "\u11AC",
	0xFFA6: "\u11AD", 0xFFA7: "\u1103", 0xFFA8: "\u1104", 0xFFA9: "\u1105", 0xFFAA: "\u11B0", 0xFFAB: "\u11B1",
	0xFFAC: "\u11B2", 0xFFAD: "\u11B3", 0xFFAE: "\u11B4", 0xFFAF: "\u11B5", 0xFFB0: "\u111A", 0xFFB1: "\u1106",
	0xFFB2: "\u1107", 0xFFB3: "\u1108", 0xFFB4: "\u1121", 0xFFB5: "\u1109", 0xFFB6: "\u110A", 0xFFB7: "\u110B",
	0xFFB8: "\u110C", 0xFFB9: "\u110D", 0xFFBA: "\u110E", 0xFFBB: "\u110F", 0xFFBC: "\u1110", 0xFFBD: "\u1111",
	0xFFBE: "\u1112", 0xFFC2: "\u1161", 0xFFC3: "\u1162", 0xFFC4: "\u1163", 0xFFC5: "\u1164", 0xFFC6: "\u1165",
	0xFFC7: "\u1166", 0xFFCA: "\u1167", 0xFFCB: "\u1168", 0xFFCC: "\u1169", 0xFFCD: "\u116A", 0xFFCE: "\u116B",
	0xFFCF: "\u116C", 0xFFD2: "\u116D", 0xFFD3: "\u116E", 0xFFD4: "\u116F", 0xFFD5: "\u1170", 0xFFD6: "\u1171",
	0xFFD7: "\u1172", 0xFFDA: "\u1173", 0xFFDB: "\u1174", 0xFFDC: "\u1175", 0xFFE0: "\u00A2", 0xFFE1: "\u00A3",
	0xFFE2: "\u00AC", 0xFFE3: "\u0020\u0304", 0xFFE4: "\u00A6", 0xFFE5: "\u00A5", 0xFFE6: "\u20A9", 0xFFE8: "\u2502",
	0xFFE9: "\u2190", 0xFFEA: "\u2191", 0xFFEB: "\u2192", 0xFFEC: "\u2193", 0xFFED: "\u25A0", 0xFFEE: "\u25CB",
}

// uncurlRune is ftfy's uncurl_quotes: [\u02bc\u2018-\u201b] → ' and
// [\u201c-\u201f] → ".
func uncurlRune(r rune) (string, bool) {
	switch {
	case r == 0x02BC || (r >= 0x2018 && r <= 0x201B):
		return "'", true
	case r >= 0x201C && r <= 0x201F:
		return "\"", true
	}
	return "", false
}

// fixLineBreaks is ftfy's fix_line_breaks.
func fixLineBreaks(s string) string {
	if !strings.ContainsAny(s, "\r\u2028\u2029\u0085") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.NewReplacer("\r", "\n", "\u2028", "\n", "\u2029", "\n", "\u0085", "\n").Replace(s)
}

// removeTerminalEscapes is ftfy's remove_terminal_escapes: it deletes
// matches of "\033\[((?:\d|;)*)([a-zA-Z])" (\d: any Unicode decimal digit).
func removeTerminalEscapes(s string) string {
	if !strings.Contains(s, "\x1b[") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "\x1b[") {
			j := i + 2
			for j < len(s) {
				r, size := utf8.DecodeRuneInString(s[j:])
				if r != ';' && !unicode.IsDigit(r) {
					break
				}
				j += size
			}
			if j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
				i = j + 1
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r)
		i += size
	}
	return b.String()
}

// controlRune is ftfy's remove_control_chars (chardata.CONTROL_CHARS).
func controlRune(r rune) (string, bool) {
	switch {
	case r <= 0x08, r == 0x0B, r >= 0x0E && r <= 0x1F, r == 0x7F,
		r >= 0x206A && r <= 0x206F, r == 0xFEFF, r >= 0xFFF9 && r <= 0xFFFC:
		return "", true
	}
	return "", false
}

// ftfyUnescape is ftfy's unescape_html: it replaces matches of
// &#?[0-9A-Za-z]{1,24}; that are HTML5 entities ending in ';' (also their
// all-capitals spelling for lower-case entities, "&EACUTE;" → "É"), or
// numeric references that html.unescape decodes completely.
func ftfyUnescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			continue
		}
		j := i + 1
		numeric := j < len(s) && s[j] == '#'
		if numeric {
			j++
		}
		k := j
		for k < len(s) && k-j <= 24 && isASCIIAlnum(s[k]) {
			k++
		}
		if n := k - j; n < 1 || n > 24 || k >= len(s) || s[k] != ';' {
			continue
		}
		m := s[i : k+1]
		rep := m
		if numeric {
			if u := pyUnescape(m); !strings.Contains(u, ";") {
				rep = u
			}
		} else if v, ok := ftfyEntity(s[j:k]); ok {
			rep = v
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		last = k + 1
		i = k
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// ftfyEntity looks name (ASCII letters and digits) up in ftfy's
// chardata.HTML_ENTITIES, without the '&' and ';'.
func ftfyEntity(name string) (string, bool) {
	if v, ok := html5Entity(name + ";"); ok {
		return v, true
	}
	// "&NAME;" for an entity "&name;" whose name is lower case, unless
	// html.unescape already decodes (part of) "&NAME;".
	low := strings.ToLower(name)
	if low == name || strings.ToUpper(low) != name {
		return "", false
	}
	v, ok := html5Entity(low + ";")
	if !ok {
		return "", false
	}
	if ent := "&" + name + ";"; pyUnescape(ent) != ent {
		return "", false
	}
	return pyUpper(v), true
}

// html5Entity returns the value of the HTML5 named character reference
// name, which ends in ';' (a key of Python's html.entities.html5 such as
// "amp;"), from the same WHATWG table that Go's html package holds.
func html5Entity(name string) (string, bool) {
	ent := "&" + name
	r := unescapeName(name)
	// An exact match consumes the whole reference. Otherwise Go decodes the
	// longest legacy entity the name starts with and keeps the rest, ';'
	// included; only "&semi;" itself decodes to a lone ';'.
	if r == ent || strings.HasSuffix(r, ";") && r != ";" {
		return "", false
	}
	return r, true
}

// pyUpper is Python's str.upper for the values of lower-case HTML5 entities:
// Go's simple case mapping plus the SpecialCasing expansions those values
// need.
func pyUpper(s string) string {
	var b strings.Builder
	for _, r := range s {
		if u, ok := upperSpecial[r]; ok {
			b.WriteString(u)
		} else {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// upperSpecial holds the unconditional multi-character upper-case mappings
// of SpecialCasing.txt for characters that are values of HTML5 entities.
var upperSpecial = map[rune]string{
	'ß': "SS", 'ŉ': "ʼN", 'ﬀ': "FF", 'ﬁ': "FI", 'ﬂ': "FL", 'ﬃ': "FFI", 'ﬄ': "FFL",
}

// ---------------------------------------------------------------------------
// Python's html.unescape.

// pyUnescape is Python's html.unescape: it replaces every match of
// &(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)
// by the character reference's value, by the value of the longest legacy
// entity the name starts with, or leaves it.
func pyUnescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			continue
		}
		end, rep, ok := pyCharRef(s, i+1)
		if !ok {
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		last = end
		i = end - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// pyCharRef matches a character reference at s[j:] (just after '&') and
// returns where it ends and what replaces it.
func pyCharRef(s string, j int) (end int, rep string, ok bool) {
	if j >= len(s) {
		return 0, "", false
	}
	if s[j] == '#' {
		k := j + 1
		hex := false
		if k+1 < len(s) && (s[k] == 'x' || s[k] == 'X') && isHex(s[k+1]) {
			hex = true
			k++
		}
		d := k
		for k < len(s) && (hex && isHex(s[k]) || !hex && isDigit(s[k])) {
			k++
		}
		if k == d {
			return 0, "", false
		}
		digits := s[d:k]
		if k < len(s) && s[k] == ';' {
			k++
		}
		return k, charRefValue(digits, hex), true
	}
	// [^\t\n\f <&#;]{1,32};?
	k := j
	for n := 0; n < 32 && k < len(s); n++ {
		r, size := utf8.DecodeRuneInString(s[k:])
		if r == '\t' || r == '\n' || r == '\f' || r == ' ' || r == '<' || r == '&' || r == '#' || r == ';' {
			break
		}
		k += size
	}
	if k == j {
		return 0, "", false
	}
	if k < len(s) && s[k] == ';' {
		k++
	}
	// Go's html.UnescapeString applies the same rule to "&name": the exact
	// HTML5 name, else the longest legacy (no ';') name it starts with
	// followed by the rest, else nothing.
	return k, unescapeName(s[j:k]), true
}

// unescapeName is html.UnescapeString("&" + name), except for the two HTML5
// entities that Go's table leaves out because their values are longer than
// their names.
func unescapeName(name string) string {
	switch name {
	case "nLt;":
		return "\u226A\u20D2"
	case "nGt;":
		return "\u226B\u20D2"
	}
	return html.UnescapeString("&" + name)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// charRefValue is _replace_charref for a numeric reference.
func charRefValue(digits string, hex bool) string {
	base := uint64(10)
	if hex {
		base = 16
	}
	var num uint64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		var d uint64
		switch {
		case isDigit(c):
			d = uint64(c - '0')
		case c >= 'a':
			d = uint64(c-'a') + 10
		default:
			d = uint64(c-'A') + 10
		}
		num = num*base + d
		if num > 0x10FFFF {
			num = 0x110000 // saturate: only "too large" matters
		}
	}
	switch {
	case num == 0x00:
		return "\uFFFD"
	case num == 0x0D:
		return "\r"
	case num >= 0x80 && num <= 0x9F:
		return string(windows1252[num-0x80])
	case num >= 0xD800 && num <= 0xDFFF, num > 0x10FFFF:
		return "\uFFFD"
	case num >= 0x01 && num <= 0x08, num == 0x0B, num >= 0x0E && num <= 0x1F, num == 0x7F,
		num >= 0xFDD0 && num <= 0xFDEF, num&0xFFFE == 0xFFFE:
		return "" // _invalid_codepoints
	}
	return string(rune(num))
}

// ---------------------------------------------------------------------------
// Python's str.lower.

// pyLower is Python's str.lower: the full lower-case mapping (simple mapping
// except U+0130 → "i̇") and the Final_Sigma rule for U+03A3.
func pyLower(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range rs {
		switch r {
		case 0x0130:
			b.WriteString("i\u0307")
		case 0x03A3:
			if finalSigma(rs, i) {
				b.WriteRune(0x03C2)
			} else {
				b.WriteRune(0x03C3)
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma is CPython's handle_capital_sigma: Σ at rs[i] becomes ς when a
// cased letter precedes it and none follows it, case-ignorable characters
// being skipped both ways.
func finalSigma(rs []rune, i int) bool {
	j := i - 1
	for j >= 0 && isCaseIgnorable(rs[j]) {
		j--
	}
	if j < 0 || !isCased(rs[j]) {
		return false
	}
	j = i + 1
	for j < len(rs) && isCaseIgnorable(rs[j]) {
		j++
	}
	return j == len(rs) || !isCased(rs[j])
}

// isCased is the Unicode property Cased.
func isCased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

// isCaseIgnorable is the Unicode property Case_Ignorable: Mn, Me, Cf, Lm, Sk
// and Word_Break MidLetter, MidNumLet or Single_Quote.
func isCaseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', 0x00B7, 0x0387, 0x055F, 0x05F4, 0x2018, 0x2019, 0x2024, 0x2027,
		0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
