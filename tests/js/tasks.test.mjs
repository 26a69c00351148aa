// The package's tasks (pkg/tasks.js), used as a user would, in Node, on real
// labelled data from ../shared/data: quality floors on small seeded subsets,
// save/load, prompting, clustering, and bad inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import {
  Encoder, Text2Text, zeroShot, classify, trainClassifier, Classifier, evaluate, cluster, embedAll, readTable, splitRows,
  assignTopics, loadTopics, mergeTopics, topicNames, topicTrends, topicsAfterMerge,
} from '../../pkg/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
const data = process.env.NUNCHI_DATA ?? path.join(root, '../shared/data');

// Movie reviews, sliced as scripts/reference/make_task_quality_goldens.py slices them
// (a line is test when its index is divisible by 10): its figures are the reference.
const quality = JSON.parse(readFileSync(path.join(root, 'tests/goldens/task_quality.json'), 'utf8'));
const slice = (isTest) => {
  const texts = [];
  const labels = [];
  for (const [label, file] of [['negative', 'rt-polarity.neg'], ['positive', 'rt-polarity.pos']]) {
    const all = readFileSync(path.join(data, 'mr_polarity', file), 'utf8').split('\n').filter((l) => l.trim());
    const picked = all.filter((_, i) => (i % 10 === 0) === isTest).slice(0, quality.per_label);
    texts.push(...picked);
    labels.push(...picked.map(() => label));
  }
  return { texts, labels };
};

