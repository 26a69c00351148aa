// The input block shared by both views: paste lines, drop or choose a CSV/TXT
// file, or load the bundled sample; pick the text (and label) column; limit rows.
// A language switch keeps what the user pasted or chose, and swaps a bundled
// sample for the new language's.
import { h, ht } from './ui.js';
import { detectLanguage } from 'nunchi';
import { t, lang, setLang, onLangChange } from './i18n.js';
import { readFile, tableFromText } from './data.js';

/**
 * Fills `container` and returns { get() } where get() gives
 * { texts, labels|null, split|null, rows, name } for the rows to use: rows
 * with an empty text are left out, and `rows` gives each kept text's data row
 * in the file (the train/test rule counts the rows left out too).
 * Its words are the i18n strings `${id}.paste`, `.sample`, `.sampleHint` and
 * `.labelColumn`; `sample()` gives the current language's { url, name, limit }.
 * With `dates: true` there is a date column too (`${id}.dateColumn`; none unless
 * a column is named date, created, created_at or timestamp), and get() gives
 * `dates` (one string per kept text, or null when no date column is chosen).
 */
export function inputBlock(container, { id, sample, dates: withDates = false }) {
  let table = null; // from a file or the sample; null means the textarea
  const textarea = h('textarea', { id: `${id}-text`, rows: 6, placeholder: t('input.placeholder'), 'data-i18n-attr': 'placeholder:input.placeholder' });
  const file = h('input', { type: 'file', id: `${id}-file`, accept: '.csv,.txt,text/csv,text/plain' });
  const textCol = h('select', { id: `${id}-text-col` });
  const labelCol = h('select', { id: `${id}-label-col` });
  const dateCol = withDates ? h('select', { id: `${id}-date-col` }) : null;
  const limit = h('input', { type: 'number', id: `${id}-limit`, min: 1, step: 1, inputmode: 'numeric', placeholder: 'all' });
  const summary = h('p', { class: 'hint', id: `${id}-summary`, 'aria-live': 'polite' });
  const columns = h('div', { class: 'columns', hidden: true },
    ht('label', 'input.textColumn', { for: `${id}-text-col` }), textCol,
    ht('label', `${id}.labelColumn`, { for: `${id}-label-col` }), labelCol,
    ...(dateCol ? [ht('label', `${id}.dateColumn`, { for: `${id}-date-col` }), dateCol] : []));
  const clear = ht('button', 'input.clear', { type: 'button', hidden: true, onclick: () => useTable(null) });
  // Which encoder suits the texts: the English page runs MiniLM, the Korean one multilingual-e5.
  const languageHint = h('p', { class: 'hint language-hint', id: `${id}-language`, hidden: true, 'aria-live': 'polite' });
  const describe = () => {
    summary.textContent = table ? t('input.summary', { name: table.name, rows: table.rows.length, columns: table.columns.join(', ') }) : '';
  };

  /** Says so when the texts do not suit the encoder of the page's language (Korean texts on the English page). */
  async function suggestEncoder() {
    const texts = api.get().texts.slice(0, 200);
    const report = texts.length && lang() === 'en' ? await detectLanguage(texts) : null;
    if (!report || report.english || report.language === 'und') { languageHint.hidden = true; return; }
    languageHint.replaceChildren(...(report.language === 'ko'
      ? [t('input.looksKorean'), ' ', ht('button', 'input.useKorean', { type: 'button', class: 'link', onclick: () => setLang('ko') })]
      : [t('input.notEnglish', { language: report.language })]));
    languageHint.hidden = false;
  }
  let typing;
  textarea.addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(suggestEncoder, 400); });

  function useTable(next) {
    table = next;
    textarea.disabled = !!next;
    clear.hidden = !next;
    columns.hidden = !next || next.columns.length < 2;
    describe();
    if (!next) { file.value = ''; return; }
    const opts = (sel, withNone) => sel.replaceChildren(
      ...(withNone ? [ht('option', 'input.none', { value: '' })] : []),
      ...next.columns.map((c, i) => h('option', { value: String(i) }, c)));
    opts(textCol, false);
    opts(labelCol, true);
    const find = (names) => next.columns.findIndex((c) => names.includes(c.toLowerCase()));
    textCol.value = String(Math.max(0, find(['text', 'review', 'feedback', 'comment', 'message'])));
    const li = find(['label', 'category', 'sentiment', 'intent']);
    labelCol.value = li >= 0 ? String(li) : '';
    if (dateCol) {
      opts(dateCol, true);
      const di = find(['date', 'created', 'created_at', 'timestamp']);
      dateCol.value = di >= 0 ? String(di) : '';
    }
    suggestEncoder();
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
  async function loadSample() {
    const { url, name, limit: n } = sample();
    const res = await fetch(url);
    useTable({ ...(await tableFromText(await res.text(), name)), sampleUrl: url });
    file.value = ''; // the chosen file is no longer what is used
    if (n) limit.value = String(n);
  }
  const sampleButton = ht('button', `${id}.sample`, { type: 'button', id: `${id}-sample`, class: 'sample', onclick: loadSample });

  container.append(
    h('div', { class: 'sample-row' }, sampleButton, ht('span', `${id}.sampleHint`, { class: 'hint' })),
    ht('label', `${id}.paste`, { for: `${id}-text` }), textarea,
    h('div', { class: 'file-row' }, ht('label', 'input.file', { for: `${id}-file` }), file, clear),
    summary, columns, languageHint,
    h('div', { class: 'limit-row' }, ht('label', 'input.limit', { for: `${id}-limit` }), limit),
  );

  onLangChange(() => {
    // Only the bundled sample is swapped; pasted text and the user's own file stay as they are.
    if (table?.sampleUrl && table.sampleUrl !== sample().url) loadSample();
    else describe();
    suggestEncoder();
  });

  const api = {
    get() {
      const n = Number(limit.value) > 0 ? Number(limit.value) : Infinity;
      if (!table) {
        const texts = textarea.value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).slice(0, n);
        return { texts, labels: null, split: null, dates: null, rows: texts.map((_, i) => i), name: 'pasted' };
      }
      const rows = table.rows.slice(0, n);
      const ti = Number(textCol.value);
      const li = labelCol.value === '' ? -1 : Number(labelCol.value);
      const si = table.columns.findIndex((c) => c.toLowerCase() === 'split');
      const di = dateCol && dateCol.value !== '' ? Number(dateCol.value) : -1;
      const kept = rows.map((_, i) => i).filter((i) => rows[i][ti]);
      return {
        texts: kept.map((i) => rows[i][ti]),
        labels: li >= 0 ? kept.map((i) => rows[i][li]) : null,
        dates: di >= 0 ? kept.map((i) => rows[i][di]) : null,
        split: si >= 0 && si !== ti && si !== li ? kept.map((i) => rows[i][si]) : null,
        rows: kept,
        name: table.name,
      };
    },
  };
  return api;
}
