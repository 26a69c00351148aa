// The benchmarks' results → the results schema (bench/report.mjs,
// bench/browser/report.mjs and bench/eval-report.mjs), on small synthetic results: table ids, columns,
// numbers, and the same ids and column layouts as the committed
// bench/results/*.json that the docs render, so the JSON the benches write
// cannot drift from them silently. No browser, no wasm: fast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserTables, flopPerToken, footer, header, webgpuTables } from '../../bench/browser/report.mjs';
import { clusterCliTables, clusterTables, demoTables, fineTuneTables, poolTables, ratio, resultsDocument, round, soakTables, table, toJson, wasmBaseline, wasmTables } from '../../bench/report.mjs';
import { evalPlan, evalTables } from '../../bench/eval-report.mjs';
import { renderTable, validateResults } from '../../bench/render-docs.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const committed = (name) => {
  const file = path.join(root, 'bench/results', `${name}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
};

/** Synthetic browser-bench results (the shape driver.mjs measures), 2 threads, with token counts. */
function browserResults({ threads = true, tokens = true, webgpu = false } = {}) {
  const rate = (b1, b32, minCos) => ({ b1, b32, minCos });
  return {
    lines: 256, warmLines: 32, goldenTexts: 19, tjsVersion: '4.3.1',
    loads: {
      nunchi: { network: { first: 1200.4, ready: 1100, marks: { 'first bytes': 5, downloaded: 300 } }, cache: { first: 612.6, ready: 500, marks: { cached: 3 } },
        memory: { loaded: 150e6, used: 180e6, jsHeap: 20e6 } },
      tjs: { network: { first: 2400, ready: 2300, ortVersion: '1.22.0', threads: 1 }, cache: { first: 1854, ready: 1800, fromCache: true } },
    },
    q8: { nunchi: rate(35.04, 36.1, 0.99823), tjs: rate(40.7, 24.1, 0.97212), node: rate(32, 35.2), native: rate(20.8, 21.9) },
    f32: { nunchi: rate(19.5, 24.4, 0.999999), tjs: rate(22.6, 13.5, 0.99999), node: undefined, native: undefined },
    t5: { loadMs: 300, decodeTokens: 128, chromium: { prefillS: 1, rawDecode: 74.6, apiDecode: 70 }, node: { prefillS: 0.8, rawDecode: 67.1 }, native: { prefill: 687, decode: 120, loadMs: 400 } },
    t5Work: { prefillPrompts: 8, decodePrompts: 4, decodeTokens: 32 },
    prefillTokens: tokens ? 404 : undefined,
    miniLmTokens: tokens ? 256 * 27.6 : undefined,
    flop: { miniLm: 21.3e6, t5Encoder: 37.7e6, t5Decoder: 76.9e6 },
    ghz: 2.5,
    sizes: { nunchiWasm: 3.5e6, nunchiWasmGzip: 1.47e6, ortWasm: 21e6, ortWasmGzip: 6.6e6, tjsJs: 1e6, tjsJsGzip: 0.28e6, nunchiModel: 24.5e6, onnxModel: 23e6 },
    threads: threads ? { threads: 2, lines: 256, isolated: true, cores: 2, infos: { nunchiN: { threads: 2 }, tjsN: { threads: 2 } },
      rate: { nunchi1: rate(34.3, 36.9, 0.9982), nunchiN: rate(43.5, 70.2, 0.9982), tjsN: rate(53.4, 42.1, 0.9721) }, t5: { nunchi1: 71.5, nunchiN: 101.9 } } : undefined,
    webgpu: webgpu ? { adapter: 'google swiftshader', lines: 32, failed: {}, rate: { nunchiWebgpu: rate(0.244, 0.19, 0.99951), tjsWebgpu: rate(1.04, 0.8, 0.97212), nunchiWasm: rate(26.4, 27.9, 0.99823) } } : undefined,
    env: { chromium: '140.0', node: 'v20.0.0', cores: 2, cpu: 'Test CPU', loadStart: 1, loadEnd: 1.5 },
    notes: ['a note'],
  };
}

/** Each committed table of `name` that `tables` also has: the same columns (and columnDigits). */
function assertSameLayout(name, tables, { ids } = {}) {
  const doc = committed(name);
  if (!doc) return;
  for (const id of ids ?? Object.keys(doc.tables)) {
    assert.ok(tables[id], `${name}.json has a table "${id}" that the bench does not write`);
    assert.deepEqual(tables[id].columns, doc.tables[id].columns, `${name}#${id} columns`);
    assert.deepEqual(tables[id].columnDigits, doc.tables[id].columnDigits, `${name}#${id} columnDigits`);
    assert.equal(tables[id].digits, doc.tables[id].digits, `${name}#${id} digits`);
  }
}

