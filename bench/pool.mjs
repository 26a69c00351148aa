// `npm run bench:pool`: one Worker vs a Worker pool, embedding in headless
// Chromium: the first N lines of rt-polarity.pos with MiniLM q8_0, by one
// `createWorkerClient` worker and by `createWorkerPool`, in the same page, taking
// turns every round so that a noisy machine slows both alike. Prints a markdown
// table (emb/s, and pool/single). Bench only: CI never runs it.
//
//   node bench/pool.mjs [--lines N] [--size S] [--rounds R] [--batch B,B...] [--write | --json [PATH]]
//
// --lines N   texts to embed (default 256)
// --size S    pool size (default 2)
// --rounds R  alternating rounds, single then pool (default 3; the table shows the median)
// --batch     texts per embed call, comma-separated (default N,32: all in one call,
//             and embedAll's default batch)
// --write     write bench/results/pool.json (--json PATH: PATH); a plain run writes nothing
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { openTestPage } from '../tests/browser/chromium.mjs';
import { benchCommand, cli, emitResults, isMain, machine, polarityFile, resultsPath } from './common.mjs';
import { poolTables } from './report.mjs';

/** In the page: the same texts through one worker and a pool, alternating; ms per round. */
export async function singleVsPool({ texts, size, rounds, batches }) {
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
}

export async function main(argv = process.argv.slice(2)) {
  const { option, number } = cli(argv);
  const N = number('--lines', 256);
  const size = number('--size', 2);
  const rounds = number('--rounds', 3);
  const batches = String(option('--batch', `${N},32`)).split(',').map(Number);
  const lines = readFileSync(polarityFile, 'utf8').split('\n').filter(Boolean).slice(0, N);

  const { browser, page, close } = await openTestPage();
  let r, chromium;
  try {
    chromium = browser.version();
    r = await page.evaluate(singleVsPool, { texts: lines, size, rounds, batches });
  } finally {
    await close();
  }
  const mib = (b) => (b / 2 ** 20).toFixed(1);
  console.log(`MiniLM q8_0, ${lines.length} lines of rt-polarity.pos, Chromium (${os.cpus().length} cores here, navigator.hardwareConcurrency ${r.cores}), median of ${rounds} alternating rounds`);
  console.log(`wasm memory: 1 worker ${mib(r.singleBytes)} MiB; pool per worker ${r.perWorker.map(mib).join(', ')} MiB`);
  console.log(`raw ms: ${JSON.stringify(r.out.map(({ batch, ms }) => ({ batch, single: ms.single.map(Math.round), pool: ms.pool.map(Math.round) })))}`);
  return emitResults({ file: resultsPath('pool', argv), name: 'pool', command: benchCommand('pool', argv), machine: machine({ chromium }),
    tables: poolTables({ lines: lines.length, size, rounds, out: r.out, perWorker: r.perWorker }) });
}

if (isMain(import.meta.url)) await main();
