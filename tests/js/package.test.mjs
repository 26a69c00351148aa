// The built npm package (pkg/), used as a user would, in Node: parity with the
// PyTorch goldens at the same tolerances as the Rust tests, streaming,
// seeds, cancellation, error codes, memory and disposal; and the package as
// published: what `npm pack` ships, `npm publish --dry-run`, and the tarball
// installed into an empty project, every entry point imported by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import os from 'node:os';
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

const run = promisify(execFile);
const pkgDir = path.join(root, 'pkg');
const manifest = () => JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
/** Whether `file` (a packed path) is covered by an entry of `files` (a folder ends in '/'). */
const covers = (entry, file) => (entry.endsWith('/') ? file.startsWith(entry) : file === entry);
/** Every string target of `exports`, as a packed path. */
const exportTargets = (exports) => (typeof exports === 'string'
  ? [exports.replace(/^\.\//, '')]
  : Object.values(exports).flatMap(exportTargets));

test('npm pack ships only the files in `files`, all of them, every exports target and every module they import', async () => {
  const m = manifest();
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--offline'], { cwd: pkgDir });
  const packed = JSON.parse(stdout)[0].files.map((f) => f.path);
  assert.deepEqual(packed.filter((f) => f !== 'package.json' && !m.files.some((e) => covers(e, f))), [], 'nothing outside `files`');
  for (const entry of m.files) assert.ok(packed.some((f) => covers(entry, f)), `${entry} is listed in files but not packed`);
  for (const target of [...exportTargets(m.exports), m.main, m.types].map((t) => t.replace(/^\.\//, ''))) {
    assert.ok(packed.includes(target), `${target} (exports, main or types) is not packed`);
  }
  for (const file of ['wasm/nunchi_wasm_bg.wasm', 'wasm-threads/nunchi_wasm_bg.wasm', 'README.md', 'CHANGELOG.md']) {
    assert.ok(packed.includes(file), `${file} is not packed`);
  }
  // Each packed module's relative imports and URLs (`new URL('./…', import.meta.url)`) are packed.
  for (const file of packed.filter((f) => /^[^/]+\.js$/.test(f))) {
    const text = readFileSync(path.join(pkgDir, file), 'utf8');
    for (const [, rel] of text.matchAll(/(?:from\s+|import\(\s*|new URL\(\s*)'(\.\/[^']+)'/g)) {
      const target = path.posix.normalize(rel);
      assert.ok(packed.includes(target), `${file} loads ${rel}, which is not packed`);
    }
  }
  // Peers, not dependencies: the adapters' frameworks are the user's to install.
  assert.equal(m.dependencies, undefined);
  for (const peer of ['@langchain/core', 'ai']) {
    assert.ok(m.peerDependencies[peer], `${peer} is a peer dependency`);
    assert.equal(m.peerDependenciesMeta[peer]?.optional, true, `${peer} is optional`);
  }
});

test('npm publish --dry-run passes, offline', async () => {
  const { stdout, stderr } = await run('npm', ['publish', '--dry-run', '--offline'], { cwd: pkgDir });
  assert.match(stdout, new RegExp(`\\+ nunchi@${manifest().version.replaceAll('.', '\\.')}`));
  // npm would fix up (and warn about) a malformed package.json; it must not have to.
  assert.doesNotMatch(stderr, /auto-corrected|invalid|errors? in your package\.json/i, stderr);
});

test('the tarball installed into an empty project: every entry point imports by name and embeds', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nunchi-install-'));
  try {
    const { stdout } = await run('npm', ['pack', '--json', '--offline', '--pack-destination', dir], { cwd: pkgDir });
    const tarball = path.join(dir, JSON.parse(stdout)[0].filename);
    const app = path.join(dir, 'app');
    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await run('npm', ['install', tarball, '--offline', '--no-package-lock', '--no-audit', '--no-fund'], { cwd: app });
    // The optional peers, as a user who uses the adapters installs them (here: this repository's copies).
    mkdirSync(path.join(app, 'node_modules/@langchain'), { recursive: true });
    symlinkSync(path.join(root, 'node_modules/@langchain/core'), path.join(app, 'node_modules/@langchain/core'), 'dir');
    symlinkSync(path.join(root, 'node_modules/ai'), path.join(app, 'node_modules/ai'), 'dir');
    writeFileSync(path.join(app, 'main.mjs'), `
      import { Encoder, pipeline } from 'nunchi';
      import { createWorkerClient, createWorkerPool } from 'nunchi/client';
      import { NunchiEmbeddings } from 'nunchi/langchain';
      import { nunchiEmbeddingModel } from 'nunchi/ai-sdk';
      import { embed } from 'ai';
      const model = process.argv[2];
      const extractor = await pipeline('feature-extraction', model);
      const tensor = await extractor(['late parcel'], { pooling: 'mean', normalize: true });
      const lc = await new NunchiEmbeddings({ encoder: extractor.model }).embedQuery('late parcel');
      const sdk = (await embed({ model: nunchiEmbeddingModel(extractor.model), value: 'late parcel' })).embedding;
      console.log(JSON.stringify({
        dims: tensor.dims, lc: lc.length, sdk: sdk.length, same: lc.every((x, i) => Math.abs(x - sdk[i]) < 1e-6),
        client: typeof createWorkerClient + typeof createWorkerPool, encoder: typeof Encoder.load,
        worker: import.meta.resolve('nunchi/worker').endsWith('/node_modules/nunchi/worker.js'),
      }));
    `);
    const out = await run(process.execPath, ['main.mjs', model('all-MiniLM-L6-v2-q8_0.gguf')], { cwd: app });
    assert.deepEqual(JSON.parse(out.stdout), {
      dims: [1, 384], lc: 384, sdk: 384, same: true, client: 'functionfunction', encoder: 'function', worker: true,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
