// `npm run bench:browser`: the npm package's wasm in headless Chromium, beside
// transformers.js (ONNX Runtime Web) in the same page, the same wasm in Node, and
// the native CLI on 1 thread, all in this one run. The throughput runs take turns
// every 32 lines (and T5 every round), so that a shared, noisy machine loads them
// alike and the ratios hold even when the absolute figures drift. Prints markdown
// tables with the ratios; writes them as JSON when asked (bench/README.md). Bench
// only: CI never runs it.
//
//   node bench/browser/driver.mjs [--lines N] [--profile] [--no-native] [--no-node] [--no-tjs] [--pkg DIR]
//                                 [--threads [--threads-lines N]] [--webgpu [--webgpu-lines N]]
//                                 [--write | --json [PATH]] [--raw-json FILE]
//
// --lines N   embed the first N lines of rt-polarity.pos at batch 1 and at batch 32,
//             in every runtime (default 256; 1000 for the full comparison set, ~4× longer)
// --profile   also profile nunchi in Chromium (CDP Profiler: MiniLM q8_0 at batch 1 and 32, f32
//             at batch 32) with a copy of the wasm that keeps function names, and print the top self times
// --no-native, --no-node, --no-tjs   leave out that runtime's column
// --pkg DIR   bench another build of the package (default pkg/)
// --threads   also a cross-origin-isolated page (COOP/COEP): nunchi's Worker client on 1 thread
//             and on the wasm threads build with every core, beside transformers.js with as
//             many ORT threads, over the first --threads-lines N lines (default --lines); and
//             T5 q8_0 greedy decode through the Worker client on 1 thread and on every core
// --webgpu    also MiniLM q8_0 on WebGPU (a second Chromium with --enable-unsafe-webgpu):
//             nunchi and transformers.js, nunchi's wasm path beside them; --webgpu-lines N
//             (default 32, as SwiftShader is slow without a GPU)
// --write     write bench/results/browser.json (and with --webgpu, browser-webgpu.json);
//             --json PATH writes PATH (and PATH-webgpu.json) instead. A plain run writes nothing.
// --raw-json FILE   every measurement, unformatted (report.mjs's input)
//
// What it needs (besides pkg/wasm and models/ from scripts/prepare-models.sh):
// - transformers.js: installed on first use into $NUNCHI_CACHE/transformers-js (transformers.mjs);
// - the ONNX export of the same MiniLM: scripts/reference/export_onnx.py writes
//   $NUNCHI_CACHE/onnx/all-MiniLM-L6-v2/{onnx/model.onnx, onnx/model_quantized.onnx, ...};
// - target/release/nunchi for the native column (native.mjs).
// After the tables: GOP/s per core from the FLOP counts (the models' config.json, token counts
// from transformers.js' tokenizers), beside this CPU's bound for SIMD128 int8 work.
// Missing pieces are skipped with a note, never faked.
//
// The modules: page.js (code run in the page), node.mjs and native.mjs (the other runtimes),
// transformers.mjs (transformers.js), profile.mjs (--profile), report.mjs (results → tables);
// this file takes the options, launches Chromium and the server (tests/browser/), and has the
// runtimes take turns.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchChromium } from '../../tests/browser/chromium.mjs';
import { startServer } from '../../tests/browser/server.mjs';
import { benchCommand, cli, cpuGhz, emitResults, isMain, machine, models, polarityFile, resultsDir, resultsPath, root } from '../common.mjs';
import { findNative, nativeOne } from './native.mjs';
import { nodeEmbedder, nodeT5 } from './node.mjs';
import * as page from './page.js';
import { namedWasmBuild, profile } from './profile.mjs';
import { browserTables, flopPerToken, footer, header, webgpuTables } from './report.mjs';
import { ONNX_Q8_URL, TJS_VERSION, ensureTransformersJs, hasOnnxExport, onnxDir, transformersDownloads, transformersMounts } from './transformers.mjs';

const log = (...a) => console.error('bench:browser:', ...a);
const MINILM_Q8 = '/models/all-MiniLM-L6-v2-q8_0.gguf';
const MINILM_F32 = '/hf/all-MiniLM-L6-v2';
const T5_URL = '/models/flan-t5-small-generated-q8_0.gguf';
const T5_DECODE_TOKENS = 32;
const T5_ROUNDS = 2;

