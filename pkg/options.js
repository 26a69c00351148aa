// The one table of options: for each call, the option names it takes, and for
// options with a fixed set of values, those values. index.js, client.js, pool.js
// and worker.js check against it; tests/js/types.test.mjs holds the .d.ts
// interfaces to it, so an option added here without its type fails a test.
import { nunchiError, checkOptions } from './errors.js';

const LOAD = ['onProgress', 'device', 'cache', 'signal', 'quant', 'hubUrl'];
const EMBED = ['pooling', 'normalize'];
/** SetFit's settings (absent: its defaults), the stored quantization, and the tasks' prefix. */
const FINE_TUNE = [
  'iterations', 'batchSize', 'epochs', 'learningRate', 'dropout', 'seed', 'quant', 'prefix', 'onProgress', 'signal',
];

/** Option names per call, by the name errors use. */
export const OPTIONS = {
  'Encoder.load': LOAD,
  'Text2Text.load': LOAD,
  'TextClassifier.load': LOAD,
  embed: EMBED,
  generate: ['maxNewTokens', 'temperature', 'topK', 'topP', 'seed', 'onToken', 'signal'],
  createWorkerClient: ['threads'],
  createWorkerPool: ['size', 'worker'],
  /** A pool's `embed`: a worker's, plus `signal`. */
  'PooledEncoder.embed': [...EMBED, 'signal'],
  /** A pool's `classify` (a worker's takes no options). */
  'PooledTextClassifier.classify': ['signal'],
  // The tasks.
  embedAll: ['onProgress', 'signal', 'batchSize', 'prefix'],
  splitRows: ['rows', 'split'],
  zeroShot: ['labels', 'descriptions', 'temperature', 'prefix', 'onProgress', 'signal'],
  classify: ['labels', 'template', 'onProgress', 'signal'],
  textClassification: ['topK', 'onProgress', 'signal'],
  predict: ['onProgress', 'signal'],
  trainClassifier: ['head', 'folds', 'prefix', 'onProgress', 'signal'],
  'Encoder.fineTune': FINE_TUNE,
  fineTune: [...FINE_TUNE, 'head'],
  cluster: [
    'k', 'kRange', 'minClusterSize', 'seed', 't5', 'sentiment', 'prefix', 'dates', 'period', 'onProgress', 'signal',
  ],
  assignTopics: ['radiusScale', 'sentiment', 'dates', 'period', 'onProgress', 'signal'],
  topicTrends: ['period', 'positive'],
};

/** Allowed values of the enumerated options, wherever the option appears (undefined: the default). */
export const VALUES = {
  device: ['auto', 'cpu', 'webgpu'],
  quant: ['f32', 'f16', 'q8_0', 'q4_0', 'q4k'],
  pooling: ['mean', 'cls', 'none'],
  head: ['logistic', 'nearest-centroid'],
};

/**
 * Checks `opts` for `call` (a key of OPTIONS): an unknown name, or a value
 * outside VALUES, throws `E_INPUT` naming the ones expected. Returns `opts`,
 * or `{}` for undefined/null. `where` names the call in messages (default `call`).
 */
export function checkCallOptions(call, opts, where = call) {
  const allowed = OPTIONS[call];
  if (!allowed) throw new Error(`nunchi: no option table for '${call}'`); // a bug in the package
  const checked = checkOptions(opts, allowed, where);
  for (const key of allowed) {
    const values = VALUES[key];
    const value = checked[key];
    if (values && value !== undefined && !values.includes(value)) {
      throw nunchiError('E_INPUT', `${where}: unknown ${key} '${value}' (expected one of ${values.join(', ')})`);
    }
  }
  return checked;
}
