// A static file server for browser tests and benchmarks: the repo's pkg/ and
// tests/browser/, models/ at /models/, and models/<name>/ as a Hugging Face
// repository at /hf/<name>/resolve/main/, plus any folders mounted by the caller
// (the benchmarks mount transformers.js and the ONNX export this way). Every
// request path is logged and counted, so tests can prove that only static files
// and model files cross the network.
import http from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm', '.json': 'application/json' };

/** Headers that make a page cross-origin isolated, so it may share wasm memory between threads. */
export const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/**
 * Mounts for {@link startServer} that serve the seeded classifier fixtures
 * (tests/fixtures/encoders/<name>/) as Hugging Face repositories at /hf/<name>.
 */
export function fixtureMounts(root, names) {
  return Object.fromEntries(names.map((n) => [`/hf/${n}/resolve/main/`, path.join(root, 'tests/fixtures/encoders', n)]));
}

/**
 * Starts the server on a free loopback port; returns `{ base, log, hits(pathname), close() }`.
 *
 * - `isolated`: send {@link ISOLATION_HEADERS} with every file (a COOP/COEP site).
 * - `mounts`: more folders, `{ '/prefix/': dir }` or `{ '/prefix/': [dir, fallback, …] }` (the
 *   first folder that has the file serves it). Mounts are matched before the default routes,
 *   the longest prefix first, so `{ '/pkg/': otherBuild }` replaces the repository's pkg/.
 *   A mount whose folders are all undefined is left out.
 */
export async function startServer({ root, models, isolated = false, mounts = {} }) {
  const log = [];
  const hits = new Map();
  const mounted = Object.entries(mounts)
    .map(([prefix, dirs]) => [prefix, [dirs].flat().filter(Boolean)])
    .filter(([, dirs]) => dirs.length)
    .sort((a, b) => b[0].length - a[0].length);
  /** [folder, file] pairs that may serve `p`, in order; each file must stay inside its folder. */
  const candidates = (p) => {
    for (const [prefix, dirs] of mounted) if (p.startsWith(prefix)) return dirs.map((d) => [d, path.join(d, p.slice(prefix.length))]);
    const hf = p.match(/^\/hf\/([^/]+)\/resolve\/main\/(.+)$/);
    if (hf) return [[models, path.join(models, hf[1], hf[2])]];
    if (p.startsWith('/models/')) return [[models, path.join(models, p.slice('/models/'.length))]];
    for (const dir of ['/pkg/', '/tests/browser/']) if (p.startsWith(dir)) return [[path.join(root, dir), path.join(root, p)]];
    return [];
  };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    log.push(`${req.method} ${url.pathname}${url.search}`);
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    let p;
    try { p = decodeURIComponent(url.pathname); } catch { return res.writeHead(400).end(); }
    for (const [dir, file] of candidates(p)) {
      // Never serve outside the folder (no `..` escapes).
      const rel = path.relative(dir, file);
      if (rel.startsWith('..') || path.isAbsolute(rel)) break;
      try {
        if (!(await stat(file)).isFile()) continue;
        const body = await readFile(file);
        res.writeHead(200, {
          'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
          'content-length': body.length,
          ...(isolated ? ISOLATION_HEADERS : {}),
        });
        return res.end(body);
      } catch {
        // not in this folder: try the next one
      }
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { base, log, hits: (pathname) => hits.get(pathname) ?? 0, close: () => new Promise((r) => server.close(r)) };
}
