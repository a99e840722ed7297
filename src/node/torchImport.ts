/**
 * `modelyaml import <pytorch-run-dir>`: a run folder written by an exported PyTorch package's
 * train.py (run.json, metrics.jsonl, checkpoints/*.pt) becomes a ModelYAML run folder — the
 * checkpoint as a TensorFlow.js layers model (model/), the run record marked as imported,
 * metrics.jsonl, the spec snapshot and preprocessing.json — so evaluate, predict, export and
 * serve open it like any run. The tensors are converted by the package's own weights.py in a
 * Python with torch (./torchImportPy.ts); the Keras topology it fills is the package's tfjs/
 * template (exported from a run) or one the embedded trainer builds from the spec (a one-batch
 * run in a temporary folder, which also fits the preprocessing from the spec's data).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PREPROCESSING_FILE } from '../core/protocol/preprocessing';
import type { RunRecord, RunStatus } from '../core/protocol/trainer';
import { env } from './config';
import { sha256 } from './files';
import { findTorch } from './pythonDiscovery';
import { createRunDir, METRICS_FILE, RUN_FILE, SPEC_SNAPSHOT_FILE } from './runRecord';
import { startTraining } from './trainerClient';
import { CONVERT_PY } from './torchImportPy';

export class ImportError extends Error {
  override name = 'ImportError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface TorchImportOptions {
  /** The ModelYAML run folder to write (default: a new one under `<cwd>/.modelyaml/runs/<spec-name>/`). */
  out?: string;
  /** `best`, `last` or a .pt file; default best when the run has it, else last. */
  checkpoint?: string;
  /** The interpreter with torch (default: MODELYAML_PYTHON, else discovered as the PyTorch engine does). */
  python?: string;
  /** The package that trained the run (default: the folder of the spec.yaml run.json names). */
  package?: string;
  /** The original spec, whose folder the data paths are read against (default: the package's spec.yaml). */
  spec?: string;
  trainerPath?: string;
  /** Where a new run folder goes when `out` is not given (default `<cwd>/.modelyaml/runs`). */
  runsRoot?: string;
}

export interface TorchImport {
  runDir: string;
  checkpoint: string;
  package: string;
  /** Where the Keras topology came from: the package's tfjs/ folder, or built by the trainer. */
  template: 'package' | 'trainer';
  tensors: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The PyTorch run's run.json, or an error saying why the folder is not one. */
function readTorchRecord(runDir: string): Record<string, unknown> {
  const file = join(runDir, RUN_FILE);
  const notRun = (why: string): never => {
    throw new ImportError('import/not-a-torch-run', `${runDir} is not a PyTorch run folder: ${why}. Name the --out folder of an exported package's train.py (it holds run.json, metrics.jsonl and checkpoints/*.pt).`);
  };
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) notRun('no such folder');
  if (!existsSync(file)) notRun(`it has no ${RUN_FILE}`);
  let rec: unknown;
  try {
    rec = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return notRun(`${file} is not JSON (${(e as Error).message})`);
  }
  if (!isObj(rec) || rec.backend !== 'pytorch') notRun(`${file} does not say backend "pytorch"${isObj(rec) && typeof rec.backend === 'string' ? ` (it says "${rec.backend}": that run opens as it is)` : ''}`);
  const record = rec as Record<string, unknown>;
  if (isObj(record.imported)) notRun(`it is a ModelYAML run imported already from ${String(record.imported.from)}: evaluate, predict, export and serve open it as it is`);
  return record;
}

/** The package folder: the one named, else the folder of the spec.yaml the run record names. */
function packageDir(record: Record<string, unknown>, runDir: string, given?: string): string {
  const isPackage = (d: string) => existsSync(join(d, 'model.py')) && existsSync(join(d, 'weights.py')) && existsSync(join(d, 'spec.yaml'));
  if (given) {
    const dir = resolve(given);
    if (!isPackage(dir)) throw new ImportError('import/no-package', `--package ${given} is not an exported PyTorch package (model.py, weights.py and spec.yaml): name the folder \`modelyaml export --format pytorch\` wrote.`);
    return dir;
  }
  const dir = typeof record.spec === 'string' ? dirname(record.spec) : '';
  if (dir && isPackage(dir)) return dir;
  throw new ImportError('import/no-package', `${join(runDir, RUN_FILE)} names the package ${dir || '(none)'}, which is not here (a run trained on another machine): name its package folder with --package DIR.`);
}

