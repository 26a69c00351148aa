// `npm run bench:finetune`: what fine-tuning an encoder (SetFit, `fineTune`) costs in
// headless Chromium: MiniLM q8_0 on MR, N reviews per label (default 8: 640 pairs, 40
// steps of 16), on the page's main thread (one thread) and through the Worker client
// with the threads build (a cross-origin-isolated page). Per side: the package's estimate
// before the first step, the seconds of the first step and the median step, the steps' total, the time from the call to the
// tuned Encoder (reading the weights again, dequantizing, quantizing and loading the
// result included), and the wasm memory afterwards (it never shrinks: the peak).
//
//   npm run bench:finetune [-- --per-label 8 --iterations 20 --write | --json [PATH]]   (after scripts/build-wasm.sh)
import { readFileSync } from 'node:fs';
import { openTestPage } from '../tests/browser/chromium.mjs';
import { benchCommand, cli, dataDir, emitResults, isMain, machine, resultsPath } from './common.mjs';
import { fineTuneTables } from './report.mjs';

const ENCODER = '/models/all-MiniLM-L6-v2-q8_0.gguf';

/** One fine-tuning run in the page: `{ estimate, steps: [{ step, seconds, loss }], total, wasm, threads }`. */
export async function tuneInPage({ texts, labels, encoder, side, iterations }) {
  const nunchi = await import('/pkg/index.js');
  const { createWorkerClient } = await import('/pkg/client.js');
  const client = side === 'worker' ? createWorkerClient() : null;
  const models = client ?? nunchi;
  const enc = await models.Encoder.load(new URL(encoder, location.href).href, { device: 'cpu' });
  const steps = [];
  let estimate = null;
  const t0 = performance.now();
  const tuned = await enc.fineTune(texts, labels, {
    iterations,
    onProgress: (e) => {
      if (e.step === 0) estimate = e.secondsLeft;
      else if (e.step > 0) steps.push({ step: e.step, seconds: e.seconds, loss: e.loss });
    },
  });
  const total = (performance.now() - t0) / 1000;
  const info = client ? await tuned.encoder.refreshInfo() : tuned.encoder.info;
  const result = { estimate, steps, total, wasm: client ? info.wasmMemoryBytes : nunchi.wasmMemoryBytes(), threads: info.threads };
  tuned.encoder.dispose();
  enc.dispose();
  client?.terminate();
  return result;
}

async function runSide(side, work) {
  const { browser, page, close } = await openTestPage({ isolated: side === 'worker' });
  try {
    page.on('console', (m) => { if (m.type() === 'error') console.error(`page: ${m.text()}`); });
    const got = await page.evaluate(tuneInPage, { ...work, side });
    return { ...got, chromium: browser.version() };
  } finally {
    await close();
  }
}

export async function main(argv = process.argv.slice(2)) {
  const { number } = cli(argv);
  const perLabel = number('--per-label', 8);
  const iterations = number('--iterations', 20);
  if (!(Number.isInteger(perLabel) && perLabel >= 2) || !(Number.isInteger(iterations) && iterations >= 1)) {
    throw new Error('finetune: --per-label must be an integer ≥ 2 and --iterations ≥ 1');
  }
  const read = (f) => readFileSync(`${dataDir}/mr_polarity/${f}`, 'latin1').split('\n').map((l) => l.trim()).filter(Boolean);
  const texts = [...read('rt-polarity.neg').slice(0, perLabel), ...read('rt-polarity.pos').slice(0, perLabel)];
  const labels = texts.map((_, i) => (i < perLabel ? 'negative' : 'positive'));
  const sides = [];
  for (const side of ['main', 'worker']) {
    console.error(`finetune: ${side} …`);
    const r = await runSide(side, { texts, labels, encoder: ENCODER, iterations });
    console.error(`finetune: ${side}: ${r.steps.length} steps, ${r.total.toFixed(1)} s, ${(r.wasm / 2 ** 20).toFixed(0)} MiB, ${r.threads} thread(s)`);
    sides.push({ side, ...r });
  }
  return emitResults({ file: resultsPath('finetune', argv), name: 'finetune', command: benchCommand('finetune', argv),
    machine: machine({ chromium: sides[0].chromium }), tables: fineTuneTables({ sides, perLabel, iterations }) });
}

if (isMain(import.meta.url)) await main();
