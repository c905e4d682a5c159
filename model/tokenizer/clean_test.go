package tokenizer

import (
	"fmt"
	"strings"
	"testing"
)

// TestFtfyExamples: the examples of ftfy 6.3's own documentation (docstrings
// of fix_text and of the fixers it applies), for the fixers reproduced here.
func TestFtfyExamples(t *testing.T) {
	fix := func(s string) string { return fixText(s, nil) }
	cases := []struct {
		name, in, want string
		f              func(string) string
	}{
		{"fix_text", "ＬＯＵＤ　ＮＯＩＳＥＳ", "LOUD NOISES", fix},
		{"fix_text", "HTML entities &lt;3", "HTML entities <3", fix},
		{"fix_text", "<em>HTML entities &lt;3</em>", "<em>HTML entities &lt;3</em>", fix},
		{"fix_text", "\ufeffParty like\nit&rsquo;s 1999!", "Party like\nit's 1999!", fix},
		{"fix_text", "&amp;amp;", "&", fix},
		{"unescape_html", "&lt;tag&gt;", "<tag>", ftfyUnescape},
		{"unescape_html", "&Jscr;ohn &HilbertSpace;ancock", "𝒥ohn ℋancock", ftfyUnescape},
		{"unescape_html", "&checkmark;", "✓", ftfyUnescape},
		{"unescape_html", "P&eacute;rez", "Pérez", ftfyUnescape},
		{"unescape_html", "P&EACUTE;REZ", "PÉREZ", ftfyUnescape},
		{"unescape_html", "BUNDESSTRA&SZLIG;E", "BUNDESSTRASSE", ftfyUnescape},
		{"unescape_html", "&ntilde; &Ntilde; &NTILDE; &nTILDE;", "ñ Ñ Ñ &nTILDE;", ftfyUnescape},
		{"remove_terminal_escapes", "\033[36;44mI'm blue, da ba dee da ba doo...\033[0m", "I'm blue, da ba dee da ba doo...", removeTerminalEscapes},
		{"uncurl_quotes", "\u201chere\u2019s a test\u201d", "\"here's a test\"", func(s string) string { return mapRunes(s, uncurlRune) }},
		{"fix_latin_ligatures", "ﬂuﬃeﬆ", "fluffiest", func(s string) string { return mapRunes(s, ligatureRune) }},
		{"fix_character_width", "ＬＯＵＤ　ＮＯＩＳＥＳ", "LOUD NOISES", func(s string) string { return mapRunes(s, widthRune) }},
		{"fix_character_width", "Ｕﾀｰﾝ", "Uターン", func(s string) string { return mapRunes(s, widthRune) }},
		{"fix_line_breaks", "This string is made of two things:\u20291. Unicode\u20282. Spite", "This string is made of two things:\n1. Unicode\n2. Spite", fixLineBreaks},
		{"fix_line_breaks", "Content-type: text/plain\r\n\r\nHi.", "Content-type: text/plain\n\nHi.", fixLineBreaks},
		{"fix_line_breaks", "This is how Microsoft \r trolls Mac users", "This is how Microsoft \n trolls Mac users", fixLineBreaks},
		{"fix_line_breaks", "What is this \x85 I don't even", "What is this \n I don't even", fixLineBreaks},
		{"remove_bom", "\ufeffWhere do you want to go today?", "Where do you want to go today?", func(s string) string { return mapRunes(s, controlRune) }},
	}
	for _, c := range cases {
		in := strings.ReplaceAll(c.in, "\x85", "\u0085")
		if got := c.f(in); got != c.want {
			t.Errorf("%s(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

// TestPyUnescape runs the cases of CPython's test_html.HTMLTest.test_unescape
// (Lib/test/test_html.py) against pyUnescape.
func TestPyUnescape(t *testing.T) {
	check := func(in, want string) {
		t.Helper()
		if got := pyUnescape(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
	checkNum := func(num uint64, want string) {
		t.Helper()
		for _, f := range []string{"&#%d", "&#%d;", "&#x%x", "&#x%x;"} {
			check(fmt.Sprintf(f, num), want)
		}
	}
	check("no character references", "no character references")
	check("&\n&\t& &&", "&\n&\t& &&")
	check("&0 &9 &a &0; &9; &a;", "&0 &9 &a &0; &9; &a;")
	for _, x := range []string{"&", "&#", "&#x", "&#X", "&#y", "&#xy", "&#Xy"} {
		check(x, x)
		check(x+";", x+";")
	}
	formats := []string{"&#%d", "&#%07d", "&#%d;", "&#%07d;", "&#x%x", "&#x%06x", "&#x%x;", "&#x%06x;",
		"&#x%X", "&#x%06X", "&#X%x;", "&#X%06x;"}
	for i, num := range []int{65, 97, 34, 38, 0x2603, 0x101234} {
		char := []string{"A", "a", "\"", "&", "\u2603", "\U00101234"}[i]
		for _, f := range formats {
			check(fmt.Sprintf(f, num), char)
			for _, end := range []string{" ", "X"} {
				check(fmt.Sprintf(f+end, num), char+end)
			}
		}
	}
	for _, cp := range []uint64{0xD800, 0xDB00, 0xDC00, 0xDFFF, 0x110000} {
		checkNum(cp, "\uFFFD")
	}
	for _, cp := range []uint64{0x1, 0xb, 0xe, 0x7f, 0xfffe, 0xffff, 0x10fffe, 0x10ffff} {
		checkNum(cp, "")
	}
	for i, num := range []uint64{0x0d, 0x80, 0x95, 0x9d} {
		checkNum(num, []string{"\r", "\u20ac", "\u2022", "\u009d"}[i])
	}
	checkNum(0, "\uFFFD")
	checkNum(9, "\t")
	checkNum(1000000000000000000, "\uFFFD")
	for _, e := range []string{"&quot;;", "&#34;;", "&#x22;;", "&#X22;;"} {
		check(e, "\";")
	}
	for _, e := range []string{"&quot;quot;", "&#34;quot;", "&#x22;quot;", "&#X22;quot;"} {
		check(e, "\"quot;")
	}
	for _, e := range []string{"&quot", "&#34", "&#x22", "&#X22"} {
		check(strings.Repeat(e+";", 3), "\"\"\"")
	}
	for _, e := range []string{"&amp", "&amp;", "&AMP", "&AMP;"} {
		check(e, "&")
	}
	for _, e := range []string{"&Amp", "&Amp;"} {
		check(e, e)
	}
	check("&svadilfari;", "&svadilfari;")
	check("&notit", "¬it")
	check("&notit;", "¬it;")
	check("&notin", "¬in")
	check("&notin;", "∉")
	check("&notReallyAnExistingNamedCharacterReference;", "¬ReallyAnExistingNamedCharacterReference;")
	check("&CounterClockwiseContourIntegral;", "\u2233")
	check("&acE;", "\u223E\u0333")
	check("&acE", "&acE")
	check(strings.Repeat("&#123; ", 1050), strings.Repeat("{ ", 1050))
	check("&Eacuteric&Eacute;ric&alphacentauri&alpha;centauri", "ÉricÉric&alphacentauriαcentauri")
	check("&co;", "&co;")
	// Not in CPython's test: the two entities Go's table lacks.
	check("&nLt; &nGt;", "\u226A\u20D2 \u226B\u20D2")
}

// TestCleanWhitespace: CLIP's strip and \s+ collapse, on the characters that
// Python's str.isspace and the regex module's \s accept.
func TestCleanWhitespace(t *testing.T) {
	tk := &Tokenizer{}
	// (U+0085 is absent: ftfy's fix_c1_controls turns it into "…" before
	// fix_line_breaks would make it a newline.)
	in := "\t\n\v\f\r \u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000 a \t b\u00a0\u00a0c \n"
	if got := tk.Clean(in); got != "a b c" {
		t.Errorf("Clean = %q", got)
	}
	// U+200B ZERO WIDTH SPACE is not whitespace for Python.
	if got := tk.Clean("a\u200bb"); got != "a\u200bb" {
		t.Errorf("Clean(ZWSP) = %q", got)
	}
}
