// nunchi: MiniLM embeddings and Flan-T5 in WebAssembly, for pages, Workers and Node.
import { Encoder as WasmEncoder, Text2Text as WasmText2Text, wasmMemoryBytes } from './wasm/nunchi_wasm.js';
import { ensureWasm, yieldToEventLoop } from './runtime.js';
import { nunchiError, checkOptions, abortError } from './errors.js';
import { resolveSource } from './source.js';

const LOAD_OPTIONS = ['onProgress', 'device', 'cache', 'signal', 'quant'];
const DEVICES = ['auto', 'cpu', 'webgpu'];
const QUANTS = ['f32', 'f16', 'q8_0', 'q4_0', 'q4k'];

/** Shared by both model kinds: options, source resolution, progress, timing. */
async function loadModel(WasmClass, source, opts, where) {
  const { onProgress, device = 'auto', signal, quant = 'q8_0', cache = true } = checkOptions(opts, LOAD_OPTIONS, where);
  if (!DEVICES.includes(device)) throw nunchiError('E_INPUT', `${where}: unknown device '${device}' (expected one of ${DEVICES.join(', ')})`);
  if (device === 'webgpu') throw nunchiError('E_DEVICE', `${where}: the WebGPU backend is not available in this build; use device 'auto' or 'cpu'`);
  if (!QUANTS.includes(quant)) throw nunchiError('E_INPUT', `${where}: unknown quant '${quant}' (expected one of ${QUANTS.join(', ')})`);
  const t0 = performance.now();
  await ensureWasm();
  const src = await resolveSource(source, { onProgress, signal, cache });
  if (signal?.aborted) throw abortError();
  onProgress?.({ status: 'parse' });
  const inner = src.kind === 'gguf'
    ? WasmClass.fromGguf(src.bytes)
    : WasmClass.fromHfFiles(src.name, src.config, src.tokenizer, src.safetensors, src.extras, quant);
  const ms = performance.now() - t0;
  onProgress?.({ status: 'ready', ms });
  return inner;
}

function infoOf(inner) {
  const info = inner.info();
  info.device = 'wasm-simd';
  info.wasmMemoryBytes = wasmMemoryBytes();
  return info;
}

function alive(inner, what) {
  if (!inner) throw nunchiError('E_INPUT', `${what} was disposed`);
  return inner;
}

export class Encoder {
  #inner;
  constructor(inner) { this.#inner = inner; }

  /** Loads a BERT-family sentence encoder (all-MiniLM-L6-v2, bge/e5-small, …). */
  static async load(source, opts) {
    return new Encoder(await loadModel(WasmEncoder, source, opts, 'Encoder.load'));
  }

  /** Embeds texts: `{ data: Float32Array, dims: [n, d], truncated: number[] }`. */
  async embed(texts, opts) {
    const { pooling, normalize } = checkOptions(opts, ['pooling', 'normalize'], 'embed');
    const list = typeof texts === 'string' ? [texts] : texts;
    if (!Array.isArray(list) || list.some((t) => typeof t !== 'string')) {
      throw nunchiError('E_INPUT', 'embed: texts must be a string or an array of strings');
    }
    return alive(this.#inner, 'this Encoder').embed(list, pooling, normalize);
  }

  get info() { return infoOf(alive(this.#inner, 'this Encoder')); }

  /** Frees the model's memory; the object cannot be used afterwards. */
  dispose() { this.#inner?.free(); this.#inner = undefined; }
}

const GENERATE_OPTIONS = ['maxNewTokens', 'temperature', 'topK', 'topP', 'seed', 'onToken', 'signal'];

export class Text2Text {
  #inner;
  constructor(inner) { this.#inner = inner; }

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

  get info() { return infoOf(alive(this.#inner, 'this Text2Text')); }

  dispose() { this.#inner?.free(); this.#inner = undefined; }
}

export { wasmMemoryBytes };

export {
  zeroShot, classify, trainClassifier, Classifier, evaluate, cluster, embedAll, DEFAULT_TEMPLATE,
} from './tasks.js';
