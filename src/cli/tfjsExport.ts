/**
 * `modelyaml export <run-dir> --format tfjs`: the run's model as a stock TensorFlow.js layers
 * model folder (model.json, weight shards, tf.min.js, index.html, MODEL_CARD.md) and an
 * export.json with its sizes, as the ONNX export writes one. docs/deploying.md, "TF.js".
 */
import { writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { readStoredModel, type CheckpointChoice } from '../export/checkpoint';
import { exportTfjs, type Quantization } from '../export/tfjs';

export const TFJS_QUANTIZATIONS = ['float16', 'uint8'] as const;

interface Out {
  out(s: string): void;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** Writes the folder (default `<run>/tfjs`, `<run>/tfjs-<quantize>`) and reports it. */
export function tfjsExport(runDir: string, o: { out?: string; quantize?: string; checkpoint?: CheckpointChoice }, io: Out): number {
  const quantize = o.quantize as Quantization | undefined;
  const out = resolve(o.out ?? join(runDir, quantize ? `tfjs-${quantize}` : 'tfjs'));
  const r = exportTfjs(runDir, { out, checkpoint: o.checkpoint, quantize });
  const doc = {
    format: 'tfjs',
    file: join(out, 'model.json'),
    quantize: quantize ?? 'none',
    checkpoint: r.checkpoint,
    files: [...r.files, 'export.json'],
    bytes: r.weightBytes,
    float32Bytes: readStoredModel(runDir, o.checkpoint).weights.reduce((n, w) => n + w.values.byteLength, 0),
    page: r.page,
    rewritten: r.rewritten,
    note: 'weights bytes only; the TF.js export is not scored here (open index.html, or tf.loadLayersModel it)',
  };
  writeFileSync(join(out, 'export.json'), JSON.stringify(doc, null, 2) + '\n');
  const shown = (p: string) => relative(process.cwd(), p) || p;
  io.out(`${shown(out)}: TF.js layers model from ${r.checkpoint}, weights ${kb(r.weightBytes)}${quantize ? ` ${quantize} (float32: ${kb(doc.float32Bytes)})` : ''}\n`);
  for (const line of r.rewritten) io.out(`  ${line}\n`);
  io.out(`${r.files.join(', ')}${r.page ? '' : ' (no index.html: the run has no preprocessing.json)'}\n`);
  return 0;
}
