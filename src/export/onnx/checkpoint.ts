/**
 * The trained weights of a checkpoint in TensorFlow.js layers format (`model.json` +
 * `weights.bin`), read with plain file I/O: exporting needs no TensorFlow.js.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { OnnxWeight } from '../../core/catalog';
import { ExportError } from './errors';

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype?: string;
  quantization?: unknown;
}

/** A file the manifest names, kept inside the checkpoint's folder (a checkpoint may come from anyone). */
function inside(dir: string, name: unknown): string {
  if (typeof name !== 'string' || isAbsolute(name) || relative(dir, join(dir, name)).startsWith('..')) throw new ExportError(`${join(dir, 'model.json')} names a weights file outside its folder (${JSON.stringify(name)}).`);
  const path = join(dir, name);
  if (existsSync(path) && relative(realpathSync(dir), realpathSync(path)).startsWith('..')) throw new ExportError(`${path} links to a file outside its folder.`);
  return path;
}

/** The checkpoint's weights by their tfjs names (`dense_1/kernel`), in Keras's layouts. */
export function readWeights(dir: string): Map<string, OnnxWeight> {
  const file = join(dir, 'model.json');
  let json: { weightsManifest?: { paths: string[]; weights: ManifestEntry[] }[] };
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ExportError(`Cannot read the checkpoint ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
  const groups = json.weightsManifest;
  if (!Array.isArray(groups) || !groups.every((g) => Array.isArray(g?.paths) && Array.isArray(g.weights))) throw new ExportError(`${file} has no valid weightsManifest.`);
  const out = new Map<string, OnnxWeight>();
  for (const g of groups) {
    const bytes = Buffer.concat(g.paths.map((p) => readFileSync(inside(dir, p))));
    let offset = 0;
    for (const w of g.weights) {
      if (w.quantization !== undefined || (w.dtype ?? 'float32') !== 'float32') throw new ExportError(`${file}: weight ${w.name} is ${w.quantization ? 'quantized' : w.dtype}; the exporter reads float32 checkpoints as the trainer writes them.`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (offset + n * 4 > bytes.byteLength) throw new ExportError(`${file}: the weights files hold ${bytes.byteLength} bytes, fewer than the manifest describes.`);
      const data = new Float32Array(n);
      new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + n * 4));
      offset += n * 4;
      out.set(w.name, { shape: w.shape, data });
    }
  }
  return out;
}