/** The texts: the measured lines, the warm-up lines, the goldens, and the T5 prompts. */
function texts(n) {
  const all = readFileSync(polarityFile, 'utf8').split('\n').filter(Boolean);
  const lines = all.slice(0, n);
  // Warm-up texts, never measured (the file's last 32 lines): every runtime embeds them one at a
  // time and as a batch before its first measured chunk. V8 runs new wasm code in its baseline
  // compiler (Liftoff) until a function is hot and its optimized code is ready, which took about
  // 32 texts here; a two-text warm-up measured that ramp, and did so unevenly, since the runtimes'
  // background compiles share the cores.
  const warm = all.slice(-32);
  // Golden texts that fit 256 tokens: sentence-transformers truncates at 256, transformers.js'
  // pipeline at the tokenizer's 512, so the golden's 850-token text would compare truncations.
  const g = JSON.parse(readFileSync(path.join(root, 'tests/goldens/minilm.json'), 'utf8'));
  const keep = g.texts.map((_, i) => g.token_ids[i].length < g.max_seq_length);
  const golden = { texts: g.texts.filter((_, i) => keep[i]), embeddings: g.embeddings.filter((_, i) => keep[i]) };
  const t5Work = {
    prefillPrompts: lines.slice(0, 8).map((l) => `Is the following sentence positive or negative? ${l}`),
    decodePrompts: lines.slice(0, 4),
    decodeTokens: T5_DECODE_TOKENS,
  };
  return { lines, warm, golden, t5Work };
}

/** A page of `context` on the test page of `base`, with page.js's helpers installed. */
async function newPage(context, base) {
  const p = await context.newPage();
  p.on('pageerror', (e) => log('page error:', e.message));
  // (404s are expected: optional Hugging Face files that a model folder may lack.)
  p.on('console', (m) => { if (m.type() === 'error' && !/status of 404/.test(m.text())) log('page console:', m.text()); });
  await p.goto(`${base}/tests/browser/index.html`);
  await page.installPageHelpers(p);
  return p;
}

/** In one fresh browser context (empty caches), each in its own page: nunchi and transformers.js
 * loaded from the network and then from their caches, and nunchi's wasm memory with both models.
 * Returns the context, whose caches are now warm. */
async function loadColumns(b, out) {
  const context = await b.browser.newContext();
  const M = { pkg: '/pkg', model: MINILM_Q8 };
  const step = async (what, fn, arg) => {
    log(what);
    const p = await newPage(context, b.server.base);
    try { return await p.evaluate(fn, arg); } finally { await p.close(); }
  };
  out.nunchi.network = await step('Chromium nunchi: MiniLM q8_0 load from network to first embedding', page.nunchiFirstEmbedding, M);
  out.nunchi.memory = await step('Chromium nunchi: wasm memory with MiniLM q8_0 and T5 q8_0', page.nunchiMemory, { pkg: M.pkg, minilm: M.model, t5: T5_URL });
  out.nunchi.cache = await step('Chromium nunchi: MiniLM q8_0 load from cache to first embedding', page.nunchiFirstEmbedding, M);
  if (b.tjsReady) {
    out.tjs.network = await step('Chromium transformers.js: q8 load from network to first embedding', page.tjsFirstEmbedding, { dtype: 'q8' });
    const before = b.server.hits(ONNX_Q8_URL);
    out.tjs.cache = await step('Chromium transformers.js: q8 load again (its cache) to first embedding', page.tjsFirstEmbedding, { dtype: 'q8' });
    out.tjs.cache.fromCache = b.server.hits(ONNX_Q8_URL) === before;
  }
  return context;
}

/** Embeddings/s at batch 1 and 32 for every runtime, alternating 32-line chunks between them
 * (Chromium nunchi, Chromium transformers.js, Node nunchi, native) so all see the same load. */
