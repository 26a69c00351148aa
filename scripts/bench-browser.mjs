// `npm run bench:browser`: the npm package's wasm in headless Chromium, beside
// transformers.js (ONNX Runtime Web) in the same page, the same wasm in Node, and
// the native CLI on 1 thread, all in this one run. The throughput runs take turns
// every 32 lines (and T5 every round), so that a shared, noisy machine loads them
// alike and the ratios hold even when the absolute figures drift. Prints a markdown
// table with the ratios. Bench only: CI never runs it.
//
//   node scripts/bench-browser.mjs [--lines N] [--profile] [--no-native] [--no-node] [--no-tjs] [--pkg DIR] [--webgpu] [--json FILE]
//
// --lines N   embed the first N lines of rt-polarity.pos at batch 1 and at batch 32,
//             in every runtime (default 256; 1000 is the issue's full set, ~4× longer)
// --profile   also profile nunchi in Chromium (CDP Profiler: MiniLM q8_0 at batch 1 and 32, f32
//             at batch 32) with a copy of the wasm that keeps function names, and print the top self times
// --pkg DIR   bench another build of the package (default pkg/)
// --threads   also a cross-origin-isolated page (COOP/COEP): nunchi's Worker client on 1 thread
//             and on the wasm threads build with every core, beside transformers.js with as
//             many ORT threads, over the first --threads-lines N lines (default --lines); and
//             T5 q8_0 greedy decode through the Worker client on 1 thread and on every core
// --webgpu    also MiniLM q8_0 on WebGPU (a second Chromium with --enable-unsafe-webgpu):
//             nunchi and transformers.js, nunchi's wasm path beside them; --webgpu-lines N
//             (default 32, as SwiftShader is slow without a GPU)
//
// What it needs (besides pkg/wasm and models/ from scripts/prepare-models.sh):
// - transformers.js: installed on first use into $NUNCHI_CACHE/transformers-js
//   (npm, pinned below, --ignore-scripts: only its browser build and ORT's wasm are used);
// - the ONNX export of the same MiniLM: scripts/reference/export_onnx.py writes
//   $NUNCHI_CACHE/onnx/all-MiniLM-L6-v2/{onnx/model.onnx, onnx/model_quantized.onnx, ...};
// - target/release/nunchi for the native column (`nunchi bench-one`, the row runner of
//   `nunchi bench`, with RAYON_NUM_THREADS=1 and CANDLE_NUM_THREADS=1).
// After the tables: GOP/s per core from the FLOP counts (the models' config.json, token counts
// from transformers.js' tokenizers), beside this CPU's bound for SIMD128 int8 work.
// Missing pieces are skipped with a note, never faked.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
const cacheDir = process.env.NUNCHI_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'nunchi');
const dataFile = process.env.NUNCHI_BENCH_DATA ?? path.join(root, '../shared/data/mr_polarity/rt-polarity.pos');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TJS_VERSION = '4.3.1'; // @huggingface/transformers, pinned: it pins its onnxruntime-web
const tjsDir = path.join(cacheDir, 'transformers-js');
const onnxDir = path.join(cacheDir, 'onnx');

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const N = Number(option('--lines', 256));
const pkgDir = path.resolve(option('--pkg', path.join(root, 'pkg'))); // another build of the package, to compare
const allLines = readFileSync(dataFile, 'utf8').split('\n').filter(Boolean);
const lines = allLines.slice(0, N);
// Warm-up texts, never measured (the file's last 32 lines): every runtime embeds them one at a
// time and as a batch before its first measured chunk. V8 runs new wasm code in its baseline
// compiler (Liftoff) until a function is hot and its optimized code is ready, which took about
// 32 texts here; a two-text warm-up measured that ramp, and did so unevenly, since the runtimes'
// background compiles share the cores.
const warm = allLines.slice(-32);
// Golden texts that fit 256 tokens: sentence-transformers truncates at 256, transformers.js'
// pipeline at the tokenizer's 512, so the golden's 850-token text would compare truncations.
const golden = (() => {
  const g = JSON.parse(readFileSync(path.join(root, 'tests/goldens/minilm.json'), 'utf8'));
  const keep = g.texts.map((_, i) => g.token_ids[i].length < g.max_seq_length);
  return { texts: g.texts.filter((_, i) => keep[i]), embeddings: g.embeddings.filter((_, i) => keep[i]) };
})();
const T5_PREFILL_PROMPTS = lines.slice(0, 8).map((l) => `Is the following sentence positive or negative? ${l}`);
const T5_DECODE_PROMPTS = lines.slice(0, 4);
const T5_DECODE_TOKENS = 32;
const log = (...a) => console.error('bench-browser:', ...a);
const notes = [];

// ---------------------------------------------------------------- setup ----

