// What every benchmark shares: the repository's paths, option parsing, the
// machine line, and writing a results file (bench/results/<name>.json, the
// schema that `npm run docs:figures` renders into the docs; report.mjs builds it).
//
// Results are written only when asked: `--write` writes bench/results/<name>.json
// (the committed figures), `--json PATH` writes PATH, and `--json` alone is
// `--write`. A plain run prints its tables and writes nothing.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTable, validateResults } from './render-docs.mjs';
import { resultsDocument, toJson } from './report.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
export const cacheDir = process.env.NUNCHI_CACHE
  ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'nunchi');
/** The shared data sets (mr_polarity/, banking77/). */
export const dataDir = process.env.NUNCHI_DATA ?? path.resolve(root, '../shared/data');
/** The texts the embedding benches run over: rt-polarity.pos, one review a line. */
export const polarityFile = process.env.NUNCHI_BENCH_DATA ?? path.join(dataDir, 'mr_polarity/rt-polarity.pos');
export const resultsDir = path.join(root, 'bench/results');

/** Whether the module at `url` (its import.meta.url) is the script node was started with. */
export const isMain = (url) => !!process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(url);

/** `flag(name)`, `option(name, default)` (the word after the name) and `number(name, default)` over argv. */
export function cli(argv = process.argv.slice(2)) {
  const option = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : dflt; };
  return { argv, flag: (name) => argv.includes(name), option, number: (name, dflt) => Number(option(name, dflt)) };
}

/** The options every bench takes, for the usage lines. */
export const RESULTS_USAGE = '--write (bench/results/NAME.json) | --json [PATH]';

/** Where to write the results called `name`: --json PATH, --json alone or --write: the committed
 * file; otherwise undefined (a plain run writes nothing). */
export function resultsPath(name, argv = process.argv.slice(2)) {
  const i = argv.indexOf('--json');
  const next = argv[i + 1];
  if (i >= 0 && next !== undefined && !next.startsWith('--')) return path.resolve(next);
  if (i >= 0 || argv.includes('--write')) return path.join(resultsDir, `${name}.json`);
  return undefined;
}

/** The npm command that reruns this bench with these options, less the ones that only say where to write. */
export function benchCommand(script, argv = process.argv.slice(2)) {
  const kept = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--write') continue;
    if (argv[i] === '--json' || argv[i] === '--raw-json') {
      if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) i++;
      continue;
    }
    kept.push(argv[i]);
  }
  return `npm run bench:${script}${kept.length ? ` -- ${kept.join(' ')}` : ''}`;
}

/** "2-core x86_64 <cpu model>, Chromium <version>, Node <version>" (Chromium when given). */
export function machine({ chromium, extra } = {}) {
  const cpus = os.cpus();
  const arch = { x64: 'x86_64', arm64: 'aarch64' }[os.arch()] ?? os.arch();
  const model = (cpus[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim();
  return [`${cpus.length}-core ${arch} ${model}`, chromium && `Chromium ${chromium}`, `Node ${process.versions.node}`, extra]
    .filter(Boolean).join(', ');
}

/** The clock in GHz: what the OS reports, else the CPU's name ("@ 2.50GHz"), else /proc/cpuinfo. */
export function cpuGhz() {
  const cpu = os.cpus()[0];
  if (cpu?.speed > 0) return cpu.speed / 1000;
  const named = /@\s*([\d.]+)\s*GHz/i.exec(cpu?.model ?? '');
  if (named) return Number(named[1]);
  const mhz = /cpu MHz\s*:\s*([\d.]+)/.exec(existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '');
  return mhz ? Number(mhz[1]) / 1000 : undefined;
}

/** A results file as JSON, or undefined when there is none (or it does not parse). */
export function readResults(file) {
  try { return JSON.parse(readFileSync(file, 'utf8')); } catch { return undefined; }
}

/**
 * The results document for `tables` (see report.mjs), printed as markdown tables (as the docs
 * will show them) and written to `file` when there is one. Throws before writing a malformed one.
 */
export function emitResults({ file, name, command, machine: machineLine, tables }) {
  const doc = resultsDocument({ name, command, machine: machineLine, tables });
  const bad = validateResults(doc);
  if (bad.length) throw new Error(`results ${name}: ${bad.join('; ')}`);
  for (const id of Object.keys(doc.tables)) console.log(`\n<!-- ${name}#${id} -->\n${renderTable(doc, id)}`);
  if (file) {
    const before = readResults(file);
    const dropped = Object.keys(before?.tables ?? {}).filter((id) => !(id in doc.tables));
    if (dropped.length) console.error(`${name}: ${file} had tables this run did not measure, now gone: ${dropped.join(', ')}`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${toJson(doc)}\n`);
    const shown = path.relative(process.cwd(), file);
    console.error(`${name}: wrote ${shown.startsWith('..') ? file : shown}`);
  }
  return doc;
}
