// The Node column of the browser bench: the same package (its wasm SIMD build)
// in this Node process, given the same chunks as the page, in turn with it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { t5RawPrefill, t5RawDecode } from './page.js';

/** An embedder of the package in `pkgDir` on `model` (a file or folder), warmed up on `warm`. */
export async function nodeEmbedder(pkgDir, model, options, warm) {
  const { Encoder } = await import(pathToFileURL(path.join(pkgDir, 'index.js')).href);
  const enc = await Encoder.load(model, options);
  // The same warm-up as the page's (page.js warmUp): one at a time, then as a batch.
  for (const t of warm) await enc.embed([t]);
  await enc.embed(warm);
  return {
    /** Seconds for `chunk` one text at a time, and as one batch. */
    async chunk(chunk) {
      let t = performance.now();
      for (const line of chunk) await enc.embed([line]);
      const b1 = (performance.now() - t) / 1e3;
      t = performance.now();
      await enc.embed(chunk);
      return { b1, b32: (performance.now() - t) / 1e3 };
    },
    dispose: () => enc.dispose(),
  };
}

/** T5 straight on the wasm class (no API, no yields), from the GGUF at `gguf`. */
export async function nodeT5(pkgDir, gguf) {
  const wasm = await import(pathToFileURL(path.join(pkgDir, 'wasm/nunchi_wasm.js')).href);
  const raw = wasm.Text2Text.fromGguf(new Uint8Array(readFileSync(gguf)));
  return {
    /** One round: the same steps as page.js t5Round's, without the API. */
    round({ prefillPrompts, decodePrompts, decodeTokens }) {
      const prefillS = t5RawPrefill(raw, prefillPrompts);
      let rawS = 0, tokens = 0;
      for (const p of decodePrompts) {
        const d = t5RawDecode(raw, p, decodeTokens);
        rawS += d.s;
        tokens += d.tokens;
      }
      return { prefillS, rawS, tokens };
    },
    free: () => raw.free(),
  };
}