function ensureTransformersJs() {
  const dist = path.join(tjsDir, 'node_modules/@huggingface/transformers/dist/transformers.js');
  const pkgJson = path.join(tjsDir, 'node_modules/@huggingface/transformers/package.json');
  if (existsSync(dist) && JSON.parse(readFileSync(pkgJson, 'utf8')).version === TJS_VERSION) return true;
  log(`installing @huggingface/transformers@${TJS_VERSION} into ${tjsDir} (npm, --ignore-scripts)`);
  const r = spawnSync('npm', ['install', '--prefix', tjsDir, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts',
    '--omit=optional', `@huggingface/transformers@${TJS_VERSION}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  return r.status === 0 && existsSync(dist);
}

/** A copy of the package's wasm that keeps function names (wasm-bindgen + wasm-opt -O3 -g), for --profile. */
async function namedWasmBuild() {
  const raw = path.join(root, 'target/wasm32-unknown-unknown/release/nunchi_wasm.wasm');
  if (!existsSync(raw)) { notes.push('--profile: no target/wasm32-unknown-unknown/release/nunchi_wasm.wasm; run scripts/build-wasm.sh'); return undefined; }
  const out = mkdtempSync(path.join(os.tmpdir(), 'nunchi-prof-'));
  await run('wasm-bindgen', ['--target', 'web', '--out-dir', out, '--out-name', 'nunchi_wasm', raw]);
  await run(path.join(root, 'node_modules/.bin/wasm-opt'), ['-O3', '-g', '--enable-simd', '--enable-bulk-memory',
    '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals',
    path.join(out, 'nunchi_wasm_bg.wasm'), '-o', path.join(out, 'nunchi_wasm_bg.wasm')]);
  return out;
}

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm', '.json': 'application/json' };
const PAGE = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>nunchi bench</title><p>bench page</p>';

/** Static server: /pkg/ (the package), /models/, /hf/<name>/resolve/main/, /tjs/ (transformers.js dist),
 * /ort/ (onnxruntime-web dist), /tjs-models/ (ONNX export, then models/), /pkg-prof/ (named-wasm copy). */
async function startBenchServer(profDir, { isolated = false } = {}) {
  // COOP/COEP on every response make the page cross-origin isolated (SharedArrayBuffer, wasm threads).
  const isolation = isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
  const counts = new Map();
  const routes = [
    [/^\/pkg-prof\/wasm\/(.+)$/, (m) => profDir && [profDir, m[1]]],
    [/^\/pkg-prof\/(.+)$/, (m) => [pkgDir, m[1]]],
    [/^\/pkg\/(.+)$/, (m) => [pkgDir, m[1]]],
    [/^\/models\/(.+)$/, (m) => [models, m[1]]],
    [/^\/hf\/([^/]+)\/resolve\/main\/(.+)$/, (m) => [models, path.join(m[1], m[2])]],
    [/^\/tjs\/(.+)$/, (m) => [path.join(tjsDir, 'node_modules/@huggingface/transformers/dist'), m[1]]],
    [/^\/ort\/(.+)$/, (m) => [path.join(tjsDir, 'node_modules/onnxruntime-web/dist'), m[1]]],
    [/^\/tjs-models\/(.+)$/, (m) => (existsSync(path.join(onnxDir, m[1])) ? [onnxDir, m[1]] : [models, m[1]])],
  ];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const p = decodeURIComponent(url.pathname);
    counts.set(p, (counts.get(p) ?? 0) + 1);
    if (process.env.BENCH_DEBUG) log('GET', p);
    if (p === '/' || p === '/bench.html') return res.writeHead(200, { 'content-type': 'text/html', ...isolation }).end(PAGE);
    for (const [re, to] of routes) {
      const m = p.match(re);
      const target = m && to(m);
      if (!target) continue;
      const file = path.join(target[0], target[1]);
      if (path.relative(target[0], file).startsWith('..')) break;
      try {
        if (!(await stat(file)).isFile()) break;
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': body.length, ...isolation });
        return res.end(body);
      } catch { break; }
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${server.address().port}`, counts, close: () => new Promise((r) => server.close(r)) };
}

// ------------------------------------------------- code run in the page ----
// Each function below is passed to page.evaluate, so it only uses its argument.

/** nunchi load to first embedding, with the time of each step (from progress events). */
async function nunchiFirstEmbedding({ pkg, model }) {
  const t0 = performance.now();
  const { Encoder } = await import(`${pkg}/index.js`);
  const marks = {};
  const enc = await Encoder.load(model, {
    onProgress: (e) => {
      const now = performance.now() - t0;
      if (e.status === 'download') { marks['first bytes'] ??= now; marks.downloaded = now; } else if (e.status !== 'ready') marks[e.status] ??= now;
    },
  });
  const ready = performance.now() - t0;
  await enc.embed(['hello world']);
  const first = performance.now() - t0;
  enc.dispose();
  return { first, ready, marks, cached: 'cached' in marks };
}

/** Runs every embedder of `run` over `texts`, one at a time and then as one batch. */
async function warmUp(run, texts) {
  for (const r of Object.values(run)) {
    for (const t of texts) await r([t]);
    await r(texts);
  }
}

/** Loads the embedders of one format into the page: nunchi, and transformers.js if `tjsDtype`. */
async function setupEmbedders({ pkg, model, quant, tjsDtype, warm }) {
  const { Encoder } = await import(`${pkg}/index.js`);
  const enc = await Encoder.load(model, quant ? { quant, cache: false } : {});
  const run = { nunchi: async (texts) => (await enc.embed(texts)).data };
  const dispose = [() => enc.dispose()];
  if (tjsDtype) {
    const tjs = await window.__tjsSetup();
    const ext = await tjs.pipeline('feature-extraction', 'all-MiniLM-L6-v2', { dtype: tjsDtype, device: 'wasm' });
    run.tjs = async (texts) => (await ext(texts, { pooling: 'mean', normalize: true })).data;
    dispose.push(() => ext.dispose?.());
  }
  await window.__warmUp(run, warm);
  window.__embedders = { run, dispose };
  return Object.keys(run);
}

/** The embedders of the WebGPU section, in a page with WebGPU: nunchi on WebGPU and on its
 * wasm path, and transformers.js on WebGPU when `tjs`. Each name maps to what failed, if it did. */
async function setupWebgpuEmbedders({ pkg, model, tjs, warm }) {
  const { Encoder } = await import(`${pkg}/index.js`);
  const run = {};
  const dispose = [];
  const failed = {};
  const gpu = await Encoder.load(model, { device: 'webgpu' });
  const cpu = await Encoder.load(model, { device: 'cpu' });
  run.nunchiWebgpu = async (texts) => (await gpu.embed(texts)).data;
  run.nunchiWasm = async (texts) => (await cpu.embed(texts)).data;
  dispose.push(() => gpu.dispose(), () => cpu.dispose());
  if (tjs) {
    try {
      const t = await window.__tjsSetup();
      const ext = await t.pipeline('feature-extraction', 'all-MiniLM-L6-v2', { dtype: 'q8', device: 'webgpu' });
      run.tjsWebgpu = async (texts) => (await ext(texts, { pooling: 'mean', normalize: true })).data;
      dispose.push(() => ext.dispose?.());
    } catch (e) {
      failed.tjsWebgpu = String(e?.message ?? e).slice(0, 200);
    }
  }
  await window.__warmUp(run, warm);
  window.__embedders = { run, dispose };
  return { names: Object.keys(run), failed, adapter: gpu.info.adapter };
}

/** The embedders of the threads section, on a cross-origin-isolated page: nunchi's Worker
 * client on 1 thread and on `threads` (the wasm threads build), and transformers.js with
 * `threads` ORT threads when `tjs`. */
async function setupThreadedEmbedders({ pkg, model, tjs, threads, warm }) {
  const { createWorkerClient } = await import(`${pkg}/client.js`);
  const run = {};
  const dispose = [];
  const infos = {};
  for (const [name, t] of [['nunchi1', 1], ['nunchiN', threads]]) {
    const client = createWorkerClient(undefined, { threads: t });
    const enc = await client.Encoder.load(model, { device: 'cpu' });
    infos[name] = { threads: enc.info.threads, threadsFallbackReason: enc.info.threadsFallbackReason };
    run[name] = async (texts) => (await enc.embed(texts)).data;
    dispose.push(() => client.terminate());
  }
  if (tjs) {
    window.__tjsThreads = threads;
    const t = await window.__tjsSetup();
    const ext = await t.pipeline('feature-extraction', 'all-MiniLM-L6-v2', { dtype: 'q8', device: 'wasm' });
    infos.tjsN = { threads: t.env.backends.onnx.wasm.numThreads };
    run.tjsN = async (texts) => (await ext(texts, { pooling: 'mean', normalize: true })).data;
    dispose.push(() => ext.dispose?.());
  }
  await window.__warmUp(run, warm);
  window.__embedders = { run, dispose };
  return { infos, isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency };
}

/** Seconds each embedder takes for `chunk` one text at a time, and as one batch. */
async function embedChunk({ chunk }) {
  const out = {};
  for (const [name, run] of Object.entries(window.__embedders.run)) {
    let t = performance.now();
    for (const line of chunk) await run([line]);
    const b1 = (performance.now() - t) / 1e3;
    t = performance.now();
    await run(chunk);
    out[name] = { b1, b32: (performance.now() - t) / 1e3 };
  }
  return out;
}

/** T5 q8_0 greedy decode through the Worker client on 1 thread and on `threads`: seconds per
 * client for `rounds` rounds of the decode prompts, clients alternating every prompt (each warmed
 * up on one prompt first); then frees them. Greedy decoding gives both the same tokens. */
async function threadT5Seconds({ pkg, model, threads, prompts, maxNewTokens, rounds }) {
  const { createWorkerClient } = await import(`${pkg}/client.js`);
  const runs = {};
  const clients = [];
  for (const [name, t] of [['nunchi1', 1], ['nunchiN', threads]]) {
    const client = createWorkerClient(undefined, { threads: t });
    clients.push(client);
    const gen = await client.Text2Text.load(model, { device: 'cpu' });
    runs[name] = (p) => gen.generate(p, { maxNewTokens });
    await runs[name](prompts[0]);
  }
  const secs = { nunchi1: 0, nunchiN: 0 };
  for (let r = 0; r < rounds; r++) {
    for (const p of prompts) {
      for (const name of r % 2 ? ['nunchiN', 'nunchi1'] : ['nunchi1', 'nunchiN']) {
        const t = performance.now();
        await runs[name](p);
        secs[name] += (performance.now() - t) / 1e3;
      }
    }
  }
  for (const c of clients) c.terminate();
  return secs;
}

/** Min cosine of each embedder with the sentence-transformers goldens; then frees them. */
async function goldenCosines({ golden }) {
  const out = {};
  for (const [name, run] of Object.entries(window.__embedders.run)) {
    let min = 1;
    for (let i = 0; i < golden.texts.length; i++) {
      const data = await run([golden.texts[i]]);
      let d = 0; for (let j = 0; j < data.length; j++) d += data[j] * golden.embeddings[i][j];
      min = Math.min(min, d);
    }
    out[name] = min;
  }
  for (const d of window.__embedders.dispose) await d();
  return out;
}

/** Loads T5 through the API (timed: from the cache) and again straight into the wasm class. */
async function setupT5({ pkg, model }) {
  const { Text2Text } = await import(`${pkg}/index.js`);
  const wasm = await import(`${pkg}/wasm/nunchi_wasm.js`);
  const t = performance.now();
  const api = await Text2Text.load(model);
  const loadMs = performance.now() - t;
  const raw = wasm.Text2Text.fromGguf(new Uint8Array(await (await fetch(model)).arrayBuffer()));
  window.__t5 = { api, raw };
  return loadMs;
}

/** One round of T5: encoder prefill (startGeneration runs the encoder), then greedy decode both
 * through the API's generate(), which yields to the event loop between tokens, and straight on
 * the wasm class with no yield, prompt by prompt. Greedy: both produce the same tokens. */
async function t5Round({ prefillPrompts, decodePrompts, decodeTokens }) {
  const { api, raw } = window.__t5;
  let prefillS = 0, apiS = 0, rawS = 0, tokens = 0, t;
  for (const p of prefillPrompts) {
    t = performance.now();
    raw.startGeneration(p, 0, 0, 0, 1, 0);
    prefillS += (performance.now() - t) / 1e3;
    raw.cancelGeneration();
  }
  for (const p of decodePrompts) {
    t = performance.now();
    await api.generate(p, { maxNewTokens: decodeTokens, onToken: () => {} });
    apiS += (performance.now() - t) / 1e3;
    t = performance.now();
    raw.startGeneration(p, decodeTokens, 0, 0, 1, 0);
    while (raw.nextPiece() !== undefined) { /* next token */ }
    const g = raw.finishGeneration();
    rawS += (performance.now() - t) / 1e3;
    tokens += g.tokens.length + (g.finished ? 1 : 0);
  }
  return { prefillS, apiS, rawS, tokens };
}

/** wasm memory with MiniLM q8_0 and T5 q8_0 loaded (fresh page), then after one embed and 8 tokens. */
async function nunchiMemory({ pkg, minilm, t5 }) {
  const { Encoder, Text2Text, wasmMemoryBytes } = await import(`${pkg}/index.js`);
  const enc = await Encoder.load(minilm);
  const gen = await Text2Text.load(t5);
  const loaded = wasmMemoryBytes();
  await enc.embed(['hello world, a short review of a film']);
  await gen.generate('Is this review positive or negative? a triumph', { maxNewTokens: 8 });
  const used = wasmMemoryBytes();
  const jsHeap = performance.memory?.usedJSHeapSize;
  enc.dispose(); gen.dispose();
  return { loaded, used, jsHeap };
}

async function tjsSetup() {
  const tjs = await import('/tjs/transformers.js');
  const { env } = tjs;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = '/tjs-models/'; // a path: 4.3.1 skips its local-file check for a full URL
  // transformers.js' own default ORT files (the asyncify SIMD build), served here instead of from a CDN.
  env.backends.onnx.wasm.wasmPaths = { mjs: `${location.origin}/ort/ort-wasm-simd-threaded.asyncify.mjs`, wasm: `${location.origin}/ort/ort-wasm-simd-threaded.asyncify.wasm` };
  // Single-threaded, like nunchi's main-thread API, unless the threads section set more
  // (ORT's threads need a cross-origin-isolated page, as nunchi's do).
  env.backends.onnx.wasm.numThreads = window.__tjsThreads ?? 1;
  return tjs;
}

async function tjsFirstEmbedding({ dtype }) {
  const t0 = performance.now();
  const tjs = await window.__tjsSetup();
  const ext = await tjs.pipeline('feature-extraction', 'all-MiniLM-L6-v2', { dtype, device: 'wasm' });
  const ready = performance.now() - t0;
  await ext(['hello world'], { pooling: 'mean', normalize: true });
  const first = performance.now() - t0;
  await ext.dispose?.();
  return { first, ready, ortVersion: tjs.env.backends.onnx.versions?.web, threads: tjs.env.backends.onnx.wasm.numThreads };
}

/** Encoder prompt lengths (T5 tokenizer, via transformers.js), for prefill tokens/s. Its tokenizer
 * keeps a trailing space as a lone '▁' token, where Hugging Face's tokenizers (and nunchi's, which
 * matches them) drop it: count the trimmed prompt, as nunchi's encoder sees it. */
async function t5TokenCount({ prompts }) {
  const tjs = await window.__tjsSetup();
  const tok = await tjs.AutoTokenizer.from_pretrained('flan-t5-small-generated');
  return prompts.reduce((n, p) => n + tok.encode(p.trimEnd()).length, 0);
}

/** Tokens of `lines` as MiniLM sees them ([CLS] and [SEP] included), via transformers.js' BERT
 * tokenizer (the same WordPiece vocabulary), for GOP/s. */
async function miniLmTokenCount({ lines }) {
  const tjs = await window.__tjsSetup();
  const tok = await tjs.AutoTokenizer.from_pretrained('all-MiniLM-L6-v2');
  return lines.reduce((n, l) => n + tok.encode(l).length, 0);
}

// ------------------------------------------------------------- runners ----

async function newPage(context, base) {
  const page = await context.newPage();
  page.on('pageerror', (e) => log('page error:', e.message));
  // (404s are expected: optional Hugging Face files that a model folder may lack.)
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 404/.test(m.text())) log('page console:', m.text()); });
  await page.goto(`${base}/bench.html`);
  await page.evaluate(`window.__tjsSetup = ${tjsSetup.toString()}`);
  await page.evaluate(`window.__warmUp = ${warmUp.toString()}`);
  return page;
}

