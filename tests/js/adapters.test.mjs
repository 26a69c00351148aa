// The adapters with the real frameworks, in Node: nunchi/langchain's NunchiEmbeddings
// in LangChain.js (an Embeddings, inside LangChain's own in-memory vector store) and
// nunchi/ai-sdk's embedding model through the AI SDK's embed and embedMany. Vectors
// are checked against our own Encoder (MiniLM q8_0), the models' query and passage prefixes included.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Embeddings } from '@langchain/core/embeddings';
import { FakeVectorStore } from '@langchain/core/utils/testing';
import { embed, embedMany, cosineSimilarity } from 'ai';
import { Encoder } from '../../pkg/index.js';
import { NunchiEmbeddings } from '../../pkg/langchain.js';
import { nunchiEmbeddingModel } from '../../pkg/ai-sdk.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const models = process.env.NUNCHI_MODELS ?? path.join(root, 'models');
const MINILM = path.join(models, 'all-MiniLM-L6-v2-q8_0.gguf');

const TEXTS = ['The parcel arrived two days late.', 'My invoice charged me twice.', 'The support team was lovely.'];
const isInput = (name) => (e) => e.code === 'E_INPUT' && e.message.includes(name);

let encoder;
const enc = async () => (encoder ??= await Encoder.load(MINILM));
after(() => encoder?.dispose());

/** Our own embeddings of `texts`, rows as arrays (MiniLM: mean pooling, normalized, no prefix). */
async function reference(texts) {
  const { data, dims } = await (await enc()).embed(texts);
  return texts.map((_, i) => Array.from(data.subarray(i * dims[1], (i + 1) * dims[1])));
}

test('LangChain: NunchiEmbeddings is an Embeddings whose vectors are our Encoder\'s, and serves a vector store', async () => {
  const embeddings = new NunchiEmbeddings({ model: MINILM });
  assert.ok(embeddings instanceof Embeddings);
  const docs = await embeddings.embedDocuments(TEXTS);
  const want = await reference(TEXTS);
  assert.equal(docs.length, 3);
  docs.forEach((v, i) => {
    assert.ok(Array.isArray(v) && v.length === 384);
    assert.ok(cosineSimilarity(v, want[i]) >= 0.99, `document ${i}`);
  });
  const query = await embeddings.embedQuery('Where is my package?');
  assert.ok(cosineSimilarity(query, (await reference(['Where is my package?']))[0]) >= 0.99);
  assert.deepEqual(await embeddings.embedDocuments([]), []);

  // LangChain's own in-memory store embeds documents and the query through the adapter.
  const store = await FakeVectorStore.fromTexts(TEXTS, TEXTS.map((_, id) => ({ id })), embeddings);
  const [best] = await store.similaritySearch('I was billed two times', 1);
  assert.equal(best.pageContent, 'My invoice charged me twice.');
  await embeddings.dispose();
});

test('LangChain: a loaded Encoder stays the caller\'s; fields are checked', async () => {
  const embeddings = new NunchiEmbeddings({ encoder: await enc(), batchSize: 2 });
  const docs = await embeddings.embedDocuments(TEXTS);
  assert.equal(docs.length, 3);
  await embeddings.dispose();
  assert.equal((await (await enc()).embed(['still usable'])).dims[1], 384, 'dispose() leaves a passed-in Encoder alone');
  assert.throws(() => new NunchiEmbeddings({ model: MINILM, maxConcurrency: 2 }), isInput('maxConcurrency'));
  assert.throws(() => new NunchiEmbeddings({}), isInput('encoder'));
  const loaded = await enc();
  assert.throws(() => new NunchiEmbeddings({ encoder: loaded, model: MINILM }), isInput('encoder'));
});

test('LangChain: documents get the model\'s passage prefix and queries its query prefix', async () => {
  // MiniLM with e5's prefixes (multilingual.test.mjs reads them from e5 itself), to keep this fast.
  const minilm = await enc();
  const e5Like = { embed: (texts, o) => minilm.embed(texts, o), info: { ...minilm.info, prefixes: { query: 'query: ', passage: 'passage: ' } } };
  const embeddings = new NunchiEmbeddings({ encoder: e5Like });
  const [doc] = await embeddings.embedDocuments(['The parcel was late']);
  const query = await embeddings.embedQuery('The parcel was late');
  const [passageRow, queryRow] = await reference(['passage: The parcel was late', 'query: The parcel was late']);
  assert.ok(cosineSimilarity(doc, passageRow) > 0.9999);
  assert.ok(cosineSimilarity(query, queryRow) > 0.9999);
  assert.ok(cosineSimilarity(doc, query) < 0.9999, 'the two prefixes differ');
});

test('AI SDK: embed and embedMany from ai take nunchiEmbeddingModel and give our Encoder\'s vectors', async () => {
  const model = nunchiEmbeddingModel(MINILM);
  assert.equal(model.specificationVersion, 'v3');
  assert.equal(model.provider, 'nunchi');
  assert.equal(model.modelId, MINILM);
  const want = await reference(TEXTS);
  const many = await embedMany({ model, values: TEXTS });
  assert.equal(many.embeddings.length, 3);
  many.embeddings.forEach((v, i) => assert.ok(cosineSimilarity(v, want[i]) >= 0.99, `value ${i}`));
  const one = await embed({ model, value: TEXTS[1] });
  assert.ok(cosineSimilarity(one.embedding, want[1]) >= 0.99);
  await model.dispose();

  // A loaded encoder, its id from its info.
  const fromEncoder = nunchiEmbeddingModel(await enc(), { batchSize: 2 });
  assert.equal(fromEncoder.modelId, (await enc()).info.model);
  assert.equal((await embedMany({ model: fromEncoder, values: TEXTS })).embeddings.length, 3);
});

test('AI SDK: abortSignal cancels, provider options nunchi lacks are E_INPUT', async () => {
  const model = nunchiEmbeddingModel(await enc());
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(embedMany({ model, values: TEXTS, abortSignal: controller.signal, maxRetries: 0 }),
    (e) => e.code === 'E_ABORTED' || e.name === 'AbortError');
  await assert.rejects(embed({ model, value: 'x', providerOptions: { nunchi: { dimensions: 64 } }, maxRetries: 0 }),
    isInput('dimensions'));
  assert.throws(() => nunchiEmbeddingModel(MINILM, { quant: 'f32' }), isInput('quant'));
  const loaded = await enc();
  assert.throws(() => nunchiEmbeddingModel(loaded, { loadOptions: { quant: 'f32' } }), isInput('loadOptions'));
});
