import type { Embeddings, EmbedOptions, GenerateOptions, LoadOptions, ModelInfo, ModelSource, CandidateScore } from './index.js';

/** A model living in the worker. `info` is a snapshot from load time; `refreshInfo()` updates it. */
interface RemoteModel {
  readonly info: ModelInfo;
  refreshInfo(): Promise<ModelInfo>;
  dispose(): void;
}

export interface WorkerEncoder extends RemoteModel {
  /** `data` is transferred from the worker, not copied. */
  embed(texts: string | string[], options?: EmbedOptions): Promise<Embeddings>;
}

export interface WorkerText2Text extends RemoteModel {
  generate(prompt: string, options?: GenerateOptions): Promise<string>;
  score(prompt: string, candidates: string[]): Promise<CandidateScore[]>;
}

export interface WorkerClient {
  Encoder: { load(source: ModelSource, options?: LoadOptions): Promise<WorkerEncoder> };
  Text2Text: { load(source: ModelSource, options?: LoadOptions): Promise<WorkerText2Text> };
  terminate(): void;
}

/** Starts the package's module worker (`nunchi/worker`). */
export declare function startWorker(): Worker;
/** The main API, with every model running in `worker` (default: a new `startWorker()`). */
export declare function createWorkerClient(worker?: Worker): WorkerClient;
