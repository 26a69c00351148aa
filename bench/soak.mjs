// `npm run bench:soak`: the package under a long load in headless Chromium, to
// catch leaks that a short test cannot. Each cycle, on the main thread and again
// through the Worker client: load MiniLM q8_0 and Flan-T5 q8_0 → embed N texts →
// train a head and classify → cluster → score with T5 → dispose all. Then a pool
// of 2 Workers embeds a batch, and is terminated in the middle of a second one:
// that batch must come back with the same rows, or fail with E_ABORTED (never
// hang); the next cycle starts a new pool.
//
// After each cycle it prints the main thread's and the Worker's wasm memory and
// the page's JS heap (after a full garbage collection, from a heap snapshot through
// the DevTools protocol: its objects, less V8's compiled code, plus ArrayBuffers).
// wasm memory never shrinks, so growth stays visible: the run fails if any of the
// three ends more than 5 % above its figure after the second cycle, or if a pool's
// batch cut short ends otherwise. The second, not the first: loading the two models
// again into the holes their first copies left takes one step more of wasm memory
// (15.75 MiB, once; load and dispose alone do it in Node, and loading T5 first does
// not: where the allocator fits a file, not a leak). A leak grows every cycle. Each step is logged from the page with its time; a step that
// runs longer than --stall-minutes (default 10) fails the run, naming the step.
//
//   npm run bench:soak [-- --minutes 30 --texts 1000 --stall-minutes 10 --write | --json [PATH]]   (after scripts/build-wasm.sh)
//
// --minutes N   start cycles until N minutes have passed (default 30; the last cycle runs to its end)
// --texts N     texts embedded per cycle, alternating lines of rt-polarity.pos and .neg (default 1000)
// --write       write bench/results/soak.json (--json PATH: PATH); a plain run writes nothing
import { readFileSync } from 'node:fs';
import { openTestPage } from '../tests/browser/chromium.mjs';
import { benchCommand, cli, dataDir, emitResults, isMain, machine, resultsPath } from './common.mjs';
import { soakTables } from './report.mjs';

const ENCODER = '/models/all-MiniLM-L6-v2-q8_0.gguf';
const T5 = '/models/flan-t5-small-generated-q8_0.gguf';
/** Growth allowed after the baseline cycle, for wasm memory and the JS heap. */
export const MAX_GROWTH = 1.05;
/** The cycle growth is measured from (1-based): the first cycle that reloads both models. */
export const BASELINE_CYCLE = 2;
/** The prefix of the page's step lines (console.log), which the bench prints with their times. */
const STEP = 'soak-step ';

