// Small DOM helpers: element building, running a cancellable job with a progress bar.

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

export const pct = (x) => `${(100 * x).toFixed(1)}%`;
export const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Describes a task progress event (embed / classify / train / cluster / title). */
export function describeTask(e) {
  switch (e.status) {
    case 'embed': return `Embedding ${e.done} of ${e.total} texts…`;
    case 'classify': return `Scoring ${e.done} of ${e.total} texts…`;
    case 'train': return 'Training…';
    case 'cluster': return 'Clustering…';
    case 'title': return `Writing titles ${e.done} of ${e.total}…`;
    default: return '';
  }
}

/**
 * Runs `fn(signal, progress)` as a job: the Run button is disabled, Cancel shows
 * (an AbortController), the progress bar follows `progress(fraction|null, text)`.
 */
export async function runJob({ run, cancel, bar, status }, fn) {
  const controller = new AbortController();
  const onCancel = () => controller.abort();
  run.disabled = true;
  cancel.hidden = false;
  cancel.addEventListener('click', onCancel);
  bar.hidden = false;
  bar.value = 0;
  const progress = (fraction, text) => {
    if (fraction === null) bar.removeAttribute('value'); else bar.value = fraction;
    if (text) status.textContent = text;
  };
  try {
    await fn(controller.signal, progress);
  } catch (e) {
    if (e?.code === 'E_ABORTED') status.textContent = 'Cancelled.';
    else { status.textContent = `Error: ${e?.message ?? e}`; console.error(e); }
  } finally {
    run.disabled = false;
    cancel.hidden = true;
    cancel.removeEventListener('click', onCancel);
    bar.hidden = true;
  }
}

/** A task onProgress that drives `progress` from TaskProgress events. */
export const taskProgress = (progress) => (e) => {
  const frac = e.total ? e.done / e.total : null;
  progress(frac, describeTask(e));
};