/** In one fresh browser context (empty caches), each in its own page: nunchi and transformers.js
 * loaded from the network and then from their caches, and nunchi's wasm memory with both models.
 * Returns the context, whose caches are now warm. */
async function loadColumns(browser, server, out, { tjsReady }) {
  const context = await browser.newContext();
  const M = { pkg: '/pkg', model: '/models/all-MiniLM-L6-v2-q8_0.gguf' };
  const step = async (what, fn, arg) => {
    log(what);
    const page = await newPage(context, server.base);
    try { return await page.evaluate(fn, arg); } finally { await page.close(); }
  };
  out.nunchi.network = await step('Chromium nunchi: MiniLM q8_0 load from network to first embedding', nunchiFirstEmbedding, M);
  out.nunchi.memory = await step('Chromium nunchi: wasm memory with MiniLM q8_0 and T5 q8_0', nunchiMemory, { pkg: M.pkg, minilm: M.model, t5: T5_URL });
  out.nunchi.cache = await step('Chromium nunchi: MiniLM q8_0 load from cache to first embedding', nunchiFirstEmbedding, M);
  if (tjsReady) {
    out.tjs.network = await step('Chromium transformers.js: q8 load from network to first embedding', tjsFirstEmbedding, { dtype: 'q8' });
    const onnx = '/tjs-models/all-MiniLM-L6-v2/onnx/model_quantized.onnx';
    const before = server.counts.get(onnx) ?? 0;
    out.tjs.cache = await step('Chromium transformers.js: q8 load again (its cache) to first embedding', tjsFirstEmbedding, { dtype: 'q8' });
    out.tjs.cache.fromCache = (server.counts.get(onnx) ?? 0) === before;
  }
  return context;
}

