// The analysis tasks: classification five ways (one of them a fine-tuned model's own
// head), few-shot heads, metrics and clustering. Models may be this package's or
// the Worker client's: tasks only call their public `embed`, `score`, `generate`
// and `classify`, and run the numeric parts (in Rust) on this thread.
import { ensureWasm, yieldToEventLoop } from './runtime.js';
import { nunchiError, abortError } from './errors.js';
import { checkCallOptions } from './options.js';

const SEED = 20261125;
/** Cosines of unrelated sentences sit close together: sharpen before softmax. */
const ZERO_SHOT_TEMPERATURE = 0.05;
export function checkTexts(texts, where) {
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) {
    throw nunchiError('E_INPUT', `${where}: texts must be an array of strings`);
  }
  if (texts.length === 0) throw nunchiError('E_INPUT', `${where}: no texts given: pass at least one`);
}

export function checkLabels(labels, where) {
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) {
    throw nunchiError('E_INPUT', `${where}: labels must be an array of strings`);
  }
}

/** Checks labelled texts: both arrays of strings, one label per text. */
export function checkExamples(texts, labels, where) {
  checkTexts(texts, where);
  checkLabels(labels, where);
  if (labels.length !== texts.length) throw nunchiError('E_INPUT', `${where}: ${labels.length} labels for ${texts.length} texts`);
}

/**
 * The text tasks put before every input: the model's own query prefix (e5's
 * "query: ", recommended for classification and clustering) unless `prefix`
 * overrides it ('' for none).
 */
export function taskPrefix(encoder, prefix) {
  if (prefix !== undefined && typeof prefix !== 'string') throw nunchiError('E_INPUT', 'prefix must be a string');
  return prefix ?? encoder.info?.prefixes?.query ?? '';
}

const withPrefix = (texts, prefix) => (prefix ? texts.map((t) => prefix + t) : texts);

/** Languages each encoder was warned about on the console, so a page hears it once. */
const warnedLanguages = new WeakMap();

/**
 * When the encoder's vocabulary does not suit the texts' language (Rust's rule,
 * `encoderFit`: Korean texts and all-MiniLM-L6-v2), says what to use instead:
 * a `{ status: 'warning', code: 'W_LANGUAGE', language, message }` progress
 * event, or without `onProgress`, console.warn once per encoder and language.
 */
function warnOnLanguage(wasm, encoder, texts, onProgress) {
  const { scripts, model } = encoder.info ?? {};
  if (!Array.isArray(scripts)) return;
  const fit = wasm.encoderFit(texts, scripts, model ?? 'this encoder');
  if (!fit.advice) return;
  if (onProgress) {
    onProgress({ status: 'warning', code: 'W_LANGUAGE', language: fit.language, message: fit.advice });
    return;
  }
  const seen = warnedLanguages.get(encoder) ?? new Set();
  warnedLanguages.set(encoder, seen);
  if (!seen.has(fit.language)) {
    seen.add(fit.language);
    console.warn(`nunchi: ${fit.advice}`);
  }
}

/**
 * Embeds any number of texts after the task prefix, by the plan the native
 * tasks follow (Rust's `embed_batches`: shortest first in batches, the
 * model's pooling, L2-normalized), reporting `{ status: 'embed', done, total }`
 * (after a `warning` when the encoder does not read the texts' language) and
 * stopping on `signal`. Returns `{ data: Float32Array (n × dim), dim }` in
 * input order.
 */
export async function embedAll(encoder, texts, opts) {
  const { onProgress, signal, batchSize, prefix } = checkCallOptions('embedAll', opts);
  checkTexts(texts, 'embedAll');
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) {
    throw nunchiError('E_INPUT', `embedAll: batchSize must be a positive integer, got ${batchSize}`);
  }
  const wasm = await ensureWasm();
  warnOnLanguage(wasm, encoder, texts, onProgress);
  texts = withPrefix(texts, taskPrefix(encoder, prefix));
  const { batches, pooling, normalize } = wasm.taskEmbedPlan(texts, encoder.info?.pooling ?? 'mean', batchSize ?? 0);
  let data;
  let dim = 0;
  let done = 0;
  for (const batch of batches) {
    if (signal?.aborted) throw abortError();
    const r = await encoder.embed(Array.from(batch, (i) => texts[i]), { pooling, normalize });
    dim = r.dims[1];
    data ??= new Float32Array(texts.length * dim);
    batch.forEach((i, row) => data.set(r.data.subarray(row * dim, (row + 1) * dim), i * dim));
    done += batch.length;
    onProgress?.({ status: 'embed', done, total: texts.length });
    await yieldToEventLoop();
  }
  return { data, dim };
}

/**
 * `[{ label, score, scores: { [label]: probability } }]`, one per text, `scores`
 * in label order; with `topK`, only the `topK` most probable labels, most
 * probable first (ties in label order), as transformers.js's `top_k` lists them.
 */
