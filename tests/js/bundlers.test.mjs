// The npm package unchanged in a user's bundler: tiny apps in tests/bundlers/
// (Vite, webpack 5) install `nunchi` from pkg/ as a packed dependency (as from
// the registry: only the files in its `files` list), import it by name, and are
// built with each bundler's own CLI and default settings. Each build is served
// by a plain static file server and opened in headless Chromium, which embeds
// two golden texts on the main thread and through the Worker client
// (`nunchi/client`), through `pipeline('feature-extraction')` in both places
// (the client's loads its module on first use: a chunk of its own), and through
// `nunchi/ai-sdk`, with the q8_0 GGUF from models/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../browser/chromium.mjs';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
const MODEL = '/models/all-MiniLM-L6-v2-q8_0.gguf';
const TYPES = { '.js': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm', '.json': 'application/json' };

const golden = JSON.parse(readFileSync(path.join(root, 'tests/goldens/minilm.json'), 'utf8'));
const PICK = [2, 3]; // two short golden texts
const texts = PICK.map((i) => golden.texts[i]);
const bin = (pkg, file) => path.join(root, 'node_modules', pkg, file);

const BUNDLERS = {
  vite: {
    fixture: path.join(root, 'tests/bundlers/vite'),
    build: (out) => [bin('vite', 'bin/vite.js'), 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'],
    statics: () => [],
  },
  webpack: {
    fixture: path.join(root, 'tests/bundlers/webpack'),
    build: (out) => [bin('webpack-cli', 'bin/cli.js'), '--config', 'webpack.config.js', '--output-path', out, '--stats', 'errors-warnings'],
    statics: (fixture) => [path.join(fixture, 'public')], // index.html, which webpack does not write
  },
};

/** A plain static file server over `dirs` (first match wins), with models/ at /models/. */
async function serve(dirs) {
  const log = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const candidates = rel.startsWith('/models/')
      ? [[models, path.join(models, rel.slice('/models/'.length))]]
      : dirs.map((d) => [d, path.join(d, rel)]);
    for (const [dir, file] of candidates) {
      if (path.relative(dir, file).startsWith('..')) continue;
      try {
        if (!(await stat(file)).isFile()) continue;
        const body = await readFile(file);
        log.push({ path: url.pathname, status: 200 });
        res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': body.length });
        res.end(body);
        return;
      } catch { /* try the next folder */ }
    }
    log.push({ path: url.pathname, status: 404 });
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${server.address().port}`, log, close: () => new Promise((r) => server.close(r)) };
}

const cosine = (a, b) => {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return d / Math.sqrt(na * nb);
};

let browser;
const outDirs = [];

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const d of outDirs) rmSync(d, { recursive: true, force: true });
});

/** Installs `nunchi` into a fixture as a user's `npm install` would: packed, not
 * linked, so only its published files are there. Nothing comes from the registry. */
async function installPackage(fixture) {
  // npm keeps an installed copy it considers current, so drop it first.
  rmSync(path.join(fixture, 'node_modules'), { recursive: true, force: true });
  await run('npm', ['install', '--install-links', '--offline', '--no-package-lock', '--no-audit', '--no-fund'], { cwd: fixture });
}

/** Opens the app at `base`, runs its embed on the main thread and in the worker, and checks both. */
async function checkApp(base) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // Chromium itself warns 'No available adapters.' when device 'auto' probes for WebGPU
    // on a machine without it; that is the browser's note, not the app's.
    const browserNotes = ['No available adapters.'];
    page.on('console', (m) => {
      if ((m.type() === 'error' || m.type() === 'warning') && !browserNotes.includes(m.text())) errors.push(m.text());
    });
    await page.goto(`${base}/`);
    await page.waitForFunction(() => typeof window.nunchiSmoke === 'function');
    const r = await page.evaluate((args) => window.nunchiSmoke(args), { model: MODEL, texts });
    assert.deepEqual(Object.keys(r).sort(), ['aiSdk', 'main', 'pipeline', 'worker', 'workerPipeline']);
    for (const [where, got] of Object.entries(r)) {
      assert.deepEqual(got.dims, [2, 384], where);
      if (where !== 'aiSdk') { // the AI SDK takes arrays of numbers
        assert.ok(got.isF32, `${where}: a Float32Array`);
        assert.equal(got.device, 'wasm-simd', where);
      }
      got.rows.forEach((row, k) => {
        const c = cosine(row, golden.embeddings[PICK[k]]);
        assert.ok(c >= 0.99, `${where}: cosine ${c} with sentence-transformers for ${JSON.stringify(texts[k])}`);
      });
    }
    // The two texts differ, and main thread and worker agree.
    assert.ok(cosine(r.main.rows[0], r.main.rows[1]) < 0.9);
    for (const [where, got] of Object.entries(r)) {
      r.main.rows.forEach((row, k) => assert.ok(cosine(row, got.rows[k]) > 0.99999, `${where} agrees with the main thread's Encoder`));
    }
    assert.deepEqual(errors, [], 'no page errors, console errors or warnings');
  } finally {
    await context.close();
  }
}

