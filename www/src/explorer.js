// View 2: the feedback explorer: topics by k-means over embeddings, a 2-D map
// (Observable Plot), cluster cards with keywords, sentiment and quotes.
import { cluster } from 'nunchi';
import * as Plot from '@observablehq/plot';
import { loadModel, currentT5 } from './models.js';
import { inputBlock } from './input.js';
import { SAMPLES } from './config.js';
import { t, lang, onLangChange } from './i18n.js';
import { h, ht, pct, runJob, taskProgress } from './ui.js';
import { toCsv, setDownload } from './data.js';

const keywordName = (c) => c.keywords.slice(0, 3).map((k) => k.term).join(' · ');
const name = (c) => c.title || keywordName(c) || t('fb.untitled');

function map(report, names) {
  const data = report.points.map(([x, y], i) => {
    const a = report.assignments[i];
    return { x, y, topic: a === null ? t('fb.other') : `${a + 1}. ${names[a]}`, text: report.texts[i] };
  });
  const plot = Plot.plot({
    width: Math.min(720, document.getElementById('fb-results').clientWidth || 720),
    height: 380,
    x: { axis: null }, y: { axis: null },
    color: { legend: true, type: 'categorical', scheme: 'tableau10' },
    marks: [Plot.dot(data, { x: 'x', y: 'y', fill: 'topic', r: 4, fillOpacity: 0.85, title: 'text', tip: true })],
  });
  return h('figure', { class: 'map', id: 'fb-map' }, plot,
    h('figcaption', {}, t('fb.mapCaption', { n: data.length })));
}

function card(report, c, i, titled) {
  const mix = c.sentiment;
  return h('article', { class: 'cluster-card', 'data-cluster': String(i) },
    h('h3', {}, `${i + 1}. ${name(c)}`),
    h('p', { class: 'muted' }, t('fb.size', { n: c.size }), titled ? '' : t('fb.byKeywords')),
    h('p', { class: 'keywords' }, t('fb.keywords'), c.keywords.slice(0, 8).map((k) => h('span', { class: 'kw' }, k.term))),
    mix === null ? null : h('div', { class: 'sentiment' },
      h('span', {}, t('fb.sentiment')),
      h('div', { class: 'mix', role: 'img', 'aria-label': t('fb.mix', { pos: pct(mix), neg: pct(1 - mix) }) },
        h('span', { class: 'neg', style: { width: pct(1 - mix) } }), h('span', { class: 'pos', style: { width: pct(mix) } })),
      h('span', { class: 'num' }, t('fb.positive', { p: Math.round(100 * mix) }))),
    h('ul', { class: 'quotes' }, c.representatives.map((j) => h('li', {}, h('q', {}, report.texts[j])))));
}

export function initExplorer() {
  const input = inputBlock(document.querySelector('[data-input="fb"]'), { id: 'fb', sample: () => SAMPLES[lang()].feedback });
  const ui = {
    run: document.getElementById('fb-run'), cancel: document.getElementById('fb-cancel'),
    bar: document.getElementById('fb-progress'), status: document.getElementById('fb-status'),
  };
  const out = document.getElementById('fb-results');
  let show = null; // draws the last report, again after a language switch
  onLangChange(() => {
    show?.();
    if (!ui.run.disabled) { ui.status.textContent = ''; delete ui.status.dataset.state; }
  });

  ui.run.addEventListener('click', () => runJob(ui, async (signal, progress) => {
    const data = input.get();
    if (data.texts.length < 3) throw new Error(t('fb.needTexts'));
    const kValue = document.getElementById('fb-k').value;
    // Sentiment descriptions in the texts' language ('fb.sentimentDescriptions'; true: the package's English ones).
    const opts = { sentiment: t('fb.sentimentDescriptions'), onProgress: taskProgress(progress), signal };
    if (kValue === 'auto') opts.kRange = [2, Math.max(2, Math.min(10, data.texts.length - 1))];
    else opts.k = Math.min(Number(kValue), data.texts.length);
    const t5 = currentT5();
    // Flan-T5 writes English only: Korean topics keep their keyword names.
    const titled = !!t5 && !t5.info.testWeights && lang() === 'en';
    if (titled) opts.t5 = t5;
    out.replaceChildren();
    show = null;
    progress(null, t('job.loadingEncoder'));
    const enc = await loadModel('encoder', signal);
    const report = await cluster(enc, data.texts, opts);
    const names = report.clusters.map((c) => c.title || keywordName(c) || 'untitled');

    // The export is for machines: the same columns and words in every language.
    const link = ht('a', 'exportCsv', { class: 'button', id: 'fb-export' });
    setDownload(link, toCsv(['text', ...(data.labels ? ['category'] : []), 'cluster', 'cluster_name', 'cluster_sentiment'],
      data.texts.map((text, i) => {
        const a = report.assignments[i];
        const c = a === null ? null : report.clusters[a];
        return [text, ...(data.labels ? [data.labels[i]] : []), a === null ? 'other' : a + 1, c ? names[a] : 'other',
          c?.sentiment == null ? '' : c.sentiment.toFixed(3)];
      })), 'nunchi-topics.csv');

    show = () => {
      const shown = report.clusters.map(name);
      out.replaceChildren(
        h('p', {}, t('fb.summary', { k: report.clusters.length, n: report.texts.length }),
          report.kScores.length ? t('fb.chosenK', { k: report.k }) : '',
          report.other.length ? t('fb.others', { n: report.other.length }) : '', '. ', link),
        map(report, shown),
        h('div', { class: 'cards', id: 'fb-cards' }, report.clusters.map((c, i) => card(report, c, i, titled))));
    };
    show();
    progress(1, t('fb.done', { n: report.clusters.length }));
  }));
}
