// What a user's app does: import nunchi by its package name, on the main thread
// and through its Worker client, and its subpaths: transformers.js' pipeline()
// (in the page and in the worker) and the AI SDK adapter. The test calls
// window.nunchiSmoke() in the page.
import { Encoder, pipeline } from 'nunchi';
import { createWorkerClient } from 'nunchi/client';
import { nunchiEmbeddingModel } from 'nunchi/ai-sdk';

const rowsOf = (data, dims) => Array.from({ length: dims[0] }, (_, i) => Array.from(data.subarray(i * dims[1], (i + 1) * dims[1])));

async function embedWith(Kind, model, texts) {
  const enc = await Kind.load(model);
  const { data, dims } = await enc.embed(texts);
  const info = enc.info;
  enc.dispose();
  return { dims, rows: rowsOf(data, dims), isF32: data instanceof Float32Array, device: info.device };
}

async function pipelineWith(makePipeline, model, texts) {
  const extractor = await makePipeline('feature-extraction', model);
  const { data, dims } = await extractor(texts, { pooling: 'mean', normalize: true });
  const info = extractor.model.info;
  await extractor.dispose();
  return { dims, rows: rowsOf(data, dims), isF32: data instanceof Float32Array, device: info.device };
}

async function aiSdkWith(model, texts) {
  const embedder = nunchiEmbeddingModel(model);
  const { embeddings } = await embedder.doEmbed({ values: texts });
  await embedder.dispose();
  return { dims: [embeddings.length, embeddings[0].length], rows: embeddings };
}

window.nunchiSmoke = async ({ model, texts }) => {
  const main = await embedWith(Encoder, model, texts);
  const client = createWorkerClient();
  const worker = await embedWith(client.Encoder, model, texts);
  const workerPipeline = await pipelineWith(client.pipeline, model, texts);
  client.terminate();
  return { main, worker, pipeline: await pipelineWith(pipeline, model, texts), workerPipeline, aiSdk: await aiSdkWith(model, texts) };
};
document.getElementById('status').textContent = 'ready';
