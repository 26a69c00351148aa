// --profile: a copy of the package's wasm that keeps function names, and a CDP
// sampling profile of nunchi's embeds in a page, summed by function (self time).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { root } from '../common.mjs';
import { embedProfiled, setupProfiledEncoder } from './page.js';

const run = promisify(execFile);

/** A copy of the package's wasm that keeps function names (wasm-bindgen + wasm-opt -O2 -g), in a
 * temporary folder to mount at /pkg-prof/wasm/; undefined (with a note) when there is no raw build. */
export async function namedWasmBuild(notes) {
  const raw = path.join(root, 'target/wasm32-unknown-unknown/release/nunchi_wasm.wasm');
  if (!existsSync(raw)) { notes.push('--profile: no target/wasm32-unknown-unknown/release/nunchi_wasm.wasm; run scripts/build-wasm.sh'); return undefined; }
  const out = mkdtempSync(path.join(os.tmpdir(), 'nunchi-prof-'));
  await run('wasm-bindgen', ['--target', 'web', '--out-dir', out, '--out-name', 'nunchi_wasm', raw]);
  await run(path.join(root, 'node_modules/.bin/wasm-opt'), ['-O2', '-g', '--enable-simd', '--enable-bulk-memory',
    '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals',
    path.join(out, 'nunchi_wasm_bg.wasm'), '-o', path.join(out, 'nunchi_wasm_bg.wasm')]);
  return out;
}

/** Self time by function from a CDP profile: the top `n` as { name, pct }, and the total in ms. */
export function topSelfTime(p, n = 15) {
  const self = new Map();
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  let total = 0;
  p.samples.forEach((id, i) => {
    const node = byId.get(id);
    const name = (node.callFrame.functionName || `(${node.callFrame.url.split('/').pop() || 'anonymous'})`)
      .replace(/::h[0-9a-f]{16}$/, '').replace(/\[[0-9a-f]{16}\]/g, ''); // Rust symbol hashes
    const d = p.timeDeltas[i] ?? 0;
    self.set(name, (self.get(name) ?? 0) + d);
    total += d;
  });
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => ({ name, pct: (100 * us) / total }));
  return { totalMs: total / 1e3, top };
}

/** CDP sampling profile of embeds in batches of `batch` (after a warm-up): top self-time functions. */
export async function profile(page, { pkg, model, options = {}, lines, batch, warm }) {
  await page.evaluate(setupProfiledEncoder, { pkg, model, options, warm });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await page.evaluate(embedProfiled, { profLines: lines, batch });
  const { profile: p } = await cdp.send('Profiler.stop');
  return topSelfTime(p);
}