async function embedColumns(b, context, format) {
  const f32 = format === 'f32';
  const { lines, warm } = b.texts;
  const p = await newPage(context, b.server.base);
  log(`${format}: loading the embedders, then ${lines.length} lines in chunks of 32, runtimes alternating`);
  await p.evaluate(page.setupEmbedders, { pkg: '/pkg', model: f32 ? MINILM_F32 : MINILM_Q8, quant: f32 ? 'f32' : undefined,
    tjsDtype: b.tjsReady ? (f32 ? 'fp32' : 'q8') : undefined, warm });
  const localModel = path.join(models, f32 ? 'all-MiniLM-L6-v2' : 'all-MiniLM-L6-v2-q8_0.gguf');
  const node = b.node ? await nodeEmbedder(b.pkgDir, localModel, f32 ? { quant: 'f32' } : {}, warm) : undefined;
  const secs = {};
  const add = (name, b1, b32) => { secs[name] ??= { b1: 0, b32: 0 }; secs[name].b1 += b1; secs[name].b32 += b32; };
  const chunkFile = path.join(b.tmp, 'chunk.txt');
  for (let i = 0; i < lines.length; i += 32) {
    const chunk = lines.slice(i, i + 32);
    for (const [name, r] of Object.entries(await p.evaluate(page.embedChunk, { chunk }))) add(name, r.b1, r.b32);
    if (node) {
      const r = await node.chunk(chunk);
      add('node', r.b1, r.b32);
    }
    if (b.nativeBin) {
      writeFileSync(chunkFile, `${chunk.join('\n')}\n`);
      const r = await nativeOne(b.nativeBin, { task: 'embed', model: localModel, quant: f32 ? 'f32' : 'q8_0', data: chunkFile, lines: chunk.length, decodeTokens: T5_DECODE_TOKENS });
      add('native', chunk.length / r.emb_s_b1, chunk.length / r.emb_s_b32);
    }
  }
  node?.dispose();
  const cos = await p.evaluate(page.goldenCosines, { golden: b.texts.golden });
  await p.close();
  const rate = {};
  for (const [name, s] of Object.entries(secs)) rate[name] = { b1: lines.length / s.b1, b32: lines.length / s.b32, minCos: cos[name] };
  return rate;
}

/** Emb/s at batch 1 and 32 of the page's embedders over `subset` (chunks of 32, embedders
 * alternating), and their min cosines to the goldens; then frees them. */
async function pageRates(b, p, subset) {
  const secs = {};
  for (let i = 0; i < subset.length; i += 32) {
    for (const [name, r] of Object.entries(await p.evaluate(page.embedChunk, { chunk: subset.slice(i, i + 32) }))) {
      secs[name] ??= { b1: 0, b32: 0 };
      secs[name].b1 += r.b1;
      secs[name].b32 += r.b32;
    }
  }
  const cos = await p.evaluate(page.goldenCosines, { golden: b.texts.golden });
  const rate = {};
  for (const [name, x] of Object.entries(secs)) rate[name] = { b1: subset.length / x.b1, b32: subset.length / x.b32, minCos: cos[name] };
  return rate;
}

/** MiniLM q8_0 on WebGPU in a second Chromium (--enable-unsafe-webgpu): nunchi and
 * transformers.js, with nunchi's wasm path in the same page for scale, over the first
 * `n` lines in chunks of 32 (runtimes alternating), and their cosines to the goldens. */
async function webgpuColumns(b, n) {
  const browser = await launchChromium({ webgpu: true });
  try {
    const p = await newPage(await browser.newContext(), b.server.base);
    log(`WebGPU: loading the embedders, then ${n} lines in chunks of 32 (SwiftShader is slow)`);
    const setup = await p.evaluate(page.setupWebgpuEmbedders, { pkg: '/pkg', model: MINILM_Q8, tjs: b.tjsReady, warm: b.texts.warm.slice(0, 4) });
    const subset = b.texts.lines.slice(0, n);
    const rate = await pageRates(b, p, subset);
    return { rate, failed: setup.failed, adapter: setup.adapter, lines: subset.length };
  } finally {
    await browser.close();
  }
}

/** MiniLM q8_0 with threads, on a cross-origin-isolated page of a second server: nunchi's
 * Worker client on 1 thread and on every core, transformers.js on as many ORT threads; then T5
 * decode on nunchi's two (given the tokens a round of the decode prompts generates). */
async function threadColumns(b, n, t5Tokens) {
  const isoServer = await startServer({ root, models, isolated: true, mounts: b.mounts });
  const browser = await launchChromium();
  try {
    const p = await newPage(await browser.newContext(), isoServer.base);
    const threads = await p.evaluate(() => navigator.hardwareConcurrency);
    log(`threads: loading the embedders (${threads} threads), then ${n} lines in chunks of 32, runtimes alternating`);
    const setup = await p.evaluate(page.setupThreadedEmbedders, { pkg: '/pkg', model: MINILM_Q8, tjs: b.tjsReady, threads, warm: b.texts.warm });
    const subset = b.texts.lines.slice(0, n);
    const rate = await pageRates(b, p, subset);
    let t5;
    if (t5Tokens) {
      log(`threads: T5 q8_0 greedy decode through the Worker client, 1 and ${threads} threads alternating`);
      const { decodePrompts, decodeTokens } = b.texts.t5Work;
      const secs = await p.evaluate(page.threadT5Seconds, { pkg: '/pkg', model: T5_URL, threads, prompts: decodePrompts, maxNewTokens: decodeTokens, rounds: T5_ROUNDS });
      t5 = { nunchi1: (t5Tokens * T5_ROUNDS) / secs.nunchi1, nunchiN: (t5Tokens * T5_ROUNDS) / secs.nunchiN };
    }
    return { rate, t5, ...setup, threads, lines: subset.length };
  } finally {
    await browser.close();
    await isoServer.close();
  }
}

