/**
 * A prediction session inside the trainer process (`serve`, then any number of `predict`s): the
 * run's model and fitted preprocessing are loaded once and kept, so each prediction is only the
 * preprocessing of the new input and one forward pass. The "Try the model" panel draws and types
 * against it; it shares the engine, the backends and the preprocessing code with `evaluate` and
 * `predict` (docs/try.md says why inference does not run in the webview).
 */
import * as tf from './tf';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Preprocessing } from '../core/protocol/preprocessing';
import type { PredictionEvent, PredictionOutput, RawInput, ServeOptions, ServingEvent } from '../core/protocol/trainer';
import { readRunRecord, RUN_FILE } from '../node/runRecord';
import { loadModel } from './checkpoint';
import { applyFitted, readPreprocessing } from './data/fitted';
import { chooseBackend } from './device';
import { modelFolder } from './inference';
import { errorEvent } from './train';
import { fail } from './util';

type Log = (level: 'debug' | 'info' | 'warning', message: string) => void;

/** The model's output rows, decoded by the kind of labels the run was trained with. */
export function decodeOutputs(rows: number[][], labels: Preprocessing['labels']): PredictionOutput[] {
  const kind = labels.kind;
  return rows.map((row) => {
    if (kind === 'one_hot' || kind === 'class_index') {
      const classes = row.map((_, i) => labels.names?.[i] ?? String(i));
      const best = row.reduce((b, v, i) => (v > row[b] ? i : b), 0);
      return { label: classes[best], probabilities: row, classes };
    }
    if (kind === 'binary' && row.length === 1) {
      const classes = [labels.names?.[0] ?? '0', labels.names?.[1] ?? '1'];
      const p = [1 - row[0], row[0]];
      return { label: classes[p[1] >= 0.5 ? 1 : 0], probabilities: p, classes };
    }
    return { value: row };
  });
}

export class ServingSession {
  private constructor(
    readonly runDir: string,
    readonly checkpoint: string,
    readonly backend: string,
    readonly preprocessing: Preprocessing,
    private readonly model: tf.LayersModel,
  ) {}

  /** Loads a run's model and preprocessing, and predicts once (the first call compiles the kernels). */
  static async open(runDirArg: string, options: ServeOptions, log: Log): Promise<{ session: ServingSession; event: Omit<ServingEvent, 'time'> }> {
    const started = performance.now();
    const runDir = resolve(runDirArg);
    if (!existsSync(join(runDir, RUN_FILE))) fail('serve/not-a-run', `${runDir} is not a run folder (it has no ${RUN_FILE}).`, { file: runDir });
    const record = readRunRecord(runDir);
    const pre = readPreprocessing(runDir);
    const folder = modelFolder(runDir, options.checkpoint);
    const choice = await chooseBackend({ device: 'cpu', backend: options.backend, wasmDir: options.wasmDir, searchFrom: record ? [dirname(record.spec)] : [] });
    log('debug', `backend: ${choice.backend} on ${choice.device}`);
    for (const note of choice.notes) log('warning', note);
    let model: tf.LayersModel;
    try {
      model = await loadModel(folder.dir);
    } catch (e) {
      return fail('serve/bad-checkpoint', `Cannot load the model in ${folder.dir}: ${(e as Error).message}. Train the spec again.`, { file: folder.dir });
    }
    const session = new ServingSession(runDir, folder.dir, choice.backend, pre, model);
    session.warmUp();
    const event = { type: 'serving' as const, runDir, checkpoint: folder.dir, backend: choice.backend, preprocessing: pre as unknown, loadMs: performance.now() - started };
    return { session, event };
  }

  /** One forward pass on zeros: the backend builds its kernels now, not on the user's first stroke. */
  private warmUp(): void {
    tf.tidy(() => this.model.predict(tf.zeros([1, ...this.preprocessing.features.shape])));
  }

  async predictRows(inputs: RawInput[]): Promise<number[][]> {
    const a = await applyFitted(this.preprocessing, inputs);
    if (!a.n) return [];
    const p = tf.tidy(() => this.model.predict(tf.tensor(a.x, [a.n, ...a.shape])) as tf.Tensor);
    const v = await p.data();
    const width = p.size / a.n;
    p.dispose();
    return Array.from({ length: a.n }, (_, i) => Array.from(v.subarray(i * width, (i + 1) * width)));
  }

  /** Answers a `predict` command; bad input is an answer too (with `error`), not the session's end. */
  async predict(id: number, inputs: RawInput[]): Promise<Omit<PredictionEvent, 'time'>> {
    const t0 = performance.now();
    try {
      const outputs = decodeOutputs(await this.predictRows(inputs), this.preprocessing.labels);
      return { type: 'prediction', id, outputs, ms: performance.now() - t0 };
    } catch (e) {
      const { code, message } = errorEvent(e);
      return { type: 'prediction', id, outputs: [], ms: performance.now() - t0, error: { code, message } };
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}
