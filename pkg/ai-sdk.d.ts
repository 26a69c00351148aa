import type { EmbeddingModel, LoadOptions, ModelSource } from './index.js';

export interface NunchiEmbeddingModelOptions {
  /** For a source: how to load it (`Encoder.load`'s options). */
  loadOptions?: LoadOptions;
  /** Texts per `embed` call (default 32). */
  batchSize?: number;
  /** Text put before every value; default the model's query prefix (e5's `"query: "`; none for MiniLM). */
  prefix?: string;
}

/**
 * The AI SDK's embedding model specification, version 3 (`EmbeddingModelV3` of
 * `@ai-sdk/provider`), which `embed` and `embedMany` from `ai` 6 and 7 take.
 */
export interface NunchiEmbeddingModel {
  readonly specificationVersion: 'v3';
  readonly provider: 'nunchi';
  /** The source as given, or the loaded encoder's `info.model`. */
  readonly modelId: string;
  /** Infinity: any number of values per call, batched inside. */
  readonly maxEmbeddingsPerCall: number;
  readonly supportsParallelCalls: false;
  doEmbed(options: {
    values: string[];
    abortSignal?: AbortSignal;
    /** nunchi takes none: any under `nunchi` is `E_INPUT`. */
    providerOptions?: Record<string, Record<string, unknown>>;
    headers?: Record<string, string | undefined>;
  }): Promise<{ embeddings: number[][]; warnings: never[] }>;
  /** Frees a model loaded from a source (an encoder passed in stays yours). */
  dispose(): Promise<void>;
}

/**
 * An embedding model for the Vercel AI SDK over a nunchi encoder: a loaded one
 * (this package's, the Worker client's or a pool's), or a source loaded on first
 * use. Vectors are L2-normalized, with the model's pooling.
 */
export declare function nunchiEmbeddingModel(
  encoderOrSource: EmbeddingModel | ModelSource, options?: NunchiEmbeddingModelOptions,
): NunchiEmbeddingModel;
