/**
 * Keras weights files, read with h5wasm (HDF5) and fflate (the `.keras` zip):
 * - Keras 2 / legacy `.h5`: `model_weights/<layer>` lists its tensors in the attribute
 *   `weight_names` (`<layer>/kernel:0` or, from Keras 3, `<model>/<layer>/kernel`), in Keras order.
 * - Keras 3 `.keras`: `config.json` lists the layers; `model.weights.h5` stores each under
 *   `layers/<snake_case class>[_n]/` (numbered per class in order) as `vars/0…` and, for a
 *   recurrent layer, `cell/vars/0…`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { PretrainedError, type PretrainedLayer, type PretrainedSource, type PretrainedWeight } from './types';

type H5 = typeof import('h5wasm/node').default;
type H5Group = InstanceType<H5['Group']>;

let h5: H5 | undefined;
let loading: Promise<H5> | undefined;
/**
 * The bundles load h5wasm from dist/h5wasm.js beside them (one copy of its 4 MB in the .vsix, not
 * one per bundle); from source (tests, tsx) it is the package itself.
 */
function loadH5wasm(): Promise<{ default: H5 }> {
  const bundled = join(__dirname, 'h5wasm.js');
  if (existsSync(bundled)) return Promise.resolve(require(bundled) as { default: H5 });
  return import('h5wasm/node');
}

/** h5wasm, loaded once (its WebAssembly module starts asynchronously). */
export function hdf5(): Promise<H5> {
  loading ??= loadH5wasm().then(async (m) => {
    await m.default.ready;
    h5 = m.default;
    return h5;
  });
  return loading;
}
/** h5wasm if it has loaded, else undefined (and it starts loading): for synchronous checks while typing. */
export function hdf5IfReady(): H5 | undefined {
  if (!h5) void hdf5().catch(() => undefined);
  return h5;
}

function openH5(lib: H5, path: string, shown: string): InstanceType<H5['File']> {
  try {
    const f = new lib.File(path, 'r');
    if (!f.keys) throw new Error('no groups');
    f.keys();
    return f;
  } catch (e) {
    throw new PretrainedError('pretrained/corrupt', `${shown} is not a readable HDF5 file (corrupt or truncated): ${(e as Error).message ?? e}`, shown);
  }
}

function dataset(lib: H5, g: H5Group, key: string, file: string, name: string, shapesOnly: boolean): PretrainedWeight {
  const d = g.get(key);
  if (!(d instanceof lib.Dataset)) throw new PretrainedError('pretrained/corrupt', `${file}: ${name} is not a dataset.`, file);
  if (shapesOnly) return { name, shape: (d.shape ?? []) as number[], values: new Float32Array(0) };
  let values: unknown;
  try {
    values = d.value;
  } catch (e) {
    throw new PretrainedError('pretrained/corrupt', `${file}: cannot read ${name} (corrupt or truncated): ${(e as Error).message}`, file);
  }
  if (!(values instanceof Float32Array)) throw new PretrainedError('pretrained/dtype', `${file}: ${name} is not float32; only float32 weights can be loaded.`, file);
  return { name, shape: (d.shape ?? []) as number[], values: new Float32Array(values) };
}

const group = (lib: H5, g: H5Group, key: string): H5Group | undefined => {
  const c = g.keys().includes(key) ? g.get(key) : undefined;
  return c instanceof lib.Group ? c : undefined;
};

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

/** A legacy `.h5` (Keras 2, or Keras 3's `save('x.h5')`); `shapesOnly` leaves the values empty. */
export async function readKerasH5(path: string): Promise<PretrainedSource> {
  return readKerasH5With(await hdf5(), path, false);
}

export function readKerasH5With(lib: H5, path: string, shapesOnly: boolean): PretrainedSource {
  const f = openH5(lib, path, path);
  try {
    const root = group(lib, f as unknown as H5Group, 'model_weights') ?? (f as unknown as H5Group);
    const names = strings(root.attrs['layer_names']?.value);
    if (names.length === 0) throw new PretrainedError('pretrained/corrupt', `${path} has no \`layer_names\`: it is not a Keras weights file.`, path);
    const classes = classesOf(f.attrs['model_config']?.value);
    const layers: PretrainedLayer[] = names.map((name) => {
      const g = group(lib, root, name);
      if (!g) throw new PretrainedError('pretrained/corrupt', `${path}: layer ${name} is listed but has no group.`, path);
      const weights = strings(g.attrs['weight_names']?.value).map((w) => dataset(lib, g, w, path, w, shapesOnly));
      return { name, className: classes.get(name), weights };
    });
    return { file: path, format: 'h5', layers };
  } finally {
    f.close();
  }
}

