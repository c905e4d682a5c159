#!/usr/bin/env node
// Self-test of the onnxruntime side of the parity harness, before (and
// independently of) the Go engine:
//
//  1. the ONNX graphs of model/onnx/clipgraph decode with an independent
//     protobuf implementation (protobufjs + onnx.proto schema) and declare
//     the expected inputs, outputs, opset and initializers;
//  2. onnxruntime-node runs the vision (dual path and plain) and text graphs
//     on test configs, at graph optimisation levels "disabled" and "all";
//  3. the outputs agree with a float64 JavaScript reference written from
//     the spec (reference.mjs) and are internally consistent
//     (original_4 = block_L, image_embed = ln_post(block_L[cls])·proj,
//     features unit-norm, features_4[cls] = image_embed/‖image_embed‖,
//     features_k recomputed from original_k and surgery_k, batch rows
//     independent, plain = dual image_embed, text padding after EOT inert);
//  4. parity.mjs passes on its own reference dump, fails on a perturbed or
//     incomplete dump, and accepts shapes without the batch dimension.
//
// Usage (repository root):
//   node js/parity/selftest.mjs                 # builds test-tiny, test-small (+ manual LayerNorm) with `go run`
//   node js/parity/selftest.mjs --onnx DIR ...  # graphs already written (e.g. by the Go test)
//   [--threads N] [--keep DIR] [--quick]

import { mkdtempSync, rmSync, mkdirSync, cpSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  ort, repoRoot, readOnnx, configFromMeta, session, runSession, relErr, synthImage, synthTokens,
  readDump, writeDump,
} from './lib.mjs';
import { visionReference, textReference, layerNorm, matmul } from './reference.mjs';

const args = { dirs: [], threads: 2, keep: null, quick: false };
for (let i = 2; i < process.argv.length; i++) {
  const k = process.argv[i];
  if (k === '--onnx') args.dirs.push(process.argv[++i]);
  else if (k === '--threads') args.threads = Number(process.argv[++i]);
  else if (k === '--keep') args.keep = process.argv[++i];
  else if (k === '--quick') args.quick = true;
  else {
    console.error(`selftest: unknown argument ${k}`);
    process.exit(2);
  }
}

let failures = 0;
let checks = 0;
function check(ok, what) {
  checks++;
  if (ok) return true;
  failures++;
  console.log(`  FAIL ${what}`);
  return false;
}
function within(err, tol, what) {
  return check(err <= tol, `${what}: ${err.toExponential(2)} > ${tol}`) && err;
}

const work = args.keep ?? mkdtempSync(join(tmpdir(), 'clipad-parity-selftest-'));
mkdirSync(work, { recursive: true });

if (!args.dirs.length) {
  const variants = [['test-tiny', []], ['test-small', []], ['test-tiny', ['-manual-ln']]];
  for (const [cfg, extra] of variants) {
    const dir = join(work, cfg + (extra.length ? '-manual-ln' : ''));
    const r = spawnSync('go', ['run', './cmd/onnxgraphs', '-config', cfg, '-seed', '3', '-out', dir, ...extra], {
      cwd: repoRoot, encoding: 'utf8',
    });
    if (r.status !== 0) {
      console.error(`selftest: go run onnxgraphs failed (is Go installed?):\n${r.stderr || r.error}`);
      process.exit(1);
    }
    args.dirs.push(dir);
  }
}

const rowsOf = (data, n) => {
  const per = data.length / n;
  return Array.from({ length: n }, (_, i) => data.subarray(i * per, (i + 1) * per));
};

// Structural checks of a graph read with protobufjs.
function checkStructure(g, cfg, kind) {
  check(g.irVersion === 8, `${kind}: ir_version ${g.irVersion} != 8`);
  check(g.opset.some((o) => o.domain === '' && o.version === 17), `${kind}: opset 17 not imported`);
  const opTypes = new Set(g.nodes.map((n) => n.opType));
  check(!g.nodes.some((n) => n.domain), `${kind}: a node uses a non-standard domain`);
  const defined = new Set([...g.inputs.map((i) => i.name), ...g.init.keys()]);
  let topo = true;
  for (const n of g.nodes) {
    for (const i of n.input) if (i && !defined.has(i)) topo = false;
    for (const o of n.output) defined.add(o);
  }
  check(topo, `${kind}: nodes are not topologically sorted / use undefined tensors`);
  check(g.outputs.every((o) => defined.has(o.name)), `${kind}: an output is never produced`);
  return opTypes;
}

