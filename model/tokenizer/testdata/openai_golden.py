#!/usr/bin/env python3
"""Writes golden_openai.json: token ids from OpenAI's own CLIP tokenizer.

Usage:
    python3 model/tokenizer/testdata/openai_golden.py PATH/TO/CLIP/clip/simple_tokenizer.py

The file named is OpenAI's clip/simple_tokenizer.py (github.com/openai/CLIP,
MIT licence; not part of this repository). It needs the `regex` module. It
also imports `ftfy`; where ftfy is not installed, a stand-in whose fix_text is
unicodedata.normalize("NFC", ...) is used, which is what ftfy.fix_text does to
the sentences below (none of them has anything else for ftfy to fix), and the
output records which one ran.

It first re-encodes the sentences of golden.json that ftfy leaves alone (HTML
entities included: html.unescape decodes them either way) and fails unless
OpenAI's ids equal the Hugging Face reference's there. It then writes the ids
of cases the Hugging Face reference cannot stand in for, because they
exercise Python itself: str.lower (Final_Sigma, U+0130), the regex module's
IGNORECASE (U+017F, U+0345) and html.unescape's edge cases.
"""
import importlib.util
import json
import os
import sys
import types
import unicodedata

here = os.path.dirname(os.path.abspath(__file__))

try:
    import ftfy  # noqa: F401
    ftfy_used = "ftfy " + getattr(ftfy, "__version__", "?")
except ImportError:
    shim = types.ModuleType("ftfy")
    shim.fix_text = lambda text: unicodedata.normalize("NFC", text)
    sys.modules["ftfy"] = shim
    ftfy_used = "stand-in: unicodedata.normalize('NFC')"

spec = importlib.util.spec_from_file_location("simple_tokenizer", sys.argv[1])
st = importlib.util.module_from_spec(spec)
spec.loader.exec_module(st)
bpe = os.path.join(here, "..", "..", "..", "..", "shared", "data", "clip", "bpe_simple_vocab_16e6.txt.gz")
tok = st.SimpleTokenizer(os.path.normpath(bpe))

golden = json.load(open(os.path.join(here, "golden.json"), encoding="utf-8"))
confirmed = 0
for c in golden["cases"]:
    why = c.get("why", "")
    # Cases without cleaning, and entity cases that html.unescape alone
    # decodes the same way as ftfy + html.unescape.
    if not why or why in ("html.unescape", "html.unescape twice", "ftfy unescape_html / html.unescape",
                          "ftfy unescape_html / html.unescape (legacy &copy without ;)",
                          'ftfy leaves entities in text with "<"; html.unescape decodes them'):
        got = tok.encode(c["text"])
        if got != c["ids"]:
            sys.exit(f"golden.json disagrees with OpenAI on {c['text']!r}: {c['ids']} vs {got}")
        confirmed += 1

texts = [
    "ΟΔΟΣ ΣΟΦΙΑΣ",                          # Final_Sigma
    "ΑΣ.Α ΑΣ. ΑΣ' ΑΣΑ Σ ΑΣ\u0301",         # case-ignorable characters around Σ
    "'ſ it'ſ <|ſtartoftext|> <|endoftext|>",  # ſ matches 's' under IGNORECASE
    "a\u0345b \u0345 !\u0345!",              # U+0345 matches no alternative
    "İstanbul DİŞ",                          # U+0130 lowers to i + U+0307
    "K\u212a kelvin ß ẞ",
    "&copy=3 &amp-x &ampx; &notit; &#128; &#1;x &#x110000; &#65 &#0; &#xD800; &#xFFFE; &#13; &#99999999999;",
    "A&AMP;B &Amp; &AMP; &#x41;&#x;&#;",
    "\u00ad soft\u00adhyphen",
    "a\u2028b\u2029c d\u00a0e\u1680f\u202fg",
    "x" * 300,
    "\U0001F1EF\U0001F1F5" * 10,
]

cases = [{"text": t, "ids": tok.encode(t)} for t in texts]
header = {
    "about": "CLIP token ids (without SOT/EOT) from OpenAI's clip/simple_tokenizer.py; see openai_golden.py",
    "ftfy": ftfy_used,
    "python": sys.version.split()[0],
    "unicodedata": unicodedata.unidata_version,
    "regex": __import__("regex").__version__,
    "golden_json_cases_confirmed": confirmed,
}
with open(os.path.join(here, "golden_openai.json"), "w", encoding="utf-8") as f:
    f.write(json.dumps(header, indent=2)[:-2] + ',\n  "cases": [\n')
    f.write(",\n".join("    " + json.dumps(c) for c in cases))
    f.write("\n  ]\n}\n")
print(f"golden.json: {confirmed} cases confirmed; golden_openai.json: {len(cases)} cases ({ftfy_used})")
