import { Embeddings } from '@langchain/core/embeddings';
import type { EmbeddingModel, LoadOptions, ModelSource } from './index.js';

/** A loaded encoder: this package's `Encoder`, the Worker client's or a pool's. */
type LoadedEncoder = EmbeddingModel & { readonly info?: { prefixes?: { query: string; passage?: string } } };

export type NunchiEmbeddingsFields =
  | {
    /** A loaded encoder; it stays yours to dispose. */
    encoder: LoadedEncoder;
    model?: undefined;
    loadOptions?: undefined;
    /** Texts per `embed` call (default 32). */
    batchSize?: number;
  }
  | {
    /** A model source, loaded on first use; `dispose()` frees it. */
    model: ModelSource;
    encoder?: undefined;
    loadOptions?: LoadOptions;
    batchSize?: number;
  };

/**
 * LangChain.js embeddings over a nunchi encoder. Vectors are L2-normalized, with the
 * model's pooling; documents get its passage prefix and queries its query prefix
 * (e5's `"passage: "` and `"query: "`; none for MiniLM).
 */
export declare class NunchiEmbeddings extends Embeddings {
  constructor(fields: NunchiEmbeddingsFields);
  embedDocuments(documents: string[]): Promise<number[][]>;
  embedQuery(document: string): Promise<number[]>;
  /** Frees a model loaded from a source (an encoder passed in stays yours). */
  dispose(): Promise<void>;
}
