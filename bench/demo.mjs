// `npm run bench:demo`: the demo site's timings as a visitor sees them, in
// headless Chromium on the wasm SIMD path: model load (first visit, then from the
// browser's cache), classifying 1,000 movie reviews by zero-shot, and clustering
// 3,000 customer messages with k chosen by the page. Prints a table.
//
//   npm run build --prefix www && npm run bench:demo [-- --write | --json [PATH]]
//
// --write writes bench/results/demo.json (--json PATH: PATH); a plain run writes nothing.
//
// Texts: the movie-review test split (the first 500 lines of each file that are
// test by the project's rule, interleaved) and the first 3,000 BANKING77 test
// messages, uploaded through the page's file inputs like a user's CSV.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from '../tests/browser/chromium.mjs';
import { serveSite } from '../tests/browser/site-server.mjs';
import { benchCommand, dataDir, emitResults, isMain, machine, models, resultsPath, root } from './common.mjs';
import { demoTables, num } from './report.mjs';

const dist = path.join(root, 'www/dist');
const REVIEWS = 1000;
const MESSAGES = 3000;
const HOUR = 3_600_000;

const quote = (s) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** The uploads: `reviews` (text,label CSV) and `messages` (BANKING77's CSV rows as they are). */
function inputs() {
  const lines = (f) => readFileSync(path.join(dataDir, 'mr_polarity', f), 'utf8').split('\n').map((l) => l.trim());
  const testLines = (f) => lines(f).filter((l, i) => l && i % 10 === 0);
  const [pos, neg] = [testLines('rt-polarity.pos'), testLines('rt-polarity.neg')];
  const reviews = ['text,label'];
  for (let i = 0; reviews.length <= REVIEWS; i++) reviews.push(`${quote(pos[i])},positive`, `${quote(neg[i])},negative`);
  // BANKING77's test.csv is already quoted CSV with a header (text,category): keep its first rows as they are.
  const messages = readFileSync(path.join(dataDir, 'banking77/test.csv'), 'utf8').split(/\r?\n/).filter(Boolean).slice(0, MESSAGES + 1);
  return { reviews, messages };
}

export async function main(argv = process.argv.slice(2)) {
  if (!existsSync(path.join(dist, 'index.html'))) throw new Error('build the site first: npm run build --prefix www');
  const { reviews, messages } = inputs();
  const server = await serveSite({ dist, models });
  const browser = await launchChromium();
  const chromium = browser.version();
  const steps = [];
  const note = (what, ms, detail = '') => { steps.push({ what, ms, detail }); console.error(`${what}: ${(ms / 1000).toFixed(1)} s ${detail}`); };
  try {
    const page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
    page.on('pageerror', (e) => console.error('page error:', e));
    await page.goto(`${server.base}/?lang=en`);
    await page.waitForSelector('body[data-ready="true"]');
    const badges = '#model-encoder [data-field="badges"]';

    const loadEncoder = async () => {
      const t = performance.now();
      await page.click('#model-encoder [data-action="load"]');
      await page.waitForFunction((s) => document.querySelector(s).textContent.length > 0, badges, { timeout: HOUR });
      return performance.now() - t;
    };
    note('load MiniLM q8_0, first visit (download from localhost + parse)', await loadEncoder(),
      (await page.locator(`${badges} .badge`).allTextContents()).join(', '));
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    note("load it again, from the browser's cache", await loadEncoder());

    const runJob = async (prefix) => {
      const t = performance.now();
      await page.click(`#${prefix}-run`);
      await page.waitForFunction((p) => ['done', 'error', 'cancelled'].includes(document.getElementById(`${p}-status`).dataset.state),
        prefix, { timeout: HOUR });
      const ms = performance.now() - t;
      const state = await page.getAttribute(`#${prefix}-status`, 'data-state');
      if (state !== 'done') throw new Error(`${prefix}: ${await page.textContent(`#${prefix}-status`)}`);
      return ms;
    };

    await page.setInputFiles('#cls-file', { name: 'reviews.csv', mimeType: 'text/csv', buffer: Buffer.from(reviews.join('\n')) });
    await page.fill('#cls-limit', String(REVIEWS));
    const classifyMs = await runJob('cls');
    note(`classify ${num(REVIEWS)} movie reviews, zero-shot`, classifyMs, `accuracy ${await page.textContent('#cls-accuracy')}`);

    await page.click('#tab-explorer');
    await page.setInputFiles('#fb-file', { name: 'messages.csv', mimeType: 'text/csv', buffer: Buffer.from(messages.join('\n')) });
    await page.fill('#fb-limit', String(MESSAGES));
    const clusterMs = await runJob('fb');
    const topics = await page.locator('#fb-cards .cluster-card').count();
    note(`cluster ${num(MESSAGES)} customer messages, k chosen by silhouette`, clusterMs, `${topics} topics`);
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(`The demo in headless Chromium ${chromium}, wasm SIMD path (MiniLM q8_0), this machine.`);
  return emitResults({ file: resultsPath('demo', argv), name: 'demo', command: benchCommand('demo', argv), machine: machine({ chromium, extra: 'wasm SIMD' }), tables: demoTables({ steps }) });
}

if (isMain(import.meta.url)) await main();
