/**
 * nunchi: private text understanding in WebAssembly. MiniLM-style sentence
 * embeddings, fine-tuned classification models and Flan-T5 prompted generation,
 * quantized, on the user's device.
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
 * whose safetensors are quantized on load) or its Hub id
 * (`sentence-transformers/all-MiniLM-L6-v2`; transformers.js' ONNX export ids such
 * as `Xenova/all-MiniLM-L6-v2` name the original repository); a `File`/`Blob` or
 * bytes of a `.gguf`; in Node, a path to a `.gguf` file or a model folder (a path
 * that exists wins over a Hub id). In a page, write `./owner/name` for a folder on
 * your own server.
 */
export type ModelSource = string | URL | Blob | ArrayBuffer | Uint8Array;

export interface LoadOptions {
  onProgress?: (event: ProgressEvent) => void;
  /**
   * Where the model runs. `'auto'` (default) tries WebGPU: the adapter must pass a
   * known-answer self-test, and then one timed embedding on each device decides
   * (`info.deviceTiming`): WebGPU is kept only where it is faster. Otherwise the
   * model runs on the wasm SIMD path and `info.fallbackReason` says why.
   * `'webgpu'` uses WebGPU without timing it, and fails with `E_DEVICE` instead
   * of falling back; `'cpu'` never tries WebGPU. `Encoder`, `TextClassifier` and
   * `Text2Text` run on WebGPU ('auto' times an embedding, a classification or a
   * label scoring). If the GPU fails
   * during use (device lost), that call is retried on the CPU and later calls stay
   * there; a generation that already streamed pieces fails with `E_BACKEND` instead.
   */
  device?: 'auto' | 'cpu' | 'webgpu';
  /** Keep model files in Cache Storage (browsers; default true). Entries are checked by size and sha256 before use. */
  cache?: boolean;
  signal?: AbortSignal;
  /** Weight format when loading Hugging Face safetensors (default `'q8_0'`). */
  quant?: 'f32' | 'f16' | 'q8_0' | 'q4_0' | 'q4k';
  /** Where Hub ids load from (default `'https://huggingface.co'`; a mirror's address). */
  hubUrl?: string;
}

export interface ModelInfo {
  model: string;
  architecture: 'bert' | 't5';
  quant: string;
  /** Bytes of the model file or weights loaded. */
  bytes: number;
  /** Where it runs now: `'webgpu'`, or the wasm SIMD CPU path. */
  device: 'wasm-simd' | 'webgpu';
  /** Why WebGPU was asked for (`device: 'auto'`) but not used, or why it stopped being used. */
  fallbackReason?: string;
  /** The WebGPU adapter, when `device` is `'webgpu'`. */
  adapter?: string;
  /**
   * With `device: 'auto'` and a working adapter: the timed call on each device,
   * in ms, after a warm-up (an encoder embeds two short sentences; a T5 model
   * scores two labels). The faster device was kept.
   */
  deviceTiming?: { webgpuMs: number; cpuMs: number };
  /** Token limit per text, special tokens included (longer texts are truncated). */
  maxTokens: number;
  /** True for generated test weights, which produce no meaningful text. */
  testWeights: boolean;
  /**
   * Text the model expects before each input, from its files (GGUF metadata,
   * or sentence-transformers' `prompts`): e5 has `{ query: 'query: ', passage: 'passage: ' }`,
   * MiniLM empty strings. Tasks apply `query` by default; `embed` never adds one.
   */
  prefixes: { query: string; passage: string };
  wasmMemoryBytes: number;
  /**
   * Threads the CPU kernels split their work over: more than 1 only in the wasm
   * threads build, which `nunchi/client` workers start on cross-origin-isolated
   * pages (see `createWorkerClient`'s `threads`).
   */
  threads: number;
  /** Why fewer threads run than were asked for (e.g. the page is not cross-origin isolated). */
  threadsFallbackReason?: string;
  /** Embedding width (encoders only). */
  dim?: number;
  /** The model's default pooling (encoders only). */
  pooling?: 'mean' | 'cls' | 'none';
  /** Whether `embed` L2-normalizes by default (encoders only). */
  normalize?: boolean;
  /**
   * The scripts the tokenizer's vocabulary reads (encoders only): `'latin'`, `'hangul'`,
   * `'han'`, `'kana'`, `'cyrillic'`, … (all-MiniLM-L6-v2: `['latin']`). The tasks warn
   * when the texts are in a script it does not read.
   */
  scripts?: string[];
  /** The labels, in the order of the scores (`TextClassifier` only; config.json's `id2label`). */
  labels?: string[];
  /**
   * How scores are made (`TextClassifier` only): a softmax over the labels, or for
   * `'multi_label_classification'` (config.json's `problem_type`) a sigmoid per label.
   */
  problemType?: 'single_label_classification' | 'multi_label_classification';
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
  /** Made by `Encoder.load`. */
  private constructor();
  /** Loads a BERT-family sentence encoder. */
  static load(source: ModelSource, options?: LoadOptions): Promise<Encoder>;
  embed(texts: string | string[], options?: EmbedOptions): Promise<Embeddings>;
  /**
   * Fine-tunes a copy of this encoder on labelled texts (SetFit's contrastive
   * phase; {@link fineTune} also trains the head). Needs float or q8_0 weights
   * (q4 files are `E_INPUT`); the weights are read again from the load's source
   * (Cache Storage serves URLs without a download). This encoder stays as it was.
   */
  fineTune(texts: string[], labels: string[], options?: FineTuneEncoderOptions): Promise<FineTunedEncoder<Encoder>>;
  readonly info: ModelInfo;
  /** Frees the model's memory; later calls reject with `E_INPUT`. */
  dispose(): void;
}

