#!/usr/bin/env node
// Integration test of the Cloudflare Worker (cmd/worker) under `wrangler dev`,
// fully offline and only on 127.0.0.1:
//   1. builds a fixture site in a temp dir: index.html, a fake clipad.wasm,
//      wasm_exec.js, sw.js, a content-hashed JS file, a text-vector JSON and a
//      bundle models/fixture-a/ (manifest.json + two shards, one of 21 MiB, to
//      check that bodies larger than a real 16 MiB shard stream through);
//   2. builds the Worker for it (make -f cmd/worker/worker.mk worker-build);
//   3. starts wrangler dev (local mode) on a free port, waits for /api/health;
//   4. checks every route, content types, caching and security headers,
//      compression, HEAD, Range (206/416/ignored), conditional requests, 404,
//      405 and /api/models, then again with CROSS_ORIGIN_ISOLATION=on;
//   5. stops wrangler and its workerd processes (also on failure or signals)
//      and checks that none is left.
// Last line: "N passed, M failed"; exit status 1 on any failure.
//
// Usage (from the repository root, after `npm ci` in js/):
//   node js/worker/worker-test.mjs
// Environment: WRANGLER_NODE (node binary for wrangler; default this node),
// KEEP_TMP=1 (keep the temp dir), WORKER_TEST_TIMEOUT_S (default 300).

import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync, copyFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WRANGLER_CLI = path.join(ROOT, 'js/node_modules/wrangler/wrangler-dist/cli.js');
const NODE = process.env.WRANGLER_NODE || process.execPath;
const TIMEOUT_S = Number(process.env.WORKER_TEST_TIMEOUT_S || 300);
const HOST = '127.0.0.1';

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; img-src 'self' blob: data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
const IMMUTABLE = 'public, max-age=31536000, immutable';
const SHORT = 'public, max-age=60, must-revalidate';

let passed = 0;
let failed = 0;
const t0 = Date.now();
function log(msg) { console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`); }
function check(name, ok, detail = '') {
  if (ok) { passed++; console.log(`ok   ${name}`); }
  else { failed++; console.log(`FAIL ${name}${detail ? ': ' + detail : ''}`); }
  return ok;
}
function eq(name, got, want) { return check(name, got === want, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`); }
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

// ---------------------------------------------------------------- processes
const children = new Set(); // detached process groups (wrangler + workerd)
let tmp = '';

function killGroup(child, signal) {
  try { process.kill(-child.pid, signal); } catch { /* already gone */ }
}
function groupAlive(pid) {
  try { process.kill(-pid, 0); return true; } catch { return false; }
}
function cleanupSync() {
  for (const c of children) { killGroup(c, 'SIGKILL'); }
  if (tmp && !process.env.KEEP_TMP) { try { rmSync(tmp, { recursive: true, force: true }); } catch { } }
}
process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.log(`FAIL interrupted (${sig})`);
    console.log(`${passed} passed, ${failed + 1} failed`);
    cleanupSync();
    process.exit(130);
  });
}
const watchdog = setTimeout(() => {
  console.log(`FAIL the whole test took more than ${TIMEOUT_S}s`);
  failed++;
  console.log(`${passed} passed, ${failed} failed`);
  cleanupSync();
  process.exit(1);
}, TIMEOUT_S * 1000);
watchdog.unref();

