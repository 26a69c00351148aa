// `npm run bench:eval`: the quality tables of the docs (weighted F1 per dataset, method and model
// file) from the native CLI: `target/release/nunchi eval --json` once per dataset run and model
// file, then eval-report.mjs turns those files into bench/results/eval.json#minilm (docs/tasks.md),
// eval-multilingual.json#e5-vs-minilm (docs/multilingual.md) and eval-mpnet.json#mpnet-vs-minilm
// (README.md, docs/tasks.md; it needs scripts/prepare-mpnet.sh and the fine-tuned folder of
// scripts/reference/finetune_mr_classifier.py). The specs there say what each
// table runs. All of it takes hours on 2 cores (e5 on NSMC's whole train split alone took about
// 75 minutes), so it is run by hand, never in CI.
//
//   npm run bench:eval [-- --tables minilm,e5-vs-minilm,mpnet-vs-minilm] [--datasets mr,banking77,nsmc|FILE.csv]
//                      [--quants f32,q8_0,q4_0] [--methods zero-shot,head-8,…] [--runs DIR]
//                      [--write | --json [PATH]]
//
// --tables    the tables to fill (default: all)
// --datasets  the datasets to run (default: all the tables name); a labelled .csv file adds a
//             table of its own (csv-<name>, MiniLM at each quant; not one of the docs' tables)
// --quants    the model files to run, by format (the e5-vs-minilm table is q8_0 only)
// --methods   only these methods (default: every row's)
// --runs DIR  keep `nunchi eval`'s JSON (and its printed reports, .txt) in DIR, not a temporary
//             folder; a run whose JSON is already there with every method is not run again, so
//             an interrupted run resumes and the tables can be rebuilt without running anything
// --write     write each table's file: bench/results/eval.json, eval-multilingual.json, eval-mpnet.json (--json PATH: PATH, or
//             PATH/<name>.json when several are written); a plain run writes nothing.
// Needs the release CLI and the model files of scripts/prepare-models.sh; a missing model is
// skipped with a note. Partial runs leave out the rows they did not measure.
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { RESULTS_USAGE, benchCommand, cli, dataDir, emitResults, isMain, machine, models, readResults, resultsPath, root } from './common.mjs';
import { evalPlan, evalTables } from './eval-report.mjs';

const nunchi = path.join(root, 'target/release/nunchi');
const USAGE = 'usage: npm run bench:eval -- [--tables minilm,e5-vs-minilm,mpnet-vs-minilm] [--datasets mr,banking77,nsmc|FILE.csv] ' +
  `[--quants f32,q8_0,q4_0] [--methods M,…] [--runs DIR] [${RESULTS_USAGE}]`;

