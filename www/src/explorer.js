// View 2: the feedback explorer. `cluster` finds topics (k-means over embeddings)
// and the page shows them: the silhouette curve when k was chosen, a 2-D map
// (Observable Plot), topic sizes over time when the texts have dates, and a card
// per topic with keywords, sentiment and quotes. Topics can be renamed and merged
// by hand, saved as JSON, loaded again, and new texts placed in them.
//
// One source of truth: the topic model (`report.model`, or a loaded one) and,
// for clustered texts, their assignments. Names always come from the package's
// `topicNames` (the user's label, else the title, else the keywords).
import { cluster, assignTopics, loadTopics, mergeTopics, topicNames, topicTrends, topicsAfterMerge } from 'nunchi';
import { loadModel, currentT5 } from './models.js';
import { inputBlock } from './input.js';
import { SAMPLES } from './config.js';
import { t, lang, onLangChange } from './i18n.js';
import { h, ht, runJob, taskProgress } from './ui.js';
import { toCsv, setDownload } from './data.js';
import { kChoice, topicMap, trendsChart, topicCard, placedSection } from './topics-view.js';

/**
 * state: null, or
 * { source: 'cluster' | 'file', fileName, model,
 *   texts, assignments, points, labels, dates, period, trends, k, kScores, kClose, clustered (cluster only),
 *   placed: null | { texts, dates, placements, trends } }
 * Every change makes a new state object (the old one goes on `history`, for Undo).
 */
let state = null;
let history = [];

