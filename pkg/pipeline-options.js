// transformers.js' option names, per pipeline call, and what nunchi does with
// each: the one table `pipeline` reads (pipeline.js), that docs/migration.md
// lists and tests/js/types.test.mjs holds the .d.ts interfaces to. An option
// is mapped onto a nunchi option, or refused with E_INPUT saying why: none is
// silently ignored. No wasm import here, so the types test can read it.
import { nunchiError } from './errors.js';

/** An option mapped onto a nunchi option `to`, through `map` (which checks the value). */
const mapped = (to, map) => ({ to, map });
/** An option whose transformers.js values name nunchi values (`values`: theirs → ours). */
const named = (to, values) => ({
  to,
  values,
  map: (value, where, name) => {
    if (Object.hasOwn(values, value)) return values[value];
    throw nunchiError('E_INPUT', `${where}: unknown ${name} ${show(value)} (expected one of ${Object.keys(values).join(', ')})`);
  },
});
/** An option nunchi accepts only at the one value that asks for what it does anyway. */
const onlyValue = (value, why) => ({ only: value, why });
/** An option nunchi does not offer, and why. */
const unsupported = (why) => ({ why });

const show = (value) => JSON.stringify(value) ?? String(value);

function isBoolean(value, where, name) {
  if (typeof value !== 'boolean') throw nunchiError('E_INPUT', `${where}: ${name} must be true or false, got ${show(value)}`);
  return value;
}
function isFunction(value, where, name) {
  if (typeof value !== 'function') throw nunchiError('E_INPUT', `${where}: ${name} must be a function`);
  return value;
}
const positiveInteger = (value, where, name) => {
  if (!(Number.isInteger(value) && value > 0)) throw nunchiError('E_INPUT', `${where}: ${name} must be a positive integer, got ${show(value)}`);
  return value;
};
const nonNegativeInteger = (value, where, name) => {
  if (!(Number.isInteger(value) && value >= 0)) throw nunchiError('E_INPUT', `${where}: ${name} must be a non-negative integer, got ${show(value)}`);
  return value;
};
const nonNegativeNumber = (value, where, name) => {
  if (!(typeof value === 'number' && value >= 0 && Number.isFinite(value))) {
    throw nunchiError('E_INPUT', `${where}: ${name} must be a number ≥ 0, got ${show(value)}`);
  }
  return value;
};
const probability = (value, where, name) => {
  if (!(typeof value === 'number' && value > 0 && value <= 1)) throw nunchiError('E_INPUT', `${where}: ${name} must be in (0, 1], got ${show(value)}`);
  return value;
};
/** `top_k: null` asks for every label, as in transformers.js. */
const topKOrAll = (value, where, name) => (value === null ? 'all' : positiveInteger(value, where, name));
function template(value, where, name) {
  if (typeof value !== 'string' || !value.includes('{}')) {
    throw nunchiError('E_INPUT', `${where}: ${name} must be a string with {} where each label goes, got ${show(value)}`);
  }
  return value;
}

// Reasons, shared by the options they cover.
const ONNX = 'an ONNX Runtime setting: nunchi runs its own WebAssembly and WebGPU kernels on safetensors or .gguf weights';
const SOURCE = 'nunchi reads every file from the model source given to pipeline() (a Hugging Face repository URL loads from main)';
const DECODING = 'nunchi decodes one sequence, greedily or by sampling with temperature, top_k and top_p';
const LOGITS = 'nunchi applies no logits processing besides temperature, top_k and top_p';
const TOKENS = 'nunchi takes the special tokens from the model\'s own files';
const OUTPUTS = 'nunchi returns the generated text only';

