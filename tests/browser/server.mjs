// A static file server for browser tests: the repo's pkg/ and tests/browser/,
// models/ at /models/, and models/<name>/ as a Hugging Face repository at
// /hf/<name>/resolve/main/. Every request path is logged, so tests can prove
// that only static files and model files cross the network.
import http from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm', '.json': 'application/json' };

/** Headers that make a page cross-origin isolated, so it may share wasm memory between threads. */
export const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/** `isolated`: send {@link ISOLATION_HEADERS} with every file (a COOP/COEP site). */
export async function startServer({ root, models, isolated = false }) {
  const log = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    log.push(`${req.method} ${url.pathname}${url.search}`);
    let file;
    const hf = url.pathname.match(/^\/hf\/([^/]+)\/resolve\/main\/(.+)$/);
    if (hf) file = path.join(models, hf[1], hf[2]);
    else if (url.pathname.startsWith('/models/')) file = path.join(models, url.pathname.slice('/models/'.length));
    else if (url.pathname.startsWith('/pkg/') || url.pathname.startsWith('/tests/browser/')) file = path.join(root, url.pathname);
    // Never serve outside the repository or the models folder (no `..` escapes).
    const inside = (dir) => !!file && !path.relative(dir, file).startsWith('..');
    const safe = inside(root) || inside(models);
    try {
      if (!safe || !(await stat(file)).isFile()) throw new Error('not found');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'content-length': body.length,
        ...(isolated ? ISOLATION_HEADERS : {}),
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { base, log, close: () => new Promise((r) => server.close(r)) };
}
