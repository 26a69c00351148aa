// The feedback explorer's pictures of a topic model (Observable Plot) and its
// cards: the silhouette curve behind an automatic k, the map of texts, topic
// sizes over time, one card per topic (rename, merge) and the texts placed in
// saved topics. Plain functions from data to DOM; explorer.js owns the state.
import * as Plot from '@observablehq/plot';
import { t, lang } from './i18n.js';
import { h, pct } from './ui.js';
import { tableTools } from './table-tools.js';

// Tableau 10 with its grey swapped for navy: grey is kept for "other".
const PALETTE = ['#4e79a7', '#f28e2c', '#e15759', '#76b7b2', '#59a14f', '#edc949', '#af7aa1', '#ff9da7', '#9c755f', '#2f4b7c'];
const OTHER = '#b8bcc4';
const ACCENT = '#1d4ed8';

/** How a topic is shown in legends, menus and tables: its number and name (names need not be unique). */
export const topicLabel = (names, i) => `${i + 1}. ${names[i]}`;
const topicColor = (i) => PALETTE[i % PALETTE.length];

/** A chart's width: the results column's less the figure's frame (and `inset` more), at most `max`. */
const widthIn = (container, max, inset = 0) => Math.max(240, Math.min(max, (container?.clientWidth || max) - 28 - inset));

/** "6 and 9", "6, 8 and 9" (or the UI language's way of listing). */
const list = (items) => new Intl.ListFormat(lang(), { type: 'conjunction' }).format(items.map(String));

/** The silhouette per k when k was chosen, the chosen k marked, and how sure the choice is. */
export function kChoice({ k, kScores, kClose }, container) {
  const data = kScores.map(([kk, s]) => ({ k: kk, s }));
  const at = { x: 'k', y: 's' };
  const plot = Plot.plot({
    width: widthIn(container, 420), height: 190, marginLeft: 52, insetTop: 18, insetLeft: 8, insetRight: 8,
    x: { label: t('fb.kAxis'), ticks: data.map((d) => d.k), tickFormat: 'd', labelAnchor: 'center', labelArrow: 'none' },
    y: { label: t('fb.silhouette'), grid: true, nice: true, ticks: 4 },
    marks: [
      Plot.line(data, { ...at, stroke: '#8a93a3' }),
      Plot.dot(data, { ...at, fill: '#fff', stroke: '#4b5260', r: 3.5, tip: true, title: (d) => `k = ${d.k}: ${d.s.toFixed(3)}` }),
      Plot.dot(data.filter((d) => kClose.includes(d.k)), { ...at, fill: '#f59e0b', stroke: '#7a3f00', r: 5 }),
      Plot.dot(data.filter((d) => d.k === k), { ...at, fill: ACCENT, r: 6.5 }),
      Plot.text(data.filter((d) => d.k === k), { ...at, text: (d) => `k = ${d.k}`, dy: -14, fontWeight: 600, fontSize: 12 }),
    ],
  });
  const sentence = !kClose.length ? t('fb.kClear', { k })
    : t(kClose.length === 1 ? 'fb.kCloseOne' : 'fb.kCloseMany', { k, others: list(kClose) });
  return h('figure', { class: 'chart k-choice', id: 'fb-k-choice' },
    h('p', { class: 'chart-title' }, t('fb.kTitle')),
    h('p', { id: 'fb-k-sentence', 'data-close': kClose.join(',') }, sentence),
    plot,
    h('figcaption', {}, t('fb.kCaption')));
}

/** Every text as a dot of its topic's colour, placed by the report's 2-D projection. */
export function topicMap({ points, assignments, texts }, names, container) {
  const other = t('fb.other');
  const data = points.map(([x, y], i) => {
    const a = assignments[i];
    return { x, y, topic: a === null ? other : topicLabel(names, a), text: texts[i] };
  });
  const anyOther = assignments.includes(null);
  const plot = Plot.plot({
    width: widthIn(container, 720), height: 380,
    x: { axis: null }, y: { axis: null },
    color: {
      legend: true,
      domain: [...names.map((_, i) => topicLabel(names, i)), ...(anyOther ? [other] : [])],
      range: [...names.map((_, i) => topicColor(i)), ...(anyOther ? [OTHER] : [])],
    },
    marks: [Plot.dot(data, { x: 'x', y: 'y', fill: 'topic', r: 4, fillOpacity: 0.85, title: 'text', tip: true })],
  });
  return h('figure', { class: 'map', id: 'fb-map' }, plot, h('figcaption', {}, t('fb.mapCaption', { n: data.length })));
}

const periodDate = (p) => new Date(p.length === 7 ? `${p}-01T00:00:00Z` : `${p}T00:00:00Z`);