interface KerasLayerConfig {
  class_name: string;
  config: { name: string; layers?: KerasLayerConfig[] };
}

function classesOf(config: unknown): Map<string, string> {
  const out = new Map<string, string>();
  try {
    const c = (typeof config === 'string' ? JSON.parse(config) : config) as KerasLayerConfig | undefined;
    for (const l of c?.config.layers ?? []) out.set(l.config.name, l.class_name);
  } catch {
    /* the classes are only shown in hovers */
  }
  return out;
}

/** Keras's `to_snake_case`, which names the groups: `Conv2D` → `conv2d`, `BatchNormalization` → `batch_normalization`. */
const snake = (s: string) => s.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();

/** Every `vars/<i>` under a group, its own first, then its sub-objects' (`cell/vars/…`), in index order. */
function varsOf(lib: H5, g: H5Group, prefix: string, file: string, shapesOnly: boolean): PretrainedWeight[] {
  const out: PretrainedWeight[] = [];
  const vars = group(lib, g, 'vars');
  if (vars) {
    const keys = vars.keys().sort((a, b) => Number(a) - Number(b));
    for (const k of keys) out.push(dataset(lib, vars, k, file, `${prefix}/vars/${k}`, shapesOnly));
  }
  for (const k of g.keys()) {
    if (k === 'vars') continue;
    const sub = group(lib, g, k);
    if (sub) out.push(...varsOf(lib, sub, `${prefix}/${k}`, file, shapesOnly));
  }
  return out;
}

/** A Keras 3 `.keras` file: a zip of config.json and model.weights.h5. */
export async function readKerasFile(path: string): Promise<PretrainedSource> {
  return readKerasFileWith(await hdf5(), path, false);
}

export function readKerasFileWith(lib: H5, path: string, shapesOnly: boolean): PretrainedSource {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(readFileSync(path));
  } catch (e) {
    throw new PretrainedError('pretrained/corrupt', `${path} is not a readable .keras file (a zip; corrupt or truncated): ${(e as Error).message}`, path);
  }
  const configBytes = entries['config.json'];
  const weightsBytes = entries['model.weights.h5'];
  if (!configBytes || !weightsBytes) throw new PretrainedError('pretrained/corrupt', `${path} lacks ${configBytes ? 'model.weights.h5' : 'config.json'}: not a Keras 3 .keras file.`, path);
  let config: KerasLayerConfig;
  try {
    config = JSON.parse(new TextDecoder().decode(configBytes));
  } catch (e) {
    throw new PretrainedError('pretrained/corrupt', `${path}: config.json is not JSON: ${(e as Error).message}`, path);
  }
  const dir = mkdtempSync(join(tmpdir(), 'modelyaml-keras-'));
  const h5path = join(dir, 'model.weights.h5');
  writeFileSync(h5path, weightsBytes);
  try {
    const f = openH5(lib, h5path, `${path} (model.weights.h5)`);
    try {
      const root = group(lib, f as unknown as H5Group, 'layers') ?? (f as unknown as H5Group);
      const perClass = new Map<string, number>();
      const layers: PretrainedLayer[] = [];
      for (const l of config.config.layers ?? []) {
        if (l.class_name === 'InputLayer') continue;
        const base = snake(l.class_name);
        const n = perClass.get(base) ?? 0;
        perClass.set(base, n + 1);
        const key = n === 0 ? base : `${base}_${n}`;
        const g = group(lib, root, key);
        layers.push({ name: l.config.name, className: l.class_name, weights: g ? varsOf(lib, g, `layers/${key}`, path, shapesOnly) : [] });
      }
      return { file: path, format: 'keras', layers };
    } finally {
      f.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
