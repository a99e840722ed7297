/**
 * `prepare`, the trainer's half of the PyTorch engine (src/node/torchEngine.ts): everything a run
 * needs before its first step, done exactly as `start` does it — the run folder with the spec
 * snapshot and run.json, the data read, split and preprocessed (preprocessing.json), the model
 * built with the spec's seeded initialisers — then handed over instead of trained: the initial
 * model as a tfjs checkpoint (PyTorch starts from the same weights, and writes the trained ones back
 * into it) and each split's prepared tensors as raw float32 files. So the PyTorch engine trains on
 * the very samples, split and preprocessing the embedded trainer would, from any data source.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineChoice, PreparedEvent, TrainOptions } from '../core/protocol/trainer';
import { folderSaveHandler } from './checkpoint';
import { writePreprocessing } from './data/fitted';
import { PART_NAMES } from './data/table';
import { chooseBackend } from './device';
import { compileModel, loadSpec, openRunFolder, prepareFor, VERSIONS, type Control } from './train';
import { deriveSeed, fail, mulberry32, sha256 } from './util';
import { exportPytorch, ExportError, readSpecPretrained } from '../export/pytorch';
import type { PretrainedSource } from '../node/pretrained';
import { VERSION } from '../core/version';

/** Where a prepared run keeps what the PyTorch engine reads (removed after training, except `init/`). */
export const ENGINE_FOLDER = 'pytorch';

/**
 * The spec's package in the workspace's cache, `.modelyaml/torch/<hash of the spec and version>/`,
 * written afresh through a temporary folder (so a half-written package is never run). A layer or
 * setting without a faithful mapping is refused as `engine/pytorch-unmapped`, naming it and its line.
 */
function exportPackage(specFile: string, text: string, workspace: string, pretrained: PretrainedSource | undefined): string {
  const dir = join(workspace, '.modelyaml', 'torch', sha256(`${VERSION}\n${text}`).slice(0, 16));
  const tmp = `${dir}.tmp-${process.pid}`;
  try {
    // The text trained (a search trial's differs from the file); no search.py: the engine trains one run.
    // model.weights's source goes into the package (pretrained/), which train.py loads over init/.
    exportPytorch(specFile, { out: tmp, text, search: false, pretrained, prepared: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (e instanceof ExportError) fail('engine/pytorch-unmapped', e.message, { file: specFile });
    throw e;
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

export async function prepareRun(specPath: string, options: TrainOptions, engine: EngineChoice, control: Control): Promise<PreparedEvent> {
  const t0 = Date.now();
  // resume names the run carried on from: the engine copies its PyTorch checkpoint itself.
  const { resume: resumedFrom, ...rest } = options;
  const spec = loadSpec(specPath, rest);
  // First the package: a layer without a PyTorch mapping refuses here, before any run folder exists.
  const pretrained = await readSpecPretrained(spec.a, spec.file).catch((e: unknown) => (e instanceof ExportError ? fail('engine/pytorch-unmapped', e.message, { file: spec.file }) : Promise.reject(e)));
  const packageDir = exportPackage(spec.file, spec.text, rest.workspace ?? spec.specDir, pretrained);
  // Augmentation runs per batch in the embedded trainer; the prepared splits cannot carry it.
  const augment = spec.a.spec.data?.pipeline.find((step) => step.type === 'augment');
  if (augment) {
    const at = spec.a.lines.position(augment.typeRange.start);
    fail('engine/pytorch-unmapped', `${spec.file}:${at.line + 1}:${at.character + 1}: the \`augment\` step runs per batch in the embedded trainer; the PyTorch engine does not run it yet.`, { file: spec.file });
  }
  Math.random = mulberry32(deriveSeed(spec.settings.seed, 'Math.random'));
  // The model is only built and saved here: the plain CPU backend does that without native code.
  const tfChoice = await chooseBackend({ device: 'cpu', backend: rest.backend ?? 'cpu', wasmDir: rest.wasmDir, wasmThreads: 1, searchFrom: [], tfjsNodePath: undefined, announce: () => undefined });
  const record = openRunFolder(spec, rest, { backend: 'pytorch', device: engine.device ?? 'cpu', reason: engine.reason, notes: [] }, t0, resumedFrom);
  control.record = record;
  record.update({ engine: 'pytorch', engineReason: engine.reason, versions: { ...VERSIONS, ...(engine.torch ? { torch: engine.torch } : {}) } });
  const prepared = await prepareFor(spec, rest.workspace, () => undefined);
  record.update({ dataFingerprint: prepared.fingerprint });
  writePreprocessing(record.dir, prepared.preprocessing);
  const compiled = compileModel(spec, prepared, tfChoice, () => undefined);
  record.update({ params: compiled.params });

  const dir = join(record.dir, ENGINE_FOLDER);
  const initModel = join(dir, 'init');
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  await compiled.model.save(folderSaveHandler(initModel));
  const splits: Record<string, { n: number; x: number[]; y: number[] }> = {};
  for (const name of PART_NAMES) {
    const part = prepared.parts[name];
    if (!part || part.n === 0) continue;
    writeFileSync(join(dataDir, `${name}.x.bin`), Buffer.from(part.x.buffer, part.x.byteOffset, part.n * part.shape.reduce((a, b) => a * b, 1) * 4));
    writeFileSync(join(dataDir, `${name}.y.bin`), Buffer.from(part.y.buffer, part.y.byteOffset, part.n * part.yShape.reduce((a, b) => a * b, 1) * 4));
    splits[name] = { n: part.n, x: [part.n, ...part.shape], y: [part.n, ...part.yShape] };
  }
  writeFileSync(join(dataDir, 'splits.json'), JSON.stringify({ labelKind: prepared.meta.labelKind, splits }, null, 2) + '\n');
  const { parts } = prepared;
  return {
    type: 'prepared', time: Date.now(), runDir: record.dir, packageDir, initModel, dataDir, params: compiled.params, seed: spec.settings.seed,
    batchSize: Math.min(spec.settings.batchSize, parts.train.n),
    samples: { train: parts.train.n, validation: parts.validation?.n ?? 0, test: parts.test?.n ?? 0 },
    ...(resumedFrom ? { resumedFrom } : {}),
  };
}
