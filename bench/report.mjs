// Results → the results schema, pure (no I/O, no clock but `date`'s default), so
// tests/js/bench-report.test.mjs can hold the JSON the benches write to its shape.
// A results file (bench/results/<name>.json, rendered into the docs by
// bench/render-docs.mjs) is
//
//   { "name": "browser", "command": "npm run bench:browser -- --lines 1000", "date": "YYYY-MM-DD",
//     "machine": "2-core x86_64 <cpu model>, Chromium <ver>, Node <ver>",
//     "tables": { "<kebab-id>": { "caption": "…", "columns": ["", "…"],
//                                 "rows": [["label", 1.23, null, "1.05×"]], "digits": 1 } } }
//
// The table ids and column layouts are the docs' (they name `file#id` in their
// figures blocks): change one here and in the docs together. The browser bench's
// tables are built in browser/report.mjs; the single-file benches' here.

/** The results document, its keys in the schema's order. */
export function resultsDocument({ name, command, machine, tables, date = new Date().toISOString().slice(0, 10) }) {
  return { name, command, date, machine, tables };
}

const finite = (x) => typeof x === 'number' && Number.isFinite(x);

/** Rounds `x` to `digits` decimals (what the docs print); non-numbers pass through. */
export function round(x, digits) {
  if (!finite(x) || !Number.isInteger(digits)) return x;
  const r = Number(x.toFixed(digits));
  return Object.is(r, -0) ? 0 : r;
}

/** `a / b` as "1.05×", or null when either is missing. */
export function ratio(a, b) {
  return finite(a) && finite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : null;
}

/** `x` with `digits` decimals and thousands separators, for labels and captions ("2,119"). */
export function num(x, digits = 0) {
  return finite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—';
}

/**
 * One table of the schema. Missing cells (undefined, NaN, ±Infinity) become null and numbers are
 * rounded to the digits they are printed with (`columnDigits[i]`, else `digits`), so the JSON
 * holds what the docs show. Keys left undefined are left out.
 */
export function table({ caption, columns, rows, digits = 1, columnDigits }) {
  const digitsOf = (i) => (Number.isInteger(columnDigits?.[i]) ? columnDigits[i] : digits);
  const cell = (c, i) => {
    if (c === undefined || c === null || (typeof c === 'number' && !Number.isFinite(c))) return null;
    return typeof c === 'number' ? round(c, digitsOf(i)) : String(c);
  };
  const out = {};
  if (caption) out.caption = caption;
  out.columns = columns;
  out.rows = rows.map((row) => {
    if (row.length !== columns.length) throw new Error(`table row "${row[0]}" has ${row.length} cells for ${columns.length} columns`);
    return row.map(cell);
  });
  out.digits = digits;
  if (columnDigits) out.columnDigits = columnDigits;
  return out;
}

