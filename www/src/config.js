// Where the models come from. A local build loads them from this site's own
// /models/ (served from the project's models/ folder by vite.config.js); a
// deployed build can point elsewhere at build time, e.g.
//   VITE_ENCODER_URL=https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2 \
//   VITE_T5_URL=https://huggingface.co/google/flan-t5-small npm run build
const env = import.meta.env;
const base = env.BASE_URL ?? '/';

export const ENCODER_URL = env.VITE_ENCODER_URL || `${base}models/all-MiniLM-L6-v2-q8_0.gguf`;
export const T5_URL = env.VITE_T5_URL || `${base}models/flan-t5-small-generated-q8_0.gguf`;
export const SAMPLES = {
  reviews: `${base}samples/movie-reviews.csv`,
  feedback: `${base}samples/feedback.csv`,
  notice: `${base}samples/NOTICE.txt`,
};

/** A model URL made absolute, so the worker resolves it against the page, not its own script. */
export const absolute = (url) => new URL(url, location.href).href;
