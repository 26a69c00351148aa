// The public API as a user writes it, type-checked against pkg/index.d.ts and
// pkg/client.d.ts (never run). Each `@ts-expect-error` proves the types reject
// a mistake the JS rejects at run time with E_INPUT: if the types stopped
// rejecting it, tsc would fail on the unused directive.
import {
  Encoder, Text2Text, TextClassifier, wasmMemoryBytes, embedAll, zeroShot, classify, textClassification, evaluate,
  trainClassifier, Classifier, cluster, DEFAULT_TEMPLATE, readTable, splitRows,
  assignTopics, loadTopics, mergeTopics, topicNames, topicTrends, detectLanguage,
} from 'nunchi';
import type {
  LoadOptions, EmbedOptions, GenerateOptions, ModelInfo, Embeddings, NunchiError, ErrorCode, ProgressEvent,
  TaskProgress, ClassificationReport, ClusterReport, Classification, CandidateScore, EmbeddingModel, TextToTextModel,
  TextClassifierScores, SequenceClassificationModel, TextClassificationOptions, TopicModel, TopicTrends,
} from 'nunchi';
import { createWorkerClient, createWorkerPool, startWorker } from 'nunchi/client';
import type {
  WorkerClient, WorkerEncoder, WorkerText2Text, WorkerTextClassifier, WorkerPool, PooledEncoder, PooledTextClassifier,
  PooledModelInfo, WorkerClientOptions, PoolOptions, PooledClassifyOptions,
} from 'nunchi/client';

const MINILM = 'https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2';
const T5 = '/models/flan-t5-small-q8_0.gguf';
const SST2 = 'https://huggingface.co/distilbert/distilbert-base-uncased-finetuned-sst-2-english';

export async function mainThread(file: File, bytes: Uint8Array, buffer: ArrayBuffer): Promise<void> {
  const controller = new AbortController();
  const encoder: Encoder = await Encoder.load(MINILM, {
    device: 'auto',
    quant: 'q4k',
    cache: false,
    signal: controller.signal,
    onProgress: (e: ProgressEvent) => {
      if (e.status === 'download') console.log(e.url, e.loaded / e.total);
      if (e.status === 'ready') console.log(e.ms);
    },
  });
  await Encoder.load(file, { device: 'cpu' });
  await Encoder.load(bytes);
  await Encoder.load(buffer, { quant: 'f32' });
  await Encoder.load(new URL(MINILM), { device: 'webgpu', quant: 'q8_0' });
  // @ts-expect-error a misspelt option name
  await Encoder.load(MINILM, { devcie: 'cpu' });
  // @ts-expect-error an unknown device
  await Encoder.load(MINILM, { device: 'tpu' });
  // @ts-expect-error an unknown quant
  await Encoder.load(MINILM, { quant: 'q5_k' });
  // @ts-expect-error a source must be a string, URL, Blob or bytes
  await Encoder.load(42);
  // @ts-expect-error models are made by load, not new
  new Encoder();
  // @ts-expect-error models are made by load, not new
  new Text2Text();
  // @ts-expect-error models are made by load, not new
  new TextClassifier();

  const one: Embeddings = await encoder.embed('one text');
  const many = await encoder.embed(['a', 'b'], { pooling: 'cls', normalize: false });
  const rows: Float32Array = many.data;
  const [n, d] = many.dims;
  const cut: number[] = one.truncated;
  await encoder.embed(['a'], { pooling: 'none' });
  // @ts-expect-error an unknown pooling
  await encoder.embed(['a'], { pooling: 'max' });
  // @ts-expect-error British spelling is not an option
  await encoder.embed(['a'], { normalise: true });
  // @ts-expect-error the main-thread encoder takes no signal
  await encoder.embed(['a'], { signal: controller.signal });

  const info: ModelInfo = encoder.info;
  const device: 'wasm-simd' | 'webgpu' = info.device;
  const why: string | undefined = info.fallbackReason;
  const ms: number | undefined = info.deviceTiming?.webgpuMs;
  const query: string = info.prefixes.query;
  const threads: number = info.threads;
  const dim: number | undefined = info.dim;
  console.log(rows, n, d, cut, device, why, ms, query, threads, dim, wasmMemoryBytes());

  const t5 = await Text2Text.load(T5, { device: 'cpu', onProgress: (e) => console.log(e.status) });
  const text: string = await t5.generate('Translate to German: hello', {
    maxNewTokens: 16, temperature: 0.7, topK: 40, topP: 0.9, seed: 1, signal: controller.signal,
    onToken: (piece: string) => console.log(piece),
  });
  const scores: CandidateScore[] = await t5.score('Is this positive?', ['yes', 'no']);
  console.log(text, scores[0].logprob / scores[0].tokens);
  // @ts-expect-error a misspelt option name
  await t5.generate('x', { maxTokens: 8 });
  // @ts-expect-error temperature is a number
  await t5.generate('x', { temperature: 'hot' });
  // @ts-expect-error generate takes no pooling
  await t5.generate('x', { pooling: 'mean' });

  const sst2: TextClassifier = await TextClassifier.load(SST2, { device: 'auto', quant: 'f32', onProgress: (e) => console.log(e.status) });
  await TextClassifier.load(bytes, { device: 'cpu' });
  // @ts-expect-error an unknown quant
  await TextClassifier.load(SST2, { quant: 'int8' });
  // @ts-expect-error a misspelt option name
  await TextClassifier.load(SST2, { devcie: 'cpu' });
  const labels: string[] = sst2.labels;
  const out: TextClassifierScores = await sst2.classify(['a triumph', 'a mess']);
  await sst2.classify('one text');
  const probs: Float32Array = out.scores;
  const raw: Float32Array = out.logits;
  const [texts, width] = out.dims;
  const problem: 'single_label_classification' | 'multi_label_classification' | undefined = sst2.info.problemType;
  console.log(labels, probs, raw, texts, width, problem, sst2.info.labels);
  // @ts-expect-error classify takes texts, not numbers
  await sst2.classify([1, 2]);
  // @ts-expect-error a classifier does not embed
  sst2.embed(['a']);
  sst2.dispose();

  try {
    await encoder.embed([]);
  } catch (e) {
    const code: ErrorCode = (e as NunchiError).code;
    if (code === 'E_INPUT' || code === 'E_ABORTED' || code === 'E_DEVICE') console.log(code);
  }
  encoder.dispose();
  t5.dispose();
}

