/**
 * The trainer's process protocol: what the parent (extension, CLI, tests) sends the bundled
 * trainer over IPC, and the events it sends back. The same events are written, one JSON object a
 * line, to the run folder's `metrics.jsonl`, so a live view and a later "compare runs" read one
 * format. Every message is validated on arrival with the functions below (built from ./check).
 * Pure TypeScript.
 */
import { arrayOf, bool, byType, type Check, checkFields, type Fields, finite, int, intFrom, isObj, isTypeOf, nullable, number, oneOf, opt, record, shape, string, type Validated } from './check';

/** Overrides of the spec's `train` settings and run options. */
export interface TrainOptions {
  /** Overrides `train.epochs`. */
  epochs?: number;
  /** Overrides `train.batch_size`. */
  batchSize?: number;
  /** Overrides `train.device`. */
  device?: 'auto' | 'gpu' | 'cpu';
  /** Force one backend (tests and benchmarks): `wasm`, `cpu` (plain JS), `tensorflow`, `webgpu`. */
  backend?: string;
  /** Folder the run folders go into (default `<workspace>/.modelyaml/runs`). */
  out?: string;
  /** The workspace folder (default: the spec's folder). */
  workspace?: string;
  /** Resume from a run folder, a checkpoint folder inside one, or `latest` (the spec's newest run with a checkpoint). */
  resume?: string;
  /** Overrides `seed`. */
  seed?: number;
  /** Stop each epoch after this many batches (quick checks and tests). */
  maxBatchesPerEpoch?: number;
  /** Emit a `batch` event every n batches (default: about 20 per epoch, at least every second). */
  batchEventEvery?: number;
  /** Folder holding the backend's .wasm files (default: next to the trainer bundle). */
  wasmDir?: string;
  /** A `@tensorflow/tfjs-node(-gpu)` installation to try first (the extension's `modelyaml.tfjsNodePath`). */
  tfjsNodePath?: string;
  /** Most logical cores the run uses (the extension's `modelyaml.train.maxThreads`; default all). */
  maxThreads?: number;
  /**
   * Train this text as the spec at `specPath` (a search trial: the spec with the trial's values
   * written in); its data paths resolve from `specPath`'s folder, and run.json names `specPath`.
   */
  specText?: string;
  /** The search this run is a trial of: written into run.json as `search`. */
  search?: SearchTag;
  /**
   * Which engine trains (docs/training.md#engines): the embedded TensorFlow.js trainer, the
   * spec's exported PyTorch package in a local Python, or `auto` (PyTorch when a Python with torch
   * is found and can run the spec, else tfjs). Default: MODELYAML_ENGINE, else `auto`.
   */
  engine?: TrainEngine;
  /** The Python interpreter for the PyTorch engine (the extension's `modelyaml.pythonPath`); default: discovered. */
  python?: string;
}

/** run.json's `search`: the search a run is a trial of (`modelyaml search`, docs/search.md). */
export interface SearchTag {
  /** The search's name (the spec's name). */
  name: string;
  /** The search's folder, which holds journal.jsonl. */
  dir: string;
  /** The trial's number (0-based, in start order). */
  trial: number;
  /** The trial's values by parameter path. */
  params: Record<string, number | string | boolean>;
}

export type TrainEngine = 'auto' | 'tfjs' | 'pytorch';

/** What the PyTorch engine asks the trainer to record about itself when it prepares a run. */
export interface EngineChoice {
  engine: 'tfjs' | 'pytorch';
  /** "auto: torch 1.13.1 found at /usr/bin/python3, CUDA not available". */
  reason: string;
  /** For pytorch: the device it trains on (`cpu`, `cuda`) and the interpreter. */
  device?: string;
  python?: string;
  torch?: string;
}

/** What `evaluate` scores: which split, with which checkpoint. */
export interface EvaluateOptions {
  /** Default `test`. */
  split?: 'test' | 'validation' | 'train';
  /** Default: `best` if the run has it, else `last`, else the final model. */
  checkpoint?: 'best' | 'last';
  /** Evaluate this CSV or JSONL file (features and labels, as the run's source read them) instead of a split. */
  data?: string;
  /** Recompute a missing or damaged preprocessing.json from the spec's data first (`--refit`). */
  refit?: boolean;
  /** Force one backend (tests); default the CPU. */
  backend?: string;
  wasmDir?: string;
  /**
   * For exporters: write the split's prepared inputs (`<samplesFile>.bin`, float32) and a JSON
   * document with their shape, labels and the model's predictions (`<samplesFile>`) instead of
   * the evaluation file.
   */
  samplesFile?: string;
}

