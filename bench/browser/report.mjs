// The browser bench's results → its tables (browser.json, browser-webgpu.json)
// and the lines printed around them. Pure: driver.mjs measures, this formats,
// tests/js/bench-report.test.mjs checks the shape on synthetic results.
//
// The results (`r`, also what --raw-json writes):
//   lines, warmLines, goldenTexts, tjsVersion
//   loads   { nunchi: { network, cache, memory }, tjs: { network?, cache? } }   first/ready ms, marks
//   q8, f32 { nunchi, tjs?, node?, native? }: { b1, b32, minCos? }                emb/s
//   t5      { loadMs, decodeTokens, chromium: { prefillS, rawDecode, apiDecode },
//             node?: { prefillS, rawDecode }, native?: { prefill, decode, loadMs } }
//   t5Work  { prefillPrompts, decodePrompts, decodeTokens }                         counts
//   prefillTokens?, miniLmTokens?   (transformers.js' tokenizers)
//   flop?   { miniLm, t5Encoder, t5Decoder } (flopPerToken), ghz?
//   sizes   { nunchiWasm, nunchiWasmGzip, ortWasm?, ortWasmGzip?, tjsJs?, tjsJsGzip?, nunchiModel?, onnxModel? }  bytes
//   threads? { threads, lines, isolated, cores, infos, rate: { nunchi1, nunchiN, tjsN? }, t5?: { nunchi1, nunchiN } }
//   webgpu?  { adapter, lines, failed, rate: { nunchiWebgpu?, tjsWebgpu?, nunchiWasm? } }
//   profile? { "<case>": { totalMs, top: [{ name, pct }] } }
//   env     { chromium, node, cores, cpu, loadStart, loadEnd }, notes: [string]
import { num, ratio, table } from '../report.mjs';

const mb = (bytes, digits) => `${num(bytes / 1e6, digits)} MB`;
const prefillRate = (r, x) => (r.prefillTokens && x ? r.prefillTokens / x.prefillS : undefined);

/** Multiply-adds × 2 per token in the linear layers (attention's own products are ~1% at these
 * lengths), from the models' config.json: MiniLM per token; T5 per encoder token and per decoder
 * step (the output layer included, the cross-attention keys and values of the prompt not). */
export function flopPerToken(bert, t5) {
  const h = bert.hidden_size;
  const d = t5.d_model, inner = t5.num_heads * t5.d_kv;
  const ffn = (t5.feed_forward_proj.startsWith('gated') ? 3 : 2) * d * t5.d_ff;
  return {
    miniLm: 2 * bert.num_hidden_layers * (4 * h * h + 2 * h * bert.intermediate_size),
    t5Encoder: 2 * t5.num_layers * (4 * d * inner + ffn),
    t5Decoder: 2 * (t5.num_decoder_layers * (6 * d * inner + ffn) + d * t5.vocab_size),
  };
}

/** This machine's bound per core for SIMD128 int8 work, GOP/s: two `i32x4.dot_i16x8_s` (8
 * multiply-adds each) per cycle, x64's `vpmaddwd` throughput, at `ghz`. */
export const simdBound = (ghz) => (ghz ? 2 * 8 * 2 * ghz : undefined);

/** The tables of browser.json: embed-1-thread, quality, load, t5-1-thread, and with --threads
 * embed-<n>-threads, and with the token counts work-bound. */