/** One cycle in the page: `{ mainWasm, workerWasm, pool }` (bytes; pool: 'same rows', 'different rows' or the error code). */
export async function cycle({ texts, labels, encoder, t5Model, step }) {
  const log = (side, what) => console.log(`${step}${JSON.stringify({ side, what, t: performance.now() })}`);
  // Absolute URLs: the same for the page and the Worker, and never taken for a Hub id.
  [encoder, t5Model] = [encoder, t5Model].map((u) => new URL(u, location.href).href);
  const nunchi = await import('/pkg/index.js');
  const { createWorkerClient, createWorkerPool } = await import('/pkg/client.js');
  globalThis.soakClient ??= createWorkerClient();
  const client = globalThis.soakClient;

  /** The same work on either side: `models` is the package's or the Worker client's. */
  async function work(side, models) {
    log(side, 'load MiniLM');
    const enc = await models.Encoder.load(encoder, { device: 'cpu' });
    let t5;
    let head;
    try {
      log(side, 'load Flan-T5');
      t5 = await models.Text2Text.load(t5Model, { device: 'cpu' });
      log(side, `embed ${texts.length}`);
      await nunchi.embedAll(enc, texts);
      log(side, 'train a head');
      head = await nunchi.trainClassifier(enc, texts.slice(0, 40), labels.slice(0, 40));
      log(side, `classify ${texts.slice(40, 240).length}`);
      await head.predict(texts.slice(40, 240));
      log(side, `cluster ${texts.slice(0, 300).length}`);
      await nunchi.cluster(enc, texts.slice(0, 300), { k: 5, sentiment: false });
      log(side, 'score 5 with T5');
      for (const text of texts.slice(0, 5)) await t5.score(`Is this review positive or negative? ${text}`, ['positive', 'negative']);
      log(side, 'wasm memory');
      // The main thread's memory is the page's wasm instance; the Worker's, what its model reports.
      return enc.refreshInfo ? (await enc.refreshInfo()).wasmMemoryBytes : nunchi.wasmMemoryBytes();
    } finally {
      log(side, 'dispose');
      head?.dispose();
      enc.dispose();
      t5?.dispose();
    }
  }

  const mainWasm = await work('main', nunchi);
  const workerWasm = await work('worker', client);

  // A pool: one batch whole, then the same batch cut short by terminating the pool.
  log('pool', 'load MiniLM in 2 workers');
  const pool = createWorkerPool({ size: 2 });
  let outcome;
  try {
    const pooled = await pool.Encoder.load(encoder, { device: 'cpu' });
    const batch = texts.slice(0, 200);
    log('pool', `embed ${batch.length}`);
    const want = await pooled.embed(batch);
    log('pool', `embed ${batch.length}, terminated after 200 ms`);
    const cut = pooled.embed(batch);
    setTimeout(() => pool.terminate(), 200);
    try {
      const got = await cut;
      const same = got.data.length === want.data.length && got.data.every((x, i) => x === want.data[i]);
      outcome = same ? 'same rows' : 'different rows';
    } catch (e) {
      outcome = e.code ?? String(e);
    }
    log('pool', `cut short: ${outcome}`);
  } finally {
    pool.terminate();
  }

  log('page', 'measure the JS heap');
  return { mainWasm, workerWasm, pool: outcome };
}

/**
 * The page's JS heap after a full garbage collection, in bytes, measured from outside once a
 * cycle has returned (so that none of its locals are alive), through the DevTools protocol:
 * `jsHeap`, its objects (a heap snapshot's, less V8's compiled code and the browser's own native
 * objects) plus the ArrayBuffers' backing stores (where leaked embeddings would show; wasm memory
 * is not among them); and `v8Heap`, V8's whole heap, compiled code included, which grows for a
 * while as V8 compiles and optimizes hot functions again and again. Emptied first: buffers of the
 * browser's that grow each cycle and are not the page's, the console messages the inspector keeps
 * (the step lines) and the resource timings (the models fetched again).
 */
async function jsHeapBytes(page, cdp) {
  await page.evaluate(() => performance.clearResourceTimings());
  await cdp.send('Runtime.discardConsoleEntries');
  const chunks = [];
  const onChunk = ({ chunk }) => chunks.push(chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }); // collects garbage first
  } finally {
    cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  }
  const { snapshot: { meta }, nodes } = JSON.parse(chunks.join(''));
  const [types] = meta.node_types;
  const width = meta.node_fields.length;
  const [type, size] = [meta.node_fields.indexOf('type'), meta.node_fields.indexOf('self_size')];
  let objects = 0;
  for (let i = 0; i < nodes.length; i += width) {
    if (types[nodes[i + type]] !== 'code' && types[nodes[i + type]] !== 'native') objects += nodes[i + size];
  }
  const { usedSize, backingStorageSize = 0 } = await cdp.send('Runtime.getHeapUsage');
  return { jsHeap: objects + backingStorageSize, v8Heap: usedSize };
}

