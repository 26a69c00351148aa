// Instantiates the wasm module once, for the models and the tasks alike: the
// single-thread build, or in a cross-origin-isolated Worker that asked for
// threads, the threads build (wasm-threads/: shared memory, a rayon pool on
// Web Workers splitting the q8_0 kernels' columns).
import init, * as singleThread from './wasm/nunchi_wasm.js';

const isNode = typeof process !== 'undefined' && !!process.versions?.node;
const isWorker = typeof WorkerGlobalScope !== 'undefined' && globalThis instanceof WorkerGlobalScope;
/** Most threads 'auto' starts: past this, a pool's start-up costs more than the splits save on small batches. */
export const MAX_AUTO_THREADS = 8;

let wasmReady;
let bindings;
let threadsWanted = 1;
let threadsFallbackReason;

/**
 * Asks for `threads` kernel threads ('auto': every core when the page is
 * cross-origin isolated, else 1). Takes effect at the first model load; returns
 * false when the module is already running.
 */
export function requestThreads(threads) {
  if (wasmReady) return false;
  if (threads === 'auto') {
    const cores = Math.min(globalThis.navigator?.hardwareConcurrency || 1, MAX_AUTO_THREADS);
    threadsWanted = globalThis.crossOriginIsolated ? cores : 1;
    if (cores > 1 && !globalThis.crossOriginIsolated) {
      threadsFallbackReason = 'one thread: the page is not cross-origin isolated (serve it with COOP/COEP headers for wasm threads)';
    }
  } else {
    threadsWanted = threads;
  }
  return true;
}

/** `{ threads, threadsFallbackReason? }`: the kernels' threads now, and why fewer than asked. */
export function threadInfo() {
  const info = { threads: bindings?.kernelThreads() ?? 1 };
  if (threadsFallbackReason) info.threadsFallbackReason = threadsFallbackReason;
  return info;
}

/** The running module's exports (undefined before the first load). */
export function loadedBindings() {
  return bindings;
}

/** Instantiates the wasm module once (Node reads the file; browsers fetch it); resolves to its exports. */
export function ensureWasm() {
  wasmReady ??= (async () => {
    if (threadsWanted > 1) {
      try {
        bindings = await startThreadsBuild(threadsWanted);
        return bindings;
      } catch (e) {
        threadsFallbackReason = `one thread: ${e?.message ?? e}`;
      }
    }
    const url = new URL('./wasm/nunchi_wasm_bg.wasm', import.meta.url);
    if (isNode) {
      const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
      singleThread.initSync({ module: await readFile(url) });
    } else {
      await init({ module_or_path: url });
    }
    bindings = singleThread;
    return bindings;
  })();
  return wasmReady;
}

async function startThreadsBuild(threads) {
  if (isNode) throw new Error('wasm threads run in browsers only');
  if (!isWorker) throw new Error('wasm threads must wait for each other, which a page\'s main thread may not: load models through nunchi/client');
  if (!globalThis.crossOriginIsolated) throw new Error('the page is not cross-origin isolated (serve it with COOP/COEP headers for wasm threads)');
  // Not bundled on purpose: the threads build is fetched only by pages that use it. (Through a
  // variable, so bundlers do not take `new URL(…, import.meta.url)` for an asset to emit.)
  const here = import.meta.url;
  const glue = await import(/* webpackIgnore: true */ /* @vite-ignore */ new URL('./wasm-threads/nunchi_wasm.js', here).href);
  await glue.default({ module_or_path: new URL('./wasm-threads/nunchi_wasm_bg.wasm', here) });
  await glue.initThreadPool(threads);
  glue.setKernelThreads(threads);
  return glue;
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
