// The wasm threads build in headless Chromium: on a cross-origin-isolated page
// (COOP/COEP) a Worker client loads pkg/wasm-threads and its q8_0 kernels split
// their columns over a pool of 2 threads (for T5, with the other thread spinning
// as a helper, so one-row decode layers split too). Each output is computed exactly as
// with one thread, so embeddings, a fine-tuned classifier's scores and generated
// tokens must match the single-thread build bit for bit. Pages that cannot share
// memory fall back to one thread and say why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openTestPage, root } from '../browser/chromium.mjs';
import { fixtureMounts } from '../browser/server.mjs';

const MINILM = '/models/all-MiniLM-L6-v2-q8_0.gguf';
const T5 = '/models/flan-t5-small-generated-q8_0.gguf';
const g = JSON.parse(readFileSync(path.join(root, 'tests/goldens/minilm.json'), 'utf8'));
const TEXTS = [...g.texts, ...g.texts.map((t) => `${t} ${t}`)];

let isolated;

before(async () => {
  isolated = await openTestPage({ isolated: true, mounts: fixtureMounts(root, ['roberta-cls']) });
});

after(async () => {
  await isolated?.close();
});

test('on an isolated page, 2 threads give the single-thread bits for embeddings and generation', async () => {
  const r = await isolated.page.evaluate(async ({ texts, minilm, t5 }) => {
    const { createWorkerClient } = await import('/pkg/client.js');
    const run = async (threads) => {
      const client = createWorkerClient(undefined, { threads });
      const enc = await client.Encoder.load(minilm, { device: 'cpu' });
      const batch = await enc.embed(texts);
      const one = await enc.embed(texts[0]);
      const gen = await client.Text2Text.load(t5, { device: 'cpu' });
      const tokens = [];
      const text = await gen.generate('Is this review positive or negative? I loved it.', { maxNewTokens: 8, onToken: (t) => tokens.push(t) });
      const scores = await gen.score('Is this review positive or negative? I loved it.', ['positive', 'negative']);
      const clf = await client.TextClassifier.load('/hf/roberta-cls', { device: 'cpu', cache: false });
      const classified = await clf.classify(texts);
      const info = { encoder: enc.info, t5: gen.info, classifier: clf.info };
      client.terminate();
      return { batch, one, text, tokens, scores, classified, info };
    };
    const threaded = await run(2);
    const single = await run(1);
    const bits = (a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
    const same = (a, b) => a.length === b.length && bits(a).every((x, i) => x === bits(b)[i]);
    return {
      isolated: crossOriginIsolated,
      threadedInfo: threaded.info, singleInfo: single.info,
      dims: threaded.batch.dims,
      batchBits: same(threaded.batch.data, single.batch.data),
      oneBits: same(threaded.one.data, single.one.data),
      classifierBits: same(threaded.classified.scores, single.classified.scores) && same(threaded.classified.logits, single.classified.logits),
      text: [threaded.text, single.text], tokens: [threaded.tokens.join(''), single.tokens.join('')],
      scores: [threaded.scores, single.scores],
    };
  }, { texts: TEXTS, minilm: MINILM, t5: T5 });
  assert.ok(r.isolated, 'the page is cross-origin isolated');
  for (const info of Object.values(r.threadedInfo)) {
    assert.equal(info.threads, 2, JSON.stringify(info));
    assert.equal(info.threadsFallbackReason, undefined);
    assert.equal(info.device, 'wasm-simd');
  }
  for (const info of Object.values(r.singleInfo)) assert.equal(info.threads, 1);
  assert.deepEqual(r.dims, [TEXTS.length, 384]);
  assert.ok(r.batchBits, 'a batch embedded with 2 threads equals 1 thread bit for bit');
  assert.ok(r.oneBits, 'a single text too');
  assert.ok(r.classifierBits, 'a fine-tuned classifier\'s scores with 2 threads equal 1 thread bit for bit');
  assert.equal(r.text[0], r.text[1], 'greedy generation: the same text');
  assert.equal(r.tokens[0], r.text[0], 'streamed tokens make the final text');
  assert.deepEqual(r.scores[0], r.scores[1], 'score: the same log-probabilities');
  const fetched = isolated.server.log.filter((l) => l.includes('/pkg/wasm'));
  assert.ok(fetched.some((l) => l.includes('/pkg/wasm-threads/nunchi_wasm_bg.wasm')), fetched.join('\n'));
});

test('without cross-origin isolation, or on the main thread, one thread runs and says why', async () => {
  const plain = await openTestPage();
  try {
    const r = await plain.page.evaluate(async ({ minilm }) => {
      const { createWorkerClient } = await import('/pkg/client.js');
      const infos = {};
      for (const threads of ['auto', 2]) {
        const client = createWorkerClient(undefined, { threads });
        infos[threads] = (await client.Encoder.load(minilm, { device: 'cpu' })).info;
        client.terminate();
      }
      const codes = [];
      for (const threads of [0, 1.5, 17, 'all', null]) {
        try { createWorkerClient(undefined, { threads }).terminate(); codes.push('ok'); } catch (e) { codes.push(e.code); }
      }
      try { createWorkerClient(undefined, { thread: 2 }).terminate(); codes.push('ok'); } catch (e) { codes.push(e.code); }
      return { isolated: crossOriginIsolated, infos, codes, cores: navigator.hardwareConcurrency };
    }, { minilm: MINILM });
    assert.equal(r.isolated, false);
    for (const info of Object.values(r.infos)) assert.equal(info.threads, 1);
    assert.match(r.infos[2].threadsFallbackReason, /cross-origin isolated/);
    if (r.cores > 1) assert.match(r.infos.auto.threadsFallbackReason, /cross-origin isolated/);
    assert.deepEqual(r.codes, Array(6).fill('E_INPUT'));
    assert.ok(!plain.server.log.some((l) => l.includes('wasm-threads')), 'the threads build is not fetched');
  } finally {
    await plain.close();
  }
  // The page's own thread may not block, so models loaded there run one thread.
  const info = await isolated.page.evaluate(async ({ minilm }) => {
    const { Encoder } = await import('/pkg/index.js');
    const enc = await Encoder.load(minilm, { device: 'cpu' });
    const i = enc.info;
    enc.dispose();
    return i;
  }, { minilm: MINILM });
  assert.equal(info.threads, 1);
});
