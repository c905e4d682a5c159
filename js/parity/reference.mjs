// A plain float64 JavaScript forward of CLIP-AD's staged dual-path vision
// tower (spec §3) and of the CLIP text tower, written straight from the
// spec with naive loops. It shares no code with the Go engine or with the
// ONNX graph builder; the self-test uses it to show that the ONNX graphs
// compute the algorithm (not merely something that runs). Only meant for
// the small test configs.
//
// Weights: Map open_clip name → {dims, data: Float64Array} (lib.readOnnx).

function W(weights, name) {
  const t = weights.get(name);
  if (!t || !t.data) throw new Error(`reference: weight ${name} missing`);
  return t.data;
}

export function layerNorm(x, T, D, g, b, eps) {
  const y = new Float64Array(T * D);
  for (let t = 0; t < T; t++) {
    let mean = 0;
    for (let d = 0; d < D; d++) mean += x[t * D + d];
    mean /= D;
    let v = 0;
    for (let d = 0; d < D; d++) v += (x[t * D + d] - mean) ** 2;
    v /= D;
    const inv = 1 / Math.sqrt(v + eps);
    for (let d = 0; d < D; d++) y[t * D + d] = (x[t * D + d] - mean) * inv * g[d] + b[d];
  }
  return y;
}

// linear: y[T,Out] = x[T,In]·wᵀ + b, w in PyTorch [Out,In] layout.
export function linear(x, T, In, w, b, Out) {
  const y = new Float64Array(T * Out);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < Out; o++) {
      let s = b ? b[o] : 0;
      const wo = o * In;
      const xt = t * In;
      for (let i = 0; i < In; i++) s += x[xt + i] * w[wo + i];
      y[t * Out + o] = s;
    }
  }
  return y;
}

// matmul: y[T,Out] = x[T,In]·m[In,Out] (e.g. x·proj).
export function matmul(x, T, In, m, Out) {
  const y = new Float64Array(T * Out);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < In; i++) {
      const xv = x[t * In + i];
      for (let o = 0; o < Out; o++) y[t * Out + o] += xv * m[i * Out + o];
    }
  }
  return y;
}

// erf with ~1e-15 accuracy (series / continued fraction), for exact GELU.
export function erf(x) {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: erf x = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 100; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const r = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -r : r;
  }
  // erfc continued fraction (Lentz) for |x| ≥ 2.5
  const tiny = 1e-300;
  let f = ax;
  let C = ax;
  let D = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    D = ax + an * D;
    D = D === 0 ? tiny : 1 / D;
    C = ax + an / C;
    if (C === 0) C = tiny;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x < 0 ? erfc - 1 : 1 - erfc;
}

export function act(x, quick) {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    x[i] = quick ? v / (1 + Math.exp(-1.702 * v)) : 0.5 * v * (1 + erf(v / Math.SQRT2));
  }
  return x;
}

// attention over qkv [T, 3W] (q|k|v, heads contiguous hw-column blocks).
// mode 'qk' = softmax(q·kᵀ/√hw)·v, 'vv' = softmax(v·vᵀ/√hw)·v. Returns
// the merged heads [T, W] before out_proj.
export function attention(qkv, T, Wd, H, hw, mode, causal) {
  const out = new Float64Array(T * Wd);
  const scale = 1 / Math.sqrt(hw);
  const qOff = mode === 'vv' ? 2 * Wd : 0;
  const kOff = mode === 'vv' ? 2 * Wd : Wd;
  const vOff = 2 * Wd;
  const s = new Float64Array(T);
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < T; i++) {
      const n = causal ? i + 1 : T;
      let mx = -Infinity;
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let d = 0; d < hw; d++) dot += qkv[i * 3 * Wd + qOff + h * hw + d] * qkv[j * 3 * Wd + kOff + h * hw + d];
        s[j] = dot * scale;
        if (s[j] > mx) mx = s[j];
      }
      let z = 0;
      for (let j = 0; j < n; j++) {
        s[j] = Math.exp(s[j] - mx);
        z += s[j];
      }
      for (let d = 0; d < hw; d++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += s[j] * qkv[j * 3 * Wd + vOff + h * hw + d];
        out[i * Wd + h * hw + d] = acc / z;
      }
    }
  }
  return out;
}

function add(a, b) {
  const y = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) y[i] = a[i] + b[i];
  return y;
}

export function l2rows(x, T, D) {
  const y = new Float64Array(T * D);
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += x[t * D + d] ** 2;
    const n = Math.sqrt(s);
    for (let d = 0; d < D; d++) y[t * D + d] = x[t * D + d] / n;
  }
  return y;
}

// block runs one pre-LN block on h [T, Wd]; returns {a, h, vv}.
function block(weights, p, h, T, Wd, H, hw, mlp, eps, quick, causal, wantVV) {
  const ln1 = layerNorm(h, T, Wd, W(weights, p + 'ln_1.weight'), W(weights, p + 'ln_1.bias'), eps);
  const qkv = linear(ln1, T, Wd, W(weights, p + 'attn.in_proj_weight'), W(weights, p + 'attn.in_proj_bias'), 3 * Wd);
  const ow = W(weights, p + 'attn.out_proj.weight');
  const ob = W(weights, p + 'attn.out_proj.bias');
  const att = linear(attention(qkv, T, Wd, H, hw, 'qk', causal), T, Wd, ow, ob, Wd);
  const vv = wantVV ? linear(attention(qkv, T, Wd, H, hw, 'vv', false), T, Wd, ow, ob, Wd) : null;
  const a = add(h, att);
  const ln2 = layerNorm(a, T, Wd, W(weights, p + 'ln_2.weight'), W(weights, p + 'ln_2.bias'), eps);
  const fc = act(linear(ln2, T, Wd, W(weights, p + 'mlp.c_fc.weight'), W(weights, p + 'mlp.c_fc.bias'), mlp), quick);
  const pr = linear(fc, T, mlp, W(weights, p + 'mlp.c_proj.weight'), W(weights, p + 'mlp.c_proj.bias'), Wd);
  return { a, h: add(a, pr), vv };
}

