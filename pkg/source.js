// Turns a model source (URL, Hugging Face repo URL or Hub id, File/Blob, bytes,
// or a Node path) into bytes for the wasm core, reporting progress as it goes.
import { nunchiError, abortError } from './errors.js';
import { ensureWasm } from './runtime.js';

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** Optional files of a Hugging Face repository that refine how a model is used. */
const HF_EXTRAS = [
  'sentence_bert_config.json', '1_Pooling/config.json', 'modules.json', 'config_sentence_transformers.json',
  'nunchi_test_weights.json',
];

/** The optional files to read: the pooling and prompt files, and, for a checkpoint without
 * `tokenizer.json`, the older tokenizer files Rust builds one from (its list). */
async function extraFiles(tokenizer) {
  if (tokenizer !== undefined) return HF_EXTRAS;
  const wasm = await ensureWasm();
  return [...HF_EXTRAS, ...wasm.legacyTokenizerFiles()];
}

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

// ---- Cache Storage: model bytes keyed by URL, checked (size + sha256) before use ----

const CACHE_NAME = 'nunchi-models-v1';
// Size and sha256 of each entry live in a second cache under the same URL
// (Cache Storage ignores URL fragments, so they cannot share one cache).
const META_CACHE_NAME = 'nunchi-models-v1-meta';
const hasCacheStorage = () => typeof caches !== 'undefined' && typeof crypto !== 'undefined' && !!crypto.subtle;

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Bytes of `url` from the cache if they are whole and unaltered, else `undefined`. */
async function readCache({ cache, metaCache }, url) {
  const [hit, meta] = await Promise.all([cache.match(url), metaCache.match(url)]);
  if (!hit || !meta) return undefined;
  try {
    const { size, sha256 } = await meta.json();
    const bytes = new Uint8Array(await hit.arrayBuffer());
    if (bytes.length === size && (await sha256Hex(bytes)) === sha256) return bytes;
  } catch { /* unreadable entry: drop it below */ }
  // A corrupt or truncated entry is never parsed: drop it and download again.
  await Promise.all([cache.delete(url), metaCache.delete(url)]);
  return undefined;
}

async function writeCache({ cache, metaCache }, url, bytes) {
  const meta = JSON.stringify({ size: bytes.length, sha256: await sha256Hex(bytes) });
  try {
    await cache.put(url, new Response(bytes));
    await metaCache.put(url, new Response(meta, { headers: { 'content-type': 'application/json' } }));
  } catch { /* quota exceeded or private mode: the model still loads, uncached */ }
}

/** `fetchBytes` through Cache Storage when the platform has it and `useCache` is on. */
async function fetchModelBytes(url, onProgress, signal, useCache) {
  if (!useCache || !hasCacheStorage()) return fetchBytes(url, onProgress, signal);
  const absolute = new URL(url, globalThis.location?.href).href;
  const cache = { cache: await caches.open(CACHE_NAME), metaCache: await caches.open(META_CACHE_NAME) };
  const cached = await readCache(cache, absolute);
  if (cached) {
    onProgress?.({ status: 'cached', url });
    return cached;
  }
  const bytes = await fetchBytes(url, onProgress, signal);
  await writeCache(cache, absolute, bytes);
  return bytes;
}

async function fetchText(url, onProgress, signal, useCache) {
  return new TextDecoder().decode(await fetchModelBytes(url, onProgress, signal, useCache));
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
 * `{ kind: 'hf', name, config, tokenizer, safetensors, extras }`. A string is
 * a URL; in Node, a path; or a Hub id (`owner/name`, at `hubUrl`), by Rust's
 * rule (`hubRepoUrl`). In a page, a bare `owner/name` is a Hub id: write
 * `./owner/name` for a folder on your own server.
 */
export async function resolveSource(source, { onProgress, signal, cache = true, hubUrl } = {}) {
  if (source instanceof Uint8Array) return { kind: 'gguf', bytes: source };
  if (source instanceof ArrayBuffer) return { kind: 'gguf', bytes: new Uint8Array(source) };
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    return { kind: 'gguf', bytes: new Uint8Array(await source.arrayBuffer()) };
  }
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw nunchiError('E_INPUT', 'source must be a URL, a File/Blob, an ArrayBuffer/Uint8Array, a Hub id (owner/name) or (in Node) a path');
  }
  const text = String(source);
  if (!/^(https?|file|blob|data):/i.test(text)) {
    const local = isNode ? await resolvePath(text, onProgress) : undefined;
    if (local) return local;
    const wasm = await ensureWasm();
    const repo = wasm.hubRepoUrl(text, hubUrl ?? wasm.defaultHubUrl());
    if (repo) return resolveRepo(repo, onProgress, signal, cache);
    if (isNode) {
      throw nunchiError('E_INPUT', `no model at '${text}' (expected a .gguf file, a model folder, a URL or a Hub id such as sentence-transformers/all-MiniLM-L6-v2)`);
    }
  }
  if (/\.gguf($|\?)/i.test(text)) return { kind: 'gguf', bytes: await fetchModelBytes(text, onProgress, signal, cache) };
  return resolveRepo(text, onProgress, signal, cache);
}

/** A Hugging Face repository base URL: files live at {base}/resolve/main/{file}. */
async function resolveRepo(url, onProgress, signal, cache) {
  const base = url.replace(/\/+$/, '');
  const file = (name) => `${base}/resolve/main/${name}`;
  const [config, tokenizer] = await Promise.all([
    fetchText(file('config.json'), onProgress, signal, cache),
    // Many fine-tuned checkpoints have no tokenizer.json: Rust builds one from the older files.
    fetchText(file('tokenizer.json'), onProgress, signal, cache).catch((e) => {
      if (signal?.aborted) throw e;
      return undefined;
    }),
  ]);
  const safetensors = await fetchModelBytes(file('model.safetensors'), onProgress, signal, cache);
  const extras = {};
  for (const name of await extraFiles(tokenizer)) {
    const t = await tryFetchText(file(name), signal);
    if (t !== undefined) extras[name] = t;
  }
  return { kind: 'hf', name: base.split('/').pop(), config, tokenizer, safetensors, extras };
}

/** The model at a Node path, or `undefined` when nothing is there. */
async function resolvePath(path, onProgress) {
  const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
  const nodePath = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:path');
  let stat;
  try {
    stat = await fs.stat(path);
  } catch {
    return undefined;
  }
  if (!stat.isDirectory()) {
    const bytes = new Uint8Array(await fs.readFile(path));
    onProgress?.({ status: 'download', url: path, loaded: bytes.length, total: bytes.length });
    return { kind: 'gguf', bytes };
  }
  const read = (name) => fs.readFile(nodePath.join(path, name), 'utf8');
  const safetensors = new Uint8Array(await fs.readFile(nodePath.join(path, 'model.safetensors')));
  onProgress?.({ status: 'download', url: path, loaded: safetensors.length, total: safetensors.length });
  const optional = (name) => read(name).catch(() => undefined);
  const tokenizer = await optional('tokenizer.json');
  const extras = {};
  for (const name of await extraFiles(tokenizer)) {
    const t = await optional(name);
    if (t !== undefined) extras[name] = t;
  }
  return { kind: 'hf', name: nodePath.basename(path), config: await read('config.json'), tokenizer, safetensors, extras };
}
