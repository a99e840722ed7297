/**
 * A prediction session inside the trainer process (`serve`, then any number of `predict`s): the
 * run's model and fitted preprocessing are loaded once and kept, so each prediction is only the
 * preprocessing of the new input and one forward pass. The "Try the model" panel draws and types
 * against it; it shares the engine, the backends and the preprocessing code with `evaluate` and
 * `predict` (docs/try.md says why inference does not run in the webview).
 */
import * as tf from './tf';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Preprocessing } from '../core/protocol/preprocessing';
import type { InferAnswer, PredictionEvent, PredictionOutput, RawInput, ServeOptions, ServingEvent } from '../core/protocol/trainer';
import { RUN_FILE } from '../node/runRecord';
import { applyFitted } from './data/fitted';
import { decodeImageBytes } from './data/sources';
import { loadRunModel, type RawRecord, type RunModel } from './inference';
import { errorEvent } from './train';
import { fail, TrainerError } from './util';

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
    private readonly run: RunModel,
  ) {}

  private get model(): tf.LayersModel {
    return this.run.model;
  }

  /** Loads a run's model and preprocessing, and predicts once (the first call compiles the kernels). */
  static async open(runDirArg: string, options: ServeOptions, log: Log): Promise<{ session: ServingSession; event: Omit<ServingEvent, 'time'> }> {
    const started = performance.now();
    const runDir = resolve(runDirArg);
    if (!existsSync(join(runDir, RUN_FILE))) fail('serve/not-a-run', `${runDir} is not a run folder (it has no ${RUN_FILE}).`, { file: runDir });
    // The inference module loads it (model folder, backend, fitted preprocessing), as for `predict`.
    const run = await loadRunModel(runDir, { checkpoint: options.checkpoint, backend: options.backend, wasmDir: options.wasmDir, log });
    const backend = tf.getBackend();
    const session = new ServingSession(runDir, run.modelDir, backend, run.preprocessing, run);
    session.warmUp();
    const event = { type: 'serving' as const, runDir, checkpoint: run.modelDir, backend, preprocessing: run.preprocessing as unknown, loadMs: performance.now() - started };
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

  /**
   * Answers an `infer` with `topK` (`modelyaml serve`): each input on its own in `predict`'s
   * decoded form, a bad one with its error naming it ("input 3: no `petal_width` field"). An input
   * `{ image: "<base64>" }` carries PNG/JPEG bytes, decoded here as `predict` decodes image files.
   */
  async answer(id: number, inputs: RawInput[], topK: number): Promise<Omit<PredictionEvent, 'time'>> {
    const t0 = performance.now();
    const origin = (i: number) => `input ${i + 1}`;
    try {
      const answers: InferAnswer[] = new Array(inputs.length);
      const records: RawRecord[] = [];
      const at: number[] = [];
      inputs.forEach((r, i) => {
        try {
          records.push(typeof r.image === 'string' ? this.run.imageRecord(decodeImageBytes(Buffer.from(r.image, 'base64'), `${origin(i)}'s image`), origin(i)) : r);
          at.push(i);
        } catch (e) {
          if (!(e instanceof TrainerError)) throw e;
          answers[i] = { error: { code: e.code, message: e.message } };
        }
      });
      const outcomes = await this.run.predictEach(records, { topK, origin: (j) => origin(at[j]) });
      outcomes.forEach((o, j) => (answers[at[j]] = o.ok ? o.prediction : { error: { code: o.code, message: o.message } }));
      return { type: 'prediction', id, outputs: [], answers, ms: performance.now() - t0 };
    } catch (e) {
      const { code, message } = errorEvent(e);
      return { type: 'prediction', id, outputs: [], ms: performance.now() - t0, error: { code, message } };
    }
  }

  dispose(): void {
    this.run.dispose();
  }
}
