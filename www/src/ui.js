// Small DOM helpers: element building, running a cancellable job with a progress bar.
import { t } from './i18n.js';

/** h('div', { class: 'x', onclick }, child, 'text') */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** An element showing the string `key`, marked so a language switch refills it. */
export const ht = (tag, key, attrs = {}) => h(tag, { ...attrs, 'data-i18n': key }, t(key));

export const pct = (x) => `${(100 * x).toFixed(1)}%`;
export const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

const TASKS = ['embed', 'classify', 'train', 'cluster', 'title'];
/** Describes a task progress event (embed / classify / train / cluster / title). */
export const describeTask = (e) => (TASKS.includes(e.status) ? t(`task.${e.status}`, e) : '');

/**
 * Runs `fn(signal, progress)` as a job: the Run button is disabled, Cancel shows
 * (an AbortController), the progress bar follows `progress(fraction|null, text)`.
 * The status element's data-state says how it went, in any language:
 * running, done, cancelled or error.
 */
export async function runJob({ run, cancel, bar, status }, fn) {
  const controller = new AbortController();
  const onCancel = () => controller.abort();
  run.disabled = true;
  cancel.hidden = false;
  cancel.addEventListener('click', onCancel);
  bar.hidden = false;
  bar.value = 0;
  status.dataset.state = 'running';
  const progress = (fraction, text) => {
    if (fraction === null) bar.removeAttribute('value'); else bar.value = fraction;
    if (text) status.textContent = text;
  };
  try {
    await fn(controller.signal, progress);
    status.dataset.state = 'done';
  } catch (e) {
    if (e?.code === 'E_ABORTED') { status.textContent = t('job.cancelled'); status.dataset.state = 'cancelled'; }
    else { status.textContent = t('job.error', { message: e?.message ?? e }); status.dataset.state = 'error'; console.error(e); }
  } finally {
    run.disabled = false;
    cancel.hidden = true;
    cancel.removeEventListener('click', onCancel);
    bar.hidden = true;
  }
}

/**
 * Seconds left at the rate since `start` (ms) when `from` of `total` were done,
 * or null until a second of work gives a rate worth going by.
 */
export function secondsLeft(start, from, done, total, now = performance.now()) {
  const elapsed = (now - start) / 1000;
  if (elapsed < 1 || done <= from || done >= total) return null;
  return (elapsed / (done - from)) * (total - done);
}

/** "about 40 s left", "about 3 min left". */
export const describeTimeLeft = (seconds) => (seconds < 90
  ? t('job.secondsLeft', { n: Math.max(1, Math.round(seconds)) })
  : t('job.minutesLeft', { n: Math.round(seconds / 60) }));

/**
 * A task onProgress that drives `progress` from TaskProgress events, with the
 * time left in each counted stage (embedding, scoring, titles) at its rate so far.
 */
export const taskProgress = (progress) => {
  let stage = null;
  return (e) => {
    // The page says which encoder suits the texts itself (input.js).
    if (e.status === 'warning') return;
    if (stage?.status !== e.status) stage = { status: e.status, start: performance.now(), from: e.done ?? 0 };
    const frac = e.total ? e.done / e.total : null;
    const left = e.total ? secondsLeft(stage.start, stage.from, e.done, e.total) : null;
    progress(frac, left === null ? describeTask(e) : `${describeTask(e)} ${describeTimeLeft(left)}`);
  };
};