/** How a prediction session serves a run: which checkpoint, on which backend. */
export interface ServeOptions {
  /** Default: `best` if the run has it, else `last`, else the final model (as `evaluate`). */
  checkpoint?: 'best' | 'last';
  /** Force one backend (tests, benchmarks); default the CPU (tfjs-node when installed, else wasm). */
  backend?: string;
  wasmDir?: string;
  /**
   * Serve this model.onnx file through onnxruntime-node instead of a run's checkpoint (`runDir`
   * is then the file's folder): docs/deploying.md, "Serving a model.onnx".
   */
  onnx?: string;
}

/** What `predict` reads and how it answers (docs/predict.md). */
export interface PredictRunOptions {
  /** A CSV, JSON Lines or text file, a PNG/JPEG image, a folder of images, or `-` for the trainer's stdin. */
  input: string;
  /** How answers and messages name the input (the path as the user wrote it); default `input`. */
  inputName?: string;
  /** Default: `best` if the run has it, else `last`, else the final model. */
  checkpoint?: 'best' | 'last';
  /** How many classes each answer's `top` lists (default 5). */
  topK?: number;
  /** A bad input stops the run (`fail`, default) or is reported and passed over (`skip`). */
  onError?: 'skip' | 'fail';
  /** Inputs per batch (default 256): the most held in memory at once. */
  batchSize?: number;
  backend?: string;
  wasmDir?: string;
}

/**
 * One raw input, in the forms `preprocessing.json`'s readers take (docs/preprocessing.md): table
 * rows `{ column: value }`, text `{ [field]: "…" }`, flat values `{ values: number[] }`, images
 * `{ image: { width, height, data } }` with RGBA bytes.
 */
export type RawInput = Record<string, unknown>;

export type TrainerCommand =
  /** `engine`: how the parent chose the embedded trainer, recorded in run.json. */
  | { type: 'start'; specPath: string; options: TrainOptions; engine?: EngineChoice }
  /**
   * For the PyTorch engine: open the run folder (spec snapshot, run.json, preprocessing.json), save
   * the initial model as a tfjs checkpoint and the prepared splits as float32 files, answer with
   * `prepared`, and exit without training.
   */
  | { type: 'prepare'; specPath: string; options: TrainOptions; engine: EngineChoice }
  | { type: 'evaluate'; runDir: string; options: EvaluateOptions }
  /** Opens a prediction session on a run: answered by `serving`, then any number of `infer`s. */
  | { type: 'serve'; runDir: string; options: ServeOptions }
  /**
   * In a session: predict these inputs; answered by an `inference` with the same id. With `topK`,
   * each input is answered on its own in `predict`'s form (`answers`; `modelyaml serve`), and an
   * input may give its image as base64 PNG/JPEG bytes (`{ image: "…" }`).
   */
  | { type: 'infer'; id: number; inputs: RawInput[]; topK?: number }
  | { type: 'predict'; runDir: string; options: PredictRunOptions }
  | { type: 'continue' }
  | { type: 'cancel' };

export type RunStatus = 'running' | 'completed' | 'cancelled' | 'failed';

export type Metrics = Record<string, number>;

export interface StartedEvent {
  type: 'started';
  time: number;
  runDir: string;
  spec: string;
  specName: string;
  backend: string;
  device: string;
  /** Why this backend: "train.device is auto: tfjs-node is not installed; WebAssembly (SIMD)". */
  reason: string;
  params: number;
  seed: number;
  epochs: number;
  batchSize: number;
  batchesPerEpoch: number;
  samples: { train: number; validation: number; test: number };
  /** First epoch (> 1 when resuming). */
  initialEpoch: number;
}

