// transformers.js' pipeline() in the built package, in Node: a program written for
// transformers.js runs with only its import changed (tests/fixtures/transformers-js/),
// its outputs have transformers.js' shapes and nunchi's own values (Encoder.embed,
// textClassification, zeroShot, Text2Text.generate are the reference), progress
// comes in transformers.js' events, and every option nunchi cannot honour is E_INPUT
// naming it. Small models only: MiniLM q8_0, a seeded DistilBERT classifier, tiny T5.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  pipeline, Encoder, TextClassifier, Text2Text, textClassification, zeroShot,
} from '../../pkg/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
const MINILM = path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf');
const CLASSIFIER = path.join(root, 'tests/fixtures/encoders/distilbert-cls');
const T5 = path.join(models, 'flan-t5-small-generated-tiny');

const cosine = (a, b) => {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return d / Math.sqrt(na * nb);
};
const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const isInput = (...names) => (e) => {
  assert.equal(e.code, 'E_INPUT', e.message);
  for (const n of names) assert.ok(e.message.includes(n), `the message names ${n}: ${e.message}`);
  return true;
};

// Reference models, loaded once.
let encoder;
let classifier;
const enc = async () => (encoder ??= await Encoder.load(MINILM));
const clf = async () => (classifier ??= await TextClassifier.load(CLASSIFIER));
after(() => { encoder?.dispose(); classifier?.dispose(); });

