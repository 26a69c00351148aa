// The user's files: reading a table and splitting labelled rows into train and
// test. Both rules live in Rust (nunchi-tasks' table and split modules), so the
// package, the demo and the CLI's `nunchi eval` read a file the same way.
import { ensureWasm } from './runtime.js';
import { nunchiError } from './errors.js';
import { checkCallOptions } from './options.js';

/**
 * `{ columns, rows }` from a file's text: CSV when `name` ends in `.csv` (the
 * first row is the header; quoted fields, blank rows skipped, fields trimmed),
 * otherwise one row per non-blank line in a `text` column.
 */
export async function readTable(text, name = 'pasted') {
  if (typeof text !== 'string' || typeof name !== 'string') {
    throw nunchiError('E_INPUT', 'readTable: text and name must be strings');
  }
  return (await ensureWasm()).readTable(text, name);
}

const strings = (v) => Array.isArray(v) && v.every((s) => typeof s === 'string');

/**
 * The project's train/test split: `{ train, test, heldOut }`, positions into
 * `labels`. A `split` value ('train'/'test') decides where given; otherwise,
 * when every row is labelled, the rows whose data row index (`rows`, default
 * 0, 1, 2, …) is ≡ 0 mod 10 are test (`heldOut: true`); otherwise labelled rows
 * train and unlabelled ones ('' ) are test, to predict.
 */
export async function splitRows(labels, opts) {
  if (!strings(labels)) throw nunchiError('E_INPUT', 'splitRows: labels must be an array of strings');
  const { rows = labels.map((_, i) => i), split } = checkCallOptions('splitRows', opts);
  if (!(Array.isArray(rows) && rows.every((i) => Number.isInteger(i) && i >= 0))) {
    throw nunchiError('E_INPUT', 'splitRows: rows must be an array of data row indices');
  }
  if (split !== undefined && !strings(split)) throw nunchiError('E_INPUT', 'splitRows: split must be an array of strings');
  const wasm = await ensureWasm();
  const sides = wasm.splitRows(Uint32Array.from(rows), labels, split ?? []);
  return { train: Array.from(sides.train), test: Array.from(sides.test), heldOut: sides.heldOut };
}
