// The hand-written types cannot drift from the JS: tests/types/usage.ts must
// type-check (its @ts-expect-error lines prove wrong options are rejected), and
// the option table in pkg/options.js must match the .d.ts option interfaces
// name for name and value for value. Needs no wasm build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { OPTIONS, VALUES } from '../../pkg/options.js';
import { PIPELINE_OPTIONS, supportedOptions } from '../../pkg/pipeline-options.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path) => readFileSync(root + path, 'utf8');

/** Which .d.ts interface types each call's options. */
const INTERFACES = {
  'Encoder.load': 'LoadOptions',
  'Text2Text.load': 'LoadOptions',
  'TextClassifier.load': 'LoadOptions',
  embed: 'EmbedOptions',
  generate: 'GenerateOptions',
  createWorkerClient: 'WorkerClientOptions',
  createWorkerPool: 'PoolOptions',
  'PooledEncoder.embed': 'PooledEmbedOptions',
  'PooledTextClassifier.classify': 'PooledClassifyOptions',
  zeroShot: 'ZeroShotOptions',
  classify: 'ClassifyOptions',
  textClassification: 'TextClassificationOptions',
  predict: 'TaskOptions',
  trainClassifier: 'TrainOptions',
  'Encoder.fineTune': 'FineTuneEncoderOptions',
  fineTune: 'FineTuneOptions',
  cluster: 'ClusterOptions',
  assignTopics: 'AssignTopicsOptions',
  topicTrends: 'TopicTrendsOptions',
  embedAll: 'EmbedAllOptions',
  splitRows: 'SplitRowsOptions',
};

const stripComments = (text) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');

/** Splits `text` at `sep` characters outside brackets, braces, parentheses and angle brackets. */
function splitTop(text, seps) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if ('{([<'.includes(c)) depth++;
    else if ('})]>'.includes(c) && text[i - 1] !== '=') depth--; // `=>` is no bracket
    else if (depth === 0 && seps.includes(c)) { parts.push(text.slice(start, i)); start = i + 1; }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** `{ name: { extends: string[], props: Map<name, typeText> } }` for every interface in the files. */
