// Reading texts from pasted lines, TXT and CSV files; writing CSV for export.

/** RFC 4180 CSV: quoted fields, doubled quotes, LF or CRLF line ends. Blank lines are skipped. */
export function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  const end = () => { row.push(field); field = ''; if (row.some((f) => f.trim() !== '')) rows.push(row); row = []; };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') { if (c === '\r' && text[i + 1] === '\n') i++; end(); }
    else field += c;
  }
  if (field !== '' || row.length) end();
  return rows;
}

/**
 * A table from a file's text: CSV (first row is the header) or plain lines.
 * Returns { name, columns, rows } where rows are arrays of strings.
 */
export function tableFromText(text, name = 'pasted') {
  text = text.replace(/^\uFEFF/, '');
  if (/\.csv$/i.test(name)) {
    const [header = [], ...rows] = parseCsv(text);
    const columns = header.map((h, i) => h.trim() || `column ${i + 1}`);
    return { name, columns, rows: rows.map((r) => columns.map((_, i) => (r[i] ?? '').trim())) };
  }
  const rows = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).map((l) => [l]);
  return { name, columns: ['text'], rows };
}

export const readFile = (file) => file.text().then((t) => tableFromText(t, file.name));

const quote = (v) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** CSV text from a header and rows. */
export const toCsv = (header, rows) => [header, ...rows].map((r) => r.map(quote).join(',')).join('\n') + '\n';

/** Replaces `link`'s target with a Blob URL of `csv` (freeing the previous one). */
export function setDownload(link, csv, filename) {
  if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  link.download = filename;
}
