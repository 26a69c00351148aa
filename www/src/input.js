// The input block shared by both views: paste lines, drop or choose a CSV/TXT
// file, or load the bundled sample; pick the text (and label) column; limit rows.
import { h } from './ui.js';
import { readFile, tableFromText } from './data.js';

/**
 * Fills `container` and returns { get() } where get() gives
 * { texts, labels|null, split|null, name } for the rows to use.
 */
export function inputBlock(container, { id, pasteLabel, sample, sampleLabel, labelColumnName }) {
  let table = null; // from a file or the sample; null means the textarea
  const textarea = h('textarea', { id: `${id}-text`, rows: 6, placeholder: 'One text per line' });
  const file = h('input', { type: 'file', id: `${id}-file`, accept: '.csv,.txt,text/csv,text/plain' });
  const textCol = h('select', { id: `${id}-text-col` });
  const labelCol = h('select', { id: `${id}-label-col` });
  const limit = h('input', { type: 'number', id: `${id}-limit`, min: 1, step: 1, inputmode: 'numeric', placeholder: 'all' });
  const summary = h('p', { class: 'hint', id: `${id}-summary`, 'aria-live': 'polite' });
  const columns = h('div', { class: 'columns', hidden: true },
    h('label', { for: `${id}-text-col` }, 'Text column'), textCol,
    h('label', { for: `${id}-label-col` }, labelColumnName), labelCol);
  const clear = h('button', { type: 'button', hidden: true, onclick: () => useTable(null) }, 'Clear file');

  function useTable(t) {
    table = t;
    textarea.disabled = !!t;
    clear.hidden = !t;
    columns.hidden = !t || t.columns.length < 2;
    if (!t) { file.value = ''; summary.textContent = ''; return; }
    const opts = (sel, withNone) => sel.replaceChildren(
      ...(withNone ? [h('option', { value: '' }, '(none)')] : []),
      ...t.columns.map((c, i) => h('option', { value: String(i) }, c)));
    opts(textCol, false);
    opts(labelCol, true);
    const find = (names) => t.columns.findIndex((c) => names.includes(c.toLowerCase()));
    textCol.value = String(Math.max(0, find(['text', 'review', 'feedback', 'comment', 'message'])));
    const li = find(['label', 'category', 'sentiment', 'intent']);
    labelCol.value = li >= 0 ? String(li) : '';
    summary.textContent = `${t.name}: ${t.rows.length} rows, columns ${t.columns.join(', ')}.`;
  }

  file.addEventListener('change', async () => { if (file.files[0]) useTable(await readFile(file.files[0])); });
  container.addEventListener('dragover', (e) => { e.preventDefault(); container.classList.add('drop'); });
  container.addEventListener('dragleave', () => container.classList.remove('drop'));
  container.addEventListener('drop', async (e) => {
    e.preventDefault();
    container.classList.remove('drop');
    const f = e.dataTransfer.files[0];
    if (f) useTable(await readFile(f));
  });
  const sampleButton = h('button', { type: 'button', id: `${id}-sample`, class: 'sample', onclick: async () => {
    const res = await fetch(sample.url);
    useTable(tableFromText(await res.text(), sample.name));
    if (sample.limit) limit.value = String(sample.limit);
  } }, sampleLabel);

  container.append(
    h('div', { class: 'sample-row' }, sampleButton, h('span', { class: 'hint' }, 'bundled with this page')),
    h('label', { for: `${id}-text` }, pasteLabel), textarea,
    h('div', { class: 'file-row' },
      h('label', { for: `${id}-file` }, 'Or choose (or drop here) a CSV or TXT file'), file, clear),
    summary, columns,
    h('div', { class: 'limit-row' }, h('label', { for: `${id}-limit` }, 'Rows to use (first N)'), limit),
  );

  return {
    get() {
      const n = Number(limit.value) > 0 ? Number(limit.value) : Infinity;
      if (!table) {
        const texts = textarea.value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).slice(0, n);
        return { texts, labels: null, split: null, name: 'pasted' };
      }
      const rows = table.rows.slice(0, n);
      const ti = Number(textCol.value);
      const li = labelCol.value === '' ? -1 : Number(labelCol.value);
      const si = table.columns.findIndex((c) => c.toLowerCase() === 'split');
      const keep = rows.filter((r) => r[ti]);
      return {
        texts: keep.map((r) => r[ti]),
        labels: li >= 0 ? keep.map((r) => r[li]) : null,
        split: si >= 0 && si !== ti && si !== li ? keep.map((r) => r[si].toLowerCase()) : null,
        name: table.name,
      };
    },
  };
}