/** T5 q8_0: prefill and decode in Chromium, Node and native, alternating over the rounds. */
async function t5Columns(b, context) {
  const p = await newPage(context, b.server.base);
  log('T5 q8_0: load from cache, then prefill and decode, runtimes alternating');
  const loadMs = await p.evaluate(page.setupT5, { pkg: '/pkg', model: T5_URL });
  const gguf = path.join(models, 'flan-t5-small-generated-q8_0.gguf');
  const work = b.texts.t5Work;
  const node = b.node ? await nodeT5(b.pkgDir, gguf) : undefined;
  const sum = { chromium: { prefillS: 0, apiS: 0, rawS: 0, tokens: 0 }, node: { prefillS: 0, rawS: 0, tokens: 0 }, native: { invPrefill: 0, invDecode: 0, loadMs: undefined } };
  for (let r = 0; r < T5_ROUNDS; r++) {
    const c = await p.evaluate(page.t5Round, work);
    for (const k of Object.keys(c)) sum.chromium[k] += c[k];
    if (node) {
      const n = node.round(work);
      for (const k of Object.keys(n)) sum.node[k] += n[k];
    }
    if (b.nativeBin) {
      const n = await nativeOne(b.nativeBin, { task: 't5', model: gguf, quant: 'q8_0', data: polarityFile, lines: 8, decodeTokens: work.decodeTokens });
      sum.native.invPrefill += 1 / n.prefill_tok_s;
      sum.native.invDecode += 1 / n.decode_tok_s;
      sum.native.loadMs ??= n.load_ms;
    }
  }
  await p.evaluate(page.disposeT5);
  await p.close();
  node?.free();
  return {
    loadMs,
    decodeTokens: sum.chromium.tokens / T5_ROUNDS,
    chromium: { prefillS: sum.chromium.prefillS / T5_ROUNDS, rawDecode: sum.chromium.tokens / sum.chromium.rawS, apiDecode: sum.chromium.tokens / sum.chromium.apiS },
    node: node && { prefillS: sum.node.prefillS / T5_ROUNDS, rawDecode: sum.node.tokens / sum.node.rawS },
    native: b.nativeBin && { prefill: T5_ROUNDS / sum.native.invPrefill, decode: T5_ROUNDS / sum.native.invDecode, loadMs: sum.native.loadMs },
  };
}

/** --profile: MiniLM q8_0 at batch 1 and 32, f32 at batch 32, each in a fresh page on the named wasm. */
async function profiles(b, context) {
  log('Chromium nunchi: profiling q8_0 at batch 1 and 32, f32 at batch 32 (wasm with names)');
  const { lines, warm } = b.texts;
  const cases = [
    ['q8_0, batch 1', { model: MINILM_Q8, lines: lines.slice(0, 100), batch: 1 }],
    ['q8_0, batch 32', { model: MINILM_Q8, lines: lines.slice(0, 128), batch: 32 }],
    ['f32, batch 32', { model: MINILM_F32, options: { quant: 'f32', cache: false }, lines: lines.slice(0, 128), batch: 32 }],
  ];
  const out = {};
  for (const [name, arg] of cases) {
    const p = await newPage(context, b.server.base);
    out[name] = await profile(p, { pkg: '/pkg-prof', warm, ...arg });
    await p.close();
  }
  return out;
}

const size = (file) => { try { return statSync(file).size; } catch { return undefined; } };
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

