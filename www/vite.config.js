// The demo site's Vite config. In `vite dev` and `vite preview`, the project's
// models/ folder (or $NUNCHI_MODELS) is served at /models/, so a local build
// loads its models from the same origin (see src/config.js).
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const models = path.resolve(process.env.NUNCHI_MODELS ?? path.join(here, '../models'));

function serveModels() {
  const middleware = (req, res, next) => {
    const url = new URL(req.url, 'http://localhost');
    if (!url.pathname.startsWith('/models/')) return next();
    const file = path.join(models, decodeURIComponent(url.pathname.slice('/models/'.length)));
    if (path.relative(models, file).startsWith('..')) return next();
    let size;
    try { const s = statSync(file); if (!s.isFile()) return next(); size = s.size; } catch { return next(); }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
    createReadStream(file).pipe(res);
  };
  return {
    name: 'nunchi-serve-models',
    configureServer: (server) => { server.middlewares.use(middleware); },
    configurePreviewServer: (server) => { server.middlewares.use(middleware); },
  };
}

// After the first visit the site works offline: a Workbox service worker
// precaches the built page, its code, the wasm and the samples. Model files are
// not precached here: the nunchi package keeps them in Cache Storage itself
// (checked by size and sha256), so they are stored once.
const offline = VitePWA({
  registerType: 'autoUpdate',
  injectRegister: false, // src/offline.js registers it and says when the page is ready offline
  manifest: false,
  workbox: {
    globPatterns: ['**/*.{html,js,css,wasm,csv}'],
    maximumFileSizeToCacheInBytes: 16 * 1024 * 1024, // the wasm is ~4.4 MB
    navigateFallbackDenylist: [/^\/models\//],
    cleanupOutdatedCaches: true,
  },
});

// Cross-origin isolation lets the package's worker run the wasm threads build on
// every core (clustering thousands of texts is mostly embedding). `credentialless`
// keeps cross-origin model downloads (Hugging Face, which answers CORS) working.
const isolated = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'credentialless' };

export default defineConfig({
  plugins: [serveModels(), offline],
  // nunchi finds its worker and wasm by `new URL(..., import.meta.url)`; keep it out of pre-bundling.
  optimizeDeps: { exclude: ['nunchi'] },
  worker: { format: 'es' },
  server: { headers: isolated, fs: { allow: [here, path.resolve(here, '../pkg')] } },
  preview: { headers: isolated },
});
