/** Pretrained weights from any supported source, by the path's form: `.keras`, `.h5`, or a TF.js model / ModelYAML run folder. */
import { existsSync } from 'node:fs';
import { hdf5IfReady, readKerasFile, readKerasFileWith, readKerasH5, readKerasH5With } from './keras';
import { readTfjsModel } from './tfjs';
import { PretrainedError, type PretrainedSource } from './types';

export { PretrainedError, paramCount, type PretrainedLayer, type PretrainedSource, type PretrainedWeight } from './types';
export { modelJsonOf, readTfjsModel } from './tfjs';
export { hdf5, hdf5IfReady } from './keras';

export async function readPretrained(path: string): Promise<PretrainedSource> {
  if (!existsSync(path)) throw new PretrainedError('pretrained/missing', `${path} does not exist.`, path);
  if (path.endsWith('.keras')) return readKerasFile(path);
  if (path.endsWith('.h5') || path.endsWith('.hdf5')) return readKerasH5(path);
  return readTfjsModel(path);
}

/**
 * The layers and weight shapes a source holds, without its values, synchronously (for checks while
 * typing); undefined while h5wasm is still loading for a Keras file. Throws PretrainedError.
 */
export function pretrainedShapes(path: string): PretrainedSource | undefined {
  if (!existsSync(path)) throw new PretrainedError('pretrained/missing', `${path} does not exist.`, path);
  const isKeras = path.endsWith('.keras');
  if (isKeras || path.endsWith('.h5') || path.endsWith('.hdf5')) {
    const lib = hdf5IfReady();
    if (!lib) return undefined;
    return isKeras ? readKerasFileWith(lib, path, true) : readKerasH5With(lib, path, true);
  }
  return readTfjsModel(path, true);
}
