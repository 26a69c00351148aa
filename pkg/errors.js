// Errors carry a stable `code`, the same ones the Rust core uses.
export function nunchiError(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

/** Rejects option keys a function does not know, listing the ones it does. */
export function checkOptions(opts, allowed, where) {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object') throw nunchiError('E_INPUT', `${where}: options must be an object`);
  for (const key of Object.keys(opts)) {
    if (!allowed.includes(key)) {
      throw nunchiError('E_INPUT', `${where}: unknown option '${key}' (expected one of ${allowed.join(', ')})`);
    }
  }
  return opts;
}

export function abortError() {
  const e = nunchiError('E_ABORTED', 'the operation was cancelled');
  e.name = 'AbortError';
  return e;
}
