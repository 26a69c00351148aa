// Code that runs in the benchmark page, not in Node: each function is passed to
// `page.evaluate` (Playwright sends its source text), so it may use only its
// argument and the page's globals, never this module's imports or scope.
// `installPageHelpers` puts `tjsSetup` and `warmUp` on the page's `window`, where
// the others find them as `window.__tjsSetup` and `window.__warmUp`.
//
// Page paths (see driver.mjs's server): /pkg/ the package, /models/ and /hf/ the
// models, /tjs/ and /ort/ transformers.js and ONNX Runtime Web, /tjs-models/ the
// ONNX export (transformers.mjs), /pkg-prof/ the package with a named wasm (--profile).

/** Puts the helpers that page functions share on the page's `window`. */
export async function installPageHelpers(page) {
  await page.evaluate(`window.__tjsSetup = ${tjsSetup.toString()}`);
  await page.evaluate(`window.__warmUp = ${warmUp.toString()}`);
  await page.evaluate(`window.__t5RawPrefill = ${t5RawPrefill.toString()}`);
  await page.evaluate(`window.__t5RawDecode = ${t5RawDecode.toString()}`);
}

/** Seconds of encoder prefill over `prompts`, straight on the wasm class (startGeneration runs the encoder).
 * Also run by node.mjs, so both runtimes time the same steps. */
export function t5RawPrefill(raw, prompts) {
  let s = 0;
  for (const p of prompts) {
    const t = performance.now();
    raw.startGeneration(p, 0, 0, 0, 1, 0);
    s += (performance.now() - t) / 1e3;
    raw.cancelGeneration();
  }
  return s;
}

/** Greedy decode of up to `n` tokens of `prompt` straight on the wasm class, with no yield: `{ s, tokens }`. */
export function t5RawDecode(raw, prompt, n) {
  const t = performance.now();
  raw.startGeneration(prompt, n, 0, 0, 1, 0);
  while (raw.nextPiece() !== undefined) { /* next token */ }
  const g = raw.finishGeneration();
  return { s: (performance.now() - t) / 1e3, tokens: g.tokens.length + (g.finished ? 1 : 0) };
}

/** nunchi load to first embedding, with the time of each step (from progress events). */
export async function nunchiFirstEmbedding({ pkg, model }) {
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
export async function warmUp(run, texts) {
  for (const r of Object.values(run)) {
    for (const t of texts) await r([t]);
    await r(texts);
  }
}

/** Loads the embedders of one format into the page: nunchi, and transformers.js if `tjsDtype`. */
export async function setupEmbedders({ pkg, model, quant, tjsDtype, warm }) {
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
export async function setupWebgpuEmbedders({ pkg, model, tjs, warm }) {
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
export async function setupThreadedEmbedders({ pkg, model, tjs, threads, warm }) {
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
export async function embedChunk({ chunk }) {
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
export async function threadT5Seconds({ pkg, model, threads, prompts, maxNewTokens, rounds }) {
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
export async function goldenCosines({ golden }) {
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
export async function setupT5({ pkg, model }) {
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
export async function t5Round({ prefillPrompts, decodePrompts, decodeTokens }) {
  const { api, raw } = window.__t5;
  const prefillS = window.__t5RawPrefill(raw, prefillPrompts);
  let apiS = 0, rawS = 0, tokens = 0;
  for (const p of decodePrompts) {
    const t = performance.now();
    await api.generate(p, { maxNewTokens: decodeTokens, onToken: () => {} });
    apiS += (performance.now() - t) / 1e3;
    const d = window.__t5RawDecode(raw, p, decodeTokens);
    rawS += d.s;
    tokens += d.tokens;
  }
  return { prefillS, apiS, rawS, tokens };
}

/** wasm memory with MiniLM q8_0 and T5 q8_0 loaded (fresh page), then after one embed and 8 tokens. */
export async function nunchiMemory({ pkg, minilm, t5 }) {
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

/** transformers.js from /tjs/, its models from /tjs-models/ and ORT's wasm from /ort/, never a CDN. */
export async function tjsSetup() {
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

/** transformers.js load to first embedding (a feature-extraction pipeline of `dtype`). */
export async function tjsFirstEmbedding({ dtype }) {
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
export async function t5TokenCount({ prompts }) {
  const tjs = await window.__tjsSetup();
  const tok = await tjs.AutoTokenizer.from_pretrained('flan-t5-small-generated');
  return prompts.reduce((n, p) => n + tok.encode(p.trimEnd()).length, 0);
}

/** Tokens of `lines` as MiniLM sees them ([CLS] and [SEP] included), via transformers.js' BERT
 * tokenizer (the same WordPiece vocabulary), for GOP/s. */
export async function miniLmTokenCount({ lines }) {
  const tjs = await window.__tjsSetup();
  const tok = await tjs.AutoTokenizer.from_pretrained('all-MiniLM-L6-v2');
  return lines.reduce((n, l) => n + tok.encode(l).length, 0);
}

/** Loads an encoder for --profile and warms it up (profiling starts after). */
export async function setupProfiledEncoder({ pkg, model, options, warm }) {
  const { Encoder } = await import(`${pkg}/index.js`);
  window.__penc = await Encoder.load(model, options);
  await window.__warmUp({ nunchi: (texts) => window.__penc.embed(texts) }, warm);
}

/** The profiled work: `profLines` embedded in batches of `batch`. */
export async function embedProfiled({ profLines, batch }) {
  for (let i = 0; i < profLines.length; i += batch) await window.__penc.embed(profLines.slice(i, i + batch));
}

/** Frees the page's T5 models (setupT5's). */
export async function disposeT5() {
  window.__t5.api.dispose();
  window.__t5.raw.free();
}
