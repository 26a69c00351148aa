// Headless Chromium for the browser tests and the benchmarks: Debian's chromium
// driven by npm playwright-core (never a downloaded browser). The one place that
// names the executable and its flags; the test page is served by server.mjs from
// the repository.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** What `webgpu: true` adds: a WebGPU adapter even without a GPU (SwiftShader emulates one on the CPU). */
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu'];

/** A new headless Chromium with {@link FLAGS}, plus WebGPU when `webgpu`, plus `args`. */
export function launchChromium({ webgpu = false, args = [] } = {}) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, ...(webgpu ? WEBGPU_FLAGS : []), ...args] });
}

/**
 * Serves the repository (`isolated`: with COOP/COEP headers; `mounts`: more
 * folders, as for startServer), opens the test page in a new Chromium and
 * returns `{ server, browser, page, close }`.
 */
export async function openTestPage({ isolated = false, webgpu = false, args = [], mounts = {} } = {}) {
  const server = await startServer({ root, models, isolated, mounts });
  const browser = await launchChromium({ webgpu, args });
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`${server.base}/tests/browser/index.html`);
  const close = async () => {
    await browser.close();
    await server.close();
  };
  return { server, browser, page, close };
}