export async function tasks(encoder: Encoder, t5: Text2Text, texts: string[], labels: string[]): Promise<void> {
  const progress = (e: TaskProgress) => {
    if (e.status === 'embed' || e.status === 'classify' || e.status === 'title') console.log(e.done / e.total);
  };
  const { data, dim } = await embedAll(encoder, texts, { batchSize: 16, prefix: '', onProgress: progress });
  console.log(data.length / dim);
  // @ts-expect-error a misspelt option name
  await embedAll(encoder, texts, { batch: 16 });

  const table = await readTable('text,label\nfine,pos\n', 'mine.csv');
  const textColumn = table.columns.indexOf('text');
  const split = await splitRows(table.rows.map((r) => r[1]), { rows: table.rows.map((_, i) => i) });
  console.log(split.heldOut, split.train.map((i) => table.rows[i][textColumn]), split.test.length);
  // @ts-expect-error labels are strings ('' for none)
  await splitRows([1, 2]);
  // @ts-expect-error a misspelt option name
  await splitRows(['a'], { splits: ['test'] });

  const zs: Classification[] = await zeroShot(encoder, texts, {
    labels: ['billing', 'shipping'], descriptions: ['About a bill', 'About delivery'], temperature: 0.05, prefix: 'query: ',
  });
  console.log(zs[0].label, zs[0].score, zs[0].scores.billing);
  // @ts-expect-error labels are required
  await zeroShot(encoder, texts, {});
  // Descriptions keyed by label, in any order; the labels are their keys unless given.
  await zeroShot(encoder, texts, { labels: ['negative', 'positive'], descriptions: { positive: 'A good review', negative: 'A bad review' } });
  await zeroShot(encoder, texts, { descriptions: { negative: 'A bad review', positive: 'A good review' } });
  // @ts-expect-error a description is a string
  await zeroShot(encoder, texts, { descriptions: { negative: 1 } });
  // @ts-expect-error zeroShot takes no template
  await zeroShot(encoder, texts, { labels, template: '{text}' });

  await classify(t5, texts, { labels: ['positive', 'negative'], template: DEFAULT_TEMPLATE, onProgress: progress });

  const sst2 = await TextClassifier.load(SST2);
  const options: TextClassificationOptions = { topK: 2, onProgress: progress, signal: AbortSignal.timeout(1000) };
  const fine: Classification[] = await textClassification(sst2, texts, options);
  console.log(fine[0].label, fine[0].score, fine[0].scores.POSITIVE);
  await textClassification(sst2, texts);
  // @ts-expect-error transformers.js spells it top_k; here it is topK
  await textClassification(sst2, texts, { top_k: 2 });
  // @ts-expect-error topK is a number
  await textClassification(sst2, texts, { topK: 'all' });
  // @ts-expect-error an encoder has no classification head
  await textClassification(encoder, texts);
  // @ts-expect-error textClassification takes no labels: they are the model's
  await textClassification(sst2, texts, { labels });
  // @ts-expect-error a fine-tuned classifier is not an embedding model
  await zeroShot(sst2, texts, { labels });
  // @ts-expect-error classify scores with a text-to-text model, not an encoder
  await classify(encoder, texts, { labels });
  // @ts-expect-error classify takes no prefix
  await classify(t5, texts, { labels, prefix: '' });

  const clf: Classifier = await trainClassifier(encoder, texts, labels, { head: 'nearest-centroid', folds: 0, prefix: '' });
  await trainClassifier(encoder, texts, labels);
  // @ts-expect-error an unknown head
  await trainClassifier(encoder, texts, labels, { head: 'svm' });
  // @ts-expect-error a misspelt option name
  await trainClassifier(encoder, texts, labels, { fold: 3 });
  const acc: number | undefined = clf.crossValidation?.meanAccuracy;
  const predicted = await clf.predict(texts, { signal: AbortSignal.timeout(1000) });
  // @ts-expect-error predict takes no prefix (the head's own is used)
  await clf.predict(texts, { prefix: '' });
  const report: ClassificationReport = await clf.evaluate(texts, labels);
  const again = await Classifier.fromJSON(JSON.stringify(clf), encoder);
  // @ts-expect-error classifiers are trained or restored, not made with new
  new Classifier();
  const head: 'logistic' | 'nearest-centroid' = again.head;
  console.log(acc, predicted.length, report.text, report.confusion, head, again.labels);
  clf.dispose();

  const scored: ClassificationReport = await evaluate(labels, predicted.map((p) => p.label), ['a', 'b']);
  console.log(scored.macroAvg.f1);

  const topics: ClusterReport = await cluster(encoder, texts, {
    k: 4, kRange: [2, 8], minClusterSize: 3, seed: 7, t5, sentiment: ['bad', 'good'], prefix: '', onProgress: progress,
  });
  await cluster(encoder, texts, { sentiment: false });
  // @ts-expect-error sentiment is true, false or two descriptions
  await cluster(encoder, texts, { sentiment: 'yes' });
  // @ts-expect-error a misspelt option name
  await cluster(encoder, texts, { minSize: 3 });
  console.log(topics.clusters.map((c) => [c.title, c.sentiment, c.keywords[0]?.term]), topics.assignments, topics.points);

  // Topics saved and reused: rename, merge, place new texts, count per period.
  const dated = await cluster(encoder, texts, { dates: texts.map(() => '2026-11-02'), period: 'month' });
  const saved: string = JSON.stringify(dated.model);
  const model: TopicModel = await loadTopics(saved);
  model.topics[0].label = 'Delivery';
  const merged = await mergeTopics(model, 0, 1);
  const names: string[] = await topicNames(merged);
  const { placements, trends } = await assignTopics(encoder, saved, texts, { radiusScale: 1.2, dates: texts.map(() => '2026-11-09') });
  const byMonth: TopicTrends = await topicTrends(model, placements.map((p) => p.topic), texts.map(() => '2026-11-09'), { period: 'month' });
  console.log(names, placements[0].isNew, placements[0].name, trends?.sizes, byMonth.periods, dated.kClose, dated.trends?.periods);
  // @ts-expect-error a topic model, not a number
  await loadTopics(3);
  const language = await detectLanguage(texts);
  if (!language.english) console.log(language.language, language.share, language.counts[0]?.[0], language.unsure);
  // @ts-expect-error texts are an array
  await detectLanguage('hello');
  // @ts-expect-error radiusScale is a number
  await assignTopics(encoder, model, texts, { radiusScale: 'wide' });
}

