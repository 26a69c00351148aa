// The built npm package (pkg/), used as a user would, in Node: parity with the
// PyTorch goldens at the same tolerances as the Rust tests, streaming,
// seeds, cancellation, error codes, memory and disposal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Encoder, Text2Text, wasmMemoryBytes } from '../../pkg/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
const golden = (name) => JSON.parse(readFileSync(path.join(root, 'tests/goldens', name), 'utf8'));
const model = (name) => path.join(models, name);

const cosine = (a, b) => {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return d / Math.sqrt(na * nb);
};
const maxAbsDiff = (a, b) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
const row = (r, i) => r.data.subarray(i * r.dims[1], (i + 1) * r.dims[1]);

test('MiniLM f32 from a Hugging Face folder matches sentence-transformers within 1e-4', async () => {
  const g = golden('minilm.json');
  const events = [];
  const enc = await Encoder.load(model('all-MiniLM-L6-v2'), { quant: 'f32', onProgress: (e) => events.push(e.status) });
  assert.deepEqual(events.filter((s, i) => s !== events[i - 1]), ['download', 'parse', 'ready']);
  const r = await enc.embed(g.texts);
  assert.deepEqual(r.dims, [g.texts.length, 384]);
  g.embeddings.forEach((want, i) => {
    const d = maxAbsDiff(row(r, i), want);
    assert.ok(d < 1e-4, `${JSON.stringify(g.texts[i])}: max abs diff ${d}`);
  });
  assert.ok(r.truncated.some((n) => n > 0), 'the long golden text reports truncation');
  enc.dispose();
});

test('MiniLM q8_0 GGUF stays within cosine 0.99 of the f32 reference', async () => {
  const g = golden('minilm.json');
  const enc = await Encoder.load(model('all-MiniLM-L6-v2-q8_0.gguf'));
  assert.equal(enc.info.quant, 'q8_0');
  assert.equal(enc.info.device, 'wasm-simd');
  const r = await enc.embed(g.texts);
  const min = Math.min(...g.embeddings.map((want, i) => cosine(row(r, i), want)));
  assert.ok(min >= 0.99, `min cosine ${min}`);
  enc.dispose();
});

test('T5 f32 greedy text equals transformers, and streamed pieces add up to it', async () => {
  const g = golden('t5_tiny.json');
  const t5 = await Text2Text.load(model('flan-t5-small-generated-tiny'), { quant: 'f32' });
  assert.equal(t5.info.testWeights, true);
  for (let i = 0; i < g.prompts.length; i++) {
    let streamed = '';
    const text = await t5.generate(g.prompts[i], { maxNewTokens: g.max_new_tokens, onToken: (p) => { streamed += p; } });
    assert.equal(text, g.greedy_text[i], `prompt ${i}`);
    assert.equal(streamed, text);
  }
  const s = g.score;
  const scores = await t5.score(s.prompt, s.candidates);
  scores.forEach((got, i) => {
    assert.equal(got.candidate, s.candidates[i]);
    assert.ok(Math.abs(got.logprob - s.logprob[i]) < 2e-3 * got.tokens, `${got.candidate}: ${got.logprob} vs ${s.logprob[i]}`);
  });
  t5.dispose();
});

test('same seed same text; AbortSignal stops generation and the model stays usable', async () => {
  const t5 = await Text2Text.load(model('flan-t5-small-generated-tiny'));
  const opts = { maxNewTokens: 10, temperature: 0.9, topK: 40, topP: 0.95, seed: 11 };
  const a = await t5.generate('Name this topic: refunds', opts);
  assert.equal(await t5.generate('Name this topic: refunds', opts), a);
  const controller = new AbortController();
  let pieces = 0;
  await assert.rejects(
    t5.generate('Name this topic: refunds', { maxNewTokens: 20, onToken: () => { if (++pieces === 2) controller.abort(); }, signal: controller.signal }),
    (e) => e.code === 'E_ABORTED',
  );
  assert.equal(pieces, 2);
  assert.equal(await t5.generate('Name this topic: refunds', opts), a, 'usable after a cancelled call');
  t5.dispose();
});

test('bad inputs reject with the right code and leave the module usable', async () => {
  const enc = await Encoder.load(model('all-MiniLM-L6-v2-q8_0.gguf'));
  const bytes = readFileSync(model('all-MiniLM-L6-v2-q8_0.gguf'));
  // Thunks, so that each promise is awaited as soon as it exists.
  const cases = [
    [() => Encoder.load(new Uint8Array(bytes.subarray(0, bytes.length >> 1))), 'E_MODEL_FORMAT'],
    [() => Encoder.load(new Uint8Array([1, 2, 3, 4, 5])), 'E_MODEL_FORMAT'],
    [() => Encoder.load(model('flan-t5-small-generated-q4_0.gguf')), 'E_MODEL_FORMAT'],
    [() => Encoder.load(model('nope.gguf')), 'E_INPUT'],
    [() => Encoder.load(model('all-MiniLM-L6-v2-q8_0.gguf'), { devcie: 'cpu' }), 'E_INPUT'],
    [() => Encoder.load(model('all-MiniLM-L6-v2-q8_0.gguf'), { device: 'tpu' }), 'E_INPUT'],
    [() => enc.embed([]), 'E_INPUT'],
    [() => enc.embed(['x'], { pooling: 'max' }), 'E_INPUT'],
    [() => enc.embed(['x'], { normalise: true }), 'E_INPUT'],
  ];
  for (const [run, code] of cases) {
    await assert.rejects(run, (e) => e instanceof Error && e.code === code && e.message.length > 0);
  }
  const long = 'nunchi reads the room. '.repeat(5000);
  const r = await enc.embed([long, '']);
  assert.ok(r.truncated[0] > 20000);
  assert.ok(Array.from(r.data).every(Number.isFinite));
  enc.dispose();
  await assert.rejects(enc.embed(['x']), (e) => e.code === 'E_INPUT');
});

test('1,000 embeds do not grow wasm memory past the first call', async () => {
  const enc = await Encoder.load(model('all-MiniLM-L6-v2-q8_0.gguf'));
  await enc.embed(['the first call sets the high-water mark']);
  const after = wasmMemoryBytes();
  for (let i = 0; i < 1000; i++) await enc.embed([`review number ${i}`]);
  assert.equal(wasmMemoryBytes(), after);
  enc.dispose();
});
