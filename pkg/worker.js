// A ready-made Worker entry: runs nunchi off the main thread. Talk to it with
// `createWorkerClient` from 'nunchi/client', which mirrors the main API.
import { Encoder, Text2Text, TextClassifier } from './index.js';
import { nunchiError, abortError } from './errors.js';
import { requestThreads } from './runtime.js';

const KINDS = { encoder: Encoder, text2text: Text2Text, textClassifier: TextClassifier };
const models = new Map();
const running = new Map(); // request id → AbortController
let nextHandle = 1;

function model(handle) {
  const m = models.get(handle);
  if (!m) throw nunchiError('E_INPUT', 'this model was disposed');
  return m;
}

/** An AbortController for request `id`, which the page's 'abort' reaches. */
function cancellable(id) {
  const controller = new AbortController();
  running.set(id, controller);
  return controller;
}

/** Posts request `id`'s progress events to the page. */
const progressTo = (id) => (progress) => self.postMessage({ id, progress });

/** A new model's handle; if the page has already given up on the request, the model is freed instead. */
function keep(m, controller) {
  if (controller.signal.aborted) {
    m.dispose();
    throw abortError();
  }
  const h = nextHandle++;
  models.set(h, m);
  return h;
}

async function handle(id, op, args) {
  switch (op) {
    case 'load': {
      const [kind, source, opts = {}] = args;
      const Kind = KINDS[kind];
      if (!Kind) throw nunchiError('E_INPUT', `unknown model kind '${kind}'`);
      const controller = cancellable(id);
      const m = await Kind.load(source, { ...opts, signal: controller.signal, onProgress: progressTo(id) });
      return [{ handle: keep(m, controller), info: m.info }];
    }
    case 'embed': {
      const [h, texts, opts] = args;
      const result = await model(h).embed(texts, opts);
      return [result, [result.data.buffer]]; // transferred, not copied
    }
    case 'classify': {
      const [h, texts] = args;
      const result = await model(h).classify(texts);
      return [result, [result.scores.buffer, result.logits.buffer]];
    }
    case 'fineTune': {
      const [h, texts, labels, opts = {}] = args;
      const controller = cancellable(id);
      const { encoder, model: bytes, report } = await model(h).fineTune(texts, labels, {
        ...opts, signal: controller.signal, onProgress: progressTo(id),
      });
      const tuned = keep(encoder, controller);
      // A copy goes to the page: the tuned Encoder keeps its bytes to fine-tune again.
      const copy = bytes.slice();
      return [{ handle: tuned, info: encoder.info, model: copy, report }, [copy.buffer]];
    }
    case 'generate': {
      const [h, prompt, opts = {}] = args;
      const controller = cancellable(id);
      const text = await model(h).generate(prompt, { ...opts, signal: controller.signal, onToken: (token) => self.postMessage({ id, token }) });
      return [text];
    }
    case 'score': {
      const [h, prompt, candidates] = args;
      return [await model(h).score(prompt, candidates)];
    }
    case 'configure': { // sent by createWorkerClient before anything else
      const [{ threads }] = args;
      return [requestThreads(threads)];
    }
    case 'info':
      return [model(args[0]).info];
    case 'dispose':
      models.get(args[0])?.dispose();
      models.delete(args[0]);
      return [undefined];
    default:
      throw nunchiError('E_INPUT', `unknown operation '${op}'`);
  }
}

self.onmessage = async ({ data }) => {
  const { id, op, args } = data;
  if (op === 'abort') {
    running.get(args[0])?.abort();
    return;
  }
  try {
    const [result, transfer = []] = await handle(id, op, args);
    self.postMessage({ id, result }, transfer);
  } catch (e) {
    self.postMessage({ id, error: { message: e?.message ?? String(e), code: e?.code ?? 'E_BACKEND', name: e?.name } });
  } finally {
    running.delete(id);
  }
};
