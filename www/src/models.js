// The models, loaded once each through the package's Worker client, with their
// load progress, size and device shown in the Models panel. The sentence encoder
// depends on the UI language (config.js ENCODERS); each one loads when first
// needed and stays loaded, so switching back is instant.
import { createWorkerClient } from 'nunchi/client';
import { ENCODERS, T5_URL, DEVICE, absolute } from './config.js';
import { t, lang, onLangChange } from './i18n.js';
import { h, mb } from './ui.js';

let client;
const getClient = () => (client ??= createWorkerClient());
/** url → { model, promise, status: [key, params], progress: { max, value } } */
const entries = new Map();

const urlFor = (kind) => (kind === 'encoder' ? ENCODERS[lang()] : T5_URL);
export const currentT5 = () => entries.get(T5_URL)?.model ?? null;

function panel(kind) {
  const row = document.getElementById(kind === 'encoder' ? 'model-encoder' : 'model-t5');
  const field = (name) => row.querySelector(`[data-field="${name}"]`);
  return { row, progress: field('progress'), status: field('status'), badges: field('badges'), source: field('source'), button: row.querySelector('[data-action="load"]') };
}

function badges(info) {
  return [
    h('span', { class: 'badge', title: t('model.device') }, info.device),
    h('span', { class: 'badge' }, `${info.quant}, ${mb(info.bytes)}`),
    // The reason can be a long sentence: it goes in the tooltip, so the row fits a phone.
    info.fallbackReason ? h('span', { class: 'badge warn', title: info.fallbackReason }, t('model.fallback')) : null,
    info.testWeights ? h('span', { class: 'badge warn' }, t('model.testWeights')) : null,
  ].filter(Boolean);
}

/** Paints the row of `kind` from the state of its current model (the language's encoder). */
function paint(kind) {
  const ui = panel(kind);
  const url = urlFor(kind);
  const entry = entries.get(url);
  ui.source.textContent = `(${url.split('/').filter(Boolean).pop()})`;
  const [key, params] = entry?.status ?? [`${kind}.idle`];
  ui.status.textContent = t(key, params);
  const { max, value } = entry?.progress ?? { max: 1, value: 0 };
  ui.progress.max = max;
  if (value === null) ui.progress.removeAttribute('value'); else ui.progress.value = value;
  ui.badges.replaceChildren(...(entry?.model ? badges(entry.model.info) : []));
  ui.button.hidden = !!entry?.model;
  ui.button.disabled = !!entry;
  const test = kind === 't5' && entry?.model?.info.testWeights;
  if (test) {
    const w = document.getElementById('t5-test-warning');
    w.hidden = false;
    w.textContent = t('t5.testWarning');
  }
}

function progressState(e) {
  if (e.status === 'download') {
    return {
      status: e.total ? ['model.download', { loaded: mb(e.loaded), total: mb(e.total) }] : ['model.downloadOpen', { loaded: mb(e.loaded) }],
      progress: { max: e.total || 1, value: e.loaded },
    };
  }
  if (e.status === 'cached') return { status: ['model.cached'], progress: { max: 1, value: 1 } };
  if (e.status === 'parse') return { status: ['model.parse'], progress: { max: 1, value: null } };
  if (e.status === 'ready') return { status: ['model.ready', { s: (e.ms / 1000).toFixed(1) }], progress: { max: 1, value: 1 } };
  return {};
}

/** Loads (once) the model of `kind` ('encoder' | 't5'); `signal` cancels a load in progress. */
export function loadModel(kind, signal) {
  const url = urlFor(kind);
  if (entries.has(url)) return entries.get(url).promise;
  const Kind = kind === 'encoder' ? getClient().Encoder : getClient().Text2Text;
  const entry = { model: null, status: ['model.starting'], progress: { max: 1, value: 0 } };
  // Paint only while this model is the one shown (the language may change mid-load).
  const update = () => { if (urlFor(kind) === url) paint(kind); };
  entry.promise = Kind.load(absolute(url), {
    onProgress: (e) => { Object.assign(entry, progressState(e)); update(); },
    signal,
    device: DEVICE,
  }).then((model) => {
    entry.model = model;
    update();
    return model;
  }, (e) => {
    entries.delete(url);
    const ui = panel(kind);
    if (urlFor(kind) === url) {
      paint(kind);
      ui.status.textContent = e?.code === 'E_ABORTED' ? t('model.cancelled') : t('model.failed', { message: e?.message ?? e });
    }
    throw e;
  });
  entries.set(url, entry);
  update();
  return entry.promise;
}

/** url → the promise of a fine-tuned classifier (the Classify tab's "Use a fine-tuned model"). */
const classifiers = new Map();

/** Loads (once) the fine-tuned classification model at `url`; a failed load is forgotten. */
export function loadClassifier(url, signal, onProgress) {
  const key = absolute(url);
  if (!classifiers.has(key)) {
    const promise = getClient().TextClassifier.load(key, { onProgress, signal, device: DEVICE });
    classifiers.set(key, promise);
    promise.catch(() => classifiers.delete(key));
  }
  return classifiers.get(key);
}

export function initModels() {
  for (const kind of ['encoder', 't5']) {
    paint(kind);
    panel(kind).button.addEventListener('click', () => loadModel(kind).catch(() => {}));
  }
  onLangChange(() => { paint('encoder'); paint('t5'); });
}
