// `npm run bench:wasm`: the npm package's wasm SIMD path in Node, beside the native
// CLI bench. Prints a table: embeddings/s at batch 1 and 32 over the first 1,000
// lines of rt-polarity.pos, T5 decode tokens/s (20 greedy tokens, encoder pass
// included), load time; then wasm memory and wasm size.
//
//   node bench/wasm.mjs [--write | --json [PATH]]
//
// --write writes bench/results/wasm.json (--json PATH: PATH); a plain run writes nothing.
// The table's last column ("before") is a fixed baseline, carried over from the file written to.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { benchCommand, emitResults, isMain, machine, models, polarityFile, readResults, resultsPath, root } from './common.mjs';
import { num, wasmBaseline, wasmTables } from './report.mjs';

export async function main(argv = process.argv.slice(2)) {
  const { Encoder, Text2Text, wasmMemoryBytes } = await import(pathToFileURL(path.join(root, 'pkg/index.js')).href);
  const lines = readFileSync(polarityFile, 'utf8').split('\n').filter(Boolean).slice(0, 1000);
  const rows = [];
  for (const quant of ['q8_0', 'q4_0']) {
    let t = performance.now();
    const enc = await Encoder.load(path.join(models, `all-MiniLM-L6-v2-${quant}.gguf`));
    const loadMs = performance.now() - t;
    await enc.embed(lines[0]);
    t = performance.now();
    for (const line of lines) await enc.embed([line]);
    const b1 = lines.length / ((performance.now() - t) / 1e3);
    t = performance.now();
    for (let i = 0; i < lines.length; i += 32) await enc.embed(lines.slice(i, i + 32));
    const b32 = lines.length / ((performance.now() - t) / 1e3);
    rows.push({ model: 'all-MiniLM-L6-v2', quant, loadMs, b1, b32 });
    enc.dispose();
  }
  for (const quant of ['q8_0', 'q4_0']) {
    let t = performance.now();
    const t5 = await Text2Text.load(path.join(models, `flan-t5-small-generated-${quant}.gguf`));
    const loadMs = performance.now() - t;
    // Greedy decode of 20 tokens per prompt (generated weights never stop early within 20).
    t = performance.now();
    for (const line of lines.slice(0, 4)) await t5.generate(line, { maxNewTokens: 20 });
    const decode = (4 * 20) / ((performance.now() - t) / 1e3);
    rows.push({ model: 'flan-t5-small-generated', quant, loadMs, decode });
    t5.dispose();
  }
  const both = [await Encoder.load(path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf')), await Text2Text.load(path.join(models, 'flan-t5-small-generated-q8_0.gguf'))];
  const memoryMb = wasmMemoryBytes() / 1e6;
  both.forEach((m) => m.dispose());

  const wasm = readFileSync(path.join(root, 'pkg/wasm/nunchi_wasm_bg.wasm'));
  console.log(`wasm SIMD in Node ${process.version}, 1 thread; wasm ${num(wasm.length / 1e6, 2)} MB raw, ${num(gzipSync(wasm, { level: 9 }).length / 1e6, 2)} MB gzip`);
  console.log(`wasm memory with MiniLM q8_0 and T5 q8_0 loaded: ${num(memoryMb)} MB`);
  const file = resultsPath('wasm', argv);
  const before = wasmBaseline(readResults(file ?? path.join(root, 'bench/results/wasm.json')));
  return emitResults({ file, name: 'wasm', command: benchCommand('wasm', argv), machine: machine({ extra: '1 thread' }), tables: wasmTables({ rows, before }) });
}

if (isMain(import.meta.url)) await main();
