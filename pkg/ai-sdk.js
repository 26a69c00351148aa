// An embedding model for the Vercel AI SDK (`embed`, `embedMany` from 'ai'),
// over a nunchi Encoder. It implements the provider specification's
// EmbeddingModelV3, the version ai 6 defines and ai 7 still accepts; it
// imports nothing from 'ai'.
import { embedAll } from './index.js';
import { nunchiError, checkOptions } from './errors.js';
import { adapterEncoder, toRows } from './adapter-encoder.js';

const OPTIONS = ['loadOptions', 'batchSize', 'prefix'];

/**
 * `nunchiEmbeddingModel(encoderOrSource, { loadOptions, batchSize, prefix })`: a loaded
 * Encoder (this package's, the Worker client's or a pool's), or a source loaded on first
 * use. Values get the model's query prefix unless `prefix` says otherwise, as in the tasks.
 */
export function nunchiEmbeddingModel(encoderOrSource, options) {
  const { loadOptions, batchSize, prefix } = checkOptions(options, OPTIONS, 'nunchiEmbeddingModel');
  const encoder = adapterEncoder(encoderOrSource, loadOptions, 'nunchiEmbeddingModel');
  return {
    specificationVersion: 'v3',
    provider: 'nunchi',
    modelId: encoder.name,
    // embedAll batches any number of texts itself, shortest first, and stops on abortSignal.
    maxEmbeddingsPerCall: Infinity,
    // One model runs one call at a time; parallel calls would only queue.
    supportsParallelCalls: false,
    async doEmbed({ values, abortSignal, providerOptions }) {
      // nunchi takes no provider options: refuse them rather than drop them.
      const ours = providerOptions?.nunchi;
      if (ours && Object.keys(ours).length > 0) {
        throw nunchiError('E_INPUT', `nunchiEmbeddingModel: unknown provider option '${Object.keys(ours)[0]}' (nunchi takes none)`);
      }
      if (values.length === 0) return { embeddings: [], warnings: [] };
      const model = await encoder.get();
      return { embeddings: toRows(await embedAll(model, values, { signal: abortSignal, batchSize, prefix })), warnings: [] };
    },
    /** Frees the model when it was loaded from a source (an Encoder passed in stays the caller's). */
    dispose: () => encoder.dispose(),
  };
}
