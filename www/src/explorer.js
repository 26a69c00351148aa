// View 2: the feedback explorer: topics by k-means over embeddings, a 2-D map
// (Observable Plot), cluster cards with keywords, sentiment and quotes.
import { cluster } from 'nunchi';
import * as Plot from '@observablehq/plot';
import { loadModel, currentT5 } from './models.js';
import { inputBlock } from './input.js';
import { SAMPLES } from './config.js';
import { h, pct, runJob, taskProgress } from './ui.js';
import { toCsv, setDownload } from './data.js';

const name = (c) => c.title || c.keywords.slice(0, 3).map((k) => k.term).join(' · ') || 'untitled';

function map(report, names) {
  const data = report.points.map(([x, y], i) => {
    const a = report.assignments[i];
    return { x, y, topic: a === null ? 'other' : `${a + 1}. ${names[a]}`, text: report.texts[i] };
  });
  const plot = Plot.plot({
    width: Math.min(720, document.getElementById('fb-results').clientWidth || 720),
    height: 380,
    x: { axis: null }, y: { axis: null },
    color: { legend: true, type: 'categorical', scheme: 'tableau10' },
    marks: [Plot.dot(data, { x: 'x', y: 'y', fill: 'topic', r: 4, fillOpacity: 0.85, title: 'text', tip: true })],
  });
  return h('figure', { class: 'map', id: 'fb-map' }, plot,
    h('figcaption', {}, `Each dot is one text (${data.length}), placed by a 2-D projection of its embedding and coloured by topic. Hover or tap a dot to read it.`));
}

function card(report, c, i, titled) {
  const mix = c.sentiment;
  return h('article', { class: 'cluster-card', 'data-cluster': String(i) },
    h('h3', {}, `${i + 1}. ${name(c)}`),
    h('p', { class: 'muted' }, `${c.size} texts`, titled ? '' : ' · named by keywords'),
    h('p', { class: 'keywords' }, 'Keywords: ', c.keywords.slice(0, 8).map((k) => h('span', { class: 'kw' }, k.term))),
    mix === null ? null : h('div', { class: 'sentiment' },
      h('span', {}, 'Sentiment'),
      h('div', { class: 'mix', role: 'img', 'aria-label': `${pct(mix)} positive, ${pct(1 - mix)} negative` },
        h('span', { class: 'neg', style: { width: pct(1 - mix) } }), h('span', { class: 'pos', style: { width: pct(mix) } })),
      h('span', { class: 'num' }, `${Math.round(100 * mix)}% positive`)),
    h('ul', { class: 'quotes' }, c.representatives.map((j) => h('li', {}, h('q', {}, report.texts[j])))));
}

export function initExplorer() {
  const input = inputBlock(document.querySelector('[data-input="fb"]'), {
    id: 'fb',
    pasteLabel: 'Feedback, one per line',
    sample: { url: SAMPLES.feedback, name: 'feedback.csv', limit: 120 },
    sampleLabel: 'Try 300 banking messages',
    labelColumnName: 'Known category (optional, kept in the export)',
  });
  const ui = {
    run: document.getElementById('fb-run'), cancel: document.getElementById('fb-cancel'),
    bar: document.getElementById('fb-progress'), status: document.getElementById('fb-status'),
  };
  const out = document.getElementById('fb-results');

  ui.run.addEventListener('click', () => runJob(ui, async (signal, progress) => {
    const data = input.get();
    if (data.texts.length < 3) throw new Error('Give at least 3 texts (paste, choose a file or try the sample).');
    const kValue = document.getElementById('fb-k').value;
    const opts = { onProgress: taskProgress(progress), signal };
    if (kValue === 'auto') opts.kRange = [2, Math.max(2, Math.min(10, data.texts.length - 1))];
    else opts.k = Math.min(Number(kValue), data.texts.length);
    const t5 = currentT5();
    const titled = !!t5 && !t5.info.testWeights;
    if (titled) opts.t5 = t5;
    out.replaceChildren();
    progress(null, 'Loading the sentence encoder…');
    const enc = await loadModel('encoder', signal);
    const report = await cluster(enc, data.texts, opts);
    const names = report.clusters.map(name);

    const link = h('a', { class: 'button', id: 'fb-export' }, 'Export CSV');
    setDownload(link, toCsv(['text', ...(data.labels ? ['category'] : []), 'cluster', 'cluster_name', 'cluster_sentiment'],
      data.texts.map((t, i) => {
        const a = report.assignments[i];
        const c = a === null ? null : report.clusters[a];
        return [t, ...(data.labels ? [data.labels[i]] : []), a === null ? 'other' : a + 1, c ? names[a] : 'other',
          c?.sentiment == null ? '' : c.sentiment.toFixed(3)];
      })), 'nunchi-topics.csv');

    out.replaceChildren(
      h('p', {}, `${report.clusters.length} topics in ${report.texts.length} texts`,
        report.kScores.length ? ` (k = ${report.k}, chosen by silhouette)` : '',
        report.other.length ? `; ${report.other.length} texts in small groups shown as “other”` : '', '. ', link),
      map(report, names),
      h('div', { class: 'cards', id: 'fb-cards' }, report.clusters.map((c, i) => card(report, c, i, titled))));
    progress(1, `Done: ${report.clusters.length} topics.`);
  }));
}
