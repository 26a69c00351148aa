// `npm run bench:cluster-cli`: the native CLI clustering many texts, as a user
// runs it (`nunchi cluster --input texts.txt --save topics.json`): each stage's
// time, from the CLI's own stage report, and the process's peak memory (resident
// set, from GNU time), at 10,000 and 100,000 texts, so that the growth of
// memory with the number of texts shows.
//
// Texts: MR's 10,662 review sentences and BANKING77's 13,083 customer messages,
// cycled to the size asked for (100,000 texts use each one 4-5 times).
//
//   npm run bench:cluster-cli [-- --sizes 10000,100000 --quant f32 --write | --json [PATH]]
//   (after a release build of the CLI: cargo build --release -p nunchi-cli; needs /usr/bin/time)
//
// --write writes bench/results/cluster-cli.json (--json PATH: PATH); a plain run writes nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchCommand, cli, dataDir, emitResults, isMain, machine, models, resultsPath, root } from './common.mjs';
import { clusterCliTables, num } from './report.mjs';
import { readTable } from '../pkg/index.js';

const nunchi = process.env.NUNCHI_BIN ?? path.join(root, 'target/release/nunchi');
const GNU_TIME = '/usr/bin/time';

/** MR's sentences, then BANKING77's messages (train and test), in file order. */
async function sourceTexts() {
  const lines = (f) => readFileSync(path.join(dataDir, 'mr_polarity', f), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const messages = [];
  for (const split of ['train', 'test']) {
    const t = await readTable(readFileSync(path.join(dataDir, 'banking77', `${split}.csv`), 'utf8'), `${split}.csv`);
    const col = t.columns.indexOf('text');
    messages.push(...t.rows.map((r) => r[col].replace(/\s+/g, ' ').trim()).filter(Boolean));
  }
  return [...lines('rt-polarity.pos'), ...lines('rt-polarity.neg'), ...messages];
}

/** Runs the CLI under GNU time: `{ stages: [{ stage, ms }], peakMb, wallS, k }`. */
function clusterRun(file, n, quant, dir) {
  const model = quant === 'f32' ? path.join(models, 'all-MiniLM-L6-v2') : path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf');
  const args = ['-v', nunchi, 'cluster', '--model', model, ...(quant === 'f32' ? ['--quant', 'f32'] : []),
    '--input', file, '--format', 'csv', '--output', path.join(dir, 'clusters.csv'), '--save', path.join(dir, 'topics.json')];
  const t0 = performance.now();
  const r = spawnSync(GNU_TIME, args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'ignore', 'pipe'] });
  const wallS = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`nunchi cluster on ${n} texts failed (${r.status}): ${r.stderr.slice(-2000)}`);
  // The CLI reports each stage as "<stage>: <ms> ms"; GNU time its peak resident set.
  const stages = [...r.stderr.matchAll(/^\s*([^:\n\r]+):\s+([\d.]+) ms$/gm)].map((m) => ({ stage: m[1].trim(), ms: Number(m[2]) }));
  const peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1]);
  const topics = JSON.parse(readFileSync(path.join(dir, 'topics.json'), 'utf8')).topics.length;
  return { stages, peakMb: peakKb / 1024, wallS, topics };
}

export async function main(argv = process.argv.slice(2)) {
  const { option } = cli(argv);
  const sizes = String(option('--sizes', '10000,100000')).split(',').map(Number);
  const quant = option('--quant', 'f32');
  if (!existsSync(nunchi)) throw new Error(`${nunchi} is missing: cargo build --release -p nunchi-cli`);
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} (GNU time, Debian package "time") is needed for the peak memory`);
  const texts = await sourceTexts();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nunchi-cluster-cli-'));
  const runs = [];
  try {
    for (const n of sizes) {
      const file = path.join(dir, `texts-${n}.txt`);
      writeFileSync(file, Array.from({ length: n }, (_, i) => texts[i % texts.length]).join('\n'));
      console.error(`cluster-cli: ${num(n)} texts…`);
      const run = clusterRun(file, n, quant, dir);
      console.error(`cluster-cli: ${num(n)} texts in ${run.wallS.toFixed(0)} s, peak ${run.peakMb.toFixed(0)} MB, ${run.topics} topics`);
      runs.push({ n, ...run });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const version = execFileSync(nunchi, ['--version']).toString().trim();
  const tables = clusterCliTables({ runs, version, quant });
  return emitResults({ file: resultsPath('cluster-cli', argv), name: 'cluster-cli', command: benchCommand('cluster-cli', argv),
    machine: machine({ extra: `native CLI on ${os.cpus().length} threads` }), tables });
}

if (isMain(import.meta.url)) await main();
