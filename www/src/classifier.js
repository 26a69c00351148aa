// View 1: the review classifier (zero-shot labels, a head trained on the
// user's labels, or Flan-T5 prompting), with metrics when true labels are known.
import { zeroShot, trainClassifier, fineTune, classify, evaluate, splitRows, textClassification } from 'nunchi';
import * as Plot from '@observablehq/plot';
import { loadModel, loadClassifier, currentT5 } from './models.js';
import { inputBlock } from './input.js';
import { SAMPLES } from './config.js';
import { t, lang, onLangChange, stringIn } from './i18n.js';
import { h, ht, pct, runJob, taskProgress, describeTimeLeft } from './ui.js';
import { toCsv, setDownload } from './data.js';
import { tableTools } from './table-tools.js';
import { handLabels } from './hand-labels.js';

/** The zero-shot labels and their descriptions; starts with the language's defaults ('cls.defaultLabels'). */
function labelEditor(root) {
  let rows = [];
  let made = 0; // for unique ids
  // Accessible names follow each row's position, so they stay right after a removal.
  const renumber = () => rows.forEach(({ l, d, x }, i) => {
    l.setAttribute('aria-label', t('cls.labelN', { n: i + 1 }));
    d.setAttribute('aria-label', t('cls.descriptionN', { n: i + 1 }));
    x.setAttribute('aria-label', t('cls.removeN', { n: i + 1 }));
  });
  const add = (label = '', description = '') => {
    made += 1;
    const l = h('input', { type: 'text', value: label, id: `label-${made}` });
    const d = h('input', { type: 'text', value: description, id: `desc-${made}` });
    const entry = { l, d };
    entry.x = h('button', { type: 'button', onclick: () => {
      rows = rows.filter((r) => r !== entry); entry.row.remove(); renumber();
    } }, '×');
    entry.row = h('div', { class: 'label-row' }, l, d, entry.x);
    rows.push(entry);
    root.append(entry.row);
    renumber();
  };
  const values = () => rows.map((r) => [r.l.value.trim(), r.d.value.trim()]);
  const reset = (pairs) => { for (const r of rows) r.row.remove(); rows = []; for (const [l, d] of pairs) add(l, d); };
  root.append(h('div', { class: 'label-row head', 'aria-hidden': 'true' }, ht('span', 'cls.labelHead'), ht('span', 'cls.descriptionHead')));
  reset(t('cls.defaultLabels'));
  onLangChange((next, previous) => {
    // Labels still at the old language's defaults follow the language; edited ones are the user's and stay.
    if (JSON.stringify(values()) === JSON.stringify(stringIn(previous, 'cls.defaultLabels'))) reset(t('cls.defaultLabels'));
    else renumber();
  });
  return {
    add: () => add(),
    get() {
      const list = values().filter(([l]) => l);
      return { labels: list.map(([l]) => l), descriptions: list.map(([l, d]) => d || l) };
    },
  };
}

/** The train/predict split for "train on my labels": the package's splitRows, the rule `nunchi eval` uses. */
function trainSplit({ labels, split, rows }) {
  if (!labels) throw new Error(t('cls.needLabelColumn'));
  return splitRows(labels, { rows, split: split ?? undefined });
}