async function visionChecks(dir, opt) {
  const g = readOnnx(join(dir, 'vision.onnx'));
  const cfg = configFromMeta(g.meta);
  const v = cfg.vision;
  const G = v.imageSize / v.patch;
  const T = G * G + 1;
  const E = cfg.embedDim;
  const L = v.layers;
  const sl = L / 4;
  const tag = `${cfg.name}${g.meta['clipad.layernorm'] === 'manual' ? ' (manual LN)' : ''} vision [opt ${opt}]`;
  console.log(`${tag}: L=${L} W=${v.width} T=${T} E=${E} stage length ${sl}${cfg.quickGELU ? ' QuickGELU' : ' GELU'}`);

  if (opt === 'disabled') {
    const ops = checkStructure(g, cfg, 'vision');
    check(g.meta['clipad.graph'] === 'vision', 'vision: metadata clipad.graph');
    check(JSON.stringify(g.inputs) === JSON.stringify([{ name: 'image', elemType: 1, shape: ['N', 3, v.imageSize, v.imageSize] }]),
      `vision: input declaration ${JSON.stringify(g.inputs)}`);
    const want = [];
    for (let b = 1; b <= L; b++) want.push([`block_${b}`, ['N', T, v.width]]);
    for (const p of ['original', 'surgery']) for (let k = 1; k <= 4; k++) want.push([`${p}_${k}`, ['N', T, v.width]]);
    for (let k = 1; k <= 4; k++) want.push([`features_${k}`, ['N', T, E]]);
    want.push(['image_embed', ['N', E]]);
    check(JSON.stringify(g.outputs.map((o) => [o.name, o.shape])) === JSON.stringify(want), `vision: outputs ${g.outputs.map((o) => o.name)}`);
    const dims = (n) => JSON.stringify(g.init.get(n)?.dims);
    check(dims('visual.conv1.weight') === JSON.stringify([v.width, 3, v.patch, v.patch]), 'vision: conv1 initializer');
    check(dims('visual.proj') === JSON.stringify([v.width, E]), 'vision: proj initializer');
    for (let b = 0; b < L; b++) {
      check(dims(`visual.transformer.resblocks.${b}.attn.in_proj_weight`) === JSON.stringify([3 * v.width, v.width]), `vision: in_proj ${b}`);
      check(dims(`visual.transformer.resblocks.${b}.mlp.c_fc.weight`) === JSON.stringify([v.mlpWidth, v.width]), `vision: c_fc ${b}`);
    }
    check(ops.has(cfg.quickGELU ? 'Sigmoid' : 'Erf') && !ops.has(cfg.quickGELU ? 'Erf' : 'Sigmoid'), 'vision: activation op');
    check(ops.has('LayerNormalization') === (g.meta['clipad.layernorm'] !== 'manual'), 'vision: LayerNorm form');
  }

  const N = 2;
  const img = synthImage(v.imageSize, N, 11);
  const sess = await session(join(dir, 'vision.onnx'), { opt, threads: args.threads });
  const out = await runSession(sess, { image: new ort.Tensor('float32', img.data, img.shape) });
  for (const [name, t] of out) {
    const c = name.replace(/_\d+$/, '');
    const want = c === 'features' ? [N, T, E] : c === 'image_embed' ? [N, E] : [N, T, v.width];
    check(JSON.stringify(t.shape) === JSON.stringify(want), `${name} shape [${t.shape}] != [${want}]`);
  }

  // Reference (float64) per sample.
  const imgs = rowsOf(img.data, N);
  const refs = imgs.map((x) => visionReference(cfg, g.init, x));
  const worst = {};
  for (const [name, t] of out) {
    const rows = rowsOf(t.data, N);
    const e = Math.max(...rows.map((r, i) => relErr(r, refs[i].get(name))));
    const c = name.replace(/_\d+$/, '');
    worst[c] = Math.max(worst[c] ?? 0, e);
    within(e, 1e-4, `${name} vs float64 reference`);
  }
  console.log(`  vs float64 reference (max|ort-ref|/max|ref|): ${Object.entries(worst).map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ')}`);

  // Internal consistency.
  const blockL = out.get(`block_${L}`).data;
  check(relErr(out.get('original_4').data, blockL) === 0, 'original_4 == block_L');
  const W_ = (n) => g.init.get(n).data;
  const lnPost = (x, n) => layerNorm(x, n, v.width, W_('visual.ln_post.weight'), W_('visual.ln_post.bias'), cfg.lnEps);
  const ie = rowsOf(out.get('image_embed').data, N);
  let eEmbed = 0;
  let eCls = 0;
  let eNorm = 0;
  let eFeat = 0;
  for (let n = 0; n < N; n++) {
    const hL = rowsOf(blockL, N)[n];
    const emb = matmul(lnPost(hL.subarray(0, v.width), 1), 1, v.width, W_('visual.proj'), E);
    eEmbed = Math.max(eEmbed, relErr(ie[n], emb));
    const nrm = Math.hypot(...ie[n]);
    const f4 = rowsOf(out.get('features_4').data, N)[n];
    eCls = Math.max(eCls, relErr(f4.subarray(0, E), Array.from(ie[n], (x) => x / nrm)));
    for (let k = 1; k <= 4; k++) {
      const f = rowsOf(out.get(`features_${k}`).data, N)[n];
      for (let t = 0; t < T; t++) eNorm = Math.max(eNorm, Math.abs(Math.hypot(...f.subarray(t * E, (t + 1) * E)) - 1));
      const O = rowsOf(out.get(`original_${k}`).data, N)[n];
      const z = Float64Array.from(rowsOf(out.get(`surgery_${k}`).data, N)[n]);
      for (let d = 0; d < v.width; d++) z[d] = O[d];
      const p = matmul(lnPost(z, T), T, v.width, W_('visual.proj'), E);
      const pn = new Float64Array(p.length);
      for (let t = 0; t < T; t++) {
        const s = Math.hypot(...p.subarray(t * E, (t + 1) * E));
        for (let d = 0; d < E; d++) pn[t * E + d] = p[t * E + d] / s;
      }
      eFeat = Math.max(eFeat, relErr(f, pn));
    }
  }
  within(eEmbed, 1e-5, 'image_embed vs ln_post(block_L[cls])·proj');
  within(eCls, 1e-5, 'features_4[cls] vs image_embed/|image_embed|');
  within(eNorm, 1e-5, 'features rows unit norm');
  within(eFeat, 1e-5, 'features_k vs L2(ln_post([original_k cls; surgery_k patches])·proj)');
  console.log(`  consistency: image_embed ${eEmbed.toExponential(1)}, features_4 cls ${eCls.toExponential(1)}, |‖f‖-1| ${eNorm.toExponential(1)}, features from stage outputs ${eFeat.toExponential(1)}`);

  // Batch rows are independent: sample 1 alone equals row 1 of the batch.
  const one = await runSession(sess, { image: new ort.Tensor('float32', Float32Array.from(imgs[1]), [1, 3, v.imageSize, v.imageSize]) });
  let eBatch = 0;
  for (const [name, t] of one) eBatch = Math.max(eBatch, relErr(t.data, rowsOf(out.get(name).data, N)[1]));
  within(eBatch, 1e-5, 'batch row vs single-image run');

  // Plain tower gives the same image embedding.
  const plain = await session(join(dir, 'vision_plain.onnx'), { opt, threads: args.threads });
  check(JSON.stringify(plain.outputNames) === '["image_embed"]', `vision_plain outputs ${plain.outputNames}`);
  const pe = await runSession(plain, { image: new ort.Tensor('float32', img.data, img.shape) });
  within(relErr(pe.get('image_embed').data, out.get('image_embed').data), 1e-5, 'vision_plain image_embed vs dual');
  return cfg;
}

