// The encoder behind an adapter (nunchi/langchain, nunchi/ai-sdk): one the user
// passes in (theirs to free), or a source loaded on first use (the adapter's,
// freed by its dispose()). Public API only.
import { Encoder } from './index.js';
import { nunchiError } from './errors.js';

/** True for anything with an Encoder's `embed`: this package's, the Worker client's or a pool's. */
const isEncoder = (x) => typeof x?.embed === 'function';

export function adapterEncoder(encoderOrSource, loadOptions, where) {
  if (isEncoder(encoderOrSource)) {
    if (loadOptions !== undefined) throw nunchiError('E_INPUT', `${where}: loadOptions apply to a model source, not to a loaded Encoder`);
    return { name: encoderOrSource.info?.model ?? 'encoder', get: async () => encoderOrSource, dispose() {} };
  }
  if (encoderOrSource === undefined || encoderOrSource === null) {
    throw nunchiError('E_INPUT', `${where}: give an Encoder or a model source`);
  }
  let loading;
  return {
    name: encoderOrSource instanceof URL || typeof encoderOrSource === 'string' ? String(encoderOrSource) : 'encoder',
    // Loaded once, on first use; a failed load is tried again on the next call.
    get: () => (loading ??= Encoder.load(encoderOrSource, loadOptions).catch((e) => {
      loading = undefined;
      throw e;
    })),
    async dispose() {
      const pending = loading;
      loading = undefined;
      (await pending?.catch(() => undefined))?.dispose();
    },
  };
}

/** `embedAll`'s flat rows as arrays of numbers, the shape both frameworks take. */
export function toRows({ data, dim }) {
  const rows = new Array(data.length / dim);
  for (let i = 0; i < rows.length; i++) rows[i] = Array.from(data.subarray(i * dim, (i + 1) * dim));
  return rows;
}
