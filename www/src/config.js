// Where the models come from. A local build loads them from this site's own
// /models/ (served from the project's models/ folder by vite.config.js); a
// deployed build can point elsewhere at build time, e.g.
//   VITE_ENCODER_URL=https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2 \
//   VITE_MULTILINGUAL_URL=https://huggingface.co/intfloat/multilingual-e5-small \
//   VITE_T5_URL=https://huggingface.co/google/flan-t5-small npm run build
const env = import.meta.env;
const base = env.BASE_URL ?? '/';

export const ENCODER_URL = env.VITE_ENCODER_URL || `${base}models/all-MiniLM-L6-v2-q8_0.gguf`;
// all-MiniLM-L6-v2 knows English only; Korean texts need a multilingual encoder.
export const MULTILINGUAL_URL = env.VITE_MULTILINGUAL_URL || `${base}models/multilingual-e5-small-q4_0.gguf`;
export const T5_URL = env.VITE_T5_URL || `${base}models/flan-t5-small-generated-q8_0.gguf`;

/** The sentence encoder for each UI language. */
export const ENCODERS = { en: ENCODER_URL, ko: MULTILINGUAL_URL };

/** The bundled samples for each UI language (written by scripts/copy-samples.mjs). */
export const SAMPLES = {
  en: {
    reviews: { url: `${base}samples/movie-reviews.csv`, name: 'movie-reviews.csv', limit: 100 },
    // Dated messages to a fictional energy and broadband provider: topics, and their trends per week.
    feedback: { url: `${base}samples/customer-messages.csv`, name: 'customer-messages.csv', limit: 120 },
  },
  // There is no Korean support-ticket data here: the explorer gets the NSMC movie reviews too.
  ko: {
    reviews: { url: `${base}samples/nsmc-reviews.csv`, name: 'nsmc-reviews.csv', limit: 100 },
    feedback: { url: `${base}samples/nsmc-reviews.csv`, name: 'nsmc-reviews.csv', limit: 120 },
  },
};

/** A model URL made absolute, so the worker resolves it against the page, not its own script. */
export const absolute = (url) => new URL(url, location.href).href;

/**
 * Where the encoder runs: the package's `device` option, from `?device=` (auto,
 * cpu or webgpu; default auto: WebGPU when the adapter passes the self-test and
 * a timed run shows it faster, else wasm SIMD, with the reason on the badge).
 */
export const DEVICE = (() => {
  const asked = new URLSearchParams(location.search).get('device');
  return ['auto', 'cpu', 'webgpu'].includes(asked) ? asked : 'auto';
})();
