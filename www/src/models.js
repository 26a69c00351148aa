// The models, loaded once each through the package's Worker client, with their
// load progress, size and device shown in the Models panel.
import { createWorkerClient } from 'nunchi/client';
import { ENCODER_URL, T5_URL, absolute } from './config.js';
import { h, mb } from './ui.js';

let client;
const getClient = () => (client ??= createWorkerClient());
const loaded = { encoder: null, t5: null };
const listeners = new Set();

/** Called with (kind, model) whenever a model finishes loading. */
export const onModelLoaded = (fn) => listeners.add(fn);
export const currentT5 = () => loaded.t5?.model ?? null;

function panel(kind) {
  const row = document.getElementById(kind === 'encoder' ? 'model-encoder' : 'model-t5');
  const field = (name) => row.querySelector(`[data-field="${name}"]`);
  return { row, progress: field('progress'), status: field('status'), badges: field('badges'), source: field('source'), button: row.querySelector('[data-action="load"]') };
}

function showProgress(ui, e) {
  if (e.status === 'download') {
    ui.progress.max = e.total || 1;
    ui.progress.value = e.loaded;
    ui.status.textContent = e.total ? `downloading ${mb(e.loaded)} of ${mb(e.total)}` : `downloading ${mb(e.loaded)}`;
  } else if (e.status === 'cached') {
    ui.progress.max = 1; ui.progress.value = 1;
    ui.status.textContent = 'found in this browser’s cache';
  } else if (e.status === 'parse') {
    ui.progress.removeAttribute('value');
    ui.status.textContent = 'preparing the model…';
  } else if (e.status === 'ready') {
    ui.progress.max = 1; ui.progress.value = 1;
    ui.status.textContent = `ready in ${(e.ms / 1000).toFixed(1)} s`;
  }
}

function showInfo(ui, info) {
  ui.badges.replaceChildren(...[
    h('span', { class: 'badge', title: 'Where the model runs' }, info.device),
    h('span', { class: 'badge' }, `${info.quant}, ${mb(info.bytes)}`),
    info.fallbackReason ? h('span', { class: 'badge warn' }, `fallback: ${info.fallbackReason}`) : null,
    info.testWeights ? h('span', { class: 'badge warn' }, 'test weights') : null,
  ].filter(Boolean));
  if (info.testWeights) {
    const w = document.getElementById('t5-test-warning');
    w.hidden = false;
    w.textContent = 'This Flan-T5 is a test model with generated weights: its answers and titles are meaningless. '
      + 'Point VITE_T5_URL at real weights (e.g. https://huggingface.co/google/flan-t5-small) for real answers.';
  }
}

/** Loads (once) the model of `kind` ('encoder' | 't5'); `signal` cancels a load in progress. */
export function loadModel(kind, signal) {
  if (loaded[kind]) return loaded[kind].promise;
  const ui = panel(kind);
  const url = absolute(kind === 'encoder' ? ENCODER_URL : T5_URL);
  const Kind = kind === 'encoder' ? getClient().Encoder : getClient().Text2Text;
  ui.button.disabled = true;
  ui.status.textContent = 'starting…';
  const entry = { model: null };
  entry.promise = Kind.load(url, { onProgress: (e) => showProgress(ui, e), signal }).then((model) => {
    entry.model = model;
    showInfo(ui, model.info);
    ui.button.hidden = true;
    for (const fn of listeners) fn(kind, model);
    return model;
  }, (e) => {
    loaded[kind] = null;
    ui.button.disabled = false;
    ui.progress.value = 0;
    ui.status.textContent = e?.code === 'E_ABORTED' ? 'load cancelled' : `failed: ${e?.message ?? e}`;
    throw e;
  });
  loaded[kind] = entry;
  return entry.promise;
}

export function initModels() {
  for (const kind of ['encoder', 't5']) {
    const ui = panel(kind);
    const url = kind === 'encoder' ? ENCODER_URL : T5_URL;
    ui.source.textContent = `(${url.split('/').filter(Boolean).pop()})`;
    ui.button.addEventListener('click', () => loadModel(kind).catch(() => {}));
  }
}