/** The document as the committed files hold it: two-space indents, each row on one line. */
export function toJson(value, indent = '') {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.every((x) => x === null || typeof x !== 'object')) return `[${value.map((x) => JSON.stringify(x)).join(', ')}]`;
    return `[\n${value.map((x) => inner + toJson(x, inner)).join(',\n')}\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (!entries.length) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${toJson(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value ?? null);
}

// ------------------------------------------------------------ wasm.mjs ----

const WASM_BEFORE = 'before: load / b1 / b32 / decode';

/** The "before" column of a previous wasm.json, by "model/format": a fixed baseline that a re-run
 * keeps (it was measured before the q8_0 kernel and length buckets and cannot be measured again). */
export function wasmBaseline(previous) {
  const t = previous?.tables?.['wasm-simd'];
  const col = t?.columns?.indexOf(WASM_BEFORE) ?? -1;
  if (col < 0) return undefined;
  return Object.fromEntries(t.rows.map((r) => [`${r[0]}/${r[1]}`, r[col]]));
}

/** wasm.json: `rows` of { model, quant, loadMs, b1?, b32?, decode? }; `before` from {@link wasmBaseline}. */
export function wasmTables({ rows, before }) {
  const columns = ['model', 'format', 'load ms', 'emb/s b1', 'emb/s b32', 'decode tok/s'];
  const columnDigits = [null, null, 0, 1, 1, 1];
  if (before) { columns.push(WASM_BEFORE); columnDigits.push(null); }
  return {
    'wasm-simd': table({
      caption: "the package's wasm SIMD path in Node, with the same data as nunchi bench" +
        (before ? '; the last column is before our q8_0 kernel and length buckets' : ''),
      columns,
      rows: rows.map((r) => [r.model, r.quant, r.loadMs, r.b1, r.b32, r.decode, ...(before ? [before[`${r.model}/${r.quant}`]] : [])]),
      digits: 1,
      columnDigits,
    }),
  };
}

// ------------------------------------------------------------ pool.mjs ----

const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

/** pool.json: `out` of { batch, ms: { single: [ms…], pool: [ms…] } } over `lines` texts;
 * `perWorker`: each pool worker's wasm memory in bytes. The id names the pool's size. */
export function poolTables({ lines, size, rounds, out, perWorker = [] }) {
  const mib = perWorker.map((b) => b / 2 ** 20);
  const lo = Math.min(...mib), hi = Math.max(...mib);
  const memory = mib.length ? ` (${num(lo)}${num(hi) !== num(lo) ? `–${num(hi)}` : ''} MiB of wasm memory each)` : '';
  return {
    [`pool-${size}`]: table({
      caption: `MiniLM q8_0 on the wasm CPU path, first ${lines} lines of rt-polarity.pos, median of ${rounds} rounds alternating; each worker holds its own model${memory}`,
      columns: ['emb/s', 'one worker', `pool of ${size}`, 'pool / one worker'],
      rows: out.map(({ batch, ms }) => {
        const single = lines / (median(ms.single) / 1000);
        const pool = lines / (median(ms.pool) / 1000);
        return [batch >= lines ? `all ${lines} texts in one call` : `calls of ${batch} texts`, single, pool, ratio(pool, single)];
      }),
      digits: 1,
    }),
  };
}

// ------------------------------------------------------------ demo.mjs ----

/** demo.json: `steps` of { what, ms, detail }. */
export function demoTables({ steps }) {
  return {
    visitor: table({
      caption: 'the built demo site (npm run build --prefix www) used as a visitor would, MiniLM q8_0; both inputs uploaded as CSV files',
      columns: ['step', 'time, s', ''],
      rows: steps.map((s) => [s.what, s.ms / 1000, s.detail ?? '']),
      digits: 1,
    }),
  };
}

// --------------------------------------------------------- cluster.mjs ----

/** The label of one stage of cluster.mjs: its own stages, and the wasm report's timings
 * (crates/tasks/src/cluster.rs names them "choose k", "k-means", …). */
export function clusterStageLabel(stage, ctx) {
  switch (stage) {
    case 'embed (wasm)': return `embed, MiniLM q8_0 wasm in Node, 1 thread (extrapolated from ${ctx.sample} texts)`;
    case 'embed (page, one worker)': return 'embed in Chromium, one Worker (the same sample)';
    case 'embed (page, pool of 2)': return 'embed in Chromium, a pool of 2 Workers (the same sample)';
    case 'embed (native)': return `embed, native f32 CLI on ${ctx.nativeThreads} threads (for reference)`;
    case 'choose k': return `choose k by silhouette, ${ctx.kRange[0]}..=${ctx.kRange[1]} (chose ${ctx.k})`;
    case 'k-means': return `k-means++, ${ctx.restarts} restarts`;
    case 'keywords': return 'keywords (c-TF-IDF)';
    case '2-D map': return '2-D map (PCA)';
    case 'titles': return `titles, T5 q8_0 (${ctx.clusters} clusters × ${ctx.titleTokens} tokens)`;
    default: return stage;
  }
}

/**
 * cluster-cli.json: `runs` of { n, stages: [{ stage, ms }], wallS, peakMb, topics }, one per size,
 * as `nunchi cluster` reported them; `version` and `quant` for the caption.
 */
export function clusterCliTables({ runs, version, quant, dim = 384 }) {
  const stageNames = [...new Set(runs.flatMap((r) => r.stages.map((s) => s.stage)))];
  const stageSeconds = (r, name) => (r.stages.find((s) => s.stage === name)?.ms ?? Number.NaN) / 1000;
  return {
    stages: table({
      caption: `\`nunchi cluster\` (${version}, MiniLM ${quant}, k chosen by silhouette, sentiment on) on MR and BANKING77 texts cycled to each size: each stage's time as the CLI reports it`,
      columns: ['stage', ...runs.map((r) => `${num(r.n)} texts, s`)],
      rows: [
        ...stageNames.map((name) => [name, ...runs.map((r) => stageSeconds(r, name))]),
        ['whole run (wall clock)', ...runs.map((r) => r.wallS)],
      ],
      digits: 2,
    }),
    memory: table({
      caption: `peak resident memory of the whole process (GNU time), beside the embeddings it must hold (texts × ${dim} floats)`,
      columns: ['texts', 'peak memory, MB', 'embeddings, MB', 'topics'],
      rows: runs.map((r) => [num(r.n), r.peakMb, (r.n * dim * 4) / 2 ** 20, r.topics]),
      digits: 0,
    }),
  };
}

/**
 * soak.json: `cycles` of { seconds, mainWasm, workerWasm, jsHeap, v8Heap (bytes, null when not measured),
 * pool ('same rows' or the error code of the batch cut short) } from `npm run bench:soak`, over `texts`
 * texts, `minutes` asked: `memory`, each measure after the first cycle, after cycle `baseline` (what growth is
 * measured from), after the last, its largest, and last/baseline; `cycles`, every cycle's figures.
 */
