// The demo site (www/) as a visitor uses it: built with its own `npm run build`
// (Vite, importing the npm package `nunchi` from pkg/ as a dependency), served
// by a plain static file server with models/ at /models/ (tests/browser/site-server.mjs), and driven in
// headless Chromium: the movie-review sample by zero-shot and by a trained head,
// a CSV upload and export, rows labelled by hand, the feedback sample clustered into a map and cards,
// the dated feedback sample's topics (silhouette curve, trends per week, renamed and merged by hand,
// saved, loaded again, and new messages placed in them),
// the 한국어 mode (Korean strings, the NSMC sample, multilingual-e5-small), and a
// request log showing that no request leaves the origin or carries user text;
// then a reload (the model from the browser's cache) and a visit with the server
// gone (the page from its service worker).
// Needs `npm ci --prefix www` first. Screenshots go to $NUNCHI_SCREENSHOTS or target/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../browser/chromium.mjs';
import { serveSite } from '../browser/site-server.mjs';
import { fixtureMounts } from '../browser/server.mjs';
import { readTable, TextClassifier, textClassification, Encoder, cluster, assignTopics } from '../../pkg/index.js'; // the exports read back by the package's own parser, and the Node side of the fine-tuned model and topic checks

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const www = path.join(root, 'www');
const dist = path.join(www, 'dist');
const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
const data = process.env.NUNCHI_DATA ?? path.resolve(root, '../shared/data');
const shots = process.env.NUNCHI_SCREENSHOTS ?? path.join(root, 'target/screenshots');
const LONG = 150_000; // ms, for a task run (embedding runs at ~10 texts/s here)
const NUNCHI = process.env.NUNCHI_BIN ?? path.join(root, 'target/release/nunchi'); // built by `cargo test --release`

const quote = (s) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
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

/** Records every request of the context (its pages, their workers, the service worker: fetches,
 *  beacons, scripts) and every WebSocket with each frame it sends, for the privacy test. */
function recordTraffic(context, p) {
  context.on('request', (r) => requests.push({ url: r.url(), body: r.postData() ?? '', serviceWorker: !!r.serviceWorker() }));
  p.on('websocket', (ws) => {
    requests.push({ url: ws.url(), body: '' });
    ws.on('framesent', (f) => requests.push({ url: ws.url(), body: String(f.payload) }));
  });
}
let cpuZeroShot; // [label, confidence] the CPU (wasm) page gave the sample's first rows by zero-shot

/** The results table's [label, confidence in %] per row (only the rows the filters show, if `shown`). */
const tableLabelsAndScores = (p, shown = false) => p.locator(`#cls-table tbody tr${shown ? ':not([hidden])' : ''}`).evaluateAll((trs) => trs.map((tr) =>
  [tr.querySelector('td.label').textContent, Number(tr.querySelector('.num').textContent.replace('%', ''))]));
const requests = [];