function toResults(p, topK) {
  const n = p.best.length;
  const width = p.labels.length;
  const out = new Array(n);
  const all = [...Array(width).keys()];
  for (let i = 0; i < n; i++) {
    const row = p.probabilities.subarray(i * width, (i + 1) * width);
    const order = topK === undefined ? all : [...all].sort((a, b) => row[b] - row[a]).slice(0, topK);
    const scores = {};
    for (const j of order) scores[p.labels[j]] = row[j];
    out[i] = { label: p.labels[p.best[i]], score: row[p.best[i]], scores };
  }
  return out;
}

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Labels and one description each: `descriptions` as an array (one per label,
 * in the labels' order) or an object `{ label: description }` matched to the
 * labels by name in Rust (its keys are the labels when `labels` is left out).
 */
function labelDescriptions(wasm, labels, descriptions) {
  if (isPlainObject(descriptions)) {
    const keys = Object.keys(descriptions);
    const values = Object.values(descriptions);
    if (values.some((d) => typeof d !== 'string')) throw nunchiError('E_INPUT', 'zeroShot: every description must be a string');
    labels ??= keys;
    checkLabels(labels, 'zeroShot');
    return { labels, descriptions: wasm.describeLabels(keys, values, labels) };
  }
  checkLabels(labels, 'zeroShot');
  descriptions ??= labels;
  checkLabels(descriptions, 'zeroShot (descriptions)');
  if (descriptions.length !== labels.length) {
    throw nunchiError('E_INPUT', `zeroShot: ${descriptions.length} descriptions for ${labels.length} labels`);
  }
  return { labels, descriptions };
}

/**
 * Zero-shot classification by label embeddings: each text goes to the label
 * whose description it is most similar to.
 */
export async function zeroShot(encoder, texts, opts) {
  const { labels: given, descriptions: givenDescriptions, temperature = ZERO_SHOT_TEMPERATURE, prefix, onProgress, signal } =
    checkCallOptions('zeroShot', opts);
  checkTexts(texts, 'zeroShot');
  const wasm = await ensureWasm();
  const { labels, descriptions } = labelDescriptions(wasm, given, givenDescriptions);
  const described = await encoder.embed(withPrefix(descriptions, taskPrefix(encoder, prefix)));
  const { data, dim } = await embedAll(encoder, texts, { onProgress, signal, prefix });
  return toResults(wasm.zeroShotPredict(labels, described.data, data, dim, temperature));
}

/** The default prompt: Flan-T5's instruction style. `{text}` is replaced by each text. */
export const DEFAULT_TEMPLATE = 'Is the following review positive or negative?\n{text}';

/**
 * Classification by prompting a text-to-text model: each label is scored as
 * the answer (mean token log-probability, so long labels are not penalized).
 */
export async function classify(t5, texts, opts) {
  const { labels, template = DEFAULT_TEMPLATE, onProgress, signal } =
    checkCallOptions('classify', opts);
  checkTexts(texts, 'classify');
  checkLabels(labels, 'classify');
  if (typeof template !== 'string' || !template.includes('{text}')) {
    throw nunchiError('E_INPUT', 'classify: the template must contain {text} where the text goes');
  }
  const wasm = await ensureWasm();
  const scores = new Float32Array(texts.length * labels.length);
  for (let i = 0; i < texts.length; i++) {
    if (signal?.aborted) throw abortError();
    const s = await t5.score(template.replaceAll('{text}', texts[i]), labels);
    s.forEach((c, j) => { scores[i * labels.length + j] = c.logprob / c.tokens; });
    onProgress?.({ status: 'classify', done: i + 1, total: texts.length });
    await yieldToEventLoop();
  }
  return toResults(wasm.predictFromScores(labels, scores, 1));
}

/**
 * Classification by a fine-tuned model's own head (a `TextClassifier`, from
 * this package, the Worker client or a pool): its labels and its probabilities
 * (softmax, or a sigmoid per label for a multi-label model). Texts run in the
 * batches the native tasks use, shortest first.
 */
export async function textClassification(model, texts, opts) {
  const { topK, onProgress, signal } = checkCallOptions('textClassification', opts);
  checkTexts(texts, 'textClassification');
  if (topK !== undefined && !(Number.isInteger(topK) && topK > 0)) {
    throw nunchiError('E_INPUT', `textClassification: topK must be a positive integer, got ${JSON.stringify(topK) ?? String(topK)}`);
  }
  if (typeof model?.classify !== 'function') {
    throw nunchiError('E_INPUT', 'textClassification: model must be a TextClassifier (with labels and classify)');
  }
  const labels = model.labels;
  checkLabels(labels, 'textClassification (the model\'s labels)');
  const wasm = await ensureWasm();
  // The batches of `classify_with_model` (Rust's embed_batches); the pooling named here is unused.
  const { batches } = wasm.taskEmbedPlan(texts, 'cls', 0);
  const width = labels.length;
  const probabilities = new Float32Array(texts.length * width);
  let done = 0;
  for (const batch of batches) {
    if (signal?.aborted) throw abortError();
    const r = await model.classify(Array.from(batch, (i) => texts[i]));
    if (r.dims[0] !== batch.length || r.dims[1] !== width) {
      throw nunchiError('E_BACKEND', `textClassification: the model gave [${r.dims}] scores for ${batch.length} texts and ${width} labels`);
    }
    batch.forEach((i, row) => probabilities.set(r.scores.subarray(row * width, (row + 1) * width), i * width));
    done += batch.length;
    onProgress?.({ status: 'classify', done, total: texts.length });
    await yieldToEventLoop();
  }
  return toResults(wasm.predictFromProbabilities(labels, probabilities), topK);
}

/** Label names in first-seen order, and each text's index among them. */
function indexLabels(labels, names) {
  const known = names ?? [...new Set(labels)];
  const y = new Uint32Array(labels.length);
  labels.forEach((l, i) => {
    const j = known.indexOf(l);
    if (j < 0) throw nunchiError('E_INPUT', `label '${l}' is not one of the classifier's labels (${known.join(', ')})`);
    y[i] = j;
  });
  return { names: known, y };
}

/** scikit-learn's classification report: accuracy, per-label precision/recall/F1/support, averages, confusion matrix. */
export async function evaluate(truth, predicted, labels) {
  checkLabels(truth, 'evaluate');
  checkLabels(predicted, 'evaluate');
  const wasm = await ensureWasm();
  const names = labels ?? [...new Set([...truth, ...predicted])];
  return wasm.classificationReport(names, indexLabels(truth, names).y, indexLabels(predicted, names).y);
}

/** A few-shot head over an encoder's embeddings, trained on the user's labels. */
export class Classifier {
  #inner;
  #encoder;
  #prefix;
  /** k-fold cross-validation run before training (or undefined with `folds: 0`). */
  crossValidation;

  constructor(inner, encoder, crossValidation, prefix) {
    this.#inner = inner;
    this.#encoder = encoder;
    this.#prefix = prefix;
    this.crossValidation = crossValidation;
  }

  get labels() { return this.#alive().labels; }
  get head() { return this.#alive().head; }

  #alive() {
    if (!this.#inner) throw nunchiError('E_INPUT', 'this Classifier was disposed');
    return this.#inner;
  }

  /** Classifies texts: `[{ label, score, scores }]`. */
  async predict(texts, opts) {
    const { onProgress, signal } = checkCallOptions('predict', opts);
    // Texts get the prefix the head was trained with.
    const { data } = await embedAll(this.#encoder, texts, { onProgress, signal, prefix: this.#prefix });
    return toResults(this.#alive().predict(data));
  }

  /** Predicts labelled texts and returns the classification report. */
  async evaluate(texts, labels, opts) {
    checkExamples(texts, labels, 'evaluate');
    const results = await this.predict(texts, opts);
    return evaluate(labels, results.map((r) => r.label), this.labels);
  }

  /** The trained head as a plain object (`JSON.stringify` it to save). */
  toJSON() { return JSON.parse(this.#alive().toJSON()); }

  /** Restores a saved head onto the encoder it was trained with. */
  static async fromJSON(json, encoder) {
    const wasm = await ensureWasm();
    const text = typeof json === 'string' ? json : JSON.stringify(json);
    const inner = wasm.Classifier.fromJSON(text);
    const dim = encoder.info?.dim;
    if (dim !== undefined && dim !== inner.dim) {
      inner.free();
      throw nunchiError('E_INPUT', `this classifier was trained on ${inner.dim}-dimensional embeddings, the encoder gives ${dim}`);
    }
    return new Classifier(inner, encoder);
  }

  dispose() { this.#inner?.free(); this.#inner = undefined; }
}

/**
 * Trains a few-shot head (`'logistic'` regression or `'nearest-centroid'`) on
 * labelled texts, after `folds`-fold cross-validation that estimates its accuracy.
 */
export async function trainClassifier(encoder, texts, labels, opts) {
  const { head = 'logistic', folds = 5, prefix, onProgress, signal } =
    checkCallOptions('trainClassifier', opts);
  checkExamples(texts, labels, 'trainClassifier');
  const wasm = await ensureWasm();
  const { names, y } = indexLabels(labels);
  const { data, dim } = await embedAll(encoder, texts, { onProgress, signal, prefix });
  if (signal?.aborted) throw abortError();
  onProgress?.({ status: 'train' });
  const model = encoder.info?.model ?? '';
  const cv = folds > 1 ? wasm.Classifier.crossValidate(data, dim, y, names, head, folds, SEED) : undefined;
  return new Classifier(wasm.Classifier.train(model, data, dim, y, names, head), encoder, cv, prefix);
}

/**
 * Each text's probability of being positive: zero-shot against a negative and
 * a positive description (default: the ones clustering uses), embedded as the
 * texts were.
 */
export async function positiveProbability(encoder, data, dim, prefix, descriptions) {
  const wasm = await ensureWasm();
  const described = await encoder.embed(withPrefix(descriptions ?? wasm.sentimentDescriptions(), prefix));
  return wasm.positiveProbability(described.data, data, dim);
}

export function checkSentiment(sentiment, where) {
  if (sentiment === true || sentiment === false) return;
  if (!(Array.isArray(sentiment) && sentiment.length === 2 && sentiment.every((d) => typeof d === 'string'))) {
    throw nunchiError('E_INPUT', `${where}: sentiment must be true, false, or [negative description, positive description]`);
  }
}

/**
 * Clusters feedback into topics: k-means++ (k given, or chosen by silhouette),
 * tiny clusters folded into `other`, representative texts, keywords, a 2-D
 * map, mean sentiment, titles from a text-to-text model when `t5` is given,
 * and topic sizes per period when `dates` are given. `report.model` is the
 * topic model to save (`JSON.stringify`) and place new texts in (`assignTopics`).
 */
export async function cluster(encoder, texts, opts) {
  const {
    k, kRange = [2, 10], minClusterSize, seed = SEED, t5, sentiment = true, prefix, dates, period = 'week',
    onProgress, signal,
  } = checkCallOptions('cluster', opts);
  checkTexts(texts, 'cluster');
  checkSentiment(sentiment, 'cluster');
  const wasm = await ensureWasm();
  if (k !== undefined) {
    if (!Number.isInteger(k)) throw nunchiError('E_INPUT', `cluster: k must be a positive integer, got ${k}`);
    wasm.checkClusterCount(k, texts.length);
  }
  if (dates !== undefined) checkDates(wasm, dates, texts.length, 'cluster');
  const usedPrefix = taskPrefix(encoder, prefix);
  const t0 = performance.now();
  const { data, dim } = await embedAll(encoder, texts, { onProgress, signal, prefix });
  const embedMs = performance.now() - t0;
  if (signal?.aborted) throw abortError();
  let positive;
  let sentimentMs = 0;
  if (sentiment) {
    const t = performance.now();
    positive = await positiveProbability(encoder, data, dim, usedPrefix, sentiment === true ? undefined : sentiment);
    sentimentMs = performance.now() - t;
  }
  onProgress?.({ status: 'cluster' });
  const report = wasm.clusterEmbeddings(
    texts, data, dim, k, kRange[0], kRange[1], minClusterSize, seed, encoder.info?.model ?? '', usedPrefix, positive,
  );
  report.timings.unshift({ stage: 'embed', ms: embedMs });
  if (sentiment) report.timings.push({ stage: 'sentiment', ms: sentimentMs });
  report.texts = texts;
  if (t5) {
    const t = performance.now();
    for (const [i, c] of report.clusters.entries()) {
      if (signal?.aborted) throw abortError();
      const prompt = wasm.titlePrompt(c.representatives.map((j) => texts[j]));
      c.title = (await t5.generate(prompt, { maxNewTokens: 12 })).trim();
      report.model.topics[i].title = c.title;
      onProgress?.({ status: 'title', done: i + 1, total: report.clusters.length });
    }
    report.timings.push({ stage: 'titles', ms: performance.now() - t });
  }
  if (dates !== undefined) {
    report.trends = wasm.topicTrends(
      Int32Array.from(report.assignments, (a) => a ?? -1), report.clusters.length, dates, period, positive,
    );
  }
  return report;
}

/**
 * The language of a set of texts, by rule (scripts, and English function words
 * for Latin script): `{ language, share, counts, english, unsure }`. `english`
 * says the English encoders suit the texts; otherwise use a multilingual one.
 */
export async function detectLanguage(texts) {
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) {
    throw nunchiError('E_INPUT', 'detectLanguage: texts must be an array of strings');
  }
  const wasm = await ensureWasm();
  return wasm.detectLanguage(texts);
}

/** One date string per text, each one that reads (checked in Rust, before any embedding). */
export function checkDates(wasm, dates, n, where) {
  if (!Array.isArray(dates) || dates.some((d) => typeof d !== 'string')) {
    throw nunchiError('E_INPUT', `${where}: dates must be an array of strings (YYYY-MM-DD)`);
  }
  if (dates.length !== n) throw nunchiError('E_INPUT', `${where}: ${dates.length} dates for ${n} texts`);
  wasm.checkDates(dates);
}
