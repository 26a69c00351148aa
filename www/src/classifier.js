// View 1: the review classifier (zero-shot labels, a head trained on the
// user's labels, or Flan-T5 prompting), with metrics when true labels are known.
import { zeroShot, trainClassifier, classify, evaluate } from 'nunchi';
import { loadModel, currentT5 } from './models.js';
import { inputBlock } from './input.js';
import { SAMPLES } from './config.js';
import { h, pct, runJob, taskProgress } from './ui.js';
import { toCsv, setDownload } from './data.js';

const DEFAULT_LABELS = [
  ['negative', 'A very negative movie review'],
  ['positive', 'A very positive movie review'],
];

function labelEditor(root) {
  const rows = [];
  const add = (label = '', description = '') => {
    const n = rows.length + 1;
    const l = h('input', { type: 'text', value: label, id: `label-${n}`, 'aria-label': `Label ${n}` });
    const d = h('input', { type: 'text', value: description, id: `desc-${n}`, 'aria-label': `Description of label ${n}` });
    const row = h('div', { class: 'label-row' }, l, d);
    const entry = { l, d, row };
    row.append(h('button', { type: 'button', 'aria-label': `Remove label ${n}`, onclick: () => {
      rows.splice(rows.indexOf(entry), 1); row.remove();
    } }, '×'));
    rows.push(entry);
    root.append(row);
  };
  root.append(h('div', { class: 'label-row head', 'aria-hidden': 'true' }, h('span', {}, 'Label'), h('span', {}, 'What it means')));
  for (const [l, d] of DEFAULT_LABELS) add(l, d);
  return {
    add: () => add(),
    get() {
      const list = rows.map((r) => [r.l.value.trim(), r.d.value.trim()]).filter(([l]) => l);
      return { labels: list.map(([l]) => l), descriptions: list.map(([l, d]) => d || l) };
    },
  };
}

/** The train/predict split for "train on my labels". */
function trainSplit({ texts, labels, split }) {
  if (!labels) throw new Error('Training needs a label column: choose a CSV with labels (or the sample).');
  const train = [], test = [];
  texts.forEach((_, i) => {
    if (split) (split[i] === 'test' ? test : labels[i] ? train : []).push(i);
    else (labels[i] ? train : test).push(i);
  });
  // Every row labelled and no split column: hold out every 10th row (the project's rule).
  if (!split && test.length === 0) {
    return { train: train.filter((i) => i % 10 !== 0), test: train.filter((i) => i % 10 === 0), heldOut: true };
  }
  return { train, test, heldOut: false };
}

function confusionTable(report) {
  const max = Math.max(1, ...report.confusion.flat());
  return h('div', { class: 'table-wrap' }, h('table', { class: 'confusion', id: 'cls-confusion' },
    h('caption', {}, 'Confusion matrix (rows: true label, columns: predicted)'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'true \\ predicted'),
      report.labels.map((l) => h('th', { scope: 'col' }, l)))),
    h('tbody', {}, report.confusion.map((row, i) => h('tr', {},
      h('th', { scope: 'row' }, report.labels[i]),
      row.map((n) => {
        const alpha = 0.06 + 0.9 * (n / max);
        return h('td', { style: { background: `rgba(30, 58, 138, ${alpha.toFixed(3)})`, color: alpha > 0.6 ? '#fff' : '#111' } }, String(n));
      }))))));
}

function metrics(report, extra) {
  return h('div', { class: 'metrics', id: 'cls-metrics' },
    h('p', { class: 'accuracy' }, 'Accuracy ', h('strong', { id: 'cls-accuracy' }, pct(report.accuracy)),
      ` on ${report.classes.reduce((s, c) => s + c.support, 0)} texts with known labels.`, extra ?? ''),
    h('div', { class: 'table-wrap' }, h('table', { class: 'f1' },
      h('caption', {}, 'Per-class scores'),
      h('thead', {}, h('tr', {}, ['label', 'precision', 'recall', 'F1', 'support'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, report.classes.map((c) => h('tr', {}, h('th', { scope: 'row' }, c.label),
        h('td', {}, c.precision.toFixed(2)), h('td', {}, c.recall.toFixed(2)), h('td', {}, c.f1.toFixed(2)), h('td', {}, String(c.support))))))),
    confusionTable(report));
}

function resultsTable(texts, results, truth) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'results', id: 'cls-table' },
    h('caption', {}, `${texts.length} classified texts`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'text'), h('th', { scope: 'col' }, 'label'),
      h('th', { scope: 'col' }, 'confidence'), truth ? h('th', { scope: 'col' }, 'true label') : null)),
    h('tbody', {}, results.map((r, i) => h('tr', {},
      h('td', { class: 'text' }, texts[i]),
      h('td', {}, r.label),
      h('td', {}, h('div', { class: 'bar', role: 'img', 'aria-label': `confidence ${pct(r.score)}` },
        h('span', { style: { width: pct(r.score) } })), h('span', { class: 'num' }, pct(r.score))),
      truth ? h('td', { class: truth[i] === r.label ? 'ok' : 'bad' }, truth[i]) : null)))));
}

