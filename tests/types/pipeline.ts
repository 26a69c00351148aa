// transformers.js' pipeline() and the framework adapters as a user writes them,
// type-checked against pkg/*.d.ts, LangChain's Embeddings and the AI SDK's
// EmbeddingModelV3 (from @ai-sdk/provider: the 'ai' package's own types need
// Node's, which this browser-side check leaves out) (never run). Each `@ts-expect-error` proves the types reject what the JS
// rejects with E_INPUT.
import { pipeline, Encoder } from 'nunchi';
import type {
  Tensor, TextClassificationOutput, ZeroShotClassificationOutput, Text2TextGenerationOutput, PipelineProgressInfo,
  PipelineOptions,
} from 'nunchi';
import { createWorkerClient } from 'nunchi/client';
import { NunchiEmbeddings } from 'nunchi/langchain';
import { nunchiEmbeddingModel } from 'nunchi/ai-sdk';
import type { NunchiEmbeddingModel } from 'nunchi/ai-sdk';
import { Embeddings } from '@langchain/core/embeddings';
import type { EmbeddingModelV3 } from '@ai-sdk/provider';

const MINILM = 'https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2';
const SST2 = 'https://huggingface.co/distilbert/distilbert-base-uncased-finetuned-sst-2-english';
const T5 = 'https://huggingface.co/google/flan-t5-small';

export async function transformersJsProgram(texts: string[]): Promise<void> {
  const onProgress = (info: PipelineProgressInfo) => {
    if (info.status === 'progress') console.log(info.file, info.progress, info.loaded, info.total);
    if (info.status === 'ready') console.log(info.task, info.model);
  };
  const extractor = await pipeline('feature-extraction', MINILM, { dtype: 'q8', device: 'wasm', progress_callback: onProgress });
  const pooled: Tensor<number[][]> = await extractor(texts, { pooling: 'mean', normalize: true });
  const vectors: number[][] = pooled.tolist();
  const tokens: number[][][] = (await extractor('one text')).tolist();
  const data: Float32Array = pooled.data;
  const dims: number[] = pooled.dims;
  console.log(vectors, tokens, data, dims, pooled.type, extractor.model.info.dim);
  // @ts-expect-error an unknown pooling
  await extractor(texts, { pooling: 'max' });
  // @ts-expect-error binary quantization is not offered
  await extractor(texts, { quantize: true });
  // @ts-expect-error an unsupported load option
  await pipeline('embeddings', MINILM, { revision: 'v2' });
  // @ts-expect-error an unknown dtype
  await pipeline('embeddings', MINILM, { dtype: 'q4f16' });
  // @ts-expect-error a task nunchi does not run
  await pipeline('summarization', T5);

  const classifier = await pipeline('sentiment-analysis', SST2);
  const one: TextClassificationOutput = await classifier('I love it');
  const flat: TextClassificationOutput = await classifier(texts);
  const nested: TextClassificationOutput[] = await classifier(texts, { top_k: 2 });
  const every: TextClassificationOutput = await classifier('I love it', { top_k: null });
  console.log(one[0].label, one[0].score, flat.length, nested[0][1].score, every.length);
  // @ts-expect-error an array with top_k 2 gives a list per text
  const wrong: TextClassificationOutput = await classifier(texts, { top_k: 2 });
  // @ts-expect-error nunchi's topK is spelt top_k here
  await classifier(texts, { topK: 2 });

  const zeroShot = await pipeline('zero-shot-classification', MINILM);
  const single: ZeroShotClassificationOutput = await zeroShot('My parcel is late', ['delivery', 'billing']);
  const many: ZeroShotClassificationOutput[] = await zeroShot(texts, ['delivery', 'billing'], { hypothesis_template: 'About {}.' });
  console.log(single.labels[0], single.scores[0], many.length, wrong);
  // @ts-expect-error multi_label is not offered
  await zeroShot(texts, ['a', 'b'], { multi_label: true });

  const generator = await pipeline('text2text-generation', T5);
  const out: Text2TextGenerationOutput = await generator('Translate to German: Hello', { max_new_tokens: 20, do_sample: true, top_p: 0.9 });
  console.log(out[0].generated_text);
  // @ts-expect-error beam search is not offered
  await generator('x', { num_beams: 4 });
  // @ts-expect-error nor a repetition penalty
  await generator('x', { repetition_penalty: 1.2 });
  await Promise.all([extractor.dispose(), classifier.dispose(), zeroShot.dispose(), generator.dispose()]);

  // The same pipeline through the Worker client.
  const client = createWorkerClient();
  const remote = await client.pipeline('feature-extraction', MINILM);
  const remoteRows: number[][] = (await remote(texts, { pooling: 'cls' })).tolist();
  console.log(remoteRows, remote.model.info.threads);
  client.terminate();
}

export async function adapters(encoder: Encoder, texts: string[]): Promise<void> {
  const lc: Embeddings = new NunchiEmbeddings({ model: MINILM, loadOptions: { quant: 'f32' }, batchSize: 16 });
  const fromEncoder = new NunchiEmbeddings({ encoder });
  const docs: number[][] = await lc.embedDocuments(texts);
  const query: number[] = await fromEncoder.embedQuery('where is my parcel?');
  console.log(docs, query);
  await fromEncoder.dispose();
  // @ts-expect-error an encoder or a model, not both
  new NunchiEmbeddings({ encoder, model: MINILM });
  // @ts-expect-error loadOptions apply to a source only
  new NunchiEmbeddings({ encoder, loadOptions: { quant: 'f32' } });

  const model: NunchiEmbeddingModel = nunchiEmbeddingModel(MINILM, { loadOptions: { device: 'cpu' }, prefix: '' });
  const asSdkModel: EmbeddingModelV3 = model;
  const { embeddings } = await model.doEmbed({ values: texts, abortSignal: AbortSignal.timeout(1000) });
  const fromEncoder2: EmbeddingModelV3 = nunchiEmbeddingModel(encoder);
  console.log(asSdkModel, embeddings[0].length, fromEncoder2.modelId);
  // @ts-expect-error a misspelt option name
  nunchiEmbeddingModel(MINILM, { batch: 3 });
  await model.dispose();
}

export const pipelineDefaults: PipelineOptions = { device: 'auto', dtype: 'fp32' };
