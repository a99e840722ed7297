/** Pretrained weights from any supported source, by the path's form: `.keras`, `.h5`, or a TF.js model / ModelYAML run folder. */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { latestRunDir } from '../runRecord';
import { hdf5IfReady, readKerasFile, readKerasFileWith, readKerasH5, readKerasH5With } from './keras';
import { modelJsonOf, readTfjsModel } from './tfjs';
import { PretrainedError, type PretrainedSource } from './types';

export { PretrainedError, paramCount, type PretrainedLayer, type PretrainedSource, type PretrainedWeight } from './types';
export { modelJsonOf, readTfjsModel } from './tfjs';
export { hdf5, hdf5IfReady } from './keras';

const RUNS_LATEST = /^(.*)[\\/]\.modelyaml[\\/]runs[\\/]([^\\/]+)[\\/]latest$/;

/**
 * Runs go to the workspace's `.modelyaml/runs` (the editor's folder, the CLI's working folder), which
 * need not be the spec's folder: `<folder>/.modelyaml/runs/<spec>/latest` whose runs folder is not
 * there is looked for in each folder above, as Node looks for node_modules, so a spec in
 * `examples/transfer/` finds the runs of a workspace opened at the repository's root.
 */
export function latestRunsAbove(path: string): string {
  const m = RUNS_LATEST.exec(path);
  if (!m || existsSync(dirname(path))) return path;
  for (let dir = dirname(m[1]); ; dir = dirname(dir)) {
    const runs = join(dir, '.modelyaml', 'runs', m[2]);
    if (existsSync(runs)) return join(runs, 'latest');
    if (dirname(dir) === dir) return path;
  }
}

/**
 * `.modelyaml/runs/<spec>/latest` names that spec's newest run holding a model (run folders are
 * named by their start time), so a second stage can name the first's run before it exists; any
 * other path is itself. Throws PretrainedError when the spec has no such run yet.
 */
export function resolveLatestRun(given: string): string {
  const path = latestRunsAbove(given);
  if (basename(path) !== 'latest' || existsSync(path)) return path;
  const runs = dirname(path);
  const exists = existsSync(runs) && statSync(runs).isDirectory();
  const found = exists ? latestRunDir(dirname(runs), basename(runs), (dir) => modelJsonOf(dir) !== undefined) : undefined;
  if (!found) {
    throw new PretrainedError('pretrained/missing', `${path}: ${runs} ${exists ? 'holds no run with a checkpoint yet' : 'does not exist yet, here or in a folder above'}: train that spec first (\`latest\` is its newest run).`, path);
  }
  return found;
}

export async function readPretrained(given: string): Promise<PretrainedSource> {
  const path = resolveLatestRun(given);
  if (!existsSync(path)) throw new PretrainedError('pretrained/missing', `${path} does not exist.`, path);
  if (path.endsWith('.keras')) return readKerasFile(path);
  if (path.endsWith('.h5') || path.endsWith('.hdf5')) return readKerasH5(path);
  return readTfjsModel(path);
}

/** Shapes read, by path, with the size and time of the file they came from (a few sources per workspace). */
const SHAPES = new Map<string, { stamp: string; source: PretrainedSource }>();
const SHAPES_KEPT = 16;

/** The file a source's shapes come from (a folder's model.json), as size and modification time. */
function stampOf(path: string): string | undefined {
  const file = statSync(path).isDirectory() ? modelJsonOf(path) : path;
  if (!file) return undefined;
  const s = statSync(file);
  return `${file}\0${s.size}\0${s.mtimeMs}`;
}

/**
 * The layers and weight shapes a source holds, without its values, synchronously (for checks while
 * typing); undefined while h5wasm is still loading for a Keras file. Throws PretrainedError. Kept
 * while the file is unchanged: the language server checks on every keystroke, and a `.keras` file
 * is a zip to inflate.
 */
export function pretrainedShapes(given: string): PretrainedSource | undefined {
  const path = resolveLatestRun(given);
  if (!existsSync(path)) throw new PretrainedError('pretrained/missing', `${path} does not exist.`, path);
  const stamp = stampOf(path);
  const kept = SHAPES.get(path);
  if (kept && kept.stamp === stamp) return kept.source;
  const source = readShapes(path);
  if (source && stamp) {
    SHAPES.delete(path);
    SHAPES.set(path, { stamp, source });
    if (SHAPES.size > SHAPES_KEPT) SHAPES.delete(SHAPES.keys().next().value!);
  }
  return source;
}

function readShapes(path: string): PretrainedSource | undefined {
  const isKeras = path.endsWith('.keras');
  if (isKeras || path.endsWith('.h5') || path.endsWith('.hdf5')) {
    const lib = hdf5IfReady();
    if (!lib) return undefined;
    return isKeras ? readKerasFileWith(lib, path, true) : readKerasH5With(lib, path, true);
  }
  return readTfjsModel(path, true);
}
