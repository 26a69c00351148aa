// The built package in headless Chromium (Debian's chromium, driven by
// playwright-core), imported by a page as a user's page would: parity with
// the goldens, progress events, the model cache, and a request log proving
// that user text never leaves the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { launchChromium } from '../browser/chromium.mjs';
import { startServer, fixtureMounts } from '../browser/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
const golden = (name) => JSON.parse(readFileSync(path.join(root, 'tests/goldens', name), 'utf8'));

let server, browser, page;

before(async () => {
  server = await startServer({ root, models, mounts: fixtureMounts(root, ['roberta-cls', 'xlm-roberta-cls']) });
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`${server.base}/tests/browser/index.html`);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const cosine = (a, b) => {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return d / Math.sqrt(na * nb);
};

/** Loads a model in the page, embeds `texts`, and returns rows and progress events. */
async function embedInPage(source, texts, options = {}) {
  return page.evaluate(async ({ source, texts, options }) => {
    const { Encoder } = await import('/pkg/index.js');
    const events = [];
    const enc = await Encoder.load(source, { ...options, onProgress: (e) => events.push(e) });
    const r = await enc.embed(texts);
    const rows = [];
    for (let i = 0; i < r.dims[0]; i++) rows.push(Array.from(r.data.subarray(i * r.dims[1], (i + 1) * r.dims[1])));
    const info = enc.info;
    enc.dispose();
    return { rows, events, info };
  }, { source, texts, options });
}

test('q8_0 GGUF by URL: parity, progress order, then served from the cache', async () => {
  const g = golden('minilm.json');
  const first = await embedInPage('/models/all-MiniLM-L6-v2-q8_0.gguf', g.texts);
  const min = Math.min(...g.embeddings.map((want, i) => cosine(first.rows[i], want)));
  assert.ok(min >= 0.99, `min cosine ${min}`);
  const statuses = first.events.map((e) => e.status);
  assert.equal(statuses.at(-2), 'parse');
  assert.equal(statuses.at(-1), 'ready');
  assert.ok(statuses.slice(0, -2).every((s) => s === 'download'), statuses.join());
  const downloads = first.events.filter((e) => e.status === 'download');
  assert.equal(downloads.at(-1).loaded, downloads.at(-1).total, 'the last download event is complete');
  assert.equal(first.info.device, 'wasm-simd');

  const requestsBefore = server.log.filter((p) => p.includes('q8_0.gguf')).length;
  const second = await embedInPage('/models/all-MiniLM-L6-v2-q8_0.gguf', g.texts.slice(0, 2));
  assert.deepEqual(second.events.map((e) => e.status), ['cached', 'parse', 'ready']);
  assert.equal(server.log.filter((p) => p.includes('q8_0.gguf')).length, requestsBefore, 'no second download');
});

test('a corrupted cache entry is dropped and downloaded again, never parsed', async () => {
  await embedInPage('/models/all-MiniLM-L6-v2-q8_0.gguf', ['fill the cache']);
  const url = `${server.base}/models/all-MiniLM-L6-v2-q8_0.gguf`;
  await page.evaluate(async (url) => {
    const cache = await caches.open('nunchi-models-v1');
    const bytes = new Uint8Array(await (await cache.match(url)).arrayBuffer());
    await cache.put(url, new Response(bytes.subarray(0, bytes.length - 1000)));
  }, url);
  const again = await embedInPage('/models/all-MiniLM-L6-v2-q8_0.gguf', ['hello']);
  assert.equal(again.events[0].status, 'download');
});

test('f32 from a Hugging Face repository URL matches sentence-transformers within 1e-4', async () => {
  const g = golden('minilm.json');
  const r = await embedInPage('/hf/all-MiniLM-L6-v2', g.texts, { quant: 'f32', cache: false });
  g.embeddings.forEach((want, i) => {
    const d = Math.max(...want.map((x, j) => Math.abs(x - r.rows[i][j])));
    assert.ok(d < 1e-4, `${JSON.stringify(g.texts[i])}: max abs diff ${d}`);
  });
});

test('T5 f32 greedy text and scores equal transformers in the browser', async () => {
  const g = golden('t5_tiny.json');
  const r = await page.evaluate(async ({ prompts, maxNewTokens, score }) => {
    const { Text2Text } = await import('/pkg/index.js');
    const t5 = await Text2Text.load('/hf/flan-t5-small-generated-tiny', { quant: 'f32', cache: false });
    const texts = [];
    for (const p of prompts) texts.push(await t5.generate(p, { maxNewTokens }));
    const scores = await t5.score(score.prompt, score.candidates);
    const testWeights = t5.info.testWeights;
    t5.dispose();
    return { texts, scores, testWeights };
  }, { prompts: g.prompts, maxNewTokens: g.max_new_tokens, score: g.score });
  assert.deepEqual(r.texts, g.greedy_text);
  r.scores.forEach((got, i) => assert.ok(Math.abs(got.logprob - g.score.logprob[i]) < 2e-3 * got.tokens, got.candidate));
  assert.equal(r.testWeights, true, 'a generated T5 is flagged as test weights');
});

test('user text never leaves the page: only static files and model files are requested', async () => {
  const secret = 'my private support ticket 4417 about a refund';
  await embedInPage('/models/all-MiniLM-L6-v2-q8_0.gguf', [secret]);
  for (const entry of server.log) {
    assert.ok(!entry.includes('4417') && !entry.toLowerCase().includes('refund'), `user text in a request: ${entry}`);
    assert.match(entry, /^GET \/(pkg\/|tests\/browser\/index\.html|models\/[\w.-]+\.gguf|hf\/[\w.-]+\/resolve\/main\/[\w./-]+)/, entry);
  }
});

test('the Worker client has the same API, streams tokens, aborts, and transfers results', async () => {
  const g = golden('minilm.json');
  const r = await page.evaluate(async (texts) => {
    const { createWorkerClient } = await import('/pkg/client.js');
    const { Encoder, Text2Text, terminate } = createWorkerClient();
    const events = [];
    const enc = await Encoder.load('/models/all-MiniLM-L6-v2-q8_0.gguf', { onProgress: (e) => events.push(e.status) });
    const e = await enc.embed(texts);
    const t5 = await Text2Text.load('/hf/flan-t5-small-generated-tiny', { cache: false });
    let streamed = '';
    const text = await t5.generate('Name this topic: refunds', { maxNewTokens: 6, onToken: (p) => { streamed += p; } });
    const controller = new AbortController();
    let pieces = 0;
    let abortCode;
    try {
      await t5.generate('Name this topic: refunds', { maxNewTokens: 30, signal: controller.signal, onToken: () => { if (++pieces === 2) controller.abort(); } });
    } catch (err) { abortCode = err.code; }
    const scores = await t5.score('Is it good?', ['yes', 'no']);
    let badCode;
    try { await enc.embed([]); } catch (err) { badCode = err.code; }
    const rows = [];
    for (let i = 0; i < e.dims[0]; i++) rows.push(Array.from(e.data.subarray(i * e.dims[1], (i + 1) * e.dims[1])));
    enc.dispose();
    terminate();
    return { isF32: e.data instanceof Float32Array, dims: e.dims, rows, events, text, streamed, abortCode, pieces, scores, badCode, info: enc.info };
  }, g.texts.slice(0, 4));
  assert.ok(r.isF32);
  assert.deepEqual(r.dims, [4, 384]);
  r.rows.forEach((row, i) => assert.ok(cosine(row, g.embeddings[i]) >= 0.99));
  assert.equal(r.events.at(-1), 'ready');
  assert.ok(r.text.length > 0);
  assert.equal(r.streamed, r.text);
  assert.equal(r.abortCode, 'E_ABORTED');
  assert.equal(r.pieces, 2, 'no token reaches onToken after abort()');
  assert.equal(r.scores.length, 2);
  assert.equal(r.badCode, 'E_INPUT');
  assert.equal(r.info.quant, 'q8_0');
});

test('tasks in the page over Worker-client models: zero-shot, a trained head, clustering', async () => {
  const r = await page.evaluate(async () => {
    const { zeroShot, trainClassifier, cluster } = await import('/pkg/index.js');
    const { createWorkerClient } = await import('/pkg/client.js');
    const { Encoder, terminate } = createWorkerClient();
    const enc = await Encoder.load('/models/all-MiniLM-L6-v2-q8_0.gguf');
    const reviews = ['A wonderful, moving film.', 'A dull, lifeless film.'];
    const zs = await zeroShot(enc, reviews, {
      labels: ['positive', 'negative'],
      descriptions: ['A very positive movie review', 'A very negative movie review'],
    });
    const texts = ['my card has not arrived', 'where is my new card', 'card still not delivered',
      'what is the exchange rate', 'how much is one euro in dollars', 'currency conversion rate today'];
    const labels = ['card', 'card', 'card', 'rate', 'rate', 'rate'];
    const clf = await trainClassifier(enc, texts, labels, { folds: 3 });
    const predicted = await clf.predict(['the card I ordered never came', 'dollar to pound rate']);
    const topics = await cluster(enc, texts, { k: 2 });
    terminate();
    return { zs: zs.map((x) => x.label), predicted: predicted.map((x) => x.label), sizes: topics.clusters.map((c) => c.size) };
  });
  assert.deepEqual(r.zs, ['positive', 'negative']);
  assert.deepEqual(r.predicted, ['card', 'rate']);
  assert.deepEqual(r.sizes, [3, 3]);
});

test('a fine-tuned TextClassifier in the page and through the Worker client: the goldens, the same results, transferred scores', async () => {
  const g = golden('encoders/roberta-cls.json');
  const texts = g.cases.map((c) => c.text);
  const r = await page.evaluate(async (texts) => {
    const { TextClassifier, textClassification } = await import('/pkg/index.js');
    const { createWorkerClient } = await import('/pkg/client.js');
    const client = createWorkerClient();
    const local = await TextClassifier.load('/hf/roberta-cls', { quant: 'f32', cache: false });
    const remote = await client.TextClassifier.load('/hf/roberta-cls', { quant: 'f32', cache: false });
    const scores = await remote.classify(texts);
    const events = [];
    const inPage = await textClassification(local, texts, { topK: 2 });
    const viaWorker = await textClassification(remote, texts, { topK: 2, onProgress: (e) => events.push(e) });
    const codes = {};
    try { await client.TextClassifier.load('/hf/roberta-cls', { devcie: 'cpu' }); } catch (e) { codes.badOption = e.code; }
    try { await client.TextClassifier.load('/models/all-MiniLM-L6-v2-q8_0.gguf'); } catch (e) { codes.noHead = e.code; }
    try { await remote.classify([]); } catch (e) { codes.noTexts = e.code; }
    const out = {
      isF32: scores.scores instanceof Float32Array && scores.logits instanceof Float32Array,
      dims: scores.dims, scores: Array.from(scores.scores), labels: remote.labels, localLabels: local.labels,
      problemType: remote.info.problemType, inPage, viaWorker, events, codes,
    };
    local.dispose();
    remote.dispose();
    client.terminate();
    return out;
  }, texts);
  assert.ok(r.isF32);
  assert.deepEqual(r.dims, [texts.length, 3]);
  assert.deepEqual(r.labels, ['negative', 'neutral', 'positive']);
  assert.deepEqual(r.localLabels, r.labels);
  assert.equal(r.problemType, 'single_label_classification');
  g.cases.forEach((c, i) => {
    const d = Math.max(...c.scores.map((x, j) => Math.abs(x - r.scores[i * 3 + j])));
    assert.ok(d < 1e-4, `${JSON.stringify(c.text)}: max abs diff ${d}`);
  });
  assert.deepEqual(r.viaWorker, r.inPage, 'the worker\'s model gives the page\'s results');
  assert.ok(r.inPage.every((x) => Object.keys(x.scores).length === 2 && Object.keys(x.scores)[0] === x.label));
  assert.deepEqual(r.events.at(-1), { status: 'classify', done: texts.length, total: texts.length });
  assert.deepEqual(r.codes, { badOption: 'E_INPUT', noHead: 'E_MODEL_FORMAT', noTexts: 'E_INPUT' });
});
