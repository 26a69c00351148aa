// nunchi: MiniLM embeddings and Flan-T5 in WebAssembly, for pages, Workers and Node.
import { Encoder as WasmEncoder, Text2Text as WasmText2Text, wasmMemoryBytes } from './wasm/nunchi_wasm.js';
import { ensureWasm, yieldToEventLoop } from './runtime.js';
import { nunchiError, checkOptions, abortError } from './errors.js';
import { resolveSource } from './source.js';

const LOAD_OPTIONS = ['onProgress', 'device', 'cache', 'signal', 'quant'];
const DEVICES = ['auto', 'cpu', 'webgpu'];
const QUANTS = ['f32', 'f16', 'q8_0', 'q4_0', 'q4k'];

/** Shared by both model kinds: options, source resolution, device choice, progress, timing. */
async function loadModel(WasmClass, source, opts, where) {
  const { onProgress, device = 'auto', signal, quant = 'q8_0', cache = true } = checkOptions(opts, LOAD_OPTIONS, where);
  if (!DEVICES.includes(device)) throw nunchiError('E_INPUT', `${where}: unknown device '${device}' (expected one of ${DEVICES.join(', ')})`);
  if (!QUANTS.includes(quant)) throw nunchiError('E_INPUT', `${where}: unknown quant '${quant}' (expected one of ${QUANTS.join(', ')})`);
  const t0 = performance.now();
  await ensureWasm();
  const src = await resolveSource(source, { onProgress, signal, cache });
  if (signal?.aborted) throw abortError();
  onProgress?.({ status: 'parse' });
  const placed = await place(WasmClass, src, quant, device, where);
  const ms = performance.now() - t0;
  onProgress?.({ status: 'ready', ms });
  return placed;
}

/** `{ adapter }` naming the WebGPU adapter, or `{ reason }` why WebGPU cannot be tried here. */
async function probeWebgpu(WasmClass) {
  if (!WasmClass.fromGgufOnWebgpu) return { reason: 'WebGPU runs sentence encoders only so far; this model uses the wasm CPU path' };
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
 * says why in `fallbackReason`; `'webgpu'` fails instead.
 */
async function place(WasmClass, src, quant, device, where) {
  let fallbackReason;
  if (device !== 'cpu') {
    const probe = await probeWebgpu(WasmClass);
    fallbackReason = probe.reason;
    if (!fallbackReason) {
      try {
        const inner = src.kind === 'gguf'
          ? await WasmClass.fromGgufOnWebgpu(src.bytes)
          : await WasmClass.fromHfFilesOnWebgpu(src.name, src.config, src.tokenizer, src.safetensors, src.extras, quant);
        return { inner, device: 'webgpu', adapter: probe.adapter };
      } catch (e) {
        if (e.code === 'E_MODEL_FORMAT' || e.code === 'E_INPUT') throw e;
        fallbackReason = `WebGPU failed: ${e.message}`;
      }
    }
    if (device === 'webgpu') throw nunchiError('E_DEVICE', `${where}: ${fallbackReason}`);
  }
  const inner = src.kind === 'gguf'
    ? WasmClass.fromGguf(src.bytes)
    : WasmClass.fromHfFiles(src.name, src.config, src.tokenizer, src.safetensors, src.extras, quant);
  return { inner, device: 'wasm-simd', fallbackReason };
}

function infoOf(placed, what) {
  const info = alive(placed?.inner, what).info();
  info.device = placed.device;
  if (placed.adapter) info.adapter = placed.adapter;
  if (placed.fallbackReason) info.fallbackReason = placed.fallbackReason;
  info.wasmMemoryBytes = wasmMemoryBytes();
  return info;
}

function alive(inner, what) {
  if (!inner) throw nunchiError('E_INPUT', `${what} was disposed`);
  return inner;
}

export class Encoder {
  #placed;
  #reload;
  constructor(placed, reload) { this.#placed = placed; this.#reload = reload; }

  /** Loads a BERT-family sentence encoder (all-MiniLM-L6-v2, bge/e5-small, …). */
  static async load(source, opts) {
    const placed = await loadModel(WasmEncoder, source, opts, 'Encoder.load');
    // After a WebGPU failure the model is rebuilt on the CPU from the same
    // source (Cache Storage serves URLs again without a download).
    const reload = () => loadModel(WasmEncoder, source, { ...opts, device: 'cpu', onProgress: undefined }, 'Encoder.load');
    return new Encoder(placed, reload);
  }

  /** Embeds texts: `{ data: Float32Array, dims: [n, d], truncated: number[] }`. */
  async embed(texts, opts) {
    const { pooling, normalize } = checkOptions(opts, ['pooling', 'normalize'], 'embed');
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

const GENERATE_OPTIONS = ['maxNewTokens', 'temperature', 'topK', 'topP', 'seed', 'onToken', 'signal'];

export class Text2Text {
  #placed;
  constructor(placed) { this.#placed = placed; }

  get #inner() { return this.#placed?.inner; }

  /** Loads a T5 / Flan-T5 model. */
  static async load(source, opts) {
    return new Text2Text(await loadModel(WasmText2Text, source, opts, 'Text2Text.load'));
  }

  /** Generates a completion, streaming pieces to `onToken`; cancel with `signal`. */
  async generate(prompt, opts) {
    const { maxNewTokens = 32, temperature = 0, topK = 0, topP = 1, seed = 0, onToken, signal } =
      checkOptions(opts, GENERATE_OPTIONS, 'generate');
    if (typeof prompt !== 'string') throw nunchiError('E_INPUT', 'generate: prompt must be a string');
    const inner = alive(this.#inner, 'this Text2Text');
    inner.startGeneration(prompt, maxNewTokens, temperature, topK, topP, seed);
    try {
      for (;;) {
        if (signal?.aborted) throw abortError();
        const piece = inner.nextPiece();
        if (piece === undefined) break;
        if (piece) onToken?.(piece);
        await yieldToEventLoop();
      }
      return inner.finishGeneration().text;
    } catch (e) {
      inner.cancelGeneration();
      throw e;
    }
  }

  /** Log-probability of each candidate completion: `[{ candidate, logprob, tokens }]`. */
  async score(prompt, candidates) {
    if (typeof prompt !== 'string' || !Array.isArray(candidates)) {
      throw nunchiError('E_INPUT', 'score: expected a prompt string and an array of candidate strings');
    }
    return alive(this.#inner, 'this Text2Text').score(prompt, candidates);
  }

  get info() { return infoOf(this.#placed, 'this Text2Text'); }

  dispose() { this.#inner?.free(); this.#placed = undefined; }
}

export { wasmMemoryBytes };

export {
  zeroShot, classify, trainClassifier, Classifier, evaluate, cluster, embedAll, DEFAULT_TEMPLATE,
} from './tasks.js';