export function browserTables(r) {
  const { q8, f32, t5, loads: c, sizes } = r;
  const tjs = `transformers.js ${r.tjsVersion}`;
  const tables = {};
  const embedRow = (label, x, b) => [label, x.nunchi[b], x.tjs?.[b], x.node?.[b], x.native?.[b], ratio(x.nunchi[b], x.tjs?.[b]), ratio(x.nunchi[b], x.native?.[b])];
  tables['embed-1-thread'] = table({
    caption: `all-MiniLM-L6-v2 embeddings/s on 1 thread, first ${r.lines} lines of rt-polarity.pos, runtimes taking turns every 32 lines`,
    columns: ['', 'Chromium nunchi', `Chromium ${tjs}`, 'Node nunchi', 'native 1 thread', 'nunchi / transformers.js', 'nunchi / native'],
    rows: [
      embedRow('MiniLM q8 emb/s, batch 1', q8, 'b1'),
      embedRow('MiniLM q8 emb/s, batch 32', q8, 'b32'),
      embedRow('MiniLM f32 emb/s, batch 1', f32, 'b1'),
      embedRow('MiniLM f32 emb/s, batch 32', f32, 'b32'),
    ],
    digits: 1,
  });
  if (r.threads) {
    const { threads: n, rate: t, t5: d } = r.threads;
    const rows = ['b1', 'b32'].map((b) => [`emb/s, batch ${b.slice(1)}`, t.nunchi1?.[b], t.nunchiN?.[b], t.tjsN?.[b], ratio(t.nunchiN?.[b], t.tjsN?.[b]), ratio(t.nunchiN?.[b], t.nunchi1?.[b])]);
    if (d) rows.push(['T5 q8 decode tok/s (`generate()`)', d.nunchi1, d.nunchiN, null, null, ratio(d.nunchiN, d.nunchi1)]);
    tables[`embed-${n}-threads`] = table({
      caption: `a cross-origin-isolated page: nunchi's Worker client on the wasm threads build, transformers.js with ${n} ONNX Runtime threads`,
      columns: ['MiniLM q8_0', 'nunchi 1 thread (worker)', `nunchi ${n} threads`, `transformers.js ${n} threads`, `nunchi ${n} / transformers.js ${n}`, `nunchi ${n} / 1 thread`],
      rows,
      digits: 1,
    });
  }
  const quality = [
    ['MiniLM q8, min cosine vs sentence-transformers', q8.nunchi.minCos, q8.tjs?.minCos],
    ['MiniLM f32, min cosine vs sentence-transformers', f32.nunchi.minCos, f32.tjs?.minCos],
  ];
  if (r.threads) quality.push([`MiniLM q8 on ${r.threads.threads} threads, min cosine vs sentence-transformers`, r.threads.rate.nunchiN?.minCos, r.threads.rate.tjsN?.minCos]);
  tables.quality = table({
    caption: `minimum cosine with the sentence-transformers goldens over the ${r.goldenTexts} golden texts that fit in 256 tokens`,
    columns: ['', 'nunchi', tjs],
    rows: quality,
    digits: 4,
  });
  tables.load = table({
    columns: ['', 'nunchi', tjs, 'nunchi / transformers.js'],
    rows: [
      ['MiniLM q8: from network to first embedding, ms', c.nunchi.network?.first, c.tjs.network?.first, ratio(c.nunchi.network?.first, c.tjs.network?.first)],
      ['MiniLM q8: from cache to first embedding, ms', c.nunchi.cache?.first, c.tjs.cache?.first, ratio(c.nunchi.cache?.first, c.tjs.cache?.first)],
      ['wasm download, gzip', mb(sizes.nunchiWasmGzip, 2),
        sizes.ortWasmGzip ? `${mb(sizes.ortWasmGzip, 1)} (+${mb(sizes.tjsJsGzip, 2)} JS)` : null, null],
    ],
    digits: 0,
  });
  const w = r.t5Work;
  tables['t5-1-thread'] = table({
    caption: `Flan-T5-small q8_0 (generated weights, real shapes): prefill over ${w.prefillPrompts} prompts, greedy decode of ${w.decodePrompts} × ${w.decodeTokens} tokens with the encoder pass included`,
    columns: ['', 'Chromium nunchi', 'Node nunchi', 'native 1 thread', 'nunchi / native'],
    rows: [
      ['T5 q8 prefill tok/s', prefillRate(r, t5.chromium), prefillRate(r, t5.node), t5.native?.prefill, ratio(prefillRate(r, t5.chromium), t5.native?.prefill)],
      ['T5 q8 decode tok/s', t5.chromium.rawDecode, t5.node?.rawDecode, t5.native?.decode, ratio(t5.chromium.rawDecode, t5.native?.decode)],
      ['T5 q8 decode tok/s through `generate()` (yields between tokens)', t5.chromium.apiDecode, null, null, null],
      ['T5 q8 load, ms (Chromium: from cache; native: from file)', t5.loadMs, null, t5.native?.loadMs, null],
    ],
    digits: 1,
  });
  const work = workBound(r);
  if (work) tables['work-bound'] = work;
  return tables;
}