export async function main(argv = process.argv.slice(2)) {
  const { number } = cli(argv);
  const minutes = number('--minutes', 30);
  const n = number('--texts', 1000);
  const stallMinutes = number('--stall-minutes', 10);
  if (!(minutes > 0) || !(Number.isInteger(n) && n >= 50)) throw new Error('soak: --minutes must be > 0 and --texts an integer ≥ 50');
  const read = (f) => readFileSync(`${dataDir}/mr_polarity/${f}`, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const [pos, neg] = [read('rt-polarity.pos'), read('rt-polarity.neg')];
  // Alternating labels, so any prefix of the texts has both.
  const texts = [];
  const labels = [];
  for (let i = 0; texts.length < n; i++) {
    texts.push(pos[i], neg[i]);
    labels.push('positive', 'negative');
  }

  const { browser, page, close } = await openTestPage();
  const cdp = await page.context().newCDPSession(page);
  const t0 = performance.now();
  const clock = () => `${((performance.now() - t0) / 1000).toFixed(1).padStart(7)} s`;
  let last = { side: 'page', what: 'start', at: performance.now() };
  let failed; // why the page went away, if it did
  page.on('crash', () => { failed = 'the page crashed'; console.error(`soak ${clock()}: the page crashed`); });
  browser.on('disconnected', () => { failed ??= 'Chromium went away'; });
  page.on('console', (m) => {
    const text = m.text();
    if (text.startsWith(STEP)) {
      const { side, what } = JSON.parse(text.slice(STEP.length));
      const took = ((performance.now() - last.at) / 1000).toFixed(1);
      console.error(`soak ${clock()}: ${last.side}: ${last.what} took ${took} s; now ${side}: ${what}`);
      last = { side, what, at: performance.now() };
    } else if (m.type() === 'error' || m.type() === 'warning') {
      console.error(`page ${m.type()}: ${text}`);
    }
  });
  // A step that never ends fails the run with its name, rather than waiting for ever.
  let stalled;
  const stall = new Promise((resolve, reject) => {
    stalled = setInterval(() => {
      if (performance.now() - last.at > stallMinutes * 60_000) reject(new Error(`soak: ${last.side}: "${last.what}" has run for more than ${stallMinutes} min`));
    }, 5_000);
  });
  stall.catch(() => {});
  const cycles = [];
  try {
    const chromium = browser.version();
    const started = performance.now();
    do {
      const c0 = performance.now();
      const got = await Promise.race([stall, page.evaluate(cycle, { texts: texts.slice(0, n), labels: labels.slice(0, n), encoder: ENCODER, t5Model: T5, step: STEP })
        .catch((e) => { throw failed ? new Error(`soak: ${failed} during ${last.side}: "${last.what}" (${e.message})`) : e; })]);
      const seconds = (performance.now() - c0) / 1000;
      const r = { ...got, ...(await jsHeapBytes(page, cdp)), seconds };
      cycles.push(r);
      const mb = (b) => (b === null ? '—' : (b / 2 ** 20).toFixed(2));
      console.error(`soak: cycle ${cycles.length} in ${seconds.toFixed(0)} s: wasm main ${mb(r.mainWasm)} MiB, `
        + `worker ${mb(r.workerWasm)} MiB, JS heap ${mb(r.jsHeap)} MiB (V8 with its code ${mb(r.v8Heap)} MiB); pool cut short: ${r.pool}`);
    } while ((performance.now() - started) / 60_000 < minutes);
    const doc = emitResults({ file: resultsPath('soak', argv), name: 'soak', command: benchCommand('soak', argv),
      machine: machine({ chromium }), tables: soakTables({ cycles, texts: n, minutes }) });
    const base = cycles[Math.min(BASELINE_CYCLE, cycles.length) - 1];
    const grew = ['mainWasm', 'workerWasm', 'jsHeap'].filter((key) => base[key] && cycles.at(-1)[key] > MAX_GROWTH * base[key]);
    const badPool = cycles.filter((c) => c.pool !== 'same rows' && c.pool !== 'E_ABORTED');
    const mib = (b) => (b / 2 ** 20).toFixed(2);
    if (grew.length) {
      throw new Error(`soak: memory grew more than 5 % after cycle ${BASELINE_CYCLE}: ${grew.map((key) => `${key} ${mib(base[key])} → ${mib(cycles.at(-1)[key])} MiB`).join(', ')}`);
    }
    if (badPool.length) throw new Error(`soak: a pool cut short gave ${badPool.map((c) => c.pool).join(', ')}, not the same rows or E_ABORTED`);
    if (cycles.length <= BASELINE_CYCLE) console.error(`soak: ${cycles.length} cycles ran: growth is measured after cycle ${BASELINE_CYCLE} (give more --minutes)`);
    return doc;
  } finally {
    clearInterval(stalled);
    await close();
  }
}

if (isMain(import.meta.url)) {
  try {
    await main();
  } catch (e) {
    console.error(e.message);
    process.exitCode = 1;
  }
}
