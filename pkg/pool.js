// A pool of Web Workers for big embedding (or classification) batches: every
// worker holds its own copy of the model (the wasm build runs one thread), a big
// `embed` or `classify` is split into one contiguous chunk per worker, and the
// rows come back in order.
import { createWorkerClient, startWorker } from './client.js';
import { nunchiError, abortError } from './errors.js';
import { checkCallOptions } from './options.js';

const MAX_SIZE = 16;

/** The default pool size: one worker per core the browser reports, at most 4. */
function defaultSize() {
  return Math.min(globalThis.navigator?.hardwareConcurrency || 2, 4);
}

/**
 * Splits `texts` into `parts` contiguous, non-empty chunks of about equal total
 * length (characters, plus a little per text for the special tokens).
 * Returns the start index of each chunk and, last, `texts.length`.
 */
function splitBalanced(texts, parts) {
  const n = texts.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + texts[i].length + 4;
  const total = prefix[n];
  const bounds = [0];
  for (let k = 1; k < parts; k++) {
    // An equal share of what is left, so one long text early does not skew the rest.
    const start = prefix[bounds[k - 1]];
    const target = start + (total - start) / (parts - k + 1);
    const lo = bounds[k - 1] + 1; // every chunk keeps at least one text
    const hi = n - (parts - k); // and leaves one for each chunk after it
    let i = lo;
    while (i < hi && prefix[i + 1] <= target) i++;
    // Now prefix[i] <= target < prefix[i + 1] (unless clamped): take the nearer cut.
    if (i < hi && prefix[i + 1] - target < target - prefix[i]) i++;
    bounds.push(i);
  }
  bounds.push(n);
  return bounds;
}

