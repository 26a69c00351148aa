// `nunchi eval --json` files → the results schema (report.mjs' `table`): the quality tables
// bench/results/eval.json#minilm, eval-multilingual.json#e5-vs-minilm and eval-mpnet.json#mpnet-vs-minilm. Pure
// (no I/O), so tests/js/bench-report.test.mjs holds it to the committed files' layout.
//
// What `nunchi eval --json FILE` writes (crates/cli/src/eval.rs; the report's keys are camelCase,
// crates/tasks/src/metrics.rs):
//
//   { "dataset": "mr", "model": "models/…", "quant": "q8_0", "test_texts": 1068,
//     "results": [{ "method": "head-8", "train_texts": 16, "ms": 12.3,
//                   "report": { "labels", "classes", "accuracy", "macroAvg", "weightedAvg": { "f1", … }, "confusion" } }] }
//
// A table spec says what to run and how each row reads:
// - `columns`: header → the model file (under models/) and its `--quant`; one `nunchi eval` per
//   run and column.
// - `runs`: id → { dataset, args (more `nunchi eval` options), t5 (for the prompt method) }.
// - `rows`: { run, method, label (default: the method), columns (default: all; the others hold
//   `absent`), acc (add "(acc 0.622)"), note ("(chance)"), target (accuracy that makes the
//   whole cell bold), reference }.
// - `datasets`: the dataset cell of a dataset's first row ("nsmc (Korean)"); later rows say "nsmc".
// - `best`: bold the weighted F1 of the best zero-shot cell and the best trained cell of each dataset.
// A cell is the weighted F1 as a number, or a string when it carries more ("0.612 (acc 0.622)").
// The ids, columns and row labels are the docs' (docs/tasks.md, docs/multilingual.md).
import { table } from './report.mjs';

const MINILM = 'all-MiniLM-L6-v2';
const E5 = 'multilingual-e5-small';
const MPNET = 'all-mpnet-base-v2';
// MiniLM with a classification head fine-tuned on MR's train split in PyTorch
// (scripts/reference/finetune_mr_classifier.py), run by the `model` method.
const MINILM_MR = 'minilm-mr-classifier';
const MINILM_COLUMNS = {
  f32: { model: MINILM, quant: 'f32' }, // the Hugging Face folder, `--quant f32`
  q8_0: { model: `${MINILM}-q8_0.gguf`, quant: 'q8_0' },
  q4_0: { model: `${MINILM}-q4_0.gguf`, quant: 'q4_0' },
};

// The "reference point" column: figures nunchi does not measure, shown beside the ones it does.
// Static text, carried over from the table as it was first written by hand (commit 065416d, the
// README's evaluation table; now bench/results/eval.json).
const REFERENCE = {
  // all-mpnet-base-v2 (sentence-transformers, 110M parameters) zero-shot on the MR sentences, as
  // quoted then; not run here.
  mrZeroShot: '0.78 (all-mpnet-base-v2)',
  // A logistic-regression head on mpnet embeddings over MR's training texts, as quoted then.
  mrHeadFull: '0.85 (mpnet + logistic regression)',
  // The real Flan-T5-small prompted on MR, as quoted then; its weights cannot be downloaded on the
  // build machines, so the prompt row runs the generated test weights (docs/models.md).
  mrPrompt: '0.84 (real Flan-T5-small)',
  // The same fine-tuned folder evaluated by PyTorch (its reference_eval.json).
  mrFineTuned: '0.832 (PyTorch f32, same folder)',
  // The project's goal for BANKING77 with a full head; the cell is bold when it is met.
  banking77Target: 'target ≥ 0.85 accuracy',
};
const BANKING77_TARGET = 0.85;

const NSMC_KOREAN = ['매우 부정적인 영화 리뷰', '매우 긍정적인 영화 리뷰'];

