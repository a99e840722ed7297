/**
 * One training run, start to end: check the spec, check a checkpoint to resume from, choose the
 * backend, open the run folder, prepare the data, build and compile the model, run the loop
 * (./loop.ts), evaluate the test split, and keep the run record current. Runs inside the trainer
 * process; `emit` sends each event to the parent and to metrics.jsonl.
 */
import * as tf from './tf';
import { readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { analyze, trainSettings, type Analysis } from '../core/analyze';
import type { EngineChoice, Metrics, TrainerEvent, TrainOptions } from '../core/protocol/trainer';
import type { TrainSettings } from '../core/spec';
import { fileDataHost } from '../node/dataHost';
import { evaluate, ResidentData } from './batches';
import { checkpointSpecHash, folderSaveHandler, readLoopState, resolveCheckpoint, restoreCheckpoint, type LoopState } from './checkpoint';
import { prepareData, type Prepared } from './data/pipeline';
import { writePreprocessing } from './data/fitted';
import { evaluatePart, writeEvaluation } from './evaluateRun';
import { writeEvaluationSamples } from './evaluationSamples';
import type { Preprocessing } from '../core/protocol/preprocessing';
import { chooseBackend, type BackendChoice } from './device';
import { buildModel } from './model/build';
import { fineTuning, loadPretrainedWeights } from './model/pretrained';
import { learningRateOf, lossOf, metricOf, optimizerOf, scheduleOf, setLearningRate } from './model/objectives';
import { fuseOptimizer } from './kernels/webgpu/optimizers';
import { fusedKernelsOn } from './kernels/webgpu/program';
import { trainEpochs, type Control, type Log, type LoopContext, type LoopOutcome, type Send } from './loop';
import { DataParallel, limitThreads, parallelRefusal, wasmThreadsFor } from './parallel';
import { createRunDir, latestRunDir, RunRecordWriter, SPEC_SNAPSHOT_FILE } from '../node/runRecord';
import { deriveSeed, fail, fsFailure, mulberry32, sha256, TrainerError, writeFileNamed } from './util';
import { env } from '../node/config';
import { VERSION } from '../core/version';

export type { Control } from './loop';
type Emit = (e: TrainerEvent) => void;

export const VERSIONS: Record<string, string> = {
  modelyaml: VERSION,
  'tfjs-core': tf.version['tfjs-core'],
  'tfjs-layers': tf.version['tfjs-layers'],
  node: process.versions.node,
};

function formatDiagnostics(file: string, diags: Analysis['diagnostics'], a: Analysis): string[] {
  return diags.map((d) => {
    const p = a.lines.position(d.range.start);
    return `${file}:${p.line + 1}:${p.character + 1}: ${d.severity}[${d.code}]: ${d.message}`;
  });
}

/** The spec as checked by the core, with the run's settings (options over the spec's `train`). */
export interface SpecSetup {
  file: string;
  text: string;
  specDir: string;
  specName: string;
  specHash: string;
  a: Analysis;
  analysis: NonNullable<Analysis['model']>;
  settings: TrainSettings;
}

/** Reads and checks the spec: refused with the core's diagnostics when it has errors. */
export function loadSpec(specPath: string, options: TrainOptions): SpecSetup {
  const file = resolve(specPath);
  let text: string;
  try {
    // A search trial sends its spec's text (the file with the trial's values written in).
    text = options.specText ?? readFileSync(file, 'utf8');
  } catch (e) {
    return fail('spec/unreadable', `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  const specDir = dirname(file);
  const a = analyze(text, { host: fileDataHost(specDir, { workspaces: [options.workspace ?? process.cwd()] }) });
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    fail('spec/invalid', `${basename(file)} has ${errors.length} error${errors.length === 1 ? '' : 's'}; fix ${errors.length === 1 ? 'it' : 'them'} before training. First: ${errors[0].message}`, {
      file,
      diagnostics: formatDiagnostics(file, errors, a),
    });
  }
  const base = trainSettings(a.spec);
  if (!base || !a.model || a.model.totalParams === null) return fail('spec/not-trainable', `${basename(file)} cannot be trained as written: it needs \`data\`, \`model\` and \`train.loss\`.`, { file });
  const settings = {
    ...base,
    epochs: options.epochs ?? base.epochs,
    batchSize: options.batchSize ?? base.batchSize,
    device: options.device ?? base.device,
    seed: options.seed ?? base.seed,
  };
  const specName = a.spec.name?.value ?? basename(file).replace(/\.model\.ya?ml$/, '');
  return { file, text, specDir, specName, specHash: sha256(text), a, analysis: a.model, settings };
}

/** Where the run folders go: `out`, else `<workspace>/.modelyaml/runs`. */
const runsRoot = (options: TrainOptions, spec: SpecSetup) => (options.out ? resolve(options.out) : join(resolve(options.workspace ?? spec.specDir), '.modelyaml', 'runs'));

/**
 * The checkpoint `options.resume` names (a checkpoint folder, a run folder, or `latest`: this
 * spec's newest run with one; `from` is that folder, as run.json's `resumedFrom`), checked before anything is trained: its state must be valid, its
 * epoch before the last one, and its spec the same as this one.
 */
function checkResume(options: TrainOptions, spec: SpecSetup): { from: string; dir: string; state: LoopState } | undefined {
  if (!options.resume) return undefined;
  const latest = options.resume === 'latest';
  const from = latest ? latestRunDir(runsRoot(options, spec), spec.specName, (d) => !!resolveCheckpoint(d)) : resolve(options.resume);
  const checkpoint = from && resolveCheckpoint(from);
  if (!from || !checkpoint) {
    return fail('train/resume', latest
      ? `There is no run of ${spec.specName} with a checkpoint to resume in ${runsRoot(options, spec)}.`
      : `No checkpoint found in ${options.resume} (looked for model.json and state.json, or checkpoints/last inside a run folder).`, { file: options.resume });
  }
  let state: LoopState;
  try {
    state = readLoopState(checkpoint);
  } catch (e) {
    return fail('train/resume', `Cannot resume from ${checkpoint}: ${(e as Error).message}`, { file: checkpoint });
  }
  const epochs = spec.settings.epochs;
  if (state.epoch >= epochs) {
    fail('train/resume-complete', `Nothing to resume: the checkpoint in ${checkpoint} is after epoch ${state.epoch}, and the run has ${epochs} epoch${epochs === 1 ? '' : 's'}. To train further, ask for more epochs (--epochs or train.epochs).`, { file: checkpoint });
  }
  const savedHash = checkpointSpecHash(checkpoint, state);
  if (savedHash && savedHash !== spec.specHash) {
    fail('train/resume-mismatch', `The checkpoint in ${checkpoint} was trained from a different version of ${basename(spec.file)}: resuming would mix two specs. Start a new run, or resume with the spec as it was (the run folder keeps it as spec.snapshot.yaml; raise epochs with --epochs).`, { file: checkpoint });
  }
  return { from, dir: checkpoint, state };
}

/** Makes the run folder with the spec as written, the resolved settings and run.json. */
export function openRunFolder(spec: SpecSetup, options: TrainOptions, choice: BackendChoice, t0: number, resumedFrom: string | undefined): RunRecordWriter {
  const runDir = createRunDir(runsRoot(options, spec), spec.specName);
  try {
    return writeRunFolder(runDir, spec, options, choice, t0, resumedFrom);
  } catch (e) {
    // A folder without run.json would be no record at all (a full disk): it goes.
    rmSync(runDir, { recursive: true, force: true });
    throw e;
  }
}

function writeRunFolder(runDir: string, spec: SpecSetup, options: TrainOptions, choice: BackendChoice, t0: number, resumedFrom: string | undefined): RunRecordWriter {
  const { a, analysis, settings } = spec;
  writeFileNamed(join(runDir, SPEC_SNAPSHOT_FILE), spec.text);
  writeFileNamed(join(runDir, 'resolved.json'), JSON.stringify({
    spec: spec.file,
    settings,
    options: { ...options, specText: undefined }, // the text is the snapshot beside it
    layers: analysis.layers.map((l) => ({ id: l.id, type: l.layer.type, params: l.layer.params, outputShape: l.outputShape, paramCount: l.params })),
    data: a.spec.data ? { source: a.spec.data.source && { type: a.spec.data.source.type, params: a.spec.data.source.params }, pipeline: a.spec.data.pipeline.map((s) => ({ type: s.type, params: s.params })) } : undefined,
  }, null, 2) + '\n');
  return new RunRecordWriter(runDir, {
    status: 'running',
    spec: spec.file,
    specName: spec.specName,
    specHash: spec.specHash,
    seed: settings.seed,
    backend: choice.backend,
    device: choice.device,
    deviceReason: choice.reason,
    versions: VERSIONS,
    startedAt: new Date(t0).toISOString(),
    pid: process.pid,
    ...(resumedFrom ? { resumedFrom } : {}),
    ...(options.search ? { search: options.search } : {}),
  });
}

/** Prepares the data and checks its samples fit the model's input. */
export async function prepareFor(spec: SpecSetup, workspace: string | undefined, log: Log): Promise<Prepared> {
  const prepared = await prepareData(spec.a.spec, { specDir: spec.specDir, seed: spec.settings.seed, workspace, progress: (m) => log('debug', m) });
  const { analysis } = spec;
  const inputShape = [...analysis.inputs.values()][0]?.slice(1) as number[] | undefined;
  if (analysis.inputs.size !== 1) fail('train/multi-input', 'Models with several inputs cannot be trained from one data source yet.');
  if (inputShape && (inputShape.length !== prepared.featureShape.length || inputShape.some((d, i) => d !== null && d !== prepared.featureShape[i]))) {
    fail('data/input-mismatch', `The pipeline produces samples of shape [${prepared.featureShape.join(', ')}], but \`model.input\` is [${inputShape.join(', ')}].`);
  }
  return prepared;
}

export type Compiled = Pick<LoopContext, 'model' | 'optimizer' | 'trainStep' | 'lossFn' | 'metrics' | 'batchMetrics' | 'schedule' | 'baseLr'> & {
  params: number;
  task: { labelKind: Prepared['meta']['labelKind']; classes: Prepared['meta']['classes'] };
  metricCtx: Parameters<typeof metricOf>[1];
};

/** Builds the model and compiles it with the spec's loss, metrics and optimizer. */
export function compileModel(spec: SpecSetup, prepared: Prepared, choice: BackendChoice, log: Log): Compiled {
  const { settings, analysis } = spec;
  const model = buildModel(spec.a.spec, analysis, settings.seed, spec.specDir);
  const params = model.countParams();
  if (params !== analysis.totalParams) log('warning', `the built model has ${params} parameters but the spec's static count is ${analysis.totalParams}`);
  const task = { labelKind: prepared.meta.labelKind, classes: prepared.meta.classes };
  const lossFn = lossOf(settings.loss, task);
  const outShape = model.outputs[0].shape;
  const metricCtx = { ...task, loss: settings.loss.type, outputUnits: (outShape[outShape.length - 1] as number) ?? 1 };
  const metrics = settings.metrics.map((m) => metricOf(m, metricCtx));
  const batchMetrics = metrics.filter((m) => m.fn);
  // On the GPU, one kernel per optimizer state tensor instead of tfjs's chain of element-wise ops.
  const optimizer = optimizerOf(settings.optimizer, (bare) => {
    if (choice.backend !== 'webgpu' || !fusedKernelsOn()) return;
    log('debug', fuseOptimizer(bare) ? `fused webgpu updates for ${settings.optimizer.type}` : `no fused webgpu updates for ${settings.optimizer.type}: tfjs's own`);
  });
  const lossForTf = (y: tf.Tensor, p: tf.Tensor) => lossFn(y, p);
  model.compile({ optimizer, loss: lossForTf, metrics: batchMetrics.map((m) => m.fn!) });
  const trainStep = (model as unknown as { makeTrainFunction(): (data: tf.Tensor[]) => tf.Scalar[] }).makeTrainFunction();
  return { model, params, task, lossFn, metricCtx, metrics, batchMetrics, optimizer, trainStep, schedule: scheduleOf(settings.lrSchedule), baseLr: learningRateOf(optimizer) };
}

/** Loads a checked checkpoint's weights and optimizer state; the loop state to carry on from. */
async function resumeFrom(resume: { dir: string; state: LoopState } | undefined, c: Compiled, log: Log): Promise<LoopState> {
  if (!resume) return { epoch: 0, step: 0, learningRate: c.baseLr, wait: 0 };
  try {
    await restoreCheckpoint(resume.dir, c.model, c.optimizer);
  } catch (e) {
    fail('train/resume', `Cannot resume from ${resume.dir}: ${(e as Error).message}`, { file: resume.dir });
  }
  c.schedule?.restore?.(resume.state.schedule);
  setLearningRate(c.optimizer, resume.state.learningRate);
  log('info', `resumed from ${resume.dir} after epoch ${resume.state.epoch}`);
  return { ...resume.state };
}

/** Both cores on the wasm backend: half of each batch's gradients in a worker thread, when it pays. */
async function startParallel(spec: SpecSetup, options: TrainOptions, choice: BackendChoice, c: Compiled, train: Prepared['parts']['train'], bs: number, log: Log): Promise<DataParallel | undefined> {
  const refusal = parallelRefusal({ backend: choice.backend, model: c.model, batchSize: bs });
  if (refusal) {
    log('debug', `data-parallel training off: ${refusal}`);
    return undefined;
  }
  try {
    const parallel = await DataParallel.start({
      backend: choice.backend, model: c.model, optimizer: c.optimizer, specPath: spec.file, specDir: spec.specDir, seed: spec.settings.seed, wasmDir: options.wasmDir,
      task: c.task, metricCtx: c.metricCtx, metrics: c.batchMetrics.length, batchSize: bs, xShape: train.shape, yShape: train.yShape,
    });
    log('info', `data-parallel training: ${parallel.threads} threads, each batch split between them`);
    return parallel;
  } catch (e) {
    log('debug', `data-parallel training off: the worker thread did not start (${(e as Error).message})`);
    return undefined;
  }
}

/** Batch size, batches per epoch and the cadence of batch events. */
function cadence(options: TrainOptions, choice: BackendChoice, trainN: number, batchSize: number): Pick<LoopContext, 'bs' | 'batches' | 'every' | 'minEventGapMs'> {
  const bs = Math.min(batchSize, trainN);
  const batches = Math.min(Math.ceil(trainN / bs), options.maxBatchesPerEpoch ?? Infinity);
  const every = options.batchEventEvery ?? Math.max(1, Math.ceil(batches / 50));
  // On a GPU, unless asked for a cadence, batch events (each one a readback, so a wait for the
  // GPU) come at most every 100 ms: plenty for a live chart, and a fast GPU is not stopped every
  // few steps. On the CPU backends a readback is free and the cadence stays fixed, so two runs of
  // the same spec record the same batch events.
  const onGpu = choice.backend === 'webgpu' || /\bGPU\b/.test(choice.device);
  return { bs, batches, every, minEventGapMs: options.batchEventEvery === undefined && onGpu ? 100 : 0 };
}

export async function runTraining(specPath: string, options: TrainOptions, emit: Emit, control: Control, engine?: EngineChoice): Promise<void> {
  const t0 = Date.now();
  const send: Send = (e) => emit({ ...e, time: Date.now() } as unknown as TrainerEvent);
  const log: Log = (level, message) => send({ type: 'log', level, message });

  const spec = loadSpec(specPath, options);
  const resume = checkResume(options, spec);
  const { settings, analysis } = spec;
  // Determinism: every unseeded random draw in tfjs (initializers, dropout) goes through Math.random.
  Math.random = mulberry32(deriveSeed(settings.seed, 'Math.random'));

  limitThreads(options.maxThreads);
  const wasmThreads = wasmThreadsFor(analysis.layers, settings.batchSize);
  const choice = await chooseBackend({
    device: settings.device, backend: options.backend, wasmDir: options.wasmDir, wasmThreads: wasmThreads.threads, searchFrom: [options.workspace ?? spec.specDir, spec.specDir],
    tfjsNodePath: options.tfjsNodePath,
    announce: (pkg) => send({ type: 'log', level: 'info', message: `loading ${pkg.name} ${pkg.version} from ${pkg.path}`, loadedPackage: pkg }),
  });

  const record = openRunFolder(spec, options, choice, t0, resume?.from);
  if (engine) record.update({ engine: 'tfjs', engineReason: engine.reason });
  const runDir = record.dir;
  control.record = record;
  const emitRecorded = emit;
  emit = (e) => {
    record.event(e);
    emitRecorded(e);
  };
  // The first event: where the run is recorded and which backend trains it, on what, and why.
  send({ type: 'log', level: 'info', message: `run folder: ${runDir}; backend: ${choice.backend} on ${choice.device} (${choice.reason})`, runDir });
  if (engine) log('info', `engine: ${engine.reason}`);
  for (const n of choice.notes) log('warning', n);
  for (const n of choice.details) log('debug', n);
  if (choice.backend === 'wasm') log('debug', `wasm build: ${wasmThreads.threads > 1 ? `threaded, ${wasmThreads.threads} threads` : 'single-threaded'} (${wasmThreads.why})`);

  const prepared = await prepareFor(spec, options.workspace, log);
  record.update({ dataFingerprint: prepared.fingerprint });
  writePreprocessing(runDir, prepared.preprocessing);
  const compiled = compileModel(spec, prepared, choice, log);
  const loaded = await loadPretrainedWeights(spec.a.spec, spec.analysis, compiled.model, spec.specDir);
  if (loaded.length) log('info', `pretrained weights for ${loaded.join(', ')} from ${spec.a.spec.model?.weights?.from?.value}`);
  const tuning = fineTuning(spec.a.spec, compiled.model, compiled.optimizer, loaded, (m) => log('info', m));
  const state = await resumeFrom(resume, compiled, log);
  record.update({ params: compiled.params });

  const { parts, meta } = prepared;
  const train = parts.train;
  const rate = cadence(options, choice, train.n, settings.batchSize);
  // The worker's model would not see unfreezing or rate groups: those runs train in one thread.
  const parallel = tuning.changesVariables ? undefined : await startParallel(spec, options, choice, compiled, train, rate.bs, log);
  // On the GPU the training set lives on the device when it fits and nothing augments it on the CPU.
  const resident = choice.backend === 'webgpu' && !meta.augment && env.residentData() !== false ? ResidentData.create(train) : undefined;
  if (resident) log('debug', `training data resident on the device (${Math.round(resident.bytes / 2 ** 20)} MiB)`);
  send({
    type: 'started', runDir, spec: spec.file, specName: spec.specName, backend: choice.backend, device: choice.device, reason: choice.reason, params: compiled.params, seed: settings.seed,
    epochs: settings.epochs, batchSize: rate.bs, batchesPerEpoch: rate.batches,
    samples: { train: train.n, validation: parts.validation?.n ?? 0, test: parts.test?.n ?? 0 },
    initialEpoch: state.epoch + 1,
  });

  let outcome: LoopOutcome;
  try {
    outcome = await trainEpochs({
      ...compiled, ...rate, send, log, control, runDir, seed: settings.seed, specHash: spec.specHash, settings,
      train, validation: parts.validation, augment: meta.augment, resident, parallel, beforeEpoch: tuning.beforeEpoch,
    }, state);
  } finally {
    parallel?.stop();
    resident?.dispose();
  }
  await finishRun(record, outcome, { model: compiled.model, test: parts.test, preprocessing: prepared.preprocessing, loss: settings.loss, bs: rate.bs, lossFn: compiled.lossFn, metrics: compiled.metrics }, t0, send, log);
}

/** The test split, the final model and the closed record. */
async function finishRun(
  record: RunRecordWriter, outcome: LoopOutcome, m: Pick<LoopContext, 'model' | 'bs' | 'lossFn' | 'metrics'> & { test?: Prepared['parts']['test']; preprocessing: Preprocessing; loss: TrainSettings['loss'] }, t0: number, send: Send, log: Log,
): Promise<void> {
  const { status, reason, epochsRun, last } = outcome;
  let test: Metrics | undefined;
  if (m.test && status === 'completed') {
    test = (await evaluate(m.model, m.test, m.bs, m.lossFn, m.metrics)).metrics;
    log('info', `test: ${Object.entries(test).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
    await evaluateTestSplit(record.dir, m.model, m.test, m.preprocessing, m.loss, log);
  }
  if (status === 'completed') {
    const dir = join(record.dir, 'model');
    try {
      await m.model.save(folderSaveHandler(dir));
    } catch (e) {
      // No half-written model stays behind (a full disk).
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }
  const durationMs = Date.now() - t0;
  send({ type: 'done', status, reason, epochs: epochsRun, durationMs, runDir: record.dir, final: last, ...(test ? { test } : {}) });
  record.close(status, reason, { epochs: epochsRun, final: last, ...(test ? { test } : {}) });
  m.model.dispose();
}

/** Every completed run with a test split keeps its full evaluation (evaluation.json); a task the metrics do not cover yet is only logged. */
async function evaluateTestSplit(runDir: string, model: tf.LayersModel, test: Prepared['parts']['test'] & object, preprocessing: Preprocessing, loss: TrainSettings['loss'], log: Log): Promise<void> {
  try {
    const { evaluation } = await evaluatePart(model, test, { ...preprocessing, loss }, { split: 'test', run: runDir, createdAt: new Date().toISOString() });
    const file = writeEvaluation(runDir, evaluation);
    writeEvaluationSamples(file, evaluation, test, preprocessing);
    log('info', `test split evaluated: ${file}`);
  } catch (e) {
    if (!(e instanceof TrainerError)) throw e;
    log('warning', `no evaluation.json: ${e.message}`);
  }
}

/** The error event for a failure; a user never sees a stack trace (ours go to stderr: `--verbose`, the output channel). */
export function errorEvent(e: unknown): Omit<Extract<TrainerEvent, { type: 'error' }>, 'time'> {
  if (e instanceof TrainerError) return { type: 'error', code: e.code, message: e.message, ...e.where };
  // The file system's refusals (a full disk, permissions, a name too long) are the user's to fix.
  const refused = fsFailure(e);
  if (refused) return { type: 'error', code: refused.code, message: refused.message, ...refused.where };
  const err = e as Error;
  const oom = /out of memory|Array buffer allocation failed|Invalid typed array length|Cannot allocate Wasm memory|memory access out of bounds/i.test(err?.message ?? '');
  return { type: 'error', code: oom ? 'trainer/out-of-memory' : 'trainer/internal', message: oom ? `The trainer ran out of memory: ${err.message}` : `Internal trainer error (a bug in ModelYAML, please report it): ${err?.message ?? String(e)}` };
}