function interfaces(files) {
  const out = {};
  for (const file of files) {
    const text = stripComments(read(file));
    const head = /(?:export\s+)?interface\s+(\w+)(?:<[^>{]*>)?\s*(?:extends\s+([^{]+))?\{/g;
    for (let m; (m = head.exec(text));) {
      let depth = 1;
      let i = head.lastIndex;
      for (; depth > 0; i++) {
        if (text[i] === '{') depth++;
        else if (text[i] === '}') depth--;
      }
      const body = text.slice(head.lastIndex, i - 1);
      const props = new Map();
      for (const member of splitTop(body, ';\n')) {
        const p = /^(?:readonly\s+)?(\w+)\??\s*:\s*([\s\S]*)$/.exec(member);
        if (p) props.set(p[1], p[2]);
      }
      out[m[1]] = { file, extends: m[2] ? splitTop(m[2], ',') : [], props };
    }
  }
  return out;
}

/** An interface's properties, its bases' included. */
function propsOf(all, name) {
  const it = all[name];
  assert.ok(it, `no interface ${name} in the .d.ts files`);
  const props = new Map();
  for (const base of it.extends) for (const [k, v] of propsOf(all, base)) props.set(k, v);
  for (const [k, v] of it.props) props.set(k, v);
  return props;
}

const DTS = ['pkg/index.d.ts', 'pkg/client.d.ts', 'pkg/langchain.d.ts', 'pkg/ai-sdk.d.ts'];

test('tests/types/usage.ts type-checks against the .d.ts files', () => {
  const tsc = root + 'node_modules/.bin/tsc';
  assert.ok(existsSync(tsc), 'typescript is not installed: run npm install');
  const r = spawnSync(tsc, ['-p', 'tests/types'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc -p tests/types failed:\n${r.stdout}${r.stderr}`);
});

test('every call in the option table has its .d.ts interface, with the same option names', () => {
  const all = interfaces(DTS);
  for (const call of Object.keys(OPTIONS)) {
    const name = INTERFACES[call];
    assert.ok(name, `pkg/options.js has a call '${call}' that this test does not map to a .d.ts interface`);
    const typed = [...propsOf(all, name).keys()].sort();
    const js = [...OPTIONS[call]].sort();
    for (const key of js) assert.ok(typed.includes(key), `${call}: option '${key}' is in pkg/options.js but not in interface ${name}`);
    for (const key of typed) assert.ok(js.includes(key), `${call}: option '${key}' is in interface ${name} but pkg/options.js rejects it`);
  }
});

test('enumerated option values in the .d.ts files are the ones pkg/options.js accepts', () => {
  const all = interfaces(DTS);
  const seen = new Set();
  for (const call of Object.keys(OPTIONS)) {
    const props = propsOf(all, INTERFACES[call]);
    for (const [key, values] of Object.entries(VALUES)) {
      if (!props.has(key)) continue;
      seen.add(key);
      const typed = [...props.get(key).matchAll(/'([^']*)'/g)].map((m) => m[1]).sort();
      assert.deepEqual(typed, [...values].sort(), `${call}: the type of '${key}' in ${INTERFACES[call]} is ${props.get(key)}`);
    }
  }
  assert.deepEqual([...seen].sort(), Object.keys(VALUES).sort(), 'every enumerated option is typed somewhere');
});

test('enumerated values match the Rust tables that parse them', () => {
  const rustNames = (path, table) => {
    const text = read(path);
    const start = text.indexOf(`const ${table}`);
    assert.ok(start >= 0, `${table} not found in ${path}`);
    const body = text.slice(start, text.indexOf('];', start));
    return [...body.matchAll(/\(\s*"([^"]+)"/g)].map((m) => m[1]);
  };
  assert.deepEqual(VALUES.quant, rustNames('crates/engine/src/quant.rs', 'QUANT_NAMES'));
  assert.deepEqual(VALUES.pooling, rustNames('crates/models/src/encoder.rs', 'POOLING_NAMES'));
  assert.deepEqual(VALUES.head, rustNames('crates/tasks/src/head.rs', 'HEAD_NAMES'));
});

/** Names a JS module exports, read from its text (importing index.js needs the wasm build). */
function jsExports(path) {
  const text = stripComments(read(path));
  const names = [...text.matchAll(/export\s+(?:async\s+)?(?:function|class|const|let)\s+(\w+)/g)].map((m) => m[1]);
  for (const m of text.matchAll(/export\s*\{([^}]*)\}/g)) {
    names.push(...m[1].split(',').map((s) => s.trim().split(/\s+as\s+/).pop()).filter(Boolean));
  }
  return names.sort();
}

test('the .d.ts files declare exactly the values the JS modules export', () => {
  const pairs = ['index', 'client', 'langchain', 'ai-sdk'].map((m) => [`pkg/${m}.js`, `pkg/${m}.d.ts`]);
  for (const [js, dts] of pairs) {
    const declared = [...stripComments(read(dts)).matchAll(/export\s+declare\s+(?:function|class|const)\s+(\w+)/g)]
      .map((m) => m[1]);
    assert.deepEqual([...new Set(declared)].sort(), jsExports(js), `${dts} against ${js}`);
  }
});

/** Which .d.ts interface types each pipeline call's transformers.js options. */
const PIPELINE_INTERFACES = {
  pipeline: 'PipelineOptions',
  'feature-extraction': 'FeatureExtractionOptions',
  'text-classification': 'TextClassificationPipelineOptions',
  'zero-shot-classification': 'ZeroShotClassificationPipelineOptions',
  'text2text-generation': 'Text2TextGenerationPipelineOptions',
};

test("the pipeline's option table and its .d.ts interfaces name the same options and values", () => {
  const all = interfaces(DTS);
  assert.deepEqual(Object.keys(PIPELINE_OPTIONS).sort(), Object.keys(PIPELINE_INTERFACES).sort());
  for (const [call, name] of Object.entries(PIPELINE_INTERFACES)) {
    const props = propsOf(all, name);
    assert.deepEqual([...props.keys()].sort(), supportedOptions(call).sort(), `${call}: the options ${name} types`);
    for (const [key, handling] of Object.entries(PIPELINE_OPTIONS[call])) {
      if (handling.values) {
        const typed = [...props.get(key).matchAll(/'([^']*)'/g)].map((m) => m[1]).sort();
        assert.deepEqual(typed, Object.keys(handling.values).sort(), `${call}: the values of '${key}' in ${name}`);
      }
      if ('only' in handling) assert.equal(props.get(key).trim(), String(handling.only), `${call}: '${key}' typed as its one value`);
    }
  }
});

test('checkCallOptions gives the E_INPUT errors the package always gave', async () => {
  const { checkCallOptions } = await import('../../pkg/options.js');
  const fails = (fn, message) => assert.throws(fn, (e) => e.code === 'E_INPUT' && e.message === message);
  fails(() => checkCallOptions('Encoder.load', { devcie: 'cpu' }),
    "Encoder.load: unknown option 'devcie' (expected one of onProgress, device, cache, signal, quant, hubUrl)");
  fails(() => checkCallOptions('Encoder.load', { device: 'tpu' }),
    "Encoder.load: unknown device 'tpu' (expected one of auto, cpu, webgpu)");
  fails(() => checkCallOptions('Text2Text.load', { quant: 'q5' }),
    "Text2Text.load: unknown quant 'q5' (expected one of f32, f16, q8_0, q4_0, q4k)");
  fails(() => checkCallOptions('embed', { pooling: 'max' }), "embed: unknown pooling 'max' (expected one of mean, cls, none)");
  fails(() => checkCallOptions('PooledEncoder.embed', { batch: 3 }, 'embed'),
    "embed: unknown option 'batch' (expected one of pooling, normalize, signal)");
  fails(() => checkCallOptions('generate', 5), 'generate: options must be an object');
  assert.deepEqual(checkCallOptions('embed', undefined), {});
  const opts = { device: 'cpu', quant: 'q4k', cache: false };
  assert.equal(checkCallOptions('Encoder.load', opts), opts);
  assert.throws(() => checkCallOptions('nope', {}), /no option table/);
});
