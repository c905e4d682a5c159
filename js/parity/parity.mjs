#!/usr/bin/env node
// clipad parity harness, onnxruntime side: runs the ONNX graphs written by
// model/onnx/clipgraph with onnxruntime-node on the exact inputs a Go
// engine dump holds, and compares every output tensor present in both.
//
// Usage (from the repository root):
//   node js/parity/parity.mjs --onnx DIR --dump native=DUMP1 [--dump wasm=DUMP2 ...]
//        [--tol 1e-4] [--label NAME] [--expect CLASSES|NAMES|none]
//        [--opt all|extended|basic|disabled] [--threads N] [--json FILE]
//   node js/parity/parity.mjs --onnx DIR --write-ref OUT [--inputs DUMP] [--seed N] [--texts N]
//
//   --onnx DIR     directory with vision.onnx and/or text.onnx (alias --models)
//   --dump L=DIR   a Go dump (index.json + .bin); L labels its column. The dump
//                  holds the inputs the engine used — image_input float32
//                  [1,3,S,S] and/or tokens int32 [N,77] — and its outputs.
//   --tol T        fail when any tensor's relative error exceeds T (default 1e-4)
//   --expect X     comma list of classes or tensor names that must be present
//                  (default: block, original, surgery, features, image_embed
//                  when the dump has image_input; text_embed when it has tokens)
//   --opt LEVEL    onnxruntime graph optimisation level (default all)
//   --write-ref D  save ORT outputs, with their inputs, in the dump format; the
//                  inputs come from --inputs DUMP, else the first --dump, else
//                  are synthesized (--seed, --texts)
//   --json FILE    also write the results as JSON
//
// Relative error of a tensor = max|go − ort| / max|ort| over all its elements.
// Exit status: 0 = all within tolerance; 1 = a tensor over tolerance, a
// missing/mis-shaped expected tensor, or an error.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ort, readDump, writeDump, session, runSession, imageFeed, tokensFeed, relErr, sameShape, classOf,
  CLASSES, EXPECTED_VISION, EXPECTED_TEXT, synthImage, synthTokens, OPT_LEVELS,
} from './lib.mjs';

function usage(msg) {
  if (msg) console.error(`parity: ${msg}`);
  console.error('usage: node js/parity/parity.mjs --onnx DIR (--dump LABEL=DIR ... | --write-ref DIR) [--tol 1e-4] [--label NAME] [--expect LIST] [--opt all] [--threads N] [--json FILE]');
  process.exit(2);
}