async function textChecks(dir, opt) {
  const g = readOnnx(join(dir, 'text.onnx'));
  const cfg = configFromMeta(g.meta);
  const C = cfg.text.context;
  const E = cfg.embedDim;
  const tag = `${cfg.name} text [opt ${opt}]`;
  if (opt === 'disabled') {
    checkStructure(g, cfg, 'text');
    check(JSON.stringify(g.inputs) === JSON.stringify([{ name: 'tokens', elemType: 7, shape: ['N', C] }]), `text: input ${JSON.stringify(g.inputs)}`);
    check(JSON.stringify(g.outputs.map((o) => [o.name, o.shape])) === JSON.stringify([['text_features', ['N', E]], ['text_embed', ['N', E]]]), 'text: outputs');
    check(JSON.stringify(g.init.get('token_embedding.weight')?.dims) === JSON.stringify([cfg.text.vocab, cfg.text.width]), 'text: token_embedding');
    const mask = g.init.get('text/causal_mask').data;
    check(mask[1] === -Infinity && mask[C] === 0 && mask[C * C - 1] === 0 && mask[C - 1] === -Infinity, 'text: causal mask');
  }
  const N = 4;
  const tok = synthTokens(C, N, 5, cfg.text.vocab);
  const feed = (t) => new ort.Tensor('int64', BigInt64Array.from(t.data, (x) => BigInt(x)), t.shape);
  const sess = await session(join(dir, 'text.onnx'), { opt, threads: args.threads });
  const out = await runSession(sess, { tokens: feed(tok) });
  check(JSON.stringify(out.get('text_embed').shape) === JSON.stringify([N, E]), 'text_embed shape');
  const rows = rowsOf(tok.data, N);
  let e = { text_features: 0, text_embed: 0 };
  for (let n = 0; n < N; n++) {
    const ref = textReference(cfg, g.init, rows[n]);
    for (const k of Object.keys(e)) e[k] = Math.max(e[k], relErr(rowsOf(out.get(k).data, N)[n], ref.get(k)));
  }
  within(e.text_features, 1e-4, 'text_features vs float64 reference');
  within(e.text_embed, 1e-4, 'text_embed vs float64 reference');
  let eNorm = 0;
  for (const r of rowsOf(out.get('text_embed').data, N)) eNorm = Math.max(eNorm, Math.abs(Math.hypot(...r) - 1));
  within(eNorm, 1e-5, 'text_embed unit norm');
  // Tokens after EOT cannot change anything (causal mask, EOT = max id).
  const junk = { ...tok, data: Int32Array.from(tok.data) };
  for (let n = 0; n < N - 1; n++) {
    const row = junk.data.subarray(n * C, (n + 1) * C);
    const eot = row.indexOf(cfg.text.vocab - 1);
    for (let j = eot + 1; j < C; j++) row[j] = 1 + ((j * 7919) % (cfg.text.vocab - 2));
  }
  const out2 = await runSession(sess, { tokens: feed(junk) });
  within(relErr(out2.get('text_embed').data, out.get('text_embed').data), 1e-6, 'text: tokens after EOT change the embedding');
  console.log(`${tag}: vs float64 reference text_features ${e.text_features.toExponential(1)}, text_embed ${e.text_embed.toExponential(1)}; |‖e‖-1| ${eNorm.toExponential(1)}`);
}