/** Rejects with `E_ABORTED` as soon as `signal` aborts, else settles as `promise`. */
function abortable(promise, signal) {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Starts `size` workers running `nunchi/worker` and returns `{ Encoder, TextClassifier, size, terminate }`.
 * `Encoder.load` and `TextClassifier.load` load the model in every worker; the
 * pooled model's `embed` or `classify` splits big batches across them.
 */
export function createWorkerPool(options = {}) {
  const { size = defaultSize(), worker = startWorker } = checkCallOptions('createWorkerPool', options);
  if (!Number.isInteger(size) || size < 1 || size > MAX_SIZE) {
    throw nunchiError('E_INPUT', `createWorkerPool: size must be an integer from 1 to ${MAX_SIZE}, got ${JSON.stringify(size) ?? String(size)}`);
  }
  if (typeof worker !== 'function') {
    throw nunchiError('E_INPUT', 'createWorkerPool: worker must be a function that returns a new Worker');
  }
  const clients = [];
  try {
    for (let i = 0; i < size; i++) clients.push(createWorkerClient(worker(i), { threads: 1 })); // the pool is the parallelism
  } catch (e) {
    for (const c of clients) c.terminate();
    throw e;
  }
  let terminated = false;

  /** What every pooled model shares: one model per worker, info, disposal, round-robin. */
  class PooledModel {
    #models;
    #info;
    #next = 0; // round-robin for small batches
    constructor(models) {
      this.#models = models;
      this.#info = PooledModel.#merge(models.map((m) => m.info));
    }

    static #merge(infos) {
      return { ...infos[0], workers: infos.length, wasmMemoryBytesPerWorker: infos.map((i) => i.wasmMemoryBytes) };
    }

    /** The worker models, or `E_INPUT` after `dispose()` or `terminate()`. */
    alive() {
      if (!this.#models) throw nunchiError('E_INPUT', 'this model was disposed');
      if (terminated) throw nunchiError('E_INPUT', 'this worker pool was terminated');
      return this.#models;
    }

    /** The next worker's model, in turn. */
    nextModel() {
      const models = this.alive();
      return models[this.#next++ % models.length];
    }

    /**
     * The first worker's model info, with `workers` (the pool size) and
     * `wasmMemoryBytesPerWorker`; a snapshot from load time, updated by `refreshInfo()`.
     */
    get info() { return this.#info; }

    async refreshInfo() {
      const infos = await Promise.all(this.alive().map((m) => m.refreshInfo()));
      this.#info = PooledModel.#merge(infos);
      return this.#info;
    }

    /** Frees the model in every worker; later calls reject with `E_INPUT`. */
    dispose() {
      for (const m of this.#models ?? []) m.dispose();
      this.#models = undefined;
    }
  }

  /**
   * Runs `run(model, chunk)` on one contiguous chunk of `texts` per worker,
   * balanced by length, and resolves to the results in chunk order; `signal`
   * rejects at once (chunks already running finish and are dropped).
   */
  async function splitAcross(models, texts, run, signal) {
    const bounds = splitBalanced(texts, models.length);
    const parts = models.map((m, k) => run(m, texts.slice(bounds[k], bounds[k + 1])));
    // A failed or abandoned chunk must not leave the others' rejections unhandled.
    for (const p of parts) p.catch(() => {});
    return abortable(Promise.all(parts), signal);
  }

  /** Whether a call on `texts` is big enough to split across `models`. */
  const splits = (texts, models) => Array.isArray(texts) && texts.length >= 2 * models.length && models.length > 1
    && texts.every((t) => typeof t === 'string');

  class PooledEncoder extends PooledModel {
    /** `{ data: Float32Array, dims: [n, d], truncated }`, rows in the order of `texts`. */
    async embed(texts, opts) {
      const { signal, ...rest } = checkCallOptions('PooledEncoder.embed', opts, 'embed');
      if (signal?.aborted) throw abortError();
      const models = this.alive();
      const embedOpts = Object.keys(rest).length ? rest : undefined;
      // Small batches, single strings, and token vectors (whose padded length
      // differs per chunk) go to one worker, in turn.
      if (!splits(texts, models) || rest.pooling === 'none') return abortable(this.nextModel().embed(texts, embedOpts), signal);
      const results = await splitAcross(models, texts, (m, chunk) => m.embed(chunk, embedOpts), signal);
      const d = results[0].dims[1];
      const data = new Float32Array(texts.length * d);
      const truncated = [];
      let row = 0;
      for (const r of results) {
        data.set(r.data, row * d);
        row += r.dims[0];
        truncated.push(...(r.truncated ?? []));
      }
      return { data, dims: [texts.length, d], truncated };
    }
  }

  class PooledTextClassifier extends PooledModel {
    /** The model's labels, in the order of its scores. */
    get labels() { return this.info.labels; }

    /** `{ scores, logits, dims: [n, labels] }`, rows in the order of `texts`. */
    async classify(texts, opts) {
      const { signal } = checkCallOptions('PooledTextClassifier.classify', opts, 'classify');
      if (signal?.aborted) throw abortError();
      const models = this.alive();
      if (!splits(texts, models)) return abortable(this.nextModel().classify(texts), signal);
      const results = await splitAcross(models, texts, (m, chunk) => m.classify(chunk), signal);
      const width = results[0].dims[1];
      const scores = new Float32Array(texts.length * width);
      const logits = new Float32Array(texts.length * width);
      let row = 0;
      for (const r of results) {
        scores.set(r.scores, row * width);
        logits.set(r.logits, row * width);
        row += r.dims[0];
      }
      return { scores, logits, dims: [texts.length, width] };
    }
  }

  /**
   * Loads the model in every worker at once (`kind`: a client's model class
   * name). Progress events come from the first worker only; if any worker
   * fails, the others' models are freed and the first error is thrown.
   */
  async function loadEverywhere(kind, Pooled, source, opts) {
    if (terminated) throw nunchiError('E_INPUT', 'this worker pool was terminated');
    const { onProgress, signal, ...rest } = checkCallOptions(`${kind}.load`, opts);
    if (signal?.aborted) throw abortError();
    // One controller for all the loads: the caller's signal, or a failure in any worker, stops them all.
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const loads = clients.map((c, i) => c[kind].load(source, {
      ...rest, signal: controller.signal, ...(i === 0 && onProgress ? { onProgress } : {}),
    }));
    try {
      let failed = false;
      const models = await Promise.all(loads.map((p) => p.catch((e) => {
        if (!failed) { failed = true; controller.abort(); }
        throw e;
      })));
      return new Pooled(models);
    } catch (e) {
      // Free whatever did load (now or, racing the abort, later).
      for (const p of loads) p.then((m) => m.dispose(), () => {});
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  const Encoder = { load: (source, opts) => loadEverywhere('Encoder', PooledEncoder, source, opts) };
  const TextClassifier = { load: (source, opts) => loadEverywhere('TextClassifier', PooledTextClassifier, source, opts) };

  return {
    Encoder,
    TextClassifier,
    size,
    /** Stops every worker; models loaded from this pool cannot be used afterwards. */
    terminate() {
      terminated = true;
      for (const c of clients) c.terminate();
    },
  };
}