/** The committed rows' labels (first cells) that `tables[id]` also has, for labels without figures in them. */
function assertLabels(name, tables, id) {
  const doc = committed(name);
  if (!doc) return;
  const mine = tables[id].rows.map((r) => r[0]);
  for (const [label] of doc.tables[id].rows) if (!/\d\d/.test(label)) assert.ok(mine.includes(label), `${name}#${id}: no row "${label}" (rows: ${mine.join(' | ')})`);
}

test('table(): missing cells become null, numbers are rounded to their printed digits, rows must fit the columns', () => {
  const t = table({ caption: 'c', columns: ['', 'a', 'b'], rows: [['x', 1.2345, undefined], ['y', Number.NaN, 2.55555]], digits: 2, columnDigits: [null, 1, null] });
  assert.deepEqual(t, { caption: 'c', columns: ['', 'a', 'b'], rows: [['x', 1.2, null], ['y', null, 2.56]], digits: 2, columnDigits: [null, 1, null] });
  assert.equal(table({ columns: ['a'], rows: [] }).caption, undefined);
  assert.throws(() => table({ columns: ['a', 'b'], rows: [['only one']] }), /1 cells for 2 columns/);
  assert.equal(ratio(3, 2), '1.50×');
  assert.equal(ratio(3, undefined), null);
  assert.equal(ratio(3, 0), null);
  assert.equal(round(-0.0001, 1), 0);
});

test('resultsDocument() and toJson(): the schema, keys in order, one row a line, valid for render-docs', () => {
  const doc = resultsDocument({ name: 'x', command: 'npm run bench:x', machine: 'm', date: '2026-01-02',
    tables: { 'the-table': table({ columns: ['', 'v'], rows: [['a', 1.25]], digits: 1 }) } });
  assert.deepEqual(Object.keys(doc), ['name', 'command', 'date', 'machine', 'tables']);
  assert.deepEqual(validateResults(doc), []);
  const text = toJson(doc);
  assert.deepEqual(JSON.parse(text), doc);
  assert.match(text, /\n {6}"rows": \[\n {8}\["a", 1\.3\]\n {6}\]/);
});