async function stopWrangler(child) {
  if (!children.has(child)) return true;
  killGroup(child, 'SIGTERM');
  const deadline = Date.now() + 10000;
  while (groupAlive(child.pid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(child.pid)) killGroup(child, 'SIGKILL');
  const deadline2 = Date.now() + 5000;
  while (groupAlive(child.pid) && Date.now() < deadline2) await sleep(100);
  children.delete(child);
  return !groupAlive(child.pid);
}

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, HOST, () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Raw HTTP (no automatic decompression), only to 127.0.0.1.
function request(port, method, urlPath, headers = {}, timeoutMs = 60000) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port, method, path: urlPath, headers: { 'accept-encoding': 'identity', ...headers }, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout ${method} ${urlPath}`)));
    req.on('error', reject);
    req.end();
  });
}

// ------------------------------------------------------------------ fixture
function buildFixture(dir) {
  const site = path.join(dir, 'site');
  const files = {};
  const put = (rel, data) => {
    const p = path.join(site, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, data);
    files[rel] = Buffer.isBuffer(data) ? data : Buffer.from(data);
  };
  put('index.html', `<!doctype html>\n<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="${CSP}">\n<title>clipad fixture</title>\n<script type="module" src="app-3f2a9c1d.js"></script>\n`);
  // A fake, compressible "wasm": the magic number, then repetitive bytes.
  const wasm = Buffer.alloc(256 * 1024);
  Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]).copy(wasm);
  for (let i = 8; i < wasm.length; i++) wasm[i] = (i % 251) & 0x3f;
  put('clipad.wasm', wasm);
  put('wasm_exec.js', '"use strict";\n' + '// fixture wasm_exec.js\n'.repeat(200));
  put('sw.js', "self.addEventListener('install', () => self.skipWaiting());\n");
  put('app-3f2a9c1d.js', 'console.log("fixture app");\n'.repeat(100));
  put('textvec.json', JSON.stringify({ format: 'fixture', vectors: Array.from({ length: 200 }, (_, i) => i / 7) }));
  // The bundle: one shard of 21 MiB (bigger than any real one), one small.
  const shards = [randomBytes(21 * 1024 * 1024), randomBytes(100 * 1024 + 17)];
  const entries = shards.map((b, i) => {
    const h = sha256(b);
    return { file: `shard-${String(i).padStart(3, '0')}-${h.slice(0, 16)}.bin`, bytes: b.length, sha256: h };
  });
  entries.forEach((e, i) => put(`models/fixture-a/${e.file}`, shards[i]));
  const manifest = JSON.stringify({
    format: 'clipad.bundle', version: 1, model_id: 'fixture-a', dtype: 'int8', synthetic: true,
    total_bytes: shards.reduce((s, b) => s + b.length, 0), tensors: [], shards: entries,
  }, null, 1);
  put('models/fixture-a/manifest.json', manifest);
  // A directory without a manifest is not a bundle.
  put('models/not-a-bundle/readme.txt', 'no manifest here\n');
  return { site, files, entries, manifest };
}

function buildWorker(dir, site) {
  const build = path.join(dir, 'build');
  const r = spawnSync('make', ['-s', '-f', 'cmd/worker/worker.mk', 'worker-build', `WORKER_BUILD=${build}`, `WORKER_SITE=${site}`],
    { cwd: ROOT, stdio: 'inherit', env: process.env });
  if (r.status !== 0) throw new Error(`worker build failed (status ${r.status})`);
  for (const f of ['entry.mjs', 'worker.mjs', 'runtime.mjs', 'wasm_exec.js', 'app.wasm', 'site-index.json']) {
    if (!existsSync(path.join(build, f))) throw new Error(`worker build lacks ${f}`);
  }
  return build;
}

function writeConfig(dir) {
  const cfg = path.join(dir, 'wrangler.toml');
  writeFileSync(cfg, [
    'name = "clipad-worker-test"',
    'main = "build/entry.mjs"',
    'compatibility_date = "2026-11-01"',
    '',
    '[assets]',
    'directory = "site"',
    'binding = "ASSETS"',
    'run_worker_first = true',
    'html_handling = "none"',
    'not_found_handling = "none"',
    '',
    '[vars]',
    'CROSS_ORIGIN_ISOLATION = "off"',
    '',
  ].join('\n'));
  return cfg;
}

async function startWrangler(dir, cfg, extraArgs = []) {
  const port = await freePort();
  const inspector = await freePort();
  const logFile = path.join(dir, `wrangler-${port}.log`);
  const args = [WRANGLER_CLI, 'dev', '-c', cfg, '--local', '--ip', HOST, '--port', String(port),
    '--inspector-port', String(inspector), '--show-interactive-dev-session=false', '--log-level', 'warn', ...extraArgs];
  const env = {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', WRANGLER_HIDE_BANNER: 'true',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false', DO_NOT_TRACK: '1', CI: 'true',
    XDG_CONFIG_HOME: path.join(dir, 'xdg'), WRANGLER_LOG_PATH: path.join(dir, 'wrangler-logs'),
  };
  const child = spawn(NODE, args, { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  let exited = null;
  child.on('exit', (code, sig) => { exited = { code, sig }; });
  const deadline = Date.now() + 90000;
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const r = await request(port, 'GET', '/api/health', {}, 5000);
      if (r.status === 200) {
        writeFileSync(logFile, out);
        return { child, port, output: () => out };
      }
    } catch { /* not up yet */ }
    await sleep(250);
  }
  writeFileSync(logFile, out);
  console.log(out.split('\n').slice(-40).join('\n'));
  await stopWrangler(child);
  throw new Error(exited ? `wrangler dev exited (${JSON.stringify(exited)}) before it was ready` : 'wrangler dev was not ready within 90s');
}

function checkSecurity(what, h, coi = false) {
  eq(`${what}: Content-Security-Policy`, h['content-security-policy'], CSP);
  eq(`${what}: X-Content-Type-Options`, h['x-content-type-options'], 'nosniff');
  eq(`${what}: Referrer-Policy`, h['referrer-policy'], 'no-referrer');
  if (coi) {
    eq(`${what}: COOP`, h['cross-origin-opener-policy'], 'same-origin');
    eq(`${what}: COEP`, h['cross-origin-embedder-policy'], 'require-corp');
    eq(`${what}: CORP`, h['cross-origin-resource-policy'], 'same-origin');
  } else {
    check(`${what}: no COOP/COEP by default`, !h['cross-origin-opener-policy'] && !h['cross-origin-embedder-policy']);
  }
}

// ------------------------------------------------------------------- checks
async function mainChecks(port, fx) {
  const { files, entries } = fx;
  const big = `/models/fixture-a/${entries[0].file}`;
  const small = `/models/fixture-a/${entries[1].file}`;
  const bigBytes = files[`models/fixture-a/${entries[0].file}`];
  const smallBytes = files[`models/fixture-a/${entries[1].file}`];

  // The page.
  for (const p of ['/', '/index.html']) {
    const r = await request(port, 'GET', p);
    eq(`GET ${p} status`, r.status, 200);
    eq(`GET ${p} content-type`, r.headers['content-type'], 'text/html; charset=utf-8');
    eq(`GET ${p} cache-control`, r.headers['cache-control'], SHORT);
    check(`GET ${p} body`, r.body.equals(files['index.html']));
    check(`GET ${p} etag`, !!r.headers.etag);
    checkSecurity(`GET ${p}`, r.headers);
  }
  {
    const r = await request(port, 'HEAD', '/');
    eq('HEAD / status', r.status, 200);
    // The Worker marks HTML as compressible (on Cloudflare it always sees
    // "Accept-Encoding: br, gzip"), so HEAD may carry no length; if it does,
    // it is the file's.
    eq('HEAD / content-type', r.headers['content-type'], 'text/html; charset=utf-8');
    check('HEAD / content-length absent or right', r.headers['content-length'] === undefined || r.headers['content-length'] === String(files['index.html'].length), r.headers['content-length']);
    eq('HEAD / no body', r.body.length, 0);
    checkSecurity('HEAD /', r.headers);
  }

  // Content types and cache policies.
  const typed = [
    ['/clipad.wasm', 'application/wasm', SHORT],
    ['/wasm_exec.js', 'text/javascript; charset=utf-8', SHORT],
    ['/sw.js', 'text/javascript; charset=utf-8', 'no-cache'],
    ['/app-3f2a9c1d.js', 'text/javascript; charset=utf-8', IMMUTABLE],
    ['/textvec.json', 'application/json; charset=utf-8', SHORT],
    ['/models/fixture-a/manifest.json', 'application/json; charset=utf-8', SHORT],
    [small, 'application/octet-stream', IMMUTABLE],
  ];
  for (const [p, ct, cc] of typed) {
    const r = await request(port, 'GET', p);
    eq(`GET ${p} status`, r.status, 200);
    eq(`GET ${p} content-type`, r.headers['content-type'], ct);
    eq(`GET ${p} cache-control`, r.headers['cache-control'], cc);
    check(`GET ${p} body`, r.body.equals(files[p.slice(1)]), `${r.body.length} bytes`);
    checkSecurity(`GET ${p}`, r.headers);
  }

  // Compression: the platform encodes what the Worker marks.
  const wasm = files['clipad.wasm'];
  for (const [enc, decode] of [['gzip', zlib.gunzipSync], ['br', zlib.brotliDecompressSync]]) {
    const r = await request(port, 'GET', '/clipad.wasm', { 'accept-encoding': enc });
    eq(`GET /clipad.wasm (${enc}) content-encoding`, r.headers['content-encoding'], enc);
    eq(`GET /clipad.wasm (${enc}) vary`, r.headers.vary, 'Accept-Encoding');
    eq(`GET /clipad.wasm (${enc}) content-type`, r.headers['content-type'], 'application/wasm');
    let plain = Buffer.alloc(0);
    try { plain = decode(r.body); } catch (e) { check(`decode ${enc}`, false, String(e)); }
    check(`GET /clipad.wasm (${enc}) decodes to the file and is smaller`, plain.equals(wasm) && r.body.length < wasm.length / 2, `${wasm.length} → ${r.body.length}`);
  }
  {
    const r = await request(port, 'GET', '/clipad.wasm', { 'accept-encoding': 'gzip, deflate, br' });
    // wrangler (like Cloudflare's front end) picks the client's coding.
    const enc = r.headers['content-encoding'];
    let plain = Buffer.alloc(0);
    try { plain = enc === 'br' ? zlib.brotliDecompressSync(r.body) : zlib.gunzipSync(r.body); } catch { }
    check('GET /clipad.wasm (browser accept-encoding) is compressed', (enc === 'br' || enc === 'gzip') && plain.equals(wasm), enc);
    const s = await request(port, 'GET', small, { 'accept-encoding': 'gzip, br' });
    check('shards are not compressed', !s.headers['content-encoding'] && s.body.equals(smallBytes));
  }

  // The large shard streams whole, with its length.
  {
    const t = Date.now();
    const r = await request(port, 'GET', big, { 'accept-encoding': 'gzip, br' });
    const ms = Date.now() - t;
    eq(`GET large shard (${bigBytes.length} bytes) status`, r.status, 200);
    eq('GET large shard content-length', r.headers['content-length'], String(bigBytes.length));
    eq('GET large shard sha256', sha256(r.body), entries[0].sha256);
    eq('GET large shard cache-control', r.headers['cache-control'], IMMUTABLE);
    eq('GET large shard content-type', r.headers['content-type'], 'application/octet-stream');
    check('GET large shard not compressed', !r.headers['content-encoding']);
    eq('GET large shard accept-ranges', r.headers['accept-ranges'], 'bytes');
    checkSecurity('GET large shard', r.headers);
    log(`large shard: ${(bigBytes.length / 1048576).toFixed(1)} MiB in ${ms} ms`);
    const h = await request(port, 'HEAD', big);
    eq('HEAD large shard status', h.status, 200);
    eq('HEAD large shard content-length', h.headers['content-length'], String(bigBytes.length));
    eq('HEAD large shard no body', h.body.length, 0);
    eq('HEAD large shard cache-control', h.headers['cache-control'], IMMUTABLE);
  }

  // Range requests.
  const size = bigBytes.length;
  const ranges = [
    ['bytes=0-99', 0, 99],
    ['bytes=-100', size - 100, size - 1],
    [`bytes=${size - 10}-`, size - 10, size - 1],
    ['bytes=10000000-11048575', 10000000, 11048575],
    [`bytes=${size - 5}-${size + 1000}`, size - 5, size - 1],
  ];
  for (const [hdr, a, b] of ranges) {
    const r = await request(port, 'GET', big, { range: hdr });
    eq(`Range ${hdr} status`, r.status, 206);
    eq(`Range ${hdr} content-range`, r.headers['content-range'], `bytes ${a}-${b}/${size}`);
    eq(`Range ${hdr} content-length`, r.headers['content-length'], String(b - a + 1));
    check(`Range ${hdr} bytes`, r.body.equals(bigBytes.subarray(a, b + 1)), `${r.body.length} bytes`);
  }
  {
    const r = await request(port, 'GET', small, { range: 'bytes=5-9' });
    check('Range on the small shard', r.status === 206 && r.body.equals(smallBytes.subarray(5, 10)));
    const w = await request(port, 'GET', '/clipad.wasm', { range: 'bytes=0-3' });
    check('Range on a compressible file', w.status === 206 && !w.headers['content-encoding'] && w.body.equals(wasm.subarray(0, 4)) && w.headers['content-range'] === `bytes 0-3/${wasm.length}`);
    eq('Range responses say no-transform', w.headers['cache-control'], SHORT + ', no-transform');
    // wrangler's front end gzips even a 206 of a compressible type (Cloudflare
    // leaves no-transform responses alone): the decoded bytes must be right.
    const g = await request(port, 'GET', '/clipad.wasm', { range: 'bytes=0-3', 'accept-encoding': 'gzip' });
    let gb = g.body;
    try { if (g.headers['content-encoding'] === 'gzip') gb = zlib.gunzipSync(g.body); } catch { }
    check('Range on a compressible file (client accepts gzip)', g.status === 206 && gb.equals(wasm.subarray(0, 4)), g.headers['content-encoding']);
  }
  for (const hdr of [`bytes=${size}-`, `bytes=${size + 5}-${size + 10}`, 'bytes=-0']) {
    const r = await request(port, 'GET', big, { range: hdr });
    eq(`Range ${hdr} status (unsatisfiable)`, r.status, 416);
    eq(`Range ${hdr} content-range`, r.headers['content-range'], `bytes */${size}`);
    checkSecurity(`Range ${hdr} 416`, r.headers);
  }
  for (const hdr of ['bytes=abc', 'bytes=10-5', 'bytes=5', 'items=0-1', 'bytes 0-1', 'bytes=0-1,5-6', 'bytes=-']) {
    const r = await request(port, 'GET', small, { range: hdr });
    eq(`malformed/unsupported Range ${JSON.stringify(hdr)} → 200`, r.status, 200);
    check(`malformed Range ${JSON.stringify(hdr)} → whole body`, r.body.equals(smallBytes) && !r.headers['content-range']);
  }
  {
    const r = await request(port, 'HEAD', small, { range: 'bytes=0-9' });
    check('HEAD ignores Range', r.status === 200 && r.headers['content-length'] === String(smallBytes.length) && r.body.length === 0);
  }

  // Conditional requests.
  {
    const etag = (await request(port, 'HEAD', small)).headers.etag;
    const r = await request(port, 'GET', small, { 'if-none-match': etag });
    eq('If-None-Match → 304', r.status, 304);
    eq('304 has no body', r.body.length, 0);
    eq('304 keeps cache-control', r.headers['cache-control'], IMMUTABLE);
    const ir = await request(port, 'GET', small, { range: 'bytes=0-9', 'if-range': etag });
    eq('If-Range (same etag) → 206', ir.status, 206);
    const ir2 = await request(port, 'GET', small, { range: 'bytes=0-9', 'if-range': '"stale"' });
    eq('If-Range (other etag) → 200', ir2.status, 200);
  }

  // Not found.
  for (const p of ['/nope', '/nope.wasm', '/models', '/models/fixture-a/', `/models/fixture-a/shard-999-0123456789abcdef.bin`, '/api', '/api/nope', '/index.html/']) {
    const r = await request(port, 'GET', p);
    eq(`GET ${p} → 404`, r.status, 404);
    eq(`GET ${p} 404 cache-control`, r.headers['cache-control'], 'no-store');
    checkSecurity(`GET ${p} 404`, r.headers);
  }
  {
    const r = await request(port, 'HEAD', '/nope');
    check('HEAD /nope → 404 without body', r.status === 404 && r.body.length === 0);
  }

  // Methods.
  for (const [m, p] of [['POST', '/'], ['PUT', '/index.html'], ['DELETE', big], ['PATCH', '/api/health'], ['OPTIONS', '/'], ['POST', '/api/models'], ['POST', '/nope']]) {
    const r = await request(port, m, p);
    eq(`${m} ${p} → 405`, r.status, 405);
    eq(`${m} ${p} Allow`, r.headers.allow, 'GET, HEAD');
    checkSecurity(`${m} ${p}`, r.headers);
  }

  // API.
  {
    const r = await request(port, 'GET', '/api/health');
    eq('/api/health status', r.status, 200);
    eq('/api/health content-type', r.headers['content-type'], 'application/json; charset=utf-8');
    eq('/api/health cache-control', r.headers['cache-control'], 'no-store');
    let j = {};
    try { j = JSON.parse(r.body); } catch { }
    check('/api/health body', j.status === 'ok' && j.inference === false && j.runtime === 'cloudflare-workers' && j.cross_origin_isolation === false, r.body.toString());
    checkSecurity('/api/health', r.headers);
    const h = await request(port, 'HEAD', '/api/health');
    check('HEAD /api/health', h.status === 200 && h.body.length === 0 && h.headers['content-length'] === String(r.body.length));
  }
  {
    const r = await request(port, 'GET', '/api/models');
    eq('/api/models status', r.status, 200);
    eq('/api/models content-type', r.headers['content-type'], 'application/json; charset=utf-8');
    let j = { models: [] };
    try { j = JSON.parse(r.body); } catch { }
    eq('/api/models lists the one bundle', j.models.map((m) => m.id).join(','), 'fixture-a');
    const m = j.models[0] || {};
    eq('/api/models total_bytes', m.total_bytes, entries[0].bytes + entries[1].bytes);
    eq('/api/models shard_count', m.shard_count, 2);
    eq('/api/models manifest_sha256', m.manifest_sha256, sha256(fx.manifest));
    check('/api/models shards (file, bytes, sha256, url)', JSON.stringify((m.shards || []).map((s) => [s.file, s.bytes, s.sha256, s.url])) ===
      JSON.stringify(entries.map((e) => [e.file, e.bytes, e.sha256, `/models/fixture-a/${e.file}`])), r.body.toString().slice(0, 400));
    checkSecurity('/api/models', r.headers);
  }
}

async function coiChecks(port, fx) {
  const small = `/models/fixture-a/${fx.entries[1].file}`;
  for (const p of ['/', small, '/nope']) {
    const r = await request(port, 'GET', p);
    checkSecurity(`COI on: GET ${p}`, r.headers, true);
  }
  const r = await request(port, 'GET', '/api/health');
  check('COI on: /api/health says so', JSON.parse(r.body).cross_origin_isolation === true);
}

// --------------------------------------------------------------------- main
async function main() {
  if (!existsSync(WRANGLER_CLI)) throw new Error(`wrangler is not installed (${WRANGLER_CLI}): run make setup`);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'clipad-worker-test-'));
  log(`temp dir ${tmp}`);
  const fx = buildFixture(tmp);
  log('fixture site written; building the Worker');
  buildWorker(tmp, fx.site);
  const wasmSize = readFileSync(path.join(tmp, 'build/app.wasm')).length;
  log(`Worker built: app.wasm ${(wasmSize / 1048576).toFixed(2)} MiB, gzip ${(zlib.gzipSync(readFileSync(path.join(tmp, 'build/app.wasm'))).length / 1048576).toFixed(2)} MiB`);
  const cfg = writeConfig(tmp);

  let w = await startWrangler(tmp, cfg);
  log(`wrangler dev ready on http://${HOST}:${w.port}/`);
  try {
    await mainChecks(w.port, fx);
  } finally {
    check('wrangler dev and workerd stopped', await stopWrangler(w.child));
  }
  log('checks done; restarting with CROSS_ORIGIN_ISOLATION=on');
  w = await startWrangler(tmp, cfg, ['--var', 'CROSS_ORIGIN_ISOLATION:on']);
  try {
    await coiChecks(w.port, fx);
  } finally {
    check('wrangler dev (COI) and workerd stopped', await stopWrangler(w.child));
  }
}

try {
  await main();
} catch (e) {
  failed++;
  console.log(`FAIL ${e && e.stack ? e.stack : e}`);
}
for (const c of [...children]) await stopWrangler(c);
cleanupSync();
log('done');
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
