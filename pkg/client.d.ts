import type {
  pipeline, Embeddings, EmbedOptions, FineTuneEncoderOptions, FineTunedEncoder, GenerateOptions, LoadOptions, ModelInfo, ModelSource, CandidateScore, TextClassifierScores,
} from './index.js';

/** A model living in the worker. `info` is a snapshot from load time; `refreshInfo()` updates it. */
interface RemoteModel {
  readonly info: ModelInfo;
  refreshInfo(): Promise<ModelInfo>;
  dispose(): void;
}

export interface WorkerEncoder extends RemoteModel {
  /** `data` is transferred from the worker, not copied. */
  embed(texts: string | string[], options?: EmbedOptions): Promise<Embeddings>;
  /** `Encoder.fineTune`, its steps in the worker; `model` is transferred, not copied. */
  fineTune(texts: string[], labels: string[], options?: FineTuneEncoderOptions): Promise<FineTunedEncoder<WorkerEncoder>>;
}

export interface WorkerTextClassifier extends RemoteModel {
  /** The labels, in the order of the scores (from `info`). */
  readonly labels: string[];
  /** `scores` and `logits` are transferred from the worker, not copied. */
  classify(texts: string | string[]): Promise<TextClassifierScores>;
}

export interface WorkerText2Text extends RemoteModel {
  generate(prompt: string, options?: GenerateOptions): Promise<string>;
  score(prompt: string, candidates: string[]): Promise<CandidateScore[]>;
}

export interface WorkerClient {
  Encoder: { load(source: ModelSource, options?: LoadOptions): Promise<WorkerEncoder> };
  TextClassifier: { load(source: ModelSource, options?: LoadOptions): Promise<WorkerTextClassifier> };
  Text2Text: { load(source: ModelSource, options?: LoadOptions): Promise<WorkerText2Text> };
  /**
   * transformers.js' `pipeline()`, as from 'nunchi', with the model in the worker: inference
   * runs there; the tasks' light numeric steps run in the page.
   */
  pipeline: typeof pipeline;
  /** Stops the worker: calls still running reject with `E_ABORTED`, later ones with `E_INPUT`. */
  terminate(): void;
}

/** Starts the package's module worker (`nunchi/worker`). */
export declare function startWorker(): Worker;
export interface WorkerClientOptions {
  /**
   * Threads for the worker's CPU kernels. `'auto'` (default): on a cross-origin-isolated
   * page (served with `Cross-Origin-Opener-Policy: same-origin` and
   * `Cross-Origin-Embedder-Policy: require-corp`) the worker loads the wasm threads build
   * and uses every core (at most 8); elsewhere one thread. A number (1..16) asks for that
   * many; where threads cannot run, the model's `info.threadsFallbackReason` says why.
   * Anything else throws `E_INPUT`.
   */
  threads?: 'auto' | number;
}

/** The main API, with every model running in `worker` (default: a new `startWorker()`). */
export declare function createWorkerClient(worker?: Worker, options?: WorkerClientOptions): WorkerClient;

// ---------------------------------------------------------------- worker pool

export interface PoolOptions {
  /**
   * How many workers, each with its own copy of the model (integer 1..16;
   * default `Math.min(navigator.hardwareConcurrency || 2, 4)`). Anything else
   * throws `E_INPUT`.
   */
  size?: number;
  /** Makes each worker (called with its index); default {@link startWorker}. */
  worker?: (index: number) => Worker;
}

/** `ModelInfo` of the first worker's model, plus the pool's figures. */
export interface PooledModelInfo extends ModelInfo {
  /** The pool size. */
  workers: number;
  /** Each worker's `wasmMemoryBytes` (every worker holds the model). */
  wasmMemoryBytesPerWorker: number[];
}

export interface PooledEmbedOptions extends EmbedOptions {
  /**
   * Aborting rejects the call with `E_ABORTED` at once; the chunks already
   * running finish in their workers and are discarded. The pool stays usable.
   */
  signal?: AbortSignal;
}

/** One encoder, loaded in every worker of a pool. */
export interface PooledEncoder {
  /**
   * The same result as one worker's `embed`, rows in the order of `texts`. A batch of
   * at least 2 × size texts is split into one contiguous chunk per worker, balanced by
   * length; smaller batches, a single string, and `pooling: 'none'` go to one worker, in turn.
   * Rows have the bits one worker gives for the same chunk, which may differ slightly
   * from one call on the whole batch (as any change of batch may).
   */
  embed(texts: string | string[], options?: PooledEmbedOptions): Promise<Embeddings>;
  /** A snapshot from load time; `refreshInfo()` asks every worker again. */
  readonly info: PooledModelInfo;
  refreshInfo(): Promise<PooledModelInfo>;
  /** Frees the model in every worker; later calls reject with `E_INPUT`. */
  dispose(): void;
}

export interface PooledClassifyOptions {
  /** As for {@link PooledEmbedOptions}: rejects with `E_ABORTED` at once; the pool stays usable. */
  signal?: AbortSignal;
}

/** One fine-tuned classifier, loaded in every worker of a pool. */
export interface PooledTextClassifier {
  /** The labels, in the order of the scores. */
  readonly labels: string[];
  /**
   * The same result as one worker's `classify`, rows in the order of `texts`; split
   * across the workers as {@link PooledEncoder.embed} splits a batch.
   */
  classify(texts: string | string[], options?: PooledClassifyOptions): Promise<TextClassifierScores>;
  /** A snapshot from load time; `refreshInfo()` asks every worker again. */
  readonly info: PooledModelInfo;
  refreshInfo(): Promise<PooledModelInfo>;
  /** Frees the model in every worker; later calls reject with `E_INPUT`. */
  dispose(): void;
}

export interface WorkerPool {
  Encoder: {
    /**
     * Loads the model in every worker at once (each fetches it, or reads Cache Storage).
     * `onProgress` hears the first worker only. If any worker fails, the others are
     * stopped and freed, and the first error is thrown.
     */
    load(source: ModelSource, options?: LoadOptions): Promise<PooledEncoder>;
  };
  TextClassifier: {
    /** Loads the model in every worker at once, as `Encoder.load` does. */
    load(source: ModelSource, options?: LoadOptions): Promise<PooledTextClassifier>;
  };
  readonly size: number;
  /** Stops every worker: calls still running reject with `E_ABORTED`, later ones with `E_INPUT`. */
  terminate(): void;
}

/**
 * A pool of Web Workers for big embedding (or classification) batches on the wasm
 * CPU path, where one worker uses one core: `size` workers each hold the model, and
 * `embed` (or `classify`) splits a batch across them.
 */
export declare function createWorkerPool(options?: PoolOptions): WorkerPool;
