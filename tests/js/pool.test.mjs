// The Worker pool (`createWorkerPool` from nunchi/client) in headless Chromium:
// a batch split across two workers gives the same bits as one worker given the
// same chunks; the pool reports each worker's memory, aborts, stays usable, and
// checks its size.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openTestPage, root } from '../browser/chromium.mjs';
import { fixtureMounts } from '../browser/server.mjs';

const MODEL = '/models/all-MiniLM-L6-v2-q8_0.gguf';

// 40 sentences of varied length: the golden texts (one is longer than the
// token limit), then movie-review lines.
const g = JSON.parse(readFileSync(path.join(root, 'tests/goldens/minilm.json'), 'utf8'));
const reviews = (() => {
  try {
    return readFileSync(path.join(root, '../shared/data/mr_polarity/rt-polarity.pos'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return Array.from({ length: 40 }, (_, i) => `sentence number ${i}, ${'with more words '.repeat(i % 7)}and an end.`);
  }
})();
const TEXTS = [...g.texts, ...reviews].slice(0, 40);

let opened, page;

before(async () => {
  opened = await openTestPage({ mounts: fixtureMounts(root, ['mpnet-cls']) });
  page = opened.page;
});

after(async () => {
  await opened?.close();
});

// On the CPU a batch runs packed (no padding), so a row's bits do not depend on
// what else is in its batch: the pool is held to the bits of one worker
// embedding the same chunks, and of one worker embedding the whole batch.
test('a pool of 2 splits a batch and returns the same bits as one worker on the same chunks', async () => {
  assert.equal(TEXTS.length, 40);
  const r = await page.evaluate(async ({ texts, model }) => {
    const { createWorkerClient, createWorkerPool, startWorker } = await import('/pkg/client.js');
    // Record what each pool worker is asked to embed.
    const sent = [];
    const spy = (i) => {
      const w = startWorker();
      const post = w.postMessage.bind(w);
      w.postMessage = (msg, transfer) => {
        if (msg.op === 'embed') sent.push({ worker: i, texts: typeof msg.args[1] === 'string' ? [msg.args[1]] : msg.args[1] });
        return post(msg, transfer);
      };
      return w;
    };
    const pool = createWorkerPool({ size: 2, worker: spy });
    const events = [];
    const enc = await pool.Encoder.load(model, { device: 'cpu', onProgress: (e) => events.push(e.status) });
    const got = await enc.embed(texts);
    const chunks = sent.splice(0);
    const small = await enc.embed(texts.slice(0, 3)); // one worker
    const str = await enc.embed(texts[5]);
    const smallSent = sent.splice(0);
    const info = await enc.refreshInfo();

    const single = createWorkerClient();
    const one = await single.Encoder.load(model, { device: 'cpu' });
    const whole = await one.embed(texts);
    const parts = [];
    for (const c of chunks) parts.push(await one.embed(c.texts));
    const wantSmall = await one.embed(texts.slice(0, 3));
    const wantStr = await one.embed(texts[5]);
    one.dispose();
    single.terminate();

    const bits = (a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
    const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
    const joined = new Float32Array(got.data.length);
    let at = 0;
    for (const p of parts) { joined.set(p.data, at); at += p.data.length; }
    const result = {
      dims: got.dims, wholeDims: whole.dims, isF32: got.data instanceof Float32Array,
      chunks: chunks.map((c) => ({ worker: c.worker, texts: c.texts })),
      smallWorkers: smallSent.map((c) => c.worker),
      sameBits: same(bits(got.data), bits(joined)),
      smallBits: same(bits(small.data), bits(wantSmall.data)),
      strBits: same(bits(str.data), bits(wantStr.data)),
      wholeBits: same(bits(got.data), bits(whole.data)),
      truncated: got.truncated, wholeTruncated: whole.truncated,
      info, loadInfo: enc.info, events, size: pool.size,
    };
    enc.dispose();
    try { await enc.embed(texts); } catch (e) { result.disposedCode = e.code; }
    pool.terminate();
    return result;
  }, { texts: TEXTS, model: MODEL });
  assert.ok(r.isF32);
  assert.deepEqual(r.wholeDims, [40, 384]);
  assert.deepEqual(r.dims, [40, 384]);
  // Split: one contiguous chunk per worker, in order, balanced by length.
  assert.deepEqual(r.chunks.map((c) => c.worker), [0, 1]);
  assert.deepEqual(r.chunks.flatMap((c) => c.texts), TEXTS);
  const chars = r.chunks.map((c) => c.texts.reduce((n, t) => n + t.length, 0));
  const longest = Math.max(...TEXTS.map((t) => t.length));
  assert.ok(Math.abs(chars[0] - chars[1]) <= longest, `chunk lengths ${chars}`);
  assert.ok(r.sameBits, 'the pooled rows equal one worker\'s on the same chunks, bit for bit');
  assert.ok(r.smallBits, 'a small batch goes to one worker: the same bits');
  assert.ok(r.strBits, 'a single string, too');
  assert.equal(r.smallWorkers.length, 2, 'small batches are not split');
  assert.notEqual(r.smallWorkers[0], r.smallWorkers[1], 'small batches take turns');
  assert.ok(r.wholeBits, 'the pooled rows equal one worker\'s whole-batch call, bit for bit');
  assert.deepEqual(r.truncated, r.wholeTruncated);
  assert.ok(r.truncated.some((n) => n > 0), 'the long golden text reports truncation through the pool');
  assert.equal(r.size, 2);
  for (const info of [r.info, r.loadInfo]) {
    assert.equal(info.workers, 2);
    assert.equal(info.wasmMemoryBytesPerWorker.length, 2);
    assert.ok(info.wasmMemoryBytesPerWorker.every((b) => Number.isInteger(b) && b > 0), String(info.wasmMemoryBytesPerWorker));
    assert.equal(info.wasmMemoryBytes, info.wasmMemoryBytesPerWorker[0]);
    assert.equal(info.quant, 'q8_0');
    assert.equal(info.dim, 384);
    assert.equal(info.device, 'wasm-simd');
  }
  assert.equal(r.events.at(-1), 'ready');
  assert.equal(r.events.filter((s) => s === 'ready').length, 1, 'progress from the first worker only');
  assert.equal(r.disposedCode, 'E_INPUT');
});

test('an aborted pooled embed rejects with E_ABORTED, and errors leave the pool usable', async () => {
  const r = await page.evaluate(async ({ texts, model }) => {
    const { createWorkerPool } = await import('/pkg/client.js');
    const pool = createWorkerPool({ size: 2 });
    const enc = await pool.Encoder.load(model, { device: 'cpu' });
    const codes = {};
    const controller = new AbortController();
    const running = enc.embed(texts, { signal: controller.signal });
    controller.abort();
    try { await running; codes.abort = 'resolved'; } catch (e) { codes.abort = e.code; codes.abortName = e.name; }
    try { await enc.embed(texts, { signal: AbortSignal.abort() }); codes.preAborted = 'resolved'; } catch (e) { codes.preAborted = e.code; }
    try { await enc.embed([...texts.slice(0, 10), 42]); codes.badText = 'resolved'; } catch (e) { codes.badText = e.code; }
    try { await enc.embed(texts, { batch: 3 }); codes.badOption = 'resolved'; } catch (e) { codes.badOption = e.code; }
    const after = await enc.embed(texts, { signal: new AbortController().signal });
    let badLoad;
    try { await pool.Encoder.load('/models/no-such-model.gguf', { cache: false }); } catch (e) { badLoad = e.code; }
    const again = await enc.embed(texts.slice(0, 8));
    enc.dispose();
    pool.terminate();
    return { codes, afterDims: after.dims, againDims: again.dims, badLoad };
  }, { texts: TEXTS, model: MODEL });
  assert.equal(r.codes.abort, 'E_ABORTED');
  assert.equal(r.codes.abortName, 'AbortError');
  assert.equal(r.codes.preAborted, 'E_ABORTED');
  assert.equal(r.codes.badText, 'E_INPUT');
  assert.equal(r.codes.badOption, 'E_INPUT');
  assert.deepEqual(r.afterDims, [40, 384], 'the next call after an abort works');
  assert.ok(r.badLoad, 'a failed load rejects');
  assert.deepEqual(r.againDims, [8, 384], 'the pool still works after a failed load');
});

// A terminated worker never answers: calls running when terminate() is called must settle
// (E_ABORTED), not hang; a new pool then gives the same rows.
test('terminate() mid-batch rejects running calls with E_ABORTED, later calls with E_INPUT; a new pool gives the same rows', async () => {
  const r = await page.evaluate(async ({ texts, model }) => {
    const { createWorkerClient, createWorkerPool } = await import('/pkg/client.js');
    const settle = (p) => Promise.race([
      p.then((v) => ({ value: v }), (e) => ({ code: e.code, name: e.name, message: e.message })),
      new Promise((resolve) => setTimeout(() => resolve({ code: 'still pending after 20 s' }), 20_000)),
    ]);
    const bits = (a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
    const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
    const out = {};

    // One client: an embed in flight when the worker is terminated.
    const client = createWorkerClient();
    const enc = await client.Encoder.load(model, { device: 'cpu' });
    const running = enc.embed(texts);
    client.terminate();
    out.client = await settle(running);
    out.clientAfter = await settle(enc.embed(texts.slice(0, 2)));
    out.clientLoadAfter = await settle(client.Encoder.load(model, { device: 'cpu' }));
    enc.dispose(); // no unhandled rejection, no throw

    // A pool: the first batch whole, the second cut short by terminate().
    const pool = createWorkerPool({ size: 2 });
    const pooled = await pool.Encoder.load(model, { device: 'cpu' });
    const want = await pooled.embed(texts);
    const cut = pooled.embed(texts);
    pool.terminate();
    out.pool = await settle(cut);
    out.poolAfter = await settle(pooled.embed(texts));
    // Terminated a moment later (the batch may or may not have finished): the same rows, or E_ABORTED.
    const pool2 = createWorkerPool({ size: 2 });
    const pooled2 = await pool2.Encoder.load(model, { device: 'cpu' });
    const again = await pooled2.embed(texts);
    out.restartedSame = same(bits(again.data), bits(want.data));
    const late = pooled2.embed(texts);
    setTimeout(() => pool2.terminate(), 30);
    const lateResult = await settle(late);
    out.late = lateResult.value ? (same(bits(lateResult.value.data), bits(want.data)) ? 'same rows' : 'different rows') : lateResult.code;
    pool2.terminate();
    return out;
  }, { texts: TEXTS, model: MODEL });
  assert.equal(r.client.code, 'E_ABORTED', JSON.stringify(r.client));
  assert.equal(r.client.name, 'AbortError');
  assert.match(r.client.message, /terminated/);
  assert.equal(r.clientAfter.code, 'E_INPUT');
  assert.equal(r.clientLoadAfter.code, 'E_INPUT');
  assert.equal(r.pool.code, 'E_ABORTED', JSON.stringify(r.pool));
  assert.equal(r.poolAfter.code, 'E_INPUT');
  assert.ok(r.restartedSame, 'a new pool gives the same bits');
  assert.ok(['same rows', 'E_ABORTED'].includes(r.late), r.late);
});

test('a pooled TextClassifier splits a batch: the bits of one worker, textClassification over it, abort and errors', async () => {
  const r = await page.evaluate(async ({ texts, model }) => {
    const { createWorkerClient, createWorkerPool, startWorker } = await import('/pkg/client.js');
    const { textClassification } = await import('/pkg/index.js');
    const sent = [];
    const pool = createWorkerPool({
      size: 2,
      worker: (i) => {
        const w = startWorker();
        const post = w.postMessage.bind(w);
        w.postMessage = (msg, transfer) => {
          if (msg.op === 'classify') sent.push({ worker: i, n: msg.args[1].length });
          return post(msg, transfer);
        };
        return w;
      },
    });
    const clf = await pool.TextClassifier.load(model, { device: 'cpu', quant: 'f32', cache: false });
    const got = await clf.classify(texts);
    const chunks = sent.splice(0);
    const small = await clf.classify(texts.slice(0, 3));
    const results = await textClassification(clf, texts, { topK: 1 });

    const single = createWorkerClient();
    const one = await single.TextClassifier.load(model, { device: 'cpu', quant: 'f32', cache: false });
    const whole = await one.classify(texts);
    const wantSmall = await one.classify(texts.slice(0, 3));
    const oneResults = await textClassification(one, texts, { topK: 1 });
    one.dispose();
    single.terminate();

    const bits = (a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
    const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
    const codes = {};
    const controller = new AbortController();
    const running = clf.classify(texts, { signal: controller.signal });
    controller.abort();
    try { await running; codes.abort = 'resolved'; } catch (e) { codes.abort = e.code; }
    try { await clf.classify(texts, { signl: 1 }); codes.badOption = 'resolved'; } catch (e) { codes.badOption = e.code; }
    const after = await clf.classify(texts.slice(0, 5));
    const out = {
      dims: got.dims, chunks, sameScores: same(bits(got.scores), bits(whole.scores)), sameLogits: same(bits(got.logits), bits(whole.logits)),
      smallBits: same(bits(small.scores), bits(wantSmall.scores)), sameResults: JSON.stringify(results) === JSON.stringify(oneResults),
      labels: clf.labels, workers: clf.info.workers, codes, afterDims: after.dims,
    };
    clf.dispose();
    try { await clf.classify(texts); } catch (e) { out.disposedCode = e.code; }
    pool.terminate();
    return out;
  }, { texts: TEXTS, model: '/hf/mpnet-cls' });
  assert.deepEqual(r.dims, [40, 2]);
  assert.deepEqual(r.chunks.map((c) => c.worker), [0, 1], 'one chunk per worker');
  assert.equal(r.chunks.reduce((n, c) => n + c.n, 0), 40);
  assert.ok(r.sameScores && r.sameLogits, 'the pooled rows equal one worker\'s whole-batch call, bit for bit');
  assert.ok(r.smallBits, 'a small batch goes to one worker: the same bits');
  assert.ok(r.sameResults, 'textClassification over the pool equals it over one worker');
  assert.deepEqual(r.labels, ['NEGATIVE', 'POSITIVE']);
  assert.equal(r.workers, 2);
  assert.deepEqual(r.codes, { abort: 'E_ABORTED', badOption: 'E_INPUT' });
  assert.deepEqual(r.afterDims, [5, 2]);
  assert.equal(r.disposedCode, 'E_INPUT');
});

test('a bad pool size is E_INPUT', async () => {
  const r = await page.evaluate(async () => {
    const { createWorkerPool } = await import('/pkg/client.js');
    const codes = [];
    for (const size of [0, 1.5, 'x', 17, -1, null]) {
      try { createWorkerPool({ size }).terminate(); codes.push('ok'); } catch (e) { codes.push(e.code); }
    }
    try { createWorkerPool({ sise: 2 }).terminate(); codes.push('ok'); } catch (e) { codes.push(e.code); }
    const pool = createWorkerPool(); // the default size
    const size = pool.size;
    pool.terminate();
    return { codes, size, cores: navigator.hardwareConcurrency };
  });
  assert.deepEqual(r.codes, Array(7).fill('E_INPUT'));
  assert.equal(r.size, Math.min(r.cores || 2, 4));
});
