#!/usr/bin/env node
// Writes model/tokenizer/testdata/golden.json: CLIP token ids for a set of
// sentences (the CLIP-AD prompt ensemble, punctuation, numbers, contractions,
// HTML entities, accented and non-Latin text, emoji, odd whitespace, an
// over-long sentence, the empty string), computed by an implementation that
// is independent of the Go code: Hugging Face `tokenizers` (the Rust library
// behind transformers' CLIPTokenizerFast, through its Node bindings),
// configured as the Hugging Face CLIP tokenizer from the shared vocab.json and
// merges.txt. When @huggingface/tokenizers (the pure JS tokenizers.js) is
// installed too, every sentence is cross-checked with it and any difference
// is an error.
//
// The configuration is the tokenizer.json that transformers' CLIPConverter
// writes for openai/clip-vit-*:
//   normalizer    NFC, Replace(\s+ → " "), Lowercase
//   pre_tokenizer Split(CLIP regex, behavior Removed, invert) then
//                 ByteLevel(add_prefix_space=false, use_regex=false; the
//                 converter leaves use_regex at true, which gives the same
//                 ids here: GPT-2's regex splits none of the Split's pieces)
//   model         BPE(vocab.json, merges.txt, end_of_word_suffix "</w>",
//                 continuing_subword_prefix "", unk "<|endoftext|>")
//   added tokens  <|startoftext|> 49406, <|endoftext|> 49407 (special)
//   post          RobertaProcessing(cls <|startoftext|>, sep <|endoftext|>)
//
// This pipeline does not do what CLIP's basic_clean does besides NFC: no
// ftfy fixes and no html.unescape, and its Lowercase has no Final_Sigma
// rule. For sentences that exercise those, the reference is fed `ref_input`,
// the text as CLIP's cleaning leaves it (written out by hand below, with the
// reason in `why`); the Go test feeds `text`. A case marked `nfc` needs NFC
// normalisation, which the Go package only does with a normaliser plugged in.
//
// Run (from the repository root, after `npm ci` in js/):
//   node js/tools/tokenizer-golden.mjs [--vocab-dir DIR] [--out FILE]
// Packages: tokenizers@0.23.2 (required), @huggingface/tokenizers@0.2.0
// (optional cross-check). They are looked up from js/ first, then from the
// current directory.

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const vocabDir = path.resolve(arg('--vocab-dir', path.join(repo, '..', 'shared', 'data', 'clip', 'hf_tokenizer')));
const outFile = path.resolve(arg('--out', path.join(repo, 'model', 'tokenizer', 'testdata', 'golden.json')));