test('browser: ids, columns and numbers of browser.json from synthetic results', () => {
  const tables = browserTables(browserResults());
  assert.deepEqual(Object.keys(tables).sort(), ['embed-1-thread', 'embed-2-threads', 'load', 'quality', 't5-1-thread', 'work-bound']);
  for (const t of Object.values(tables)) for (const row of t.rows) assert.equal(row.length, t.columns.length);
  const e = tables['embed-1-thread'];
  assert.deepEqual(e.columns, ['', 'Chromium nunchi', 'Chromium transformers.js 4.3.1', 'Node nunchi', 'native 1 thread', 'nunchi / transformers.js', 'nunchi / native']);
  assert.deepEqual(e.rows[0], ['MiniLM q8 emb/s, batch 1', 35, 40.7, 32, 20.8, '0.86×', '1.68×']);
  assert.deepEqual(e.rows[3], ['MiniLM f32 emb/s, batch 32', 24.4, 13.5, null, null, '1.81×', null]);
  assert.equal(e.digits, 1);
  assert.match(e.caption, /first 256 lines/);
  assert.deepEqual(tables['embed-2-threads'].rows[0], ['emb/s, batch 1', 34.3, 43.5, 53.4, '0.81×', '1.27×']);
  assert.deepEqual(tables['embed-2-threads'].rows[2], ['T5 q8 decode tok/s (`generate()`)', 71.5, 101.9, null, null, '1.43×']);
  assert.deepEqual(tables.quality.rows[0], ['MiniLM q8, min cosine vs sentence-transformers', 0.9982, 0.9721]);
  assert.deepEqual(tables.load.rows[1], ['MiniLM q8: from cache to first embedding, ms', 613, 1854, '0.33×']);
  assert.deepEqual(tables.load.rows[2], ['wasm download, gzip', '1.47 MB', '6.6 MB (+0.28 MB JS)', null]);
  assert.deepEqual(tables['t5-1-thread'].rows[0], ['T5 q8 prefill tok/s', 404, 505, 687, '0.59×']);
  assert.deepEqual(tables['t5-1-thread'].rows[1], ['T5 q8 decode tok/s', 74.6, 67.1, 120, '0.62×']);
  const w = tables['work-bound'];
  assert.deepEqual(w.columnDigits, [null, 1, 0, 1, 0]);
  // 35.04 emb/s × 27.6 tokens × 21.3 MFLOP = 20.6 GOP/s, 26% of 2.5 GHz × 32 = 80 GOP/s.
  assert.deepEqual(w.rows[0], ['MiniLM q8 batch 1, 1 thread', 20.6, 26, 23.9, 30]);
  assert.match(w.rows.at(-2)[0], /^T5 q8 prefill \(404 tok\/s; 2,122 at the bound\)$/);
  assert.match(w.caption, /against 80 GOP\/s per core .* at 2\.5 GHz\); 27\.6 tokens per text/);
  assertSameLayout('browser', tables);
  for (const id of ['embed-1-thread', 'embed-2-threads', 'quality', 'load', 't5-1-thread', 'work-bound']) assertLabels('browser', tables, id);
});

test('browser: without --threads or token counts, those tables are left out; with --webgpu, browser-webgpu.json', () => {
  const r = browserResults({ threads: false, tokens: false, webgpu: true });
  assert.deepEqual(Object.keys(browserTables(r)).sort(), ['embed-1-thread', 'load', 'quality', 't5-1-thread']);
  assert.equal(webgpuTables(browserResults()), undefined);
  const g = webgpuTables(r);
  assert.deepEqual(Object.keys(g), ['embed-webgpu']);
  assert.deepEqual(g['embed-webgpu'].rows[0], ['emb/s, batch 1', 0.24, 1.04, 26.4]);
  assert.deepEqual(g['embed-webgpu'].rows[2], ['min cosine vs sentence-transformers (19 golden texts)', '0.9995', '0.9721', '0.9982']);
  assert.match(g['embed-webgpu'].caption, /SwiftShader emulates the GPU/);
  assertSameLayout('browser-webgpu', g);
  assertLabels('browser-webgpu', g, 'embed-webgpu');
  assert.match(header(r), /first 256 lines/);
  assert.ok(footer(r).some((l) => l === '- note: a note'));
});

test('browser: FLOP per token from config.json', () => {
  const f = flopPerToken({ hidden_size: 384, num_hidden_layers: 6, intermediate_size: 1536 },
    { d_model: 512, num_heads: 6, d_kv: 64, d_ff: 1024, feed_forward_proj: 'gated-gelu', num_layers: 8, num_decoder_layers: 8, vocab_size: 32128 });
  assert.equal(f.miniLm, 2 * 6 * (4 * 384 * 384 + 2 * 384 * 1536));
  assert.equal(f.t5Encoder, 2 * 8 * (4 * 512 * 384 + 3 * 512 * 1024));
  assert.equal(f.t5Decoder, 2 * (8 * (6 * 512 * 384 + 3 * 512 * 1024) + 512 * 32128));
});

