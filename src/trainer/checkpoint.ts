/**
 * Checkpoints in TensorFlow.js layers format (`model.json` + `weights.bin`, loadable by
 * tf.loadLayersModel anywhere), plus what resuming needs: the optimizer's state
 * (`optimizer.json` + `optimizer.bin`) and the loop's state (`state.json`). Files are written to a
 * temporary name and renamed, so a crash mid-write never leaves a half checkpoint.
 */
import * as tf from './tf';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import './model/custom';
import './model/layers/bert';
import './model/normalization';
import { RUN_FILE, readRunRecord } from '../node/runRecord';
import { withPath, writeFileNamed } from './util';

/** Writes through a temporary name; the temporary goes when the write fails (a full disk). */
function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw withPath(e, path);
  }
}

/**
 * A file a checkpoint names, confined to the checkpoint's folder: an absolute path, `..` or a
 * symbolic link out of it is refused (a checkpoint may come from anyone).
 */
export function checkpointFile(dir: string, name: string): string {
  const path = join(dir, name);
  const outside = (p: string, root: string) => {
    const r = relative(root, p);
    return r === '' || r.startsWith('..') || isAbsolute(r);
  };
  if (typeof name !== 'string' || isAbsolute(name) || outside(path, dir)) throw new Error(`it names a file outside its folder (${JSON.stringify(name)})`);
  if (existsSync(path) && outside(realpathSync(path), realpathSync(dir))) throw new Error(`${name} links to a file outside its folder`);
  return path;
}

const concatBuffers = (parts: ArrayBuffer | ArrayBuffer[]): Uint8Array => {
  const list = Array.isArray(parts) ? parts : [parts];
  const out = new Uint8Array(list.reduce((a, b) => a + b.byteLength, 0));
  let o = 0;
  for (const b of list) {
    out.set(new Uint8Array(b), o);
    o += b.byteLength;
  }
  return out;
};

/** A tfjs IOHandler that writes layers format into a folder. */
export function folderSaveHandler(dir: string): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (a) => {
    mkdirSync(dir, { recursive: true });
    const weights = a.weightData ? concatBuffers(a.weightData as ArrayBuffer | ArrayBuffer[]) : new Uint8Array(0);
    writeAtomic(join(dir, 'weights.bin'), weights);
    const json = {
      modelTopology: a.modelTopology,
      format: a.format ?? 'layers-model',
      generatedBy: a.generatedBy,
      convertedBy: 'ModelYAML trainer',
      weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
      ...(a.trainingConfig ? { trainingConfig: a.trainingConfig } : {}),
      ...(a.userDefinedMetadata ? { userDefinedMetadata: a.userDefinedMetadata } : {}),
    };
    writeAtomic(join(dir, 'model.json'), JSON.stringify(json));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
  });
}

/** A tfjs IOHandler that reads layers format from a folder. */
export function folderLoadHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(checkpointFile(dir, 'model.json'), 'utf8'));
      const manifest = json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
      if (!Array.isArray(manifest) || !manifest.every((g) => Array.isArray(g?.paths) && Array.isArray(g.weights))) throw new Error('model.json has no valid weightsManifest');
      const buffers = manifest.flatMap((g) => g.paths.map((p) => readFileSync(checkpointFile(dir, p))));
      const total = concatBuffers(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer));
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs: manifest.flatMap((g) => g.weights),
        weightData: total.buffer as ArrayBuffer,
      };
    },
  };
}

export async function loadModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(folderLoadHandler(dir));
}

export interface LoopState {
  epoch: number;
  step: number;
  learningRate: number;
  best?: number;
  wait: number;
  schedule?: unknown;
  /** sha256 of the spec text the checkpoint was trained from. */
  specHash?: string;
}

export async function saveCheckpoint(dir: string, model: tf.LayersModel, optimizer: tf.Optimizer, state: LoopState): Promise<void> {
  const tmp = `${dir}.partial`;
  try {
    await writeCheckpoint(tmp, model, optimizer, state);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (e) {
    // A full disk: no half checkpoint stays behind (the previous one, if any, is kept).
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

async function writeCheckpoint(tmp: string, model: tf.LayersModel, optimizer: tf.Optimizer, state: LoopState): Promise<void> {
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await model.save(folderSaveHandler(tmp));
  const named = await optimizer.getWeights().catch(() => [] as { name: string; tensor: tf.Tensor }[]);
  const data = await Promise.all(named.map(async (w) => Float32Array.from(await w.tensor.data())));
  const bin = concatBuffers(data.map((d) => d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength) as ArrayBuffer));
  writeFileNamed(join(tmp, 'optimizer.bin'), bin);
  writeFileNamed(join(tmp, 'optimizer.json'), JSON.stringify({ className: optimizer.getClassName(), weights: named.map((w) => ({ name: w.name, shape: w.tensor.shape, dtype: w.tensor.dtype })) }));
  tf.dispose(named.filter((w) => w.name === 'iter').map((w) => w.tensor));
  writeFileNamed(join(tmp, 'state.json'), JSON.stringify(state, null, 2));
}

/** Finds the checkpoint a `resume` path names: a checkpoint folder, or a run folder (its last checkpoint). */
export function resolveCheckpoint(path: string): string | undefined {
  for (const dir of [path, join(path, 'checkpoints', 'last'), join(path, 'checkpoints', 'best')]) {
    if (existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'state.json'))) return dir;
  }
  return undefined;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown, min: number) => typeof v === 'number' && Number.isInteger(v) && v >= min;