const list = (s) => s?.split(',').map((x) => x.trim()).filter(Boolean);
const shellWord = (s) => (/^[\w./:=,+-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);

/** The `nunchi eval` arguments of one job, writing its JSON to `json`. */
function evalArgs(job, json) {
  const args = ['eval', '--model', path.join(models, job.model), '--quant', job.quant, '--dataset', job.dataset,
    '--data', dataDir, '--methods', job.methods.join(','), '--json', json, ...job.args];
  if (job.t5) args.push('--t5', path.join(models, job.t5));
  return args;
}

/** Whether `doc` (a `nunchi eval` JSON) holds every method of `job`. */
const complete = (doc, job) => job.methods.every((m) => doc?.results?.some((r) => r.method === m));

export async function main(argv = process.argv.slice(2)) {
  const { option, flag } = cli(argv);
  if (flag('--help') || flag('-h')) { console.log(USAGE); return undefined; }
  const plan = evalPlan({ tables: list(option('--tables')), datasets: list(option('--datasets')), quants: list(option('--quants')), methods: list(option('--methods')) });
  if (!plan.jobs.length) throw new Error(`nothing to run for these options\n${USAGE}`);
  const runsOption = option('--runs');
  const runsDir = runsOption ? path.resolve(runsOption) : mkdtempSync(path.join(os.tmpdir(), 'nunchi-eval-'));
  mkdirSync(runsDir, { recursive: true });
  console.error(`eval: ${plan.jobs.length} run(s) of nunchi eval; their JSON and reports go to ${runsDir}`);

  const outputs = [];
  const problems = [];
  for (const [n, planned] of plan.jobs.entries()) {
    const job = { ...planned };
    const json = path.join(runsDir, `${job.key}.json`);
    const label = `[${n + 1}/${plan.jobs.length}] ${job.id} · ${job.run} · ${job.column}`;
    let doc = readResults(json);
    if (complete(doc, job)) {
      console.error(`eval: ${label}: using ${json}`);
    } else {
      if (!existsSync(path.join(models, job.model))) { problems.push(`${label}: no model ${path.join(models, job.model)} (scripts/prepare-models.sh), skipped`); continue; }
      if (job.t5 && !existsSync(path.join(models, job.t5))) {
        problems.push(`${label}: no ${path.join(models, job.t5)}, so no prompt row`);
        job.methods = job.methods.filter((m) => m !== 'prompt');
        job.t5 = undefined;
        if (!job.methods.length) continue;
      }
      if (!existsSync(nunchi)) throw new Error(`${nunchi} is missing: cargo build --release -p nunchi-cli`);
      const args = evalArgs(job, json);
      console.error(`\neval: ${label}\n  ${[path.relative(root, nunchi), ...args].map(shellWord).join(' ')}`);
      const log = openSync(path.join(runsDir, `${job.key}.txt`), 'w');
      const t0 = performance.now();
      const r = spawnSync(nunchi, args, { cwd: root, stdio: ['ignore', log, 'inherit'] });
      closeSync(log);
      const s = (performance.now() - t0) / 1000;
      doc = r.status === 0 ? readResults(json) : undefined;
      if (!doc) { problems.push(`${label}: nunchi eval failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}); its output is in ${job.key}.txt`); continue; }
      console.error(`eval: ${label}: ${s.toFixed(0)} s`);
    }
    for (const res of doc.results ?? []) {
      console.error(`  ${res.method}: weighted F1 ${res.report.weightedAvg?.f1?.toFixed(3)}, accuracy ${res.report.accuracy?.toFixed(3)} (${res.train_texts} training texts)`);
    }
    outputs.push({ id: job.id, run: job.run, column: job.column, eval: doc });
  }
  for (const p of problems) console.error(`eval: ${p}`);
  if (problems.length) process.exitCode = 1;

  const byName = evalTables({ outputs, specs: plan.specs });
  const names = Object.keys(byName);
  if (!names.length) { console.error('eval: no results, no tables'); return undefined; }
  // --runs only says where the intermediate files go: leave it out of the command in the results.
  const kept = argv.filter((a, i) => a !== '--runs' && argv[i - 1] !== '--runs');
  const jsonIndex = argv.indexOf('--json');
  const jsonPath = jsonIndex >= 0 && argv[jsonIndex + 1] !== undefined && !argv[jsonIndex + 1].startsWith('--');
  const docs = {};
  for (const name of names) {
    let file = resultsPath(name, argv);
    if (file && jsonPath && names.length > 1) file = path.join(file, `${name}.json`);
    const before = file && readResults(file);
    for (const [id, t] of Object.entries(byName[name])) {
      const had = before?.tables?.[id]?.rows?.length;
      if (had > t.rows.length) console.error(`eval: ${name}#${id} had ${had} rows, this run measured ${t.rows.length}; the others are gone from ${file}`);
    }
    docs[name] = emitResults({ file, name, command: benchCommand('eval', kept), machine: machine({ extra: 'native CLI' }), tables: byName[name] });
  }
  return docs;
}

if (isMain(import.meta.url)) await main();
