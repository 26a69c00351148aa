/**
 * nunchi: private text understanding in WebAssembly. MiniLM-style sentence
 * embeddings and Flan-T5 prompted generation, quantized, on the user's device.
 */

/** Progress of a model load, in order: `download`… (or `cached`), `parse`, `ready`. */
export type ProgressEvent =
  | { status: 'download'; url: string; loaded: number; total: number }
  | { status: 'cached'; url: string }
  | { status: 'parse' }
  | { status: 'ready'; ms: number };

/**
 * Where a model comes from: a URL of a nunchi `.gguf` file; a Hugging Face
 * repository base URL (`https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2`,
 * whose safetensors are quantized on load); a `File`/`Blob` or bytes of a `.gguf`;
 * in Node, a path to a `.gguf` file or a model folder.
 */
export type ModelSource = string | URL | Blob | ArrayBuffer | Uint8Array;

export interface LoadOptions {
  onProgress?: (event: ProgressEvent) => void;
  /** `'auto'` (default) and `'cpu'` run the wasm SIMD path; `'webgpu'` is not in this build yet. */
  device?: 'auto' | 'cpu' | 'webgpu';
  /** Keep model files in Cache Storage (browsers; default true). Entries are checked by size and sha256 before use. */
  cache?: boolean;
  signal?: AbortSignal;
  /** Weight format when loading Hugging Face safetensors (default `'q8_0'`). */
  quant?: 'f32' | 'f16' | 'q8_0' | 'q4_0' | 'q4k';
}

export interface ModelInfo {
  model: string;
  architecture: 'bert' | 't5';
  quant: string;
  /** Bytes of the model file or weights loaded. */
  bytes: number;
  device: 'wasm-simd';
  fallbackReason?: string;
  /** Token limit per text, special tokens included (longer texts are truncated). */
  maxTokens: number;
  /** True for generated test weights, which produce no meaningful text. */
  testWeights: boolean;
  wasmMemoryBytes: number;
  /** Embedding width (encoders only). */
  dim?: number;
}

/** Every error nunchi throws is an `Error` with one of these codes. */
export type ErrorCode = 'E_MODEL_FORMAT' | 'E_INPUT' | 'E_ABORTED' | 'E_BACKEND' | 'E_IO' | 'E_DEVICE';
export interface NunchiError extends Error {
  code: ErrorCode;
}

export interface EmbedOptions {
  /** `'mean'` over real tokens (the model's default), `'cls'`, or `'none'` (token vectors). */
  pooling?: 'mean' | 'cls' | 'none';
  /** L2-normalize (default: the model's own setting, true for all-MiniLM-L6-v2). */
  normalize?: boolean;
}

export interface Embeddings {
  /** Row-major `[n, d]` (or `[n, tokens, d]` for `pooling: 'none'`). */
  data: Float32Array;
  dims: number[];
  /** Tokens cut from the end of each text to fit the model's limit (0 if none). */
  truncated: number[];
}

export declare class Encoder {
  /** Loads a BERT-family sentence encoder. */
  static load(source: ModelSource, options?: LoadOptions): Promise<Encoder>;
  embed(texts: string | string[], options?: EmbedOptions): Promise<Embeddings>;
  readonly info: ModelInfo;
  /** Frees the model's memory; later calls reject with `E_INPUT`. */
  dispose(): void;
}

export interface GenerateOptions {
  /** Default 32. */
  maxNewTokens?: number;
  /** 0 (default) is greedy decoding. */
  temperature?: number;
  topK?: number;
  topP?: number;
  /** Same seed, same text. */
  seed?: number;
  /** Receives each new piece of text as it is decoded. */
  onToken?: (piece: string) => void;
  /** Aborting rejects the call with `E_ABORTED` between tokens. */
  signal?: AbortSignal;
}

export interface CandidateScore {
  candidate: string;
  /** Sum of the candidate's token log-probabilities, end-of-sequence included. */
  logprob: number;
  tokens: number;
}

export declare class Text2Text {
  /** Loads a T5 / Flan-T5 model. */
  static load(source: ModelSource, options?: LoadOptions): Promise<Text2Text>;
  generate(prompt: string, options?: GenerateOptions): Promise<string>;
  /** One encoder pass; the candidates are scored together in the decoder. */
  score(prompt: string, candidates: string[]): Promise<CandidateScore[]>;
  readonly info: ModelInfo;
  dispose(): void;
}

/** Bytes of WebAssembly memory the module holds now. */
export declare function wasmMemoryBytes(): number;
