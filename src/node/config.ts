/**
 * Every `MODELYAML_*` environment variable the product reads, in one table: its name, what it
 * does and how its value is parsed. Code asks `env.<setting>()` instead of reading
 * `process.env`, so one boolean parser serves every switch and docs/configuration.md is
 * generated from this table (`npm run generate`). Values are read on every call: tests and the
 * trainer's parent set them per run.
 *
 * Users configure the product through VS Code settings or CLI flags; these variables are for
 * benchmarks, diagnosis and CI. Settings that a caller passes to the trainer travel in the typed
 * `TrainOptions` instead. The one exception is Hugging Face's own `HF_ENDPOINT`/`HF_TOKEN`, read by
 * src/node/hfDownload.ts exactly as `huggingface_hub` reads them (docs/fine-tuning.md).
 */

/** `1|on|true|yes` → true, `0|off|false|no` → false (any case), anything else → undefined. */
export function parseSwitch(raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  if (/^(1|on|true|yes)$/i.test(raw.trim())) return true;
  if (/^(0|off|false|no)$/i.test(raw.trim())) return false;
  return undefined;
}

/** A positive number, or undefined when unset, empty or not a positive finite number. */
export function parsePositive(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

const parseText = (raw: string | undefined): string | undefined => (raw === undefined || raw === '' ? undefined : raw);

interface Variable<T> {
  name: `MODELYAML_${string}`;
  /** Values it takes, for the docs. */
  values: string;
  doc: string;
  parse: (raw: string | undefined) => T;
}

const switchVar = (name: `MODELYAML_${string}`, doc: string): Variable<boolean | undefined> => ({ name, values: '`1`/`on` · `0`/`off`', doc, parse: parseSwitch });
const numberVar = (name: `MODELYAML_${string}`, doc: string): Variable<number | undefined> => ({ name, values: 'a positive number', doc, parse: parsePositive });
const textVar = (name: `MODELYAML_${string}`, values: string, doc: string): Variable<string | undefined> => ({ name, values, doc, parse: parseText });

/** The table. Order is the docs' order. */
export const VARIABLES = {
  threads: numberVar('MODELYAML_THREADS', 'Most logical cores one training run uses (default: all; the `maxThreads` train option, set from `modelyaml.train.maxThreads`, outranks it).'),
  parallel: switchVar('MODELYAML_PARALLEL', 'Data-parallel training across worker threads: forced on, or off (default: on when a step is big enough to pay for it).'),
  parallelProfile: switchVar('MODELYAML_PARALLEL_PROFILE', 'Log how each data-parallel step splits its time.'),
  wasmThreads: numberVar('MODELYAML_WASM_THREADS', 'Use the threaded WebAssembly build with this many threads (default: chosen by core count and the work in a training step or a predicted batch).'),
  webgpu: switchVar('MODELYAML_WEBGPU', '`0` skips WebGPU when choosing a backend.'),
  webgpuFused: switchVar('MODELYAML_WEBGPU_FUSED', '`0` turns off the project\'s fused WebGPU kernels (tfjs\'s own run instead).'),
  webgpuDispatchCache: switchVar('MODELYAML_WEBGPU_DISPATCH_CACHE', '`0` turns off the cache of WebGPU uniform buffers and bind groups.'),
  webgpuStepSubmit: switchVar('MODELYAML_WEBGPU_STEP_SUBMIT', '`1` submits WebGPU work after every step (measured slower; for diagnosis).'),
  webgpuSubmitBatch: numberVar('MODELYAML_WEBGPU_SUBMIT_BATCH', 'WebGPU launches per submitted command buffer (default 100).'),
  dawnNode: textVar('MODELYAML_DAWN_NODE', 'a path', 'A `dawn.node` to load for WebGPU before the bundled one.'),
  tfjsNodePath: textVar('MODELYAML_TFJS_NODE_PATH', 'a folder', 'A `@tensorflow/tfjs-node(-gpu)` installation to train with (the extension\'s `modelyaml.tfjsNodePath`).'),
  engine: textVar('MODELYAML_ENGINE', '`auto` · `tfjs` · `pytorch`', 'The training engine when the caller names none (the CLI\'s `--engine`, the extension\'s `modelyaml.train.engine` outrank it; default `auto`). The test suite sets `tfjs`, so tests of the embedded trainer stay on it on machines with PyTorch.'),
  python: textVar('MODELYAML_PYTHON', 'a path', 'The Python interpreter with `torch` for the PyTorch engine and `modelyaml import`, before the workspace\'s `.venv`/`venv`, `$CONDA_PREFIX` and `python3` on PATH (the CLI\'s `--python` and the extension\'s `modelyaml.pythonPath` outrank it).'),
  residentData: switchVar('MODELYAML_RESIDENT_DATA', '`0` keeps training data on the host instead of uploading it to the backend once.'),
  maxRecordBytes: numberVar('MODELYAML_MAX_RECORD_BYTES', 'Longest row (CSV record or JSON line) the trainer reads, in bytes (default 64 MiB).'),
  dataPaths: textVar('MODELYAML_DATA_PATHS', 'folders, separated like PATH', 'Folders outside the workspace that specs may read data from (the CLI\'s `--allow-data-path DIR` adds to it).'),
  maxDataMb: numberVar('MODELYAML_MAX_DATA_MB', 'Most megabytes of decoded data (features and labels) a run loads into memory (default 2048).'),
  dataReadSeconds: numberVar('MODELYAML_DATA_READ_SECONDS', 'Longest time the language server waits for one data file to be inspected or read (stat, header, statistics) before it gives up on the file, stops the analysis worker that reads it and reports the read as timed out (default 5).'),
  analysisWorkers: numberVar('MODELYAML_ANALYSIS_WORKERS', 'Analysis workers of the language server: open documents get one each up to this many, then share (default 4).'),
  analysisMemoryMb: numberVar('MODELYAML_ANALYSIS_MEMORY_MB', 'Heap limit of each analysis worker in MiB; a worker that runs out is restarted and costs only its document\'s diagnostics (default 2048).'),
  dataFault: textVar('MODELYAML_DATA_FAULT', '`hang:NAME`, `oom:NAME` (comma-separated)', 'Tests only: the language server\'s analysis worker blocks forever (`hang`) or runs out of memory (`oom`) when it reads a data file named NAME (server/worker/dataHost.ts).'),
  evaluateTimeout: numberVar('MODELYAML_EVALUATE_TIMEOUT', 'Seconds an evaluation (`modelyaml evaluate`, the extension\'s) may run before its trainer process is stopped with an error (default 1800).'),
  trace: switchVar('MODELYAML_TRACE', 'The language server logs each check\'s duration to stderr.'),
  trainerFault: textVar('MODELYAML_TRAINER_FAULT', '`crash@N`, `hang@N`, `oom@N`', 'Tests only: the trainer fails that way after the given batch (src/trainer/main.ts).'),
} satisfies Record<string, Variable<unknown>>;

type Variables = typeof VARIABLES;

/** `env.threads()` etc.: the parsed current value of each variable. */
export const env = Object.fromEntries(
  Object.entries(VARIABLES).map(([key, v]) => [key, () => (v.parse as (raw: string | undefined) => unknown)(process.env[v.name])]),
) as { [K in keyof Variables]: () => ReturnType<Variables[K]['parse']> };

/** The Markdown table for docs/configuration.md. */
export function variablesTable(): string {
  const rows = Object.values(VARIABLES).map((v) => `| \`${v.name}\` | ${v.values} | ${v.doc} |`);
  return ['| variable | values | what it does |', '| --- | --- | --- |', ...rows].join('\n');
}
