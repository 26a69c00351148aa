// `npm run bench:wasm`: the npm package's wasm SIMD path in Node, beside the native
// CLI bench. Prints a table: embeddings/s at batch 1 and 32 over the first 1,000
// lines of rt-polarity.pos, T5 decode tokens/s (20 greedy tokens, encoder pass included), load time, wasm memory, wasm size.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Encoder, Text2Text, wasmMemoryBytes } from '../pkg/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
const data = process.env.NUNCHI_BENCH_DATA ?? path.join(root, '../shared/data/mr_polarity/rt-polarity.pos');
const lines = readFileSync(data, 'utf8').split('\n').filter(Boolean).slice(0, 1000);

const rows = [];
for (const quant of ['q8_0', 'q4_0']) {
  let t = performance.now();
  const enc = await Encoder.load(path.join(models, `all-MiniLM-L6-v2-${quant}.gguf`));
  const loadMs = performance.now() - t;
  await enc.embed(lines[0]);
  t = performance.now();
  for (const line of lines) await enc.embed([line]);
  const b1 = lines.length / ((performance.now() - t) / 1e3);
  t = performance.now();
  for (let i = 0; i < lines.length; i += 32) await enc.embed(lines.slice(i, i + 32));
  const b32 = lines.length / ((performance.now() - t) / 1e3);
  rows.push({ model: 'all-MiniLM-L6-v2', quant, loadMs, b1, b32 });
  enc.dispose();
}
for (const quant of ['q8_0', 'q4_0']) {
  let t = performance.now();
  const t5 = await Text2Text.load(path.join(models, `flan-t5-small-generated-${quant}.gguf`));
  const loadMs = performance.now() - t;
  // Greedy decode of 20 tokens per prompt (generated weights never stop early within 20).
  t = performance.now();
  for (const line of lines.slice(0, 4)) await t5.generate(line, { maxNewTokens: 20 });
  const decode = (4 * 20) / ((performance.now() - t) / 1e3);
  rows.push({ model: 'flan-t5-small-generated', quant, loadMs, decode });
  t5.dispose();
}
const both = [await Encoder.load(path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf')), await Text2Text.load(path.join(models, 'flan-t5-small-generated-q8_0.gguf'))];
const memoryMb = wasmMemoryBytes() / 1e6;
both.forEach((m) => m.dispose());

const wasm = readFileSync(path.join(root, 'pkg/wasm/nunchi_wasm_bg.wasm'));
const f = (x, d = 1) => (x === undefined ? '—' : x.toFixed(d));
console.log(`wasm SIMD in Node ${process.version}, 1 thread; wasm ${f(wasm.length / 1e6, 2)} MB raw, ${f(gzipSync(wasm, { level: 9 }).length / 1e6, 2)} MB gzip`);
console.log(`wasm memory with MiniLM q8_0 and T5 q8_0 loaded: ${f(memoryMb, 0)} MB\n`);
console.log('| model | format | load ms | emb/s b1 | emb/s b32 | decode tok/s |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.model} | ${r.quant} | ${f(r.loadMs, 0)} | ${f(r.b1)} | ${f(r.b32)} | ${f(r.decode)} |`);
