// Fine-tuned classification models (TextClassifier, textClassification) in the
// built package, in Node: the seeded fixtures of every encoder variant
// (tests/fixtures/encoders/) against their PyTorch goldens (tests/goldens/encoders/)
// at the Rust tests' tolerance, label order, topK, progress, and bad inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { TextClassifier, Encoder, textClassification, zeroShot } from '../../pkg/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
const fixture = (name) => path.join(root, 'tests/fixtures/encoders', name);
const golden = (name) => JSON.parse(readFileSync(path.join(root, 'tests/goldens/encoders', `${name}.json`), 'utf8'));
const labelsOf = (g) => Object.keys(g.id2label).sort((a, b) => a - b).map((k) => g.id2label[k]);
const maxAbsDiff = (a, b) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
const rowOf = (flat, width, i) => Array.from(flat.subarray(i * width, (i + 1) * width));

const TOLERANCE = 1e-4;
// roberta-cls and mpnet-cls: softmax over 3 and 2 labels; xlm-roberta-cls: multi-label, a sigmoid per label.
const NAMES = ['roberta-cls', 'mpnet-cls', 'xlm-roberta-cls', 'bert-cls', 'distilbert-cls', 'electra-cls', 'deberta-v2-cls'];

for (const name of NAMES) {
  test(`${name}: f32 scores and logits equal PyTorch within ${TOLERANCE}, alone and in a batch`, async () => {
    const g = golden(name);
    const model = await TextClassifier.load(fixture(name), { quant: 'f32' });
    const labels = labelsOf(g);
    assert.deepEqual(model.labels, labels, 'labels in id2label order');
    assert.deepEqual(model.info.labels, labels);
    assert.equal(model.info.problemType, g.problem_type ?? 'single_label_classification');
    assert.equal(model.info.device, 'wasm-simd');
    assert.equal(model.info.quant, 'f32');
    const texts = g.cases.map((c) => c.text);
    const batch = await model.classify(texts);
    assert.ok(batch.scores instanceof Float32Array && batch.logits instanceof Float32Array);
    assert.deepEqual(batch.dims, [texts.length, labels.length]);
    let worst = 0;
    for (const [i, c] of g.cases.entries()) {
      const alone = await model.classify(c.text);
      for (const r of [alone, { ...batch, at: i }]) {
        const at = r.at ?? 0;
        for (const key of ['scores', 'logits']) {
          const d = maxAbsDiff(rowOf(r[key], labels.length, at), c[key]);
          worst = Math.max(worst, d);
          assert.ok(d < TOLERANCE, `${JSON.stringify(c.text)}: ${key} differ by ${d}`);
        }
      }
    }
    console.log(`${name}: scores and logits within ${worst.toExponential(2)} of PyTorch`);
    model.dispose();
  });
}

