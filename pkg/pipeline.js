// transformers.js' `pipeline(task, model, options)` for the four text tasks
// nunchi runs, over its public models and tasks, with transformers.js' option
// names and output shapes, so a program written for it runs with its import
// changed. Options are mapped (or refused) by the table in pipeline-options.js.
import { nunchiError } from './errors.js';
import { textClassification, zeroShot } from './tasks.js';
import { mapPipelineOptions } from './pipeline-options.js';

/** transformers.js' default hypothesis for zero-shot classification. */
const DEFAULT_HYPOTHESIS = 'This example is {}.';
/** transformers.js' text2text pipeline default, and its generation config's sampling defaults. */
const TEXT2TEXT_DEFAULTS = { maxNewTokens: 256, temperature: 1, topK: 50, topP: 1 };

/** A Tensor as transformers.js returns it: row-major float32 `data` of shape `dims`. */
class Tensor {
  constructor(data, dims) {
    this.type = 'float32';
    this.data = data;
    this.dims = dims;
  }

  get size() { return this.data.length; }

  /** Nested arrays of numbers, one level per dimension. */
  tolist() {
    const { data, dims } = this;
    const strides = dims.map((_, axis) => dims.slice(axis + 1).reduce((a, b) => a * b, 1));
    const build = (offset, axis) => (axis === dims.length - 1
      ? Array.from(data.subarray(offset, offset + dims[axis]))
      : Array.from({ length: dims[axis] }, (_, i) => build(offset + i * strides[axis], axis + 1)));
    return build(0, 0);
  }
}

function textsOf(texts, where) {
  const list = typeof texts === 'string' ? [texts] : texts;
  if (!Array.isArray(list) || list.length === 0 || list.some((t) => typeof t !== 'string')) {
    throw nunchiError('E_INPUT', `${where}: texts must be a string or a non-empty array of strings`);
  }
  return list;
}

async function featureExtraction(encoder, texts, options) {
  const where = 'feature-extraction';
  // transformers.js' defaults: token vectors, not normalized.
  const { pooling = 'none', normalize = false } = mapPipelineOptions(where, options, where);
  const { data, dims } = await encoder.embed(textsOf(texts, where), { pooling, normalize });
  return new Tensor(data, dims);
}

async function classifyTexts(model, texts, options) {
  const where = 'text-classification';
  const { topK = 1 } = mapPipelineOptions(where, options, where);
  const list = textsOf(texts, where);
  const results = await textClassification(model, list, { topK: topK === 'all' ? model.labels.length : topK });
  // Most probable first; ties keep the model's label order (a stable sort).
  const rows = results.map((r) => Object.entries(r.scores).map(([label, score]) => ({ label, score }))
    .sort((a, b) => b.score - a.score));
  // transformers.js' shapes: with top_k 1, one flat list of each text's best label;
  // otherwise a list per text, unwrapped for a single string.
  if (topK === 1) return rows.flat();
  return Array.isArray(texts) ? rows : rows[0];
}

async function zeroShotClassification(encoder, texts, candidateLabels, options) {
  const where = 'zero-shot-classification';
  const { template = DEFAULT_HYPOTHESIS } = mapPipelineOptions(where, options, where);
  const list = textsOf(texts, where);
  const labels = typeof candidateLabels === 'string' ? [candidateLabels] : candidateLabels;
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) {
    throw nunchiError('E_INPUT', `${where}: candidate_labels must be a string or an array of strings`);
  }
  if (labels.length < 2) {
    // transformers.js scores a lone label by entailment against contradiction; label embeddings
    // only rank labels against each other, so one label would always score 1.
    throw nunchiError('E_INPUT', `${where}: give at least two candidate_labels: nunchi ranks labels against each other`);
  }
  // The hypothesis is what each label's embedding is made from (a function, so `$` in a label stays literal).
  const descriptions = labels.map((label) => template.replace('{}', () => label));
  const results = await zeroShot(encoder, list, { labels, descriptions });
  const out = results.map((r, i) => {
    const ranked = labels.map((label) => ({ label, score: r.scores[label] })).sort((a, b) => b.score - a.score);
    return { sequence: list[i], labels: ranked.map((x) => x.label), scores: ranked.map((x) => x.score) };
  });
  return Array.isArray(texts) ? out : out[0];
}

async function text2textGeneration(t5, texts, options) {
  const where = 'text2text-generation';
  const { doSample = false, ...given } = mapPipelineOptions(where, options, where);
  const { maxNewTokens, temperature, topK, topP } = { ...TEXT2TEXT_DEFAULTS, ...given };
  const out = [];
  for (const text of textsOf(texts, where)) {
    // As in transformers.js, temperature, top_k and top_p apply only with do_sample,
    // and each sampled call draws anew (a fresh seed).
    const sampling = doSample ? { temperature, topK, topP, seed: Math.floor(Math.random() * 2 ** 32) } : {};
    out.push({ generated_text: await t5.generate(text, { maxNewTokens, ...sampling }) });
  }
  return out;
}

