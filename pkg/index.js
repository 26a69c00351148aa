// nunchi: MiniLM embeddings, fine-tuned classifiers and Flan-T5 in WebAssembly, for pages, Workers and Node.
import { ensureWasm, yieldToEventLoop, threadInfo, loadedBindings } from './runtime.js';
import { nunchiError, abortError } from './errors.js';
import { checkCallOptions } from './options.js';
import { resolveSource } from './source.js';
import { createPipeline } from './pipeline.js';
import { runFineTuning } from './finetune.js';
import { checkExamples, taskPrefix } from './tasks.js';

/** Shared by every model kind: options, source resolution, device choice, progress, timing. */
async function loadModel(className, source, opts, where, workload) {
  const { onProgress, device = 'auto', signal, quant = 'q8_0', cache = true, hubUrl } = checkCallOptions(where, opts);
  if (hubUrl !== undefined && typeof hubUrl !== 'string') throw nunchiError('E_INPUT', `${where}: hubUrl must be a URL string`);
  const t0 = performance.now();
  const WasmClass = (await ensureWasm())[className];
  const src = await resolveSource(source, { onProgress, signal, cache, hubUrl });
  if (signal?.aborted) throw abortError();
  onProgress?.({ status: 'parse' });
  const placed = await place(WasmClass, src, quant, device, where, workload);
  const ms = performance.now() - t0;
  onProgress?.({ status: 'ready', ms });
  return placed;
}