test("a transformers.js program runs with only its import changed, with transformers.js' shapes and nunchi's values", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nunchi-tjs-'));
  try {
    const source = readFileSync(path.join(root, 'tests/fixtures/transformers-js/program.mjs'), 'utf8');
    const from = "import { pipeline } from '@huggingface/transformers';";
    assert.ok(source.includes(from));
    const to = `import { pipeline } from ${JSON.stringify(pathToFileURL(path.join(root, 'pkg/index.js')).href)};`;
    writeFileSync(path.join(dir, 'program.mjs'), source.replace(from, to));
    const { main } = await import(pathToFileURL(path.join(dir, 'program.mjs')).href);
    const r = await main({ embedder: MINILM, sentimentModel: CLASSIFIER, generatorModel: T5 });

    // feature-extraction: a float32 Tensor [3, 384], each row our Encoder's embedding.
    assert.equal(r.embeddings.type, 'float32');
    assert.ok(r.embeddings.data instanceof Float32Array);
    assert.deepEqual(r.embeddings.dims, [3, 384]);
    assert.equal(r.embeddings.list.length, 3);
    assert.equal(r.embeddings.list[0].length, 384);
    const ours = await (await enc()).embed(r.sentences);
    r.embeddings.list.forEach((row, i) => {
      const c = cosine(row, ours.data.subarray(i * 384, (i + 1) * 384));
      assert.ok(c >= 0.99, `sentence ${i}: cosine ${c} to Encoder.embed`);
      assert.ok(Math.abs(norm(row) - 1) < 1e-4, 'normalize: true');
    });

    // text-classification: transformers.js' shapes, our textClassification's labels and scores.
    const model = await clf();
    const texts = ['I love this!', 'Awful, never again.'];
    const best = await textClassification(model, texts);
    const top2 = await textClassification(model, texts, { topK: 2 });
    const close = (a, b) => Math.abs(a - b) < 1e-6;
    assert.equal(r.one.length, 1, 'a string with top_k 1: a list of one');
    assert.deepEqual(Object.keys(r.one[0]).sort(), ['label', 'score']);
    assert.equal(r.one[0].label, best[0].label);
    assert.equal(r.each.length, 2, 'an array with top_k 1: one flat list, a result per text');
    r.each.forEach((x, i) => { assert.equal(x.label, best[i].label); assert.ok(close(x.score, best[i].score)); });
    assert.equal(r.topTwo.length, 2);
    r.topTwo.forEach((list, i) => {
      assert.equal(list.length, 2, 'top_k 2: a list per text');
      assert.deepEqual(list.map((x) => x.label), Object.keys(top2[i].scores));
      assert.ok(list[0].score >= list[1].score);
    });
    assert.equal(r.all.length, model.labels.length, 'a string with top_k null: every label, unwrapped');
    assert.deepEqual(r.all.map((x) => x.label).sort(), [...model.labels].sort());

    // zero-shot-classification: sorted labels and scores, our zeroShot's best label.
    const hypotheses = (template) => r.labels.map((l) => template.replace('{}', l));
    const [single] = await zeroShot(await enc(), [r.topic.sequence], { labels: r.labels, descriptions: hypotheses('This example is {}.') });
    assert.equal(r.topic.sequence, 'My parcel never arrived and the courier lost it.');
    assert.deepEqual([...r.topic.labels].sort(), [...r.labels].sort());
    assert.equal(r.topic.labels[0], single.label);
    assert.equal(r.topic.labels[0], 'delivery');
    assert.ok(Math.abs(r.topic.scores.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    assert.deepEqual(r.topic.scores, [...r.topic.scores].sort((a, b) => b - a));
    const many = await zeroShot(await enc(), r.sentences, { labels: r.labels, descriptions: hypotheses('This message is about {}.') });
    assert.equal(r.topics.length, 3, 'an array: one result per text');
    r.topics.forEach((t, i) => { assert.equal(t.sequence, r.sentences[i]); assert.equal(t.labels[0], many[i].label); });

    // text2text-generation: [{ generated_text }], our greedy generation.
    const t5 = await Text2Text.load(T5);
    const want = await t5.generate('Translate to German: How old are you?', { maxNewTokens: 8 });
    t5.dispose();
    assert.deepEqual(r.generated, [{ generated_text: want }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('feature-extraction: token vectors by default, pooling and normalize as in transformers.js', async () => {
  const extractor = await pipeline('embeddings', MINILM);
  assert.equal(extractor.task, 'feature-extraction');
  const tokens = await extractor('The parcel arrived late.');
  assert.equal(tokens.dims.length, 3, "pooling 'none' by default: [texts, tokens, dim]");
  assert.equal(tokens.dims[0], 1);
  assert.equal(tokens.dims[2], 384);
  assert.equal(tokens.size, tokens.data.length);
  const list = tokens.tolist();
  assert.deepEqual([list.length, list[0].length, list[0][0].length], tokens.dims);
  assert.ok(Math.abs(norm(list[0][1]) - 1) > 1e-3, 'not normalized by default');
  const normalized = (await extractor('The parcel arrived late.', { normalize: true })).tolist();
  assert.ok(Math.abs(norm(normalized[0][1]) - 1) < 1e-4, 'normalize: each token vector');
  const cls = await extractor(['a', 'b'], { pooling: 'cls' });
  const first = await extractor(['a', 'b'], { pooling: 'first_token' });
  assert.deepEqual(cls.dims, [2, 384]);
  assert.deepEqual(Array.from(first.data), Array.from(cls.data), "'first_token' is 'cls'");
  const mean = await extractor(['a'], { pooling: 'mean', quantize: false });
  const ours = await (await enc()).embed(['a'], { pooling: 'mean', normalize: false });
  assert.deepEqual(Array.from(mean.data), Array.from(ours.data));
  await extractor.dispose();
  await assert.rejects(extractor('again'), isInput('disposed'));
});

/** Serves `dir` as a Hugging Face repository: `/{repo}/resolve/main/{file}`. */
async function serveRepo(dir, repo) {
  const server = http.createServer(async (req, res) => {
    const prefix = `/${repo}/resolve/main/`;
    const file = req.url.startsWith(prefix) ? path.join(dir, req.url.slice(prefix.length)) : undefined;
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-length': body.length }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/${repo}`, close: () => new Promise((r) => server.close(r)) };
}

test("progress_callback hears transformers.js' events: initiate, download, progress, done per file, then ready", async () => {
  const repo = await serveRepo(CLASSIFIER, 'test-org/distilbert-cls');
  try {
    const events = [];
    const sentiment = await pipeline('sentiment-analysis', repo.url, { progress_callback: (e) => events.push(e), dtype: 'fp32' });
    assert.equal(sentiment.model.info.quant, 'f32', "dtype 'fp32' loads f32 weights");
    assert.deepEqual(events.at(-1), { status: 'ready', task: 'text-classification', model: repo.url });
    assert.ok(events.every((e) => e.status === 'ready' || e.name === repo.url), 'name is the model as given');
    const files = [...new Set(events.filter((e) => e.file).map((e) => e.file))].sort();
    assert.deepEqual(files, ['config.json', 'model.safetensors', 'tokenizer.json']);
    for (const file of files) {
      const mine = events.filter((e) => e.file === file);
      assert.deepEqual(mine.slice(0, 2).map((e) => e.status), ['initiate', 'download'], file);
      assert.equal(mine.at(-1).status, 'done', file);
      const progress = mine.filter((e) => e.status === 'progress');
      assert.ok(progress.length >= 1, file);
      assert.equal(progress.at(-1).progress, 100, file);
      assert.equal(progress.at(-1).loaded, progress.at(-1).total, file);
      assert.equal(progress.at(-1).total, readFileSync(path.join(CLASSIFIER, file)).length, file);
    }
    const total = events.filter((e) => e.status === 'progress_total').at(-1);
    assert.equal(total.progress, 100);
    assert.deepEqual(Object.keys(total.files).sort(), files);
    await sentiment.dispose();
  } finally {
    await repo.close();
  }
});

test('text2text-generation: greedy unless do_sample, as in transformers.js; sampling draws anew', async () => {
  const generator = await pipeline('text2text-generation', T5);
  const prompt = 'Name this topic: refunds';
  const greedy = await generator([prompt, prompt], { max_new_tokens: 6 });
  assert.equal(greedy.length, 2);
  assert.equal(greedy[0].generated_text, greedy[1].generated_text);
  const ignored = await generator(prompt, { max_new_tokens: 6, temperature: 0.9, top_k: 40 });
  assert.deepEqual(ignored, [greedy[0]], 'temperature and top_k need do_sample, as in transformers.js');
  const sampled = await generator(prompt, { max_new_tokens: 6, do_sample: true, temperature: 1.5, top_k: 0, top_p: 0.99, num_beams: 1 });
  assert.equal(typeof sampled[0].generated_text, 'string');
  await generator.dispose();
});

test('every option nunchi cannot honour is E_INPUT naming it; a dtype a .gguf does not hold is refused', async () => {
  const load = [
    [() => pipeline('summarization', MINILM), 'summarization'],
    [() => pipeline('feature-extraction'), 'model'],
    [() => pipeline('feature-extraction', MINILM, { revision: 'v2' }), 'revision'],
    [() => pipeline('feature-extraction', MINILM, { session_options: {} }), 'session_options'],
    [() => pipeline('feature-extraction', MINILM, { device: 'gpu' }), 'device'],
    [() => pipeline('feature-extraction', MINILM, { dtype: 'q4f16' }), 'dtype'],
    [() => pipeline('feature-extraction', MINILM, { dtype: 'fp32' }), 'dtype'],
    [() => pipeline('feature-extraction', MINILM, { progress_callbak: () => {} }), 'progress_callbak'],
  ];
  for (const [run, name] of load) await assert.rejects(run, isInput(name));

  const extractor = await pipeline('feature-extraction', MINILM, { device: 'wasm' });
  assert.equal(extractor.model.info.device, 'wasm-simd');
  const zero = await pipeline('zero-shot-classification', MINILM);
  const sentiment = await pipeline('text-classification', CLASSIFIER, { device: 'cpu' });
  const generator = await pipeline('text2text-generation', T5);
  const calls = [
    [() => extractor('x', { quantize: true }), 'quantize'],
    [() => extractor('x', { precision: 'binary' }), 'precision'],
    [() => extractor('x', { pooling: 'eos' }), 'pooling'],
    [() => extractor([], {}), 'texts'],
    [() => sentiment('x', { top_k: 0 }), 'top_k'],
    [() => sentiment('x', { function_to_apply: 'sigmoid' }), 'function_to_apply'],
    [() => zero('x', ['a', 'b'], { multi_label: true }), 'multi_label'],
    [() => zero('x', ['a', 'b'], { hypothesis_template: 'no placeholder' }), 'hypothesis_template'],
    [() => zero('x', 'alone'), 'candidate_labels'],
    [() => generator('x', { num_beams: 4 }), 'num_beams'],
    [() => generator('x', { repetition_penalty: 1.2 }), 'repetition_penalty'],
    [() => generator('x', { streamer: {} }), 'streamer'],
    [() => generator('x', { max_length: 20 }), 'max_length'],
    [() => generator('x', { max_new_tokens: 0 }), 'max_new_tokens'],
  ];
  for (const [run, name] of calls) await assert.rejects(run, isInput(name));
  // Multi-label off is what nunchi does: accepted.
  const ok = await zero(['x'], ['a', 'b'], { multi_label: false });
  assert.equal(ok.length, 1);
  for (const p of [extractor, zero, sentiment, generator]) await p.dispose();
});

test('Hub ids load from hubUrl; transformers.js export ids name the original repository; ONNX-only ones are refused', async () => {
  const folder = path.join(models, 'all-MiniLM-L6-v2');
  const repo = await serveRepo(folder, 'sentence-transformers/all-MiniLM-L6-v2');
  const hubUrl = new URL(repo.url).origin;
  try {
    const texts = ['a refund for my order', 'the film was dull'];
    const local = await Encoder.load(folder);
    const byId = await Encoder.load('sentence-transformers/all-MiniLM-L6-v2', { hubUrl });
    const viaExport = await Encoder.load('Xenova/all-MiniLM-L6-v2', { hubUrl });
    const want = Array.from((await local.embed(texts)).data);
    assert.deepEqual(Array.from((await byId.embed(texts)).data), want, 'same files, same result');
    assert.deepEqual(Array.from((await viaExport.embed(texts)).data), want);
    for (const m of [local, byId, viaExport]) m.dispose();
    await assert.rejects(pipeline('feature-extraction', 'onnx-community/some-model-ONNX'), isInput('ONNX'));
    await assert.rejects(Encoder.load('no-such-owner/no-such-model', { hubUrl }), (e) => e.code === 'E_IO' && e.message.includes('404'));
    await assert.rejects(Encoder.load('a/b', { hubUrl: 42 }), isInput('hubUrl'));
  } finally {
    await repo.close();
  }
});