/** The committed quality tables: bench/results/<name>.json#<id>. */
export const EVAL_TABLES = [
  {
    name: 'eval',
    id: 'minilm',
    caption: 'Weighted F1 on the whole test split, all-MiniLM-L6-v2 (`--quant` on the Hugging Face folder)',
    columns: MINILM_COLUMNS,
    reference: true,
    absent: '',
    datasets: { nsmc: 'nsmc (Korean)' },
    runs: {
      mr: { dataset: 'mr', t5: 'flan-t5-small-generated' },
      banking77: { dataset: 'banking77' },
      // The heads sample from the first 2,000 training texts per label (head-100 too).
      nsmc: { dataset: 'nsmc', args: ['--train-per-label', '2000'] },
    },
    rows: [
      { run: 'mr', method: 'zero-shot', label: 'zero-shot label embeddings', reference: REFERENCE.mrZeroShot },
      { run: 'mr', method: 'head-8', label: 'head-8 (logistic)' },
      { run: 'mr', method: 'head-32' },
      { run: 'mr', method: 'head-100' },
      { run: 'mr', method: 'head-full', reference: REFERENCE.mrHeadFull },
      { run: 'mr', method: 'prompt', label: 'prompt, Flan-T5 **generated test weights**', columns: ['f32'], note: 'chance', reference: REFERENCE.mrPrompt },
      { run: 'banking77', method: 'zero-shot', label: 'zero-shot (label names made readable)', columns: ['f32'], acc: true },
      { run: 'banking77', method: 'head-10', columns: ['f32'], acc: true },
      { run: 'banking77', method: 'head-full', columns: ['f32'], acc: true, target: BANKING77_TARGET, reference: REFERENCE.banking77Target },
      { run: 'nsmc', method: 'zero-shot', label: 'zero-shot (English descriptions)', columns: ['f32'], acc: true },
      { run: 'nsmc', method: 'head-100', columns: ['f32'] },
      { run: 'nsmc', method: 'head-full', label: 'head (2,000 per label, `--train-per-label 2000`)', columns: ['f32'] },
    ],
  },
  {
    name: 'eval-multilingual',
    id: 'e5-vs-minilm',
    caption: 'Weighted F1, q8_0, both models on the same texts and seeded samples. NSMC: 500 test reviews per label (--test-per-label 500); ' +
      'MR: the whole 1,068-text test split. Training texts capped at 2,000 per label, except the whole-split head-full row. ' +
      'e5 texts get its "query: " prefix, MiniLM none',
    columns: {
      [E5]: { model: `${E5}-q8_0.gguf`, quant: 'q8_0' },
      [MINILM]: { model: `${MINILM}-q8_0.gguf`, quant: 'q8_0' },
    },
    absent: null,
    best: true,
    datasets: { nsmc: 'nsmc (Korean)', mr: 'mr (English)' },
    runs: {
      nsmc: { dataset: 'nsmc', args: ['--test-per-label', '500', '--train-per-label', '2000', '--descriptions', NSMC_KOREAN.join('|')] },
      // The whole 36,000-review train split: about 75 minutes of embedding with e5 on 2 cores.
      'nsmc-whole': { dataset: 'nsmc', args: ['--test-per-label', '500'] },
      mr: { dataset: 'mr', args: ['--train-per-label', '2000'] },
    },
    rows: [
      { run: 'nsmc', method: 'zero-shot', label: `zero-shot, Korean descriptions (${NSMC_KOREAN.map((d) => `"${d}"`).join(' / ')})`, acc: true },
      { run: 'nsmc', method: 'head-8', label: 'head-8 (logistic)' },
      { run: 'nsmc', method: 'head-32' },
      { run: 'nsmc', method: 'head-100' },
      { run: 'nsmc', method: 'head-full', label: 'head, 2,000 per label' },
      { run: 'nsmc-whole', method: 'head-full', label: 'head-full, the whole train split', columns: [E5], acc: true },
      { run: 'mr', method: 'zero-shot', label: 'zero-shot ("A very negative/positive movie review")' },
      { run: 'mr', method: 'head-8' },
      { run: 'mr', method: 'head-32' },
      { run: 'mr', method: 'head-100' },
      { run: 'mr', method: 'head-full', label: 'head, 2,000 per label' },
    ],
  },
];

