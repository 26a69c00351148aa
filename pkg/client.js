// The Worker client: the same API as 'nunchi', with inference in a Web Worker
// so a page never runs a model on its main thread.
import { nunchiError, abortError } from './errors.js';
import { checkCallOptions } from './options.js';
export { createWorkerPool } from './pool.js';

/** Starts the package's worker (a module worker next to this file). */
export function startWorker() {
  return new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
}

const MAX_THREADS = 16;

/**
 * Wraps a worker running `nunchi/worker` in the main API: `{ Encoder, TextClassifier, Text2Text, pipeline }`.
 * `threads`: 'auto' (default) uses the wasm threads build on every core when the
 * page is cross-origin isolated, else one thread; a number asks for that many.
 */
export function createWorkerClient(worker = startWorker(), options = {}) {
  const { threads = 'auto' } = checkCallOptions('createWorkerClient', options);
  if (threads !== 'auto' && !(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
    throw nunchiError('E_INPUT', `createWorkerClient: threads must be 'auto' or an integer from 1 to ${MAX_THREADS}, got ${JSON.stringify(threads) ?? String(threads)}`);
  }
  let nextId = 1;
  const pending = new Map();
  let terminated = false;

  worker.addEventListener('message', ({ data }) => {
    const p = pending.get(data.id);
    if (!p) return;
    if (data.progress) return p.onProgress?.(data.progress);
    if (data.token !== undefined) return p.onToken?.(data.token);
    pending.delete(data.id);
    if (data.error) {
      const e = nunchiError(data.error.code, data.error.message);
      if (data.error.name) e.name = data.error.name;
      p.reject(e);
    } else {
      p.resolve(data.result);
    }
  });

  function call(op, args, { onProgress, onToken, signal } = {}) {
    if (terminated) return Promise.reject(nunchiError('E_INPUT', 'this worker client was terminated'));
    if (signal?.aborted) return Promise.reject(abortError());
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, onProgress, onToken });
      // The worker only sees the abort between steps, and tokens already in
      // flight would still arrive; settle here so abort() takes effect at once.
      signal?.addEventListener('abort', () => {
        if (!pending.delete(id)) return;
        worker.postMessage({ id: 0, op: 'abort', args: [id] });
        reject(abortError());
      }, { once: true });
      worker.postMessage({ id, op, args });
    });
  }

  // First message, so the worker picks its wasm build before any model loads.
  call('configure', [{ threads }]).catch(() => {});

  class RemoteModel {
    #handle;
    #info;
    constructor(handle, info) { this.#handle = handle; this.#info = info; }
    get handle() {
      if (this.#handle === undefined) throw nunchiError('E_INPUT', 'this model was disposed');
      return this.#handle;
    }
    /** Snapshot of the model's info, refreshed by `refreshInfo()`. */
    get info() { return this.#info; }
    async refreshInfo() { this.#info = await call('info', [this.handle]); return this.#info; }
    dispose() { if (this.#handle !== undefined) call('dispose', [this.#handle]).catch(() => {}); this.#handle = undefined; }
  }

  // Options are checked here too, so mistakes fail before a message is sent
  // (and a function or signal never reaches postMessage).
  const LOAD_CALLS = { encoder: 'Encoder.load', text2text: 'Text2Text.load', textClassifier: 'TextClassifier.load' };
  async function load(kind, source, opts) {
    const { onProgress, signal, ...rest } = checkCallOptions(LOAD_CALLS[kind], opts);
    const { handle, info } = await call('load', [kind, source, rest], { onProgress, signal });
    return [handle, info];
  }

  class Encoder extends RemoteModel {
    static async load(source, opts) { return new Encoder(...(await load('encoder', source, opts))); }
    async embed(texts, opts) { return call('embed', [this.handle, texts, checkCallOptions('embed', opts)]); }
    /** `Encoder.fineTune`, its steps in the worker: `{ encoder, model, report }`. */
    async fineTune(texts, labels, opts) {
      const { onProgress, signal, ...rest } = checkCallOptions('Encoder.fineTune', opts);
      const { handle, info, model, report } = await call('fineTune', [this.handle, texts, labels, rest], { onProgress, signal });
      return { encoder: new Encoder(handle, info), model, report };
    }
  }

  class TextClassifier extends RemoteModel {
    static async load(source, opts) { return new TextClassifier(...(await load('textClassifier', source, opts))); }
    /** The model's labels, in the order of its scores. */
    get labels() { return this.info.labels; }
    async classify(texts) { return call('classify', [this.handle, texts]); }
  }

  class Text2Text extends RemoteModel {
    static async load(source, opts) { return new Text2Text(...(await load('text2text', source, opts))); }
    async generate(prompt, opts) {
      const { onToken, signal, ...rest } = checkCallOptions('generate', opts);
      return call('generate', [this.handle, prompt, rest], { onToken, signal });
    }
    async score(prompt, candidates) { return call('score', [this.handle, prompt, candidates]); }
  }

  // transformers.js' pipeline() over the worker's models. Imported on first use, so a
  // page that never calls it does not load the tasks' module.
  async function pipeline(task, model, opts) {
    const { createPipeline } = await import('./pipeline.js');
    return createPipeline({ Encoder, TextClassifier, Text2Text })(task, model, opts);
  }

  /**
   * Stops the worker. Calls still running reject with `E_ABORTED` (a terminated worker never
   * answers, so they would otherwise never settle); later calls reject with `E_INPUT`.
   */
  function terminate() {
    terminated = true;
    worker.terminate();
    const running = [...pending.values()];
    pending.clear();
    for (const p of running) {
      const e = abortError();
      e.message = 'the worker was terminated during the call';
      p.reject(e);
    }
  }

  return { Encoder, TextClassifier, Text2Text, pipeline, terminate };
}