/** The answer to `prepare`: where the run folder, the initial model and the prepared splits are. */
export interface PreparedEvent {
  type: 'prepared';
  time: number;
  runDir: string;
  /** The spec's exported PyTorch package (`<workspace>/.modelyaml/torch/<hash>/`), which trains it. */
  packageDir: string;
  /** The initial model (tfjs layers format; also the template the trained weights are written back into). */
  initModel: string;
  /** The folder of `<part>.x.bin` / `<part>.y.bin` (float32) and `splits.json` (their shapes). */
  dataDir: string;
  params: number;
  seed: number;
  batchSize: number;
  samples: { train: number; validation: number; test: number };
  /** Set when resuming: the run folder whose checkpoint the new run carries on from. */
  resumedFrom?: string;
}

export interface BatchEvent {
  type: 'batch';
  time: number;
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  /** Running means over the epoch so far. */
  metrics: Metrics;
  samplesPerSecond: number;
  learningRate: number;
}

export interface EpochEvent {
  type: 'epoch';
  time: number;
  epoch: number;
  epochs: number;
  /** loss, val_loss and every metric and its val_ twin. */
  metrics: Metrics;
  durationMs: number;
  learningRate: number;
}

export interface LogEvent {
  type: 'log';
  time: number;
  level: 'debug' | 'info' | 'warning' | 'error';
  message: string;
  /** Set on the log event that announces the run folder (sent before data loading starts). */
  runDir?: string;
  /**
   * Set on the log event sent just before the trainer loads a package from outside itself (a
   * workspace's `@tensorflow/tfjs-node(-gpu)`): that package's code runs in the trainer.
   */
  loadedPackage?: { name: string; version: string; path: string };
}

export interface CheckpointEvent {
  type: 'checkpoint';
  time: number;
  kind: 'best' | 'last';
  epoch: number;
  path: string;
  monitor?: string;
  value?: number;
}

export interface DoneEvent {
  type: 'done';
  time: number;
  status: Exclude<RunStatus, 'running'>;
  /** Why it ended: "completed 10 epochs", "early stopping: val_loss did not improve for 3 epochs". */
  reason: string;
  epochs: number;
  durationMs: number;
  runDir?: string;
  final: Metrics;
  test?: Metrics;
}

export interface ErrorEvent {
  type: 'error';
  time: number;
  /** Stable code, e.g. "spec/invalid", "data/csv-ragged", "train/nan-loss", "trainer/crashed". */
  code: string;
  message: string;
  /** The file at fault, with a row (1-based line) or byte offset where known. */
  file?: string;
  row?: number;
  offset?: number;
  /** The core's diagnostics when the spec was refused: "file:line:col: message" lines. */
  diagnostics?: string[];
}

/** The answer to an `evaluate` command. */
export interface EvaluationEvent {
  type: 'evaluation';
  time: number;
  runDir: string;
  /** Where it was written: the run's evaluation.json (test) or evaluation-<split>.json. */
  file: string;
  split: string;
  /** The model folder evaluated. */
  checkpoint: string;
  /** The text report (scikit-learn's classification report, or the regression table). */
  report: string;
  /** The evaluation.json document (docs/evaluation.md); checked with evaluationJsonProblem. */
  evaluation: unknown;
}

/** A prediction session is ready: the run's model is loaded and its preprocessing read. */
export interface ServingEvent {
  type: 'serving';
  time: number;
  runDir: string;
  /** The model folder served. */
  checkpoint: string;
  backend: string;
  /**
   * The run's preprocessing.json (checked with validatePreprocessing by whoever reads it); for an
   * ONNX file, the one its metadata carries, absent for a file ModelYAML did not write.
   */
  preprocessing?: unknown;
  /** Milliseconds from the `serve` command to ready (backend, model and first prediction). */
  loadMs: number;
  /** Serving a model.onnx (ServeOptions.onnx): what the file says about itself. */
  onnx?: OnnxServing;
}

/** A graph input or output of a served ONNX model: its element type and shape (a name for each dynamic size). */
export interface OnnxTensorInfo {
  name: string;
  type: string;
  shape: (number | string)[];
}

export interface OnnxServing {
  file: string;
  /** Who wrote it (`ModelYAML`, `pytorch`, …) and its version. */
  producer: string;
  specName?: string;
  specHash?: string;
  /** The numeric preprocessing steps folded into the graph (`export --include-preprocessing`): they are not applied again. */
  foldedSteps: string[];
  /** Quantized weights (`export --quantize`), as the file's metadata says. */
  quantized?: string;
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
  /**
   * No ModelYAML preprocessing in the metadata (a foreign file): inputs are tensors named by the
   * graph's inputs, answers the raw output tensors.
   */
  rawTensors: boolean;
}