export function soakTables({ cycles, texts, minutes, baseline = 2 }) {
  const mib = (b) => (finite(b) ? b / 2 ** 20 : null);
  const measure = (label, key) => {
    const values = cycles.map((c) => c[key]).filter(finite);
    const [first, base, last] = [cycles[0]?.[key], cycles[Math.min(baseline, cycles.length) - 1]?.[key], cycles.at(-1)?.[key]];
    return [label, mib(first), mib(base), mib(last), values.length ? mib(Math.max(...values)) : null, ratio(last, base)];
  };
  const outcomes = cycles.reduce((count, c) => ({ ...count, [c.pool]: (count[c.pool] ?? 0) + 1 }), {});
  const seconds = cycles.reduce((a, c) => a + c.seconds, 0);
  const what = `each on the main thread and in a Worker: load MiniLM q8_0 and Flan-T5 q8_0, embed ${num(texts)} texts, `
    + 'train a head and classify, cluster, score with T5, dispose; then a pool of 2 Workers cut short mid-batch by terminate()';
  return {
    memory: table({
      caption: `${num(cycles.length)} cycles in ${num(seconds / 60, 1)} min (asked: ${num(minutes, Number.isInteger(minutes) ? 0 : 1)} min), ${what} `
        + `(outcomes: ${Object.entries(outcomes).map(([k, v]) => `${k} ${v}×`).join(', ')}). JS heap: after a full GC, `
        + 'the heap snapshot\'s objects less V8\'s compiled code, plus ArrayBuffers; V8 heap: all of it, compiled code included',
      columns: ['MiB', 'after cycle 1', `after cycle ${baseline}`, 'after the last', 'largest', `last / cycle ${baseline}`],
      rows: [
        measure('wasm memory, main thread', 'mainWasm'), measure('wasm memory, Worker', 'workerWasm'),
        measure('JS heap, page (after GC)', 'jsHeap'), measure('V8 heap with compiled code, page (not checked)', 'v8Heap'),
      ],
      digits: 2,
    }),
    cycles: table({
      caption: 'each cycle: its time, memory after it (MiB), and how the pool\'s batch cut short by terminate() ended',
      columns: ['cycle', 'seconds', 'wasm, main thread', 'wasm, Worker', 'JS heap', 'V8 heap', 'pool cut short'],
      rows: cycles.map((c, i) => [String(i + 1), c.seconds, mib(c.mainWasm), mib(c.workerWasm), mib(c.jsHeap), mib(c.v8Heap), c.pool]),
      digits: 2,
      columnDigits: [null, 0, 1, 1, 2, 2, null],
    }),
  };
}

/** finetune.json: `sides` of { side, estimate, steps: [{ step, seconds, loss }], total, wasm, threads }. */
export function fineTuneTables({ sides, perLabel, iterations }) {
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : null; };
  const row = ({ side, estimate, steps, total, wasm, threads }) => {
    const each = steps.map((s, i) => s.seconds - (i ? steps[i - 1].seconds : 0));
    const label = side === 'main' ? 'main thread' : 'Worker client';
    return [label, threads, steps.length, estimate, each[0], median(each), steps.at(-1)?.seconds, total, wasm / 2 ** 20];
  };
  const pairs = 2 * perLabel * 2 * iterations;
  return {
    cost: table({
      caption: `fine-tuning all-MiniLM-L6-v2 q8_0 (SetFit: batches of 16 pairs, dropout 0.1) on ${num(perLabel)} MR reviews per label, `
        + `${num(iterations)} iterations: ${num(pairs)} pairs. Estimated: the steps' seconds as the package estimates them before the first, `
        + 'from its forward pass; steps: seconds of the first and the median step, and all of them; '
        + 'call to tuned Encoder: from the call to the tuned model loaded (the weights read again and dequantized, and the result '
        + 'quantized to q8_0 and loaded, included); wasm memory: after the run, its peak (wasm memory never shrinks)',
      columns: ['', 'threads', 'steps', 'estimated, s', 'first step, s', 'median step, s', 'all steps, s', 'call to tuned Encoder, s', 'wasm memory, MiB'],
      rows: sides.map(row),
      digits: 2,
      columnDigits: [null, 0, 0, 1, 2, 2, 1, 1, 0],
    }),
  };
}

/** cluster.json: `stages` of { stage, ms } over `texts` texts; `ctx` for the labels ({@link clusterStageLabel}). */
export function clusterTables({ texts, stages, ...ctx }) {
  return {
    'banking77-10k': table({
      caption: `clustering BANKING77's ${num(texts)} training messages with the package's wasm (the same engine as in Chromium)`,
      columns: ['stage', 'time, s'],
      rows: stages.map((s) => [clusterStageLabel(s.stage, ctx), s.ms / 1000]),
      digits: 2,
    }),
  };
}