test('wasm: wasm-simd, with the committed "before" column carried over', () => {
  const rows = [
    { model: 'all-MiniLM-L6-v2', quant: 'q8_0', loadMs: 395.4, b1: 32.51, b32: 26.3 },
    { model: 'all-MiniLM-L6-v2', quant: 'q4_0', loadMs: 126, b1: 11.7, b32: 9.4 },
    { model: 'flan-t5-small-generated', quant: 'q8_0', loadMs: 1090, decode: 59.5 },
    { model: 'flan-t5-small-generated', quant: 'q4_0', loadMs: 298, decode: 42.9 },
  ];
  const plain = wasmTables({ rows })['wasm-simd'];
  assert.equal(plain.columns.length, 6);
  assert.deepEqual(plain.rows[0], ['all-MiniLM-L6-v2', 'q8_0', 395, 32.5, 26.3, null]);
  assert.deepEqual(plain.rows[2], ['flan-t5-small-generated', 'q8_0', 1090, null, null, 59.5]);
  const before = wasmBaseline({ tables: { 'wasm-simd': { columns: ['model', 'format', 'x', 'before: load / b1 / b32 / decode'], rows: [['all-MiniLM-L6-v2', 'q8_0', 1, '265 / 11.5 / 5.8 / —']] } } });
  const withBefore = wasmTables({ rows, before })['wasm-simd'];
  assert.equal(withBefore.rows[0][6], '265 / 11.5 / 5.8 / —');
  assert.equal(withBefore.rows[1][6], null);
  const doc = committed('wasm');
  if (doc) {
    const tables = wasmTables({ rows, before: wasmBaseline(doc) });
    assertSameLayout('wasm', tables);
    assert.deepEqual(tables['wasm-simd'].rows.map((r) => r.at(-1)), doc.tables['wasm-simd'].rows.map((r) => r.at(-1)));
  }
});

test('pool: pool-<size> from the median of the rounds', () => {
  const tables = poolTables({ lines: 256, size: 2, rounds: 3, perWorker: [70 * 2 ** 20, 76 * 2 ** 20],
    out: [{ batch: 256, ms: { single: [7500, 7619, 9000], pool: [3938, 4000, 3900] } }, { batch: 32, ms: { single: [7500, 7507, 7600], pool: [3776, 3700, 3800] } }] });
  assert.deepEqual(Object.keys(tables), ['pool-2']);
  assert.deepEqual(tables['pool-2'].rows[0], ['all 256 texts in one call', 33.6, 65, '1.93×']);
  assert.deepEqual(tables['pool-2'].rows[1], ['calls of 32 texts', 34.1, 67.8, '1.99×']);
  assert.match(tables['pool-2'].caption, /median of 3 rounds alternating; each worker holds its own model \(70–76 MiB of wasm memory each\)$/);
  assertSameLayout('pool', tables);
  assertLabels('pool', tables, 'pool-2');
});

test('demo: visitor, in seconds', () => {
  const tables = demoTables({ steps: [
    { what: 'load MiniLM q8_0, first visit (download from localhost + parse)', ms: 1234, detail: '24.5 MB' },
    { what: "load it again, from the browser's cache", ms: 480 },
    { what: 'classify 1,000 movie reviews, zero-shot', ms: 44_700, detail: 'accuracy 69.1%' },
    { what: 'cluster 3,000 customer messages, k chosen by silhouette', ms: 69_000, detail: '6 topics' },
  ] });
  assert.deepEqual(tables.visitor.rows[0], ['load MiniLM q8_0, first visit (download from localhost + parse)', 1.2, '24.5 MB']);
  assert.deepEqual(tables.visitor.rows[1], ["load it again, from the browser's cache", 0.5, '']);
  assertSameLayout('demo', tables);
  assertLabels('demo', tables, 'visitor');
});