/** An output tensor of one input, in raw-tensor serving: its shape and values (row-major). */
export interface TensorValue {
  shape: number[];
  data: number[];
}

/** What the model says about one input. */
export interface PredictionOutput {
  /** Classification: the decoded label (the class name) of the most probable class. */
  label?: string;
  /** Multi-label classification: the classes with probability ≥ 0.5. */
  labels?: string[];
  /** Classification: one probability per class, in `classes` order (they sum to 1). */
  probabilities?: number[];
  classes?: string[];
  /** Regression: the regressed values. */
  value?: number[];
}

/** The answer to an `infer` command: the outputs in input order, or why there are none. */
export interface InferenceEvent {
  type: 'inference';
  time: number;
  id: number;
  outputs: PredictionOutput[];
  /** Milliseconds the trainer spent on this request (preprocessing and the model). */
  ms: number;
  /** Bad input (a missing column, a wrong image size): the session stays open. */
  error?: { code: string; message: string };
  /** With `topK`: one answer per input, in input order — `predict`'s decoded prediction, or why that input has none. */
  answers?: InferAnswer[];
}

/** One input's answer to an `infer` with `topK`: the decoded prediction (as `predict` writes it) or its error. */
export type InferAnswer = Omit<PredictionRow, keyof InputOrigin> & { error?: { code: string; message: string }; outputs?: Record<string, TensorValue> };

/** `predict` has loaded the model and opened the input: what the answers will hold. */
export interface PredictingEvent {
  type: 'predicting';
  time: number;
  runDir: string;
  /** The model folder used. */
  checkpoint: string;
  task: 'multiclass' | 'binary' | 'multilabel' | 'regression';
  /** Classification: the class names in output order. */
  classNames?: string[];
  /** Regression: the output names. */
  outputNames?: string[];
  topK: number;
  /** What progress counts (`done` of the `predictions` events): bytes of a file, or image files; `total` absent for stdin. */
  unit: 'bytes' | 'files';
  total?: number;
}

/** Where an input came from: the file as given (`-` for stdin) and, for CSV, JSONL and text, its line. */
export interface InputOrigin {
  file: string;
  row?: number;
}

/** One input's answer: its origin and the decoded prediction (src/trainer/inference.ts's Prediction). */
export interface PredictionRow extends InputOrigin {
  label?: string;
  labels?: string[];
  probabilities?: Record<string, number>;
  top?: { label: string; probability: number }[];
  value?: number;
  values?: Record<string, number>;
}

/** A batch of answers, in input order, and the inputs passed over (`onError: skip`). */
export interface PredictionsEvent {
  type: 'predictions';
  time: number;
  rows: PredictionRow[];
  skipped: (InputOrigin & { code: string; message: string })[];
  /** Progress so far, in the `predicting` event's unit. */
  done: number;
}

/** `predict` read the whole input. */
export interface PredictedEvent {
  type: 'predicted';
  time: number;
  predicted: number;
  skipped: number;
  /** The trainer process's peak resident memory (bytes): flat in the input's size, since it streams. */
  peakRssBytes: number;
}

export type TrainerEvent = PreparedEvent | ServingEvent | InferenceEvent | PredictingEvent | PredictionsEvent | PredictedEvent | EvaluationEvent | StartedEvent | BatchEvent | EpochEvent | LogEvent | CheckpointEvent | DoneEvent | ErrorEvent;

// ─── Validators ───────────────────────────────────────────────────────────────────────────────

/** Numbers cross JSON as numbers, except NaN/±Infinity, which JSON writes as null. */
const num = nullable(number);
const metrics = record(num);
/** The trainer is our own child process: its strings and lists are not bounded. */
const str = string;

const inputOrigin: Fields = { file: str, row: opt(int) };
const predictionRow = shape({
  ...inputOrigin, label: opt(str), labels: opt(arrayOf(str, Infinity)), probabilities: opt(record(num)),
  top: opt(arrayOf(shape({ label: str, probability: num }), Infinity)), value: opt(num), values: opt(record(num)),
});

