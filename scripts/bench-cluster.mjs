// Clustering 10,000 texts with the package's wasm (Node, 1 thread): the time of
// each stage. Texts: BANKING77's train split (10,003 customer messages).
//
// Embedding 10,000 texts is the slow stage, so it is measured on a sample in
// wasm and extrapolated; the embeddings the later stages run on come from the
// native CLI (`nunchi embed` on the f32 model, which is faster natively; the
// stages after embedding do not depend on the quantization).
//
//   npm run bench:cluster            (after scripts/build-wasm.sh and a release build of the CLI)
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Encoder, Text2Text, embedAll } from '../pkg/index.js';
import { ensureWasm } from '../pkg/runtime.js';
import { clusterEmbeddings, titlePrompt } from '../pkg/wasm/nunchi_wasm.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
const data = process.env.NUNCHI_DATA ?? path.join(root, '../shared/data');
const encoderFile = path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf');
const t5File = path.join(models, 'flan-t5-small-generated-q8_0.gguf');
const cli = path.join(root, 'target/release/nunchi');
const SAMPLE = 320;

function banking77Texts() {
  const csv = readFileSync(path.join(data, 'banking77/train.csv'), 'utf8');
  const texts = [];
  // text,category rows; texts may be quoted and contain commas or doubled quotes.
  for (const line of csv.split(/\r?\n/).slice(1)) {
    if (!line.trim()) continue;
    const cut = line.lastIndexOf(',');
    let text = line.slice(0, cut);
    if (text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1).replaceAll('""', '"');
    texts.push(text);
  }
  return texts;
}

const texts = banking77Texts();
const stages = [];
const time = async (stage, fn) => {
  const t = performance.now();
  const out = await fn();
  stages.push({ stage, ms: performance.now() - t });
  return out;
};

await ensureWasm();
const enc = await Encoder.load(encoderFile);
const sample = texts.slice(0, SAMPLE);
await embedAll(enc, sample.slice(0, 32)); // warm-up
const t0 = performance.now();
await embedAll(enc, sample);
const wasmPerText = (performance.now() - t0) / SAMPLE;
stages.push({ stage: `embed (wasm, extrapolated from ${SAMPLE})`, ms: wasmPerText * texts.length });

if (!existsSync(cli)) throw new Error(`${cli} is missing: cargo build --release -p nunchi-cli`);
const native = await time('embed (native CLI, f32, 2 threads; for reference)', () =>
  execFileSync(cli, ['embed', '--model', path.join(models, 'all-MiniLM-L6-v2'), '--quant', 'f32'], { input: texts.join('\n'), maxBuffer: 1 << 30 }).toString());
const rows = native.trim().split('\n').map((l) => JSON.parse(l));
const dim = rows[0].length;
const embeddings = new Float32Array(texts.length * dim);
rows.forEach((r, i) => embeddings.set(r, i * dim));

const report = clusterEmbeddings(texts, embeddings, dim, undefined, 2, 10, undefined, 20261125);
stages.push(...report.timings.map((t) => ({ stage: `${t.stage} (wasm)`, ms: t.ms })));

const t5 = await Text2Text.load(t5File);
await time(`titles (wasm, T5 q8_0, ${report.clusters.length} clusters × 12 tokens)`, async () => {
  for (const c of report.clusters) await t5.generate(titlePrompt(c.representatives.map((i) => texts[i])), { maxNewTokens: 12 });
});

console.log(`${texts.length} texts → k = ${report.k} (silhouette ${JSON.stringify(report.kScores.map(([k, s]) => [k, +s.toFixed(3)]))}), ` +
  `${report.clusters.length} clusters, ${report.other.length} in other\n`);
console.log('| stage | ms |\n|---|---:|');
for (const s of stages) console.log(`| ${s.stage} | ${s.ms.toFixed(0)} |`);
const wasmTotal = stages.filter((s) => s.stage.includes('wasm')).reduce((a, s) => a + s.ms, 0);
console.log(`\nin-page total (wasm stages): ${(wasmTotal / 1000).toFixed(1)} s`);
