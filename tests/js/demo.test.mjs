// The demo site (www/) as a visitor uses it: built with its own `npm run build`
// (Vite, importing the npm package `nunchi` from pkg/ as a dependency), served
// by a plain static file server with models/ at /models/, and driven in
// headless Chromium: the movie-review sample by zero-shot and by a trained head,
// a CSV upload and export, the feedback sample clustered into a map and cards,
// the 한국어 mode (Korean strings, the NSMC sample, multilingual-e5-small), and a
// request log showing that no request leaves the origin or carries user text.
// Needs `npm ci --prefix www` first. Screenshots go to $NUNCHI_SCREENSHOTS or target/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const www = path.join(root, 'www');
const dist = path.join(www, 'dist');
const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
const data = process.env.NUNCHI_DATA ?? path.resolve(root, '../shared/data');
const shots = process.env.NUNCHI_SCREENSHOTS ?? path.join(root, 'target/screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TYPES = { '.js': 'text/javascript', '.html': 'text/html', '.css': 'text/css', '.wasm': 'application/wasm',
  '.json': 'application/json', '.csv': 'text/csv', '.txt': 'text/plain' };
const LONG = 150_000; // ms, for a task run (embedding runs at ~10 texts/s here)

/** A plain static file server over dist/, with models/ at /models/. */
async function serve() {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const [dir, file] = rel.startsWith('/models/')
      ? [models, path.join(models, rel.slice('/models/'.length))] : [dist, path.join(dist, rel)];
    try {
      if (path.relative(dir, file).startsWith('..') || !(await stat(file)).isFile()) throw new Error('not found');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

const quote = (s) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) { if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') q = false; else field += c; }
    else if (c === '"') q = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
    else if (c !== '\r') field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

// The uploaded CSV: movie-review lines 200.. (not in the bundled sample), 8 per label, and 4 unlabelled.
const lines = (f) => readFileSync(path.join(data, 'mr_polarity', f), 'utf8').split('\n').map((l) => l.trim());
const pos = lines('rt-polarity.pos').slice(200, 210);
const neg = lines('rt-polarity.neg').slice(200, 210);
const upload = [];
for (let i = 0; i < 8; i++) upload.push([pos[i], 'positive'], [neg[i], 'negative']);
const unlabelled = [pos[8], neg[8], pos[9], neg[9]];
for (const t of unlabelled) upload.push([t, '']);
const uploadCsv = ['review,label', ...upload.map(([t, l]) => `${quote(t)},${l}`)].join('\r\n') + '\r\n';
const userTexts = upload.map(([t]) => t);

let server, browser, page;
const requests = [];

before(async () => {
  assert.ok(existsSync(path.join(www, 'node_modules/vite')), 'run `npm ci --prefix www` first');
  await run('npm', ['run', 'build', '--prefix', www], { env: { ...process.env, NUNCHI_DATA: data } });
  mkdirSync(shots, { recursive: true });
  server = await serve();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  page.on('request', (r) => requests.push({ url: r.url(), body: r.postData() ?? '' }));
  await page.goto(server.base);
  await page.waitForSelector('body[data-ready="true"]');
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const shot = (name, fullPage = true) => page.screenshot({ path: path.join(shots, `demo-${name}.png`), fullPage });
const rowsIn = (selector) => page.locator(`${selector} tbody tr`).count();

/** Clicks Run and waits until the job ends (its status's data-state, in any language); it must end done. */
async function runAndWait(prefix) {
  await page.evaluate((p) => { delete document.getElementById(`${p}-status`).dataset.state; }, prefix);
  await page.click(`#${prefix}-run`);
  await page.waitForFunction((p) => ['done', 'error', 'cancelled'].includes(document.getElementById(`${p}-status`).dataset.state),
    prefix, { timeout: LONG });
  assert.equal(await page.getAttribute(`#${prefix}-status`, 'data-state'), 'done', await page.textContent(`#${prefix}-status`));
}

async function download(selector) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return parseCsv(await readFile(await dl.path(), 'utf8'));
}

test('first visit: privacy statement, models panel, samples', async () => {
  assert.match(await page.textContent('#privacy'), /Your text never leaves this page\./);
  assert.equal(await page.isVisible('#cls-sample'), true);
  await shot('1-home');
});

test('movie-review sample, zero-shot: results, accuracy and the confusion matrix', async () => {
  await page.click('#cls-sample');
  await page.waitForFunction(() => /300 rows/.test(document.getElementById('cls-summary').textContent));
  await page.fill('#cls-limit', '40');
  await runAndWait('cls');
  assert.match(await page.textContent('#cls-status'), /^Done/);
  assert.equal(await rowsIn('#cls-table'), 40);
  const acc = Number((await page.textContent('#cls-accuracy')).replace('%', ''));
  assert.ok(acc >= 50, `zero-shot accuracy ${acc}%`); // the README's figure is 65% on the full test split
  assert.equal(await rowsIn('#cls-confusion'), 2);
  const cells = await page.locator('#cls-confusion tbody td').allTextContents();
  assert.equal(cells.map(Number).reduce((a, b) => a + b, 0), 40);
  const badges = await page.textContent('#model-encoder [data-field="badges"]');
  assert.match(badges, /wasm-simd/);
  assert.match(badges, /24\.5 MB/);
  assert.equal(await page.getAttribute('#model-encoder progress', 'value'), '1');
  await shot('2-zero-shot');
});

test('Cancel stops a long job', async () => {
  await page.fill('#cls-limit', '300');
  await page.click('#cls-run');
  await page.waitForFunction(() => /^Embedding \d+ of 300/.test(document.getElementById('cls-status').textContent), null, { timeout: LONG });
  assert.equal(await page.isVisible('#cls-cancel'), true);
  await page.click('#cls-cancel');
  await page.waitForFunction(() => document.getElementById('cls-status').textContent === 'Cancelled.');
  assert.equal(await page.isVisible('#cls-cancel'), false);
  assert.equal(await page.isEnabled('#cls-run'), true);
});

test('movie-review sample, trained on its train slice, tested on its test slice', async () => {
  await page.check('input[name="cls-method"][value="train"]');
  await page.fill('#cls-limit', '60'); // 30 pairs: 54 train rows, 6 test rows (index divisible by 10)
  await runAndWait('cls');
  assert.equal(await rowsIn('#cls-table'), 6);
  assert.match(await page.textContent('#cls-metrics'), /Trained on 54 texts; 5-fold cross-validation accuracy/);
  assert.match(await page.textContent('#cls-accuracy'), /%$/);
  assert.equal(await rowsIn('#cls-confusion'), 2);
  await shot('3-trained');
});

test('a CSV upload: train on its labelled rows, label the rest, export a CSV', async () => {
  await page.setInputFiles('#cls-file', { name: 'my-reviews.csv', mimeType: 'text/csv', buffer: Buffer.from(uploadCsv) });
  await page.waitForFunction(() => /my-reviews\.csv: 20 rows/.test(document.getElementById('cls-summary').textContent));
  assert.equal(await page.inputValue('#cls-text-col'), '0');
  assert.equal(await page.inputValue('#cls-label-col'), '1');
  await runAndWait('cls');
  assert.equal(await rowsIn('#cls-table'), 4);
  const csv = await download('#cls-export');
  assert.deepEqual(csv[0].slice(0, 3), ['text', 'label', 'score']);
  assert.deepEqual(csv[0].slice(3).sort(), ['p(negative)', 'p(positive)']);
  assert.deepEqual(csv.slice(1).map((r) => r[0]), unlabelled);
  for (const r of csv.slice(1)) {
    assert.ok(['positive', 'negative'].includes(r[1]));
    assert.ok(Math.abs(Number(r[3]) + Number(r[4]) - 1) < 1e-3);
    assert.equal(r[2], Math.max(Number(r[3]), Number(r[4])).toFixed(4));
  }
  await shot('4-upload');
});

test('Flan-T5 prompting with test weights says its answers are meaningless', async () => {
  await page.check('input[name="cls-method"][value="prompt"]');
  await page.fill('#cls-limit', '3');
  await runAndWait('cls');
  assert.equal(await rowsIn('#cls-table'), 3);
  assert.match(await page.textContent('#t5-test-warning'), /test model .* meaningless/);
  assert.match(await page.textContent('[data-field="t5-note"]'), /meaningless/);
  await page.check('input[name="cls-method"][value="zero-shot"]');
});

test('feedback sample: 3 topics with keywords, a map with a dot per text, export', async () => {
  await page.click('#tab-explorer');
  await page.click('#fb-sample');
  await page.waitForFunction(() => /304 rows/.test(document.getElementById('fb-summary').textContent));
  await page.fill('#fb-limit', '60');
  await page.selectOption('#fb-k', '3');
  await runAndWait('fb');
  const cards = page.locator('#fb-cards .cluster-card');
  assert.ok((await cards.count()) >= 3);
  for (let i = 0; i < await cards.count(); i++) {
    assert.ok((await cards.nth(i).locator('.kw').count()) >= 3, `cluster ${i} has keywords`);
    assert.match(await cards.nth(i).textContent(), /% positive/);
  }
  // T5 is loaded but has test weights: topics are named by keywords.
  assert.match(await cards.first().textContent(), /named by keywords/);
  assert.equal(await page.locator('#fb-map svg g[aria-label="dot"] circle').count(), 60);
  const csv = await download('#fb-export');
  assert.deepEqual(csv[0], ['text', 'category', 'cluster', 'cluster_name', 'cluster_sentiment']);
  assert.equal(csv.length, 61);
  assert.ok(new Set(csv.slice(1).map((r) => r[2])).size >= 3);
  await page.hover('#fb-map svg g[aria-label="dot"] circle >> nth=0');
  await shot('5-explorer');
});

test('phone width: the page still fits', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(await overflow() <= 1, `explorer: horizontal overflow ${await overflow()}px`);
  await shot('6-phone-explorer');
  await page.click('#tab-classifier');
  assert.ok(await overflow() <= 1, `classifier: horizontal overflow ${await overflow()}px`);
  await shot('7-phone-classifier');
});

test('한국어: the switch keeps user data, Korean sample by zero-shot with multilingual-e5, remembered', async () => {
  await page.setViewportSize({ width: 1100, height: 900 });
  assert.match(await page.textContent('#cls-summary'), /my-reviews\.csv: 20 rows/); // the user's upload, from above
  // By keyboard, like a visitor without a mouse.
  await page.focus('.lang-switch [data-lang="ko"]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.documentElement.lang === 'ko');
  assert.equal(await page.getAttribute('.lang-switch [data-lang="ko"]', 'aria-pressed'), 'true');
  assert.equal(await page.evaluate(() => localStorage.getItem('nunchi.lang')), 'ko');
  assert.equal((await page.textContent('#cls-run')).trim(), '분류하기');
  assert.equal((await page.textContent('#tab-explorer')).trim(), '의견 탐색기');
  assert.match(await page.textContent('#privacy'), /입력한 텍스트는 이 페이지 밖으로 나가지 않습니다/);
  // The user's file stays; the explorer's bundled English sample becomes the Korean one.
  assert.match(await page.textContent('#cls-summary'), /my-reviews\.csv: 20행/);
  await page.waitForFunction(() => /nsmc-reviews\.csv: 300행/.test(document.getElementById('fb-summary').textContent));
  const labels = () => page.locator('#label-editor input[id^="label-"]').evaluateAll((els) => els.map((e) => e.value));
  assert.deepEqual(await labels(), ['부정', '긍정']);
  assert.match(await page.textContent('#model-encoder [data-field="source"]'), /multilingual-e5-small-q4_0\.gguf/);

  // The Korean sample's first 30 rows are its test split (15 per label).
  await page.click('#cls-sample');
  await page.waitForFunction(() => /nsmc-reviews\.csv: 300행/.test(document.getElementById('cls-summary').textContent));
  await page.fill('#cls-limit', '30');
  const before = requests.length;
  await runAndWait('cls');
  assert.match(await page.textContent('#cls-status'), /^완료/);
  const fetched = requests.slice(before).map((r) => new URL(r.url).pathname);
  assert.ok(fetched.includes('/models/multilingual-e5-small-q4_0.gguf'), `e5 fetched from this server: ${fetched}`);
  assert.match(await page.textContent('#model-encoder [data-field="badges"]'), /76\.1 MB/);
  assert.equal(await rowsIn('#cls-table'), 30);
  const predicted = await page.locator('#cls-table tbody td.label').allTextContents();
  assert.ok(predicted.every((l) => l === '부정' || l === '긍정'), predicted.join());
  assert.equal(new Set(predicted).size, 2);
  assert.match(await page.textContent('#cls-table caption'), /분류한 텍스트 30개/);
  const acc = Number((await page.textContent('#cls-accuracy')).replace('%', ''));
  assert.ok(acc >= 60, `Korean zero-shot accuracy ${acc}%`); // 73.3% on these 30; e5 scores ~68% on NSMC, chance 50%
  await shot('ko');

  // The explorer: Korean sentiment descriptions, Korean words on the cards.
  await page.click('#tab-explorer');
  await page.fill('#fb-limit', '12');
  await page.selectOption('#fb-k', '2');
  await runAndWait('fb');
  const cards = page.locator('#fb-cards .cluster-card');
  assert.ok(await cards.count() >= 1);
  assert.match(await cards.first().textContent(), /긍정 \d+%.*키워드로 이름 붙임|키워드로 이름 붙임.*긍정 \d+%/s);

  // Phone width in Korean: long unspaced reviews still fit.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(await overflow() <= 1, `Korean explorer: horizontal overflow ${await overflow()}px`);
  await page.click('#tab-classifier');
  assert.ok(await overflow() <= 1, `Korean classifier: horizontal overflow ${await overflow()}px`);
  await page.evaluate(() => scrollTo(0, 0));
  await shot('ko-phone', false);
  await page.setViewportSize({ width: 1100, height: 900 });

  // Back to English on the same page: default labels, bundled samples and the shown results follow.
  await page.click('.lang-switch [data-lang="en"]');
  assert.deepEqual(await labels(), ['negative', 'positive']);
  assert.equal(await page.textContent('#cls-table caption'), '30 classified texts');
  await page.waitForFunction(() => /movie-reviews\.csv: 300 rows/.test(document.getElementById('cls-summary').textContent));
  await page.click('.lang-switch [data-lang="ko"]');

  // Remembered on the next visit; ?lang= wins and is remembered in turn.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ko');
  assert.equal((await page.textContent('#cls-run')).trim(), '분류하기');
  await page.goto(`${server.base}/?lang=en`);
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal((await page.textContent('#cls-run')).trim(), 'Classify');
  assert.equal(await page.evaluate(() => localStorage.getItem('nunchi.lang')), 'en');
});

test('privacy: every request stays on the origin and none carries user text', () => {
  assert.ok(requests.length > 0);
  const fragments = userTexts.flatMap((t) => [t.slice(0, 24), encodeURIComponent(t.slice(0, 24))]);
  for (const { url, body } of requests) {
    const u = new URL(url);
    assert.ok(u.origin === server.base || u.protocol === 'blob:' && url.startsWith(`blob:${server.base}/`) || u.protocol === 'data:',
      `request to another origin: ${url}`);
    for (const f of fragments) {
      assert.ok(!url.includes(f) && !body.includes(f), `user text in a request: ${url}`);
    }
  }
  const paths = [...new Set(requests.map((r) => new URL(r.url).pathname))];
  const known = /^\/(|favicon\.ico|assets\/[\w.-]+|models\/[\w.-]+\.gguf|samples\/(movie-reviews|feedback|nsmc-reviews)\.csv)$/;
  for (const p of requests.filter((r) => !r.url.startsWith('blob:')).map((r) => new URL(r.url).pathname)) {
    assert.match(p, known, 'only the page, its assets, the samples and the models are requested');
  }
});