/** Reads a checkpoint's `state.json` and checks every field: a resume trusts nothing in it. */
export function readLoopState(dir: string): LoopState {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(checkpointFile(dir, 'state.json'), 'utf8'));
  } catch (e) {
    throw new Error(`state.json cannot be read: ${(e as Error).message}`);
  }
  if (!isObj(v)) throw new Error('state.json does not hold an object');
  const bad = (field: string, want: string) => new Error(`state.json: \`${field}\` must be ${want}, but is ${JSON.stringify(v[field])}`);
  if (!isCount(v.epoch, 1)) throw bad('epoch', 'a whole number ≥ 1');
  if (!isCount(v.step, 0)) throw bad('step', 'a whole number ≥ 0');
  if (!isCount(v.wait, 0)) throw bad('wait', 'a whole number ≥ 0');
  if (typeof v.learningRate !== 'number' || !(v.learningRate > 0) || !Number.isFinite(v.learningRate)) throw bad('learningRate', 'a number > 0');
  // JSON writes ±Infinity (no best value yet) as null.
  if (v.best !== undefined && v.best !== null && (typeof v.best !== 'number' || !Number.isFinite(v.best))) throw bad('best', 'a number');
  if (v.specHash !== undefined && typeof v.specHash !== 'string') throw bad('specHash', 'a string');
  return { epoch: v.epoch as number, step: v.step as number, wait: v.wait as number, learningRate: v.learningRate, ...(typeof v.best === 'number' ? { best: v.best } : {}), schedule: v.schedule, ...(v.specHash ? { specHash: v.specHash as string } : {}) };
}

/** The spec hash a checkpoint was trained from: its own, or its run folder's (older checkpoints). */
export function checkpointSpecHash(dir: string, state: LoopState): string | undefined {
  if (state.specHash) return state.specHash;
  const runDir = join(dir, '..', '..');
  return dir.split(sep).at(-2) === 'checkpoints' && existsSync(join(runDir, RUN_FILE)) ? readRunRecord(runDir)?.specHash : undefined;
}

/** Loads a checkpoint's weights and optimizer state into `model` and `optimizer`. */
export async function restoreCheckpoint(dir: string, model: tf.LayersModel, optimizer: tf.Optimizer): Promise<void> {
  const saved = await loadModel(dir);
  const weights = saved.getWeights();
  if (weights.length !== model.getWeights().length || weights.some((w, i) => w.shape.join() !== model.getWeights()[i].shape.join())) {
    throw new Error(`the checkpoint in ${dir} was saved from a different model architecture`);
  }
  model.setWeights(weights);
  saved.dispose();
  const meta = JSON.parse(readFileSync(checkpointFile(dir, 'optimizer.json'), 'utf8')) as { className: string; weights: { name: string; shape: number[]; dtype?: tf.DataType }[] };
  if (!isObj(meta) || !Array.isArray(meta.weights) || !meta.weights.every((w) => isObj(w) && typeof w.name === 'string' && Array.isArray(w.shape) && w.shape.every((d) => isCount(d, 0)))) {
    throw new Error('optimizer.json is not a valid optimizer state');
  }
  if (meta.className === optimizer.getClassName() && meta.weights.length) {
    const bin = readFileSync(checkpointFile(dir, 'optimizer.bin'));
    const expected = meta.weights.reduce((a, w) => a + w.shape.reduce((x, y) => x * y, 1), 0) * 4;
    if (bin.byteLength !== expected) throw new Error(`optimizer.bin holds ${bin.byteLength} bytes, but optimizer.json describes ${expected}`);
    const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
    let o = 0;
    const named = meta.weights.map((w) => {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const v = all.subarray(o, o + n);
      const t = w.dtype === 'int32' ? tf.tensor(Int32Array.from(v), w.shape, 'int32') : tf.tensor(v, w.shape);
      o += n;
      return { name: w.name, tensor: t };
    });
    await optimizer.setWeights(named);
  }
}