const inferAnswer = shape({
  label: opt(str), labels: opt(arrayOf(str, Infinity)), probabilities: opt(record(num)),
  top: opt(arrayOf(shape({ label: str, probability: num }), Infinity)), value: opt(num), values: opt(record(num)),
  error: opt(shape({ code: str, message: str })),
  outputs: opt(record(shape({ shape: arrayOf(int, Infinity), data: arrayOf(num, Infinity) }))),
});

const tensorInfo = shape({ name: str, type: str, shape: arrayOf((v) => int(v) || str(v), Infinity) });
const onnxServing = shape({
  file: str, producer: str, specName: opt(str), specHash: opt(str), foldedSteps: arrayOf(str, Infinity), quantized: opt(str),
  inputs: arrayOf(tensorInfo, Infinity), outputs: arrayOf(tensorInfo, Infinity), rawTensors: bool,
});

const eventFields: { [K in TrainerEvent['type']]: Fields } = {
  started: {
    time: num, runDir: str, spec: str, specName: str, backend: str, device: str, reason: str, params: int, seed: num,
    epochs: int, batchSize: int, batchesPerEpoch: int, initialEpoch: int,
    samples: shape({ train: int, validation: int, test: int }),
  },
  prepared: {
    time: num, runDir: str, packageDir: str, initModel: str, dataDir: str, params: int, seed: num, batchSize: int,
    samples: shape({ train: int, validation: int, test: int }), resumedFrom: opt(str),
  },
  batch: { time: num, epoch: int, batch: int, batches: int, loss: num, metrics, samplesPerSecond: num, learningRate: num },
  epoch: { time: num, epoch: int, epochs: int, metrics, durationMs: num, learningRate: num },
  log: { time: num, level: oneOf('debug', 'info', 'warning', 'error'), message: str, runDir: opt(str), loadedPackage: opt(shape({ name: str, version: str, path: str })) },
  checkpoint: { time: num, kind: oneOf('best', 'last'), epoch: int, path: str, monitor: opt(str), value: opt(num) },
  done: {
    time: num, status: oneOf('completed', 'cancelled', 'failed'), reason: str, epochs: int, durationMs: num,
    runDir: opt(str), final: metrics, test: opt(metrics),
  },
  evaluation: { time: num, runDir: str, file: str, split: str, checkpoint: str, report: str, evaluation: isObj },
  serving: { time: num, runDir: str, checkpoint: str, backend: str, preprocessing: opt(isObj), loadMs: num, onnx: opt(onnxServing) },
  inference: {
    time: num, id: int, ms: num, error: opt(shape({ code: str, message: str })),
    outputs: arrayOf(shape({ label: opt(str), labels: opt(arrayOf(str, Infinity)), probabilities: opt(arrayOf(num, Infinity)), classes: opt(arrayOf(str, Infinity)), value: opt(arrayOf(num, Infinity)) }), Infinity),
    answers: opt(arrayOf(inferAnswer, Infinity)),
  },
  predicting: {
    time: num, runDir: str, checkpoint: str, task: oneOf('multiclass', 'binary', 'multilabel', 'regression'), classNames: opt(arrayOf(str, Infinity)),
    outputNames: opt(arrayOf(str, Infinity)), topK: int, unit: oneOf('bytes', 'files'), total: opt(num),
  },
  predictions: { time: num, rows: arrayOf(predictionRow, Infinity), skipped: arrayOf(shape({ ...inputOrigin, code: str, message: str }), Infinity), done: num },
  predicted: { time: num, predicted: int, skipped: int, peakRssBytes: num },
  error: { time: num, code: str, message: str, file: opt(str), row: opt(int), offset: opt(int), diagnostics: opt(arrayOf(str, Infinity)) },
};

export type { Validated };

/** Checks a message from the trainer; the parent drops (and reports) anything that fails. */
export function validateTrainerEvent(v: unknown): Validated<TrainerEvent> {
  return byType<TrainerEvent>('trainer event', v, eventFields);
}

