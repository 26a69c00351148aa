// LangChain.js embeddings over a nunchi Encoder: `new NunchiEmbeddings({ model })`
// wherever LangChain takes an `Embeddings` (vector stores, retrievers).
// Needs the peer dependency @langchain/core.
import { Embeddings } from '@langchain/core/embeddings';
import { embedAll } from './index.js';
import { nunchiError, checkOptions } from './errors.js';
import { adapterEncoder, toRows } from './adapter-encoder.js';

const FIELDS = ['encoder', 'model', 'loadOptions', 'batchSize'];

export class NunchiEmbeddings extends Embeddings {
  #encoder;
  #batchSize;

  /**
   * `{ encoder }`: a loaded Encoder (this package's, the Worker client's or a pool's); or
   * `{ model, loadOptions }`: a source, loaded on first use. `batchSize`: texts per embed call.
   */
  constructor(fields) {
    super({});
    const { encoder, model, loadOptions, batchSize } = checkOptions(fields, FIELDS, 'NunchiEmbeddings');
    if ((encoder === undefined) === (model === undefined)) {
      throw nunchiError('E_INPUT', 'NunchiEmbeddings: give either encoder (a loaded Encoder) or model (a source)');
    }
    this.#encoder = adapterEncoder(encoder ?? model, loadOptions, 'NunchiEmbeddings');
    this.#batchSize = batchSize;
  }

  /** Documents get the model's passage prefix (e5's "passage: "; none for MiniLM). L2-normalized. */
  async embedDocuments(documents) {
    if (Array.isArray(documents) && documents.length === 0) return [];
    const encoder = await this.#encoder.get();
    const prefix = encoder.info?.prefixes?.passage ?? '';
    return toRows(await embedAll(encoder, documents, { batchSize: this.#batchSize, prefix }));
  }

  /** A query gets the model's query prefix (e5's "query: "). L2-normalized. */
  async embedQuery(document) {
    if (typeof document !== 'string') throw nunchiError('E_INPUT', 'NunchiEmbeddings.embedQuery: the query must be a string');
    const encoder = await this.#encoder.get();
    const prefix = encoder.info?.prefixes?.query ?? '';
    return toRows(await embedAll(encoder, [document], { prefix }))[0];
  }

  /** Frees the model when it was loaded from a source (an Encoder passed in stays the caller's). */
  dispose() { return this.#encoder.dispose(); }
}
