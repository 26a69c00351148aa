// A plain webpack 5 production config: nothing nunchi-specific. The package's
// `new URL('./wasm/…', import.meta.url)` becomes an emitted asset and its
// `new Worker(new URL('./worker.js', import.meta.url))` a worker chunk, both
// by webpack's defaults. The test passes --output-path.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export default {
  mode: 'production',
  target: 'web',
  entry: path.join(here, 'src/main.js'),
  output: { path: path.join(here, 'dist'), filename: 'main.js', clean: true },
  // The 3.9 MB wasm trips webpack's advisory 244 KiB asset-size hint; nothing else is set.
  performance: { hints: false },
};