/** GOP/s per core from the FLOP counts, beside the SIMD128 bound; needs the token counts. */
function workBound(r) {
  if (!r.miniLmTokens || !r.flop) return undefined;
  const { flop, q8, t5 } = r;
  const bound = simdBound(r.ghz);
  const perText = r.miniLmTokens / r.lines;
  const emb = (rate, threads = 1) => (rate === undefined ? undefined : (rate * perText * flop.miniLm) / 1e9 / threads);
  const gops = (tokS, perToken) => (tokS === undefined ? undefined : (tokS * perToken) / 1e9);
  const pct = (x) => (x === undefined || !bound ? null : (100 * x) / bound);
  const row = (label, a, b) => [label, a, pct(a), b, pct(b)];
  const rows = [
    row('MiniLM q8 batch 1, 1 thread', emb(q8.nunchi.b1), emb(q8.tjs?.b1)),
    row('MiniLM q8 batch 32, 1 thread', emb(q8.nunchi.b32), emb(q8.tjs?.b32)),
  ];
  if (r.threads) {
    const { rate: t, threads: n } = r.threads;
    rows.push(row(`MiniLM q8 batch 1, ${n} threads`, emb(t.nunchiN?.b1, n), emb(t.tjsN?.b1, n)));
    rows.push(row(`MiniLM q8 batch 32, ${n} threads`, emb(t.nunchiN?.b32, n), emb(t.tjsN?.b32, n)));
  }
  const prefill = prefillRate(r, t5.chromium);
  const atBound = (perToken) => (bound ? `; ${num((bound * 1e9) / perToken)} at the bound` : '');
  rows.push(row(`T5 q8 prefill (${num(prefill)} tok/s${atBound(flop.t5Encoder)})`, gops(prefill, flop.t5Encoder), undefined));
  rows.push(row(`T5 q8 decode (${num(t5.chromium.rawDecode, 1)} tok/s, encoder included${atBound(flop.t5Decoder)})`, gops(t5.chromium.rawDecode, flop.t5Decoder), undefined));
  return table({
    caption: 'GOP/s per core from the linear layers\' FLOP count, ' +
      (bound ? `against ${num(bound)} GOP/s per core (two i32x4.dot_i16x8_s per cycle at ${num(r.ghz, 2).replace(/\.?0+$/, '')} GHz)` : 'with no bound (the clock is unknown here)') +
      `; ${num(perText, 1)} tokens per text`,
    columns: ['work', 'nunchi GOP/s per core', 'nunchi % of bound', 'transformers.js GOP/s per core', 'transformers.js % of bound'],
    rows,
    digits: 1,
    columnDigits: [null, 1, 0, 1, 0],
  });
}

/** The table of browser-webgpu.json (with --webgpu): embed-webgpu. */
export function webgpuTables(r) {
  const g = r.webgpu;
  if (!g) return undefined;
  const swiftShader = /swiftshader/i.test(g.adapter ?? '');
  const cos = (x) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : null);
  return {
    'embed-webgpu': table({
      caption: `MiniLM q8_0, first ${g.lines} lines of rt-polarity.pos, runtimes alternating; ` +
        (swiftShader ? 'SwiftShader emulates the GPU on the CPU, so this shows correctness and overhead, not GPU speed' : `adapter: ${g.adapter}`),
      columns: ['metric', 'nunchi WebGPU', 'transformers.js WebGPU', 'nunchi wasm SIMD (same page)'],
      rows: [
        ['emb/s, batch 1', g.rate.nunchiWebgpu?.b1, g.rate.tjsWebgpu?.b1, g.rate.nunchiWasm?.b1],
        ['emb/s, batch 32', g.rate.nunchiWebgpu?.b32, g.rate.tjsWebgpu?.b32, g.rate.nunchiWasm?.b32],
        [`min cosine vs sentence-transformers (${r.goldenTexts} golden texts)`, cos(g.rate.nunchiWebgpu?.minCos), cos(g.rate.tjsWebgpu?.minCos), cos(g.rate.nunchiWasm?.minCos)],
      ],
      digits: 2,
    }),
  };
}

/** The paragraph printed before the tables. */
export function header(r) {
  const e = r.env;
  const tjsNet = r.loads.tjs.network;
  return `Chromium ${e.chromium} headless, Node ${e.node}, ${e.cores} cores (${e.cpu}); ` +
    `load average ${num(e.loadStart, 1)} at the start, ${num(e.loadEnd, 1)} at the end. Every runtime single-threaded; ` +
    `emb/s over the first ${r.lines} lines of rt-polarity.pos, one at a time and in batches of 32, the runtimes taking turns every 32 lines, ` +
    `each runtime first warmed up on the file's last ${r.warmLines} lines (one at a time, then as a batch).` +
    (tjsNet ? ` transformers.js ${r.tjsVersion} (ONNX Runtime Web ${tjsNet.ortVersion}, wasm numThreads ${tjsNet.threads}).` : '');
}