export async function workers(worker: Worker, texts: string[]): Promise<void> {
  const client: WorkerClient = createWorkerClient();
  const options: WorkerClientOptions = { threads: 'auto' };
  createWorkerClient(startWorker(), options);
  createWorkerClient(worker, { threads: 2 });
  // @ts-expect-error threads is 'auto' or a number
  createWorkerClient(worker, { threads: 'all' });
  // @ts-expect-error a misspelt option name
  createWorkerClient(worker, { thread: 2 });

  const encoder: WorkerEncoder = await client.Encoder.load(MINILM, { device: 'cpu', quant: 'q8_0', onProgress: (e) => console.log(e.status) });
  const e: Embeddings = await encoder.embed(texts, { pooling: 'mean' });
  const fresh: ModelInfo = await encoder.refreshInfo();
  console.log(e.dims, fresh.wasmMemoryBytes, encoder.info.threadsFallbackReason);
  // @ts-expect-error an unknown device
  await client.Encoder.load(MINILM, { device: 'gpu' });
  // @ts-expect-error a worker's embed takes no signal
  await encoder.embed(texts, { signal: AbortSignal.abort() });

  const t5: WorkerText2Text = await client.Text2Text.load(T5);
  await t5.generate('Name this topic: refunds', { maxNewTokens: 6, onToken: (p) => console.log(p), signal: AbortSignal.timeout(5000) });
  await t5.score('Is this positive?', ['yes', 'no']);

  // Worker models serve the tasks as the main-thread ones do.
  const model: EmbeddingModel = encoder;
  const generator: TextToTextModel = t5;
  await zeroShot(model, texts, { labels: ['a', 'b'] });
  await cluster(encoder, texts, { t5: generator });
  await classify(t5, texts, { labels: ['a', 'b'] });
  const remote: WorkerTextClassifier = await client.TextClassifier.load('/models/sst2', { device: 'webgpu' });
  const remoteScores: TextClassifierScores = await remote.classify(texts);
  const asModel: SequenceClassificationModel = remote;
  await textClassification(asModel, texts, { topK: 1 });
  console.log(remoteScores.dims, remote.labels, (await remote.refreshInfo()).problemType);
  // @ts-expect-error an unknown device
  await client.TextClassifier.load('/models/sst2', { device: 'npu' });
  // @ts-expect-error a worker's classify takes no options
  await remote.classify(texts, { signal: AbortSignal.abort() });
  remote.dispose();
  encoder.dispose();
  t5.dispose();
  client.terminate();

  const poolOptions: PoolOptions = { size: 4, worker: (i: number) => { console.log(i); return startWorker(); } };
  const pool: WorkerPool = createWorkerPool(poolOptions);
  createWorkerPool();
  // @ts-expect-error a misspelt option name
  createWorkerPool({ sise: 2 });
  // @ts-expect-error size is a number
  createWorkerPool({ size: 'auto' });
  const size: number = pool.size;
  const pooled: PooledEncoder = await pool.Encoder.load(MINILM, { device: 'cpu', signal: AbortSignal.timeout(60_000) });
  // @ts-expect-error an unknown quant
  await pool.Encoder.load(MINILM, { quant: 'int8' });
  const rows = await pooled.embed(texts, { pooling: 'mean', normalize: true, signal: AbortSignal.timeout(1000) });
  // @ts-expect-error a misspelt option name
  await pooled.embed(texts, { batch: 3 });
  const info: PooledModelInfo = await pooled.refreshInfo();
  console.log(size, rows.dims, info.workers, info.wasmMemoryBytesPerWorker, pooled.info.dim);
  await trainClassifier(pooled, texts, texts);
  pooled.dispose();

  const pooledClassifier: PooledTextClassifier = await pool.TextClassifier.load('/models/sst2', { device: 'cpu' });
  const classifyOptions: PooledClassifyOptions = { signal: AbortSignal.timeout(1000) };
  const split: TextClassifierScores = await pooledClassifier.classify(texts, classifyOptions);
  const results: Classification[] = await textClassification(pooledClassifier, texts, { topK: 3 });
  console.log(split.dims, results.length, pooledClassifier.labels, pooledClassifier.info.workers);
  // @ts-expect-error a misspelt option name
  await pooledClassifier.classify(texts, { signl: AbortSignal.abort() });
  pooledClassifier.dispose();
  pool.terminate();
}

// Options objects typed ahead of the call, as apps keep them in config.
export const loadDefaults: LoadOptions = { device: 'cpu', quant: 'q8_0', cache: true };
export const embedDefaults: EmbedOptions = { pooling: 'mean', normalize: true };
export const sampling: GenerateOptions = { temperature: 0.8, topK: 50, topP: 0.95, seed: 42 };
