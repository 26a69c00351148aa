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

/**
 * Lets the event loop run (abort signals, UI) between steps of a long job.
 * Browsers clamp nested `setTimeout(0)` to ~4 ms, a quarter of a decode step,
 * so they yield through a message instead.
 */
export const yieldToEventLoop = typeof setImmediate === 'function'
  ? () => new Promise((r) => setImmediate(r))
  : typeof MessageChannel === 'function'
    ? () => new Promise((r) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { channel.port1.close(); r(); };
      channel.port2.postMessage(null);
    })
    : () => new Promise((r) => setTimeout(r, 0));