/** Embeddings/s at batch 1 and 32 for every runtime, alternating 32-line chunks between them
 * (Chromium nunchi, Chromium transformers.js, Node nunchi, native) so all see the same load. */
async function embedColumns(context, server, format, { tjsReady }) {
  const f32 = format === 'f32';
  const page = await newPage(context, server.base);
  const setup = { pkg: '/pkg', model: f32 ? '/hf/all-MiniLM-L6-v2' : '/models/all-MiniLM-L6-v2-q8_0.gguf', quant: f32 ? 'f32' : undefined,
    tjsDtype: tjsReady ? (f32 ? 'fp32' : 'q8') : undefined, warm };
  log(`${format}: loading the embedders, then ${N} lines in chunks of 32, runtimes alternating`);
  await page.evaluate(setupEmbedders, setup);
  const localModel = path.join(models, f32 ? 'all-MiniLM-L6-v2' : 'all-MiniLM-L6-v2-q8_0.gguf');
  let nodeEnc;
  if (!flag('--no-node')) {
    const { Encoder } = await import(pathToFileURL(path.join(pkgDir, 'index.js')).href);
    nodeEnc = await Encoder.load(localModel, f32 ? { quant: 'f32' } : {});
    await warmUp({ node: (texts) => nodeEnc.embed(texts) }, warm);
  }
  const secs = {};
  const add = (name, b1, b32) => { secs[name] ??= { b1: 0, b32: 0 }; secs[name].b1 += b1; secs[name].b32 += b32; };
  const chunkFile = path.join(tmp, 'chunk.txt');
  for (let i = 0; i < lines.length; i += 32) {
    const chunk = lines.slice(i, i + 32);
    for (const [name, r] of Object.entries(await page.evaluate(embedChunk, { chunk }))) add(name, r.b1, r.b32);
    if (nodeEnc) {
      let t = performance.now();
      for (const line of chunk) await nodeEnc.embed([line]);
      const b1 = (performance.now() - t) / 1e3;
      t = performance.now();
      await nodeEnc.embed(chunk);
      add('node', b1, (performance.now() - t) / 1e3);
    }
    if (nativeBin) {
      writeFileSync(chunkFile, `${chunk.join('\n')}\n`);
      const r = await nativeOne('embed', localModel, f32 ? 'f32' : 'q8_0', chunkFile, chunk.length);
      add('native', chunk.length / r.emb_s_b1, chunk.length / r.emb_s_b32);
    }
  }
  nodeEnc?.dispose();
  const cos = await page.evaluate(goldenCosines, { golden });
  await page.close();
  const rate = {};
  for (const [name, s] of Object.entries(secs)) rate[name] = { b1: lines.length / s.b1, b32: lines.length / s.b32, minCos: cos[name] };
  return rate;
}

/** Emb/s at batch 1 and 32 of the page's embedders over `subset` (chunks of 32, embedders
 * alternating), and their min cosines to the goldens; then frees them. */
async function pageRates(page, subset) {
  const secs = {};
  for (let i = 0; i < subset.length; i += 32) {
    for (const [name, r] of Object.entries(await page.evaluate(embedChunk, { chunk: subset.slice(i, i + 32) }))) {
      secs[name] ??= { b1: 0, b32: 0 };
      secs[name].b1 += r.b1;
      secs[name].b32 += r.b32;
    }
  }
  const cos = await page.evaluate(goldenCosines, { golden });
  const rate = {};
  for (const [name, x] of Object.entries(secs)) rate[name] = { b1: subset.length / x.b1, b32: subset.length / x.b32, minCos: cos[name] };
  return rate;
}

/** MiniLM q8_0 on WebGPU in a second Chromium (--enable-unsafe-webgpu): nunchi and
 * transformers.js, with nunchi's wasm path in the same page for scale, over the first
 * `n` lines in chunks of 32 (runtimes alternating), and their cosines to the goldens. */