const searchTag = shape({ name: str, dir: str, trial: intFrom(0), params: record((v) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') });


const optionFields: Record<keyof TrainOptions, Check> = {
  epochs: opt(intFrom(1)),
  batchSize: opt(intFrom(1)),
  device: opt(oneOf('auto', 'gpu', 'cpu')),
  backend: opt(str),
  out: opt(str),
  workspace: opt(str),
  resume: opt(str),
  seed: opt(finite),
  maxBatchesPerEpoch: opt(intFrom(1)),
  batchEventEvery: opt(intFrom(1)),
  wasmDir: opt(str),
  tfjsNodePath: opt(str),
  maxThreads: opt(intFrom(1)),
  specText: opt(str),
  search: opt(searchTag),
  engine: opt(oneOf('auto', 'tfjs', 'pytorch')),
  python: opt(str),
};

export function validateTrainOptions(v: unknown): Validated<TrainOptions> {
  if (!isObj(v)) return { ok: false, error: 'options must be an object' };
  const unknown = Object.keys(v).filter((k) => !isTypeOf(optionFields, k));
  if (unknown.length) return { ok: false, error: `unknown option${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}` };
  return checkFields<TrainOptions>('options', v, optionFields);
}

const evaluateOptionFields: Record<keyof EvaluateOptions, Check> = {
  split: opt(oneOf('test', 'validation', 'train')),
  checkpoint: opt(oneOf('best', 'last')),
  data: opt(str),
  refit: opt(bool),
  backend: opt(str),
  wasmDir: opt(str),
  samplesFile: opt(str),
};

const serveOptionFields: Record<keyof ServeOptions, Check> = {
  checkpoint: opt(oneOf('best', 'last')),
  backend: opt(str),
  wasmDir: opt(str),
  onnx: opt(str),
};

const predictOptionFields: Record<keyof PredictRunOptions, Check> = {
  input: string,
  inputName: opt(string),
  checkpoint: opt(oneOf('best', 'last')),
  topK: opt(intFrom(1)),
  onError: opt(oneOf('skip', 'fail')),
  batchSize: opt(intFrom(1)),
  backend: opt(str),
  wasmDir: opt(str),
};

const engineFields: Record<keyof EngineChoice, Check> = {
  engine: oneOf('tfjs', 'pytorch'),
  reason: str,
  device: opt(str),
  python: opt(str),
  torch: opt(str),
};

/** Checks a command from the parent; the trainer answers an invalid one with an `error` event. */
export function validateTrainerCommand(v: unknown): Validated<TrainerCommand> {
  if (!isObj(v)) return { ok: false, error: 'a trainer command must be an object' };
  if (v.type === 'cancel' || v.type === 'continue') return { ok: true, value: { type: v.type } };
  if (v.type === 'predict') {
    if (!str(v.runDir)) return { ok: false, error: 'invalid `predict` command: `runDir` must be a string' };
    const o = checkFields<PredictRunOptions>('options', v.options, predictOptionFields);
    if (!o.ok) return { ok: false, error: `invalid \`predict\` command: ${o.error}` };
    return { ok: true, value: { type: 'predict', runDir: v.runDir as string, options: o.value } };
  }
  if (v.type === 'evaluate') {
    if (!str(v.runDir)) return { ok: false, error: 'invalid `evaluate` command: `runDir` must be a string' };
    const o = checkFields<EvaluateOptions>('options', v.options ?? {}, evaluateOptionFields);
    if (!o.ok) return { ok: false, error: `invalid \`evaluate\` command: ${o.error}` };
    return { ok: true, value: { type: 'evaluate', runDir: v.runDir as string, options: o.value } };
  }
  if (v.type === 'serve') {
    if (!str(v.runDir)) return { ok: false, error: 'invalid `serve` command: `runDir` must be a string' };
    const o = checkFields<ServeOptions>('options', v.options ?? {}, serveOptionFields);
    if (!o.ok) return { ok: false, error: `invalid \`serve\` command: ${o.error}` };
    return { ok: true, value: { type: 'serve', runDir: v.runDir as string, options: o.value } };
  }
  if (v.type === 'infer') {
    if (!int(v.id) || !arrayOf(isObj, Infinity)(v.inputs)) return { ok: false, error: 'invalid `infer` command: it needs a whole-number `id` and `inputs`, a list of objects' };
    if (v.topK !== undefined && (!int(v.topK) || (v.topK as number) < 1)) return { ok: false, error: 'invalid `infer` command: `topK` must be a whole number of at least 1' };
    return { ok: true, value: { type: 'infer', id: v.id as number, inputs: v.inputs as RawInput[], ...(v.topK !== undefined ? { topK: v.topK as number } : {}) } };
  }
  if (v.type === 'start' || v.type === 'prepare') {
    if (!str(v.specPath)) return { ok: false, error: `invalid \`${v.type}\` command: \`specPath\` must be a string` };
    const o = validateTrainOptions(v.options ?? {});
    if (!o.ok) return { ok: false, error: `invalid \`${v.type}\` command: ${o.error}` };
    const e = v.type === 'start' && v.engine === undefined ? undefined : checkFields<EngineChoice>('engine', v.engine, engineFields);
    if (v.type === 'start') {
      if (e && !e.ok) return { ok: false, error: `invalid \`start\` command: ${e.error}` };
      return { ok: true, value: { type: 'start', specPath: v.specPath as string, options: o.value, ...(e ? { engine: e.value } : {}) } };
    }
    if (!e) return { ok: false, error: 'invalid `prepare` command: it needs `engine`' };
    if (!e.ok) return { ok: false, error: `invalid \`prepare\` command: ${e.error}` };
    return { ok: true, value: { type: 'prepare', specPath: v.specPath as string, options: o.value, engine: e.value } };
  }
  return { ok: false, error: `unknown trainer command ${JSON.stringify(v.type)?.slice(0, 60)}` };
}

/** The fields of `run.json`, the run folder's summary (written at start, updated at the end). */
export interface RunRecord {
  status: RunStatus;
  /** Why it ended (absent while running). */
  reason?: string;
  spec: string;
  specName: string;
  specHash: string;
  dataFingerprint?: string;
  seed: number;
  backend?: string;
  device?: string;
  deviceReason?: string;
  /** torch's CPU threads, when the PyTorch package or engine trained on the CPU. */
  threads?: number;
  /** The PyTorch package's precision, in Lightning's names: 32-true, 64-true (`--float64`), bf16-mixed or 16-mixed (`--amp` on the CPU or CUDA). */
  precision?: '32-true' | '64-true' | 'bf16-mixed' | '16-mixed';
  /** Which engine trained (absent: the embedded tfjs trainer) and why it was chosen. */
  engine?: 'tfjs' | 'pytorch';
  engineReason?: string;
  versions: Record<string, string>;
  params?: number;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  epochs?: number;
  final?: Metrics;
  test?: Metrics;
  error?: { code: string; message: string; file?: string; row?: number; offset?: number };
  resumedFrom?: string;
  pid?: number;
  /** Set when the run is a trial of a hyperparameter search. */
  search?: SearchTag;
  /** Set when `modelyaml import` brought the run back from a PyTorch package's run folder. */
  imported?: ImportedFrom;
}

/** Where an imported run came from (docs/cluster.md, "Bringing a cluster run back"). */
export interface ImportedFrom {
  /** The PyTorch run folder, the package that trained it, and the checkpoint file converted. */
  from: string;
  package: string;
  checkpoint: string;
  at: string;
}

const runRecordFields: Fields = {
  status: oneOf('running', 'completed', 'cancelled', 'failed'),
  spec: str,
  specName: str,
  specHash: str,
  seed: num,
  versions: record(str),
  startedAt: str,
  final: opt(metrics),
  test: opt(metrics),
  search: opt(searchTag),
};

/** Checks a `run.json` read back from disk. */
export function validateRunRecord(v: unknown): Validated<RunRecord> {
  return checkFields<RunRecord>('run.json', v, runRecordFields, 'run.json must hold an object');
}

export const isTrainerEventType = (t: unknown): t is TrainerEvent['type'] => isTypeOf(eventFields, t);

/**
 * How a run ended, in one phrase for people: the status word, then the `done` event's reason,
 * without saying the word twice ("Completed 3 epochs", "Cancelled in epoch 2, batch 5", not
 * "Completed: completed 3 epochs"); another reason follows a colon ("Completed: early stopping: …").
 */
export function endingText(word: string, reason?: string): string {
  if (!reason) return word;
  return reason.toLowerCase().startsWith(`${word.toLowerCase()} `) ? `${word}${reason.slice(word.length)}` : `${word}: ${reason}`;
}