/** The .pt file to convert: `best`, `last`, a file, or by default best when present, else last. */
function checkpointFile(runDir: string, choice?: string): string {
  const at = (kind: string) => join(runDir, 'checkpoints', `${kind}.pt`);
  if (choice === 'best' || choice === 'last') {
    if (existsSync(at(choice))) return at(choice);
    const other = choice === 'best' ? 'last' : 'best';
    throw new ImportError('import/no-checkpoint', `${runDir} has no ${choice} checkpoint (checkpoints/${choice}.pt).${existsSync(at(other)) ? ` It has a ${other} one: use --checkpoint ${other}.` : ''}`);
  }
  if (choice !== undefined) {
    const file = resolve(choice);
    if (!existsSync(file) || !statSync(file).isFile()) throw new ImportError('import/no-checkpoint', `--checkpoint ${choice}: no such file (name best, last or a .pt file).`);
    return file;
  }
  for (const kind of ['best', 'last']) if (existsSync(at(kind))) return at(kind);
  throw new ImportError('import/no-checkpoint', `${runDir} has no checkpoint (checkpoints/best.pt or checkpoints/last.pt): the run ended before its first epoch, or name a .pt file with --checkpoint FILE.`);
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError?: string;
}

/** Runs the interpreter asynchronously, `input` on its stdin. */
function runPython(python: string, args: string[], input: string, cwd: string): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn(python, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString('utf8')).slice(-8192)));
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => done({ code: null, stdout, stderr, spawnError: e.message }));
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

const HOW_TO_POINT = 'Install PyTorch there, or name an interpreter that has it with --python PATH (or MODELYAML_PYTHON).';

/** Fails early with how to point at another interpreter when this one cannot import torch. */
/** The interpreter with torch, found as the PyTorch engine finds it (named one, MODELYAML_PYTHON, .venv, venv, conda, PATH). */
async function torchPython(named: string | undefined): Promise<string> {
  const explicit = named ?? env.python();
  const { found, tried } = await findTorch({ explicit, workspace: process.cwd() });
  if (found) return found.python;
  if (explicit) await checkTorch(explicit);
  throw new ImportError('import/no-torch', `No Python with torch was found (${tried.join('; ') || 'no interpreter found'}). ${HOW_TO_POINT}`);
}

async function checkTorch(python: string): Promise<void> {
  const r = await runPython(python, ['-c', 'import torch'], '', process.cwd());
  if (r.spawnError) throw new ImportError('import/no-python', `Could not start Python (${python}: ${r.spawnError}). ${HOW_TO_POINT}`);
  if (r.code !== 0) throw new ImportError('import/no-torch', `${python} cannot import torch. ${HOW_TO_POINT}`);
}

/**
 * Converts `checkpoint` into `outDir` (model.json + weights.bin) with the package's weights.py; with
 * template and outDir `-` only checks the interpreter and the tensors (before a template is built).
 */
async function convert(python: string, pkg: string, checkpoint: string, template: string, outDir: string): Promise<number> {
  const r = await runPython(python, ['-', pkg, checkpoint, template, outDir], CONVERT_PY, pkg);
  if (r.spawnError) throw new ImportError('import/no-python', `Could not start Python (${python}: ${r.spawnError}). ${HOW_TO_POINT}`);
  let answer: Record<string, unknown> = {};
  try {
    answer = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  } catch {
    /* no answer: the error output says why */
  }
  if (r.code === 0 && typeof answer.tensors === 'number') return answer.tensors;
  if (answer.code === 'import/no-torch') throw new ImportError('import/no-torch', `${String(answer.message)}. ${HOW_TO_POINT}`);
  if (typeof answer.code === 'string') throw new ImportError(answer.code, String(answer.message));
  const last = r.stderr.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
  throw new ImportError('import/convert-failed', `Converting ${checkpoint} with ${python} failed (exit ${r.code}): ${last || 'no error output'}`);
}

/** A Keras topology for the spec and its fitted preprocessing: a one-batch run of the embedded trainer in a temporary folder. */
async function trainerTemplate(specPath: string, specText: string, trainerPath: string | undefined): Promise<{ dir: string; template: string; preprocessing?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'modelyaml-import-'));
  const handle = startTraining(specPath, { trainerPath, out: dir, specText, epochs: 1, maxBatchesPerEpoch: 1, device: 'cpu' }, () => undefined);
  const result = await handle.done;
  const runDir = result.runDir ?? result.done?.runDir;
  const template = runDir && ['model', 'checkpoints/last', 'checkpoints/best'].map((c) => join(runDir, c)).find((d) => existsSync(join(d, 'model.json')));
  if (!runDir || !template) {
    rmSync(dir, { recursive: true, force: true });
    throw new ImportError('import/no-template', `The trainer could not build ${specPath}'s model to convert into${result.error ? `: ${result.error.message}` : ''}.`);
  }
  const pre = join(runDir, PREPROCESSING_FILE);
  return { dir, template, preprocessing: existsSync(pre) ? readFileSync(pre, 'utf8') : undefined };
}

