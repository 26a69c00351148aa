// `npm run bench:topics`: how well clustering recovers known labels, ours against
// scikit-learn's KMeans on the same texts: the adjusted Rand index and NMI
// (mean of seeds 0-4) with k given at 1, 3 and 10 restarts, and with k chosen
// by the silhouette. Ours: `nunchi eval-topics --json` with MiniLM f32 (the
// precision of the reference) and q8_0 (the default); scikit-learn's:
// tests/goldens/clusters.json#reference_runs, written by
// scripts/reference/make_cluster_goldens.py (all-MiniLM-L6-v2 f32 in PyTorch).
// Two datasets: BANKING77's test split (3,080 messages, 77 intents; k chosen
// among 20, 30, …, 120) and the feedback fixture (900 messages, 30 intents;
// k among 10, 15, …, 50).
//
//   npm run bench:topics [-- --write | --json [PATH]]   (after a release build of the CLI)
//
// --write writes bench/results/topics.json (--json PATH: PATH); a plain run writes nothing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchCommand, dataDir, emitResults, isMain, machine, models, resultsPath, root } from './common.mjs';
import { readTable } from '../pkg/index.js';

const nunchi = path.join(root, 'target/release/nunchi');
/** The model files: f32 (as the reference) and the default q8_0. */
const ENCODERS = [
  { quant: 'f32', args: ['--model', path.join(models, 'all-MiniLM-L6-v2'), '--quant', 'f32'] },
  { quant: 'q8_0', args: ['--model', path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf')] },
];

/** The datasets: how `nunchi eval-topics` reads each, and its key in the golden's reference runs. */
const DATASETS = [
  { key: 'banking77', name: 'BANKING77 test', dataset: 'banking77', kRange: '20:120:10' },
  { key: 'fixture', name: 'feedback fixture', dataset: null, kRange: '10:50:5' },
];

/** The fixture as `eval-topics` reads a user's CSV: columns text and label. */
async function fixtureCsv(dir) {
  const source = readFileSync(path.join(root, 'tests/fixtures/feedback-intents/messages.csv'), 'utf8');
  const table = await readTable(source, 'messages.csv');
  const [t, i] = ['text', 'intent'].map((c) => table.columns.indexOf(c));
  const quote = (s) => `"${s.replaceAll('"', '""')}"`;
  const file = path.join(dir, 'feedback-intents.csv');
  writeFileSync(file, ['text,label', ...table.rows.map((r) => `${quote(r[t])},${quote(r[i])}`)].join('\n'));
  return file;
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

/** One row per k setting: ours at each precision beside scikit-learn, for ARI then NMI. */
function rows(name, runs, reference) {
  const find = (run, how, restarts) => run.results.find((r) => r.how === how && (restarts === undefined || r.restarts === restarts));
  const row = (k, restarts, pick, sk) => [name, k, restarts,
    ...runs.map((run) => pick(run).ari), sk.ari, ...runs.map((run) => pick(run).nmi), sk.nmi];
  const out = [1, 3, 10].map((n) => row(`${reference.k} (given)`, n, (run) => find(run, 'given', n),
    { ari: mean(reference.kmeans[String(n)].ari), nmi: mean(reference.kmeans[String(n)].nmi) }));
  const chosen = runs.map((run) => find(run, 'chosen').k).join(' / ');
  out.push(row(`chosen: ${chosen} (scikit-learn ${reference.silhouette_k})`, 10, (run) => find(run, 'chosen'),
    { ari: reference.chosen_ari, nmi: reference.chosen_nmi }));
  return out;
}

export async function main(argv = process.argv.slice(2)) {
  const golden = JSON.parse(readFileSync(path.join(root, 'tests/goldens/clusters.json'), 'utf8'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nunchi-topics-'));
  const table = [];
  for (const d of DATASETS) {
    const dataset = d.dataset ?? await fixtureCsv(dir);
    const runs = ENCODERS.map((e) => {
      const json = path.join(dir, `${d.key}-${e.quant}.json`);
      console.error(`eval-topics: ${d.name}, MiniLM ${e.quant}`);
      execFileSync(nunchi, ['eval-topics', ...e.args, '--dataset', dataset, '--data', dataDir, '--k-range', d.kRange,
        '--json', json], { stdio: ['ignore', 'inherit', 'inherit'] });
      return JSON.parse(readFileSync(json, 'utf8'));
    });
    table.push(...rows(d.name, runs, golden.reference_runs[d.key]));
  }
  return emitResults({
    file: resultsPath('topics', argv),
    name: 'topics',
    command: benchCommand('topics', argv),
    machine: machine({ extra: 'native CLI' }),
    tables: {
      agreement: {
        caption: 'Clustering against known intents, mean of seeds 0-4: ours (MiniLM f32 and q8_0) and scikit-learn KMeans (sentence-transformers f32) on the same texts; BANKING77 test: 3,080 texts, 77 intents; the fixture: 900 texts, 30 intents',
        columns: ['dataset', 'k', 'restarts', 'ARI f32', 'ARI q8_0', 'ARI scikit-learn', 'NMI f32', 'NMI q8_0', 'NMI scikit-learn'],
        rows: table,
        digits: 3,
        columnDigits: [null, null, 0],
      },
    },
  });
}

if (isMain(import.meta.url)) await main();