function load(name) {
  for (const base of [path.join(repo, 'js', 'package.json'), path.join(process.cwd(), 'package.json')]) {
    try {
      const req = createRequire(base);
      const mod = req(name);
      // The package's own package.json, found above its entry point (it may
      // not be exported).
      let dir = path.dirname(req.resolve(name));
      for (;;) {
        try {
          const pj = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
          if (pj.name === name) return { mod, version: pj.version };
        } catch (e) {
          if (e.code !== 'ENOENT') throw e;
        }
        const up = path.dirname(dir);
        if (up === dir) return { mod, version: 'unknown' };
        dir = up;
      }
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  return null;
}

const rust = load('tokenizers');
if (!rust) {
  console.error('tokenizer-golden: npm package "tokenizers" not found (npm install tokenizers@0.23.2)');
  process.exit(2);
}
const tjs = load('@huggingface/tokenizers');

// ---- the Hugging Face CLIP tokenizer.json --------------------------------
const vocabBytes = readFileSync(path.join(vocabDir, 'vocab.json'));
const mergesBytes = readFileSync(path.join(vocabDir, 'merges.txt'));
const vocab = JSON.parse(vocabBytes.toString('utf8'));
const merges = mergesBytes.toString('utf8').split('\n').filter((l, i) => l !== '' && !(i === 0 && l.startsWith('#version')));
const SOT = vocab['<|startoftext|>'];
const EOT = vocab['<|endoftext|>'];
if (Object.keys(vocab).length !== 49408 || merges.length !== 48894 || SOT !== 49406 || EOT !== 49407) {
  throw new Error(`unexpected vocabulary: ${Object.keys(vocab).length} tokens, ${merges.length} merges, SOT ${SOT}, EOT ${EOT}`);
}
const special = (content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true });
const tokenizerJSON = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [special('<|startoftext|>', SOT), special('<|endoftext|>', EOT)],
  normalizer: {
    type: 'Sequence',
    normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
  },
  pre_tokenizer: {
    type: 'Sequence',
    pretokenizers: [
      {
        type: 'Split',
        pattern: { Regex: "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" },
        behavior: 'Removed',
        invert: true,
      },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  },
  post_processor: {
    type: 'RobertaProcessing',
    sep: ['<|endoftext|>', EOT],
    cls: ['<|startoftext|>', SOT],
    trim_offsets: false,
    add_prefix_space: false,
  },
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: {
    type: 'BPE',
    dropout: null,
    unk_token: '<|endoftext|>',
    continuing_subword_prefix: '',
    end_of_word_suffix: '</w>',
    fuse_unk: false,
    byte_fallback: false,
    vocab,
    merges,
  },
};
const tokenizerConfig = {
  tokenizer_class: 'CLIPTokenizer',
  bos_token: '<|startoftext|>',
  eos_token: '<|endoftext|>',
  unk_token: '<|endoftext|>',
  pad_token: '<|endoftext|>',
  model_max_length: 77,
  do_lower_case: true,
};

const ref = rust.mod.Tokenizer.fromString(JSON.stringify(tokenizerJSON));
const ref77 = rust.mod.Tokenizer.fromString(JSON.stringify(tokenizerJSON));
ref77.setTruncation(77);
ref77.setPadding({ maxLength: 77, padId: 0, padToken: '!' });
const cross = tjs ? new tjs.mod.Tokenizer(tokenizerJSON, tokenizerConfig) : null;

// ---- sentences ------------------------------------------------------------
// CLIP-AD prompt ensemble (spec §2.1).
const normal = ['flawless {}', 'perfect {}', 'unblemished {}', '{} without flaw', '{} without defect',
  '{} without damage', '{} without scratch', '{} without crack', '{} without contamination'];
const abnormal = ['damaged {}', 'imperfect {}', 'blemished {}', 'broken {}', '{} with flaw', '{} with defect',
  '{} with damage', '{} with scratch', '{} with crack', '{} with contamination'];
const templates = ['a cropped photo of the {}.', 'a cropped photo of a {}.', 'a close-up photo of a {}.',
  'a close-up photo of the {}.', 'a bright photo of a {}.', 'a bright photo of the {}.', 'a dark photo of the {}.',
  'a dark photo of a {}.', 'a jpeg corrupted photo of a {}.', 'a jpeg corrupted photo of the {}.',
  'a blurry photo of the {}.', 'a blurry photo of a {}.', 'a photo of the {}.', 'a photo of a {}.',
  'a photo of a large {}.', 'a photo of the small {}.', 'a photo of the large {}.', 'a photo of a small {}.',
  'a photo of the {} for visual inspection.', 'a photo of a {} for visual inspection.',
  'a photo of the {} for anomaly detection.', 'a photo of a {} for anomaly detection.'];
// Categories named in the brief get about a quarter of the templates for every
// state; the other dataset categories one template per state.
const mainCats = ['metal_nut', 'pipe_fryum', 'macaroni1', 'pcb3', 'chewinggum', 'brain ct', 'head ct'];
const otherCats = ['bottle', 'cable', 'capsule', 'carpet', 'grid', 'hazelnut', 'leather', 'pill', 'screw', 'tile',
  'toothbrush', 'transistor', 'wood', 'zipper', 'candle', 'capsules', 'cashew', 'fryum', 'macaroni2', 'pcb1',
  'pcb2', 'pcb4', 'skin', 'colon'];
const states = [...normal, ...abnormal];
const fill = (t, x) => t.replace('{}', x);
const prompts = [];
[...mainCats, ...otherCats].forEach((cat, c) => {
  const every = c < mainCats.length ? 4 : 22;
  states.forEach((st, s) => {
    templates.forEach((tp, t) => {
      if ((c + s + t) % every === 0) prompts.push(fill(tp, fill(st, cat)));
    });
  });
});

const longText = 'a photo of the metal_nut with a long scratch, ' +
  'taken under bright light on a conveyor belt in a factory for visual inspection and anomaly detection; '.repeat(4) +
  'the end.';

// Sentences outside the prompt ensemble: [text, ref_input?, why?, nfc?]
const extra = [
  ['a photo of a cat.'],
  [''],
  ['   \t\n  '],
  ['A PHOTO OF A METAL_NUT WITH SCRATCH.'],
  ['A Close-Up Photo Of The PCB4.'],
  ['pcb4 2024 3.14159 1,000,000 #42 100% $9.99 v2.0'],
  ['0123456789 ½ ² ³ Ⅻ ①'],
  ["it's don't we're they've i'm you'll he'd"],
  ["IT'S DON'T WE'RE THEY'VE I'M YOU'LL HE'D"],
  ["rock'n'roll ''double'' 'single' o'clock 'l 'x"],
  ['Hello, world!!! ...what?!? (yes) [no] {maybe} @user #hashtag ~tilde^ `back` |pipe| \\slash/ * + = - _ : ; " <>'],
  ['e-mail: test@example.com; url: https://example.com/path?q=1'],
  ['--- ### !!! ??? ... ,,, ;;; ::: /// ***'],
  ['café naïve Ünïcödé crème brûlée Straße ÀÉÎÕÜ'],
  ['日本語のテキスト 中文文本 한국어 텍스트'],
  ['Ελληνικά русский текст العربية עברית हिन्दी ไทย'],
  ['I ❤️ CLIP 🔥🔥 👍🏽 🇯🇵 🤖👀'],
  ['  extra   spaces\tand\ttabs\nand\nnewlines\r\n  '],
  ['\u00a0nbsp\u2003em\u2009thin\u3000ideographic\u205fmath '],
  ['zero\u200bwidth joiner\u200dword'],
  ['Hello—World… «quotes» ¿qué? ¡sí!'],
  ['a <|endoftext|> b <|startoftext|>c'],
  ['metal_nut pipe_fryum macaroni1 macaroni2 pcb1 pcb2 pcb3 pcb4 chewinggum cashew capsules candle fryum'],
  ['brain ct head ct skin colon'],
  [longText],
  ['a photo of '.repeat(40).trim()],
  // HTML entities: CLIP unescapes them (ftfy.fix_text, then html.unescape twice).
  ['fish &amp; chips', 'fish & chips', 'html.unescape'],
  ['&lt;b&gt;bold&lt;/b&gt;', '<b>bold</b>', 'ftfy unescape_html / html.unescape'],
  ['&amp;amp; double', '& double', 'html.unescape twice'],
  ['caf&eacute; &#233; &#xE9; &copy 2024', 'café é é © 2024', 'ftfy unescape_html / html.unescape (legacy &copy without ;)'],
  ['<p>x &amp; y</p>', '<p>x & y</p>', 'ftfy leaves entities in text with "<"; html.unescape decodes them'],
  ['&amp;amp;amp; triple', '& triple', 'ftfy unescape_html repeats until stable, then html.unescape twice'],
  ['P&EACUTE;REZ', 'PÉREZ', 'ftfy unescape_html decodes all-capitals names of lower-case entities'],
  // Other ftfy.fix_text fixes.
  ['“curly” ‘quotes’ it’s', '"curly" \'quotes\' it\'s', 'ftfy uncurl_quotes'],
  ['ﬁne ﬂower oﬀ', 'fine flower off', 'ftfy fix_latin_ligatures'],
  ['ＦＵＬＬＷＩＤＴＨ　ＰＣＢ４', 'FULLWIDTH PCB4', 'ftfy fix_character_width'],
  ['\u0000null\u0007bell\u007fdel', 'nullbelldel', 'ftfy remove_control_chars'],
  ['\ufeffbom text', 'bom text', 'ftfy remove_control_chars (BOM)'],
  ['\u001b[31mred\u001b[0m text', 'red text', 'ftfy remove_terminal_escapes'],
  ['\u0093quoted\u0094 a\u0085b', '"quoted" a…b', 'ftfy fix_c1_controls (Windows-1252), then uncurl_quotes'],
  // Python's str.lower applies Final_Sigma; the reference's Lowercase does not.
  ['ΟΔΟΣ ΣΟΦΙΑΣ', 'οδος σοφιας', 'Python str.lower Final_Sigma'],
  // NFC: ftfy.fix_text normalises; the Go package needs a normaliser for it.
  ['cafe\u0301 nai\u0308ve', undefined, 'ftfy NFC', true],
];

// ---- encode ---------------------------------------------------------------
const cases = [];
const seen = new Set();
for (const row of [...extra.map((e) => e), ...prompts.map((p) => [p])]) {
  const [text, refInput, why, nfc] = row;
  if (seen.has(text)) continue;
  seen.add(text);
  const input = refInput ?? text;
  const enc = await ref.encode(input, null, { addSpecialTokens: false });
  const ids = Array.from(enc.getIds());
  if (cross) {
    const other = cross.encode(input, { add_special_tokens: false }).ids;
    if (JSON.stringify(other) !== JSON.stringify(ids)) {
      throw new Error(`references disagree on ${JSON.stringify(input)}:\n tokenizers ${ids}\n tokenizers.js ${other}`);
    }
  }
  // open_clip.tokenize: [SOT]+ids+[EOT], cut to 77 with the last set to EOT,
  // zero padded; the reference's own truncation + padding must agree.
  let want = [SOT, ...ids, EOT];
  if (want.length > 77) want = [...want.slice(0, 76), EOT];
  while (want.length < 77) want.push(0);
  const got = Array.from((await ref77.encode(input)).getIds());
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`context-77 encoding of ${JSON.stringify(input)} differs from open_clip's rule:\n ${got}\n ${want}`);
  }
  const c = { text };
  if (refInput !== undefined) c.ref_input = refInput;
  if (why) c.why = why;
  if (nfc) c.nfc = true;
  c.ids = ids;
  if (ids.length + 2 > 77) c.context77 = got;
  cases.push(c);
}

