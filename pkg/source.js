// Turns a model source (URL, Hugging Face repo URL, File/Blob, bytes, or a Node
// path) into bytes for the wasm core, reporting progress as it goes.
import { nunchiError, abortError } from './errors.js';

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** Optional files of a Hugging Face repository that refine how a model is used. */
const HF_EXTRAS = ['sentence_bert_config.json', '1_Pooling/config.json', 'modules.json', 'nunchi_test_weights.json'];

async function fetchBytes(url, onProgress, signal) {
  let res;
  try {
    res = await fetch(url, { signal });
  } catch (e) {
    if (signal?.aborted) throw abortError();
    throw nunchiError('E_IO', `GET ${url} failed: ${e.message}`);
  }
  if (!res.ok) throw nunchiError('E_IO', `GET ${url}: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || 0;
  if (!res.body) {
    const buf = new Uint8Array(await res.arrayBuffer());
    onProgress?.({ status: 'download', url, loaded: buf.length, total: buf.length });
    return buf;
  }
  const chunks = [];
  let loaded = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress?.({ status: 'download', url, loaded, total });
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

async function fetchText(url, onProgress, signal) {
  return new TextDecoder().decode(await fetchBytes(url, onProgress, signal));
}

async function tryFetchText(url, signal) {
  try {
    const res = await fetch(url, { signal });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves a source to `{ kind: 'gguf', bytes }` or
 * `{ kind: 'hf', name, config, tokenizer, safetensors, extras }`.
 */
export async function resolveSource(source, { onProgress, signal } = {}) {
  if (source instanceof Uint8Array) return { kind: 'gguf', bytes: source };
  if (source instanceof ArrayBuffer) return { kind: 'gguf', bytes: new Uint8Array(source) };
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    return { kind: 'gguf', bytes: new Uint8Array(await source.arrayBuffer()) };
  }
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw nunchiError('E_INPUT', 'source must be a URL, a File/Blob, an ArrayBuffer/Uint8Array, or (in Node) a path');
  }
  const text = String(source);
  const isUrl = /^(https?|file|blob|data):/i.test(text) || !isNode;
  if (!isUrl) return resolvePath(text, onProgress);
  if (/\.gguf($|\?)/i.test(text)) return { kind: 'gguf', bytes: await fetchBytes(text, onProgress, signal) };
  // A Hugging Face repository base URL: files live at {base}/resolve/main/{file}.
  const base = text.replace(/\/+$/, '');
  const file = (name) => `${base}/resolve/main/${name}`;
  const [config, tokenizer] = await Promise.all([
    fetchText(file('config.json'), onProgress, signal),
    fetchText(file('tokenizer.json'), onProgress, signal),
  ]);
  const safetensors = await fetchBytes(file('model.safetensors'), onProgress, signal);
  const extras = {};
  for (const name of HF_EXTRAS) {
    const t = await tryFetchText(file(name), signal);
    if (t !== undefined) extras[name] = t;
  }
  return { kind: 'hf', name: base.split('/').pop(), config, tokenizer, safetensors, extras };
}

async function resolvePath(path, onProgress) {
  const fs = await import('node:fs/promises');
  const nodePath = await import('node:path');
  let stat;
  try {
    stat = await fs.stat(path);
  } catch {
    throw nunchiError('E_INPUT', `no model at '${path}' (expected a .gguf file, a model folder or a URL)`);
  }
  if (!stat.isDirectory()) {
    const bytes = new Uint8Array(await fs.readFile(path));
    onProgress?.({ status: 'download', url: path, loaded: bytes.length, total: bytes.length });
    return { kind: 'gguf', bytes };
  }
  const read = (name) => fs.readFile(nodePath.join(path, name), 'utf8');
  const safetensors = new Uint8Array(await fs.readFile(nodePath.join(path, 'model.safetensors')));
  onProgress?.({ status: 'download', url: path, loaded: safetensors.length, total: safetensors.length });
  const extras = {};
  for (const name of HF_EXTRAS) {
    try { extras[name] = await read(name); } catch { /* optional */ }
  }
  return { kind: 'hf', name: nodePath.basename(path), config: await read('config.json'), tokenizer: await read('tokenizer.json'), safetensors, extras };
}