for (const [name, b] of Object.entries(BUNDLERS)) {
  test(`${name} build: an app importing 'nunchi', 'nunchi/client' and 'nunchi/ai-sdk' embeds in Chromium from a static server`, async () => {
    await installPackage(b.fixture);
    const out = mkdtempSync(path.join(os.tmpdir(), `nunchi-${name}-`));
    outDirs.push(out);
    // Both CLIs are told to print only warnings and errors: a clean build prints nothing.
    const built = await run(process.execPath, b.build(out), { cwd: b.fixture }).catch((e) => e);
    const printed = `${built.stdout}${built.stderr}`.replace(/^webpack [\d.]+ compiled successfully.*$|^webpack compiled successfully$/m, '').trim();
    assert.equal(built.code ?? 0, 0, `${name} build failed:\n${printed}`);
    assert.equal(printed, '', `${name} printed warnings:\n${printed}`);

    const server = await serve([out, ...b.statics(b.fixture)]);
    try {
      await checkApp(server.base);
      // The wasm came from the build's own output (the bundler rewrote its URL), and nothing 404'd.
      assert.deepEqual(server.log.filter((e) => e.status !== 200), [], 'every request found its file');
      const wasm = server.log.filter((e) => e.path.endsWith('.wasm')).map((e) => e.path);
      assert.ok(wasm.length >= 1, 'the wasm was fetched');
      for (const p of wasm) assert.ok(!p.includes('node_modules') && !p.startsWith('/pkg/'), `wasm served from the build: ${p}`);
    } finally {
      await server.close();
    }
  });
}

test("vite dev server: the same app, unbundled, with Vite's dependency pre-bundling", async () => {
  const { createServer } = await import('vite');
  const fixture = BUNDLERS.vite.fixture;
  await installPackage(fixture);
  const modelFiles = { // the test's own route for the model file; the app's config is untouched
    name: 'test-models',
    configureServer(s) {
      s.middlewares.use('/models', async (req, res, next) => {
        const file = path.join(models, decodeURIComponent(new URL(req.url, 'http://x').pathname));
        if (path.relative(models, file).startsWith('..')) return next();
        try {
          const body = await readFile(file);
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
        } catch { next(); }
      });
    },
  };
  const server = await createServer({
    root: fixture, logLevel: 'warn', clearScreen: false, plugins: [modelFiles],
    cacheDir: mkdtempSync(path.join(os.tmpdir(), 'nunchi-vite-cache-')),
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
  });
  outDirs.push(server.config.cacheDir);
  await server.listen();
  try {
    await checkApp(server.resolvedUrls.local[0].replace(/\/$/, ''));
  } finally {
    await server.close();
  }
});
