// Fine-tuning a sentence encoder on the user's own labels, SetFit's way: the
// encoder learns from pairs of the labelled texts (same label: pulled together,
// different: pushed apart), then a logistic head is trained on its embeddings.
// The steps run in Rust (nunchi-train); this file runs them one at a time, so a
// page hears progress and can cancel between steps, and nothing leaves the page.
import { ensureWasm, yieldToEventLoop } from './runtime.js';
import { nunchiError, abortError } from './errors.js';
import { checkCallOptions } from './options.js';
import { checkExamples, trainClassifier } from './tasks.js';

/** The options that reach Rust's run (the rest are the package's). */
const RUN_OPTIONS = ['iterations', 'batchSize', 'epochs', 'learningRate', 'dropout', 'seed'];

/**
 * Runs SetFit's steps on a resolved model source (`resolveSource`'s result),
 * texts already prefixed by Rust with `prefix`. Progress: `{ status: 'train',
 * step: 0, steps, pairs, secondsLeft }` first (the estimate before training,
 * from the first forward pass), then after each step `{ status: 'train', step,
 * steps, loss, lr, gradNorm, seconds, secondsLeft }`. Returns the tuned model as
 * GGUF bytes (weights in `quant`) and the run's report.
 */
export async function runFineTuning(src, texts, labels, opts) {
  const { quant = 'q8_0', prefix, onProgress, signal } = opts;
  const wasm = await ensureWasm();
  const options = Object.fromEntries(RUN_OPTIONS.filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]]));
  const run = src.kind === 'gguf'
    ? wasm.FineTuning.fromGguf(src.bytes, texts, labels, prefix, options)
    : wasm.FineTuning.fromHfFiles(src, src.safetensors, texts, labels, prefix, options);
  try {
    const { steps, pairs } = run;
    const t0 = performance.now();
    // The first step's forward pass, run ahead and timed, estimates the run before it starts.
    run.forwardNext();
    const firstForward = (performance.now() - t0) / 1000;
    onProgress?.({ status: 'train', step: 0, steps, pairs, secondsLeft: run.estimateSeconds(firstForward) });
    const losses = [];
    let firstStep;
    for (;;) {
      // Between steps: the page paints, and a cancel lands here.
      await yieldToEventLoop();
      if (signal?.aborted) throw abortError();
      const stats = run.step();
      if (!stats) break;
      losses.push(stats.loss);
      const seconds = (performance.now() - t0) / 1000;
      firstStep ??= seconds;
      // The first step runs cold, so the rate comes from the steps after it; until there is one, the estimate's.
      const secondsLeft = stats.step > 1
        ? ((seconds - firstStep) / (stats.step - 1)) * (steps - stats.step)
        : run.estimateSeconds(firstForward);
      onProgress?.({ status: 'train', ...stats, seconds, secondsLeft });
    }
    const seconds = (performance.now() - t0) / 1000;
    return { model: run.toGguf(quant), report: { pairs, steps, losses, seconds } };
  } finally {
    run.free();
  }
}

/**
 * Fine-tunes `encoder` on labelled texts (SetFit), then trains a few-shot head
 * on the tuned encoder's embeddings. Returns `{ encoder, classifier, model,
 * report }`: the tuned Encoder, its Classifier, the tuned model as GGUF bytes
 * (save them; `Encoder.load(bytes)` loads them again) and `{ pairs, steps,
 * losses, seconds }`. The original encoder is left as it was. Works with the
 * package's Encoder and the Worker client's (the steps then run in the worker).
 */
export async function fineTune(encoder, texts, labels, opts) {
  const { head = 'logistic', ...rest } = checkCallOptions('fineTune', opts);
  if (typeof encoder?.fineTune !== 'function') {
    throw nunchiError('E_INPUT', 'fineTune: the encoder must be an Encoder of this package or of a Worker client (a pool\'s encoders cannot be fine-tuned)');
  }
  checkExamples(texts, labels, 'fineTune');
  const tuned = await encoder.fineTune(texts, labels, rest);
  try {
    const { prefix, onProgress, signal } = rest;
    // folds 0: the tuned encoder has seen every text, so cross-validation would flatter the head.
    const classifier = await trainClassifier(tuned.encoder, texts, labels, { head, folds: 0, prefix, onProgress, signal });
    return { ...tuned, classifier };
  } catch (e) {
    tuned.encoder.dispose();
    throw e;
  }
}
