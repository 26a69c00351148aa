// The package on WebGPU in headless Chromium: --enable-unsafe-webgpu gives a
// real WebGPU adapter (SwiftShader, CPU-emulated) with no GPU, so these check
// correctness and fallback, not speed. Without the flag the same page must
// fall back to the wasm CPU path and say why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../browser/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
const golden = (name) => JSON.parse(readFileSync(path.join(root, 'tests/goldens', name), 'utf8'));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let server;
const browsers = [];

async function openPage(flags) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: flags });
  browsers.push(browser);
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`${server.base}/tests/browser/index.html`);
  return page;
}

let gpuPage, plainPage;

before(async () => {
  server = await startServer({ root, models });
  gpuPage = await openPage([...FLAGS, '--enable-unsafe-webgpu']);
  plainPage = await openPage(FLAGS);
});

after(async () => {
  for (const b of browsers) await b.close();
  await server?.close();
});

const cosine = (a, b) => {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return d / Math.sqrt(na * nb);
};

/** Loads an encoder with `options`, embeds `texts`; rows and info come back. */
async function embedIn(page, source, texts, options) {
  return page.evaluate(async ({ source, texts, options }) => {
    const { Encoder } = await import('/pkg/index.js');
    const enc = await Encoder.load(source, options);
    const r = await enc.embed(texts);
    const rows = [];
    for (let i = 0; i < r.dims[0]; i++) rows.push(Array.from(r.data.subarray(i * r.dims[1], (i + 1) * r.dims[1])));
    const info = enc.info;
    enc.dispose();
    return { rows, info, truncated: r.truncated };
  }, { source, texts, options });
}

const minCosine = (a, b) => Math.min(...a.map((row, i) => cosine(row, b[i])));

// The golden texts under 100 characters (16 of 20, the empty one included):
// SwiftShader runs barrier-heavy tiled kernels slowly, minutes for all 20.
// Long texts and truncation on WebGPU are checked natively
// (crates/gpu/tests/models.rs, on lavapipe).
const SHORT = (() => {
  const g = golden('minilm.json');
  const keep = g.texts.map((t, i) => i).filter((i) => g.texts[i].length < 100);
  return { texts: keep.map((i) => g.texts[i]), embeddings: keep.map((i) => g.embeddings[i]) };
})();

test('f32 MiniLM on WebGPU equals the wasm CPU path on 16 short golden texts (cosine ≥ 0.9999)', async () => {
  const { texts } = SHORT;
  const source = '/hf/all-MiniLM-L6-v2';
  const gpu = await embedIn(gpuPage, source, texts, { device: 'webgpu', quant: 'f32', cache: false });
  const cpu = await embedIn(gpuPage, source, texts, { device: 'cpu', quant: 'f32', cache: false });
  assert.equal(gpu.info.device, 'webgpu');
  assert.ok(gpu.info.adapter, 'the adapter is named');
  assert.equal(cpu.info.device, 'wasm-simd');
  assert.deepEqual(gpu.truncated, cpu.truncated);
  const min = minCosine(gpu.rows, cpu.rows);
  console.log(`f32 WebGPU vs wasm CPU on ${texts.length} texts: min cosine ${min.toFixed(7)} (${gpu.info.adapter})`);
  assert.ok(min >= 0.9999, `min cosine ${min}`);
});

test('q8_0 MiniLM on WebGPU stays within the reference (cosine ≥ 0.999 to PyTorch f32)', async () => {
  const g = SHORT;
  const gpu = await embedIn(gpuPage, '/models/all-MiniLM-L6-v2-q8_0.gguf', g.texts, { device: 'webgpu' });
  assert.equal(gpu.info.device, 'webgpu');
  const min = minCosine(gpu.rows, g.embeddings);
  console.log(`q8_0 WebGPU vs PyTorch f32: min cosine ${min.toFixed(5)}`);
  assert.ok(min >= 0.999, `min cosine ${min}`);
});

test("'auto' without WebGPU falls back to the CPU and says why; 'webgpu' fails clearly", async () => {
  const texts = ['the parcel arrived late'];
  const auto = await embedIn(plainPage, '/models/all-MiniLM-L6-v2-q8_0.gguf', texts, {});
  assert.equal(auto.info.device, 'wasm-simd');
  assert.match(auto.info.fallbackReason, /WebGPU|adapter/);
  const err = await plainPage.evaluate(async () => {
    const { Encoder } = await import('/pkg/index.js');
    try { await Encoder.load('/models/all-MiniLM-L6-v2-q8_0.gguf', { device: 'webgpu' }); return null; }
    catch (e) { return { code: e.code, message: e.message }; }
  });
  assert.equal(err?.code, 'E_DEVICE');
  assert.match(err.message, /WebGPU|adapter/);
});

test("'auto' with WebGPU present runs the encoder on it", async () => {
  const r = await embedIn(gpuPage, '/models/all-MiniLM-L6-v2-q8_0.gguf', ['hello'], {});
  assert.equal(r.info.device, 'webgpu');
  assert.equal(r.info.fallbackReason, undefined);
});

test('a lost device: the call is answered on the CPU, later calls stay there, the model is kept', async () => {
  const texts = ['The delivery was late and the box was damaged.', 'Great support, fixed in minutes!'];
  const r = await gpuPage.evaluate(async (texts) => {
    const { Encoder } = await import('/pkg/index.js');
    const rows = (r) => Array.from({ length: r.dims[0] }, (_, i) => Array.from(r.data.subarray(i * r.dims[1], (i + 1) * r.dims[1])));
    const enc = await Encoder.load('/models/all-MiniLM-L6-v2-q8_0.gguf', { device: 'webgpu' });
    const before = rows(await enc.embed(texts));
    enc._loseDeviceForTests();
    const during = rows(await enc.embed(texts));
    const info = enc.info;
    const after = rows(await enc.embed(texts));
    const cpu = await Encoder.load('/models/all-MiniLM-L6-v2-q8_0.gguf', { device: 'cpu' });
    const reference = rows(await cpu.embed(texts));
    enc.dispose();
    cpu.dispose();
    return { before, during, after, info, reference };
  }, texts);
  assert.equal(r.info.device, 'wasm-simd');
  assert.match(r.info.fallbackReason, /WebGPU device failed/);
  assert.deepEqual(r.during, r.reference, 'the failed call was answered by the CPU path');
  assert.deepEqual(r.after, r.reference, 'later calls run on the CPU');
  assert.ok(minCosine(r.before, r.reference) > 0.998, 'before the loss, WebGPU agreed with the CPU');
});

test('Text2Text: WebGPU is encoders-only so far, said plainly', async () => {
  const r = await gpuPage.evaluate(async () => {
    const { Text2Text } = await import('/pkg/index.js');
    const auto = await Text2Text.load('/hf/flan-t5-small-generated-tiny', { cache: false });
    const info = auto.info;
    auto.dispose();
    let err = null;
    try { await Text2Text.load('/hf/flan-t5-small-generated-tiny', { device: 'webgpu', cache: false }); }
    catch (e) { err = { code: e.code, message: e.message }; }
    return { info, err };
  });
  assert.equal(r.info.device, 'wasm-simd');
  assert.match(r.info.fallbackReason, /sentence encoders only/);
  assert.equal(r.err?.code, 'E_DEVICE');
});
