#!/usr/bin/env node
// Renders the figures tables in the docs from the JSON results in bench/results/.
//
//   node bench/render-docs.mjs            rewrite every figures block from its JSON
//   node bench/render-docs.mjs --check    exit 1, listing every block that differs from its JSON
//                                         (or names a missing file or table); exit 0 otherwise
//   options: --root DIR (default: the repository), and markdown files (relative to the root)
//            to process instead of the default set (README.md, docs/*.md, pkg/README.md, www/README.md)
//
// A block is
//
//   <!-- figures: bench/results/browser.json#embed-1-thread -->
//   …rendered table…
//   <!-- /figures -->
//
// The JSON path is relative to the repository root. A results file is
//
//   { "name": "browser", "command": "npm run bench:browser", "date": "2026-11-27",
//     "machine": "2-core x86_64 …", "tables": { "<id>": {
//       "caption": "optional one line", "columns": ["", "a", "b"],
//       "rows": [["batch 1", 54.1, "1.05×"]], "digits": 1, "columnDigits": [null, 1, 2] } } }
//
// Cells are strings, numbers or null. Numbers are printed with `digits` decimals (default 1),
// or the column's entry in `columnDigits` when it is a number, with thousands separators;
// null prints as —. Plain Node ≥ 18, no dependencies.

import { readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const OPEN = /<!--\s*figures:\s*([^\s#]+)#([A-Za-z0-9_-]+)\s*-->/g;
const CLOSE = /<!--\s*\/figures\s*-->/g;

/** The markdown files that may hold figures blocks, relative to `root`. */
export function defaultFiles(root = REPO_ROOT) {
  const files = ['README.md'];
  const docs = path.join(root, 'docs');
  if (existsSync(docs)) {
    for (const f of readdirSync(docs).sort()) if (f.endsWith('.md')) files.push(`docs/${f}`);
  }
  for (const f of ['pkg/README.md', 'www/README.md']) if (existsSync(path.join(root, f))) files.push(f);
  return files;
}

/** Formats one cell. */
export function formatCell(value, digits = 1) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') {
    return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: true });
  }
  return String(value).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** Problems with a results file's shape, as strings (empty when it is well formed). */
export function validateResults(results) {
  const problems = [];
  if (typeof results !== 'object' || results === null || Array.isArray(results)) return ['not a JSON object'];
  for (const key of ['name', 'command', 'date', 'machine']) {
    if (typeof results[key] !== 'string') problems.push(`"${key}" must be a string`);
  }
  if (typeof results.tables !== 'object' || results.tables === null || Array.isArray(results.tables)) {
    problems.push('"tables" must be an object');
    return problems;
  }
  for (const [id, t] of Object.entries(results.tables)) {
    if (!Array.isArray(t?.columns)) { problems.push(`table ${id}: "columns" must be an array`); continue; }
    if (!Array.isArray(t.rows)) { problems.push(`table ${id}: "rows" must be an array`); continue; }
    t.rows.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== t.columns.length) {
        problems.push(`table ${id}: row ${i} must have ${t.columns.length} cells`);
      } else if (row.some((c) => c !== null && typeof c !== 'string' && typeof c !== 'number')) {
        problems.push(`table ${id}: row ${i} has a cell that is not a string, a number or null`);
      }
    });
    if (t.digits !== undefined && !Number.isInteger(t.digits)) problems.push(`table ${id}: "digits" must be an integer`);
    if (t.columnDigits !== undefined && !Array.isArray(t.columnDigits)) problems.push(`table ${id}: "columnDigits" must be an array`);
  }
  return problems;
}