function confusionTable(report) {
  const max = Math.max(1, ...report.confusion.flat());
  return h('div', { class: 'table-wrap' }, h('table', { class: 'confusion', id: 'cls-confusion' },
    h('caption', {}, t('cls.confusion')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('cls.truePredicted')),
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
    h('p', { class: 'accuracy' }, t('cls.accuracy'), ' ', h('strong', { id: 'cls-accuracy' }, pct(report.accuracy)),
      ' ', t('cls.accuracyOn', { n: report.classes.reduce((s, c) => s + c.support, 0) }), extra ?? ''),
    h('div', { class: 'table-wrap' }, h('table', { class: 'f1' },
      h('caption', {}, t('cls.perClass')),
      h('thead', {}, h('tr', {}, t('cls.metricCols').map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, report.classes.map((c) => h('tr', {}, h('th', { scope: 'row' }, c.label),
        h('td', {}, c.precision.toFixed(2)), h('td', {}, c.recall.toFixed(2)), h('td', {}, c.f1.toFixed(2)), h('td', {}, String(c.support))))))),
    confusionTable(report));
}

/**
 * An onProgress for fineTune: its steps, with the loss and the time left, drive
 * `progress` and collect `losses`; the embedding and head stages go to taskProgress.
 */
function tuneProgress(progress, losses) {
  const task = taskProgress(progress);
  return (e) => {
    if (e.status !== 'train' || e.steps === undefined) return task(e);
    if (e.step === 0) return progress(0, `${t('cls.tuneStart', e)} ${describeTimeLeft(e.secondsLeft)}`);
    losses.push({ step: e.step, loss: e.loss });
    const left = e.step < e.steps ? ` ${describeTimeLeft(e.secondsLeft)}` : '';
    progress(e.step / e.steps, t('cls.tuneStep', { ...e, loss: e.loss.toFixed(3) }) + left);
  };
}

function lossCurve(losses) {
  return h('figure', { class: 'loss-curve', id: 'cls-loss' }, h('figcaption', {}, t('cls.lossCurve')), Plot.plot({
    height: 160,
    x: { label: 'step' },
    y: { label: 'loss', grid: true, zero: true },
    marks: [Plot.line(losses, { x: 'step', y: 'loss', stroke: '#1e3a8a' }), Plot.dot(losses, { x: 'step', y: 'loss', r: 2, fill: '#1e3a8a', tip: true })],
  }));
}

/**
 * "Train on my labels" with the encoder fine-tuned first: the tuned classifier's
 * results, and, where the rows' labels are known, the frozen encoder's accuracy
 * on them for comparison. Returns `{ results, before, losses, model, steps, seconds }`.
 */
async function fineTunedResults(enc, train, labels, texts, known, progress, signal) {
  const losses = [];
  const tuned = await fineTune(enc, train, labels, { onProgress: tuneProgress(progress, losses), signal });
  try {
    const results = await tuned.classifier.predict(texts, { onProgress: taskProgress(progress), signal });
    let before = null;
    if (known) {
      const frozen = await trainClassifier(enc, train, labels, { folds: 0, signal });
      before = (await frozen.evaluate(texts, known, { onProgress: taskProgress(progress), signal })).accuracy;
      frozen.dispose();
    }
    return { results, before, losses, model: tuned.model, ...tuned.report };
  } finally {
    tuned.classifier.dispose();
    tuned.encoder.dispose();
  }
}

/** The results, sortable by any column and filterable by text and label (table-tools.js). */
function resultsTable(texts, results, truth) {
  const [text, label, confidence, trueLabel] = t('cls.resultCols');
  const col = (name, sort) => h('th', { scope: 'col', 'data-sort': sort }, name);
  const table = h('table', { class: 'results', id: 'cls-table' },
    h('caption', {}, t('cls.classified', { n: texts.length })),
    h('thead', {}, h('tr', {}, col(text, 'text'), col(label, 'text'), col(confidence, 'number'),
      truth ? col(trueLabel, 'text') : null)),
    h('tbody', {}, results.map((r, i) => h('tr', {
      'data-label': r.label, 'data-search': texts[i].toLowerCase(), 'data-ok': truth ? String(truth[i] === r.label) : null,
    },
    h('td', { class: 'text' }, texts[i]),
    h('td', { class: 'label' }, r.label),
    h('td', { 'data-value': r.score }, h('div', { class: 'bar', role: 'img', 'aria-label': t('cls.confidence', { p: pct(r.score) }) },
      h('span', { style: { width: pct(r.score) } })), h('span', { class: 'num' }, pct(r.score))),
    truth ? h('td', { class: truth[i] === r.label ? 'ok' : 'bad' }, truth[i]) : null))));
  const labels = Object.keys(results[0].scores);
  return [tableTools(table, { id: 'cls', labels, hasTruth: !!truth }), h('div', { class: 'table-wrap' }, table)];
}

export function initClassifier() {
  const input = inputBlock(document.querySelector('[data-input="cls"]'), { id: 'cls', sample: () => SAMPLES[lang()].reviews });
  const editor = labelEditor(document.getElementById('label-editor'));
  const hand = handLabels(document.getElementById('hand-labels'), {
    texts: () => input.get().texts,
    suggestions: () => { const data = input.get(); return data.labels ?? editor.get().labels; },
  });
  document.getElementById('hand-open').addEventListener('click', () => hand.draw());
  document.getElementById('add-label').addEventListener('click', editor.add);
  const method = () => document.querySelector('input[name="cls-method"]:checked').value;
  const t5Note = document.querySelector('[data-field="t5-note"]');
  const showMethod = () => {
    const m = method();
    for (const el of document.querySelectorAll('[data-method]')) el.hidden = el.dataset.method !== m && !(m === 'prompt' && el.dataset.method === 'zero-shot');
    if (m === 'prompt') {
      const t5 = currentT5();
      t5Note.hidden = false;
      t5Note.textContent = !t5 ? t('cls.t5Later')
        : t5.info.testWeights ? t('cls.t5Test') : t('cls.t5Loaded', { model: t5.info.model });
    }
  };
  for (const r of document.querySelectorAll('input[name="cls-method"]')) r.addEventListener('change', showMethod);

  const ui = {
    run: document.getElementById('cls-run'), cancel: document.getElementById('cls-cancel'),
    bar: document.getElementById('cls-progress'), status: document.getElementById('cls-status'),
  };
  const out = document.getElementById('cls-results');
  let show = null; // draws the last results, again after a language switch
  onLangChange(() => {
    showMethod();
    show?.();
    if (!ui.run.disabled) { ui.status.textContent = ''; delete ui.status.dataset.state; }
  });

  ui.run.addEventListener('click', () => runJob(ui, async (signal, progress) => {
    const data = input.get();
    if (data.texts.length === 0) throw new Error(t('cls.needTexts'));
    const m = method();
    out.replaceChildren();
    show = null;
    let texts = data.texts, truth = data.labels, results, extra = null; // extra: () => text
    let figure = null; // () => elements shown under the metrics
    if (m === 'zero-shot' || m === 'prompt') {
      const { labels, descriptions } = editor.get();
      if (labels.length < 2) throw new Error(t('cls.needLabels'));
      if (m === 'zero-shot') {
        progress(null, t('job.loadingEncoder'));
        const enc = await loadModel('encoder', signal);
        results = await zeroShot(enc, texts, { labels, descriptions, onProgress: taskProgress(progress), signal });
      } else {
        progress(null, t('job.loadingT5'));
        const t5 = await loadModel('t5', signal);
        showMethod();
        const template = document.getElementById('cls-template').value;
        results = await classify(t5, texts, { labels, template, onProgress: taskProgress(progress), signal });
        if (t5.info.testWeights) extra = () => t('cls.testModel');
      }
      if (truth && truth.some((l) => !labels.includes(l))) truth = null; // labels of another kind
    } else if (m === 'model') {
      const address = document.getElementById('cls-model-url').value.trim();
      if (!address) throw new Error(t('cls.needModel'));
      progress(null, t('job.loadingClassifier'));
      const clf = await loadClassifier(address, signal);
      results = await textClassification(clf, texts, { onProgress: taskProgress(progress), signal });
      // A report needs the input's labels to be the model's own.
      if (truth && truth.some((l) => !clf.labels.includes(l))) truth = null;
      const name = address.replace(/\/+$/, '').split('/').slice(-2).join('/');
      extra = () => t('cls.modelLabels', { model: name, labels: clf.labels.join(', ') });
    } else {
      // Rows labelled by hand fill in where the input has no label.
      const byHand = hand.labelsFor(data.texts);
      if (byHand) data.labels = data.labels ? data.labels.map((l, i) => l || byHand[i]) : byHand;
      const { train, test, heldOut } = await trainSplit(data);
      const trainLabels = train.map((i) => data.labels[i]);
      const counts = new Map();
      for (const l of trainLabels) counts.set(l, (counts.get(l) ?? 0) + 1);
      if (counts.size < 2) throw new Error(t('cls.needTwoLabels'));
      if (test.length === 0) throw new Error(t('cls.nothingLeft'));
      const minCount = Math.min(...counts.values());
      const folds = minCount >= 2 ? Math.min(5, minCount) : 0;
      progress(null, t('job.loadingEncoder'));
      const enc = await loadModel('encoder', signal);
      const trainTexts = train.map((i) => data.texts[i]);
      texts = test.map((i) => data.texts[i]);
      const known = test.map((i) => data.labels[i]);
      truth = known.every(Boolean) ? known : null;
      const trained = t('cls.trainedOn', { n: train.length }) + (heldOut ? t('cls.heldOut') : '');
      if (document.getElementById('cls-finetune').checked) {
        const run = await fineTunedResults(enc, trainTexts, trainLabels, texts, truth, progress, signal);
        results = run.results;
        const link = ht('a', 'cls.downloadTuned', { class: 'button', id: 'cls-tuned-model' });
        setDownload(link, run.model, `${enc.info.model}-setfit-q8_0.gguf`, 'application/octet-stream');
        extra = () => `${trained}.` + t('cls.tuned', { steps: run.steps, s: run.seconds.toFixed(0) })
          + (run.before === null ? '' : t('cls.beforeAfter', {
            before: pct(run.before), after: pct(results.filter((r, i) => r.label === truth[i]).length / texts.length),
          }));
        figure = () => [lossCurve(run.losses), h('p', {}, link)];
      } else {
        const clf = await trainClassifier(enc, trainTexts, trainLabels, { folds, onProgress: taskProgress(progress), signal });
        results = await clf.predict(texts, { onProgress: taskProgress(progress), signal });
        const cv = clf.crossValidation;
        extra = () => trained + (cv ? t('cls.crossValidation', { folds: cv.folds, accuracy: pct(cv.meanAccuracy) }) : '.');
        clf.dispose();
      }
    }

    const predicted = results.map((r) => r.label);
    const report = truth ? await evaluate(truth, predicted, [...new Set([...Object.keys(results[0].scores), ...truth])]) : null;
    const labelNames = Object.keys(results[0].scores);
    // The export's columns are for machines: the same in every language.
    const csv = toCsv(['text', 'label', 'score', ...labelNames.map((l) => `p(${l})`), ...(truth ? ['true_label'] : [])],
      results.map((r, i) => [texts[i], r.label, r.score.toFixed(4), ...labelNames.map((l) => r.scores[l].toFixed(4)), ...(truth ? [truth[i]] : [])]));
    const link = ht('a', 'exportCsv', { class: 'button', id: 'cls-export' });
    setDownload(link, csv, 'nunchi-classified.csv');
    show = () => {
      const note = extra ? extra() : '';
      out.replaceChildren(report ? metrics(report, note) : note ? h('p', {}, note) : '',
        ...(figure ? figure() : []), h('p', {}, link), ...resultsTable(texts, results, truth));
    };
    show();
    progress(1, t('cls.done', { n: texts.length }));
  }));
}
