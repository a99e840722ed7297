/**
 * Reads a run's TensorFlow.js layers checkpoint (`model.json` + its weight files) with plain file
 * I/O, for both exporters: they never load TensorFlow.js, so they cannot run the trainer's custom
 * layers by accident, and every weight goes through here as bytes. Also the one choice of which
 * of the run's model folders an export reads (`checkpointDir`).
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { ExportError } from './errors';

export type CheckpointChoice = 'best' | 'last';

/** One weight as stored: its manifest entry and its float32 (or int32) values. */
export interface StoredWeight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

export interface StoredModel {
  /** The folder the model was read from, and what it is (`checkpoints/best`, `checkpoints/last`, `model`). */
  dir: string;
  checkpoint: string;
  /** `modelTopology` of model.json (Keras JSON: `class_name`, `config`). */
  topology: Record<string, unknown>;
  weights: StoredWeight[];
}

/** The model folder an export reads: the named checkpoint, or `best`, then `last`, then the final `model/` (as `evaluate` picks). */
export function checkpointDir(runDir: string, choice?: CheckpointChoice): { dir: string; checkpoint: string } {
  const has = (d: string) => existsSync(join(d, 'model.json'));
  if (choice) {
    const dir = join(runDir, 'checkpoints', choice);
    if (!has(dir)) throw new ExportError('export/no-checkpoint', `${runDir} has no ${choice} checkpoint (checkpoints/${choice}/model.json); leave --checkpoint out to export the newest model the run has.`);
    return { dir, checkpoint: `checkpoints/${choice}` };
  }
  for (const c of ['checkpoints/best', 'checkpoints/last', 'model']) if (has(join(runDir, c))) return { dir: join(runDir, c), checkpoint: c };
  throw new ExportError('export/no-checkpoint', `${runDir} holds no model (checkpoints/best, checkpoints/last or model/ with a model.json): name a run folder of a run that trained at least one epoch.`);
}

/** A file model.json names, confined to its folder (a run folder may come from anyone). */
function fileIn(dir: string, name: unknown): string {
  const outside = (p: string, root: string) => {
    const r = relative(root, p);
    return r === '' || r.startsWith('..') || isAbsolute(r);
  };
  const path = typeof name === 'string' ? join(dir, name) : '';
  if (typeof name !== 'string' || isAbsolute(name) || outside(path, dir) || (existsSync(path) && outside(realpathSync(path), realpathSync(dir)))) {
    throw new ExportError('export/bad-checkpoint', `${join(dir, 'model.json')} names a weight file outside its folder (${JSON.stringify(name)}).`);
  }
  return path;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The run's chosen model: its topology and weights, each checked against the bytes it claims. */
export function readStoredModel(runDir: string, choice?: CheckpointChoice): StoredModel {
  const { dir, checkpoint } = checkpointDir(runDir, choice);
  return { dir, checkpoint, ...readCheckpoint(dir) };
}

/** The topology and weights of the checkpoint folder `dir`. */
export function readCheckpoint(dir: string): Pick<StoredModel, 'topology' | 'weights'> {
  const file = join(dir, 'model.json');
  const bad = (why: string): never => {
    throw new ExportError('export/bad-checkpoint', `${file}: ${why}.`);
  };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return bad(`not readable JSON (${(e as Error).message})`);
  }
  if (!isObj(json) || !isObj(json.modelTopology)) return bad('no modelTopology');
  const groups = json.weightsManifest;
  if (!Array.isArray(groups) || !groups.every((g) => isObj(g) && Array.isArray(g.paths) && Array.isArray(g.weights))) return bad('no valid weightsManifest');
  const weights: StoredWeight[] = [];
  for (const g of groups as { paths: unknown[]; weights: unknown[] }[]) {
    const bytes = Buffer.concat(g.paths.map((p) => readFileSync(fileIn(dir, p))));
    let offset = 0;
    for (const w of g.weights) {
      if (!isObj(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) return bad(`a weight entry is not { name, shape, dtype } (${JSON.stringify(w).slice(0, 80)})`);
      if (w.dtype !== 'float32' && w.dtype !== 'int32') return bad(`weight ${w.name} has dtype ${String(w.dtype)}; a trainer checkpoint holds float32 and int32 only`);
      if ('quantization' in w) return bad(`weight ${w.name} is quantized already; export from the run's own checkpoint`);
      const shape = w.shape as number[];
      const n = shape.reduce((a, b) => a * b, 1);
      if (offset + 4 * n > bytes.length) return bad(`the weight files end inside ${w.name}`);
      const copy = bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + 4 * n);
      weights.push({ name: w.name, shape, dtype: w.dtype, values: w.dtype === 'float32' ? new Float32Array(copy) : new Int32Array(copy) });
      offset += 4 * n;
    }
  }
  return { topology: json.modelTopology, weights };
}
