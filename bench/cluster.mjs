// `npm run bench:cluster`: clustering 10,000 texts with the package's wasm (Node,
// 1 thread): the time of each stage. Texts: BANKING77's train split (10,003
// customer messages).
//
// Embedding 10,000 texts is the slow stage, so it is measured on a sample in
// wasm and extrapolated: in Node on 1 thread, and in headless Chromium by one
// Worker and by a pool of 2 Workers (the same sample, taking turns); the embeddings the later stages run on come from the
// native CLI (`nunchi embed` on the f32 model, which is faster natively; the
// stages after embedding do not depend on the quantization).
//
//   npm run bench:cluster [-- --write | --json [PATH]]   (after scripts/build-wasm.sh and a release build of the CLI)
//
// --write writes bench/results/cluster.json (--json PATH: PATH); a plain run writes nothing.
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchCommand, dataDir, emitResults, isMain, machine, models, resultsPath, root } from './common.mjs';
import { clusterTables } from './report.mjs';
import { singleVsPool } from './pool.mjs';
import { openTestPage } from '../tests/browser/chromium.mjs';

const encoderFile = path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf');
const t5File = path.join(models, 'flan-t5-small-generated-q8_0.gguf');
const cli = path.join(root, 'target/release/nunchi');
const SAMPLE = 320;
const K_RANGE = [2, 10];
const RESTARTS = 10; // crates/tasks/src/kmeans.rs: KMeansOptions' default
const TITLE_TOKENS = 12;

/** BANKING77's training messages, read by the package's own CSV parser. */
async function banking77Texts(readTable) {
  const table = await readTable(readFileSync(path.join(dataDir, 'banking77/train.csv'), 'utf8'), 'train.csv');
  const column = table.columns.indexOf('text');
  return table.rows.map((row) => row[column]);
}

export async function main(argv = process.argv.slice(2)) {
  const pkg = (f) => import(pathToFileURL(path.join(root, 'pkg', f)).href);
  const { Encoder, Text2Text, embedAll, readTable } = await pkg('index.js');
  const { ensureWasm } = await pkg('runtime.js');
  const { clusterEmbeddings, titlePrompt } = await pkg('wasm/nunchi_wasm.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: cargo build --release -p nunchi-cli`);

  const texts = await banking77Texts(readTable);
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
  stages.push({ stage: 'embed (wasm)', ms: wasmPerText * texts.length });

  // In the page: one Worker, then a pool of 2, on the same sample in batches of 32.
  const { page, close } = await openTestPage();
  try {
    const r = await page.evaluate(singleVsPool, { texts: sample, size: 2, rounds: 1, batches: [32] });
    const { single, pool } = r.out[0].ms;
    stages.push({ stage: 'embed (page, one worker)', ms: (single[0] / SAMPLE) * texts.length });
    stages.push({ stage: 'embed (page, pool of 2)', ms: (pool[0] / SAMPLE) * texts.length });
  } finally {
    await close();
  }

  const native = await time('embed (native)', () =>
    execFileSync(cli, ['embed', '--model', path.join(models, 'all-MiniLM-L6-v2'), '--quant', 'f32'], { input: texts.join('\n'), maxBuffer: 1 << 30 }).toString());
  const rows = native.trim().split('\n').map((l) => JSON.parse(l));
  const dim = rows[0].length;
  const embeddings = new Float32Array(texts.length * dim);
  rows.forEach((r, i) => embeddings.set(r, i * dim));

  const report = clusterEmbeddings(texts, embeddings, dim, undefined, K_RANGE[0], K_RANGE[1], undefined, 20261125, 'all-MiniLM-L6-v2', '', undefined);
  stages.push(...report.timings.map((t) => ({ stage: t.stage, ms: t.ms })));

  const t5 = await Text2Text.load(t5File);
  await time('titles', async () => {
    for (const c of report.clusters) await t5.generate(titlePrompt(c.representatives.map((i) => texts[i])), { maxNewTokens: TITLE_TOKENS });
  });

  console.log(`${texts.length} texts → k = ${report.k} (silhouette ${JSON.stringify(report.kScores.map(([k, s]) => [k, +s.toFixed(3)]))}), ` +
    `${report.clusters.length} clusters, ${report.other.length} in other`);
  const afterEmbedding = stages.filter((s) => !s.stage.startsWith('embed')).reduce((a, s) => a + s.ms, 0);
  console.log(`after embedding: ${(afterEmbedding / 1000).toFixed(1)} s`);
  const tables = clusterTables({ texts: texts.length, stages, sample: SAMPLE, nativeThreads: os.cpus().length, kRange: K_RANGE,
    k: report.k, restarts: RESTARTS, clusters: report.clusters.length, titleTokens: TITLE_TOKENS });
  return emitResults({ file: resultsPath('cluster', argv), name: 'cluster', command: benchCommand('cluster', argv), machine: machine({ extra: "the package's wasm on 1 thread" }), tables });
}

if (isMain(import.meta.url)) await main();