/** The imported run's record: the PyTorch run's fields, marked with where it came from. */
function importedRecord(torch: Record<string, unknown>, specPath: string, specText: string, from: { runDir: string; pkg: string; checkpoint: string }): RunRecord {
  const str = (k: string) => (typeof torch[k] === 'string' ? (torch[k] as string) : undefined);
  const num = (k: string) => (typeof torch[k] === 'number' ? (torch[k] as number) : undefined);
  const wasRunning = torch.status === 'running';
  const status: Exclude<RunStatus, 'running'> = wasRunning ? 'cancelled' : (['completed', 'cancelled', 'failed'].includes(String(torch.status)) ? torch.status : 'completed') as Exclude<RunStatus, 'running'>;
  const versions = isObj(torch.versions) ? Object.fromEntries(Object.entries(torch.versions).filter(([, v]) => typeof v === 'string')) as Record<string, string> : {};
  const rec: RunRecord = {
    status,
    reason: wasRunning ? `imported while the PyTorch run was still running (after epoch ${num('epochs') ?? '?'})` : str('reason'),
    spec: specPath,
    specName: str('specName') ?? 'model',
    specHash: sha256(specText),
    seed: num('seed') ?? 0,
    backend: 'pytorch',
    device: str('device'),
    deviceReason: str('deviceReason'),
    versions,
    params: num('params'),
    startedAt: str('startedAt') ?? new Date().toISOString(),
    endedAt: str('endedAt'),
    durationMs: num('durationMs'),
    epochs: num('epochs'),
    final: isObj(torch.final) ? (torch.final as RunRecord['final']) : undefined,
    imported: { from: from.runDir, package: from.pkg, checkpoint: from.checkpoint, at: new Date().toISOString() },
  };
  return Object.fromEntries(Object.entries(rec).filter(([, v]) => v !== undefined)) as unknown as RunRecord;
}

/** The folder to write: `out` (new or empty), else a new run folder for the spec. */
function outputDir(o: TorchImportOptions, specName: string): string {
  if (!o.out) return createRunDir(o.runsRoot ?? join(process.cwd(), '.modelyaml', 'runs'), specName);
  const dir = resolve(o.out);
  if (existsSync(dir) && readdirSync(dir).length) throw new ImportError('import/out-exists', `--out ${o.out} exists and is not empty: name a new folder.`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function importTorchRun(torchRunDir: string, o: TorchImportOptions = {}): Promise<TorchImport> {
  const runDir = resolve(torchRunDir);
  const torch = readTorchRecord(runDir);
  const pkg = packageDir(torch, runDir, o.package);
  const checkpoint = checkpointFile(runDir, o.checkpoint);
  const specPath = resolve(o.spec ?? join(pkg, 'spec.yaml'));
  if (!existsSync(specPath)) throw new ImportError('import/no-spec', `--spec ${o.spec}: no such file.`);
  const specText = readFileSync(join(pkg, 'spec.yaml'), 'utf8');
  const python = await torchPython(o.python);
  await convert(python, pkg, checkpoint, '-', '-');
  const fromPackage = existsSync(join(pkg, 'tfjs', 'model.json'));
  const built = fromPackage ? undefined : await trainerTemplate(specPath, specText, o.trainerPath);
  const out = outputDir(o, typeof torch.specName === 'string' ? torch.specName : 'model');
  try {
    const tensors = await convert(python, pkg, checkpoint, fromPackage ? join(pkg, 'tfjs') : built!.template, join(out, 'model'));
    writeFileSync(join(out, SPEC_SNAPSHOT_FILE), specText);
    if (existsSync(join(runDir, METRICS_FILE))) copyFileSync(join(runDir, METRICS_FILE), join(out, METRICS_FILE));
    const preprocessing = fromPackage ? (existsSync(join(pkg, PREPROCESSING_FILE)) ? readFileSync(join(pkg, PREPROCESSING_FILE), 'utf8') : undefined) : built!.preprocessing;
    if (preprocessing !== undefined) writeFileSync(join(out, PREPROCESSING_FILE), preprocessing);
    // run.json last: a folder without it is no run, so a failed import never shows as one.
    const record = importedRecord(torch, specPath, specText, { runDir, pkg, checkpoint });
    writeFileSync(join(out, RUN_FILE), JSON.stringify(record, null, 2) + '\n');
    return { runDir: out, checkpoint, package: pkg, template: fromPackage ? 'package' : 'trainer', tensors };
  } catch (e) {
    rmSync(out, { recursive: true, force: true });
    throw e;
  } finally {
    if (built) rmSync(built.dir, { recursive: true, force: true });
  }
}
