// The docs: generated figures in sync with bench/results/*.json, the README short, every relative
// link resolving (anchors included), and no notes about internal work items. Fast: no build, no
// browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { checkDocs, defaultFiles, renderDocs, renderTable, formatCell, findBlocks, validateResults } from '../../bench/render-docs.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const files = defaultFiles(root);
const read = (f) => readFileSync(path.join(root, f), 'utf8');

/** A copy of the markdown files and bench/results/ in a temporary directory. */
function tempCopy() {
  const dir = mkdtempSync(path.join(tmpdir(), 'nunchi-docs-'));
  for (const f of files) cpSync(path.join(root, f), path.join(dir, f), { recursive: true });
  cpSync(path.join(root, 'bench/results'), path.join(dir, 'bench/results'), { recursive: true });
  return dir;
}

test('the markdown files are the README, the manual and the two package pages', () => {
  for (const f of ['README.md', 'docs/README.md', 'pkg/README.md', 'www/README.md']) assert.ok(files.includes(f), f);
});

test('every figures table matches its JSON (node bench/render-docs.mjs --check)', () => {
  const problems = checkDocs({ root });
  assert.deepEqual(problems.map((p) => `${p.file}:${p.line}: ${p.message}`), []);
  const blocks = files.flatMap((f) => findBlocks(read(f)).blocks);
  assert.ok(blocks.length >= 10, `only ${blocks.length} figures blocks`);
  assert.ok(findBlocks(read('README.md')).blocks.length >= 1, 'the README shows generated headline figures');
});

