// Instantiates the wasm module once, for the models and the tasks alike.
import init, { initSync } from './wasm/nunchi_wasm.js';

const isNode = typeof process !== 'undefined' && !!process.versions?.node;
let wasmReady;

/** Instantiates the wasm module once (Node reads the file; browsers fetch it). */
export function ensureWasm() {
  wasmReady ??= (async () => {
    const url = new URL('./wasm/nunchi_wasm_bg.wasm', import.meta.url);
    if (isNode) {
      const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
      initSync({ module: await readFile(url) });
    } else {
      await init({ module_or_path: url });
    }
  })();
  return wasmReady;
}