async function webgpuColumns(server, n, { tjsReady }) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, '--enable-unsafe-webgpu'] });
  try {
    const page = await newPage(await browser.newContext(), server.base);
    log(`WebGPU: loading the embedders, then ${n} lines in chunks of 32 (SwiftShader is slow)`);
    const setup = await page.evaluate(setupWebgpuEmbedders, { pkg: '/pkg', model: '/models/all-MiniLM-L6-v2-q8_0.gguf', tjs: tjsReady, warm: warm.slice(0, 4) });
    const subset = lines.slice(0, n);
    const rate = await pageRates(page, subset);
    return { rate, failed: setup.failed, adapter: setup.adapter, lines: subset.length };
  } finally {
    await browser.close();
  }
}

/** MiniLM q8_0 with threads, on a cross-origin-isolated page of a second server: nunchi's
 * Worker client on 1 thread and on every core, transformers.js on as many ORT threads; then T5
 * decode on nunchi's two (given the tokens a round of the decode prompts generates). */
async function threadColumns(n, { tjsReady, t5Tokens }) {
  const isoServer = await startBenchServer(undefined, { isolated: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  try {
    const page = await newPage(await browser.newContext(), isoServer.base);
    const threads = await page.evaluate(() => navigator.hardwareConcurrency);
    log(`threads: loading the embedders (${threads} threads), then ${n} lines in chunks of 32, runtimes alternating`);
    const setup = await page.evaluate(setupThreadedEmbedders, { pkg: '/pkg', model: '/models/all-MiniLM-L6-v2-q8_0.gguf', tjs: tjsReady, threads, warm });
    const subset = lines.slice(0, n);
    const rate = await pageRates(page, subset);
    let t5;
    if (t5Tokens) {
      log(`threads: T5 q8_0 greedy decode through the Worker client, 1 and ${threads} threads alternating`);
      const rounds = 2;
      const secs = await page.evaluate(threadT5Seconds, { pkg: '/pkg', model: T5_URL, threads, prompts: T5_DECODE_PROMPTS, maxNewTokens: T5_DECODE_TOKENS, rounds });
      t5 = { nunchi1: (t5Tokens * rounds) / secs.nunchi1, nunchiN: (t5Tokens * rounds) / secs.nunchiN };
    }
    return { rate, t5, ...setup, threads, lines: subset.length };
  } finally {
    await browser.close();
    await isoServer.close();
  }
}

/** T5 q8_0: prefill and decode in Chromium, Node and native, alternating over `rounds` rounds. */
async function t5Columns(context, server, rounds = 2) {
  const page = await newPage(context, server.base);
  log('T5 q8_0: load from cache, then prefill and decode, runtimes alternating');
  const loadMs = await page.evaluate(setupT5, { pkg: '/pkg', model: T5_URL });
  const gguf = path.join(models, 'flan-t5-small-generated-q8_0.gguf');
  const work = { prefillPrompts: T5_PREFILL_PROMPTS, decodePrompts: T5_DECODE_PROMPTS, decodeTokens: T5_DECODE_TOKENS };
  let raw;
  if (!flag('--no-node')) {
    const wasm = await import(pathToFileURL(path.join(pkgDir, 'wasm/nunchi_wasm.js')).href);
    raw = wasm.Text2Text.fromGguf(new Uint8Array(readFileSync(gguf)));
  }
  const sum = { chromium: { prefillS: 0, apiS: 0, rawS: 0, tokens: 0 }, node: { prefillS: 0, rawS: 0, tokens: 0 }, native: { invPrefill: 0, invDecode: 0, loadMs: undefined } };
  for (let r = 0; r < rounds; r++) {
    const c = await page.evaluate(t5Round, work);
    for (const k of Object.keys(c)) sum.chromium[k] += c[k];
    if (raw) {
      const n = await nodeT5Round(raw);
      for (const k of Object.keys(n)) sum.node[k] += n[k];
    }
    if (nativeBin) {
      const n = await nativeOne('t5', gguf, 'q8_0', dataFile, 8);
      sum.native.invPrefill += 1 / n.prefill_tok_s;
      sum.native.invDecode += 1 / n.decode_tok_s;
      sum.native.loadMs ??= n.load_ms;
    }
  }
  await page.evaluate(() => { window.__t5.api.dispose(); window.__t5.raw.free(); });
  await page.close();
  raw?.free();
  return {
    loadMs,
    decodeTokens: sum.chromium.tokens / rounds,
    chromium: { prefillS: sum.chromium.prefillS / rounds, rawDecode: sum.chromium.tokens / sum.chromium.rawS, apiDecode: sum.chromium.tokens / sum.chromium.apiS },
    node: raw && { prefillS: sum.node.prefillS / rounds, rawDecode: sum.node.tokens / sum.node.rawS },
    native: nativeBin && { prefill: rounds / sum.native.invPrefill, decode: rounds / sum.native.invDecode, loadMs: sum.native.loadMs },
  };
}

/** Node's round of T5 on the wasm class (the same steps as t5Round's, without the API). */
async function nodeT5Round(raw) {
  let prefillS = 0, rawS = 0, tokens = 0, t;
  for (const p of T5_PREFILL_PROMPTS) {
    t = performance.now();
    raw.startGeneration(p, 0, 0, 0, 1, 0);
    prefillS += (performance.now() - t) / 1e3;
    raw.cancelGeneration();
  }
  for (const p of T5_DECODE_PROMPTS) {
    t = performance.now();
    raw.startGeneration(p, T5_DECODE_TOKENS, 0, 0, 1, 0);
    while (raw.nextPiece() !== undefined) { /* next token */ }
    const g = raw.finishGeneration();
    rawS += (performance.now() - t) / 1e3;
    tokens += g.tokens.length + (g.finished ? 1 : 0);
  }
  return { prefillS, rawS, tokens };
}

/** One native measurement in a fresh process (`nunchi bench-one`, the row runner of `nunchi bench`), 1 thread. */
async function nativeOne(task, model, quant, data, n) {
  const env = { ...process.env, RAYON_NUM_THREADS: '1', CANDLE_NUM_THREADS: '1' };
  const { stdout } = await run(nativeBin, ['bench-one', '--task', task, '--model', model, '--quant', quant, '--data', data,
    '--lines', String(n), '--decode-tokens', String(T5_DECODE_TOKENS)], { env, cwd: root, maxBuffer: 1 << 20 });
  return JSON.parse(stdout);
}

/** CDP sampling profile of embeds in batches of `batch`: top self-time functions. */
async function profile(page, { pkg, model, options = {}, lines: profLines, batch }) {
  await page.evaluate(async ({ pkg, model, options, warm }) => {
    const { Encoder } = await import(`${pkg}/index.js`);
    window.__penc = await Encoder.load(model, options);
    await window.__warmUp({ nunchi: (texts) => window.__penc.embed(texts) }, warm);
  }, { pkg, model, options, warm });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await page.evaluate(async ({ profLines, batch }) => {
    for (let i = 0; i < profLines.length; i += batch) await window.__penc.embed(profLines.slice(i, i + batch));
  }, { profLines, batch });
  const { profile: p } = await cdp.send('Profiler.stop');
  const self = new Map();
  const dt = new Map(p.samples.map((id, i) => [i, p.timeDeltas[i] ?? 0]));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  let total = 0;
  p.samples.forEach((id, i) => {
    const n = byId.get(id);
    const name = (n.callFrame.functionName || `(${n.callFrame.url.split('/').pop() || 'anonymous'})`)
      .replace(/::h[0-9a-f]{16}$/, '').replace(/\[[0-9a-f]{16}\]/g, ''); // Rust symbol hashes
    const d = dt.get(i);
    self.set(name, (self.get(name) ?? 0) + d);
    total += d;
  });
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([name, us]) => ({ name, pct: (100 * us) / total }));
  return { totalMs: total / 1e3, top };
}

// ---------------------------------------------------------------- main ----

const loadAtStart = os.loadavg()[0];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'nunchi-bench-'));
const T5_URL = '/models/flan-t5-small-generated-q8_0.gguf';
const nativeBin = !flag('--no-native') && existsSync(path.join(root, 'target/release/nunchi')) ? path.join(root, 'target/release/nunchi') : undefined;
if (!flag('--no-native') && !nativeBin) notes.push('native column skipped: build it with cargo build --release -p nunchi-cli');
const nunchiWasm = readFileSync(path.join(pkgDir, 'wasm/nunchi_wasm_bg.wasm'));
const tjsReady = !flag('--no-tjs') && ensureTransformersJs() && existsSync(path.join(onnxDir, 'all-MiniLM-L6-v2/onnx/model_quantized.onnx'));
if (!flag('--no-tjs') && !tjsReady) notes.push('transformers.js column skipped: run scripts/reference/export_onnx.py (ONNX export) first');
const profDir = flag('--profile') ? await namedWasmBuild() : undefined;
const server = await startBenchServer(profDir);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
const chromiumVersion = browser.version();
const c = { nunchi: {}, tjs: {} };
let q8, f32, t5, prefillTokens, miniLmTokens, prof, gpuCols, threadCols;
try {
  const context = await loadColumns(browser, server, c, { tjsReady });
  q8 = await embedColumns(context, server, 'q8', { tjsReady });
  f32 = await embedColumns(context, server, 'f32', { tjsReady });
  t5 = await t5Columns(context, server);
  if (flag('--threads')) threadCols = await threadColumns(Number(option('--threads-lines', N)), { tjsReady, t5Tokens: t5.decodeTokens });
  if (flag('--webgpu')) gpuCols = await webgpuColumns(server, Number(option('--webgpu-lines', 32)), { tjsReady });
  if (tjsReady) {
    const page = await newPage(context, server.base);
    prefillTokens = await page.evaluate(t5TokenCount, { prompts: T5_PREFILL_PROMPTS });
    miniLmTokens = await page.evaluate(miniLmTokenCount, { lines });
    await page.close();
  }
  if (profDir) {
    log('Chromium nunchi: profiling q8_0 at batch 1 and 32, f32 at batch 32 (wasm with names)');
    const cases = [
      ['q8_0, batch 1', { model: '/models/all-MiniLM-L6-v2-q8_0.gguf', lines: lines.slice(0, 100), batch: 1 }],
      ['q8_0, batch 32', { model: '/models/all-MiniLM-L6-v2-q8_0.gguf', lines: lines.slice(0, 128), batch: 32 }],
      ['f32, batch 32', { model: '/hf/all-MiniLM-L6-v2', options: { quant: 'f32', cache: false }, lines: lines.slice(0, 128), batch: 32 }],
    ];
    prof = {};
    for (const [name, arg] of cases) {
      const page = await newPage(context, server.base);
      prof[name] = await profile(page, { pkg: '/pkg-prof', ...arg });
      await page.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
  if (profDir) rmSync(profDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- table ----

const f = (x, d = 1) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
const ratio = (a, b) => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`);
const mb = (b) => b / 1e6;
const ortWasm = tjsReady ? readFileSync(path.join(tjsDir, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm')) : undefined;
const tjsJs = tjsReady ? readFileSync(path.join(tjsDir, 'node_modules/@huggingface/transformers/dist/transformers.js')) : undefined;
const prefill = (x) => (prefillTokens && x ? prefillTokens / x.prefillS : undefined);

// [metric, Chromium nunchi, Chromium transformers.js, Node nunchi, native, digits]
const rows = [
  ['MiniLM q8 emb/s, batch 1', q8.nunchi.b1, q8.tjs?.b1, q8.node?.b1, q8.native?.b1],
  ['MiniLM q8 emb/s, batch 32', q8.nunchi.b32, q8.tjs?.b32, q8.node?.b32, q8.native?.b32],
  ['MiniLM f32 emb/s, batch 1', f32.nunchi.b1, f32.tjs?.b1, f32.node?.b1, f32.native?.b1],
  ['MiniLM f32 emb/s, batch 32', f32.nunchi.b32, f32.tjs?.b32, f32.node?.b32, f32.native?.b32],
  [`MiniLM q8: min cosine vs sentence-transformers (${golden.texts.length} golden texts)`, q8.nunchi.minCos, q8.tjs?.minCos, undefined, undefined, 4],
  ['MiniLM f32: min cosine vs sentence-transformers', f32.nunchi.minCos, f32.tjs?.minCos, undefined, undefined, 5],
  ['MiniLM q8 load from network to first embedding, ms', c.nunchi.network.first, c.tjs.network?.first, undefined, undefined, 0],
  ['MiniLM q8 load from cache to first embedding, ms', c.nunchi.cache.first, c.tjs.cache?.first, undefined, undefined, 0],
  [`T5 q8 prefill tok/s (encoder, ${T5_PREFILL_PROMPTS.length} prompts)`, prefill(t5.chromium), undefined, prefill(t5.node), t5.native?.prefill, 0],
  [`T5 q8 decode tok/s (${T5_DECODE_PROMPTS.length}×${T5_DECODE_TOKENS} greedy, encoder included)`, t5.chromium.rawDecode, undefined, t5.node?.rawDecode, t5.native?.decode],
  ['T5 q8 decode tok/s through `generate()` (yields between tokens)', t5.chromium.apiDecode],
  ['T5 q8 load, ms (Chromium: from cache; native: from file)', t5.loadMs, undefined, undefined, t5.native?.loadMs, 0],
];
const table = ['| metric | Chromium nunchi | Chromium transformers.js | Node nunchi | native 1 thread | nunchi Chromium / transformers.js | nunchi Chromium / native |',
  '|---|---|---|---|---|---|---|'];
for (const [name, a, b, n, nat, d = 1] of rows) {
  const cos = /cosine/.test(name);
  table.push(`| ${name} | ${f(a, d)} | ${f(b, d)} | ${f(n, d)} | ${f(nat, d)} | ${cos ? '—' : ratio(a, b)} | ${cos ? '—' : ratio(a, nat)} |`);
}
const mem = c.nunchi.memory;
const gz = (buf) => f(mb(gzipSync(buf, { level: 9 }).length), 2);
const sizes = `nunchi wasm ${f(mb(nunchiWasm.length), 2)} MB raw, ${gz(nunchiWasm)} MB gzip` +
  (ortWasm ? `; transformers.js: ORT wasm (asyncify SIMD build, its default) ${f(mb(ortWasm.length), 2)} MB raw, ${gz(ortWasm)} MB gzip, plus ${f(mb(tjsJs.length), 2)} MB of JS (${gz(tjsJs)} MB gzip)` : '');
const steps = (x) => Object.entries(x.marks).map(([k, v]) => `${k} ${f(v, 0)}`).join(', ');

console.log(`Chromium ${chromiumVersion} headless, Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}); ` +
  `load average ${f(loadAtStart, 1)} at the start, ${f(os.loadavg()[0], 1)} at the end. Every runtime single-threaded; ` +
  `emb/s over the first ${N} lines of rt-polarity.pos, one at a time and in batches of 32, the runtimes taking turns every 32 lines, ` +
  `each runtime first warmed up on the file's last ${warm.length} lines (one at a time, then as a batch).` +
  (c.tjs.network ? ` transformers.js ${TJS_VERSION} (ONNX Runtime Web ${c.tjs.network.ortVersion}, wasm numThreads ${c.tjs.network.threads}).` : '') + '\n');
console.log(table.join('\n'));
console.log('');
console.log('- Ratios above 1× favour nunchi for speeds; for the ms rows, below 1× does.');
console.log(`- wasm memory in Chromium with MiniLM q8_0 and T5 q8_0 loaded: ${f(mb(mem.loaded), 0)} MB; after one embed and 8 generated tokens: ${f(mb(mem.used), 0)} MB (goal ≤ 300). JS heap then: ${f(mb(mem.jsHeap ?? NaN), 0)} MB.`);
console.log(`- Download sizes: ${sizes}. Model files: nunchi q8_0 GGUF ${f(mb(statSize(path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf'))), 1)} MB` +
  (tjsReady ? `, ONNX model_quantized.onnx ${f(mb(statSize(path.join(onnxDir, 'all-MiniLM-L6-v2/onnx/model_quantized.onnx'))), 1)} MB.` : '.'));
console.log(`- nunchi MiniLM load, ms after Encoder.load() (network): ${steps(c.nunchi.network)}, ready ${f(c.nunchi.network.ready, 0)}, first embedding ${f(c.nunchi.network.first, 0)}.`);
console.log(`- nunchi MiniLM load, ms after Encoder.load() (cache): ${steps(c.nunchi.cache)}, ready ${f(c.nunchi.cache.ready, 0)}, first embedding ${f(c.nunchi.cache.first, 0)} (goal ≤ 1500).`);
if (c.tjs.cache) console.log(`- transformers.js second load: ${c.tjs.cache.fromCache ? 'the model came from its Cache Storage' : 'the model was fetched again (not cached)'}; pipeline ready after ${f(c.tjs.cache.ready, 0)} ms.`);
if (gpuCols) {
  const g = gpuCols.rate;
  console.log(`\nWebGPU in headless Chromium with --enable-unsafe-webgpu, adapter: ${gpuCols.adapter}. Without a GPU this is` +
    ' SwiftShader, which emulates the GPU on the CPU: these rows show correctness and overhead, not GPU speed.' +
    ` First ${gpuCols.lines} lines, runtimes alternating every 32 lines, MiniLM q8_0 (transformers.js: its q8 ONNX on its WebGPU device).\n`);
  console.log('| metric | nunchi WebGPU | transformers.js WebGPU | nunchi wasm SIMD (same page) | nunchi WebGPU / transformers.js WebGPU |');
  console.log('|---|---|---|---|---|');
  console.log(`| emb/s, batch 1 | ${f(g.nunchiWebgpu?.b1, 2)} | ${f(g.tjsWebgpu?.b1, 2)} | ${f(g.nunchiWasm?.b1, 1)} | ${ratio(g.nunchiWebgpu?.b1, g.tjsWebgpu?.b1)} |`);
  console.log(`| emb/s, batch 32 | ${f(g.nunchiWebgpu?.b32, 2)} | ${f(g.tjsWebgpu?.b32, 2)} | ${f(g.nunchiWasm?.b32, 1)} | ${ratio(g.nunchiWebgpu?.b32, g.tjsWebgpu?.b32)} |`);
  console.log(`| min cosine vs sentence-transformers (${golden.texts.length} golden texts) | ${f(g.nunchiWebgpu?.minCos, 4)} | ${f(g.tjsWebgpu?.minCos, 4)} | ${f(g.nunchiWasm?.minCos, 4)} | — |`);
  for (const [name, why] of Object.entries(gpuCols.failed)) console.log(`- ${name} could not run: ${why}`);
}
if (threadCols) {
  const t = threadCols.rate;
  const n = threadCols.threads;
  console.log(`\nThreads: a cross-origin-isolated page (COOP/COEP, crossOriginIsolated ${threadCols.isolated}), ${threadCols.cores} cores.` +
    ` nunchi through its Worker client, on 1 thread and on the wasm threads build (${threadCols.infos.nunchiN?.threads} kernel threads` +
    `${threadCols.infos.nunchiN?.threadsFallbackReason ? `; ${threadCols.infos.nunchiN.threadsFallbackReason}` : ''});` +
    ` transformers.js q8 with ORT numThreads ${threadCols.infos.tjsN?.threads ?? '—'}. First ${threadCols.lines} lines, runtimes alternating every 32 lines.\n`);
  console.log(`| metric | nunchi 1 thread (worker) | nunchi ${n} threads (worker) | transformers.js ${n} threads | nunchi ${n} threads / transformers.js ${n} threads | nunchi ${n} threads / 1 thread |`);
  console.log('|---|---|---|---|---|---|');
  for (const b of ['b1', 'b32']) {
    console.log(`| MiniLM q8 emb/s, batch ${b.slice(1)} | ${f(t.nunchi1?.[b])} | ${f(t.nunchiN?.[b])} | ${f(t.tjsN?.[b])} | ${ratio(t.nunchiN?.[b], t.tjsN?.[b])} | ${ratio(t.nunchiN?.[b], t.nunchi1?.[b])} |`);
  }
  const d = threadCols.t5;
  if (d) console.log(`| T5 q8 decode tok/s (4×32 greedy, encoder included; \`generate()\`) | ${f(d.nunchi1)} | ${f(d.nunchiN)} | — | — | ${ratio(d.nunchiN, d.nunchi1)} |`);
  console.log(`| min cosine vs sentence-transformers | ${f(t.nunchi1?.minCos, 4)} | ${f(t.nunchiN?.minCos, 4)} | ${f(t.tjsN?.minCos, 4)} | — | — |`);
}
printWork();
if (prefillTokens) console.log(`- T5 prefill: ${prefillTokens} encoder tokens over the ${T5_PREFILL_PROMPTS.length} prompts; decode and prefill are averaged over 2 rounds, runtimes alternating.`);
console.log('- "network" is a loopback server on this machine (no throttling). The T5 weights are generated test weights with the real shapes.');
for (const [name, p] of Object.entries(prof ?? {})) {
  console.log(`\nTop self time, nunchi MiniLM ${name} in Chromium (CDP sampling profile over ${f(p.totalMs, 0)} ms; a copy of the wasm that keeps function names):\n`);
  console.log('| function | self % |\n|---|---|');
  for (const { name: fn, pct } of p.top) console.log(`| \`${fn.replace(/\|/g, '\\|')}\` | ${f(pct, 1)} |`);
}
for (const n of notes) console.log(`- note: ${n}`);
if (option('--json')) writeFileSync(option('--json'), JSON.stringify({ N, loads: c, q8, f32, t5, prefillTokens, miniLmTokens, profile: prof, webgpu: gpuCols, threads: threadCols }, null, 2));

/** Multiply-adds × 2 per token in the linear layers (attention's own products are ~1% at these
 * lengths), from the models' config.json: MiniLM per token; T5 per encoder token and per decoder
 * step (the output layer included, the cross-attention keys and values of the prompt not). */
function flopPerToken() {
  const bert = JSON.parse(readFileSync(path.join(models, 'all-MiniLM-L6-v2/config.json'), 'utf8'));
  const h = bert.hidden_size;
  const t5c = JSON.parse(readFileSync(path.join(models, 'flan-t5-small-generated/config.json'), 'utf8'));
  const d = t5c.d_model, inner = t5c.num_heads * t5c.d_kv;
  const ffn = (t5c.feed_forward_proj.startsWith('gated') ? 3 : 2) * d * t5c.d_ff;
  return {
    miniLm: 2 * bert.num_hidden_layers * (4 * h * h + 2 * h * bert.intermediate_size),
    t5Encoder: 2 * t5c.num_layers * (4 * d * inner + ffn),
    t5Decoder: 2 * (t5c.num_decoder_layers * (6 * d * inner + ffn) + d * t5c.vocab_size),
  };
}

/** The clock in GHz: what the OS reports, else the CPU's name ("@ 2.50GHz"), else /proc/cpuinfo. */
function cpuGhz() {
  const cpu = os.cpus()[0];
  if (cpu?.speed > 0) return cpu.speed / 1000;
  const named = /@\s*([\d.]+)\s*GHz/i.exec(cpu?.model ?? '');
  if (named) return Number(named[1]);
  const mhz = /cpu MHz\s*:\s*([\d.]+)/.exec(existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '');
  return mhz ? Number(mhz[1]) / 1000 : undefined;
}

/** GOP/s per core from the FLOP counts, beside this machine's bound for SIMD128 int8 work: two
 * `i32x4.dot_i16x8_s` (8 multiply-adds each) per cycle, x64's `vpmaddwd` throughput, at the
 * clock the OS reports. Needs the token counts (transformers.js' tokenizers). */
function printWork() {
  if (!miniLmTokens) return;
  const flop = flopPerToken();
  const ghz = cpuGhz();
  const bound = ghz && 2 * 8 * 2 * ghz; // GOP/s per core
  const perText = miniLmTokens / N;
  const emb = (rate, threads = 1) => (rate === undefined ? undefined : rate * perText * flop.miniLm / 1e9 / threads);
  const t5Gops = (tokS, perToken) => (tokS === undefined ? undefined : tokS * perToken / 1e9);
  const pct = (x) => (x === undefined || !bound ? '—' : `${f(100 * x / bound, 0)}%`);
  const workRows = [
    ['MiniLM q8 batch 1, Chromium 1 thread', emb(q8.nunchi.b1), emb(q8.tjs?.b1)],
    ['MiniLM q8 batch 32, Chromium 1 thread', emb(q8.nunchi.b32), emb(q8.tjs?.b32)],
  ];
  if (threadCols) {
    const t = threadCols.rate, n = threadCols.threads;
    workRows.push([`MiniLM q8 batch 1, ${n} threads (per core)`, emb(t.nunchiN?.b1, n), emb(t.tjsN?.b1, n)]);
    workRows.push([`MiniLM q8 batch 32, ${n} threads (per core)`, emb(t.nunchiN?.b32, n), emb(t.tjsN?.b32, n)]);
  }
  const prefillRate = prefill(t5.chromium);
  workRows.push(['T5 q8 prefill, Chromium 1 thread', t5Gops(prefillRate, flop.t5Encoder), undefined]);
  workRows.push(['T5 q8 decode (encoder included), Chromium 1 thread', t5Gops(t5.chromium.rawDecode, flop.t5Decoder), undefined]);
  console.log(`
Work: ${f(perText, 1)} tokens per text over the ${N} lines; linear layers' FLOP per token (config.json): MiniLM ${f(flop.miniLm / 1e6, 1)}M,` +
    ` T5 encoder ${f(flop.t5Encoder / 1e6, 1)}M, T5 decoder step ${f(flop.t5Decoder / 1e6, 1)}M (its 32,128-way output layer included).` +
    (bound ? ` Bound per core for SIMD128 int8: 2 \`i32x4.dot_i16x8_s\` × 8 multiply-adds × 2 OP per cycle at ${f(ghz, 2)} GHz = ${f(bound, 0)} GOP/s;` +
      ` at that bound T5 would prefill ${f(bound * 1e9 / flop.t5Encoder, 0)} tok/s and decode ${f(bound * 1e9 / flop.t5Decoder, 0)} tok/s on one core.` : ' (The clock is unknown here, so no bound.)') + '\n');
  console.log('| work | nunchi GOP/s per core | nunchi % of bound | transformers.js GOP/s per core | transformers.js % of bound |');
  console.log('|---|---|---|---|---|');
  for (const [name, a, b] of workRows) console.log(`| ${name} | ${f(a)} | ${pct(a)} | ${f(b)} | ${pct(b)} |`);
}

function statSize(p) { try { return statSync(p).size; } catch { return NaN; } }