test('a changed number in a results file makes the check fail, and rendering fixes it', () => {
  const dir = tempCopy();
  try {
    const file = path.join(dir, 'bench/results/browser.json');
    const results = JSON.parse(readFileSync(file, 'utf8'));
    results.tables['embed-1-thread'].rows[0][1] += 1;
    const changed = results.tables['embed-1-thread'].rows[0][1].toFixed(1).replace('.', '\\.');
    writeFileSync(file, JSON.stringify(results));
    const problems = checkDocs({ root: dir });
    assert.ok(problems.length > 0, 'the check passed on a changed number');
    assert.ok(problems.every((p) => p.stale && p.message.includes('browser.json#embed-1-thread')), JSON.stringify(problems));
    assert.ok(problems.some((p) => p.file === 'README.md'));

    const r = renderDocs({ root: dir, write: true });
    assert.ok(r.changed.includes('README.md'));
    assert.deepEqual(checkDocs({ root: dir }), []);
    assert.match(readFileSync(path.join(dir, 'README.md'), 'utf8'), new RegExp(`\\| MiniLM q8 emb/s, batch 1 \\| ${changed} \\|`));
    // The real files are untouched.
    assert.deepEqual(checkDocs({ root }), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing results file or table is named', () => {
  const dir = tempCopy();
  try {
    writeFileSync(path.join(dir, 'docs/extra.md'), [
      '<!-- figures: bench/results/nope.json#x -->', '<!-- /figures -->',
      '<!-- figures: bench/results/browser.json#no-such-table -->', '<!-- /figures -->',
      '<!-- figures: bench/results/browser.json#load -->', '',
    ].join('\n'));
    const messages = checkDocs({ root: dir, files: ['docs/extra.md'] }).map((p) => p.message);
    assert.ok(messages.some((m) => m.includes('missing file bench/results/nope.json')), messages.join('\n'));
    assert.ok(messages.some((m) => m.includes('no table "no-such-table"')), messages.join('\n'));
    assert.ok(messages.some((m) => m.includes('no <!-- /figures -->')), messages.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cells: digits, per-column digits, thousands, null as a dash, pipes escaped', () => {
  assert.equal(formatCell(54.06), '54.1');
  assert.equal(formatCell(1854, 0), '1,854');
  assert.equal(formatCell(0.9982, 4), '0.9982');
  assert.equal(formatCell(null), '—');
  assert.equal(formatCell('a|b'), 'a\\|b');
  const md = renderTable({
    name: 't', command: 'npm run bench:t', date: '2026-11-30', machine: 'a machine',
    tables: { x: { caption: 'A caption', columns: ['', 'a', 'b'], rows: [['r', 1.25, 3]], digits: 1, columnDigits: [null, 2, null] } },
  }, 'x');
  assert.equal(md, [
    '| | a | b |',
    '|---|---:|---:|',
    '| r | 1.25 | 3.0 |',
    '',
    '*A caption. Measured with `npm run bench:t` on 2026-11-30; a machine.*',
  ].join('\n'));
});

test('every results file has the shared schema', () => {
  const dir = path.join(root, 'bench/results');
  const jsons = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(jsons.length > 0);
  for (const f of jsons) {
    const r = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
    assert.deepEqual(validateResults(r), [], f);
    assert.match(r.date, /^\d{4}-\d{2}-\d{2}$/, `${f}: date`);
  }
});

test('the README is at most 250 lines and names the two set-up commands', () => {
  const text = read('README.md');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  assert.ok(lines <= 250, `README.md has ${lines} lines`);
  for (const s of ['./scripts/demo.sh', './scripts/test.sh', '.ci/run']) assert.ok(text.includes(s), s);
});

/** GitHub's heading anchors for a markdown text. */
function anchors(text) {
  const seen = new Map();
  const out = new Set();
  for (const line of stripCode(text, false).split('\n')) {
    const m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const heading = m[2].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    let slug = heading.toLowerCase().replace(/<[^>]+>/g, '').replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    if (n > 0) slug = `${slug}-${n}`;
    out.add(slug);
  }
  return out;
}

/** The text with fenced code blocks (and inline code, unless `inline` is false) blanked out. */
function stripCode(text, inline = true) {
  let inFence = false;
  return text.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) { inFence = !inFence; return ''; }
    if (inFence) return '';
    return inline ? line.replace(/`[^`]*`/g, '``') : line;
  }).join('\n');
}

function links(text) {
  const out = [];
  const re = /!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
  stripCode(text).split('\n').forEach((line, i) => {
    for (const m of line.matchAll(re)) out.push({ target: m[1], line: i + 1 });
  });
  return out;
}

test('every relative link in the docs resolves, anchors included', () => {
  const broken = [];
  for (const f of files) {
    const text = read(f);
    for (const { target, line } of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;   // https:, mailto:
      const [p, anchor] = target.split('#');
      const full = p ? path.resolve(path.dirname(path.join(root, f)), decodeURIComponent(p)) : path.join(root, f);
      if (!existsSync(full)) { broken.push(`${f}:${line}: ${target} (no such file)`); continue; }
      if (anchor && statSync(full).isFile() && full.endsWith('.md') && !anchors(readFileSync(full, 'utf8')).has(anchor)) {
        broken.push(`${f}:${line}: ${target} (no such heading)`);
      }
    }
  }
  assert.deepEqual(broken, []);
});

// Notes about how the work was organised, not about the software. "Task" in the ML sense
// (classification tasks) and "stop words" are fine.
const WORK_ITEM = [
  /\bissues?\b/i, /\bissue'?s\b/i, /(^|\s)#\d+\b/, /\b(CPU-speed|WebGPU|npm package) (work|notes)\b/i,
  /\bthis task\b/i, /\bthe task's\b/i, /\bin this task\b/i, /\bsession\b/i, /\bthis PR\b/i, /\bpull request\b/i,
  /\bas asked\b/i, /\bthe brief\b/i, /\bwork items?\b/i, /\bwas lent\b/i, /\bwe stopped\b/i, /\bstop here\b/i,
];

test('no sentence about internal work items', () => {
  const found = [];
  for (const f of files) {
    read(f).split('\n').forEach((line, i) => {
      for (const re of WORK_ITEM) if (re.test(line)) found.push(`${f}:${i + 1}: ${re} in: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, []);
});

test('docs/errors.md lists the package\'s ErrorCode type, and every code the JavaScript raises', () => {
  const documented = read('docs/errors.md').split('\n').filter((l) => l.startsWith('| `')).map((l) => l.split('`')[1]);
  const union = read('pkg/index.d.ts').match(/export type ErrorCode = ([^;]+);/)[1].match(/'E_[A-Z_]+'/g).map((c) => c.slice(1, -1));
  assert.deepEqual([...union].sort(), [...documented].sort());
  const raised = new Set();
  for (const f of readdirSync(path.join(root, 'pkg')).filter((n) => n.endsWith('.js'))) {
    for (const m of read(`pkg/${f}`).matchAll(/nunchiError\('(E_[A-Z_]+)'/g)) raised.add(m[1]);
  }
  assert.ok(raised.size >= 4, [...raised].join());
  for (const code of raised) assert.ok(documented.includes(code), `${code} is raised but not in docs/errors.md`);
});

test('docs/migration.md lists every transformers.js option the pipeline knows, under its call', async () => {
  const { PIPELINE_OPTIONS } = await import('../../pkg/pipeline-options.js');
  const text = read('docs/migration.md');
  for (const [call, options] of Object.entries(PIPELINE_OPTIONS)) {
    const heading = call === 'pipeline' ? '### pipeline(task, model, options)' : `### ${call}`;
    const start = text.indexOf(`${heading}\n`);
    assert.ok(start >= 0, `docs/migration.md has no section "${heading}"`);
    const next = text.indexOf('\n#', start + heading.length);
    const section = text.slice(start, next < 0 ? undefined : next);
    for (const name of Object.keys(options)) assert.ok(section.includes(`\`${name}\``), `${call}: option ${name} is not in its table`);
  }
});
