/**
 * `modelyaml`: the same core the editor uses, for terminals, CI and pre-commit hooks.
 */
import { readFileSync } from 'node:fs';
import { delimiter, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hasErrors, type Analysis } from '../core/analyze';
import { catalogReference } from '../core/docs';
import { architectureGraph, toMermaid } from '../core/graph';
import { jsonSchema } from '../core/jsonSchema';
import { formatSummary, summarize, summaryJson } from '../core/summary';
import { DATA_PATHS_ENV } from '../node/dataPaths';
import { hdf5 } from '../node/pretrained';
import { terminalTrainIO, trainCommand } from './train';
import { evaluateCommand } from './evaluate';
import { predictCommand, type PredictIO } from './predict';
import { exportCommand } from './export';
import { diffCommand } from './diff';
import { searchCommand } from './search';
import { runsCommand } from './runs';
import { formatDiagnostic, loadSpec as load, paint } from './diagnostics';
import { importCommand } from './import';
import { downloadCommand, type DownloadIO } from './download';
import { VERSION } from '../core/version';

const HELP = `modelyaml — check, summarise, draw and train *.model.yaml neural-network specs

Usage:
  modelyaml check <files…> [--format text|json]   report problems; exit 1 on errors
  modelyaml summary <file> [--format text|json]   layer table with output shapes and parameters
  modelyaml graph <file> [--direction TB|LR]      the architecture as Mermaid text
  modelyaml diff <a> <b> | <file> --git <rev> [--format text|json]
                                                  layers added, removed and changed, parameter
                                                  counts and settings between two specs, or a
                                                  spec and its version at a git revision
  modelyaml runs [PATH] [--spec FILE] [--format text|json]
                                                  the runs in PATH/.modelyaml/runs by spec: status,
                                                  start, backend, duration, metrics and the
                                                  parameters that differ between them
  modelyaml train <file> [--epochs N] [--device auto|gpu|cpu] [--out DIR]
                 [--resume [RUN_DIR|latest]] [--engine auto|tfjs|pytorch]
                 [--python PATH] [--verbose]
                                                  train in a child process; progress, run record
                                                  in .modelyaml/runs/<name>/<time>/; Ctrl-C cancels
                                                  (exit 130); --resume carries on from a checkpoint;
                                                  --engine pytorch (or auto, the default, when a
                                                  Python with torch is found) trains the spec's
                                                  exported PyTorch package
  modelyaml search <file> [--trials N] [--parallel P] [--resume DIR|latest] [--format text|json]
                                                  hyperparameter search over the spec's search:
                                                  section, each trial a run; journal, resume and
                                                  best.model.yaml in .modelyaml/searches/<name>/<time>/
  modelyaml evaluate <run-dir> [--split test|validation|train] [--data FILE.csv|FILE.jsonl|DIR]
                 [--checkpoint best|last] [--format text|json] [--refit]
                                                  score a trained run on a split (or a labelled
                                                  file or image folder): classification report or
                                                  regression table; writes evaluation.json into
                                                  the run folder; --refit recomputes a missing
                                                  preprocessing.json from the spec's data
  modelyaml predict <run-dir> --input FILE|DIR|- [--format jsonl|csv] [--top-k K]
                 [--checkpoint best|last] [--on-error skip|fail] [--batch-size N]
                                                  answer raw inputs with a trained run: CSV or
                                                  JSONL rows, text lines, PNG/JPEG images or a
                                                  folder of them; a line per input (class name,
                                                  probabilities, top k, or the value) with its
                                                  file and row; streams any size
  modelyaml export <run-dir> --format onnx [--out FILE] [--opset 17]
                 [--include-preprocessing] [--quantize float16|int8]
                 [--checkpoint best|last]
                                                  the run's model as an ONNX file (default
                                                  <run-dir>/model.onnx), checked in onnxruntime on
                                                  the test split: size and accuracy beside the
                                                  float32 model's in export.json, MODEL_CARD.md
                                                  beside it; layers that cannot be exported
                                                  faithfully are refused
  modelyaml export <run-dir> --format tfjs [--out DIR] [--quantize float16|uint8]
                 [--checkpoint best|last]
                                                  a stock TensorFlow.js layers model folder
                                                  (default <run-dir>/tfjs): model.json, weights,
                                                  tf.min.js, index.html, MODEL_CARD.md, export.json
  modelyaml export <spec|run-dir> --format pytorch --out DIR [--no-search]
                                                  a readable PyTorch package (model.py, data.py,
                                                  train.py for one process or torchrun/DDP; a
                                                  run's weights and fitted preprocessing with it)
  modelyaml import <pytorch-run-dir> [--out DIR] [--checkpoint best|last|FILE] [--python PATH]
                 [--package DIR] [--spec FILE]
                                                  a run trained by an exported PyTorch package
                                                  (train.py's run folder) as a ModelYAML run:
                                                  TF.js model, run record, metrics, preprocessing
  modelyaml serve <run-dir|model.onnx> [--port P] [--host H] [--checkpoint best|last] [--top-k K]
                 [--max-batch N] [--batch-wait-ms MS] [--no-batching] [--body-limit BYTES]
                 [--max-inputs N]
                                                  an HTTP JSON API over a trained run or its
                                                  model.onnx (in onnxruntime-node):
                                                  POST /v1/predict, GET /v1/metadata, /healthz,
                                                  /metrics; 127.0.0.1:8080 unless --host/--port
                                                  say otherwise; concurrent requests batched;
                                                  SIGTERM/Ctrl-C finishes requests, then stops
  modelyaml download <owner/name> [--revision REV] [--out DIR] [--files F,…]
                                                  a Hugging Face model's files (config.json,
                                                  model.safetensors, vocab.txt, tokenizer files)
                                                  into DIR (default models/<name>), checked as the
                                                  bert layer checks them; HF_TOKEN for gated
                                                  models, HF_ENDPOINT for a mirror
  modelyaml schema                                JSON Schema for other YAML tooling
  modelyaml docs                                  the language reference (Markdown)
  modelyaml lsp --stdio                           run the language server for any LSP client

Options:
  -h, --help       show this help
  -v, --version    show the version
  --allow-data-path DIR
                   let specs read data files in DIR (repeatable); by default a spec reads
                   data only inside the working folder or the git repository that holds it
                   (also MODELYAML_DATA_PATHS, folders separated like PATH)

Examples:
  modelyaml check examples/*.model.yaml
  modelyaml summary examples/mnist-cnn.model.yaml
  modelyaml graph examples/residual-cnn.model.yaml > model.mmd
  modelyaml diff examples/mnist-cnn.model.yaml --git HEAD~1
  modelyaml train examples/mnist-cnn.model.yaml --epochs 2
  modelyaml evaluate .modelyaml/runs/mnist-cnn/<time> --split validation
  modelyaml predict .modelyaml/runs/mnist-cnn/<time> --input digits/ --format csv
  modelyaml export .modelyaml/runs/mnist-cnn/<time> --format onnx --quantize int8
  modelyaml serve .modelyaml/runs/iris/<time> --port 8080
  modelyaml download prajjwal1/bert-tiny --out models/bert-tiny
`;