/** The markdown for one table of a results file: the table, a blank line, and an italic source note. */
export function renderTable(results, tableId) {
  const t = results.tables[tableId];
  const digitsOf = (i) => (Number.isInteger(t.columnDigits?.[i]) ? t.columnDigits[i] : Number.isInteger(t.digits) ? t.digits : 1);
  const numeric = t.columns.map((_, i) => i > 0 && t.rows.some((r) => typeof r[i] === 'number')
    && t.rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  const line = (cells) => `|${cells.map((c) => (c === '' ? ' ' : ` ${c} `)).join('|')}|`;
  const out = [
    line(t.columns.map((c) => formatCell(c))),
    `|${t.columns.map((_, i) => (numeric[i] ? '---:' : '---')).join('|')}|`,
    ...t.rows.map((row) => line(row.map((c, i) => formatCell(c, digitsOf(i))))),
  ];
  const caption = t.caption ? `${formatCell(t.caption).replace(/[.\s]+$/, '')}. ` : '';
  out.push('', `*${caption}Measured with \`${results.command}\` on ${results.date}; ${results.machine}.*`);
  return out.join('\n');
}

/** The text that belongs between a block's markers. */
export function blockBody(results, tableId) {
  return `\n\n${renderTable(results, tableId)}\n\n`;
}

/** Every figures block in `text`: { spec, file, table, line, bodyStart, bodyEnd }, plus marker problems. */
export function findBlocks(text) {
  const blocks = [];
  const problems = [];
  const lineAt = (i) => text.slice(0, i).split('\n').length;
  const closes = [...text.matchAll(CLOSE)].map((m) => ({ index: m.index, length: m[0].length }));
  const opens = [...text.matchAll(OPEN)];
  let used = 0;
  for (let k = 0; k < opens.length; k++) {
    const m = opens[k];
    const bodyStart = m.index + m[0].length;
    const close = closes.find((c) => c.index >= bodyStart);
    const nextOpen = opens[k + 1]?.index ?? Infinity;
    if (!close || close.index > nextOpen) {
      problems.push({ line: lineAt(m.index), message: `figures block ${m[1]}#${m[2]} has no <!-- /figures --> before the next block` });
      continue;
    }
    used++;
    blocks.push({ spec: `${m[1]}#${m[2]}`, file: m[1], table: m[2], line: lineAt(m.index), bodyStart, bodyEnd: close.index });
  }
  if (closes.length > used) {
    const orphan = closes.find((c) => !blocks.some((b) => b.bodyEnd === c.index));
    if (orphan) problems.push({ line: lineAt(orphan.index), message: '<!-- /figures --> without an opening marker' });
  }
  return { blocks, problems };
}

/**
 * Renders every block of one markdown text. `load(file)` returns the parsed results of a JSON
 * path as written in the marker (throws when it cannot). Returns { text, blocks, problems };
 * each block has `same` (whether its body already matched).
 */
export function renderText(text, load) {
  const { blocks, problems } = findBlocks(text);
  let out = '';
  let at = 0;
  for (const b of blocks) {
    let results;
    try {
      results = load(b.file);
    } catch (e) {
      problems.push({ line: b.line, message: `${b.spec}: ${e.message}` });
      continue;
    }
    if (!results.tables || !Object.hasOwn(results.tables, b.table)) {
      problems.push({ line: b.line, message: `${b.spec}: no table "${b.table}" in ${b.file}` });
      continue;
    }
    const body = blockBody(results, b.table);
    b.same = text.slice(b.bodyStart, b.bodyEnd) === body;
    if (!b.same) problems.push({ line: b.line, message: `${b.spec}: the table differs from its JSON`, stale: true });
    out += text.slice(at, b.bodyStart) + body;
    at = b.bodyEnd;
  }
  out += text.slice(at);
  return { text: out, blocks, problems };
}

/** A loader of results files under `root`, caching each, validating its shape. */
export function resultsLoader(root = REPO_ROOT) {
  const cache = new Map();
  return (file) => {
    if (!cache.has(file)) {
      const full = path.resolve(root, file);
      let value;
      try {
        if (!existsSync(full)) throw new Error(`missing file ${file}`);
        value = JSON.parse(readFileSync(full, 'utf8'));
        const bad = validateResults(value);
        if (bad.length) throw new Error(`${file}: ${bad.join('; ')}`);
      } catch (e) {
        value = e;
      }
      cache.set(file, value);
    }
    const v = cache.get(file);
    if (v instanceof Error) throw v;
    return v;
  };
}

/**
 * Renders (and with write: true, rewrites) the figures blocks of `files` under `root`.
 * Returns { problems: [{ file, line, message, stale? }], changed: [file], blocks: n }.
 */
export function renderDocs({ root = REPO_ROOT, files = defaultFiles(root), write = false } = {}) {
  const load = resultsLoader(root);
  const problems = [];
  const changed = [];
  let count = 0;
  for (const file of files) {
    const full = path.resolve(root, file);
    if (!existsSync(full)) {
      problems.push({ file, line: 0, message: 'missing markdown file' });
      continue;
    }
    const text = readFileSync(full, 'utf8');
    const r = renderText(text, load);
    count += r.blocks.length;
    for (const p of r.problems) problems.push({ file, ...p });
    if (r.text !== text) {
      changed.push(file);
      if (write) writeFileSync(full, r.text);
    }
  }
  return { problems, changed, blocks: count };
}

/** Same as `node bench/render-docs.mjs --check`: the problems, [] when every block is in sync. */
export function checkDocs(options = {}) {
  return renderDocs({ ...options, write: false }).problems;
}

function main(argv) {
  const args = argv.slice(2);
  const check = args.includes('--check');
  let root = REPO_ROOT;
  const files = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--check') continue;
    if (args[i] === '--root') root = path.resolve(args[++i]);
    else if (args[i] === '--help' || args[i] === '-h') {
      console.log('usage: node bench/render-docs.mjs [--check] [--root DIR] [FILE.md …]');
      return 0;
    } else if (args[i].startsWith('--')) {
      console.error(`render-docs: unknown option ${args[i]}`);
      return 2;
    } else files.push(args[i]);
  }
  const r = renderDocs({ root, files: files.length ? files : defaultFiles(root), write: !check });
  const fixed = check ? [] : r.problems.filter((p) => p.stale);
  const remaining = r.problems.filter((p) => !fixed.includes(p));
  for (const p of remaining) console.error(`${p.file}:${p.line}: ${p.message}`);
  if (check) {
    if (remaining.length) console.error(`render-docs: ${remaining.length} figures block(s) out of sync; run \`npm run docs:figures\``);
    else console.log(`render-docs: ${r.blocks} figures block(s) in sync`);
  } else {
    for (const f of r.changed) console.log(`rewrote ${f}`);
    console.log(`render-docs: ${r.blocks} figures block(s), ${r.changed.length} file(s) rewritten`);
  }
  return remaining.length ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv);
}
