// The native column of the browser bench: the release CLI's `nunchi bench-one`
// (the row runner of `nunchi bench`), one measurement per fresh process, on one
// thread (RAYON_NUM_THREADS=1, CANDLE_NUM_THREADS=1).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { root } from '../common.mjs';

const run = promisify(execFile);

/** target/release/nunchi, or undefined when it is not built (cargo build --release -p nunchi-cli). */
export function findNative() {
  const bin = path.join(root, 'target/release/nunchi');
  return existsSync(bin) ? bin : undefined;
}

/** One native measurement: `task` (embed, t5) on `model` over the first `n` lines of `data`; its JSON. */
export async function nativeOne(bin, { task, model, quant, data, lines, decodeTokens }) {
  const env = { ...process.env, RAYON_NUM_THREADS: '1', CANDLE_NUM_THREADS: '1' };
  const { stdout } = await run(bin, ['bench-one', '--task', task, '--model', model, '--quant', quant, '--data', data,
    '--lines', String(lines), '--decode-tokens', String(decodeTokens)], { env, cwd: root, maxBuffer: 1 << 20 });
  return JSON.parse(stdout);
}