/** Each task: the model kind it loads and the call it answers (aliases as in transformers.js). */
const TASKS = {
  'feature-extraction': { kind: 'Encoder', run: featureExtraction },
  'text-classification': { kind: 'TextClassifier', run: classifyTexts },
  'zero-shot-classification': { kind: 'Encoder', run: zeroShotClassification },
  'text2text-generation': { kind: 'Text2Text', run: text2textGeneration },
};
const ALIASES = { embeddings: 'feature-extraction', 'sentiment-analysis': 'text-classification' };

/** What transformers.js' progress events call the model: its id, here the source as given. */
function modelName(source) {
  if (typeof source === 'string') return source;
  if (source instanceof URL) return source.href;
  return typeof source?.name === 'string' ? source.name : '(model bytes)';
}

/** A file's name in its repository (after `/resolve/main/`), else the last part of its path or URL. */
function fileName(url) {
  const text = String(url);
  const at = text.indexOf('/resolve/main/');
  if (at >= 0) return text.slice(at + '/resolve/main/'.length);
  return text.split(/[\\/]/).filter(Boolean).pop() ?? text;
}

/**
 * Turns nunchi's load events (`download`, `cached`, `parse`, `ready`) into
 * transformers.js' per-file ones: `initiate`, `download`, `progress_total` and
 * `progress` (0–100) as bytes arrive, `done`. `ready` is sent by the pipeline.
 */
function progressEvents(callback, name) {
  const files = new Map(); // file → { loaded, total, done }
  const start = (file) => {
    if (files.has(file)) return false;
    files.set(file, { loaded: 0, total: 0, done: false });
    callback({ status: 'initiate', name, file });
    return true;
  };
  const finish = (file) => {
    const f = files.get(file);
    if (!f || f.done) return;
    f.done = true;
    callback({ status: 'done', name, file });
  };
  return (event) => {
    if (event.status === 'download') {
      const file = fileName(event.url);
      if (start(file)) callback({ status: 'download', name, file });
      Object.assign(files.get(file), { loaded: event.loaded, total: event.total });
      let loaded = 0;
      let total = 0;
      const sizes = {};
      for (const [f, s] of files) {
        loaded += s.loaded;
        total += s.total;
        sizes[f] = { loaded: s.loaded, total: s.total };
      }
      callback({ status: 'progress_total', name, progress: total > 0 ? (loaded / total) * 100 : 0, loaded, total, files: sizes });
      const progress = event.total > 0 ? (event.loaded / event.total) * 100 : 0;
      callback({ status: 'progress', name, file, progress, loaded: event.loaded, total: event.total });
      if (event.total > 0 && event.loaded >= event.total) finish(file);
    } else if (event.status === 'cached') {
      const file = fileName(event.url);
      start(file);
      finish(file);
    } else {
      // Parsing starts once every file is in (a size the server did not send ends here).
      for (const file of files.keys()) finish(file);
    }
  };
}

/** The pipeline: a function answering the task's calls, with `task`, `model` and `dispose()`. */
function callablePipeline(task, model, run) {
  let live = model;
  const pipe = (...args) => {
    if (!live) return Promise.reject(nunchiError('E_INPUT', `this ${task} pipeline was disposed`));
    return run(live, ...args);
  };
  return Object.assign(pipe, {
    task,
    model,
    /** Frees the model (async, as transformers.js' is). */
    async dispose() { live?.dispose(); live = undefined; },
  });
}

/**
 * `pipeline(task, model, options)` over `models` (`{ Encoder, TextClassifier, Text2Text }`:
 * this package's, or the Worker client's).
 */
export function createPipeline(models) {
  return async function pipeline(task, model, options) {
    const name = ALIASES[task] ?? task;
    const spec = Object.hasOwn(TASKS, name) ? TASKS[name] : undefined;
    if (!spec) {
      throw nunchiError('E_INPUT', `pipeline: unsupported task ${JSON.stringify(task) ?? String(task)} (nunchi runs `
        + 'feature-extraction (alias embeddings), text-classification (alias sentiment-analysis), '
        + 'zero-shot-classification and text2text-generation)');
    }
    if (model === undefined || model === null) {
      throw nunchiError('E_INPUT', `pipeline: give a model source for ${name}: nunchi has no default model per task`);
    }
    const { onProgress, ...load } = mapPipelineOptions('pipeline', options, 'pipeline');
    const loaded = await models[spec.kind].load(model, {
      ...Object.fromEntries(Object.entries(load).filter(([, v]) => v !== undefined)),
      onProgress: onProgress && progressEvents(onProgress, modelName(model)),
    });
    // A .gguf carries its own weight format; a dtype asking for another is refused, not ignored.
    const held = loaded.info.quant;
    if (load.quant !== undefined && held !== load.quant) {
      loaded.dispose();
      throw nunchiError('E_INPUT', `pipeline: dtype asks for ${load.quant} weights, but the model holds ${held} `
        + '(a .gguf file keeps its own format; dtype applies to Hugging Face safetensors)');
    }
    onProgress?.({ status: 'ready', task: name, model: modelName(model) });
    return callablePipeline(name, loaded, spec.run);
  };
}
