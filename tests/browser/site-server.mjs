// A plain static file server for the built demo site (www/dist/), with the
// models folder at /models/, as a deployment would serve them, and optional
// `mounts` ({ '/prefix/': dir }, e.g. fixtures served as Hugging Face repositories). It counts the
// requests for each path (tests prove "no second download" with it) and can be
// closed with its connections, so a page finds the origin gone at once
// (the offline test). Used by tests/js/demo.test.mjs and bench/demo.mjs.
import http from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const TYPES = { '.js': 'text/javascript', '.html': 'text/html', '.css': 'text/css', '.wasm': 'application/wasm',
  '.json': 'application/json', '.csv': 'text/csv', '.txt': 'text/plain' };

export async function serveSite({ dist, models, mounts = {} }) {
  const hits = new Map();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const mount = Object.keys(mounts).find((prefix) => rel.startsWith(prefix));
    const [dir, file] = mount ? [mounts[mount], path.join(mounts[mount], rel.slice(mount.length))]
      : rel.startsWith('/models/') ? [models, path.join(models, rel.slice('/models/'.length))] : [dist, path.join(dist, rel)];
    try {
      // Never serve outside dist/ or the models folder (no `..` escapes).
      if (path.relative(dir, file).startsWith('..') || !(await stat(file)).isFile()) throw new Error('not found');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    hits: (pathname) => hits.get(pathname) ?? 0,
    close: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }),
  };
}
