// One Worker vs a Worker pool, embedding in headless Chromium: the first N lines
// of rt-polarity.pos with MiniLM q8_0, by one `createWorkerClient` worker and by
// `createWorkerPool`, in the same page, taking turns every round so that a noisy
// machine slows both alike. Prints a markdown table (emb/s, and pool/single).
// Bench only: CI never runs it.
//
//   node scripts/bench-pool.mjs [--lines N] [--size S] [--rounds R] [--batch B,B...]
//
// --lines N   texts to embed (default 256)
// --size S    pool size (default 2)
// --rounds R  alternating rounds, single then pool (default 3; the table shows the median)
// --batch     texts per embed call, comma-separated (default 256,32: all in one call,
//             and embedAll's default batch)
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../tests/browser/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
const dataFile = process.env.NUNCHI_BENCH_DATA ?? path.join(root, '../shared/data/mr_polarity/rt-polarity.pos');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const args = process.argv.slice(2);
const option = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const N = Number(option('--lines', 256));
const SIZE = Number(option('--size', 2));
const ROUNDS = Number(option('--rounds', 3));
const BATCHES = String(option('--batch', `${N},32`)).split(',').map(Number);
const lines = readFileSync(dataFile, 'utf8').split('\n').filter(Boolean).slice(0, N);

const server = await startServer({ root, models });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`${server.base}/tests/browser/index.html`);
  const r = await page.evaluate(async ({ texts, size, rounds, batches }) => {
    const { createWorkerClient, createWorkerPool } = await import('/pkg/client.js');
    const model = '/models/all-MiniLM-L6-v2-q8_0.gguf';
    const client = createWorkerClient();
    const pool = createWorkerPool({ size });
    const single = await client.Encoder.load(model, { device: 'cpu' });
    const pooled = await pool.Encoder.load(model, { device: 'cpu' });
    const run = async (enc, batch) => {
      const t0 = performance.now();
      for (let i = 0; i < texts.length; i += batch) await enc.embed(texts.slice(i, i + batch));
      return performance.now() - t0;
    };
    const out = [];
    for (const batch of batches) {
      await run(single, batch); // warm-up: the wasm memory grows to its working size
      await run(pooled, batch);
      const ms = { single: [], pool: [] };
      for (let k = 0; k < rounds; k++) {
        ms.single.push(await run(single, batch));
        ms.pool.push(await run(pooled, batch));
      }
      out.push({ batch, ms });
    }
    const info = await pooled.refreshInfo();
    const singleInfo = await single.refreshInfo();
    single.dispose(); pooled.dispose(); client.terminate(); pool.terminate();
    return { out, perWorker: info.wasmMemoryBytesPerWorker, singleBytes: singleInfo.wasmMemoryBytes, cores: navigator.hardwareConcurrency };
  }, { texts: lines, size: SIZE, rounds: ROUNDS, batches: BATCHES });

  const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const mib = (b) => (b / 2 ** 20).toFixed(1);
  console.log(`MiniLM q8_0, ${lines.length} lines of rt-polarity.pos, Chromium (${os.cpus().length} cores here, navigator.hardwareConcurrency ${r.cores}), median of ${ROUNDS} alternating rounds\n`);
  console.log(`| texts per call | 1 worker (emb/s) | pool of ${SIZE} (emb/s) | pool / single |`);
  console.log('|---:|---:|---:|---:|');
  for (const { batch, ms } of r.out) {
    const s = lines.length / (median(ms.single) / 1000);
    const p = lines.length / (median(ms.pool) / 1000);
    console.log(`| ${Math.min(batch, lines.length)} | ${s.toFixed(1)} | ${p.toFixed(1)} | ${(p / s).toFixed(2)}× |`);
  }
  console.log(`\nwasm memory: 1 worker ${mib(r.singleBytes)} MiB; pool per worker ${r.perWorker.map(mib).join(', ')} MiB`);
  console.log(`raw ms: ${JSON.stringify(r.out.map(({ batch, ms }) => ({ batch, single: ms.single.map(Math.round), pool: ms.pool.map(Math.round) })))}`);
} finally {
  await browser.close();
  await server.close();
}
