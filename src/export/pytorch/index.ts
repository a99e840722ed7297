/**
 * `exportPytorch`: a spec (or a run folder, whose spec snapshot, checkpoint and fitted
 * preprocessing come along) as a small PyTorch package: model.py, data.py, train.py for one
 * process or torchrun, weights.py (tfjs checkpoint ↔ state_dict), objectives.py, README.md.
 * Only torch and the standard library in the package; no tfjs here.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { analyze } from '../../core/analyze';
import { PREPROCESSING_FILE } from '../../core/protocol/preprocessing';
import { readSpecSnapshot, RUN_FILE, SPEC_SNAPSHOT_FILE } from '../../node/runRecord';
import { readStoredModel } from '../checkpoint';
import { ExportError } from '../errors';
import { modelFolders } from '../modelFolders';
import { generateModel } from './model';
import { HF_BERT_PY } from './python/bert';
import { FINE_TUNING_PY } from './python/fineTuning';
import { OBJECTIVES_PY } from './python/objectives';
import { KERAS_INIT_PY, KERAS_LAYERS_PY, WEIGHTS_PY } from './python/runtime';
import { builtinDataFiles, dataPy } from './data';
import { readme } from './readme';
import { pretrainedFiles, pretrainedPath, readSpecPretrained, readSpecPretrainedSync } from './pretrained';
import { refuseUncarried, refuseUnreadSteps } from './refusals';
import { loadedLayerIds } from '../../core/pretrained';
import { pretrainedShapes, type PretrainedSource } from '../../node/pretrained';
import { searchPy } from './search';
import { trainPy } from './train';
import { searchSettings } from '../../core/search/space';
import type { SearchSettings } from '../../core/search/types';

export { ExportError } from '../errors';
export { readSpecPretrained } from './pretrained';

export interface PytorchExportOptions {
  /** The package folder to write (created). */
  out: string;
  /**
   * The search search.py runs as an Optuna study; by default the spec's own `search:` section
   * (when it has one), `false` for none.
   */
  search?: SearchSettings | false;
  /** The spec's text when it differs from the file's (a search trial's values written in); specs only. */
  text?: string;
  /**
   * The source of the spec's `model.weights`, read already (`await readSpecPretrained(…)`); by
   * default a TF.js source is read here, and a Keras file once h5wasm has loaded.
   */
  pretrained?: PretrainedSource;
  /**
   * The package is fed the trainer's prepared splits (`train.py --prepared`, the PyTorch engine), so
   * data.py's pipeline never runs and a step it lacks is not refused.
   */
  prepared?: boolean;
}

export interface PytorchExport {
  out: string;
  files: string[];
  /** Set when exported from a run: the checkpoint copied to tfjs/ (`checkpoints/best`, …). */
  checkpoint?: string;
}

/** The spec's text and the path it is reported under; a run folder also gives its checkpoint. */
function source(path: string, text?: string): { text: string; file: string; runDir?: string } {
  if (!existsSync(path)) throw new ExportError('export/not-found', `${path} does not exist: name a *.model.yaml spec or a run folder.`);
  if (statSync(path).isDirectory()) {
    const text = readSpecSnapshot(path);
    if (text === undefined) throw new ExportError('export/not-a-run', `${path} is not a run folder with a spec snapshot (${SPEC_SNAPSHOT_FILE}): name a folder under .modelyaml/runs/<spec>/, or a spec file.`);
    return { text, file: join(path, SPEC_SNAPSHOT_FILE), runDir: path };
  }
  return { text: text ?? readFileSync(path, 'utf8'), file: path };
}

/** exportPytorch after reading the spec's `model.weights` source, whatever its format (h5wasm reads Keras files asynchronously). */
export async function exportPytorchWithWeights(specOrRunPath: string, options: PytorchExportOptions): Promise<PytorchExport> {
  const src = source(resolve(specOrRunPath), options.text);
  const a = src.runDir || options.pretrained ? undefined : analyze(src.text);
  const ready = a && !a.diagnostics.some((d) => d.severity === 'error');
  const pretrained = options.pretrained ?? (ready ? await readSpecPretrained(a, src.file) : undefined);
  return exportPytorch(specOrRunPath, { ...options, pretrained });
}

