/**
 * `exportTfjs(runDir, { out })`: a run's model as a TensorFlow.js layers model folder that stock
 * `tf.loadLayersModel` loads (model.json + weight shards), optionally with TF.js's weight
 * quantization, beside `tf.min.js` and an `index.html` that runs it. Plain file I/O only: the
 * trainer's checkpoint is rewritten, never loaded (docs/deploying.md, "TF.js").
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PREPROCESSING_FILE, parsePreprocessing } from '../../core/protocol/preprocessing';
import { readRunRecord } from '../../node/runRecord';
import { MODEL_CARD_FILE, modelCard } from '../modelCard';
import { readStoredModel, type CheckpointChoice } from '../checkpoint';
import { ExportError } from '../errors';
import { indexHtml, pageConfig } from './page';
import { specLayerLocator } from './specLayers';
import { toStockLayers } from './topology';
import { weightShards, type Quantization } from './weights';

export { ExportError } from '../errors';
export type { CheckpointChoice } from '../checkpoint';
export type { Quantization } from './weights';

export interface TfjsExportOptions {
  /** The folder to write (created; files of the same names are replaced). */
  out: string;
  /** Default: `best` if the run has it, else `last`, else the final `model/`. */
  checkpoint?: CheckpointChoice;
  /** TF.js weight quantization; default none (float32). */
  quantize?: Quantization;
  /** tf.min.js to copy beside the page; default the one in @tensorflow/tfjs's dist/. */
  tfjsScript?: string;
}

export interface TfjsExportResult {
  out: string;
  /** Which of the run's models was exported (`checkpoints/best`, `checkpoints/last`, `model`). */
  checkpoint: string;
  quantize?: Quantization;
  /** Every file written, relative to `out`. */
  files: string[];
  /** Bytes of the weight shards. */
  weightBytes: number;
  /** One line per custom layer rewritten to a stock one. */
  rewritten: string[];
  /** False when the run has no preprocessing.json (the page is left out). */
  page: boolean;
}

/** The stock tf.min.js of the installed TensorFlow.js (resolved, not imported: no tfjs here). */
export function defaultTfjsScript(): string {
  // Bundled (dist/cli.js, also inside the .vsix): the build copies tf.min.js next to the bundle.
  const beside = join(__dirname, 'tf.min.js');
  if (existsSync(beside)) return beside;
  try {
    return join(dirname(require.resolve('@tensorflow/tfjs/package.json')), 'dist', 'tf.min.js');
  } catch {
    throw new ExportError('export/no-tfjs-script', '@tensorflow/tfjs is not installed, so there is no tf.min.js to put beside index.html: pass tfjsScript.');
  }
}

function readPre(runDir: string) {
  const file = join(runDir, PREPROCESSING_FILE);
  if (!existsSync(file)) return undefined;
  const parsed = parsePreprocessing(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new ExportError('export/bad-preprocessing', `${file}: ${parsed.error}`);
  return parsed.value;
}

export function exportTfjs(runDir: string, options: TfjsExportOptions): TfjsExportResult {
  if (!existsSync(join(runDir, 'run.json'))) throw new ExportError('export/not-a-run', `${runDir} is not a run folder (no run.json): name a folder under .modelyaml/runs/<spec>/, as \`modelyaml train\` prints it.`);
  const stored = readStoredModel(runDir, options.checkpoint);
  // Everything is checked before the first file is written: a refused model leaves no folder.
  const stock = toStockLayers(stored.topology, stored.weights, specLayerLocator(runDir));
  const pre = readPre(runDir);
  const script = options.tfjsScript ?? defaultTfjsScript();
  if (!existsSync(script)) throw new ExportError('export/no-tfjs-script', `${script} does not exist: no tf.min.js to put beside index.html.`);
  const record = readRunRecord(runDir);
  const { files, manifest } = weightShards(stock.weights, options.quantize);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `ModelYAML (from ${stored.checkpoint} of run ${record?.specName ?? runDir})`,
    convertedBy: 'ModelYAML exportTfjs',
    modelTopology: stock.topology,
    weightsManifest: manifest,
    userDefinedMetadata: { specHash: record?.specHash, dataFingerprint: record?.dataFingerprint, classNames: pre?.labels.names, labelKind: pre?.labels.kind },
  };
  const contents = new Map<string, string | Uint8Array>([['model.json', JSON.stringify(modelJson)], ...files]);
  if (pre) contents.set('tf.min.js', readFileSync(script)).set('index.html', indexHtml(pageConfig(record?.specName ?? 'model', pre)));
  const written = [...contents.keys(), MODEL_CARD_FILE];
  contents.set(MODEL_CARD_FILE, modelCard(runDir, { format: 'TensorFlow.js layers model', checkpoint: stored.checkpoint, quantize: options.quantize, files: written, notes: stock.rewritten }));

  mkdirSync(options.out, { recursive: true });
  for (const [name, data] of contents) writeFileSync(join(options.out, name), data);
  return {
    out: options.out,
    checkpoint: stored.checkpoint,
    ...(options.quantize ? { quantize: options.quantize } : {}),
    files: written,
    weightBytes: [...files.values()].reduce((a, b) => a + b.length, 0),
    rewritten: stock.rewritten,
    page: pre !== undefined,
  };
}