test('a checkpoint with only vocab.txt (no tokenizer.json): the package reads the older files, Rust builds the tokenizer', async () => {
  const g = golden('bert-cls');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nunchi-vocab-'));
  try {
    for (const file of ['config.json', 'model.safetensors']) copyFileSync(path.join(fixture('bert-cls'), file), path.join(dir, file));
    const vocab = JSON.parse(readFileSync(path.join(fixture('bert-cls'), 'tokenizer.json'), 'utf8')).model.vocab;
    const tokens = Object.entries(vocab).sort((a, b) => a[1] - b[1]).map(([t]) => t);
    writeFileSync(path.join(dir, 'vocab.txt'), tokens.join('\n'));
    const model = await TextClassifier.load(dir, { quant: 'f32' });
    const c = g.cases[0];
    const r = await model.classify(c.text);
    assert.ok(maxAbsDiff(rowOf(r.logits, model.labels.length, 0), c.logits) < TOLERANCE);
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('textClassification: the shape the other classifiers give, label order, topK as transformers.js top_k', async () => {
  const g = golden('roberta-cls');
  const labels = labelsOf(g);
  const model = await TextClassifier.load(fixture('roberta-cls'), { quant: 'f32' });
  const texts = g.cases.map((c) => c.text);
  const results = await textClassification(model, texts);
  assert.equal(results.length, texts.length);
  for (const [i, r] of results.entries()) {
    const want = g.cases[i].scores;
    assert.deepEqual(Object.keys(r).sort(), ['label', 'score', 'scores']);
    assert.deepEqual(Object.keys(r.scores), labels, 'every label, in the model\'s order');
    assert.ok(maxAbsDiff(labels.map((l) => r.scores[l]), want) < TOLERANCE);
    const best = want.indexOf(Math.max(...want));
    assert.equal(r.label, labels[best]);
    assert.equal(r.score, r.scores[r.label]);
    const total = Object.values(r.scores).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 1e-5, `softmax scores sum to ${total}`);
  }

  // topK: the K most probable labels, most probable first; the best label and score unchanged.
  for (const topK of [1, 2, 3, 10]) {
    const top = await textClassification(model, texts, { topK });
    for (const [i, r] of top.entries()) {
      const keys = Object.keys(r.scores);
      assert.equal(keys.length, Math.min(topK, labels.length));
      const values = keys.map((k) => r.scores[k]);
      assert.deepEqual(values, [...values].sort((a, b) => b - a), `topK ${topK}: most probable first`);
      assert.equal(keys[0], r.label);
      assert.equal(r.label, results[i].label);
      assert.equal(r.score, results[i].score);
      for (const k of keys) assert.equal(r.scores[k], results[i].scores[k]);
    }
  }

  // The same shape as zero-shot's results over the same labels.
  const enc = await Encoder.load(path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf'));
  const [zs] = await zeroShot(enc, texts.slice(0, 1), { labels });
  enc.dispose();
  assert.deepEqual(Object.keys(zs).sort(), Object.keys(results[0]).sort());
  assert.deepEqual(Object.keys(zs.scores), Object.keys(results[0].scores));
  model.dispose();
});

test('a multi-label model gives a sigmoid per label (not summing to 1), in its label order', async () => {
  const g = golden('xlm-roberta-cls');
  assert.equal(g.problem_type, 'multi_label_classification');
  const labels = labelsOf(g);
  const model = await TextClassifier.load(fixture('xlm-roberta-cls'), { quant: 'f32' });
  assert.equal(model.info.problemType, 'multi_label_classification');
  const results = await textClassification(model, g.cases.map((c) => c.text));
  let offOne = 0;
  for (const [i, r] of results.entries()) {
    const c = g.cases[i];
    const got = labels.map((l) => r.scores[l]);
    assert.ok(maxAbsDiff(got, c.scores) < TOLERANCE);
    assert.ok(maxAbsDiff(got, c.logits.map((z) => 1 / (1 + Math.exp(-z)))) < TOLERANCE, 'a sigmoid of each logit');
    assert.equal(r.label, labels[c.scores.indexOf(Math.max(...c.scores))]);
    offOne = Math.max(offOne, Math.abs(got.reduce((a, b) => a + b, 0) - 1));
  }
  assert.ok(offOne > 0.1, 'sigmoid scores need not sum to 1');
  model.dispose();
});

test('textClassification runs in the tasks\' batches, reports progress, keeps input order and stops on abort', async () => {
  const g = golden('mpnet-cls');
  const model = await TextClassifier.load(fixture('mpnet-cls'), { quant: 'f32' });
  // 40 texts: two batches of the tasks' size (32), shortest first.
  const texts = Array.from({ length: 40 }, (_, i) => g.cases[i % g.cases.length].text + ' and more'.repeat(i % 5));
  const events = [];
  const results = await textClassification(model, texts, { onProgress: (e) => events.push(e) });
  assert.deepEqual(events, [{ status: 'classify', done: 32, total: 40 }, { status: 'classify', done: 40, total: 40 }]);
  const each = await model.classify(texts);
  const labels = model.labels;
  for (const [i, r] of results.entries()) {
    assert.deepEqual(labels.map((l) => r.scores[l]), rowOf(each.scores, labels.length, i), `row ${i} is its own text's`);
  }
  const controller = new AbortController();
  await assert.rejects(
    textClassification(model, texts, { signal: controller.signal, onProgress: () => controller.abort() }),
    (e) => e.code === 'E_ABORTED' && e.name === 'AbortError',
  );
  assert.equal((await textClassification(model, ['still works'])).length, 1);
  model.dispose();
});

test('bad inputs: an encoder without a head is E_MODEL_FORMAT, bad options and texts E_INPUT; the module stays usable', async () => {
  const model = await TextClassifier.load(fixture('distilbert-cls'), { quant: 'f32' });
  const enc = await Encoder.load(path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf'));
  const cases = [
    // Sentence encoders (no classification head), by folder and by GGUF; T5.
    [() => TextClassifier.load(path.join(models, 'all-MiniLM-L6-v2')), 'E_MODEL_FORMAT', /no sequence-classification head/],
    [() => TextClassifier.load(path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf')), 'E_MODEL_FORMAT', /no sequence-classification head/],
    [() => TextClassifier.load(path.join(models, 'flan-t5-small-generated-q4_0.gguf')), 'E_MODEL_FORMAT', /t5/],
    [() => TextClassifier.load(fixture('roberta-cls'), { devcie: 'cpu' }), 'E_INPUT', /unknown option 'devcie'/],
    [() => TextClassifier.load(fixture('roberta-cls'), { quant: 'int8' }), 'E_INPUT', /unknown quant/],
    [() => textClassification(model, ['x'], { top_k: 2 }), 'E_INPUT', /unknown option 'top_k' \(expected one of topK, onProgress, signal\)/],
    [() => textClassification(model, ['x'], { topK: 0 }), 'E_INPUT', /topK must be a positive integer/],
    [() => textClassification(model, ['x'], { topK: 1.5 }), 'E_INPUT', /topK/],
    [() => textClassification(model, ['x'], { topK: '2' }), 'E_INPUT', /topK/],
    [() => textClassification(model, ['x'], { labels: ['a', 'b'] }), 'E_INPUT', /unknown option 'labels'/],
    [() => textClassification(model, []), 'E_INPUT', /no texts/],
    [() => textClassification(model, ['x', 7]), 'E_INPUT', /array of strings/],
    [() => textClassification(enc, ['x']), 'E_INPUT', /TextClassifier/],
    [() => textClassification(model, ['x'], { signal: AbortSignal.abort() }), 'E_ABORTED', /cancelled/],
    [() => model.classify([1]), 'E_INPUT', /strings/],
  ];
  for (const [run, code, message] of cases) {
    await assert.rejects(run, (e) => e instanceof Error && e.code === code && message.test(e.message),
      `${run}: expected ${code} matching ${message}`);
  }
  const [r] = await textClassification(model, ['a fine film'], { topK: 1 });
  assert.deepEqual(Object.keys(r.scores), [r.label], 'usable after the errors');
  enc.dispose();
  model.dispose();
  await assert.rejects(model.classify(['x']), (e) => e.code === 'E_INPUT');
  assert.throws(() => model.labels, (e) => e.code === 'E_INPUT');
});
