/**
 * TensorFlow.js layers models (`model.json` + weight shards), which is also what a ModelYAML run
 * keeps as checkpoints: a run folder resolves to its best, then last checkpoint, then `model/`.
 * Plain file I/O: the weights manifest says each tensor's name, shape, dtype and shard.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PretrainedError, type PretrainedLayer, type PretrainedSource } from './types';

interface ManifestGroup {
  paths: string[];
  weights: { name: string; shape: number[]; dtype: string }[];
}

/** The model.json a path names: the file itself, a folder holding one, or a run folder's newest checkpoint. */
export function modelJsonOf(path: string): string | undefined {
  if (existsSync(path) && statSync(path).isFile()) return basename(path) === 'model.json' || path.endsWith('.json') ? path : undefined;
  for (const c of ['model.json', 'checkpoints/best/model.json', 'checkpoints/last/model.json', 'model/model.json']) if (existsSync(join(path, c))) return join(path, c);
  return undefined;
}

function readManifest(file: string): { groups: ManifestGroup[]; topology: unknown } {
  let json: { weightsManifest?: ManifestGroup[]; modelTopology?: unknown };
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PretrainedError('pretrained/corrupt', `${file} is not a TensorFlow.js model.json: ${(e as Error).message}`, file);
  }
  if (!Array.isArray(json.weightsManifest)) throw new PretrainedError('pretrained/corrupt', `${file} has no \`weightsManifest\`: it is not a TensorFlow.js layers model.`, file);
  return { groups: json.weightsManifest, topology: json.modelTopology };
}

/** Reads the model a path names (see {@link modelJsonOf}); float32 weights only, grouped by layer (the name before the first `/`). */
export function readTfjsModel(path: string, shapesOnly = false): PretrainedSource {
  const file = modelJsonOf(path);
  if (!file) throw new PretrainedError('pretrained/missing', `${path} holds no TensorFlow.js model: expected a model.json, or a run folder with checkpoints/best, checkpoints/last or model/.`, path);
  const { groups } = readManifest(file);
  const byLayer = new Map<string, PretrainedLayer>();
  for (const g of groups) {
    const bytes = Buffer.concat(
      (shapesOnly ? [] : g.paths).map((p) => {
        const shard = join(dirname(file), p);
        if (!existsSync(shard)) throw new PretrainedError('pretrained/missing', `${file} names the weight file ${p}, which does not exist.`, file);
        return readFileSync(shard);
      }),
    );
    let offset = 0;
    for (const w of g.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (w.dtype !== 'float32') throw new PretrainedError('pretrained/dtype', `${file}: weight ${w.name} is ${w.dtype}; only float32 weights can be loaded.`, file);
      if (!shapesOnly && offset + 4 * n > bytes.length) throw new PretrainedError('pretrained/truncated', `${file}: the weight files end before ${w.name} (${offset + 4 * n} bytes needed, ${bytes.length} present): truncated.`, file);
      const values = shapesOnly ? new Float32Array(0) : new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + 4 * n));
      offset += 4 * n;
      const layerName = w.name.split('/')[0];
      let layer = byLayer.get(layerName);
      if (!layer) byLayer.set(layerName, (layer = { name: layerName, weights: [] }));
      layer.weights.push({ name: w.name, shape: w.shape, values });
    }
  }
  return { file, format: 'tfjs', layers: [...byLayer.values()] };
}