export async function main(argv = process.argv.slice(2)) {
  const { flag, option, number } = cli(argv);
  const N = number('--lines', 256);
  const notes = [];
  const pkgDir = path.resolve(option('--pkg', path.join(root, 'pkg'))); // another build of the package, to compare
  const nunchiWasm = readFileSync(path.join(pkgDir, 'wasm/nunchi_wasm_bg.wasm')); // (fails first without a build)
  const nativeBin = flag('--no-native') ? undefined : findNative();
  if (!flag('--no-native') && !nativeBin) notes.push('native column skipped: build it with cargo build --release -p nunchi-cli');
  const tjsReady = !flag('--no-tjs') && ensureTransformersJs(log) && hasOnnxExport();
  if (!flag('--no-tjs') && !tjsReady) notes.push('transformers.js column skipped: run scripts/reference/export_onnx.py (ONNX export) first');
  const profDir = flag('--profile') ? await namedWasmBuild(notes) : undefined;
  const mounts = { '/pkg/': pkgDir, ...(tjsReady ? transformersMounts() : {}) };
  const server = await startServer({ root, models, mounts: { ...mounts, '/pkg-prof/wasm/': profDir, '/pkg-prof/': profDir && pkgDir } });
  const browser = await launchChromium();
  const b = { server, browser, mounts, pkgDir, nativeBin, tjsReady, node: !flag('--no-node'), texts: texts(N),
    tmp: mkdtempSync(path.join(os.tmpdir(), 'nunchi-bench-')) };
  const r = {
    lines: b.texts.lines.length, warmLines: b.texts.warm.length, goldenTexts: b.texts.golden.texts.length, tjsVersion: TJS_VERSION,
    loads: { nunchi: {}, tjs: {} }, t5Work: { prefillPrompts: b.texts.t5Work.prefillPrompts.length, decodePrompts: b.texts.t5Work.decodePrompts.length, decodeTokens: T5_DECODE_TOKENS },
    env: { chromium: browser.version(), node: process.version, cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', loadStart: os.loadavg()[0] },
    notes,
  };
  try {
    const context = await loadColumns(b, r.loads);
    r.q8 = await embedColumns(b, context, 'q8');
    r.f32 = await embedColumns(b, context, 'f32');
    r.t5 = await t5Columns(b, context);
    if (flag('--threads')) r.threads = await threadColumns(b, number('--threads-lines', N), r.t5.decodeTokens);
    if (flag('--webgpu')) r.webgpu = await webgpuColumns(b, number('--webgpu-lines', 32));
    if (tjsReady) {
      const p = await newPage(context, server.base);
      r.prefillTokens = await p.evaluate(page.t5TokenCount, { prompts: b.texts.t5Work.prefillPrompts });
      r.miniLmTokens = await p.evaluate(page.miniLmTokenCount, { lines: b.texts.lines });
      await p.close();
    }
    if (profDir) r.profile = await profiles(b, context);
  } finally {
    await browser.close();
    await server.close();
    if (process.env.BENCH_DEBUG) for (const l of server.log) log(l);
    rmSync(b.tmp, { recursive: true, force: true });
    if (profDir) rmSync(profDir, { recursive: true, force: true });
  }
  r.env.loadEnd = os.loadavg()[0];
  r.flop = flopPerToken(readJson(path.join(models, 'all-MiniLM-L6-v2/config.json')), readJson(path.join(models, 'flan-t5-small-generated/config.json')));
  r.ghz = cpuGhz();
  const gz = (buf) => gzipSync(buf, { level: 9 }).length;
  r.sizes = { nunchiWasm: nunchiWasm.length, nunchiWasmGzip: gz(nunchiWasm), nunchiModel: size(path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf')),
    ...(tjsReady ? { ...transformersDownloads(), onnxModel: size(path.join(onnxDir, 'all-MiniLM-L6-v2/onnx/model_quantized.onnx')) } : {}) };

  console.log(`${header(r)}`);
  const file = resultsPath('browser', argv);
  const command = benchCommand('browser', argv);
  emitResults({ file, name: 'browser', command, machine: machine({ chromium: r.env.chromium }), tables: browserTables(r) });
  if (r.webgpu) {
    const gpuFile = file && (file === path.join(resultsDir, 'browser.json') ? path.join(resultsDir, 'browser-webgpu.json') : file.replace(/(\.json)?$/, '-webgpu.json'));
    emitResults({ file: gpuFile, name: 'browser-webgpu', command, machine: machine({ chromium: `${r.env.chromium} with --enable-unsafe-webgpu`, extra: `WebGPU adapter: ${r.webgpu.adapter}` }), tables: webgpuTables(r) });
  }
  console.log(`\n${footer(r).join('\n')}`);
  const raw = option('--raw-json');
  if (raw) writeFileSync(raw, JSON.stringify(r, null, 2));
  return r;
}

if (isMain(import.meta.url)) await main();