/** The lines printed after the tables: what the tables leave out, the profiles, and the notes. */
export function footer(r) {
  const c = r.loads, s = r.sizes, out = [];
  const steps = (x) => Object.entries(x.marks).map(([k, v]) => `${k} ${num(v)}`).join(', ');
  out.push('- Ratios above 1× favour nunchi for speeds; for the ms rows, below 1× does.');
  const mem = c.nunchi.memory;
  if (mem) out.push(`- wasm memory in Chromium with MiniLM q8_0 and T5 q8_0 loaded: ${mb(mem.loaded, 0)}; after one embed and 8 generated tokens: ${mb(mem.used, 0)} (goal ≤ 300 MB). JS heap then: ${mem.jsHeap ? mb(mem.jsHeap, 0) : '—'}.`);
  out.push(`- Download sizes: nunchi wasm ${mb(s.nunchiWasm, 2)} raw, ${mb(s.nunchiWasmGzip, 2)} gzip` +
    (s.ortWasm ? `; transformers.js: ORT wasm (asyncify SIMD build, its default) ${mb(s.ortWasm, 2)} raw, ${mb(s.ortWasmGzip, 2)} gzip, plus ${mb(s.tjsJs, 2)} of JS (${mb(s.tjsJsGzip, 2)} gzip)` : '') +
    `. Model files: nunchi q8_0 GGUF ${mb(s.nunchiModel, 1)}` + (s.onnxModel ? `, ONNX model_quantized.onnx ${mb(s.onnxModel, 1)}.` : '.'));
  for (const how of ['network', 'cache']) {
    const x = c.nunchi[how];
    if (x) out.push(`- nunchi MiniLM load, ms after Encoder.load() (${how}): ${steps(x)}, ready ${num(x.ready)}, first embedding ${num(x.first)}${how === 'cache' ? ' (goal ≤ 1500)' : ''}.`);
  }
  if (c.tjs.cache) out.push(`- transformers.js second load: ${c.tjs.cache.fromCache ? 'the model came from its Cache Storage' : 'the model was fetched again (not cached)'}; pipeline ready after ${num(c.tjs.cache.ready)} ms.`);
  if (r.webgpu) {
    out.push(`- WebGPU: headless Chromium with --enable-unsafe-webgpu, adapter ${r.webgpu.adapter}; MiniLM q8_0 (transformers.js: its q8 ONNX on its WebGPU device).`);
    for (const [name, why] of Object.entries(r.webgpu.failed ?? {})) out.push(`- WebGPU: ${name} could not run: ${why}`);
  }
  if (r.threads) {
    const t = r.threads, n = t.infos.nunchiN;
    out.push(`- Threads: a cross-origin-isolated page (COOP/COEP, crossOriginIsolated ${t.isolated}), ${t.cores} cores; nunchi through its Worker client,` +
      ` on 1 thread and on the wasm threads build (${n?.threads} kernel threads${n?.threadsFallbackReason ? `; ${n.threadsFallbackReason}` : ''});` +
      ` transformers.js q8 with ORT numThreads ${t.infos.tjsN?.threads ?? '—'}. First ${t.lines} lines, runtimes alternating every 32 lines.`);
  }
  if (r.flop && r.miniLmTokens) {
    out.push(`- Work: ${num(r.miniLmTokens / r.lines, 1)} tokens per text over the ${r.lines} lines; linear layers' FLOP per token (config.json): MiniLM ${num(r.flop.miniLm / 1e6, 1)}M,` +
      ` T5 encoder ${num(r.flop.t5Encoder / 1e6, 1)}M, T5 decoder step ${num(r.flop.t5Decoder / 1e6, 1)}M (its 32,128-way output layer included).` +
      (r.ghz ? ` Bound per core for SIMD128 int8: 2 \`i32x4.dot_i16x8_s\` × 8 multiply-adds × 2 OP per cycle at ${num(r.ghz, 2)} GHz = ${num(simdBound(r.ghz))} GOP/s.` : ' (The clock is unknown here, so no bound.)'));
  }
  if (r.prefillTokens) out.push(`- T5 prefill: ${r.prefillTokens} encoder tokens over the ${r.t5Work.prefillPrompts} prompts; decode and prefill are averaged over 2 rounds, runtimes alternating.`);
  out.push('- "network" is a loopback server on this machine (no throttling). The T5 weights are generated test weights with the real shapes.');
  for (const [name, p] of Object.entries(r.profile ?? {})) {
    out.push('', `Top self time, nunchi MiniLM ${name} in Chromium (CDP sampling profile over ${num(p.totalMs)} ms; a copy of the wasm that keeps function names):`, '');
    out.push('| function | self % |', '|---|---|');
    for (const { name: fn, pct } of p.top) out.push(`| \`${fn.replace(/\|/g, '\\|')}\` | ${num(pct, 1)} |`);
  }
  for (const n of r.notes ?? []) out.push(`- note: ${n}`);
  return out;
}