export interface CliIO {
  out(s: string): void;
  err(s: string): void;
}

const stdio: CliIO = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

/** The terminal's streams for `predict`: written output waits for stdout to drain, and a progress bar when stderr is a terminal. */
function terminalPredictIO(io: CliIO): PredictIO {
  return {
    ...io,
    drained: () => (process.stdout.writableNeedDrain ? new Promise<void>((r) => process.stdout.once('drain', () => r())) : Promise.resolve()),
    progress: !!process.stderr.isTTY,
  };
}

/** The terminal's streams for `download`: a progress line when stderr is a terminal; Ctrl-C cancels. */
function terminalDownloadIO(io: CliIO): DownloadIO {
  const { onInterrupt } = terminalTrainIO(io);
  return { ...io, progress: !!process.stderr.isTTY, onInterrupt };
}

function check(files: string[], format: string, io: CliIO): number {
  if (!files.length) {
    io.err('modelyaml check: name at least one spec file.\n');
    return 2;
  }
  let errors = 0;
  let warnings = 0;
  const json: unknown[] = [];
  for (const file of files) {
    const a = load(file, io);
    if (!a) {
      errors++;
      json.push({ file, error: 'unreadable' });
      continue;
    }
    const shown = relative(process.cwd(), file) || file;
    for (const d of a.diagnostics) {
      if (d.severity === 'error') errors++;
      else if (d.severity === 'warning') warnings++;
      if (format === 'json') {
        const s = a.lines.position(d.range.start);
        const e = a.lines.position(d.range.end);
        json.push({ file: shown, line: s.line + 1, column: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1, severity: d.severity, code: d.code, message: d.message });
      } else io.out(formatDiagnostic(shown, a, d));
    }
  }
  if (format === 'json') io.out(JSON.stringify(json, null, 2) + '\n');
  else {
    const ok = errors === 0;
    io.out(
      `${ok ? paint('32', '✓') : paint('31', '✗')} ${files.length} spec${files.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`,
    );
  }
  return errors ? 1 : 0;
}