before(async () => {
  assert.ok(existsSync(path.join(www, 'node_modules/vite')), 'run `npm ci --prefix www` first');
  await run('npm', ['run', 'build', '--prefix', www], { env: { ...process.env, NUNCHI_DATA: data } });
  mkdirSync(shots, { recursive: true });
  server = await serveSite({ dist, models, mounts: fixtureMounts(root, ['roberta-cls']) });
  browser = await launchChromium();
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  recordTraffic(context, page);
  await page.goto(server.base);
  await page.waitForSelector('body[data-ready="true"]');
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const shot = (name, fullPage = true) => page.screenshot({ path: path.join(shots, `demo-${name}.png`), fullPage });
const rowsIn = (selector) => page.locator(`${selector} tbody tr`).count();

/** Clicks Run (or `button`) and waits until the job ends (its status's data-state, in any language); it must end done. */
async function runAndWait(prefix, button = `#${prefix}-run`) {
  await page.evaluate((p) => { delete document.getElementById(`${p}-status`).dataset.state; }, prefix);
  await page.click(button);
  await page.waitForFunction((p) => ['done', 'error', 'cancelled'].includes(document.getElementById(`${p}-status`).dataset.state),
    prefix, { timeout: LONG });
  assert.equal(await page.getAttribute(`#${prefix}-status`, 'data-state'), 'done', await page.textContent(`#${prefix}-status`));
}

async function download(selector) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const { columns, rows } = await readTable(await readFile(await dl.path(), 'utf8'), 'export.csv');
  return [columns, ...rows];
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
  assert.ok(acc >= 50, `zero-shot accuracy ${acc}%`); // docs/tasks.md gives the figure on the full test split
  assert.equal(await rowsIn('#cls-confusion'), 2);
  const cells = await page.locator('#cls-confusion tbody td').allTextContents();
  assert.equal(cells.map(Number).reduce((a, b) => a + b, 0), 40);
  const badges = await page.textContent('#model-encoder [data-field="badges"]');
  assert.match(badges, /wasm-simd/);
  assert.match(badges, /24\.5 MB/);
  assert.equal(await page.getAttribute('#model-encoder progress', 'value'), '1');
  cpuZeroShot = await tableLabelsAndScores(page);

  // The table sorts by confidence (highest first, then lowest), and filters by label, mistakes and text.
  const confidenceHead = '#cls-table thead th:nth-child(3)';
  await page.click(`${confidenceHead} button`);
  assert.equal(await page.getAttribute(confidenceHead, 'aria-sort'), 'descending');
  const shownScores = async () => (await tableLabelsAndScores(page, true)).map(([, p]) => p);
  const descending = await shownScores();
  assert.deepEqual(descending, [...descending].sort((a, b) => b - a));
  await page.click(`${confidenceHead} button`);
  assert.equal(await page.getAttribute(confidenceHead, 'aria-sort'), 'ascending');
  assert.deepEqual(await shownScores(), [...descending].reverse());
  await page.selectOption('#cls-filter-label', 'positive');
  const positives = cpuZeroShot.filter(([l]) => l === 'positive').length;
  assert.ok((await tableLabelsAndScores(page, true)).every(([l]) => l === 'positive'));
  assert.equal(await page.textContent('#cls-shown'), `showing ${positives} of 40`);
  await page.selectOption('#cls-filter-label', '\u0000wrong');
  const mistakes = await page.locator('#cls-table tbody tr:not([hidden]) td.bad').count();
  assert.equal(await page.textContent('#cls-shown'), `showing ${mistakes} of 40`);
  assert.equal(Math.round(100 * (40 - mistakes) / 40 * 10) / 10, acc); // the mistakes are what the accuracy misses
  await page.selectOption('#cls-filter-label', '');
  await page.fill('#cls-filter', 'film');
  const filmRows = await page.locator('#cls-table tbody tr:not([hidden]) td.text').allTextContents();
  assert.ok(filmRows.length > 0 && filmRows.length < 40 && filmRows.every((x) => /film/i.test(x)), filmRows.join(' | '));
  await shot('2-zero-shot');
  await page.fill('#cls-filter', '');
});

test('a long job says how long it has left, and Cancel stops it', async () => {
  await page.fill('#cls-limit', '300');
  await page.click('#cls-run');
  await page.waitForFunction(() => /^Embedding \d+ of 300/.test(document.getElementById('cls-status').textContent), null, { timeout: LONG });
  // After a second of embedding, the rate so far gives the time left.
  await page.waitForFunction(() => /^Embedding \d+ of 300 texts… \(about \d+ (s|min) left\)$/.test(document.getElementById('cls-status').textContent), null, { timeout: LONG });
  assert.equal(await page.isVisible('#cls-cancel'), true);
  await page.click('#cls-cancel');
  await page.waitForFunction(() => document.getElementById('cls-status').textContent === 'Cancelled.');
  assert.equal(await page.isVisible('#cls-cancel'), false);
  assert.equal(await page.isEnabled('#cls-run'), true);
});

/** The shown figures (accuracy, confusion matrix) equal `nunchi eval --methods head-full` on `csv`: same parser, split, model and head. */
async function assertPageAgreesWithEval(csv, testRows) {
  const shown = await page.textContent('#cls-accuracy');
  const labels = await page.locator('#cls-confusion thead th').allTextContents();
  const rows = await page.locator('#cls-confusion tbody tr').evaluateAll((trs) => trs.map((tr) => [
    tr.querySelector('th').textContent, [...tr.querySelectorAll('td')].map((td) => Number(td.textContent))]));
  assert.ok(existsSync(NUNCHI), `${NUNCHI} missing: run \`cargo test --release\` (or build nunchi-cli) first`);
  const json = path.join(shots, 'demo-eval.json');
  await run(NUNCHI, ['eval', '--model', path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf'),
    '--dataset', csv, '--methods', 'head-full', '--json', json]);
  const { test_texts: testTexts, results: [{ report }] } = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(testTexts, testRows);
  assert.equal(shown, `${(100 * report.accuracy).toFixed(1)}%`, 'the page and `nunchi eval` agree on the accuracy');
  // The confusion matrix too, cell by cell, matched by label name (the tables may order labels differently).
  const predictedNames = labels.slice(1);
  for (const [trueName, cells] of rows) {
    const t = report.labels.indexOf(trueName);
    for (const [j, n] of cells.entries()) {
      assert.equal(n, report.confusion[t][report.labels.indexOf(predictedNames[j])], `${trueName} → ${predictedNames[j]}`);
    }
  }
}