function parseArgs(argv) {
  const a = { dumps: [], tol: 1e-4, opt: 'all', threads: 0, seed: 1, texts: 3, label: '' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${k} needs a value`);
      return argv[++i];
    };
    switch (k) {
      case '--onnx': case '--models': a.onnx = val(); break;
      case '--dump': {
        const v = val();
        const eq = v.indexOf('=');
        const [label, dir] = eq > 0 ? [v.slice(0, eq), v.slice(eq + 1)] : [`dump${a.dumps.length + 1}`, v];
        a.dumps.push({ label, dir });
        break;
      }
      case '--tol': a.tol = Number(val()); if (!(a.tol >= 0)) usage('--tol must be a non-negative number'); break;
      case '--label': a.label = val(); break;
      case '--expect': a.expect = val(); break;
      case '--opt': a.opt = val(); if (!OPT_LEVELS.includes(a.opt)) usage(`--opt must be one of ${OPT_LEVELS}`); break;
      case '--threads': a.threads = Number(val()); break;
      case '--write-ref': a.writeRef = val(); break;
      case '--inputs': a.inputs = val(); break;
      case '--seed': a.seed = Number(val()); break;
      case '--texts': a.texts = Number(val()); break;
      case '--json': a.json = val(); break;
      case '-h': case '--help': usage();
      default: usage(`unknown argument ${k}`);
    }
  }
  if (!a.onnx) usage('--onnx DIR is required');
  if (!a.dumps.length && !a.writeRef) usage('give at least one --dump or --write-ref');
  return a;
}

// Engine wraps the two sessions and caches runs per input content.
class Engine {
  constructor(args) {
    this.args = args;
    this.cache = new Map();
  }

  async open() {
    const { onnx, opt, threads } = this.args;
    const vp = join(onnx, 'vision.onnx');
    const tp = join(onnx, 'text.onnx');
    if (existsSync(vp)) this.vision = await session(vp, { opt, threads });
    if (existsSync(tp)) this.text = await session(tp, { opt, threads });
    if (!this.vision && !this.text) throw new Error(`${onnx}: neither vision.onnx nor text.onnx found`);
    this.imageSize = this.vision ? fixedDim(this.vision, 'image', 3) : null;
    this.context = this.text ? fixedDim(this.text, 'tokens', 1) : null;
  }

  // run returns Map name → tensor with the ORT outputs for the given inputs.
  async run(inputs) {
    const out = new Map();
    const img = inputs.get('image_input');
    const tok = inputs.get('tokens');
    if (img) {
      if (!this.vision) throw new Error('the dump has image_input but there is no vision.onnx');
      for (const [k, v] of await this.cached('v', img, () => runSession(this.vision, { image: imageFeed(img, this.imageSize) }))) out.set(k, v);
    }
    if (tok) {
      if (!this.text) throw new Error('the dump has tokens but there is no text.onnx');
      for (const [k, v] of await this.cached('t', tok, () => runSession(this.text, { tokens: tokensFeed(tok, this.context) }))) out.set(k, v);
    }
    return out;
  }

  async cached(kind, t, fn) {
    const key = kind + t.shape.join(',') + ':' + Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64');
    if (!this.cache.has(key)) this.cache.set(key, await fn());
    return this.cache.get(key);
  }
}

function fixedDim(sess, name, axis) {
  const md = sess.inputMetadata?.find?.((m) => m.name === name);
  const d = md?.shape?.[axis];
  return typeof d === 'number' && d > 0 ? d : null;
}

function expectedFor(dump, expectArg, ortOut) {
  const names = [...ortOut.keys()];
  if (expectArg === 'none') return [];
  let want;
  if (expectArg) want = expectArg.split(',').map((s) => s.trim()).filter(Boolean);
  else {
    want = [];
    if (dump.has('image_input')) want.push(...EXPECTED_VISION);
    if (dump.has('tokens')) want.push(...EXPECTED_TEXT);
  }
  const out = [];
  for (const w of want) {
    const m = names.filter((n) => n === w || classOf(n) === w);
    if (!m.length) throw new Error(`--expect ${w}: onnxruntime produces no such tensor (outputs: ${names.join(', ')})`);
    out.push(...m);
  }
  return [...new Set(out)];
}

function compare(label, dump, ortOut, expected, tol) {
  const res = { label, tensors: {}, classes: {}, failures: [], skipped: [] };
  for (const name of expected) {
    if (!dump.has(name)) res.failures.push(`${label}: expected tensor ${name} is missing from the dump`);
  }
  for (const [name, ref] of ortOut) {
    const go = dump.get(name);
    if (!go) continue;
    if (go.dtype !== 'float32') {
      res.failures.push(`${label}: ${name} has dtype ${go.dtype}, expected float32`);
      continue;
    }
    if (!sameShape(go.shape, ref.shape)) {
      res.failures.push(`${label}: ${name} has shape [${go.shape}], onnxruntime gives [${ref.shape}]`);
      continue;
    }
    const e = relErr(go.data, ref.data);
    res.tensors[name] = e;
    const c = classOf(name);
    const prev = res.classes[c];
    if (!prev) res.classes[c] = { err: e, worst: name, n: 1 };
    else {
      prev.n++;
      if (e > prev.err) Object.assign(prev, { err: e, worst: name });
    }
    if (!(e <= tol)) res.failures.push(`${label}: ${name}: relative error ${fmt(e)} > tolerance ${tol}`);
  }
  for (const name of dump.keys()) {
    if (!ortOut.has(name) && name !== 'image_input' && name !== 'tokens') res.skipped.push(name);
  }
  return res;
}

const fmt = (e) => (e === Infinity ? 'inf (non-finite or size mismatch)' : e.toExponential(2));

function printTable(results, args) {
  const head = `clipad parity${args.label ? ` (${args.label})` : ''}: Go engine vs onnxruntime-node ${ort.env.versions?.node ?? ''} (graph optimisation: ${args.opt})`;
  console.log(head);
  console.log('relative error of a tensor = max|go - ort| / max|ort| over all its elements; each cell is the worst tensor of the class');
  console.log(`tolerance ${args.tol}; onnx graphs from ${args.onnx}`);
  const cols = results.map((r) => r.label);
  const w = 34;
  console.log('class'.padEnd(14) + cols.map((c) => c.padEnd(w)).join(''));
  for (const c of CLASSES) {
    if (!results.some((r) => r.classes[c])) continue;
    let line = c.padEnd(14);
    for (const r of results) {
      const x = r.classes[c];
      line += (x ? `${fmt(x.err)}  ${x.worst}${x.n > 1 ? ` (of ${x.n})` : ''}` : '-').padEnd(w);
    }
    console.log(line);
  }
  for (const r of results) {
    if (r.skipped.length) console.log(`${r.label}: not compared (no onnxruntime output of that name): ${r.skipped.join(', ')}`);
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const engine = new Engine(args);
  await engine.open();

  const dumps = args.dumps.map((d) => ({ ...d, ...readDump(d.dir) }));

  if (args.writeRef) {
    let inputs;
    if (args.inputs) inputs = readDump(args.inputs).tensors;
    else if (dumps.length) inputs = dumps[0].tensors;
    else {
      inputs = new Map();
      if (engine.vision) inputs.set('image_input', synthImage(engine.imageSize, 1, args.seed));
      if (engine.text) inputs.set('tokens', synthTokens(engine.context, args.texts, args.seed + 1));
    }
    const sel = new Map([...inputs].filter(([k]) => k === 'image_input' || k === 'tokens'));
    if (!sel.size) throw new Error('--write-ref: the inputs have neither image_input nor tokens');
    const out = await engine.run(sel);
    writeDump(args.writeRef, [...sel, ...out], {
      source: `onnxruntime-node ${ort.env.versions?.node ?? ''}`,
      graph_optimization: args.opt,
      onnx_dir: args.onnx,
    });
    console.log(`wrote ${sel.size} inputs and ${out.size} onnxruntime outputs to ${args.writeRef}`);
  }

  if (!dumps.length) return 0;
  const results = [];
  for (const d of dumps) {
    const inputs = new Map([...d.tensors].filter(([k]) => k === 'image_input' || k === 'tokens'));
    if (!inputs.size) {
      results.push({ label: d.label, tensors: {}, classes: {}, skipped: [], failures: [`${d.label}: dump ${d.dir} has neither image_input nor tokens`] });
      continue;
    }
    const ortOut = await engine.run(inputs);
    const expected = expectedFor(d.tensors, args.expect, ortOut);
    results.push(compare(d.label, d.tensors, ortOut, expected, args.tol));
  }
  printTable(results, args);
  const failures = results.flatMap((r) => r.failures);
  if (args.json) {
    writeFileSync(args.json, JSON.stringify({
      label: args.label, tol: args.tol, opt: args.opt, onnxruntime: ort.env.versions?.node,
      metric: 'max|go-ort| / max|ort| per tensor',
      results: results.map((r) => ({ label: r.label, classes: r.classes, tensors: r.tensors, failures: r.failures })),
      pass: failures.length === 0,
    }, (k, v) => (v === Infinity ? 'Infinity' : v), 1));
  }
  if (failures.length) {
    for (const f of failures) console.log(`FAIL ${f}`);
    console.log(`parity: FAIL (${failures.length} problem${failures.length > 1 ? 's' : ''})`);
    return 1;
  }
  console.log(`parity: PASS (every compared tensor within ${args.tol})`);
  return 0;
}

main().then((code) => process.exit(code), (e) => {
  console.error(`parity: error: ${e.message}`);
  process.exit(1);
});
