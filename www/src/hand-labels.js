// "Label a few rows by hand" for "train on my labels" when the input has no
// label column: the texts in a table with a label box per row. Boxes suggest the
// labels already in use (a <datalist>); any label can be typed. Labels are kept
// by text, so they survive a new row limit or a language switch.
import { h, ht } from './ui.js';
import { t } from './i18n.js';

const MAX_ROWS = 100; // enough to label "a few"; the rest are predicted

export function handLabels(container, { texts, suggestions }) {
  const labels = new Map(); // text → label
  const options = h('datalist', { id: 'hand-label-options' });
  const count = h('p', { class: 'hint', id: 'hand-count', 'aria-live': 'polite' });
  const body = h('tbody');
  const table = h('table', { class: 'results', id: 'hand-table' },
    h('thead', {}, h('tr', {}, ht('th', 'hand.text', { scope: 'col' }), ht('th', 'hand.label', { scope: 'col' }))), body);

  const refresh = () => {
    const used = [...new Set([...suggestions(), ...labels.values()])].filter(Boolean);
    options.replaceChildren(...used.map((l) => h('option', { value: l })));
    count.textContent = t('hand.count', { n: labels.size });
  };

  /** Draws the current texts (the first MAX_ROWS) with their labels so far. */
  function draw() {
    body.replaceChildren(...texts().slice(0, MAX_ROWS).map((text, i) => {
      const box = h('input', { type: 'text', list: 'hand-label-options', class: 'hand-label', value: labels.get(text) ?? '',
        'aria-label': t('hand.labelFor', { n: i + 1 }) });
      box.addEventListener('input', () => {
        const value = box.value.trim();
        if (value) labels.set(text, value); else labels.delete(text);
        refresh();
      });
      return h('tr', {}, h('td', { class: 'text' }, text), h('td', {}, box));
    }));
    container.hidden = false;
    refresh();
  }

  container.append(count, options, h('div', { class: 'table-wrap' }, table));
  container.hidden = true;
  return {
    draw,
    /** Labels for `rows` ('' where none was given), or null when nothing was labelled by hand. */
    labelsFor: (rows) => (labels.size ? rows.map((text) => labels.get(text) ?? '') : null),
  };
}