let encoder;
const enc = async () => (encoder ??= await Encoder.load(path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf')));

test('zero-shot by label embeddings on movie reviews: within 2 points of the reference', async () => {
  const test = slice(true);
  const events = [];
  const results = await zeroShot(await enc(), test.texts, {
    labels: ['negative', 'positive'],
    descriptions: ['A very negative movie review', 'A very positive movie review'],
    onProgress: (e) => events.push(e),
  });
  assert.equal(results.length, test.texts.length);
  for (const r of results) {
    const total = Object.values(r.scores).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 1e-4 && r.score === r.scores[r.label]);
  }
  assert.deepEqual(events.at(-1), { status: 'embed', done: 200, total: 200 });
  const report = await evaluate(test.labels, results.map((r) => r.label), ['negative', 'positive']);
  const floor = quality.zero_shot.weighted_f1 - 0.02;
  assert.ok(report.weightedAvg.f1 >= floor, `zero-shot weighted F1 ${report.weightedAvg.f1} < ${floor}`);
  assert.match(report.text, /weighted avg/);
});

test('a few-shot head trained on 100 reviews per label: cross-validated, saved, restored, same answers', async () => {
  const train = slice(false);
  const test = slice(true);
  const clf = await trainClassifier(await enc(), train.texts, train.labels, { folds: 4 });
  assert.equal(clf.crossValidation.foldAccuracy.length, 4);
  assert.ok(clf.crossValidation.meanAccuracy >= 0.65, `cv ${clf.crossValidation.meanAccuracy}`);
  const report = await clf.evaluate(test.texts, test.labels);
  const floor = quality.logistic.weighted_f1 - 0.02;
  assert.ok(report.weightedAvg.f1 >= floor, `head weighted F1 ${report.weightedAvg.f1} < ${floor}`);
  const saved = JSON.stringify(clf);
  const restored = await Classifier.fromJSON(saved, await enc());
  const a = await clf.predict(test.texts.slice(0, 10));
  const b = await restored.predict(test.texts.slice(0, 10));
  assert.deepEqual(b, a);
  assert.deepEqual(restored.labels, ['negative', 'positive']);
  const centroid = await trainClassifier(await enc(), train.texts, train.labels, { head: 'nearest-centroid', folds: 0 });
  assert.equal(centroid.crossValidation, undefined);
  assert.ok((await centroid.evaluate(test.texts, test.labels)).accuracy >= 0.6);
});

test('prompt classification ranks labels by the model\'s mean log-probability', async () => {
  const t5 = await Text2Text.load(path.join(models, 'flan-t5-small-generated-tiny'), { quant: 'f32' });
  const texts = ['a gorgeous, witty film', 'dull and far too long'];
  const results = await classify(t5, texts, { labels: ['positive', 'negative'] });
  for (const [i, r] of results.entries()) {
    const s = await t5.score(`Is the following review positive or negative?\n${texts[i]}`, ['positive', 'negative']);
    const mean = s.map((c) => c.logprob / c.tokens);
    const z = Math.exp(mean[0]) + Math.exp(mean[1]);
    assert.ok(Math.abs(r.scores.positive - Math.exp(mean[0]) / z) < 1e-4);
    assert.equal(r.label, mean[0] >= mean[1] ? 'positive' : 'negative');
  }
  await assert.rejects(classify(t5, texts, { labels: ['a', 'b'], template: 'no placeholder' }), { code: 'E_INPUT' });
  t5.dispose();
});

test('clustering recovers three planted banking topics, with keywords and a map', async () => {
  const rows = readFileSync(path.join(data, 'banking77/test.csv'), 'utf8').split(/\r?\n/).slice(1);
  const pick = (category) => rows.filter((r) => r.endsWith(`,${category}`)).slice(0, 25).map((r) => r.slice(0, r.lastIndexOf(',')).replace(/^"|"$/g, ''));
  const topics = ['card_arrival', 'exchange_rate', 'lost_or_stolen_phone'];
  const texts = topics.flatMap(pick);
  const truth = topics.flatMap((t) => Array(25).fill(t));
  const report = await cluster(await enc(), texts, { k: 3 });
  assert.equal(report.clusters.length, 3);
  assert.equal(report.points.length, texts.length);
  // Purity: most of each found cluster is one planted topic.
  let agree = 0;
  for (const c of report.clusters) {
    const counts = {};
    c.members.forEach((i) => { counts[truth[i]] = (counts[truth[i]] ?? 0) + 1; });
    agree += Math.max(...Object.values(counts));
    assert.ok(c.keywords.length > 0 && c.representatives.length === 3);
    assert.ok(c.sentiment >= 0 && c.sentiment <= 1);
  }
  assert.ok(agree / texts.length >= 0.9, `purity ${agree / texts.length}`);
  assert.ok(report.timings.some((t) => t.stage === 'k-means'));
  const chosen = await cluster(await enc(), texts, { kRange: [2, 6], sentiment: false });
  assert.equal(chosen.k, 3, `silhouette chose ${chosen.k}: ${JSON.stringify(chosen.kScores)}`);
});

test('saved topics place the same texts where clustering did, new texts by intent, and trends per week', async () => {
  // The feedback fixture's k8 slice, as scripts/reference/make_cluster_goldens.py defines it.
  const golden = JSON.parse(readFileSync(path.join(root, 'tests/goldens/clusters.json'), 'utf8')).k8;
  const table = await readTable(readFileSync(path.join(root, 'tests/fixtures/feedback-intents/messages.csv'), 'utf8'), 'messages.csv');
  const [t, i, d] = ['text', 'intent', 'date'].map((c) => table.columns.indexOf(c));
  const seen = {};
  const made = { texts: [], intents: [], dates: [] };
  const later = { texts: [], intents: [] };
  for (const row of table.rows.filter((r) => golden.intents.includes(r[i]))) {
    seen[row[i]] = (seen[row[i]] ?? 0) + 1;
    const side = seen[row[i]] <= 25 ? made : later;
    side.texts.push(row[t]);
    side.intents.push(row[i]);
    side.dates?.push(row[d]);
  }
  const e = await enc();
  const report = await cluster(e, made.texts, { k: 8, dates: made.dates });
  const model = await loadTopics(JSON.stringify(report.model));
  assert.equal(model.topics.length, report.clusters.length);
  assert.equal(model.model, e.info.model);
  assert.deepEqual(model.topics.map((topic) => topic.sentiment), report.clusters.map((c) => c.sentiment));

  const again = await assignTopics(e, model, made.texts, { sentiment: false });
  assert.deepEqual(again.placements.map((p) => p.topic), report.assignments);

  // New texts: most land in the topic whose members are mostly of their intent.
  const majority = report.clusters.map((c) => {
    const counts = {};
    c.members.forEach((m) => { counts[made.intents[m]] = (counts[made.intents[m]] ?? 0) + 1; });
    return Object.entries(counts).sort((a, b) => b[1] - a[1])[0][0];
  });
  const placed = (await assignTopics(e, model, later.texts, { radiusScale: 1e9 })).placements;
  const right = placed.filter((p, k) => p.topic !== null && majority[p.topic] === later.intents[k]).length;
  assert.ok(right / placed.length >= golden.assign_accuracy - 0.1, `${right} of ${placed.length}`);
  assert.ok(placed.every((p) => p.positive >= 0 && p.positive <= 1 && typeof p.name === 'string'));

  // Trends: per-week counts that sum to each topic's size; the same from topicTrends.
  const { trends } = report;
  assert.equal(trends.period, 'week');
  assert.equal(trends.periods[0], '2026-08-31');
  trends.sizes.forEach((row, k) => assert.equal(row.reduce((a, b) => a + b, 0), report.clusters[k].size));
  const recount = await topicTrends(model, report.assignments, made.dates, { period: 'month' });
  assert.deepEqual(recount.periods, ['2026-09', '2026-10', '2026-11']);
  assert.equal(recount.sentiment, null);

  // Renaming is setting a label; merging keeps both topics' texts.
  model.topics[1].label = 'Renamed';
  assert.equal((await topicNames(model))[1], 'Renamed');
  const merged = await mergeTopics(model, 0, 1);
  assert.equal(merged.topics.length, model.topics.length - 1);
  assert.equal(merged.topics[0].size, model.topics[0].size + model.topics[1].size);
  const remerged = (await assignTopics(e, merged, made.texts, { sentiment: false })).placements;
  const expected = await topicsAfterMerge(report.assignments, 0, 1);
  remerged.forEach((p, k) => {
    const before = report.assignments[k];
    assert.equal(p.topic, before === null ? null : before <= 1 ? 0 : before - 1);
    assert.equal(p.topic, expected[k]);
  });
  // Into a later topic: the texts of both land at its index after the move down.
  assert.deepEqual(await topicsAfterMerge([0, 1, 2, 3, null], 3, 1), [0, 2, 1, 2, null]);

  await assert.rejects(loadTopics('{"format":1}'), { code: 'E_INPUT' });
  await assert.rejects(mergeTopics(model, 0, 0), { code: 'E_INPUT' });
  await assert.rejects(topicTrends(model, report.assignments, made.dates, { period: 'fortnight' }), /unknown period/);
  await assert.rejects(cluster(e, made.texts, { k: 8, dates: made.dates.slice(1) }), { code: 'E_INPUT' });
  await assert.rejects(assignTopics(e, model, ['x'], { dates: ['yesterday'] }), /not YYYY-MM-DD/);
});

test('task inputs are checked: clear errors, and the module stays usable', async () => {
  const e = await enc();
  await assert.rejects(zeroShot(e, [], { labels: ['a', 'b'] }), { code: 'E_INPUT' });
  await assert.rejects(zeroShot(e, ['x'], { labels: ['only one'] }), { code: 'E_INPUT' });
  await assert.rejects(zeroShot(e, ['x'], { labels: ['same', 'same'] }), { code: 'E_INPUT' });
  await assert.rejects(zeroShot(e, ['x'], { labels: ['a', 'b'], colour: 'red' }), { code: 'E_INPUT' });
  // Descriptions keyed by label: matched by name (in Rust), whatever order they are written in.
  const reviews = ['An utterly dull film.', 'A warm, funny delight.'];
  const keyed = await zeroShot(e, reviews, { labels: ['negative', 'positive'], descriptions: { positive: 'A very positive review', negative: 'A very negative review' } });
  const ordered = await zeroShot(e, reviews, { labels: ['negative', 'positive'], descriptions: ['A very negative review', 'A very positive review'] });
  assert.deepEqual(keyed, ordered);
  assert.deepEqual(Object.keys((await zeroShot(e, reviews, { descriptions: { bad: 'A very negative review', good: 'A very positive review' } }))[0].scores), ['bad', 'good']);
  await assert.rejects(zeroShot(e, reviews, { labels: ['negative', 'positive'], descriptions: { positive: 'x', neutral: 'y' } }), /do not exist: neutral/);
  await assert.rejects(zeroShot(e, reviews, { descriptions: { positive: 3 } }), { code: 'E_INPUT' });
  await assert.rejects(trainClassifier(e, ['a', 'b'], ['x']), { code: 'E_INPUT' });
  await assert.rejects(trainClassifier(e, ['a', 'b', 'c'], ['x', 'x', 'x']), { code: 'E_INPUT' });
  await assert.rejects(cluster(e, ['one', 'two'], { k: 5 }), { code: 'E_INPUT' });
  await assert.rejects(Classifier.fromJSON('{"not":"a classifier"}', e), { code: 'E_INPUT' });
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(zeroShot(e, ['x'], { labels: ['a', 'b'], signal: controller.signal }), { code: 'E_ABORTED' });
  const ok = await zeroShot(e, ['still works'], { labels: ['a', 'b'] });
  assert.equal(ok.length, 1);
});

test('a user\'s CSV through readTable and splitRows: the rows and split `nunchi eval` reads (the rule lives in Rust)', async () => {
  const csv = '\uFEFFText,label,\r\n"great, really",pos\r\n\r\n"say ""hi""",neg\n , \nlast,\n';
  const table = await readTable(csv, 'mine.CSV');
  assert.deepEqual(table.columns, ['Text', 'label', 'column 3']);
  assert.deepEqual(table.rows, [['great, really', 'pos', ''], ['say "hi"', 'neg', ''], ['last', '', '']]);
  assert.deepEqual((await readTable(' one \n\ntwo\n', 'notes.txt')).rows, [['one'], ['two']]);

  // 21 labelled data rows, row 3's text empty (left out, its index kept): rows 0, 10 and 20 are test.
  const rows = [...Array(21).keys()].filter((i) => i !== 3);
  const sides = await splitRows(rows.map(() => 'a'), { rows });
  assert.deepEqual(sides.test.map((p) => rows[p]), [0, 10, 20]);
  assert.equal(sides.train.length, 17);
  assert.equal(sides.heldOut, true);
  // Some unlabelled: those are predicted; a split column decides where given.
  assert.deepEqual(await splitRows(['a', '', 'b']), { train: [0, 2], test: [1], heldOut: false });
  assert.deepEqual(await splitRows(['a', 'b', 'a'], { split: ['train', 'TEST', ''] }), { train: [0, 2], test: [1], heldOut: false });
  await assert.rejects(splitRows(['a'], { split: ['dev'] }), (e) => e.code === 'E_INPUT' && /split "dev"/.test(e.message));
  await assert.rejects(splitRows(['a'], { folds: 3 }), (e) => e.code === 'E_INPUT');
  await assert.rejects(splitRows(5), (e) => e.code === 'E_INPUT' && /labels must be an array/.test(e.message));
});

test('embedAll follows the tasks\' plan: every row equals a normalized embed of that text alone', async () => {
  const encoder = await enc();
  const texts = ['a much longer sentence about a film that went on and on', 'short', 'mid-length words here'];
  const done = [];
  const { data, dim } = await embedAll(encoder, texts, { batchSize: 2, onProgress: (p) => done.push(p.done) });
  assert.deepEqual(done, [2, 3]);
  for (const [i, t] of texts.entries()) {
    const alone = await encoder.embed([t], { pooling: 'mean', normalize: true });
    assert.deepEqual(data.subarray(i * dim, (i + 1) * dim), alone.data, `row ${i} is its text's own embedding`);
  }
});