const sha = (b) => createHash('sha256').update(b).digest('hex');
const header = {
  about: 'CLIP token ids (without SOT/EOT) from an independent implementation; see js/tools/tokenizer-golden.mjs',
  reference: `tokenizers@${rust.version} (Hugging Face tokenizers, Rust, Node bindings) configured as the HF CLIP tokenizer`,
  crosscheck: cross ? `@huggingface/tokenizers@${tjs.version} (tokenizers.js) gave the same ids for every case` : null,
  vocab_json_sha256: sha(vocabBytes),
  merges_txt_sha256: sha(mergesBytes),
  sot: SOT,
  eot: EOT,
  context: 77,
};
// One case per line keeps the file readable and its diffs small; invisible
// characters are written as \u escapes.
const visible = (s) =>
  s.replace(/[\u007f-\u00a0\u00ad\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]/g,
    (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
const body = cases.map((c) => '    ' + visible(JSON.stringify(c))).join(',\n');
const head = JSON.stringify(header, null, 2).replace(/\n}$/, ',\n  "cases": [\n');
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, head + body + '\n  ]\n}\n');
console.log(`tokenizer-golden: ${cases.length} cases (${prompts.length} prompts) -> ${path.relative(process.cwd(), outFile)}`);
console.log(`  reference tokenizers@${rust.version}` + (cross ? `, cross-checked with @huggingface/tokenizers@${tjs.version}` : ', no cross-check (tokenizers.js not installed)'));