EVAL_TABLES.push({
  name: 'eval-mpnet',
  id: 'mpnet-vs-minilm',
  caption: 'Weighted F1 on the whole MR test split, q8_0: the sentence-transformers encoders with zero-shot label embeddings and a ' +
    'logistic-regression head on the whole train split, and a fine-tuned classification model run with its own head',
  columns: {
    [MPNET]: { model: `${MPNET}-q8_0.gguf`, quant: 'q8_0' },
    [MINILM]: { model: `${MINILM}-q8_0.gguf`, quant: 'q8_0' },
    'MiniLM fine-tuned on MR': { model: MINILM_MR, quant: 'q8_0' },
  },
  reference: true,
  absent: '',
  datasets: {},
  runs: { mr: { dataset: 'mr' } },
  rows: [
    { run: 'mr', method: 'zero-shot', label: 'zero-shot label embeddings', columns: [MPNET, MINILM], reference: REFERENCE.mrZeroShot },
    { run: 'mr', method: 'head-full', label: 'head-full (logistic)', columns: [MPNET, MINILM], reference: REFERENCE.mrHeadFull },
    { run: 'mr', method: 'model', label: 'the model\'s own head', columns: ['MiniLM fine-tuned on MR'], reference: REFERENCE.mrFineTuned },
  ],
});

/** The datasets the committed tables run (`--dataset` names of `nunchi eval`). */
export const EVAL_DATASETS = [...new Set(EVAL_TABLES.flatMap((t) => Object.values(t.runs).map((r) => r.dataset)))];

const isCsv = (dataset) => /\.csv$/i.test(dataset);
const baseName = (file) => file.split(/[\\/]/).pop();

/** A table for a labelled CSV of one's own (`--datasets my.csv`): MiniLM at each of `quants`,
 * one row per method, into eval.json as `csv-<file name>`. Not one of the docs' tables. */
