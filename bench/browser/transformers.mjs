// transformers.js (ONNX Runtime Web) for the browser bench: installed on first use
// into $NUNCHI_CACHE/transformers-js (npm, pinned, --ignore-scripts: only its
// browser build and ORT's wasm are used), and served beside the package by the
// test server's mounts. Its models are the ONNX export that
// scripts/reference/export_onnx.py writes to $NUNCHI_CACHE/onnx/ (the tokenizer
// files fall back to models/). page.js's tjsSetup points transformers.js at
// these paths.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { cacheDir, models } from '../common.mjs';

export const TJS_VERSION = '4.3.1'; // @huggingface/transformers, pinned: it pins its onnxruntime-web
export const tjsDir = path.join(cacheDir, 'transformers-js');
export const onnxDir = path.join(cacheDir, 'onnx');
const tjsDist = path.join(tjsDir, 'node_modules/@huggingface/transformers/dist');
const ortDist = path.join(tjsDir, 'node_modules/onnxruntime-web/dist');
/** ORT's wasm that transformers.js uses by default (the asyncify SIMD build). */
export const ORT_WASM = 'ort-wasm-simd-threaded.asyncify.wasm';
/** The page path of the quantized ONNX model (a second load that skips it came from the cache). */
export const ONNX_Q8_URL = '/tjs-models/all-MiniLM-L6-v2/onnx/model_quantized.onnx';

/** Installs the pinned transformers.js unless it is there; whether it is. */
export function ensureTransformersJs(log = console.error) {
  const dist = path.join(tjsDist, 'transformers.js');
  const pkgJson = path.join(tjsDir, 'node_modules/@huggingface/transformers/package.json');
  if (existsSync(dist) && JSON.parse(readFileSync(pkgJson, 'utf8')).version === TJS_VERSION) return true;
  log(`installing @huggingface/transformers@${TJS_VERSION} into ${tjsDir} (npm, --ignore-scripts)`);
  const r = spawnSync('npm', ['install', '--prefix', tjsDir, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts',
    '--omit=optional', `@huggingface/transformers@${TJS_VERSION}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  return r.status === 0 && existsSync(dist);
}

/** Whether the ONNX export of MiniLM is there (scripts/reference/export_onnx.py). */
export function hasOnnxExport() {
  return existsSync(path.join(onnxDir, 'all-MiniLM-L6-v2/onnx/model_quantized.onnx'));
}

/** The test server's mounts for transformers.js: its dist, ORT's dist, and its models. */
export function transformersMounts() {
  return { '/tjs/': tjsDist, '/ort/': ortDist, '/tjs-models/': [onnxDir, models] };
}

/** What a page downloads for transformers.js, in bytes: ORT's wasm and transformers.js' JS, raw and gzip -9. */
export function transformersDownloads() {
  const ort = readFileSync(path.join(ortDist, ORT_WASM));
  const js = readFileSync(path.join(tjsDist, 'transformers.js'));
  const gz = (b) => gzipSync(b, { level: 9 }).length;
  return { ortWasm: ort.length, ortWasmGzip: gz(ort), tjsJs: js.length, tjsJsGzip: gz(js) };
}