// visionReference runs one image (Float32Array/Float64Array [3,S,S]) and
// returns Map name → Float64Array for every output of the dual-path graph
// (without the batch dim).
export function visionReference(cfg, weights, img) {
  const v = cfg.vision;
  const { width: Wd, patch: P, imageSize: S, layers: L, headWidth: hw } = v;
  const H = Wd / hw;
  const G = S / P;
  const T = G * G + 1;
  const E = cfg.embedDim;
  const sl = L / 4;
  const eps = cfg.lnEps;
  const conv = W(weights, 'visual.conv1.weight');
  const x = new Float64Array(T * Wd);
  const cls = W(weights, 'visual.class_embedding');
  for (let d = 0; d < Wd; d++) x[d] = cls[d];
  for (let r = 0; r < G; r++) {
    for (let c = 0; c < G; c++) {
      const tok = 1 + G * r + c;
      for (let o = 0; o < Wd; o++) {
        let s = 0;
        for (let ch = 0; ch < 3; ch++) {
          for (let i = 0; i < P; i++) {
            for (let j = 0; j < P; j++) {
              s += conv[((o * 3 + ch) * P + i) * P + j] * img[(ch * S + r * P + i) * S + c * P + j];
            }
          }
        }
        x[tok * Wd + o] = s;
      }
    }
  }
  const pos = W(weights, 'visual.positional_embedding');
  for (let i = 0; i < T * Wd; i++) x[i] += pos[i];
  let h = layerNorm(x, T, Wd, W(weights, 'visual.ln_pre.weight'), W(weights, 'visual.ln_pre.bias'), eps);

  const out = new Map();
  const A = [];
  const Hs = [];
  const Sg = [];
  let acc = null;
  for (let b = 0; b < L; b++) {
    const r = block(weights, `visual.transformer.resblocks.${b}.`, h, T, Wd, H, hw, v.mlpWidth, eps, cfg.quickGELU, false, true);
    A[b + 1] = r.a;
    Hs[b + 1] = r.h;
    h = r.h;
    acc = b % sl === 0 ? r.vv : add(acc, r.vv); // reset at each stage start, no residual
    if ((b + 1) % sl === 0) Sg[(b + 1) / sl] = acc;
    out.set(`block_${b + 1}`, r.h);
  }
  const lnPost = (z, n) => layerNorm(z, n, Wd, W(weights, 'visual.ln_post.weight'), W(weights, 'visual.ln_post.bias'), eps);
  const proj = W(weights, 'visual.proj');
  for (let k = 1; k <= 4; k++) {
    const O = k < 4 ? A[k * sl + 1] : Hs[L]; // §3.4 in-place quirk for stages 1-3
    out.set(`original_${k}`, O);
    out.set(`surgery_${k}`, Sg[k]);
    const z = Float64Array.from(Sg[k]);
    for (let d = 0; d < Wd; d++) z[d] = O[d];
    out.set(`features_${k}`, l2rows(matmul(lnPost(z, T), T, Wd, proj, E), T, E));
  }
  out.set('image_embed', matmul(lnPost(Hs[L].subarray(0, Wd), 1), 1, Wd, proj, E));
  return out;
}

// textReference runs one token row (length = context) and returns
// Map {text_features, text_embed} (Float64Array [E]).
export function textReference(cfg, weights, ids) {
  const t = cfg.text;
  const C = t.context;
  const Wd = t.width;
  const hw = Wd / t.heads;
  const E = cfg.embedDim;
  const emb = W(weights, 'token_embedding.weight');
  const pos = W(weights, 'positional_embedding');
  let x = new Float64Array(C * Wd);
  for (let i = 0; i < C; i++) {
    const id = Number(ids[i]);
    for (let d = 0; d < Wd; d++) x[i * Wd + d] = emb[id * Wd + d] + pos[i * Wd + d];
  }
  for (let b = 0; b < t.layers; b++) {
    x = block(weights, `transformer.resblocks.${b}.`, x, C, Wd, t.heads, hw, 4 * Wd, cfg.lnEps, cfg.quickGELU, true, false).h;
  }
  const lnf = layerNorm(x, C, Wd, W(weights, 'ln_final.weight'), W(weights, 'ln_final.bias'), cfg.lnEps);
  let eot = 0;
  for (let i = 1; i < C; i++) if (Number(ids[i]) > Number(ids[eot])) eot = i;
  const feat = matmul(lnf.subarray(eot * Wd, (eot + 1) * Wd), 1, Wd, W(weights, 'text_projection'), E);
  return new Map([
    ['text_features', feat],
    ['text_embed', l2rows(feat, 1, E)],
  ]);
}