export function initExplorer() {
  const input = inputBlock(document.querySelector('[data-input="fb"]'), { id: 'fb', sample: () => SAMPLES[lang()].feedback, dates: true });
  const ui = {
    run: document.getElementById('fb-run'), cancel: document.getElementById('fb-cancel'),
    bar: document.getElementById('fb-progress'), status: document.getElementById('fb-status'),
  };
  const assign = document.getElementById('fb-assign');
  const period = document.getElementById('fb-period');
  const topicsFile = document.getElementById('fb-topics-file');
  const out = document.getElementById('fb-results');

  // The download links live as long as the page; each change of the model refreshes their targets.
  const exportLink = ht('a', 'exportCsv', { class: 'button', id: 'fb-export' });
  const saveLink = ht('a', 'fb.saveTopics', { class: 'button', id: 'fb-save' });
  const placedExport = ht('a', 'exportCsv', { class: 'button', id: 'fb-placed-export' });
  const undo = ht('button', 'fb.undo', { type: 'button', id: 'fb-undo', onclick: () => undoLast() });

  let busy = false;
  let drawnWidth = 0; // the results' width when the charts were last drawn
  const sync = () => {
    ui.run.disabled = busy;
    assign.disabled = busy || !state;
    topicsFile.disabled = busy;
    period.disabled = busy;
    out.inert = busy; // no rename or merge while texts are being placed in the topics
  };
  async function job(button, fn) {
    busy = true;
    sync();
    try { await runJob({ ...ui, run: button }, fn); } finally { busy = false; sync(); }
  }
  const say = (text, how = 'done') => { ui.status.textContent = text; ui.status.dataset.state = how; };

  onLangChange(() => {
    render();
    if (!busy) { ui.status.textContent = ''; delete ui.status.dataset.state; }
  });

  /** Sizes per period again (after a merge, or another period), by the package's rule. */
  async function withTrends(s, per = s.period) {
    const next = { ...s, period: per };
    if (s.dates && s.assignments) next.trends = await topicTrends(s.model, s.assignments, s.dates, { period: per });
    if (s.placed?.dates) {
      const positive = s.placed.placements.map((p) => p.positive);
      next.placed = {
        ...s.placed,
        trends: await topicTrends(s.model, s.placed.placements.map((p) => p.topic), s.placed.dates,
          { period: per, ...(positive.every((p) => p !== null) ? { positive } : {}) }),
      };
    }
    return next;
  }

  /** Makes `next` the state (the current one can be undone back to), draws it, then focuses `focusId`. */
  async function change(next, message, focusId) {
    history.push(state);
    state = next;
    await render();
    say(message);
    if (focusId) document.getElementById(focusId)?.focus();
  }

  async function rename(i, value) {
    const label = value.trim() || null;
    const before = state.model.topics[i].label;
    // Saving the name shown (or the same label) changes nothing: the form just closes.
    if (label === before || (!before && label === (await topicNames(state.model))[i])) {
      await render();
      document.getElementById(`fb-topic-${i}-rename-open`)?.focus();
      return;
    }
    const model = structuredClone(state.model);
    model.topics[i].label = label;
    const names = await topicNames(model);
    await change({ ...state, model }, t('fb.renamed', { n: i + 1, name: names[i] }), `fb-topic-${i}-rename-open`);
  }

  async function merge(into, from) {
    const model = await mergeTopics(state.model, into, from);
    const [target] = await topicsAfterMerge([into], into, from);
    const renumber = (topics) => topicsAfterMerge(topics, into, from);
    const placed = state.placed && await renumber(state.placed.placements.map((p) => p.topic));
    const next = await withTrends({
      ...state,
      model,
      assignments: state.assignments && await renumber(state.assignments),
      placed: placed && { ...state.placed, placements: state.placed.placements.map((p, i) => ({ ...p, topic: placed[i] })) },
    });
    const names = await topicNames(model);
    await change(next, t('fb.merged', { from: from + 1, into: target + 1, name: names[target] }), `fb-topic-${target}`);
  }

  async function undoLast() {
    if (!history.length) return;
    state = history.pop();
    if (state.period !== period.value) state = await withTrends(state, period.value); // the period chosen since stays
    await render();
    say(t('fb.undone'));
    (history.length ? undo : document.getElementById('fb-topic-0'))?.focus();
  }

  let editing = false; // a rename or merge is being applied
  let drawn = 0; // the latest render wins when names arrive out of order
  async function render() {
    const mine = ++drawn;
    const s = state;
    sync();
    if (!s) { out.replaceChildren(); return; }
    const names = await topicNames(s.model);
    if (mine !== drawn) return;
    drawnWidth = out.clientWidth;
    setDownload(saveLink, JSON.stringify(s.model), 'nunchi-topics.json', 'application/json');
    undo.hidden = history.length === 0;
    const topics = s.model.topics;

    let summary;
    if (s.source === 'cluster') {
      // The export is for machines: the same columns and words in every language.
      setDownload(exportLink, toCsv(
        ['text', ...(s.labels ? ['category'] : []), ...(s.dates ? ['date'] : []), 'cluster', 'cluster_name', 'cluster_sentiment'],
        s.texts.map((text, i) => {
          const a = s.assignments[i];
          const c = a === null ? null : topics[a];
          return [text, ...(s.labels ? [s.labels[i]] : []), ...(s.dates ? [s.dates[i]] : []), a === null ? 'other' : a + 1,
            c ? names[a] : 'other', c?.sentiment == null ? '' : c.sentiment.toFixed(3)];
        })), 'nunchi-topics.csv');
      const merged = s.clustered - topics.length;
      const other = s.assignments.filter((a) => a === null).length;
      summary = h('p', { id: 'fb-summary-line' }, t('fb.summary', { k: topics.length, n: s.texts.length }),
        s.kScores.length ? t('fb.chosenK', { k: s.k }) : '',
        merged > 0 ? t('fb.mergedByHand', { n: merged }) : '',
        other ? t('fb.others', { n: other }) : '', '.');
    } else {
      summary = h('p', { id: 'fb-summary-line' }, t('fb.loadedSummary', {
        name: s.fileName, k: topics.length, n: topics.reduce((a, c) => a + c.size, 0), model: s.model.model || '?',
      }), t('fb.loadedNoMap'));
    }

    let placed = null;
    if (s.placed) {
      const p = s.placed;
      setDownload(placedExport, toCsv(['text', ...(p.dates ? ['date'] : []), 'topic', 'name', 'new', 'positive'],
        p.placements.map((x, i) => {
          const where = x.topic !== null ? x.topic + 1 : x.isNew ? 'new' : 'other';
          return [p.texts[i], ...(p.dates ? [p.dates[i]] : []), where, x.topic !== null ? names[x.topic] : where,
            String(x.isNew), x.positive == null ? '' : x.positive.toFixed(3)];
        })), 'nunchi-placed.csv');
      placed = placedSection(p, names, { exportLink: placedExport, container: out });
    }

    // One edit at a time: a click on the cards drawn before the last edit (whose numbers are out of date) does nothing.
    const guard = (fn) => async (...args) => {
      if (editing) return;
      editing = true;
      try { await fn(...args); } catch (e) { say(t('job.error', { message: e?.message ?? e }), 'error'); } finally { editing = false; }
    };
    const handlers = { onRename: guard(rename), onMerge: guard(merge), say: (text) => say(text, 'error') };
    out.replaceChildren(...[
      summary,
      h('div', { class: 'actions' }, s.source === 'cluster' ? exportLink : null, saveLink, undo),
      placed,
      s.source === 'cluster' && s.kScores.length ? kChoice(s, out) : null,
      s.source === 'cluster' ? topicMap(s, names, out) : null,
      s.source === 'cluster' && s.trends ? trendsChart(s.trends, names, { id: 'fb-trends', otherLabel: t('fb.other'), container: out }) : null,
      h('div', { class: 'cards', id: 'fb-cards' }, topics.map((_, i) => topicCard(s.model, names, i, handlers))),
    ].filter(Boolean));
  }

  ui.run.addEventListener('click', () => job(ui.run, async (signal, progress) => {
    const data = input.get();
    if (data.texts.length < 3) throw new Error(t('fb.needTexts'));
    const kValue = document.getElementById('fb-k').value;
    // Sentiment descriptions in the texts' language ('fb.sentimentDescriptions'; true: the package's English ones).
    const opts = { sentiment: t('fb.sentimentDescriptions'), onProgress: taskProgress(progress), signal };
    if (kValue === 'auto') opts.kRange = [2, Math.max(2, Math.min(10, data.texts.length - 1))];
    else opts.k = Math.min(Number(kValue), data.texts.length);
    if (data.dates) Object.assign(opts, { dates: data.dates, period: period.value });
    const t5 = currentT5();
    // Flan-T5 writes English only: Korean topics keep their keyword names.
    if (t5 && !t5.info.testWeights && lang() === 'en') opts.t5 = t5;
    state = null;
    history = [];
    await render();
    progress(null, t('job.loadingEncoder'));
    const enc = await loadModel('encoder', signal);
    const report = await cluster(enc, data.texts, opts);
    state = {
      source: 'cluster', model: report.model, texts: report.texts, assignments: report.assignments, points: report.points,
      labels: data.labels, dates: data.dates, period: period.value, trends: report.trends ?? null,
      k: report.k, kScores: report.kScores, kClose: report.kClose ?? [], clustered: report.clusters.length, placed: null,
    };
    await render();
    progress(1, t('fb.done', { n: report.clusters.length }));
  }));

  assign.addEventListener('click', () => job(assign, async (signal, progress) => {
    if (!state) throw new Error(t('fb.needTopics'));
    const data = input.get();
    if (!data.texts.length) throw new Error(t('fb.needPlaceTexts'));
    const { model } = state;
    progress(null, t('job.loadingEncoder'));
    const enc = await loadModel('encoder', signal);
    // Same width is not enough: the texts must be embedded by the encoder the topics were made with.
    const current = enc.info?.model;
    if (model.model && current && model.model !== current) throw new Error(t('fb.otherEncoder', { made: model.model, current }));
    const opts = { sentiment: t('fb.sentimentDescriptions'), onProgress: taskProgress(progress), signal };
    if (data.dates) Object.assign(opts, { dates: data.dates, period: period.value });
    const { placements, trends } = await assignTopics(enc, model, data.texts, opts);
    state = { ...state, placed: { texts: data.texts, dates: data.dates, placements, trends: trends ?? null } };
    await render();
    progress(1, t('fb.placedDone', { n: placements.length }));
    document.getElementById('fb-placed-h')?.focus();
  }));

  topicsFile.addEventListener('change', async () => {
    const file = topicsFile.files[0];
    if (!file) return;
    try {
      const model = await loadTopics(await file.text());
      state = { source: 'file', fileName: file.name, model, period: period.value, placed: null };
      history = [];
      await render();
      say(t('fb.loaded', { k: model.topics.length, name: file.name }));
    } catch (e) {
      say(t('job.error', { message: e?.message ?? e }), 'error');
    } finally {
      topicsFile.value = ''; // the same file can be chosen again
    }
  });

  // Charts are drawn for the width they have: draw them again when it changes (a phone turned, a
  // window resized, the tab shown again), unless a name is being typed.
  let resizing;
  new ResizeObserver(() => {
    clearTimeout(resizing);
    resizing = setTimeout(async () => {
      const width = out.clientWidth;
      if (!state || busy || !width || Math.abs(width - drawnWidth) < 40 || out.querySelector('form.rename:not([hidden])')) return;
      const focused = out.contains(document.activeElement) ? document.activeElement.id : '';
      await render();
      if (focused) document.getElementById(focused)?.focus();
    }, 250);
  }).observe(out);

  period.addEventListener('change', async () => {
    if (!state) return;
    state = await withTrends(state, period.value);
    await render();
  });
}