/**
 * Texts per period, one line per topic (and one for `otherLabel` when any text is
 * in no topic); series with no text at all are left out.
 */
export function trendsChart(trends, names, { id, otherLabel, container, inset = 0 }) {
  const series = trends.sizes
    .map((row, i) => ({ label: topicLabel(names, i), row, color: topicColor(i) }))
    .concat([{ label: otherLabel, row: trends.other, color: OTHER }])
    .filter((s) => s.row.some((n) => n > 0));
  const data = series.flatMap((s) => s.row.map((n, j) => ({ date: periodDate(trends.periods[j]), period: trends.periods[j], n, topic: s.label })));
  // Counts: whole-number ticks, about five of them.
  const most = Math.max(1, ...data.map((d) => d.n));
  const step = Math.ceil(most / 5);
  const top = step * Math.ceil(most / step);
  const plot = Plot.plot({
    width: widthIn(container, 720, inset), height: 300, marginLeft: 44,
    x: { label: null },
    y: { label: t('fb.texts'), grid: true, domain: [0, top], ticks: Array.from({ length: top / step + 1 }, (_, i) => i * step), tickFormat: 'd', labelArrow: 'none' },
    color: { legend: true, domain: series.map((s) => s.label), range: series.map((s) => s.color) },
    marks: [
      Plot.ruleY([0]),
      Plot.lineY(data, {
        x: 'date', y: 'n', stroke: 'topic', strokeWidth: 2, marker: trends.periods.length <= 16 ? 'circle-stroke' : null,
        tip: true, title: (d) => `${d.topic}\n${d.period}: ${d.n}`,
      }),
    ],
  });
  const periods = trends.periods;
  const caption = t('fb.trendsCaption', { period: t(`fb.per.${trends.period}`), from: periods[0] ?? '', to: periods.at(-1) ?? '' })
    + (trends.period === 'week' ? t('fb.weekNote') : '');
  return h('figure', { class: 'chart', id, 'data-series': String(series.length) },
    h('p', { class: 'chart-title' }, t('fb.trendsTitle')), plot, h('figcaption', {}, caption));
}

/**
 * One topic's card: its name (renamed in place: Rename opens a small form), size,
 * keywords, sentiment, quotes, and "Merge into…" another topic.
 * `onRename(i, name)` and `onMerge(into, from)` apply the change.
 */
export function topicCard(model, names, i, { onRename, onMerge, say }) {
  const topic = model.topics[i];
  const n = i + 1;
  const id = `fb-topic-${i}`;
  const heading = h('h3', { id, tabindex: '-1' }, topicLabel(names, i));
  const input = h('input', { type: 'text', id: `${id}-name`, value: topic.label ?? names[i], 'aria-describedby': `${id}-name-hint`, autocomplete: 'off' });
  const form = h('form', { class: 'rename', id: `${id}-rename`, hidden: true },
    h('label', { for: `${id}-name` }, t('fb.newName', { n })), input,
    h('p', { class: 'hint', id: `${id}-name-hint` }, t('fb.newNameHint')),
    h('div', { class: 'button-row' },
      h('button', { type: 'submit', class: 'primary' }, t('fb.saveName')),
      h('button', { type: 'button', onclick: () => close() }, t('cancel'))));
  const open = h('button', {
    type: 'button', class: 'small', id: `${id}-rename-open`, 'aria-expanded': 'false', 'aria-controls': `${id}-rename`,
    'aria-label': t('fb.renameTopic', { n }),
  }, t('fb.rename'));
  const close = () => { form.hidden = true; open.setAttribute('aria-expanded', 'false'); open.focus(); };
  open.addEventListener('click', () => {
    form.hidden = !form.hidden;
    open.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) { input.focus(); input.select(); }
  });
  form.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.preventDefault(); close(); } });
  form.addEventListener('submit', (e) => { e.preventDefault(); onRename(i, input.value); });

  const others = names.map((_, j) => j).filter((j) => j !== i);
  const target = h('select', { id: `${id}-merge` },
    h('option', { value: '' }, t('fb.chooseTopic')),
    others.map((j) => h('option', { value: String(j) }, topicLabel(names, j))));
  const merge = others.length === 0 ? null : h('div', { class: 'merge-row' },
    h('label', { for: `${id}-merge` }, t('fb.mergeInto')), target,
    h('button', {
      type: 'button', id: `${id}-merge-go`,
      onclick: () => (target.value === '' ? say(t('fb.mergeNeedTarget', { n })) : onMerge(Number(target.value), i)),
    }, t('fb.merge')));

  const mix = topic.sentiment;
  return h('article', { class: 'cluster-card', 'data-cluster': String(i), 'aria-labelledby': id },
    h('div', { class: 'card-head' }, heading, open),
    form,
    h('p', { class: 'muted' }, h('span', { class: 'size', 'data-size': String(topic.size) }, t('fb.size', { n: topic.size })),
      topic.label ? t('fb.byYou') : topic.title ? '' : t('fb.byKeywords')),
    h('p', { class: 'keywords' }, t('fb.keywords'), topic.keywords.slice(0, 8).map((k) => h('span', { class: 'kw' }, k.term))),
    mix === null ? null : h('div', { class: 'sentiment' },
      h('span', {}, t('fb.sentiment')),
      h('div', { class: 'mix', role: 'img', 'aria-label': t('fb.mix', { pos: pct(mix), neg: pct(1 - mix) }) },
        h('span', { class: 'neg', style: { width: pct(1 - mix) } }), h('span', { class: 'pos', style: { width: pct(mix) } })),
      h('span', { class: 'num' }, t('fb.positive', { p: Math.round(100 * mix) }))),
    h('ul', { class: 'quotes' }, topic.representatives.map((q) => h('li', {}, h('q', {}, q)))),
    merge);
}