const GENERATION_UNSUPPORTED = {
  max_length: unsupported('give max_new_tokens instead'),
  min_length: unsupported(DECODING), min_new_tokens: unsupported(DECODING), early_stopping: unsupported(DECODING),
  max_time: unsupported(DECODING), num_beams: onlyValue(1, DECODING), num_beam_groups: onlyValue(1, DECODING),
  penalty_alpha: unsupported(DECODING), num_return_sequences: onlyValue(1, DECODING), guidance_scale: unsupported(DECODING),
  diversity_penalty: unsupported(DECODING), constraints: unsupported(DECODING), force_words_ids: unsupported(DECODING),
  typical_p: unsupported(LOGITS), epsilon_cutoff: unsupported(LOGITS), eta_cutoff: unsupported(LOGITS),
  repetition_penalty: unsupported(LOGITS), encoder_repetition_penalty: unsupported(LOGITS), length_penalty: unsupported(LOGITS),
  no_repeat_ngram_size: unsupported(LOGITS), encoder_no_repeat_ngram_size: unsupported(LOGITS), bad_words_ids: unsupported(LOGITS),
  renormalize_logits: unsupported(LOGITS), remove_invalid_values: unsupported(LOGITS),
  exponential_decay_length_penalty: unsupported(LOGITS), suppress_tokens: unsupported(LOGITS),
  begin_suppress_tokens: unsupported(LOGITS), logits_processor: unsupported(LOGITS), stopping_criteria: unsupported(DECODING),
  forced_bos_token_id: unsupported(TOKENS), forced_eos_token_id: unsupported(TOKENS), forced_decoder_ids: unsupported(TOKENS),
  pad_token_id: unsupported(TOKENS), bos_token_id: unsupported(TOKENS), eos_token_id: unsupported(TOKENS),
  decoder_start_token_id: unsupported(TOKENS),
  use_cache: onlyValue(true, 'nunchi always decodes with a key/value cache'),
  output_attentions: unsupported(OUTPUTS), output_hidden_states: unsupported(OUTPUTS), output_scores: unsupported(OUTPUTS),
  return_dict_in_generate: unsupported(OUTPUTS),
  streamer: unsupported('a transformers.js streamer takes token ids; Text2Text.generate streams text pieces to onToken'),
  generation_config: unsupported('give the generation options themselves'),
  generation_kwargs: unsupported('give the generation options themselves'),
  inputs: unsupported('the texts are the first argument'), decoder_input_ids: unsupported(DECODING),
  past_key_values: unsupported(DECODING),
};

/** transformers.js option → handling, per call (by the name errors use). */
export const PIPELINE_OPTIONS = {
  pipeline: {
    progress_callback: mapped('onProgress', isFunction),
    device: named('device', { auto: 'auto', cpu: 'cpu', wasm: 'cpu', webgpu: 'webgpu' }),
    dtype: named('quant', { auto: undefined, fp32: 'f32', fp16: 'f16', q8: 'q8_0', int8: 'q8_0', q4: 'q4_0' }),
    config: unsupported(SOURCE), cache_dir: unsupported(SOURCE), local_files_only: unsupported(SOURCE),
    revision: unsupported(SOURCE), subfolder: unsupported(ONNX), model_file_name: unsupported(ONNX),
    use_external_data_format: unsupported(ONNX), session_options: unsupported(ONNX),
  },
  'feature-extraction': {
    pooling: named('pooling', { none: 'none', mean: 'mean', cls: 'cls', first_token: 'cls' }),
    normalize: mapped('normalize', isBoolean),
    quantize: onlyValue(false, 'nunchi returns float32 embeddings (no binary quantization)'),
    precision: unsupported('nunchi returns float32 embeddings (no binary quantization)'),
  },
  'text-classification': {
    top_k: mapped('topK', topKOrAll),
  },
  'zero-shot-classification': {
    hypothesis_template: mapped('template', template),
    multi_label: onlyValue(false, 'nunchi\'s zero-shot compares label embeddings, which ranks labels against each other; '
      + 'it gives no independent probability per label'),
  },
  'text2text-generation': {
    max_new_tokens: mapped('maxNewTokens', positiveInteger),
    do_sample: mapped('doSample', isBoolean),
    temperature: mapped('temperature', nonNegativeNumber),
    top_k: mapped('topK', nonNegativeInteger),
    top_p: mapped('topP', probability),
    ...GENERATION_UNSUPPORTED,
  },
};

/** The names of the options each call maps (the rest it refuses). */
export function supportedOptions(call) {
  return Object.entries(PIPELINE_OPTIONS[call]).filter(([, h]) => h.to || 'only' in h).map(([name]) => name);
}

/**
 * Turns transformers.js options for `call` into nunchi's: `{ [to]: value }`.
 * A name outside the table, an unsupported option, or a value nunchi cannot
 * honour throws E_INPUT naming the option. `where` names the call in messages.
 */
export function mapPipelineOptions(call, opts, where) {
  const table = PIPELINE_OPTIONS[call];
  if (!table) throw new Error(`nunchi: no pipeline option table for '${call}'`); // a bug in the package
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object') throw nunchiError('E_INPUT', `${where}: options must be an object`);
  const out = {};
  for (const [name, value] of Object.entries(opts)) {
    const handling = table[name];
    if (!handling) {
      throw nunchiError('E_INPUT', `${where}: unknown option '${name}' (nunchi's pipeline takes ${supportedOptions(call).join(', ')})`);
    }
    if (value === undefined) continue;
    if ('only' in handling) {
      if (value !== handling.only) {
        throw nunchiError('E_INPUT', `${where}: ${name}: ${show(value)} is not supported (only ${show(handling.only)}): ${handling.why}`);
      }
    } else if (handling.to) {
      out[handling.to] = handling.map(value, where, name);
    } else {
      throw nunchiError('E_INPUT', `${where}: the transformers.js option '${name}' is not supported: ${handling.why}`);
    }
  }
  return out;
}
