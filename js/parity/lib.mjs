// Shared pieces of the onnxruntime parity harness: the tensor dump format,
// onnxruntime-node sessions, the error metric, and an independent ONNX
// reader (protobufjs with the ONNX schema shipped in onnxruntime-web) used
// by the self-test.
//
// Dump format (written by the Go engine, package model/dump, and by
// parity.mjs --write-ref): a directory with index.json =
//   {"tensors":[{"name":"block_1","dtype":"float32","shape":[1,226,896],"file":"block_1.bin"}, ...],
//    "meta": {...optional...}}
// and one raw little-endian .bin file per tensor (dtype float32 or int32).

import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';

export { ort };

const here = dirname(fileURLToPath(import.meta.url));
export const jsRoot = join(here, '..');
export const repoRoot = join(here, '..', '..');

const SAFE = /^[A-Za-z0-9_.-]+$/;

export const numel = (shape) => shape.reduce((a, b) => a * b, 1);

// readDump loads a dump directory: Map name → {dtype, shape, data}
// (Float32Array or Int32Array), plus the index's meta.
export function readDump(dir) {
  const idxPath = join(dir, 'index.json');
  if (!existsSync(idxPath)) throw new Error(`dump ${dir}: no index.json`);
  let idx;
  try {
    idx = JSON.parse(readFileSync(idxPath, 'utf8'));
  } catch (e) {
    throw new Error(`dump ${dir}: corrupt index.json: ${e.message}`);
  }
  if (!Array.isArray(idx.tensors)) throw new Error(`dump ${dir}: index.json has no "tensors" list`);
  const out = new Map();
  for (const e of idx.tensors) {
    if (typeof e.name !== 'string' || !SAFE.test(e.file ?? '')) throw new Error(`dump ${dir}: bad entry ${JSON.stringify(e)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`dump ${dir}: ${e.name}: bad shape ${JSON.stringify(e.shape)}`);
    const buf = readFileSync(join(dir, e.file));
    const n = numel(e.shape);
    if (buf.length !== 4 * n) throw new Error(`dump ${dir}: ${e.name} has ${buf.length} bytes, shape [${e.shape}] needs ${4 * n}`);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length); // aligned copy
    let data;
    if (e.dtype === 'float32') data = new Float32Array(ab);
    else if (e.dtype === 'int32') data = new Int32Array(ab);
    else throw new Error(`dump ${dir}: ${e.name}: unsupported dtype ${e.dtype}`);
    out.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors: out, meta: idx.meta ?? {} };
}

// writeDump writes tensors (iterable of [name, {dtype, shape, data}]).
export function writeDump(dir, tensors, meta = {}) {
  mkdirSync(dir, { recursive: true });
  const index = { tensors: [], meta };
  for (const [name, t] of tensors) {
    if (!SAFE.test(name)) throw new Error(`writeDump: bad tensor name ${name}`);
    let data = t.data;
    const dtype = t.dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
    if (dtype === 'float32' && !(data instanceof Float32Array)) data = Float32Array.from(data);
    if (dtype === 'int32' && !(data instanceof Int32Array)) data = Int32Array.from(data, Number);
    if (data.length !== numel(t.shape)) throw new Error(`writeDump: ${name}: ${data.length} values for shape [${t.shape}]`);
    const file = `${name}.bin`;
    writeFileSync(join(dir, file), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    index.tensors.push({ name, dtype, shape: t.shape, file });
  }
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index, null, 1));
}

// Tensor classes reported by the harness, in print order.
export const CLASSES = ['block', 'original', 'surgery', 'features', 'image_embed', 'text_embed', 'text_features'];
// Classes whose tensors must be present in a dump by default.
export const EXPECTED_VISION = ['block', 'original', 'surgery', 'features', 'image_embed'];
export const EXPECTED_TEXT = ['text_embed'];

export const classOf = (name) => name.replace(/_\d+$/, '');

// relErr is max|a − ref| / max|ref| over the tensor (max|a − ref| when
// ref is all zeros). Any NaN or ±Inf in either tensor gives Infinity: a
// real CLIP forward never produces one, so it always counts as a failure.
export function relErr(a, ref) {
  if (a.length !== ref.length) return Infinity;
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    const x = a[i];
    const r = ref[i];
    if (!Number.isFinite(x) || !Number.isFinite(r)) return Infinity;
    const d = Math.abs(x - r);
    if (d > maxDiff) maxDiff = d;
    const ar = Math.abs(r);
    if (ar > maxRef) maxRef = ar;
  }
  return maxRef > 0 ? maxDiff / maxRef : maxDiff;
}

// sameShape accepts shapes that differ only by leading 1s ([226,896] vs [1,226,896]).
export function sameShape(a, b) {
  const strip = (s) => {
    const t = [...s];
    while (t.length && t[0] === 1) t.shift();
    return t.join(',');
  };
  return strip(a) === strip(b);
}

export const OPT_LEVELS = ['disabled', 'basic', 'extended', 'all'];

export async function session(path, { opt = 'all', threads = 0 } = {}) {
  if (!OPT_LEVELS.includes(opt)) throw new Error(`--opt must be one of ${OPT_LEVELS.join(', ')}`);
  const o = { graphOptimizationLevel: opt, executionProviders: ['cpu'] };
  if (threads > 0) {
    o.intraOpNumThreads = threads;
    o.interOpNumThreads = 1;
  }
  return ort.InferenceSession.create(path, o);
}

// runSession runs and returns Map name → {shape, data: Float32Array}.
export async function runSession(sess, feeds) {
  const out = await sess.run(feeds);
  const m = new Map();
  for (const name of sess.outputNames) {
    const t = out[name];
    m.set(name, { dtype: 'float32', shape: [...t.dims].map(Number), data: t.data });
  }
  return m;
}

export function imageFeed(t, S) {
  let shape = t.shape;
  if (shape.length === 3) shape = [1, ...shape];
  if (shape.length !== 4 || shape[1] !== 3 || (S && (shape[2] !== S || shape[3] !== S))) {
    throw new Error(`image_input has shape [${t.shape}], the vision graph needs [N,3,${S},${S}]`);
  }
  const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
  return new ort.Tensor('float32', data, shape);
}

export function tokensFeed(t, C) {
  let shape = t.shape;
  if (shape.length === 1) shape = [1, shape[0]];
  if (shape.length !== 2 || (C && shape[1] !== C)) throw new Error(`tokens has shape [${t.shape}], the text graph needs [N,${C}]`);
  const ids = new BigInt64Array(t.data.length);
  for (let i = 0; i < ids.length; i++) ids[i] = BigInt(Math.trunc(Number(t.data[i])));
  return new ort.Tensor('int64', ids, shape);
}

// --- Independent ONNX reader (protobufjs + onnx.proto schema) -------------

let onnxProto = null;
function proto() {
  if (onnxProto) return onnxProto;
  const require = createRequire(join(jsRoot, 'package.json'));
  let mod;
  try {
    mod = require('onnxruntime-web/lib/onnxjs/ort-schema/protobuf/onnx.js');
  } catch {
    mod = require(join(jsRoot, 'node_modules/onnxruntime-web/lib/onnxjs/ort-schema/protobuf/onnx.js'));
  }
  onnxProto = mod.onnx;
  return onnxProto;
}

const num = (v) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : v.toNumber());

// readOnnx decodes an .onnx file with protobufjs (not with our Go decoder)
// and returns {model, meta: {key: value}, init: Map name → {dims, dataType,
// data: Float64Array|null}, nodes, inputs, outputs}.
export function readOnnx(path) {
  const onnx = proto();
  const model = onnx.ModelProto.decode(readFileSync(path));
  const meta = {};
  for (const e of model.metadataProps ?? []) meta[e.key] = e.value;
  const init = new Map();
  for (const t of model.graph.initializer) {
    const dims = (t.dims ?? []).map(num);
    let data = null;
    if (t.dataType === onnx.TensorProto.DataType.FLOAT) {
      if (t.rawData && t.rawData.length) {
        const b = Buffer.from(t.rawData);
        data = Float64Array.from({ length: b.length / 4 }, (_, i) => b.readFloatLE(4 * i));
      } else {
        data = Float64Array.from(t.floatData ?? []);
      }
    } else if (t.dataType === onnx.TensorProto.DataType.INT64) {
      data = Float64Array.from((t.int64Data ?? []).map(num));
    }
    init.set(t.name, { dims, dataType: t.dataType, data });
  }
  const vi = (v) => ({
    name: v.name,
    elemType: v.type?.tensorType?.elemType,
    shape: (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : num(d.dimValue))),
  });
  return {
    model,
    meta,
    init,
    irVersion: num(model.irVersion),
    opset: (model.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: num(o.version) })),
    nodes: model.graph.node,
    inputs: model.graph.input.map(vi),
    outputs: model.graph.output.map(vi),
  };
}

// configFromMeta reads the model config stored by clipgraph in
// metadata_props (open_clip model_cfg JSON + ln eps).
export function configFromMeta(meta) {
  const oc = JSON.parse(meta.open_clip_config).model_cfg;
  const v = oc.vision_cfg;
  const t = oc.text_cfg;
  return {
    name: meta['clipad.config'],
    embedDim: oc.embed_dim,
    quickGELU: !!oc.quick_gelu,
    lnEps: Number(meta['clipad.ln_eps'] ?? 1e-5),
    vision: {
      imageSize: v.image_size, patch: v.patch_size, width: v.width, layers: v.layers,
      headWidth: v.head_width, mlpWidth: Math.round(v.width * v.mlp_ratio),
    },
    text: { context: t.context_length, vocab: t.vocab_size, width: t.width, heads: t.heads, layers: t.layers },
  };
}

// Deterministic PRNG (mulberry32) for synthesized inputs.
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    const u = next() || 1e-12;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return { next, normal };
}

// synthImage makes a normalised-looking image batch [n,3,S,S].
export function synthImage(S, n = 1, seed = 1) {
  const r = rng(seed);
  const data = new Float32Array(n * 3 * S * S);
  for (let i = 0; i < data.length; i++) data[i] = 1.5 * r.normal();
  return { dtype: 'float32', shape: [n, 3, S, S], data };
}

// synthTokens makes n CLIP-like token rows: SOT, random ids, EOT, zero padding.
// Row lengths vary and one row fills the whole context (EOT at the end).
export function synthTokens(C, n = 3, seed = 2, vocab = 49408) {
  const r = rng(seed);
  const data = new Int32Array(n * C);
  for (let i = 0; i < n; i++) {
    const len = i === n - 1 ? C - 2 : 1 + Math.floor(r.next() * Math.min(20, C - 2));
    const row = data.subarray(i * C, (i + 1) * C);
    row[0] = vocab - 2;
    for (let j = 1; j <= len; j++) row[j] = 1 + Math.floor(r.next() * (vocab - 3));
    row[len + 1] = vocab - 1;
  }
  return { dtype: 'int32', shape: [n, C], data };
}