function parity(argv) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'js/parity/parity.mjs'), ...argv], { encoding: 'utf8' });
  return { code: r.status, out: (r.stdout ?? '') + (r.stderr ?? '') };
}

function harnessChecks(dir) {
  console.log(`harness: parity.mjs on ${dir}`);
  const ref = join(work, 'ref-' + dir.split('/').pop());
  const th = ['--threads', String(args.threads)];
  let r = parity(['--onnx', dir, '--write-ref', ref, ...th]);
  if (!check(r.code === 0, `--write-ref failed: ${r.out}`)) return;
  const d = readDump(ref);
  check(d.tensors.has('image_input') && d.tensors.has('tokens') && d.tensors.get('tokens').dtype === 'int32', 'ref dump has inputs');
  const js = join(work, 'parity.json');
  r = parity(['--onnx', dir, '--dump', `self=${ref}`, '--dump', `again=${ref}`, '--label', 'selftest', '--json', js, ...th]);
  check(r.code === 0 && /parity: PASS/.test(r.out) && /max\|go - ort\| \/ max\|ort\|/.test(r.out), `own reference does not pass:\n${r.out}`);
  check(/features\s+0\.00e\+0/.test(r.out), `table lacks a zero-error features row:\n${r.out}`);
  const summary = JSON.parse(readFileSync(js, 'utf8'));
  check(summary.pass === true && summary.results.length === 2 && summary.results[0].classes.features.err === 0, '--json summary');
  // --inputs: a second reference from the same inputs is identical.
  const ref2 = join(work, 'ref2');
  r = parity(['--onnx', dir, '--write-ref', ref2, '--inputs', ref, ...th]);
  check(r.code === 0 && readDump(ref2).tensors.get('image_embed').data.every((x, i) => x === readDump(ref).tensors.get('image_embed').data[i]), '--write-ref --inputs');

  // A perturbed tensor fails and is named.
  const bad = join(work, 'bad');
  rmSync(bad, { recursive: true, force: true });
  cpSync(ref, bad, { recursive: true });
  const f2 = readDump(bad).tensors;
  const t = f2.get('features_2');
  t.data[5] += 1e-2 * Math.max(...t.data.map(Math.abs));
  writeDump(bad, f2);
  r = parity(['--onnx', dir, '--dump', `bad=${bad}`, ...th]);
  check(r.code === 1 && /FAIL bad: features_2: relative error 1\.00e-2/.test(r.out), `perturbed dump not caught:\n${r.out}`);
  // Loose tolerance lets it pass.
  r = parity(['--onnx', dir, '--dump', `bad=${bad}`, '--tol', '0.05', ...th]);
  check(r.code === 0, `--tol 0.05 should pass:\n${r.out}`);

  // A missing expected tensor fails.
  const miss = join(work, 'missing');
  rmSync(miss, { recursive: true, force: true });
  const m = readDump(ref).tensors;
  m.delete('surgery_3');
  writeDump(miss, m);
  r = parity(['--onnx', dir, '--dump', `miss=${miss}`, ...th]);
  check(r.code === 1 && /surgery_3 is missing/.test(r.out), `missing tensor not caught:\n${r.out}`);
  r = parity(['--onnx', dir, '--dump', `miss=${miss}`, '--expect', 'features,image_embed,text_embed', ...th]);
  check(r.code === 0, `--expect subset should pass:\n${r.out}`);

  // Go-style dump: only the engine's tensors, shapes without batch dim where it is 1.
  const go = join(work, 'gostyle');
  rmSync(go, { recursive: true, force: true });
  const gsrc = readDump(ref).tensors;
  const gout = new Map();
  for (const [k, v] of gsrc) gout.set(k, k === 'image_input' || k === 'tokens' ? v : { ...v, shape: v.shape[0] === 1 ? v.shape.slice(1) : v.shape });
  gout.delete('text_features');
  writeDump(go, gout);
  r = parity(['--onnx', dir, '--dump', `go=${go}`, ...th]);
  check(r.code === 0, `batch-less shapes should pass:\n${r.out}`);

  // Wrong shape fails.
  const ws = join(work, 'wrongshape');
  rmSync(ws, { recursive: true, force: true });
  const w = readDump(ref).tensors;
  const b1 = w.get('block_1');
  w.set('block_1', { ...b1, shape: [b1.shape[0], b1.shape[2], b1.shape[1]] });
  writeDump(ws, w);
  r = parity(['--onnx', dir, '--dump', `ws=${ws}`, ...th]);
  check(r.code === 1 && /block_1 has shape/.test(r.out), `wrong shape not caught:\n${r.out}`);

  // NaN in the engine output fails.
  const nan = join(work, 'nan');
  rmSync(nan, { recursive: true, force: true });
  const nn = readDump(ref).tensors;
  nn.get('text_embed').data[0] = NaN;
  writeDump(nan, nn);
  r = parity(['--onnx', dir, '--dump', `nan=${nan}`, ...th]);
  check(r.code === 1 && /text_embed: relative error inf/.test(r.out), `NaN not caught:\n${r.out}`);
}

const t0 = Date.now();
let first = true;
for (const dir of args.dirs) {
  for (const opt of args.quick ? ['all'] : ['disabled', 'all']) {
    await visionChecks(dir, opt);
    await textChecks(dir, opt);
  }
  if (first) harnessChecks(dir);
  first = false;
}
if (!args.keep) rmSync(work, { recursive: true, force: true });
console.log(`selftest: ${checks} checks, ${failures} failed (${((Date.now() - t0) / 1000).toFixed(1)} s, onnxruntime-node ${ort.env.versions?.node})`);
process.exit(failures ? 1 : 0);
