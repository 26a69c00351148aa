// Sorting and filtering for a results table, on the table's own rows: a button
// in each sortable column header (aria-sort says the order), a text search and a
// label filter (with "only mistakes" when true labels are known). Plain DOM, so
// the table stays a real, accessible <table> for screen readers and keyboards.
import { h } from './ui.js';
import { t } from './i18n.js';

const WRONG = '\u0000wrong'; // the "only mistakes" option; no label can equal it

/**
 * `table`: header cells with data-sort="text" | "number" are sortable ("number"
 * reads each cell's data-value); rows carry data-label, data-search (lower-case
 * text) and, when the truth is known, data-ok. Returns the controls to put above it.
 */
export function tableTools(table, { id, labels, hasTruth }) {
  const body = table.tBodies[0];
  const rows = [...body.rows];
  const search = h('input', { type: 'search', id: `${id}-filter`, placeholder: t('table.filterText'), 'aria-label': t('table.filterText') });
  const label = h('select', { id: `${id}-filter-label`, 'aria-label': t('table.filterLabel') },
    h('option', { value: '' }, t('table.allLabels')),
    labels.map((l) => h('option', { value: l }, l)),
    hasTruth ? h('option', { value: WRONG }, t('table.wrongOnly')) : null);
  const count = h('span', { class: 'muted', id: `${id}-shown`, 'aria-live': 'polite' });

  const filter = () => {
    const q = search.value.trim().toLowerCase();
    let shown = 0;
    for (const r of rows) {
      const keep = (!q || r.dataset.search.includes(q))
        && (!label.value || (label.value === WRONG ? r.dataset.ok === 'false' : r.dataset.label === label.value));
      r.hidden = !keep;
      if (keep) shown += 1;
    }
    count.textContent = t('table.showing', { shown, total: rows.length });
  };
  search.addEventListener('input', filter);
  label.addEventListener('change', filter);

  const heads = [...table.tHead.rows[0].cells];
  for (const [col, th] of heads.entries()) {
    const kind = th.dataset.sort;
    if (!kind) continue;
    const button = h('button', { type: 'button', class: 'sort' }, ...th.childNodes);
    th.replaceChildren(button);
    button.addEventListener('click', () => {
      // Numbers (confidence) read best highest first; text A to Z.
      const first = kind === 'number' ? 'descending' : 'ascending';
      const current = th.getAttribute('aria-sort');
      const order = current === first ? (first === 'ascending' ? 'descending' : 'ascending') : first;
      for (const other of heads) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', order);
      const value = (r) => (kind === 'number' ? Number(r.cells[col].dataset.value) : r.cells[col].textContent);
      const sign = order === 'ascending' ? 1 : -1;
      rows.sort((a, b) => {
        const x = value(a), y = value(b);
        return sign * (kind === 'number' ? x - y : x.localeCompare(y));
      });
      body.append(...rows);
    });
  }
  filter();
  return h('div', { class: 'table-tools' }, search, label, count);
}