function single(files: string[], cmd: string, io: CliIO): Analysis | undefined {
  if (files.length !== 1) {
    io.err(`modelyaml ${cmd}: name exactly one spec file.\n`);
    return undefined;
  }
  const a = load(files[0], io);
  if (a && hasErrors(a)) {
    for (const d of a.diagnostics.filter((x) => x.severity === 'error')) io.err(formatDiagnostic(files[0], a, d));
  }
  return a;
}

/** `--resume` with no folder after it (last, or before another flag or the spec) means `latest`. */
function resumeDefault(argv: string[]): string[] {
  const i = argv.indexOf('--resume');
  if (i < 0) return argv;
  const next = argv[i + 1];
  if (next !== undefined && !next.startsWith('-') && !/\.ya?ml$/.test(next)) return argv;
  return [...argv.slice(0, i + 1), 'latest', ...argv.slice(i + 1)];
}

function namesPretrainedWeights(file: string): boolean {
  try {
    return /\.ya?ml$/.test(file) && /^\s+weights:/m.test(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

/** Every flag of every command (node:util parseArgs); each command reads its own. */
const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  format: { type: 'string' },
  direction: { type: 'string', default: 'TB' },
  epochs: { type: 'string' },
  device: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'string' },
  engine: { type: 'string' },
  python: { type: 'string' },
  split: { type: 'string' },
  data: { type: 'string' },
  checkpoint: { type: 'string' },
  input: { type: 'string' },
  'top-k': { type: 'string' },
  'on-error': { type: 'string' },
  'batch-size': { type: 'string' },
  opset: { type: 'string' },
  'include-preprocessing': { type: 'boolean' },
  'no-search': { type: 'boolean' },
  quantize: { type: 'string' },
  verbose: { type: 'boolean' },
  refit: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  'max-batch': { type: 'string' },
  'batch-wait-ms': { type: 'string' },
  'no-batching': { type: 'boolean' },
  'body-limit': { type: 'string' },
  'max-inputs': { type: 'string' },
  stdio: { type: 'boolean' },
  'node-ipc': { type: 'boolean' },
  socket: { type: 'string' },
  clientProcessId: { type: 'string' },
  'allow-data-path': { type: 'string', multiple: true },
  git: { type: 'string' },
  trials: { type: 'string' },
  parallel: { type: 'string' },
  spec: { type: 'string' },
  package: { type: 'string' },
  revision: { type: 'string' },
  files: { type: 'string', multiple: true },
} as const;

export async function main(argv: string[], io: CliIO = stdio): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: resumeDefault(argv),
      allowPositionals: true,
      options: OPTIONS,
    });
  } catch (e) {
    io.err(`modelyaml: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  // Through the environment, so the trainer's child process honours it too.
  if (values['allow-data-path']?.length) {
    const allowed = [process.env[DATA_PATHS_ENV], ...values['allow-data-path'].map((d) => resolve(d))].filter(Boolean);
    process.env[DATA_PATHS_ENV] = allowed.join(delimiter);
  }
  const [cmd, ...rest] = positionals;
  if (values.version) {
    io.out(`${VERSION}\n`);
    return 0;
  }
  if (values.help || !cmd || cmd === 'help') {
    io.out(HELP);
    return cmd || values.help ? 0 : 2;
  }
  // The synchronous checks read Keras weights files with h5wasm, which starts asynchronously.
  if (rest.some(namesPretrainedWeights)) await hdf5().catch(() => undefined);
  return runCommand(cmd, rest, values, io);
}

type Flags = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>>['values'];

/** Runs one command with its flags parsed. */
async function runCommand(cmd: string, rest: string[], values: Flags, io: CliIO): Promise<number> {
  const format = values.format ?? 'text';
  switch (cmd) {
    case 'evaluate':
      return evaluateCommand(rest, { split: values.split, checkpoint: values.checkpoint, data: values.data, refit: values.refit, format, verbose: values.verbose }, io);
    case 'predict': {
      const flags = { input: values.input, format: values.format, topK: values['top-k'], checkpoint: values.checkpoint, onError: values['on-error'], batchSize: values['batch-size'], verbose: values.verbose };
      return predictCommand(rest, flags, io === stdio ? terminalPredictIO(io) : io);
    }
    case 'export':
      return exportCommand(rest, { format: values.format, out: values.out, opset: values.opset, includePreprocessing: values['include-preprocessing'], quantize: values.quantize, checkpoint: values.checkpoint, noSearch: values['no-search'] }, io);
    case 'import':
      return importCommand(rest, { out: values.out, checkpoint: values.checkpoint, python: values.python, package: values.package, spec: values.spec }, io);
    case 'diff':
      return diffCommand(rest, { format, git: values.git }, io);
    case 'runs':
      return runsCommand(rest, { format, spec: values.spec }, io);
    case 'serve': {
      // Loaded here: fastify is only for this command.
      const { serveCommand } = await import('./serve');
      const flags = {
        port: values.port, host: values.host, checkpoint: values.checkpoint, topK: values['top-k'], maxBatch: values['max-batch'], batchWaitMs: values['batch-wait-ms'],
        noBatching: values['no-batching'], bodyLimit: values['body-limit'], maxInputs: values['max-inputs'],
      };
      return serveCommand(rest, flags, io);
    }
    case 'check':
      if (format !== 'text' && format !== 'json') {
        io.err(`modelyaml check: --format must be text or json, not ${format}.\n`);
        return 2;
      }
      return check(rest, format, io);
    case 'summary': {
      if (format !== 'text' && format !== 'json') {
        io.err(`modelyaml summary: --format must be text or json, not ${format}.\n`);
        return 2;
      }
      const a = single(rest, 'summary', io);
      if (!a) return 1;
      io.out(format === 'json' ? summaryJson(summarize(a)) : formatSummary(summarize(a), !!a.model?.isGraph));
      return hasErrors(a) ? 1 : 0;
    }
    case 'graph': {
      const a = single(rest, 'graph', io);
      if (!a) return 1;
      if (values.direction !== 'TB' && values.direction !== 'LR') {
        io.err('modelyaml graph: --direction must be TB or LR.\n');
        return 2;
      }
      io.out(toMermaid(architectureGraph(a), { direction: values.direction }));
      return hasErrors(a) ? 1 : 0;
    }
    case 'train':
      return trainCommand(rest, { epochs: values.epochs, device: values.device, out: values.out, resume: values.resume, engine: values.engine, python: values.python, verbose: values.verbose }, io === stdio ? terminalTrainIO(io) : io);
    case 'search':
      return searchCommand(rest, { trials: values.trials, parallel: values.parallel, resume: values.resume, format: values.format, verbose: values.verbose }, io === stdio ? terminalTrainIO(io) : io);
    case 'download':
      return downloadCommand(rest, { revision: values.revision, out: values.out, files: values.files }, io === stdio ? terminalDownloadIO(io) : io);
    case 'schema':
      io.out(JSON.stringify(jsonSchema(), null, 2) + '\n');
      return 0;
    case 'docs':
      io.out(catalogReference());
      return 0;
    case 'lsp': {
      // The server is its own bundle next to this one (dist/server.js); it reads --stdio itself.
      require(join(__dirname, 'server.js'));
      return new Promise<number>(() => undefined); // runs until the client disconnects
    }
    default: {
      const known = ['check', 'summary', 'graph', 'diff', 'runs', 'train', 'search', 'evaluate', 'predict', 'export', 'import', 'serve', 'download', 'schema', 'docs', 'lsp'];
      const { closest } = await import('../core/suggest');
      const s = closest(cmd, known);
      io.err(`modelyaml: unknown command '${cmd}'.${s ? ` Did you mean '${s}'?` : ''}\n\n${HELP}`);
      return 2;
    }
  }
}