/** What a placed text is called: its topic, "new" or "other". */
const placedLabel = (p, names) => (p.topic !== null ? topicLabel(names, p.topic) : p.isNew ? t('fb.new') : t('fb.other'));

/**
 * Texts placed in saved topics: counts per topic (and new, other), sizes over
 * time when they have dates, and the texts in a sortable, filterable table.
 */
export function placedSection(placed, names, { exportLink, container }) {
  const { texts, placements, dates } = placed;
  const counts = names.map(() => 0);
  let fresh = 0, other = 0;
  for (const p of placements) {
    if (p.topic !== null) counts[p.topic] += 1; else if (p.isNew) fresh += 1; else other += 1;
  }
  const n = placements.length;
  const share = (c) => (n ? `${Math.round(100 * c / n)}%` : '');
  const countRow = (key, label, c, color) => h('tr', { 'data-topic': key },
    h('th', { scope: 'row' }, h('span', { class: 'swatch', style: { background: color } }), label),
    h('td', { class: 'num', 'data-value': String(c) }, String(c)),
    h('td', { class: 'num' }, share(c)));
  const [topicCol, countCol, shareCol] = t('fb.countCols');
  const countTable = h('table', { id: 'fb-placed-counts', class: 'counts' },
    h('caption', {}, t('fb.countsCaption')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, topicCol), h('th', { scope: 'col' }, countCol), h('th', { scope: 'col' }, shareCol))),
    h('tbody', {},
      names.map((_, i) => countRow(String(i), topicLabel(names, i), counts[i], topicColor(i))),
      countRow('new', t('fb.new'), fresh, '#fff'),
      countRow('other', t('fb.other'), other, OTHER)));

  const [textCol, placedCol, dateCol] = t('fb.placedCols');
  const table = h('table', { id: 'fb-placed-table', class: 'results' },
    h('caption', {}, t('fb.placedTexts', { n })),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', 'data-sort': 'text' }, textCol),
      h('th', { scope: 'col', 'data-sort': 'text' }, placedCol),
      dates ? h('th', { scope: 'col', 'data-sort': 'text' }, dateCol) : null)),
    h('tbody', {}, placements.map((p, i) => {
      const label = placedLabel(p, names);
      return h('tr', { 'data-label': label, 'data-search': texts[i].toLowerCase() },
        h('td', { class: 'text' }, texts[i]),
        h('td', { class: p.topic === null ? 'label muted' : 'label' }, label),
        dates ? h('td', { class: 'num date' }, dates[i]) : null);
    })));
  const labels = [...names.map((_, i) => topicLabel(names, i)), t('fb.new'), t('fb.other')];

  return h('section', { class: 'placed', id: 'fb-placed', 'aria-labelledby': 'fb-placed-h' },
    h('h3', { id: 'fb-placed-h', tabindex: '-1' }, t('fb.placedTitle')),
    h('p', { id: 'fb-placed-summary' }, t('fb.placedSummary', { n, placed: n - fresh - other, fresh, other })),
    h('div', { class: 'actions' }, exportLink),
    h('div', { class: 'table-wrap counts-wrap' }, countTable),
    placed.trends ? trendsChart(placed.trends, names, { id: 'fb-placed-trends', otherLabel: t('fb.otherOrNew'), container, inset: 32 }) : null,
    tableTools(table, { id: 'fb-placed', labels, hasTruth: false }),
    h('div', { class: 'table-wrap' }, table));
}