/** A fine-tuned classifier's output for a batch: row-major `[n, labels]`. */
export interface TextClassifierScores {
  /** Probabilities: a softmax over the labels, or a sigmoid per label for a multi-label model. */
  scores: Float32Array;
  /** The head's raw outputs. */
  logits: Float32Array;
  /** `[texts, labels]`. */
  dims: number[];
}

/**
 * A fine-tuned sequence-classification model (`*ForSequenceClassification`:
 * BERT, DistilBERT, RoBERTa, XLM-RoBERTa, ELECTRA, MPNet, DeBERTa-v2/v3) with its own head and
 * labels, e.g. `https://huggingface.co/distilbert/distilbert-base-uncased-finetuned-sst-2-english`.
 * A checkpoint without a classification head (a sentence encoder) fails to load
 * with `E_MODEL_FORMAT`.
 */
export declare class TextClassifier {
  /** Made by `TextClassifier.load`. */
  private constructor();
  static load(source: ModelSource, options?: LoadOptions): Promise<TextClassifier>;
  /** The labels, in the order of the scores. */
  readonly labels: string[];
  /** The model's scores for each text; {@link textClassification} turns them into labels. */
  classify(texts: string | string[]): Promise<TextClassifierScores>;
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
  /** Made by `Text2Text.load`. */
  private constructor();
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

// ---------------------------------------------------------------- tasks

/** Anything with the Encoder's `embed` (this package's, or the Worker client's). */
export interface EmbeddingModel {
  embed(texts: string[], options?: EmbedOptions): Promise<Embeddings>;
  readonly info?: { model?: string; dim?: number; pooling?: 'mean' | 'cls' | 'none'; prefixes?: { query: string } };
}
/** Anything with TextClassifier's `labels` and `classify` (this package's, the Worker client's or a pool's). */
export interface SequenceClassificationModel {
  readonly labels: string[];
  classify(texts: string[]): Promise<TextClassifierScores>;
}
/** Anything with Text2Text's `score` and `generate`. */
export interface TextToTextModel {
  score(prompt: string, candidates: string[]): Promise<CandidateScore[]>;
  generate(prompt: string, options?: GenerateOptions): Promise<string>;
}

/** Progress of a task, tagged by `status`. */
export type TaskProgress =
  | { status: 'embed'; done: number; total: number }
  /** The encoder does not read the texts' language; `message` says which encoder to use. */
  | { status: 'warning'; code: 'W_LANGUAGE'; language: string; message: string }
  | { status: 'classify'; done: number; total: number }
  | { status: 'train' }
  | { status: 'cluster' }
  | { status: 'title'; done: number; total: number };

export interface TaskOptions {
  onProgress?: (event: TaskProgress) => void;
  /** Aborting rejects with `E_ABORTED` between batches. */
  signal?: AbortSignal;
}

export interface PrefixOption {
  /**
   * Text put before every input (and label description) before embedding.
   * Default: the model's own query prefix, `info.prefixes.query` (e5's
   * `"query: "`; none for MiniLM). `''` for none.
   */
  prefix?: string;
}

/**
 * One classified text: the best label, its probability, and every label's, in
 * label order (with `textClassification`'s `topK`: the `topK` most probable
 * labels, most probable first).
 */
export interface Classification {
  label: string;
  score: number;
  scores: Record<string, number>;
}

export interface EmbedAllOptions extends TaskOptions, PrefixOption {
  /** Texts per `embed` call (default 32). */
  batchSize?: number;
}
/**
 * Embeds any number of texts in batches, shortest first (less padding), after
 * the task prefix, with the model's pooling (mean when it pools nothing); rows
 * come back in input order, L2-normalized. The same plan as the CLI's tasks.
 */
export declare function embedAll(encoder: EmbeddingModel, texts: string[], options?: EmbedAllOptions): Promise<{ data: Float32Array; dim: number }>;

export interface ZeroShotOptions extends TaskOptions, PrefixOption {
  /** The labels, in the order of the results' scores (default: the keys of `descriptions` given as an object). */
  labels?: string[];
  /**
   * What each label means, embedded in its place (e.g. "A very positive movie review"); default
   * the labels. An array gives one per label in order; an object `{ label: description }` names
   * each label (every label exactly once).
   */
  descriptions?: string[] | Record<string, string>;
  /** Softmax temperature over cosines (default 0.05). */
  temperature?: number;
}
/** `labels`, or `descriptions` as an object that names them. */
export type ZeroShotLabels = { labels: string[] } | { descriptions: Record<string, string> };
/** Zero-shot classification by label embeddings. */
export declare function zeroShot(
  encoder: EmbeddingModel, texts: string[], options: ZeroShotOptions & ZeroShotLabels,
): Promise<Classification[]>;

export interface ClassifyOptions extends TaskOptions {
  labels: string[];
  /** Prompt with `{text}` where each text goes (default {@link DEFAULT_TEMPLATE}). */
  template?: string;
}
/** Classification by prompting a text-to-text model (Flan-T5): labels ranked by mean token log-probability. */
export declare function classify(model: TextToTextModel, texts: string[], options: ClassifyOptions): Promise<Classification[]>;
export declare const DEFAULT_TEMPLATE: string;

export interface TextClassificationOptions extends TaskOptions {
  /**
   * Keep only the `topK` most probable labels in each result's `scores`, most
   * probable first (as transformers.js's `top_k`); a positive integer. Default:
   * every label, in the model's order.
   */
  topK?: number;
}
/**
 * Classification by a fine-tuned model's own head and labels (a {@link TextClassifier}):
 * its probabilities, softmax or (multi-label models) a sigmoid per label, which then
 * need not sum to 1. Progress reports `{ status: 'classify', done, total }`.
 */
export declare function textClassification(
  model: SequenceClassificationModel, texts: string[], options?: TextClassificationOptions,
): Promise<Classification[]>;

/** scikit-learn's `classification_report` and `confusion_matrix`. */
export interface ClassificationReport {
  labels: string[];
  classes: { label: string; precision: number; recall: number; f1: number; support: number }[];
  accuracy: number;
  macroAvg: { precision: number; recall: number; f1: number; support: number };
  weightedAvg: { precision: number; recall: number; f1: number; support: number };
  /** Rows: true label; columns: predicted label. */
  confusion: number[][];
  /** The report laid out as scikit-learn prints it. */
  text: string;
}
/** Scores predictions against the truth; `labels` fixes the order (default: first seen). */
export declare function evaluate(truth: string[], predicted: string[], labels?: string[]): Promise<ClassificationReport>;

export interface CrossValidation {
  folds: number;
  foldAccuracy: number[];
  meanAccuracy: number;
  report: Omit<ClassificationReport, 'text'>;
}

export interface TrainOptions extends TaskOptions, PrefixOption {
  /** `'logistic'` regression (default) or `'nearest-centroid'`. */
  head?: 'logistic' | 'nearest-centroid';
  /** Stratified k-fold cross-validation before training (default 5; 0 skips). */
  folds?: number;
}
/** Trains a few-shot head on labelled texts, in seconds, on this device. */
export declare function trainClassifier(encoder: EmbeddingModel, texts: string[], labels: string[], options?: TrainOptions): Promise<Classifier>;

/** Progress of a fine-tuning run: first `step: 0` with the run's size, then one event per step. */
export type FineTuneProgress =
  | {
    status: 'train'; step: 0; steps: number; pairs: number;
    /** The run's seconds, estimated before it starts from its first forward pass. */
    secondsLeft: number;
  }
  | {
    status: 'train'; step: number; steps: number;
    /** The batch's CosineSimilarityLoss, before its update. */
    loss: number;
    /** The learning rate of this step (linear warm-up, then decay). */
    lr: number;
    /** The gradients' global norm before clipping to 1. */
    gradNorm: number;
    /** Seconds since the first step began, and the estimate of what is left. */
    seconds: number;
    secondsLeft: number;
  };

export interface FineTuneEncoderOptions extends PrefixOption {
  /** Positive and negative pairs drawn per text (SetFit's `num_iterations`, default 20). */
  iterations?: number;
  /** Pairs per step (default 16). */
  batchSize?: number;
  /** Passes over the pairs (default 1). */
  epochs?: number;
  /** Peak learning rate (default 2e-5). */
  learningRate?: number;
  /** Dropout while training, as PyTorch's `train()` mode (default 0.1; 0 turns it off). */
  dropout?: number;
  /** Seeds the pairs, their order and the dropout masks (default 42). */
  seed?: number;
  /** How the tuned weights are stored (default `'q8_0'`). */
  quant?: 'f32' | 'f16' | 'q8_0' | 'q4_0' | 'q4k';
  onProgress?: (event: FineTuneProgress | TaskProgress) => void;
  /** Aborting rejects with `E_ABORTED` between steps; the original encoder stays usable. */
  signal?: AbortSignal;
}

export interface FineTuneReport {
  pairs: number;
  steps: number;
  /** Each step's batch loss. */
  losses: number[];
  /** Seconds the steps took. */
  seconds: number;
}

export interface FineTunedEncoder<E> {
  /** The tuned encoder, loaded and ready. */
  encoder: E;
  /** The tuned model as a GGUF file: keep it (Cache Storage, a download) and `Encoder.load(model)` later. */
  model: Uint8Array;
  report: FineTuneReport;
}

export interface FineTuneOptions extends FineTuneEncoderOptions {
  /** The head trained on the tuned embeddings (default `'logistic'`). */
  head?: 'logistic' | 'nearest-centroid';
}

/** An encoder that can be fine-tuned: this package's or a Worker client's. */
export interface TunableEncoder extends EmbeddingModel {
  fineTune(texts: string[], labels: string[], options?: FineTuneEncoderOptions): Promise<FineTunedEncoder<TunableEncoder>>;
}

/**
 * SetFit in the page: fine-tunes the encoder on pairs of the labelled texts,
 * then trains a few-shot head on its embeddings (no cross-validation: the tuned
 * encoder has seen every text). Nothing leaves the device.
 */
export declare function fineTune<E extends TunableEncoder>(
  encoder: E, texts: string[], labels: string[], options?: FineTuneOptions,
): Promise<FineTunedEncoder<E> & { classifier: Classifier }>;

export declare class Classifier {
  /** Made by `trainClassifier` or `Classifier.fromJSON`. */
  private constructor();
  readonly labels: string[];
  readonly head: 'logistic' | 'nearest-centroid';
  /** Expected accuracy from cross-validation, when it ran. */
  readonly crossValidation?: CrossValidation;
  predict(texts: string[], options?: TaskOptions): Promise<Classification[]>;
  evaluate(texts: string[], labels: string[], options?: TaskOptions): Promise<ClassificationReport>;
  /** A plain object: `JSON.stringify(classifier)` saves it. */
  toJSON(): object;
  /** Restores a saved head onto the encoder it was trained with. */
  static fromJSON(json: string | object, encoder: EmbeddingModel): Promise<Classifier>;
  dispose(): void;
}

export interface ClusterOptions extends TaskOptions, PrefixOption {
  /** The number of clusters; default: the best silhouette in `kRange`. */
  k?: number;
  /** Default `[2, 10]`. */
  kRange?: [number, number];
  /** Clusters smaller than this fold into `other` (default 1% of texts, at least 2). */
  minClusterSize?: number;
  seed?: number;
  /** A text-to-text model that titles each cluster from its representative texts. */
  t5?: TextToTextModel;
  /**
   * Mean zero-shot sentiment per cluster (default true). An array gives the
   * [negative, positive] descriptions, e.g. in the texts' language.
   */
  sentiment?: boolean | [string, string];
  /** Each text's date (YYYY-MM-DD; a time after it is ignored): adds `trends`. */
  dates?: string[];
  /** `'day'`, `'week'` (from Monday; the default) or `'month'`. */
  period?: string;
}
export interface TopicCluster {
  size: number;
  /** Text indices, nearest the centroid first. */
  members: number[];
  representatives: number[];
  keywords: { term: string; weight: number }[];
  title: string | null;
  /** Mean probability of "positive", 0..1. */
  sentiment: number | null;
}
export interface ClusterReport {
  k: number;
  /** Silhouette per candidate k, when k was chosen. */
  kScores: [number, number][];
  /** Largest first. */
  clusters: TopicCluster[];
  /** Texts in clusters too small to report alone. */
  other: number[];
  /** Per text: its index in `clusters`, or null for `other`. */
  assignments: (number | null)[];
  /** A 2-D projection of every text, for a map. */
  points: [number, number][];
  /** Milliseconds per stage. */
  timings: { stage: string; ms: number }[];
  texts: string[];
  /** Other ks that scored within 5% of the chosen one's silhouette (empty: a clear choice). */
  kClose: number[];
  /** The topics to save (`JSON.stringify`) and place new texts in, `clusters` in order. */
  model: TopicModel;
  /** Texts per topic per period, when `dates` were given. */
  trends?: TopicTrends;
}
/** Clusters texts into topics with keywords, sentiment and (with `t5`) titles. */
export declare function cluster(encoder: EmbeddingModel, texts: string[], options?: ClusterOptions): Promise<ClusterReport>;

/** One k-means centroid of a topic: texts farther than `radius` (squared distance) are new. */
export interface TopicCentroid {
  values: number[];
  radius: number;
}
export interface Topic {
  /** The user's name for the topic (set it to rename); null until given. */
  label: string | null;
  title: string | null;
  keywords: { term: string; weight: number }[];
  /** A few of the most central texts. */
  representatives: string[];
  size: number;
  sentiment: number | null;
  /** One per cluster merged into the topic. */
  centroids: TopicCentroid[];
}
/** Topics found by `cluster`, to save as JSON and reuse. */
export interface TopicModel {
  format: number;
  /** The encoder the topics were made with. */
  model: string;
  /** The prefix texts were embedded with; new texts get it too. */
  prefix: string;
  dim: number;
  topics: Topic[];
  /** Centroids of clusters too small to report: texts nearest them are "other". */
  other: TopicCentroid[];
}
export interface TopicTrends {
  period: 'day' | 'week' | 'month';
  /** Period labels, first to last, empty periods included (weeks by their Monday, months as YYYY-MM). */
  periods: string[];
  /** `sizes[topic][period]`. */
  sizes: number[][];
  /** Texts in no topic, per period. */
  other: number[];
  /** `sentiment[topic][period]`: mean probability of "positive", null where empty; null without sentiment. */
  sentiment: (number | null)[][] | null;
}
export interface TopicPlacement {
  /** The topic's index, or null when the text is "other" or new. */
  topic: number | null;
  name: string | null;
  /** Farther from every topic than the texts it was made from (times `radiusScale`, default 1.1). */
  isNew: boolean;
  /** Squared distance to the nearest centroid (0..4). */
  distance: number;
  /** Probability of "positive" (null with `sentiment: false`). */
  positive: number | null;
}
export interface AssignTopicsOptions extends TaskOptions {
  /** Widen or narrow each topic's reach, against its farthest text when made (default 1.1). */
  radiusScale?: number;
  /** Zero-shot sentiment per text (default true), or [negative, positive] descriptions. */
  sentiment?: boolean | [string, string];
  dates?: string[];
  period?: string;
}
/** Puts texts into a saved model's topics, with trends when `dates` are given. */
export declare function assignTopics(
  encoder: EmbeddingModel, model: TopicModel | string, texts: string[], options?: AssignTopicsOptions,
): Promise<{ placements: TopicPlacement[]; trends?: TopicTrends }>;
/** Reads a saved topic model (an object or JSON text), checking it is whole. */
export declare function loadTopics(model: TopicModel | string): Promise<TopicModel>;
/** What to call each topic: its label, else its title, else its first keywords. */
export declare function topicNames(model: TopicModel | string): Promise<string[]>;
/** A new model with topic `from` folded into `into` (both centroids kept); later topics move down by one. */
export declare function mergeTopics(model: TopicModel | string, into: number, from: number): Promise<TopicModel>;
/** Each text's topic after `mergeTopics(model, into, from)`: `from`'s texts join `into`, later topics move down by one. */
export declare function topicsAfterMerge(topics: (number | null)[], into: number, from: number): Promise<(number | null)[]>;
export interface TopicTrendsOptions {
  period?: string;
  /** Each text's probability of "positive", for sentiment per period. */
  positive?: ArrayLike<number>;
}
/** Texts per topic per period, from each text's topic (or null) and date. */
export declare function topicTrends(
  model: TopicModel | string, topics: (number | null)[], dates: string[], options?: TopicTrendsOptions,
): Promise<TopicTrends>;

/** The language of a set of texts, by rule. */
export interface LanguageReport {
  /** ISO 639-1 code of the language most texts are in; 'latin' for Latin script that is not English; 'und' without letters. */
  language: string;
  /** The share of the texts (with letters) in it. */
  share: number;
  /** Texts per language, most first. */
  counts: [string, number][];
  /** The English encoders suit these texts; otherwise use a multilingual one (multilingual-e5-small). */
  english: boolean;
  /** Why the answer may be wrong (mixed languages, texts too short), or null. */
  unsure: string | null;
}
/** Which language texts are in: scripts, and English function words for Latin script. */
export declare function detectLanguage(texts: string[]): Promise<LanguageReport>;

// ---------------------------------------------------------------- the user's files

/** A file read as a table: named columns, rows of trimmed strings as wide as the header. */
export interface Table {
  columns: string[];
  rows: string[][];
}
/**
 * Reads a file's text: CSV when `name` ends in `.csv` (RFC 4180; the first row is
 * the header; blank rows skipped), else one row per non-blank line in a `text`
 * column. The same parser as the CLI's.
 */
export declare function readTable(text: string, name?: string): Promise<Table>;

export interface SplitRowsOptions {
  /** Each label's 0-based data row in the file (default 0, 1, 2, …): rows dropped for an empty text keep their place. */
  rows?: number[];
  /** The file's `split` column ('train' / 'test' / ''), if it has one. */
  split?: string[];
}
/** Positions into the labels given. */
export interface RowSplit {
  train: number[];
  test: number[];
  /** True when the every-10th-row rule chose the test rows. */
  heldOut: boolean;
}
/**
 * The train/test split `nunchi eval` uses: a `split` value decides where given;
 * otherwise, when every row is labelled, data rows ≡ 0 (mod 10) are test;
 * otherwise labelled rows train and unlabelled ones ('') are test, to predict.
 */
export declare function splitRows(labels: string[], options?: SplitRowsOptions): Promise<RowSplit>;

// ---------------------------------------------------------------- pipeline (transformers.js' API)

/** transformers.js' task names that `pipeline` runs, with their aliases. */
export type PipelineTask =
  | 'feature-extraction' | 'embeddings'
  | 'text-classification' | 'sentiment-analysis'
  | 'zero-shot-classification'
  | 'text2text-generation';

/** Load progress in transformers.js' shapes, tagged by `status`. `name` is the model as given to `pipeline`. */
export type PipelineProgressInfo =
  | { status: 'initiate'; name: string; file: string }
  | { status: 'download'; name: string; file: string }
  | { status: 'progress'; name: string; file: string; progress: number; loaded: number; total: number }
  | { status: 'progress_total'; name: string; progress: number; loaded: number; total: number; files: Record<string, { loaded: number; total: number }> }
  | { status: 'done'; name: string; file: string }
  | { status: 'ready'; task: string; model: string };

/**
 * transformers.js' pipeline options that nunchi honours; the others (`config`, `cache_dir`,
 * `local_files_only`, `revision`, `subfolder`, `model_file_name`, `use_external_data_format`,
 * `session_options`) are refused with `E_INPUT`.
 */
export interface PipelineOptions {
  /** Load progress: `initiate`, `download`, `progress_total`, `progress` (0–100), `done` per file, then `ready`. */
  progress_callback?: (info: PipelineProgressInfo) => void;
  /** `'wasm'` and `'cpu'` run on the wasm CPU path; default nunchi's `'auto'` (WebGPU only where a timed call shows it faster). */
  device?: 'auto' | 'cpu' | 'wasm' | 'webgpu';
  /**
   * Weight format for Hugging Face safetensors: `'fp32'` → f32, `'fp16'` → f16, `'q8'`/`'int8'` → q8_0,
   * `'q4'` → q4_0, `'auto'` → the default (q8_0). A .gguf keeps its own format: another dtype is `E_INPUT`.
   */
  dtype?: 'auto' | 'fp32' | 'fp16' | 'q8' | 'int8' | 'q4';
}

/** transformers.js' Tensor, as feature-extraction returns it: row-major float32. */
export interface Tensor<List = number[][] | number[][][]> {
  readonly type: 'float32';
  readonly data: Float32Array;
  /** `[texts, dim]` when pooled; `[texts, tokens, dim]` for `pooling: 'none'` (padding positions hold zeros). */
  readonly dims: number[];
  /** Elements in `data`. */
  readonly size: number;
  /** Nested arrays, one level per dimension. */
  tolist(): List;
}

export interface FeatureExtractionOptions {
  /** Default `'none'` (token vectors), as in transformers.js; `'first_token'` is `'cls'`. */
  pooling?: 'none' | 'mean' | 'cls' | 'first_token';
  /** L2-normalize the last dimension (default false, as in transformers.js). */
  normalize?: boolean;
  /** Only `false`: nunchi returns float32 embeddings. */
  quantize?: false;
}

/** Every pipeline: callable, with its task, its nunchi model, and `dispose()`. */
interface PipelineBase<Model> {
  /** The task's transformers.js name (aliases resolved). */
  readonly task: string;
  /** The nunchi model underneath (an `Encoder`, `TextClassifier` or `Text2Text`, or the Worker client's). */
  readonly model: Model;
  /** Frees the model; later calls reject with `E_INPUT`. */
  dispose(): Promise<void>;
}

/** A loaded encoder, as `pipeline` holds it (this package's or the Worker client's). */
export interface PipelineEncoder extends EmbeddingModel {
  embed(texts: string | string[], options?: EmbedOptions): Promise<Embeddings>;
  readonly info: ModelInfo;
  dispose(): void;
}
export interface PipelineTextClassifier extends SequenceClassificationModel {
  readonly info: ModelInfo;
  dispose(): void;
}
export interface PipelineText2Text extends TextToTextModel {
  readonly info: ModelInfo;
  dispose(): void;
}

export interface FeatureExtractionPipeline extends PipelineBase<PipelineEncoder> {
  (texts: string | string[], options: FeatureExtractionOptions & { pooling: 'mean' | 'cls' | 'first_token' }): Promise<Tensor<number[][]>>;
  (texts: string | string[], options?: FeatureExtractionOptions & { pooling?: 'none' }): Promise<Tensor<number[][][]>>;
  (texts: string | string[], options?: FeatureExtractionOptions): Promise<Tensor>;
}

export interface TextClassificationPipelineOptions {
  /** How many labels per text, most probable first (default 1); `null` for every label. */
  top_k?: number | null;
}
export interface TextClassificationSingle {
  label: string;
  score: number;
}
export type TextClassificationOutput = TextClassificationSingle[];
/** One flat list for `top_k` 1; a list per text otherwise (unwrapped for a single string). */
type TextClassificationResult<Q, K> = Q extends string[]
  ? ([K] extends [1 | undefined] ? TextClassificationOutput : 1 extends K ? TextClassificationOutput | TextClassificationOutput[] : TextClassificationOutput[])
  : TextClassificationOutput;
export interface TextClassificationPipeline extends PipelineBase<PipelineTextClassifier> {
  <Q extends string | string[], const O extends TextClassificationPipelineOptions = {}>(
    texts: Q, options?: O,
  ): Promise<TextClassificationResult<Q, O extends { top_k: infer K } ? K : undefined>>;
}

export interface ZeroShotClassificationPipelineOptions {
  /** Each label's hypothesis, embedded in its place; `{}` is the label. Default `'This example is {}.'`. */
  hypothesis_template?: string;
  /** Only `false`: label embeddings rank labels against each other. */
  multi_label?: false;
}
export interface ZeroShotClassificationOutput {
  sequence: string;
  /** Most probable first. */
  labels: string[];
  scores: number[];
}
export interface ZeroShotClassificationPipeline extends PipelineBase<PipelineEncoder> {
  /** At least two candidate labels (nunchi ranks them against each other). */
  <T extends string | string[]>(
    texts: T, candidate_labels: string | string[], options?: ZeroShotClassificationPipelineOptions,
  ): Promise<T extends string[] ? ZeroShotClassificationOutput[] : ZeroShotClassificationOutput>;
}

/** transformers.js' generation options that nunchi honours; the others are refused with `E_INPUT`. */
export interface Text2TextGenerationPipelineOptions {
  /** Default 256, as in transformers.js. */
  max_new_tokens?: number;
  /** Sample instead of greedy decoding (default false); each call draws anew. */
  do_sample?: boolean;
  /** With `do_sample` (default 1). */
  temperature?: number;
  /** With `do_sample` (default 50; 0 turns it off). */
  top_k?: number;
  /** With `do_sample` (default 1). */
  top_p?: number;
  /** Only 1: nunchi decodes one sequence. */
  num_beams?: 1;
  /** Only 1. */
  num_beam_groups?: 1;
  /** Only 1. */
  num_return_sequences?: 1;
  /** Only true: nunchi always decodes with a key/value cache. */
  use_cache?: true;
}
export interface Text2TextGenerationSingle {
  generated_text: string;
}
export type Text2TextGenerationOutput = Text2TextGenerationSingle[];
export interface Text2TextGenerationPipeline extends PipelineBase<PipelineText2Text> {
  /** One `{ generated_text }` per text. */
  (texts: string | string[], options?: Text2TextGenerationPipelineOptions): Promise<Text2TextGenerationOutput>;
}

/**
 * transformers.js' `pipeline()` for the four text tasks nunchi runs, with its option
 * names and output shapes. `model` is a nunchi source (a Hugging Face repository URL
 * with safetensors, a nunchi `.gguf`, bytes, or a Node path), as `Encoder.load` takes.
 * An option nunchi cannot honour is `E_INPUT`, naming it.
 */
export declare function pipeline(task: 'feature-extraction' | 'embeddings', model: ModelSource, options?: PipelineOptions): Promise<FeatureExtractionPipeline>;
export declare function pipeline(task: 'text-classification' | 'sentiment-analysis', model: ModelSource, options?: PipelineOptions): Promise<TextClassificationPipeline>;
export declare function pipeline(task: 'zero-shot-classification', model: ModelSource, options?: PipelineOptions): Promise<ZeroShotClassificationPipeline>;
export declare function pipeline(task: 'text2text-generation', model: ModelSource, options?: PipelineOptions): Promise<Text2TextGenerationPipeline>;