/** `{ adapter }` naming the WebGPU adapter, or `{ reason }` why WebGPU cannot be tried here. */
async function probeWebgpu(WasmClass) {
  const gpu = globalThis.navigator?.gpu;
  if (!gpu) return { reason: 'this environment has no WebGPU (navigator.gpu is missing)' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { reason: 'the browser offers no WebGPU adapter' };
    const i = adapter.info ?? {};
    const name = [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ');
    return { adapter: name || 'WebGPU adapter' };
  } catch (e) {
    return { reason: `requesting a WebGPU adapter failed: ${e.message}` };
  }
}

/**
 * Builds the model on WebGPU when asked and possible (the adapter must pass a
 * known-answer self-test), else on the wasm CPU path. `'auto'` falls back and
 * says why in `fallbackReason`, and keeps WebGPU only when a timed run shows it
 * faster here (`timeDevices`); `'webgpu'` fails instead of falling back.
 */
async function place(WasmClass, src, quant, device, where, workload) {
  let fallbackReason;
  const onCpu = () => (src.kind === 'gguf'
    ? WasmClass.fromGguf(src.bytes)
    : WasmClass.fromHfFiles(src, src.safetensors, quant));
  if (device !== 'cpu') {
    const probe = await probeWebgpu(WasmClass);
    fallbackReason = probe.reason;
    if (!fallbackReason) {
      let inner;
      try {
        inner = src.kind === 'gguf'
          ? await WasmClass.fromGgufOnWebgpu(src.bytes)
          : await WasmClass.fromHfFilesOnWebgpu(src, src.safetensors, quant);
      } catch (e) {
        if (e.code === 'E_MODEL_FORMAT' || e.code === 'E_INPUT') throw e;
        fallbackReason = `WebGPU failed: ${e.message}`;
      }
      if (inner && device === 'webgpu') return { inner, device: 'webgpu', adapter: probe.adapter };
      if (inner) {
        let cpu, timing;
        try {
          cpu = onCpu();
        } catch (e) {
          inner.free();
          throw e;
        }
        try {
          timing = await timeDevices(inner, cpu, workload);
        } catch (e) {
          // The adapter passed the self-test but failed on the model: the CPU model is ready.
          inner.free();
          return { inner: cpu, device: 'wasm-simd', fallbackReason: `WebGPU failed during a timed ${workload.what}: ${e.message}` };
        }
        if (timing.webgpuMs <= timing.cpuMs) {
          cpu.free();
          return { inner, device: 'webgpu', adapter: probe.adapter, timing };
        }
        inner.free();
        const ms = (x) => x.toFixed(x < 10 ? 1 : 0);
        return {
          inner: cpu, device: 'wasm-simd', timing,
          fallbackReason: `WebGPU (${probe.adapter}) was slower than the wasm CPU path on a timed ${workload.what} here `
            + `(${ms(timing.webgpuMs)} ms against ${ms(timing.cpuMs)} ms); pass device: 'webgpu' to use it anyway`,
        };
      }
    }
    if (device === 'webgpu') throw nunchiError('E_DEVICE', `${where}: ${fallbackReason}`);
  }
  return { inner: onCpu(), device: 'wasm-simd', fallbackReason };
}

// What 'auto' times on both devices: a small call of each model kind, as a page
// makes it. Small on purpose: it costs one call per device at load, and small
// calls are where a GPU's dispatch and read-back overheads show.
const EMBED_WORKLOAD = {
  what: 'embedding',
  run: (inner) => inner.embedAsync(['The delivery came two days late and the box was damaged.', 'Great support, they answered within minutes!']),
};
const CLASSIFY_WORKLOAD = {
  what: 'classification',
  run: (inner) => inner.classifyAsync(['The delivery came two days late and the box was damaged.', 'Great support, they answered within minutes!']),
};
const SCORE_WORKLOAD = {
  what: 'label scoring',
  run: (inner) => inner.scoreAsync('Is the following review positive or negative? Great support, they answered within minutes!',
    ['positive', 'negative']),
};

/** Times one workload call on each device after a warm-up call (pipeline compilation, first allocations). */
async function timeDevices(gpu, cpu, workload) {
  const once = async (inner) => {
    const t = performance.now();
    await workload.run(inner);
    return performance.now() - t;
  };
  await once(gpu);
  await once(cpu);
  return { webgpuMs: await once(gpu), cpuMs: await once(cpu) };
}

function infoOf(placed, what) {
  const info = alive(placed?.inner, what).info();
  info.device = placed.device;
  if (placed.adapter) info.adapter = placed.adapter;
  if (placed.fallbackReason) info.fallbackReason = placed.fallbackReason;
  if (placed.timing) info.deviceTiming = { ...placed.timing };
  info.wasmMemoryBytes = wasmMemoryBytes();
  Object.assign(info, threadInfo());
  return info;
}

function alive(inner, what) {
  if (!inner) throw nunchiError('E_INPUT', `${what} was disposed`);
  return inner;
}

export class Encoder {
  #placed;
  #reload;
  #source;
  constructor(placed, reload, source) { this.#placed = placed; this.#reload = reload; this.#source = source; }

  /** Loads a BERT-family sentence encoder (all-MiniLM-L6-v2, bge/e5-small, …). */
  static async load(source, opts) {
    const placed = await loadModel('Encoder', source, opts, 'Encoder.load', EMBED_WORKLOAD);
    // After a WebGPU failure the model is rebuilt on the CPU from the same
    // source (Cache Storage serves URLs again without a download).
    const reload = () => loadModel('Encoder', source, { ...opts, device: 'cpu', onProgress: undefined }, 'Encoder.load', EMBED_WORKLOAD);
    // Fine-tuning reads the weights again from the source, as loaded.
    const { cache, hubUrl, device } = opts ?? {};
    return new Encoder(placed, reload, { source, cache, hubUrl, device });
  }

  /**
   * Fine-tunes a copy of this encoder on labelled texts (SetFit's contrastive
   * phase; `fineTune` adds the head): `{ encoder, model, report }`, the tuned
   * Encoder (on this one's device choice), its GGUF bytes and the run's report.
   * Needs float or q8_0 weights; this encoder is left as it was.
   */
  async fineTune(texts, labels, opts) {
    const { quant = 'q8_0', prefix, onProgress, signal, ...run } = checkCallOptions('Encoder.fineTune', opts);
    checkExamples(texts, labels, 'Encoder.fineTune');
    alive(this.#placed?.inner, 'this Encoder');
    const { source, cache, hubUrl, device } = this.#source;
    const src = await resolveSource(source, { signal, cache, hubUrl });
    const { model, report } = await runFineTuning(src, texts, labels, {
      ...run, quant, prefix: taskPrefix(this, prefix), onProgress, signal,
    });
    const encoder = await Encoder.load(model, { device, signal });
    return { encoder, model, report };
  }

  /** Embeds texts: `{ data: Float32Array, dims: [n, d], truncated: number[] }`. */
  async embed(texts, opts) {
    const { pooling, normalize } = checkCallOptions('embed', opts);
    const list = typeof texts === 'string' ? [texts] : texts;
    if (!Array.isArray(list) || list.some((t) => typeof t !== 'string')) {
      throw nunchiError('E_INPUT', 'embed: texts must be a string or an array of strings');
    }
    const inner = alive(this.#placed?.inner, 'this Encoder');
    if (this.#placed.device !== 'webgpu') return inner.embed(list, pooling, normalize);
    try {
      return await inner.embedAsync(list, pooling, normalize);
    } catch (e) {
      if (e.code !== 'E_BACKEND') throw e;
      // The GPU failed (device lost, out of memory): this call and later ones run on the CPU.
      await this.#fallBackToCpu(`the WebGPU device failed: ${e.message}`);
      return this.#placed.inner.embed(list, pooling, normalize);
    }
  }

  async #fallBackToCpu(reason) {
    const placed = await this.#reload();
    this.#placed?.inner?.free();
    this.#placed = { ...placed, fallbackReason: reason };
  }

  get info() { return infoOf(this.#placed, 'this Encoder'); }

  /** Test hook: loses the WebGPU device, as a browser may at any time. */
  _loseDeviceForTests() { this.#placed?.inner?.loseDeviceForTests(); }

  /** Frees the model's memory; the object cannot be used afterwards. */
  dispose() { this.#placed?.inner?.free(); this.#placed = undefined; }
}

export class TextClassifier {
  #placed;
  #reload;
  constructor(placed, reload) { this.#placed = placed; this.#reload = reload; }

  /**
   * Loads a fine-tuned sequence-classification model (`*ForSequenceClassification`:
   * BERT, DistilBERT, RoBERTa, XLM-R, ELECTRA, MPNet, DeBERTa-v2/v3) with its own head and labels.
   */
  static async load(source, opts) {
    const placed = await loadModel('TextClassifier', source, opts, 'TextClassifier.load', CLASSIFY_WORKLOAD);
    const reload = () => loadModel('TextClassifier', source, { ...opts, device: 'cpu', onProgress: undefined },
      'TextClassifier.load', CLASSIFY_WORKLOAD);
    return new TextClassifier(placed, reload);
  }

  /** The model's labels, in the order of its scores. */
  get labels() { return alive(this.#placed?.inner, 'this TextClassifier').labels; }

  /**
   * The model's scores: `{ scores: Float32Array, logits: Float32Array, dims: [n, labels] }`,
   * row-major; scores are a softmax over the labels, or a sigmoid per label for a multi-label model.
   */
  async classify(texts) {
    const list = typeof texts === 'string' ? [texts] : texts;
    if (!Array.isArray(list) || list.some((t) => typeof t !== 'string')) {
      throw nunchiError('E_INPUT', 'classify: texts must be a string or an array of strings');
    }
    const inner = alive(this.#placed?.inner, 'this TextClassifier');
    if (this.#placed.device !== 'webgpu') return inner.classify(list);
    try {
      return await inner.classifyAsync(list);
    } catch (e) {
      if (e.code !== 'E_BACKEND') throw e;
      // The GPU failed (device lost, out of memory): this call and later ones run on the CPU.
      const placed = await this.#reload();
      this.#placed?.inner?.free();
      this.#placed = { ...placed, fallbackReason: `the WebGPU device failed: ${e.message}` };
      return this.#placed.inner.classify(list);
    }
  }

  get info() { return infoOf(this.#placed, 'this TextClassifier'); }

  /** Test hook: loses the WebGPU device, as a browser may at any time. */
  _loseDeviceForTests() { this.#placed?.inner?.loseDeviceForTests(); }

  /** Frees the model's memory; the object cannot be used afterwards. */
  dispose() { this.#placed?.inner?.free(); this.#placed = undefined; }
}

export class Text2Text {
  #placed;
  #reload;
  constructor(placed, reload) { this.#placed = placed; this.#reload = reload; }

  get #inner() { return this.#placed?.inner; }
  get #onGpu() { return this.#placed?.device === 'webgpu'; }

  /** Loads a T5 / Flan-T5 model. */
  static async load(source, opts) {
    const placed = await loadModel('Text2Text', source, opts, 'Text2Text.load', SCORE_WORKLOAD);
    const reload = () => loadModel('Text2Text', source, { ...opts, device: 'cpu', onProgress: undefined }, 'Text2Text.load', SCORE_WORKLOAD);
    return new Text2Text(placed, reload);
  }

  /** Generates a completion, streaming pieces to `onToken`; cancel with `signal`. */
  async generate(prompt, opts) {
    const { maxNewTokens = 32, temperature = 0, topK = 0, topP = 1, seed = 0, onToken, signal } =
      checkCallOptions('generate', opts);
    if (typeof prompt !== 'string') throw nunchiError('E_INPUT', 'generate: prompt must be a string');
    let streamed = false;
    const run = async () => {
      const inner = alive(this.#inner, 'this Text2Text');
      const gpu = this.#onGpu;
      inner.startGeneration(prompt, maxNewTokens, temperature, topK, topP, seed);
      try {
        for (;;) {
          if (signal?.aborted) throw abortError();
          // On WebGPU each step awaits its read-back, which yields to the event loop anyway.
          const piece = gpu ? await inner.nextPieceAsync() : inner.nextPiece();
          if (piece === undefined) break;
          if (piece) { streamed = true; onToken?.(piece); }
          if (!gpu) await yieldToEventLoop();
        }
        return inner.finishGeneration().text;
      } catch (e) {
        inner.cancelGeneration();
        throw e;
      }
    };
    return this.#withCpuFallback(run, () => !streamed);
  }

  /** Log-probability of each candidate completion: `[{ candidate, logprob, tokens }]`. */
  async score(prompt, candidates) {
    if (typeof prompt !== 'string' || !Array.isArray(candidates)) {
      throw nunchiError('E_INPUT', 'score: expected a prompt string and an array of candidate strings');
    }
    return this.#withCpuFallback(() => {
      const inner = alive(this.#inner, 'this Text2Text');
      return this.#onGpu ? inner.scoreAsync(prompt, candidates) : inner.score(prompt, candidates);
    }, () => true);
  }

  /**
   * Runs `call`; if the GPU fails under it (device lost), the model is rebuilt
   * on the CPU for this and later calls, and the call is run again there when
   * `canRetry()` (a generation that already streamed pieces cannot be replayed).
   */
  async #withCpuFallback(call, canRetry) {
    try {
      return await call();
    } catch (e) {
      if (!this.#onGpu || e.code !== 'E_BACKEND') throw e;
      const reason = `the WebGPU device failed: ${e.message}`;
      const placed = await this.#reload();
      this.#placed?.inner?.free();
      this.#placed = { ...placed, fallbackReason: reason };
      if (!canRetry()) throw nunchiError('E_BACKEND', `${reason}; later calls run on the CPU`);
      return call();
    }
  }

  get info() { return infoOf(this.#placed, 'this Text2Text'); }

  /** Test hook: loses the WebGPU device, as a browser may at any time. */
  _loseDeviceForTests() { this.#placed?.inner?.loseDeviceForTests(); }

  dispose() { this.#inner?.free(); this.#placed = undefined; }
}

/** Bytes of wasm linear memory the package holds now (0 before the first load). */
export function wasmMemoryBytes() {
  return loadedBindings()?.wasmMemoryBytes() ?? 0;
}

/**
 * transformers.js' `pipeline(task, model, options)` for feature-extraction,
 * text-classification, zero-shot-classification and text2text-generation, over
 * these models (docs/migration.md lists every option and what it maps to).
 */
export const pipeline = createPipeline({ Encoder, TextClassifier, Text2Text });

export { fineTune } from './finetune.js';
export {
  zeroShot, classify, textClassification, trainClassifier, Classifier, evaluate, cluster, embedAll, DEFAULT_TEMPLATE,
  detectLanguage,
} from './tasks.js';
export { readTable, splitRows } from './data.js';
export { assignTopics, loadTopics, mergeTopics, topicNames, topicTrends, topicsAfterMerge } from './topics.js';
