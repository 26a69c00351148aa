// Reading texts from pasted lines, TXT and CSV files (the package's readTable:
// the same parser as the CLI's); writing CSV for export.
import { readTable } from 'nunchi';

/** A dropped or chosen file as `{ name, columns, rows }` (CSV by its name, else one text per line). */
export const readFile = async (file) => ({ name: file.name, ...(await readTable(await file.text(), file.name)) });

/** Fetched text (a bundled sample) as `{ name, columns, rows }`. */
export const tableFromText = async (text, name) => ({ name, ...(await readTable(text, name)) });

const quote = (v) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** CSV text from a header and rows. */
export const toCsv = (header, rows) => [header, ...rows].map((r) => r.map(quote).join(',')).join('\n') + '\n';

/** Replaces `link`'s target with a Blob URL of `csv` (or other text of `type`), freeing the previous one. */
export function setDownload(link, csv, filename, type = 'text/csv') {
  if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([csv], { type }));
  link.download = filename;
}