export function initClassifier() {
  const input = inputBlock(document.querySelector('[data-input="cls"]'), {
    id: 'cls',
    pasteLabel: 'Reviews, one per line',
    sample: { url: SAMPLES.reviews, name: 'movie-reviews.csv', limit: 100 },
    sampleLabel: 'Try 300 movie reviews',
    labelColumnName: 'Label column (optional)',
  });
  const editor = labelEditor(document.getElementById('label-editor'));
  document.getElementById('add-label').addEventListener('click', editor.add);
  const method = () => document.querySelector('input[name="cls-method"]:checked').value;
  const t5Note = document.querySelector('[data-field="t5-note"]');
  const showMethod = () => {
    const m = method();
    for (const el of document.querySelectorAll('[data-method]')) el.hidden = el.dataset.method !== m && !(m === 'prompt' && el.dataset.method === 'zero-shot');
    if (m === 'prompt') {
      const t5 = currentT5();
      t5Note.hidden = false;
      t5Note.textContent = !t5 ? 'Flan-T5 (about 80 MB) loads when you classify.'
        : t5.info.testWeights ? 'The loaded Flan-T5 is a test model with generated weights: its answers are meaningless.'
          : `Flan-T5 is loaded (${t5.info.model}).`;
    }
  };
  for (const r of document.querySelectorAll('input[name="cls-method"]')) r.addEventListener('change', showMethod);

  const ui = {
    run: document.getElementById('cls-run'), cancel: document.getElementById('cls-cancel'),
    bar: document.getElementById('cls-progress'), status: document.getElementById('cls-status'),
  };
  const out = document.getElementById('cls-results');

  ui.run.addEventListener('click', () => runJob(ui, async (signal, progress) => {
    const data = input.get();
    if (data.texts.length === 0) throw new Error('Paste some reviews, choose a file or try the sample first.');
    const m = method();
    out.replaceChildren();
    let texts = data.texts, truth = data.labels, results, extra = '';
    if (m === 'zero-shot' || m === 'prompt') {
      const { labels, descriptions } = editor.get();
      if (labels.length < 2) throw new Error('Give at least two labels.');
      if (m === 'zero-shot') {
        progress(null, 'Loading the sentence encoder…');
        const enc = await loadModel('encoder', signal);
        results = await zeroShot(enc, texts, { labels, descriptions, onProgress: taskProgress(progress), signal });
      } else {
        progress(null, 'Loading Flan-T5…');
        const t5 = await loadModel('t5', signal);
        showMethod();
        const template = document.getElementById('cls-template').value;
        results = await classify(t5, texts, { labels, template, onProgress: taskProgress(progress), signal });
        if (t5.info.testWeights) extra = ' (test model: meaningless answers)';
      }
      if (truth && truth.some((t) => !labels.includes(t))) truth = null; // labels of another kind
    } else {
      const { train, test, heldOut } = trainSplit(data);
      const trainLabels = train.map((i) => data.labels[i]);
      const counts = new Map();
      for (const l of trainLabels) counts.set(l, (counts.get(l) ?? 0) + 1);
      if (counts.size < 2) throw new Error('Training needs at least two different labels.');
      if (test.length === 0) throw new Error('Nothing left to label: every row is used for training.');
      const minCount = Math.min(...counts.values());
      const folds = minCount >= 2 ? Math.min(5, minCount) : 0;
      progress(null, 'Loading the sentence encoder…');
      const enc = await loadModel('encoder', signal);
      const clf = await trainClassifier(enc, train.map((i) => data.texts[i]), trainLabels, { folds, onProgress: taskProgress(progress), signal });
      texts = test.map((i) => data.texts[i]);
      results = await clf.predict(texts, { onProgress: taskProgress(progress), signal });
      const known = test.map((i) => data.labels[i]);
      truth = known.every(Boolean) ? known : null;
      extra = ` Trained on ${train.length} texts${heldOut ? ' (every 10th row held out for testing)' : ''}`
        + (clf.crossValidation ? `; ${clf.crossValidation.folds}-fold cross-validation accuracy ${pct(clf.crossValidation.meanAccuracy)}.` : '.');
      clf.dispose();
    }

    const predicted = results.map((r) => r.label);
    const children = [];
    if (truth) {
      const order = [...new Set([...Object.keys(results[0].scores), ...truth])];
      children.push(metrics(await evaluate(truth, predicted, order), extra));
    } else if (extra) children.push(h('p', {}, extra));
    const labelNames = Object.keys(results[0].scores);
    const link = h('a', { class: 'button', id: 'cls-export' }, 'Export CSV');
    setDownload(link, toCsv(['text', 'label', 'score', ...labelNames.map((l) => `p(${l})`), ...(truth ? ['true_label'] : [])],
      results.map((r, i) => [texts[i], r.label, r.score.toFixed(4), ...labelNames.map((l) => r.scores[l].toFixed(4)), ...(truth ? [truth[i]] : [])])),
    'nunchi-classified.csv');
    children.push(h('p', {}, link), resultsTable(texts, results, truth));
    out.replaceChildren(...children);
    progress(1, `Done: ${texts.length} texts labelled.`);
  }));
}