test('movie-review sample, trained on its train split: the accuracy and confusion matrix `nunchi eval` gives', async () => {
  await page.check('input[name="cls-method"][value="train"]');
  await page.fill('#cls-limit', '300'); // the whole sample: 270 train rows, 30 test rows (its split column)
  await runAndWait('cls');
  assert.equal(await rowsIn('#cls-table'), 30);
  assert.match(await page.textContent('#cls-metrics'), /Trained on 270 texts; 5-fold cross-validation accuracy/);
  await shot('3-trained');
  await assertPageAgreesWithEval(path.join(dist, 'samples/movie-reviews.csv'), 30);
});

test('a labelled CSV without a split column, one text empty: the page holds out the rows `nunchi eval` holds out', async () => {
  // Movie-review lines 300.. alternating labels; data row 3's text is empty. The rule counts data rows,
  // so rows 0, 10, 20 and 30 are test on both sides, and the empty row is skipped without shifting them.
  const p = lines('rt-polarity.pos').slice(300, 320);
  const n = lines('rt-polarity.neg').slice(300, 320);
  const rows = p.flatMap((t, i) => [[t, 'positive'], [n[i], 'negative']]);
  rows[3][0] = '';
  const csv = ['text,label', ...rows.map(([t, l]) => `${quote(t)},${l}`)].join('\n') + '\n';
  const file = path.join(shots, 'demo-held-out.csv');
  writeFileSync(file, csv);
  await page.setInputFiles('#cls-file', { name: 'held-out.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.waitForFunction(() => /held-out\.csv: 40 rows/.test(document.getElementById('cls-summary').textContent));
  await page.fill('#cls-limit', '');
  await runAndWait('cls');
  const shownTexts = await page.locator('#cls-table tbody td.text').allTextContents();
  assert.deepEqual(shownTexts, [0, 10, 20, 30].map((i) => rows[i][0]));
  assert.match(await page.textContent('#cls-metrics'), /Trained on 35 texts/);
  await assertPageAgreesWithEval(file, 4);
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

test('a fine-tuned model by its address: its own labels, the scores the package gives in Node', async () => {
  await page.check('input[name="cls-method"][value="model"]');
  await page.fill('#cls-model-url', `${server.base}/hf/roberta-cls`);
  await runAndWait('cls');
  const shown = await tableLabelsAndScores(page);
  const texts = await page.locator('#cls-table tbody tr td.text').evaluateAll((tds) => tds.map((td) => td.textContent));
  assert.ok(shown.length > 0 && shown.length === texts.length, `${shown.length} rows`);
  assert.match(await page.textContent('#cls-results'), /negative, neutral, positive/);
  // The same model in Node, through the package: the same label and confidence (to the page's 0.1 %).
  const model = await TextClassifier.load(path.join(root, 'tests/fixtures/encoders/roberta-cls'));
  const node = await textClassification(model, texts);
  model.dispose();
  shown.forEach(([label, score], i) => {
    assert.equal(label, node[i].label, texts[i]);
    assert.ok(Math.abs(score - node[i].score * 100) < 0.06, `${texts[i]}: ${score}% vs ${node[i].score}`);
  });
  await page.check('input[name="cls-method"][value="zero-shot"]');
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
  await page.waitForFunction(() => /customer-messages\.csv: 900 rows/.test(document.getElementById('fb-summary').textContent));
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
  assert.deepEqual(csv[0], ['text', 'category', 'date', 'cluster', 'cluster_name', 'cluster_sentiment']);
  assert.equal(csv.length, 61);
  assert.ok(new Set(csv.slice(1).map((r) => r[3])).size >= 3);
  assert.equal(await page.isVisible('#fb-k-choice'), false, 'k was given: no silhouette curve');
  await page.hover('#fb-map svg g[aria-label="dot"] circle >> nth=0');
  await shot('5-explorer');
});

/** The sample's messages (text, intent, date), as the demo bundles them. */
const messages = async () => (await readTable(readFileSync(path.join(dist, 'samples/customer-messages.csv'), 'utf8'), 'm.csv')).rows;
const cardSizes = () => page.locator('#fb-cards .cluster-card .size').evaluateAll((els) => els.map((e) => Number(e.dataset.size)));
const cardNames = () => page.locator('#fb-cards .cluster-card h3').allTextContents();
/** The number of lines drawn in a trends chart (one per topic, and one for "other" when it has texts). */
const trendLines = (id) => page.locator(`#${id} svg g[aria-label="line"] path`).count();

test('dated sample: the silhouette curve, trends per week, rename and merge by hand, save, load, place new messages', async () => {
  const rows = await messages();
  await page.click('#tab-explorer');
  // Dates that are not YYYY-MM-DD: the package's message names the rows.
  const badDates = ['text,date', ...rows.slice(0, 4).map(([text], i) => `${quote(text)},${['2026-10-01', 'yesterday', '2026-10-02', '2026-13-01'][i]}`)].join('\n');
  await page.setInputFiles('#fb-file', { name: 'bad-dates.csv', mimeType: 'text/csv', buffer: Buffer.from(badDates) });
  await page.waitForFunction(() => /bad-dates\.csv: 4 rows/.test(document.getElementById('fb-summary').textContent));
  await page.selectOption('#fb-k', '2');
  await page.evaluate(() => { delete document.getElementById('fb-status').dataset.state; });
  await page.click('#fb-run');
  await page.waitForFunction(() => ['done', 'error', 'cancelled'].includes(document.getElementById('fb-status').dataset.state), null, { timeout: LONG });
  assert.equal(await page.getAttribute('#fb-status', 'data-state'), 'error');
  assert.match(await page.textContent('#fb-status'), /^Error: .*2 date\(s\) are not YYYY-MM-DD dates: row 2 \('yesterday'\), row 4 \('2026-13-01'\)/);

  await page.click('#fb-sample');
  await page.waitForFunction(() => /customer-messages\.csv: 900 rows/.test(document.getElementById('fb-summary').textContent));
  assert.equal(await page.$eval('#fb-date-col', (s) => s.selectedOptions[0].textContent), 'date', 'the date column is found by its name');
  await page.fill('#fb-limit', '120');
  await page.selectOption('#fb-k', 'auto');
  assert.equal(await page.inputValue('#fb-period'), 'week');
  await runAndWait('fb');

  // k chosen by silhouette: the page shows the same choice as the package in Node on the same texts and dates.
  const texts = rows.slice(0, 120).map((r) => r[0]);
  const dates = rows.slice(0, 120).map((r) => r[2]);
  const encoder = await Encoder.load(path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf'));
  const node = await cluster(encoder, texts, { kRange: [2, 10], dates, period: 'week' });
  const k = node.clusters.length;
  const cards = page.locator('#fb-cards .cluster-card');
  assert.equal(await cards.count(), k);
  assert.deepEqual(await cardSizes(), node.clusters.map((c) => c.size));
  assert.match(await page.textContent('#fb-summary-line'), new RegExp(`k = ${node.k}, chosen by silhouette`));
  assert.equal(await page.locator('#fb-k-choice svg g[aria-label="line"] path').count(), 1);
  assert.equal(await page.getAttribute('#fb-k-sentence', 'data-close'), node.kClose.join(','));
  assert.match(await page.textContent('#fb-k-sentence'), node.kClose.length
    ? new RegExp(`^k = ${node.k} chosen, but .*${node.kClose.at(-1)} scores? almost as well`) : new RegExp(`^k = ${node.k} chosen: a clear choice`));

  // Trends per week: a line per topic (and "other" when it has texts), over the weeks of these dates.
  const other = node.assignments.filter((a) => a === null).length;
  assert.equal(await trendLines('fb-trends'), k + (other ? 1 : 0));
  assert.equal(node.trends.period, 'week');
  assert.match(await page.textContent('#fb-trends figcaption'), new RegExp(`Texts per week in each topic, ${node.trends.periods[0]} to ${node.trends.periods.at(-1)}`));
  // Another period redraws the chart from the same texts, without clustering again.
  await page.selectOption('#fb-period', 'month');
  await page.waitForFunction(() => /Texts per month/.test(document.querySelector('#fb-trends figcaption')?.textContent));
  await page.selectOption('#fb-period', 'week');
  await page.waitForFunction(() => /Texts per week/.test(document.querySelector('#fb-trends figcaption')?.textContent));

  // Rename topic 1 by keyboard: the card, the map's legend and the trends legend show the new name.
  await page.focus('#fb-topic-0-rename-open');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'fb-topic-0-name');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('Named by hand');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('fb-topic-0')?.textContent === '1. Named by hand');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'fb-topic-0-rename-open');
  assert.match(await page.textContent('#fb-map'), /1\. Named by hand/);
  assert.match(await page.textContent('#fb-trends'), /1\. Named by hand/);
  assert.match(await cards.first().textContent(), /named by you/);

  // Merge the last topic into topic 1: one card fewer, the sizes summed, the export and trends follow.
  const sizes = await cardSizes();
  await page.selectOption(`#fb-topic-${k - 1}-merge`, '0');
  await page.click(`#fb-topic-${k - 1}-merge-go`);
  await page.waitForFunction((n) => document.querySelectorAll('#fb-cards .cluster-card').length === n, k - 1);
  const merged = [sizes[0] + sizes[k - 1], ...sizes.slice(1, k - 1)];
  assert.deepEqual(await cardSizes(), merged);
  assert.equal((await cardNames())[0], '1. Named by hand');
  assert.match(await page.textContent('#fb-status'), /^Merged: topic 1 \(Named by hand\) now holds topic \d+’s texts too\.$/);
  assert.match(await page.textContent('#fb-summary-line'), /1 merged by hand/);
  assert.equal(await trendLines('fb-trends'), k - 1 + (other ? 1 : 0));
  const csv = await download('#fb-export');
  assert.equal(csv.filter((r) => r[3] === '1').length, merged[0]);
  assert.ok(csv.slice(1).filter((r) => r[3] === '1').every((r) => r[4] === 'Named by hand'));
  assert.equal(new Set(csv.slice(1).map((r) => r[3]).filter((c) => c !== 'other')).size, k - 1);
  // Undo brings the topic back; merging again gives the same result.
  await page.click('#fb-undo');
  await page.waitForFunction((n) => document.querySelectorAll('#fb-cards .cluster-card').length === n, k);
  assert.deepEqual(await cardSizes(), sizes);
  await page.selectOption(`#fb-topic-${k - 1}-merge`, '0');
  await page.click(`#fb-topic-${k - 1}-merge-go`);
  await page.waitForFunction((n) => document.querySelectorAll('#fb-cards .cluster-card').length === n, k - 1);
  assert.deepEqual(await cardSizes(), merged);
  await shot('5b-explorer-topics');

  // Save the topics: the model as JSON, with the new name and the merged topic.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#fb-save')]);
  assert.equal(dl.suggestedFilename(), 'nunchi-topics.json');
  const savedText = await readFile(await dl.path(), 'utf8');
  const saved = JSON.parse(savedText);
  assert.equal(saved.topics.length, k - 1);
  assert.equal(saved.topics[0].label, 'Named by hand');
  assert.deepEqual(saved.topics.map((t) => t.size), merged);
  assert.equal(saved.topics[0].centroids.length, 2, 'a merged topic keeps both centroids');

  // Load them back: a broken file is refused with the package's message; the saved one gives the same cards, no map.
  await page.setInputFiles('#fb-topics-file', { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"format": 1}') });
  await page.waitForFunction(() => document.getElementById('fb-status').dataset.state === 'error');
  assert.match(await page.textContent('#fb-status'), /^Error: not a saved nunchi topic model/);
  await page.setInputFiles('#fb-topics-file', { name: 'nunchi-topics.json', mimeType: 'application/json', buffer: Buffer.from(savedText) });
  await page.waitForFunction(() => /^Loaded \d+ saved topics from nunchi-topics\.json\.$/.test(document.getElementById('fb-status').textContent));
  assert.equal(await page.isVisible('#fb-map'), false);
  assert.deepEqual(await cardSizes(), merged);
  assert.equal((await cardNames())[0], '1. Named by hand');
  assert.match(await page.textContent('#fb-summary-line'), new RegExp(`nunchi-topics\\.json: ${k - 1} topics, made from ${merged.reduce((a, b) => a + b, 0)} texts with all-MiniLM-L6-v2`));

  // Place 40 new dated messages (rows 120-159 of the fixture, as a user's upload) in the loaded topics.
  const fresh = rows.slice(120, 160);
  const upload = ['text,date', ...fresh.map(([text, , date]) => `${quote(text)},${date}`)].join('\n') + '\n';
  userTexts.push(...fresh.map(([text]) => text)); // the privacy test checks these never leave the page either
  await page.setInputFiles('#fb-file', { name: 'new-messages.csv', mimeType: 'text/csv', buffer: Buffer.from(upload) });
  await page.waitForFunction(() => /new-messages\.csv: 40 rows/.test(document.getElementById('fb-summary').textContent));
  await runAndWait('fb', '#fb-assign');
  assert.match(await page.textContent('#fb-status'), /^Done: 40 texts placed\./);
  const counts = await page.locator('#fb-placed-counts tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.topic, Number(tr.querySelector('td').dataset.value)]));
  assert.equal(counts.length, k - 1 + 2, 'a row per topic, then new and other');
  assert.equal(counts.reduce((a, [, n]) => a + n, 0), 40);
  assert.equal(await rowsIn('#fb-placed-table'), 40);
  assert.ok(await trendLines('fb-placed-trends') >= 1);
  // The same placements as the package in Node with the saved file.
  const placed = await assignTopics(encoder, savedText, fresh.map(([text]) => text), { sentiment: true });
  encoder.dispose();
  const expected = new Map([...saved.topics.map((_, i) => [String(i), 0]), ['new', 0], ['other', 0]]);
  for (const p of placed.placements) {
    const key = p.topic !== null ? String(p.topic) : p.isNew ? 'new' : 'other';
    expected.set(key, expected.get(key) + 1);
  }
  assert.deepEqual(counts, [...expected]);
  const placedCsv = await download('#fb-placed-export');
  assert.deepEqual(placedCsv[0], ['text', 'date', 'topic', 'name', 'new', 'positive']);
  assert.equal(placedCsv.length, 41);
  placedCsv.slice(1).forEach((r, i) => {
    const p = placed.placements[i];
    assert.equal(r[0], fresh[i][0]);
    assert.equal(r[2], p.topic !== null ? String(p.topic + 1) : p.isNew ? 'new' : 'other');
    assert.equal(r[4], String(p.isNew));
    if (p.topic === 0) assert.equal(r[3], 'Named by hand');
  });
  await shot('5c-explorer-placed');
  // The bundled sample again, as the language test expects (a bundled sample follows the language; a user's file stays).
  await page.click('#fb-sample');
  await page.waitForFunction(() => /customer-messages\.csv: 900 rows/.test(document.getElementById('fb-summary').textContent));
});

/** The elements sticking out past the page's right edge (the innermost ones), to say what overflows. */
const sticksOut = () => page.evaluate(() => {
  const w = document.documentElement.clientWidth;
  const out = [...document.body.querySelectorAll('*')].filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > w + 1);
  return out.filter((e) => !out.some((o) => o !== e && e.contains(o)))
    .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className && typeof e.className === 'string' ? `.${e.className.split(' ').join('.')}` : ''}`)
    .slice(0, 5).join(', ');
});

test('phone width: the page still fits', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(await overflow() <= 1, `explorer: horizontal overflow ${await overflow()}px (${await sticksOut()})`);
  // The explorer's charts (the texts placed in saved topics, above) are drawn again for the narrower page.
  assert.ok(await page.locator('#fb-results figure svg').count() > 0);
  await page.waitForFunction(() => [...document.querySelectorAll('#fb-results figure svg')].every((s) => Number(s.getAttribute('width')) <= 390));
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

  // Korean texts on the English page: detectLanguage says so, and offers the multilingual encoder.
  await page.fill('#cls-text', '배송이 너무 늦었어요\n앱이 자꾸 꺼져요\n상담원이 친절했어요');
  await page.waitForSelector('#cls-language:not([hidden]) button');
  assert.match(await page.textContent('#cls-language'), /look Korean.*Switch to 한국어/);
  await page.fill('#cls-text', 'La livraison était très en retard et le colis abîmé.\nLe service client ne répond jamais à mes messages.');
  await page.waitForFunction(() => /do not look English \(latin\)/.test(document.getElementById('cls-language').textContent));
  await page.fill('#cls-text', 'The delivery was late and the box was damaged.');
  await page.waitForSelector('#cls-language[hidden]', { state: 'attached' });
  await page.fill('#cls-text', '');
});

test('pasted reviews labelled by hand: train on the labelled rows, predict the rest', async () => {
  // After the language test this is a fresh English page with nothing pasted.
  await page.check('input[name="cls-method"][value="train"]');
  const pasted = [0, 1, 2, 3, 4, 5].flatMap((i) => [pos[i], neg[i]]);
  await page.fill('#cls-text', pasted.join('\n'));
  await page.fill('#cls-limit', '');
  await page.click('#hand-open');
  assert.equal(await page.locator('#hand-table tbody tr').count(), 12);
  for (let i = 0; i < 8; i++) {
    await page.fill(`#hand-table tbody tr:nth-child(${i + 1}) input`, i % 2 === 0 ? 'positive' : 'negative');
  }
  assert.match(await page.textContent('#hand-count'), /^8 rows labelled by hand/);
  await runAndWait('cls');
  assert.match(await page.textContent('#cls-results'), /Trained on 8 texts/);
  assert.deepEqual(await page.locator('#cls-table tbody td.text').allTextContents(), pasted.slice(8));
  const predicted = await page.locator('#cls-table tbody td.label').allTextContents();
  assert.ok(predicted.every((l) => l === 'positive' || l === 'negative'), predicted.join());
  await shot('9-hand-labels');

  // The same rows with the encoder fine-tuned first: 8 texts × 20 iterations × 2 = 320 pairs, 20 steps.
  await page.check('#cls-finetune');
  await runAndWait('cls');
  assert.match(await page.textContent('#cls-results'), /Trained on 8 texts\..*fine-tuned in 20 steps/);
  assert.equal(await page.locator('#cls-loss svg').count(), 1, 'the loss curve is drawn');
  assert.match(await page.getAttribute('#cls-tuned-model', 'download'), /-setfit-q8_0\.gguf$/);
  const tunedLabels = await page.locator('#cls-table tbody td.label').allTextContents();
  assert.equal(tunedLabels.length, 4);
  assert.ok(tunedLabels.every((l) => l === 'positive' || l === 'negative'), tunedLabels.join());
  await shot('9b-fine-tuned');
  await page.uncheck('#cls-finetune');
});

test('WebGPU (--enable-unsafe-webgpu): auto times it and says what it chose; ?device=webgpu runs on it, answers matching the CPU run', async () => {
  // SwiftShader emulates the GPU on the CPU: slow, so only the first 8 rows.
  const gpuBrowser = await launchChromium({ webgpu: true });
  try {
    const gpuPage = await (await gpuBrowser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
    gpuPage.on('pageerror', (e) => console.error('page error (WebGPU):', e));
    recordTraffic(gpuPage.context(), gpuPage);
    const badges = '#model-encoder [data-field="badges"]';

    // 'auto': the adapter passes the self-test, then one timed embedding per device decides.
    await gpuPage.goto(`${server.base}/?lang=en`);
    await gpuPage.waitForSelector('body[data-ready="true"]');
    await gpuPage.click('#model-encoder [data-action="load"]');
    await gpuPage.waitForFunction((s) => document.querySelector(s).textContent.length > 0, badges, { timeout: LONG });
    const auto = await gpuPage.locator(`${badges} .badge`).evaluateAll((els) => els.map((e) => [e.textContent, e.title]));
    console.log('demo, auto on SwiftShader:', JSON.stringify(auto));
    if (auto[0][0] !== 'webgpu') {
      assert.equal(auto[0][0], 'wasm-simd');
      const [, reason] = auto.find(([text]) => text === 'CPU fallback');
      assert.match(reason, /WebGPU .* was slower than the wasm CPU path on a timed embedding/);
    }

    await gpuPage.goto(`${server.base}/?lang=en&device=webgpu`);
    await gpuPage.waitForSelector('body[data-ready="true"]');
    await gpuPage.click('#cls-sample');
    await gpuPage.waitForFunction(() => /300 rows/.test(document.getElementById('cls-summary').textContent));
    await gpuPage.fill('#cls-limit', '8');
    await gpuPage.click('#cls-run');
    await gpuPage.waitForFunction(() => ['done', 'error', 'cancelled'].includes(document.getElementById('cls-status').dataset.state),
      null, { timeout: LONG });
    assert.equal(await gpuPage.getAttribute('#cls-status', 'data-state'), 'done', await gpuPage.textContent('#cls-status'));
    const shown = await gpuPage.textContent(badges);
    assert.match(shown, /webgpu/);
    assert.doesNotMatch(shown, /CPU fallback/);
    // The CPU path quantizes activations to int8, WebGPU keeps them f32: confidences differ a little,
    // so a label may flip only where the CPU run was near a tie.
    const gpu = await tableLabelsAndScores(gpuPage);
    console.log('zero-shot [label, confidence %], CPU vs WebGPU:', JSON.stringify(cpuZeroShot.slice(0, 8)), JSON.stringify(gpu));
    assert.equal(gpu.length, 8);
    for (const [i, [label, score]] of gpu.entries()) {
      const [cpuLabel, cpuScore] = cpuZeroShot[i];
      const pPositive = (l, s) => (l === 'positive' ? s : 100 - s);
      assert.ok(Math.abs(pPositive(label, score) - pPositive(cpuLabel, cpuScore)) <= 5, `row ${i}: ${label} ${score}% vs CPU ${cpuLabel} ${cpuScore}%`);
      if (cpuScore >= 55) assert.equal(label, cpuLabel, `row ${i}`);
    }
    await gpuPage.screenshot({ path: path.join(shots, 'demo-webgpu.png') });
  } finally {
    await gpuBrowser.close();
  }
});

test('reload: the model comes from the browser cache; offline: with the server gone the page still classifies', async () => {
  await page.waitForSelector('body[data-offline="ready"]', { timeout: 30_000 }); // the service worker holds the site
  assert.equal(await page.isVisible('#offline-status'), true);
  const model = '/models/all-MiniLM-L6-v2-q8_0.gguf';
  const downloads = server.hits(model); // once by this browser, once by the WebGPU one
  assert.ok(downloads >= 1);
  // After a reload, loading the encoder again reads Cache Storage.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  const statuses = [];
  await page.exposeFunction('noteStatus', (s) => statuses.push(s));
  await page.evaluate(() => new MutationObserver(() => window.noteStatus(document.querySelector('#model-encoder [data-field="status"]').textContent))
    .observe(document.querySelector('#model-encoder [data-field="status"]'), { childList: true, characterData: true, subtree: true }));
  await page.click('#model-encoder [data-action="load"]');
  await page.waitForFunction(() => /wasm-simd/.test(document.querySelector('#model-encoder [data-field="badges"]').textContent));
  assert.equal(server.hits(model), downloads, 'no second download');
  assert.ok(statuses.includes('found in this browser’s cache'), `load states: ${statuses.join(' | ')}`);

  // Offline: the server is gone; the page, its code, the wasm and the sample come from the service
  // worker, the model from Cache Storage.
  await server.close();
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.click('#cls-sample');
  await page.waitForFunction(() => /300 rows/.test(document.getElementById('cls-summary').textContent));
  await page.fill('#cls-limit', '10');
  await runAndWait('cls');
  assert.equal(await rowsIn('#cls-table'), 10);
  assert.match(await page.textContent('#cls-accuracy'), /%$/);
  await shot('8-offline');
});

test('privacy: every request stays on the origin and none carries user text', () => {
  assert.ok(requests.length > 0);
  // The log covers the service worker too: its precache fetches (e.g. of the wasm) are in it.
  assert.ok(requests.some((r) => r.serviceWorker && r.url.endsWith('.wasm')), 'the service worker\'s requests are recorded');
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
  // The fine-tuned model's repository files (config, tokenizer, weights, the optional files) are model files too.
  const known = /^\/(|index\.html|favicon\.ico|sw\.js|workbox-\w+\.js|assets\/[\w.-]+|models\/[\w.-]+\.gguf|hf\/[\w.-]+\/resolve\/main\/[\w./-]+|samples\/(movie-reviews|customer-messages|nsmc-reviews)\.csv)$/;
  for (const p of requests.filter((r) => !r.url.startsWith('blob:')).map((r) => new URL(r.url).pathname)) {
    assert.match(p, known, 'only the page, its assets, the samples and the models are requested');
  }
});