test('cluster: banking77-10k, stage names labelled', () => {
  const stages = [['embed (wasm)', 485_000], ['embed (page, one worker)', 300_000], ['embed (page, pool of 2)', 155_000], ['embed (native)', 241_000], ['choose k', 3200], ['k-means', 700], ['representatives', 10],
    ['keywords', 40], ['2-D map', 230], ['titles', 2600]].map(([stage, ms]) => ({ stage, ms }));
  const tables = clusterTables({ texts: 10003, stages, sample: 320, nativeThreads: 2, kRange: [2, 10], k: 6, restarts: 10, clusters: 6, titleTokens: 12 });
  const t = tables['banking77-10k'];
  assert.match(t.caption, /BANKING77's 10,003 training messages/);
  assert.deepEqual(t.rows[0], ['embed, MiniLM q8_0 wasm in Node, 1 thread (extrapolated from 320 texts)', 485]);
  assert.deepEqual(t.rows[2], ['embed in Chromium, a pool of 2 Workers (the same sample)', 155]);
  assert.deepEqual(t.rows[4], ['choose k by silhouette, 2..=10 (chose 6)', 3.2]);
  assert.deepEqual(t.rows[6], ['representatives', 0.01]);
  const doc = committed('cluster');
  if (doc) {
    assertSameLayout('cluster', tables);
    assert.deepEqual(t.rows.map((r) => r[0]), doc.tables['banking77-10k'].rows.map((r) => r[0]));
  }
});

test('cluster-cli: stages per size, the whole run, and peak memory beside the embeddings', () => {
  const run = (n, scale) => ({ n, wallS: 30 * scale, peakMb: 100 + 2 * scale, topics: 9,
    stages: [['load model', 200], ['embed', 25_000 * scale], ['choose k', 900], ['k-means', 300 * scale]].map(([stage, ms]) => ({ stage, ms })) });
  const tables = clusterCliTables({ runs: [run(10_000, 1), run(100_000, 10)], version: 'nunchi 0.1.0', quant: 'f32' });
  assert.deepEqual(tables.stages.columns, ['stage', '10,000 texts, s', '100,000 texts, s']);
  assert.deepEqual(tables.stages.rows[1], ['embed', 25, 250]);
  assert.deepEqual(tables.stages.rows.at(-1), ['whole run (wall clock)', 30, 300]);
  assert.deepEqual(tables.memory.rows[1], ['100,000', 120, 146, 9]);
  assertSameLayout('cluster-cli', tables);
});

test('soak: memory after the first, the baseline (second) and the last cycle, the largest, last/baseline, and every cycle', () => {
  const MiB = 2 ** 20;
  const cycle = (seconds, main, worker, heap, v8, pool) => ({ seconds, mainWasm: main * MiB, workerWasm: worker * MiB, jsHeap: heap * MiB, v8Heap: v8 * MiB, pool });
  const cycles = [cycle(90, 230, 231, 1.5, 1.4, 'E_ABORTED'), cycle(80, 240, 231, 1.6, 1.5, 'same rows'), cycle(70, 240, 232, 1.5, 1.54, 'E_ABORTED')];
  const tables = soakTables({ cycles, texts: 1000, minutes: 15 });
  assert.deepEqual(Object.keys(tables), ['memory', 'cycles']);
  assert.deepEqual(tables.memory.columns, ['MiB', 'after cycle 1', 'after cycle 2', 'after the last', 'largest', 'last / cycle 2']);
  assert.deepEqual(tables.memory.rows, [
    ['wasm memory, main thread', 230, 240, 240, 240, '1.00×'],
    ['wasm memory, Worker', 231, 231, 232, 232, '1.00×'],
    ['JS heap, page (after GC)', 1.5, 1.6, 1.5, 1.6, '0.94×'],
    ['V8 heap with compiled code, page (not checked)', 1.4, 1.5, 1.54, 1.54, '1.03×'],
  ]);
  assert.match(tables.memory.caption, /^3 cycles in 4\.0 min \(asked: 15 min\).*embed 1,000 texts.*E_ABORTED 2×, same rows 1×/);
  assert.deepEqual(tables.cycles.rows[1], ['2', 80, 240, 231, 1.6, 1.5, 'same rows']);
  assert.equal(tables.cycles.rows.length, 3);
  // A measure a run could not take is a blank, not a zero.
  const blank = soakTables({ cycles: cycles.map((c) => ({ ...c, jsHeap: null })), texts: 1000, minutes: 15 });
  assert.deepEqual(blank.memory.rows[2], ['JS heap, page (after GC)', null, null, null, null, null]);
  assertSameLayout('soak', tables);
});

test('fine-tuning cost: the estimate, first and median step, totals and memory per side', () => {
  const steps = (times) => times.map((seconds, i) => ({ step: i + 1, seconds, loss: 0.3 }));
  const sides = [
    { side: 'main', threads: 1, estimate: 9.5, steps: steps([4, 6, 8.5, 11]), total: 14.2, wasm: 600 * 2 ** 20 },
    { side: 'worker', threads: 2, estimate: 8, steps: steps([3, 5, 7, 9]), total: 12, wasm: 640 * 2 ** 20 },
  ];
  const tables = fineTuneTables({ sides, perLabel: 8, iterations: 20 });
  assert.deepEqual(Object.keys(tables), ['cost']);
  // Step times are the differences of the cumulative seconds: 4, 2, 2.5, 2.5 → median 2.5.
  assert.deepEqual(tables.cost.rows, [
    ['main thread', 1, 4, 9.5, 4, 2.5, 11, 14.2, 600],
    ['Worker client', 2, 4, 8, 3, 2, 9, 12, 640],
  ]);
  assert.match(tables.cost.caption, /8 MR reviews per label, 20 iterations: 640 pairs/);
  assertSameLayout('finetune', tables);
});

/** A synthetic `nunchi eval --json` file: `results` of [method, training texts, weighted F1, accuracy]. */
function evalJson(dataset, quant, results) {
  const avg = (f1) => ({ precision: f1, recall: f1, f1, support: 100 });
  return { dataset, model: `models/x-${quant}`, quant, test_texts: 100,
    results: results.map(([method, train_texts, f1, accuracy]) => ({ method, train_texts, ms: 1.5,
      report: { labels: ['negative', 'positive'], classes: [], accuracy, macroAvg: avg(f1), weightedAvg: avg(f1), confusion: [[40, 10], [10, 40]] } })) };
}

test('eval: minilm and e5-vs-minilm from synthetic nunchi eval JSON', () => {
  const mr = (q, d) => evalJson('mr', q, [['zero-shot', 0, 0.6871 + d, 0.7], ['head-8', 16, 0.65, 0.66], ['head-full', 9594, 0.78349, 0.79]]);
  const outputs = [
    { id: 'minilm', run: 'mr', column: 'f32', eval: { ...mr('f32', 0), results: [...mr('f32', 0).results, ...evalJson('mr', 'f32', [['prompt', 0, 0.5094, 0.51]]).results] } },
    { id: 'minilm', run: 'mr', column: 'q8_0', eval: mr('q8_0', 0.001) },
    { id: 'minilm', run: 'banking77', column: 'f32', eval: evalJson('banking77', 'f32', [['zero-shot', 0, 0.612, 0.6224], ['head-full', 10003, 0.9081, 0.908]]) },
    { id: 'minilm', run: 'nsmc', column: 'f32', eval: evalJson('nsmc', 'f32', [['zero-shot', 0, 0.492, 0.512]]) },
    { id: 'e5-vs-minilm', run: 'nsmc', column: 'multilingual-e5-small', eval: evalJson('nsmc', 'q8_0', [['zero-shot', 0, 0.712, 0.714], ['head-8', 16, 0.598, 0.6], ['head-full', 4000, 0.769, 0.77]]) },
    { id: 'e5-vs-minilm', run: 'nsmc', column: 'all-MiniLM-L6-v2', eval: evalJson('nsmc', 'q8_0', [['zero-shot', 0, 0.481, 0.512], ['head-8', 16, 0.541, 0.55], ['head-full', 4000, 0.586, 0.59]]) },
    { id: 'e5-vs-minilm', run: 'nsmc-whole', column: 'multilingual-e5-small', eval: evalJson('nsmc', 'q8_0', [['head-full', 36000, 0.782, 0.7821]]) },
  ];
  const byName = evalTables({ outputs });
  assert.deepEqual(Object.keys(byName), ['eval', 'eval-multilingual']);
  const m = byName.eval.minilm;
  assert.deepEqual(m.columns, ['dataset', 'method', 'training texts', 'f32', 'q8_0', 'q4_0', 'reference point']);
  assert.deepEqual(m.columnDigits, [null, null, 0, 3, 3, 3, null]);
  // Rows nothing measured (head-32, head-100, banking77's head-10, nsmc's heads) are left out.
  assert.deepEqual(m.rows, [
    ['mr', 'zero-shot label embeddings', 0, 0.687, 0.688, null, '0.78 (all-mpnet-base-v2)'],
    ['mr', 'head-8 (logistic)', 16, 0.65, 0.65, null, ''],
    ['mr', 'head-full', 9594, 0.783, 0.783, null, '0.85 (mpnet + logistic regression)'],
    ['mr', 'prompt, Flan-T5 **generated test weights**', 0, '0.509 (chance)', '', '', '0.84 (real Flan-T5-small)'],
    ['banking77', 'zero-shot (label names made readable)', 0, '0.612 (acc 0.622)', '', '', ''],
    ['banking77', 'head-full', 10003, '**0.908 (acc 0.908)**', '', '', 'target ≥ 0.85 accuracy'],
    ['nsmc (Korean)', 'zero-shot (English descriptions)', 0, '0.492 (acc 0.512)', '', '', ''],
  ]);
  const e = byName['eval-multilingual']['e5-vs-minilm'];
  assert.deepEqual(e.columns, ['dataset', 'method', 'training texts', 'multilingual-e5-small', 'all-MiniLM-L6-v2']);
  // Bold: the best zero-shot cell and the best trained cell of each dataset.
  assert.deepEqual(e.rows, [
    ['nsmc (Korean)', 'zero-shot, Korean descriptions ("매우 부정적인 영화 리뷰" / "매우 긍정적인 영화 리뷰")', 0, '**0.712** (acc 0.714)', '0.481 (acc 0.512)'],
    ['nsmc', 'head-8 (logistic)', 16, 0.598, 0.541],
    ['nsmc', 'head, 2,000 per label', 4000, 0.769, 0.586],
    ['nsmc', 'head-full, the whole train split', 36000, '**0.782** (acc 0.782)', null],
  ]);
  for (const [name, tables] of Object.entries(byName)) {
    assert.deepEqual(validateResults(resultsDocument({ name, command: 'npm run bench:eval', machine: 'm', tables })), []);
  }
  assert.deepEqual(evalTables({ outputs: [] }), {});
});

test('eval: the plan runs each dataset once per model file, narrowed by the options', () => {
  const { jobs } = evalPlan();
  const keys = jobs.map((j) => j.key);
  assert.deepEqual(keys.filter((k) => k.startsWith('minilm.')), ['minilm.mr.f32', 'minilm.mr.q8_0', 'minilm.mr.q4_0', 'minilm.banking77.f32', 'minilm.nsmc.f32']);
  const mrF32 = jobs.find((j) => j.key === 'minilm.mr.f32');
  assert.deepEqual(mrF32.methods, ['zero-shot', 'head-8', 'head-32', 'head-100', 'head-full', 'prompt']);
  assert.equal(mrF32.model, 'all-MiniLM-L6-v2');
  assert.equal(mrF32.t5, 'flan-t5-small-generated');
  const mrQ4 = jobs.find((j) => j.key === 'minilm.mr.q4_0');
  assert.deepEqual([mrQ4.model, mrQ4.quant, mrQ4.t5, mrQ4.methods.includes('prompt')], ['all-MiniLM-L6-v2-q4_0.gguf', 'q4_0', undefined, false]);
  const whole = jobs.find((j) => j.key === 'e5-vs-minilm.nsmc-whole.multilingual-e5-small');
  assert.deepEqual([whole.model, whole.methods, whole.args], ['multilingual-e5-small-q8_0.gguf', ['head-full'], ['--test-per-label', '500']]);
  assert.ok(!keys.includes('e5-vs-minilm.nsmc-whole.all-MiniLM-L6-v2'));

  const narrow = evalPlan({ datasets: ['mr'], quants: ['q8_0'], methods: ['zero-shot'] }).jobs;
  assert.deepEqual(narrow.map((j) => [j.key, j.methods]), [
    ['minilm.mr.q8_0', ['zero-shot']], ['e5-vs-minilm.mr.multilingual-e5-small', ['zero-shot']], ['e5-vs-minilm.mr.all-MiniLM-L6-v2', ['zero-shot']],
    ['mpnet-vs-minilm.mr.all-mpnet-base-v2', ['zero-shot']], ['mpnet-vs-minilm.mr.all-MiniLM-L6-v2', ['zero-shot']],
  ]);
  // The fine-tuned model's column runs only the `model` method, on its Hugging Face folder.
  const tuned = evalPlan({ tables: ['mpnet-vs-minilm'] }).jobs.find((j) => j.column === 'MiniLM fine-tuned on MR');
  assert.deepEqual([tuned.model, tuned.quant, tuned.methods], ['minilm-mr-classifier', 'q8_0', ['model']]);
  assert.deepEqual(evalPlan({ tables: ['e5-vs-minilm'], quants: ['f32'] }).jobs, []);

  const csv = evalPlan({ datasets: ['/tmp/My Reviews.csv'], quants: ['q8_0'] });
  assert.deepEqual(csv.jobs.map((j) => [j.key, j.dataset, j.model, j.methods]), [['csv-my-reviews.My_Reviews.csv.q8_0', '/tmp/My Reviews.csv', 'all-MiniLM-L6-v2-q8_0.gguf', ['zero-shot', 'head-full']]]);
  const t = evalTables({ specs: csv.specs, outputs: [{ ...csv.jobs[0], eval: evalJson('My Reviews.csv', 'q8_0', [['zero-shot', 0, 0.75, 0.75]]) }] });
  assert.deepEqual(t.eval['csv-my-reviews'].columns, ['dataset', 'method', 'training texts', 'q8_0']);
  assert.deepEqual(t.eval['csv-my-reviews'].rows, [['My Reviews.csv', 'zero-shot', 0, '0.750 (acc 0.750)']]);
  assert.throws(() => evalPlan({ datasets: ['imdb'] }), /unknown dataset "imdb"/);
  assert.throws(() => evalPlan({ tables: ['nope'] }), /unknown table "nope"/);
});

test('eval: the committed eval.json and eval-multilingual.json, fed back as nunchi eval results, render the same', () => {
  for (const spec of evalPlan().specs) {
    const doc = committed(spec.name);
    if (!doc?.tables?.[spec.id]) continue;
    const rows = doc.tables[spec.id].rows;
    assert.equal(rows.length, spec.rows.length, `${spec.name}#${spec.id}: ${rows.length} committed rows for ${spec.rows.length} in the spec`);
    const files = new Map();
    const columns = Object.keys(spec.columns);
    rows.forEach((cells, i) => {
      const row = spec.rows[i];
      assert.equal(cells[1], row.label ?? row.method, `${spec.name}#${spec.id} row ${i}`);
      columns.forEach((column, c) => {
        const cell = cells[3 + c];
        if (cell === null || cell === '') return;
        const [f1, acc = f1] = String(cell).match(/\d+\.\d+/g).map(Number);
        const key = `${row.run}/${column}`;
        if (!files.has(key)) files.set(key, { id: spec.id, run: row.run, column, eval: evalJson(row.run, column, []) });
        files.get(key).eval.results.push(...evalJson(row.run, column, [[row.method, cells[2], f1, acc]]).results);
      });
    });
    const tables = evalTables({ outputs: [...files.values()], specs: [spec] })[spec.name];
    assertSameLayout(spec.name, tables, { ids: [spec.id] });
    const mine = { ...doc, tables };
    assert.equal(renderTable(mine, spec.id), renderTable(doc, spec.id), `${spec.name}#${spec.id}`);
  }
});
