// Saved topic models: put new texts into the topics `cluster` found (or call
// them new), merge topics, name them, and count them over time. A topic model
// is a plain object (`cluster`'s `report.model`, or its JSON); every rule on
// it lives in Rust (crates/tasks/src/topics.rs and trends.rs).
import { ensureWasm } from './runtime.js';
import { nunchiError } from './errors.js';
import { checkCallOptions } from './options.js';
import { embedAll, checkTexts, checkDates, checkSentiment, positiveProbability } from './tasks.js';

/** The model as JSON text for the wasm calls, which check it. */
function modelJson(model, where) {
  if (typeof model === 'string') return model;
  if (model !== null && typeof model === 'object') return JSON.stringify(model);
  throw nunchiError('E_INPUT', `${where}: expected a topic model (cluster's report.model) or its JSON text`);
}

/** Reads a saved topic model (an object or JSON text), checking it is whole. */
export async function loadTopics(model) {
  const wasm = await ensureWasm();
  return wasm.checkTopicModel(modelJson(model, 'loadTopics'));
}

/** What to call each topic: its `label` if the user gave one, else its title, else its keywords. */
export async function topicNames(model) {
  const wasm = await ensureWasm();
  return wasm.topicNames(modelJson(model, 'topicNames'));
}

/** A new model with topic `from` folded into topic `into`; later topics move down by one. */
export async function mergeTopics(model, into, from) {
  const wasm = await ensureWasm();
  if (!Number.isInteger(into) || !Number.isInteger(from) || into < 0 || from < 0) {
    throw nunchiError('E_INPUT', `mergeTopics: topics are indices, got ${into} and ${from}`);
  }
  return wasm.mergeTopics(modelJson(model, 'mergeTopics'), into, from);
}

/** Topic indices (or null) as the wasm calls take them: -1 for none. */
function topicIndices(topics, where) {
  if (!Array.isArray(topics) || topics.some((t) => t !== null && !Number.isInteger(t))) {
    throw nunchiError('E_INPUT', `${where}: topics must be an array of topic indices or null`);
  }
  return Int32Array.from(topics, (t) => t ?? -1);
}

/**
 * Each text's topic after `mergeTopics(model, into, from)`: the texts of
 * `from` join `into` and later topics move down by one, as the merge does.
 */
export async function topicsAfterMerge(topics, into, from) {
  const wasm = await ensureWasm();
  return Array.from(wasm.topicsAfterMerge(topicIndices(topics, 'topicsAfterMerge'), into, from), (t) => (t < 0 ? null : t));
}

/**
 * Texts per topic per period: `topics[i]` is text i's topic index (or null),
 * `dates[i]` its date (YYYY-MM-DD). `{ period, periods, sizes, other, sentiment }`.
 */
export async function topicTrends(model, topics, dates, opts) {
  const { period = 'week', positive } = checkCallOptions('topicTrends', opts);
  const wasm = await ensureWasm();
  const checked = wasm.checkTopicModel(modelJson(model, 'topicTrends'));
  const indices = topicIndices(topics, 'topicTrends');
  checkDates(wasm, dates, topics.length, 'topicTrends');
  return wasm.topicTrends(indices, checked.topics.length, dates, period, positive);
}

/**
 * Puts texts into a saved model's topics: `{ placements, trends }`, with
 * `placements[i] = { topic, name, isNew, distance, positive }` (topic null
 * when the text is "other" or new: farther from every topic than the texts it
 * was made from, times `radiusScale`, default 1.1), and trends per period when
 * `dates` are given.
 */
export async function assignTopics(encoder, model, texts, opts) {
  const {
    radiusScale, sentiment = true, dates, period = 'week', onProgress, signal,
  } = checkCallOptions('assignTopics', opts);
  checkTexts(texts, 'assignTopics');
  checkSentiment(sentiment, 'assignTopics');
  if (radiusScale !== undefined && typeof radiusScale !== 'number') {
    throw nunchiError('E_INPUT', 'assignTopics: radiusScale must be a number');
  }
  const wasm = await ensureWasm();
  if (dates !== undefined) checkDates(wasm, dates, texts.length, 'assignTopics');
  const json = modelJson(model, 'assignTopics');
  const checked = wasm.checkTopicModel(json);
  if (encoder.info?.dim !== undefined) wasm.checkTopicEncoder(json, encoder.info.model ?? '', encoder.info.dim);
  const names = wasm.topicNames(json);
  const { data, dim } = await embedAll(encoder, texts, { onProgress, signal, prefix: checked.prefix });
  const placed = wasm.placeInTopics(json, data, dim, radiusScale);
  const positive = sentiment
    ? await positiveProbability(encoder, data, dim, checked.prefix, sentiment === true ? undefined : sentiment)
    : undefined;
  const placements = placed.map((p, i) => ({
    ...p, name: p.topic === null ? null : names[p.topic], positive: positive?.[i] ?? null,
  }));
  const trends = dates === undefined ? undefined : wasm.topicTrends(
    Int32Array.from(placed, (p) => p.topic ?? -1), checked.topics.length, dates, period, positive,
  );
  return { placements, trends };
}