export function csvTableSpec(file, { quants = Object.keys(MINILM_COLUMNS), methods = ['zero-shot', 'head-full'] } = {}) {
  const name = baseName(file);
  const slug = name.replace(/\.csv$/i, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'file';
  return {
    name: 'eval',
    id: `csv-${slug}`,
    caption: `Weighted F1 on the test split of ${name}, ${MINILM}`,
    columns: Object.fromEntries(Object.entries(MINILM_COLUMNS).filter(([, c]) => quants.includes(c.quant))),
    absent: null,
    datasets: {},
    runs: { [name]: { dataset: file, label: name } },
    rows: methods.map((method) => ({ run: name, method, acc: true })),
  };
}

const columnsOf = (spec, row) => row.columns ?? Object.keys(spec.columns);

/**
 * The `nunchi eval` runs that fill the tables: { specs, jobs }. Each job is one run of one table
 * at one column: { key, name, id, run, column, dataset, model (under models/), quant, methods,
 * args, t5 (only when the methods include prompt) }. Options narrow it (undefined: everything):
 * `tables` (ids), `datasets` (names, or .csv files: each adds a {@link csvTableSpec}), `quants`
 * (a column runs when its quant is listed), `methods`.
 */
export function evalPlan({ tables, datasets, quants, methods } = {}, specs = EVAL_TABLES) {
  for (const d of datasets ?? []) {
    if (!isCsv(d) && !EVAL_DATASETS.includes(d)) throw new Error(`unknown dataset "${d}" (expected ${EVAL_DATASETS.join(', ')} or a .csv file)`);
  }
  for (const id of tables ?? []) {
    if (!specs.some((s) => s.id === id)) throw new Error(`unknown table "${id}" (expected ${specs.map((s) => s.id).join(', ')})`);
  }
  const chosen = specs.filter((s) => !tables || tables.includes(s.id));
  const csv = (datasets ?? []).filter(isCsv).map((f) => csvTableSpec(f, { quants, methods }));
  const named = datasets?.filter((d) => !isCsv(d));
  const jobs = [];
  for (const spec of [...chosen, ...csv]) {
    for (const [run, r] of Object.entries(spec.runs)) {
      if (!isCsv(r.dataset) && named && !named.includes(r.dataset)) continue;
      for (const [column, c] of Object.entries(spec.columns)) {
        if (quants && !quants.includes(c.quant)) continue;
        const wanted = spec.rows.filter((row) => row.run === run && columnsOf(spec, row).includes(column)).map((row) => row.method);
        const ms = [...new Set(wanted)].filter((m) => !methods || methods.includes(m));
        if (!ms.length) continue;
        const key = `${spec.id}.${run}.${column}`.replace(/[^A-Za-z0-9._-]+/g, '_');
        jobs.push({ key, name: spec.name, id: spec.id, run, column, dataset: r.dataset, model: c.model, quant: c.quant, methods: ms,
          args: r.args ?? [], t5: ms.includes('prompt') ? r.t5 : undefined });
      }
    }
  }
  return { specs: [...chosen, ...csv], jobs };
}

const weightedF1 = (report) => (report.weightedAvg ?? report.weighted_avg)?.f1;
const f3 = (x) => x.toFixed(3);

/** One cell: the weighted F1, with "(acc …)", a note, and bold as the row and `bold` say. */
function evalCell(result, row, bold) {
  const f1 = weightedF1(result.report);
  const acc = result.report.accuracy;
  if (typeof f1 !== 'number') return null;
  const extras = [row.acc && typeof acc === 'number' && `acc ${f3(acc)}`, row.note].filter(Boolean);
  const targetMet = row.target !== undefined && typeof acc === 'number' && acc >= row.target;
  if (!extras.length && !bold && !targetMet) return f1;
  const text = `${bold ? `**${f3(f1)}**` : f3(f1)}${extras.length ? ` (${extras.join(', ')})` : ''}`;
  return targetMet ? `**${text}**` : text;
}

/**
 * The results tables from `nunchi eval --json` files: `outputs` of { id, run, column, eval } (the
 * table, run and column of a job from {@link evalPlan}, and the parsed file). Returns
 * { "<results name>": { "<table id>": table } }, holding only rows that some output fills.
 */
export function evalTables({ outputs, specs = EVAL_TABLES }) {
  const out = {};
  for (const spec of specs) {
    const mine = outputs.filter((o) => o.id === spec.id);
    const result = (row, column) => {
      const o = mine.find((x) => x.run === row.run && x.column === column);
      return o?.eval?.results?.find((r) => r.method === row.method);
    };
    const columns = Object.keys(spec.columns);
    const rows = spec.rows.map((row) => ({ row, results: columns.map((c) => (columnsOf(spec, row).includes(c) ? result(row, c) : undefined)) }))
      .filter((r) => r.results.some(Boolean));
    if (!rows.length) continue;
    const datasetOf = (r) => spec.runs[r.row.run].label ?? spec.runs[r.row.run].dataset;

    // With `best`: per dataset, the highest weighted F1 (to the printed digits) among zero-shot
    // cells and among cells with training texts.
    const bestF1 = new Map();
    if (spec.best) {
      for (const r of rows) {
        for (const res of r.results) {
          const f1 = res && weightedF1(res.report);
          if (typeof f1 !== 'number') continue;
          const k = `${datasetOf(r)}/${res.train_texts > 0}`;
          bestF1.set(k, Math.max(bestF1.get(k) ?? -Infinity, Number(f3(f1))));
        }
      }
    }
    const seen = new Set();
    const body = rows.map((r) => {
      const dataset = datasetOf(r);
      const first = !seen.has(dataset);
      seen.add(dataset);
      const cells = r.results.map((res, i) => {
        if (!columnsOf(spec, r.row).includes(columns[i])) return spec.absent;
        if (!res) return null;
        const bold = spec.best && Number(f3(weightedF1(res.report))) === bestF1.get(`${dataset}/${res.train_texts > 0}`);
        return evalCell(res, r.row, bold);
      });
      const trained = r.results.find(Boolean)?.train_texts;
      const row = [first ? (spec.datasets[dataset] ?? dataset) : dataset, r.row.label ?? r.row.method, trained, ...cells];
      if (spec.reference) row.push(r.row.reference ?? '');
      return row;
    });
    const headers = ['dataset', 'method', 'training texts', ...columns, ...(spec.reference ? ['reference point'] : [])];
    (out[spec.name] ??= {})[spec.id] = table({
      caption: spec.caption,
      columns: headers,
      rows: body,
      digits: 3,
      columnDigits: headers.map((h, i) => (i === 2 ? 0 : i > 2 && i < 3 + columns.length ? 3 : null)),
    });
  }
  return out;
}
