// The package on WebGPU in headless Chromium: --enable-unsafe-webgpu gives a
// real WebGPU adapter (SwiftShader, CPU-emulated) with no GPU, so these check
// correctness and fallback, not speed. Without the flag the same page must
// fall back to the wasm CPU path and say why.
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

let server;
const browsers = [];

async function openPage(options) {
  const browser = await launchChromium(options);
  browsers.push(browser);
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`${server.base}/tests/browser/index.html`);
  return page;
}

let gpuPage, plainPage;

// The seeded fine-tuned classifier fixtures, served as Hugging Face repositories.
const CLASSIFIERS = ['roberta-cls', 'xlm-roberta-cls'];

before(async () => {
  server = await startServer({ root, models, mounts: fixtureMounts(root, CLASSIFIERS) });
  gpuPage = await openPage({ webgpu: true });
  plainPage = await openPage();
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

test("'auto' with WebGPU present times both devices and keeps the faster, saying so", async () => {
  const r = await embedIn(gpuPage, '/models/all-MiniLM-L6-v2-q8_0.gguf', ['hello'], {});
  const { webgpuMs, cpuMs } = r.info.deviceTiming ?? {};
  console.log(`'auto' timing: WebGPU ${webgpuMs?.toFixed(1)} ms, wasm CPU ${cpuMs?.toFixed(1)} ms → ${r.info.device}`);
  assert.ok(webgpuMs > 0 && cpuMs > 0, JSON.stringify(r.info));
  if (webgpuMs <= cpuMs) {
    assert.equal(r.info.device, 'webgpu');
    assert.equal(r.info.fallbackReason, undefined);
  } else {
    // SwiftShader emulates the GPU on the CPU: expect this branch here.
    assert.equal(r.info.device, 'wasm-simd');
    assert.match(r.info.fallbackReason, /WebGPU .* was slower than the wasm CPU path on a timed embedding here/);
    assert.match(r.info.fallbackReason, /device: 'webgpu'/);
  }
  assert.equal(r.rows.length, 1);
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

test('TextClassifier on WebGPU equals the wasm CPU path and PyTorch (f32, 1e-4); textClassification and a lost device too', async () => {
  const out = {};
  for (const name of CLASSIFIERS) {
    const g = golden(`encoders/${name}.json`);
    const texts = g.cases.map((c) => c.text);
    out[name] = await gpuPage.evaluate(async ({ source, texts }) => {
      const { TextClassifier, textClassification } = await import('/pkg/index.js');
      const run = async (model) => {
        const r = await model.classify(texts);
        return { scores: Array.from(r.scores), logits: Array.from(r.logits), dims: r.dims, info: model.info };
      };
      const gpu = await TextClassifier.load(source, { device: 'webgpu', quant: 'f32', cache: false });
      const cpu = await TextClassifier.load(source, { device: 'cpu', quant: 'f32', cache: false });
      const [onGpu, onCpu] = [await run(gpu), await run(cpu)];
      const results = await textClassification(gpu, texts, { topK: 2 });
      const auto = await TextClassifier.load(source, { quant: 'f32', cache: false });
      const autoInfo = auto.info;
      auto.dispose();
      gpu._loseDeviceForTests();
      const afterLoss = await run(gpu);
      gpu.dispose();
      cpu.dispose();
      return { onGpu, onCpu, results, afterLoss, autoInfo };
    }, { source: `/hf/${name}`, texts });
    const r = out[name];
    assert.equal(r.onGpu.info.device, 'webgpu');
    assert.equal(r.onCpu.info.device, 'wasm-simd');
    assert.deepEqual(r.onGpu.dims, r.onCpu.dims);
    const width = r.onGpu.dims[1];
    let vsCpu = 0, vsTorch = 0;
    for (const key of ['scores', 'logits']) {
      vsCpu = Math.max(vsCpu, ...r.onGpu[key].map((x, i) => Math.abs(x - r.onCpu[key][i])));
      g.cases.forEach((c, i) => {
        vsTorch = Math.max(vsTorch, ...c[key].map((x, j) => Math.abs(x - r.onGpu[key][i * width + j])));
      });
    }
    console.log(`${name} f32 on WebGPU: within ${vsCpu.toExponential(2)} of the wasm CPU path, ${vsTorch.toExponential(2)} of PyTorch`);
    assert.ok(vsCpu < 1e-4 && vsTorch < 1e-4, `${name}: ${vsCpu} from the CPU, ${vsTorch} from PyTorch`);
    for (const [i, res] of r.results.entries()) {
      const row = r.onCpu.scores.slice(i * width, (i + 1) * width);
      assert.equal(res.label, r.onGpu.info.labels[row.indexOf(Math.max(...row))]);
      assert.equal(Object.keys(res.scores).length, 2);
    }
    assert.equal(r.afterLoss.info.device, 'wasm-simd');
    assert.match(r.afterLoss.info.fallbackReason, /WebGPU device failed/);
    assert.deepEqual(r.afterLoss.scores, r.onCpu.scores, 'after the loss the CPU answers');
    // 'auto' times a classification on each device and keeps the faster.
    const { webgpuMs, cpuMs } = r.autoInfo.deviceTiming ?? {};
    assert.ok(webgpuMs > 0 && cpuMs > 0, JSON.stringify(r.autoInfo));
    if (webgpuMs > cpuMs) assert.match(r.autoInfo.fallbackReason, /slower than the wasm CPU path on a timed classification/);
    else assert.equal(r.autoInfo.device, 'webgpu');
  }
});

test('Text2Text on WebGPU: greedy text and label scores match the CPU path; a lost device hands over to the CPU', async () => {
  // The tiny generated T5 (real vocabulary, 2+2 layers): SwiftShader is slow.
  const prompt = 'Is the following review positive or negative? The battery died after two days.';
  const labels = ['positive', 'negative'];
  const r = await gpuPage.evaluate(async ({ prompt, labels }) => {
    const { Text2Text } = await import('/pkg/index.js');
    const run = async (t5) => {
      const pieces = [];
      const text = await t5.generate(prompt, { maxNewTokens: 8, onToken: (p) => pieces.push(p) });
      return { text, pieces, scores: await t5.score(prompt, labels), info: t5.info };
    };
    const gpu = await Text2Text.load('/hf/flan-t5-small-generated-tiny', { device: 'webgpu', cache: false });
    const cpu = await Text2Text.load('/hf/flan-t5-small-generated-tiny', { device: 'cpu', cache: false });
    const [onGpu, onCpu] = [await run(gpu), await run(cpu)];
    // Lose the device: the next score is answered on the CPU, and generation stays there.
    gpu._loseDeviceForTests();
    const afterLoss = await run(gpu);
    gpu.dispose();
    cpu.dispose();
    return { onGpu, onCpu, afterLoss };
  }, { prompt, labels });
  assert.equal(r.onGpu.info.device, 'webgpu');
  assert.equal(r.onCpu.info.device, 'wasm-simd');
  console.log(`T5 tiny greedy, WebGPU: ${JSON.stringify(r.onGpu.text)}; CPU: ${JSON.stringify(r.onCpu.text)}`);
  assert.ok(r.onGpu.pieces.length > 0, 'pieces were streamed');
  assert.equal(r.onGpu.pieces.join(''), r.onGpu.text);
  // The CPU path rounds activations to int8 (q8_0 on load), WebGPU does not: the greedy text of
  // these random weights must agree, and scores within 0.05 nats (see crates/gpu/tests/models.rs
  // for the f32 comparison within 2e-3).
  assert.equal(r.onGpu.text, r.onCpu.text);
  for (const [i, s] of r.onGpu.scores.entries()) {
    assert.equal(s.candidate, labels[i]);
    assert.ok(Math.abs(s.logprob - r.onCpu.scores[i].logprob) < 0.05, `${s.candidate}: ${s.logprob} vs ${r.onCpu.scores[i].logprob}`);
  }
  assert.equal(r.afterLoss.info.device, 'wasm-simd');
  assert.match(r.afterLoss.info.fallbackReason, /WebGPU device failed/);
  assert.equal(r.afterLoss.text, r.onCpu.text, 'after the loss the CPU answers');
  assert.deepEqual(r.afterLoss.scores, r.onCpu.scores);
});
