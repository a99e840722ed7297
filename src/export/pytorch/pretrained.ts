/**
 * The spec's `model.weights` in the package: read from its source in Node (src/node/pretrained/:
 * Keras `.keras`/`.h5`, a TF.js model, a ModelYAML run), matched to the spec's layers as the
 * trainer matches them (by layer name, each layer's tensors in Keras order), and written as
 * `pretrained/model.json` + `pretrained/weights.bin` under this model's tfjs weight names: the
 * checkpoint format weights.py already converts (`tfjs_to_state_dict`, as for a run's `tfjs/`), so
 * train.py starts from them (`weights.load_pretrained`).
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Analysis } from '../../core/analyze';
import { loadedLayerIds } from '../../core/pretrained';
import { hdf5, PretrainedError, readPretrained, readTfjsModel, type PretrainedSource } from '../../node/pretrained';
import { hdf5IfReady, readKerasFileWith, readKerasH5With } from '../../node/pretrained/keras';
import { ExportError } from '../errors';
import type { GeneratedModel } from './model';

/** The folder of the package that holds the pretrained weights. */
export const PRETRAINED_DIR = 'pretrained';

const isKeras = (path: string) => /\.(keras|h5|hdf5)$/.test(path);

/** `model.weights.from` resolved against the spec's folder, as the trainer resolves it; undefined without one. */
export function pretrainedPath(a: Analysis, specFile: string): string | undefined {
  const from = a.spec.model?.weights?.from?.value;
  if (!from) return undefined;
  return isAbsolute(from) ? from : resolve(dirname(specFile), from);
}

/** An ExportError at the spec's `model.weights.from`. */
function errorAt(a: Analysis, specFile: string, code: string, message: string): ExportError {
  const range = a.spec.model?.weights?.from?.range ?? a.spec.model?.weights?.keyRange;
  const p = a.lines.position(range?.start ?? 0);
  return new ExportError(code, `${specFile}:${p.line + 1}:${p.character + 1}: model.weights: ${message}`, { file: specFile, line: p.line + 1, column: p.character + 1 });
}

const asExportError = (a: Analysis, specFile: string) => (e: unknown): never => {
  if (e instanceof PretrainedError) throw errorAt(a, specFile, e.code, e.message);
  throw e;
};

/** Reads the source (values included) of a spec's `model.weights`; Keras files wait for h5wasm. */
export async function readSpecPretrained(a: Analysis, specFile: string): Promise<PretrainedSource | undefined> {
  const path = pretrainedPath(a, specFile);
  if (!path) return undefined;
  if (isKeras(path)) await hdf5();
  return readPretrained(path).catch(asExportError(a, specFile));
}

/** The same, synchronously: TF.js sources always; Keras files once h5wasm has loaded (readSpecPretrained waits for it). */
export function readSpecPretrainedSync(a: Analysis, specFile: string): PretrainedSource | undefined {
  const path = pretrainedPath(a, specFile);
  if (!path) return undefined;
  try {
    if (!isKeras(path)) return readTfjsModel(path);
    const lib = hdf5IfReady();
    if (!lib) throw errorAt(a, specFile, 'export/pretrained-not-read', `${path} is a Keras file, read asynchronously: export with the CLI, or pass \`pretrained: await readSpecPretrained(…)\`.`);
    return path.endsWith('.keras') ? readKerasFileWith(lib, path, false) : readKerasH5With(lib, path, false);
  } catch (e) {
    return asExportError(a, specFile)(e);
  }
}

/**
 * pretrained/model.json and weights.bin for the layers `model.weights` loads, and their ids. Each
 * source layer's tensors take, in order, the tfjs names the trainer's layer holds its weights under.
 */
export function pretrainedFiles(a: Analysis, specFile: string, model: GeneratedModel, source: PretrainedSource): { files: Map<string, string | Buffer>; loaded: string[] } {
  const loaded = loadedLayerIds(a.spec, { format: source.format, layers: source.layers });
  const entries: { name: string; shape: number[]; dtype: 'float32' }[] = [];
  const chunks: Buffer[] = [];
  for (const id of loaded) {
    const src = source.layers.find((l) => l.name === id);
    if (!src) throw errorAt(a, specFile, 'weights/not-in-source', `${source.file} has no layer \`${id}\` (it has ${source.layers.map((l) => l.name).join(', ')}).`);
    const names = model.layers.find((l) => l.id === id)?.tfWeights ?? [];
    if (names.length !== src.weights.length) {
      throw errorAt(a, specFile, 'weights/shape-mismatch', `layer \`${id}\` has ${names.length} weight tensors here (${names.join(', ')}) but ${src.weights.length} in ${source.file} (${src.weights.map((t) => `${t.name} [${t.shape.join(', ')}]`).join(', ')}).`);
    }
    src.weights.forEach((w, i) => {
      entries.push({ name: names[i], shape: w.shape, dtype: 'float32' });
      chunks.push(Buffer.from(w.values.buffer, w.values.byteOffset, w.values.byteLength));
    });
  }
  const meta = { format: 'modelyaml-pretrained', source: source.file, sourceFormat: source.format, layers: loaded, weightsManifest: [{ paths: ['weights.bin'], weights: entries }] };
  const files = new Map<string, string | Buffer>([
    [`${PRETRAINED_DIR}/model.json`, JSON.stringify(meta, null, 1)],
    [`${PRETRAINED_DIR}/weights.bin`, Buffer.concat(chunks)],
  ]);
  return { files, loaded };
}