/** Writes the package for a spec file or a run folder; throws ExportError naming the spec line of a layer it cannot map. */
export function exportPytorch(specOrRunPath: string, options: PytorchExportOptions): PytorchExport {
  const src = source(resolve(specOrRunPath), options.text);
  const folders = modelFolders(src);
  const a = analyze(src.text, { host: folders.host });
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    const p = a.lines.position(errors[0].range.start);
    throw new ExportError('export/spec-errors', `${src.file}:${p.line + 1}:${p.character + 1}: ${errors[0].message} (fix the spec's errors before exporting)`, { file: src.file, line: p.line + 1, column: p.character + 1 });
  }
  refuseUncarried(a, src.file);
  if (!options.prepared) refuseUnreadSteps(a, src.file);
  const model = generateModel(a, src.file, folders);
  const files = new Map<string, string | Buffer>();
  files.set('model.py', model.text);
  if (model.text.includes('import hf_bert')) files.set('hf_bert.py', HF_BERT_PY);
  files.set('keras_init.py', KERAS_INIT_PY);
  files.set('keras_layers.py', KERAS_LAYERS_PY);
  files.set('weights.py', WEIGHTS_PY);
  files.set('objectives.py', OBJECTIVES_PY);
  files.set('fine_tuning.py', FINE_TUNING_PY);
  files.set('spec.yaml', src.text);
  let checkpoint: string | undefined;
  let preprocessing: string | undefined;
  if (src.runDir) {
    const stored = readStoredModel(src.runDir);
    checkpoint = stored.checkpoint;
    const json = JSON.parse(readFileSync(join(stored.dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    files.set('tfjs/model.json', readFileSync(join(stored.dir, 'model.json')));
    for (const g of json.weightsManifest) for (const p of g.paths) files.set(`tfjs/${basename(p)}`, readFileSync(join(stored.dir, basename(p))));
    const pre = join(src.runDir, PREPROCESSING_FILE);
    if (existsSync(pre)) {
      preprocessing = readFileSync(pre, 'utf8');
      files.set(PREPROCESSING_FILE, preprocessing);
    }
  }
  const pretrained = src.runDir ? { loaded: loadedFromRun(a, src.runDir) } : pretrainedInto(files, a, src.file, model, options.pretrained ?? readSpecPretrainedSync(a, src.file));
  const loaded = pretrained.loaded;
  files.set('data.py', dataPy(a, src.file, preprocessing !== undefined));
  for (const [name, content] of builtinDataFiles(a, dirname(src.file))) files.set(name, content);
  files.set('train.py', trainPy(a, { initFromTfjs: checkpoint !== undefined, loaded }));
  const search = options.search === false ? undefined : (options.search ?? searchSettings(a));
  if (search) {
    // The files a trial's values change, generated as above from a trial's spec text.
    const generate = (text: string): Record<string, string> => {
      const t = analyze(text, { host: folders.host });
      const error = t.diagnostics.find((d) => d.severity === 'error');
      if (error) throw new Error(error.message);
      return { 'model.py': generateModel(t, src.file, folders).text, 'data.py': dataPy(t, src.file, preprocessing !== undefined), 'train.py': trainPy(t, { initFromTfjs: checkpoint !== undefined, loaded }) };
    };
    files.set('search.py', searchPy(src.text, search, a.spec.name?.value ?? 'model', generate));
  }
  files.set('README.md', readme(a, model, { fromRun: checkpoint, search, pretrained: pretrained.source ? { source: pretrained.source, layers: loaded } : undefined }));
  mkdirSync(options.out, { recursive: true });
  for (const [name, content] of files) {
    const path = join(options.out, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }
  return { out: options.out, files: [...files.keys()], checkpoint };
}

/** Writes the spec's pretrained weights into the package (pretrained/); returns the layers loaded and the source read. */
function pretrainedInto(files: Map<string, string | Buffer>, a: ReturnType<typeof analyze>, specFile: string, model: ReturnType<typeof generateModel>, source: PretrainedSource | undefined): { loaded: string[]; source?: string } {
  if (!source) return { loaded: [] };
  const p = pretrainedFiles(a, specFile, model, source);
  for (const [name, content] of p.files) files.set(name, content);
  return { loaded: p.loaded, source: source.file };
}

/**
 * A run's checkpoint already holds the loaded weights, trained: only the layers' names matter (for
 * `model.weights.learning_rate_multiplier`): those the source has, as the trainer chose them, when
 * the source is still there (its shapes read); else the listed ones, else the spec's named layers.
 */
function loadedFromRun(a: ReturnType<typeof analyze>, runDir: string): string[] {
  if (!a.spec.model?.weights) return [];
  let source: PretrainedSource | undefined;
  try {
    // `from` is relative to the spec the run was trained from (run.json's `spec`).
    const spec = (JSON.parse(readFileSync(join(runDir, RUN_FILE), 'utf8')) as { spec?: unknown }).spec;
    const path = typeof spec === 'string' ? pretrainedPath(a, spec) : undefined;
    source = path ? pretrainedShapes(path) : undefined;
  } catch {
    source = undefined; // a run synced from elsewhere: the source stayed behind
  }
  return loadedLayerIds(a.spec, source && { format: source.format, layers: source.layers });
}
