// The demo site's timings as a visitor sees them, in headless Chromium on the
// wasm SIMD path: model load (first visit, then from the browser's cache),
// classifying 1,000 movie reviews by zero-shot, and clustering 3,000 customer
// messages with k chosen by the page. Prints a table.
//
//   npm run build --prefix www && npm run bench:demo
//
// Texts: the movie-review test split (the first 500 lines of each file that are
// test by the project's rule, interleaved) and the first 3,000 BANKING77 test
// messages, uploaded through the page's file inputs like a user's CSV.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveSite } from '../tests/browser/site-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'www/dist');
const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
const data = process.env.NUNCHI_DATA ?? path.resolve(root, '../shared/data');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const REVIEWS = 1000;
const MESSAGES = 3000;
const HOUR = 3_600_000;

if (!existsSync(path.join(dist, 'index.html'))) throw new Error('build the site first: npm run build --prefix www');

const quote = (s) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
const lines = (f) => readFileSync(path.join(data, 'mr_polarity', f), 'utf8').split('\n').map((l) => l.trim());
const testLines = (f) => lines(f).filter((l, i) => l && i % 10 === 0);
const [pos, neg] = [testLines('rt-polarity.pos'), testLines('rt-polarity.neg')];
const reviews = ['text,label'];
for (let i = 0; reviews.length <= REVIEWS; i++) reviews.push(`${quote(pos[i])},positive`, `${quote(neg[i])},negative`);
// BANKING77's test.csv is already quoted CSV with a header (text,category): keep its first rows as they are.
const messages = readFileSync(path.join(data, 'banking77/test.csv'), 'utf8').split(/\r?\n/).filter(Boolean).slice(0, MESSAGES + 1);

const server = await serveSite({ dist, models });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
const rows = [];
const note = (what, ms, detail = '') => { rows.push({ what, ms, detail }); console.error(`${what}: ${(ms / 1000).toFixed(1)} s ${detail}`); };
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
  note('load MiniLM q8_0 again, from the browser cache', await loadEncoder());

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
  note(`classify ${REVIEWS} movie reviews, zero-shot`, classifyMs, `accuracy ${await page.textContent('#cls-accuracy')}`);

  await page.click('#tab-explorer');
  await page.setInputFiles('#fb-file', { name: 'messages.csv', mimeType: 'text/csv', buffer: Buffer.from(messages.join('\n')) });
  await page.fill('#fb-limit', String(MESSAGES));
  const clusterMs = await runJob('fb');
  const topics = await page.locator('#fb-cards .cluster-card').count();
  note(`cluster ${MESSAGES} customer messages, k chosen by silhouette`, clusterMs, `${topics} topics`);
} finally {
  await browser.close();
  await server.close();
}

const version = (await import('node:child_process')).execFileSync(CHROMIUM, ['--version']).toString().trim();
console.log(`\nThe demo in headless ${version}, wasm SIMD path (MiniLM q8_0), this machine:\n`);
console.log('| step | time | |');
console.log('|---|---:|---|');
for (const r of rows) console.log(`| ${r.what} | ${(r.ms / 1000).toFixed(1)} s | ${r.detail} |`);
