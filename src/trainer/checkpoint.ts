/**
 * Checkpoints in TensorFlow.js layers format (`model.json` + `weights.bin`, loadable by
 * tf.loadLayersModel anywhere), plus what resuming needs: the optimizer's state
 * (`optimizer.json` + `optimizer.bin`) and the loop's state (`state.json`). Files are written to a
 * temporary name and renamed, so a crash mid-write never leaves a half checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import './model/custom';

function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
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
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      const manifest = json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
      const buffers = manifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
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
}

export async function saveCheckpoint(dir: string, model: tf.LayersModel, optimizer: tf.Optimizer, state: LoopState): Promise<void> {
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await model.save(folderSaveHandler(tmp));
  const named = await optimizer.getWeights().catch(() => [] as { name: string; tensor: tf.Tensor }[]);
  const data = await Promise.all(named.map(async (w) => Float32Array.from(await w.tensor.data())));
  const bin = concatBuffers(data.map((d) => d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength) as ArrayBuffer));
  writeFileSync(join(tmp, 'optimizer.bin'), bin);
  writeFileSync(join(tmp, 'optimizer.json'), JSON.stringify({ className: optimizer.getClassName(), weights: named.map((w) => ({ name: w.name, shape: w.tensor.shape, dtype: w.tensor.dtype })) }));
  tf.dispose(named.filter((w) => w.name === 'iter').map((w) => w.tensor));
  writeFileSync(join(tmp, 'state.json'), JSON.stringify(state, null, 2));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

/** Finds the checkpoint a `resume` path names: a checkpoint folder, or a run folder (its last checkpoint). */
export function resolveCheckpoint(path: string): string | undefined {
  for (const dir of [path, join(path, 'checkpoints', 'last'), join(path, 'checkpoints', 'best')]) {
    if (existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'state.json'))) return dir;
  }
  return undefined;
}

export async function restoreCheckpoint(dir: string, model: tf.LayersModel, optimizer: tf.Optimizer): Promise<LoopState> {
  const saved = await loadModel(dir);
  const weights = saved.getWeights();
  if (weights.length !== model.getWeights().length || weights.some((w, i) => w.shape.join() !== model.getWeights()[i].shape.join())) {
    throw new Error(`the checkpoint in ${dir} was saved from a different model architecture`);
  }
  model.setWeights(weights);
  saved.dispose();
  const meta = JSON.parse(readFileSync(join(dir, 'optimizer.json'), 'utf8')) as { className: string; weights: { name: string; shape: number[]; dtype?: tf.DataType }[] };
  if (meta.className === optimizer.getClassName() && meta.weights.length) {
    const bin = readFileSync(join(dir, 'optimizer.bin'));
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
  return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as LoopState;
}
