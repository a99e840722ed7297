/**
 * A prediction session inside the trainer process (`serve`, then any number of `infer`s): the
 * run is loaded once with the inference module `predict` and `evaluate` use (./inference.ts) and
 * kept, so each prediction is only the preprocessing of the new input and one forward pass. The
 * "Try the model" panel draws and types against it: one engine, the same backends and one
 * preprocessing path (docs/try.md says why inference does not run in the webview).
 */
import * as tf from './tf';
import type { InferAnswer, InferenceEvent, PredictionOutput, RawInput, ServeOptions, ServingEvent } from '../core/protocol/trainer';
import { decodeImageBytes } from './data/sources';
import { loadRunModel, type Prediction, type Predictor, type RawRecord } from './inference';
import { loadOnnxModel } from './onnxModel';
import { errorEvent } from './train';
import { fail, TrainerError } from './util';

type Log = (level: 'debug' | 'info' | 'warning', message: string) => void;

/** The inference module's answer in the protocol's form: probabilities as a list in class order. */
export function outputOf(m: Pick<Predictor, 'classNames'>, p: Prediction): PredictionOutput {
  if (p.probabilities && m.classNames) {
    const probabilities = m.classNames.map((n) => p.probabilities![n]);
    return { ...(p.label !== undefined ? { label: p.label } : {}), ...(p.labels ? { labels: p.labels } : {}), probabilities, classes: m.classNames };
  }
  return { value: p.value !== undefined ? [p.value] : Object.values(p.values ?? {}) };
}

/** What a session answers with: a Predictor (a run's checkpoint, or ModelYAML's model.onnx), or tensors of a foreign model.onnx. */
interface Served {
  predictor?: Predictor;
  answerTensors?(inputs: RawInput[]): Promise<InferAnswer[]>;
  dispose(): void;
}

export class ServingSession {
  private constructor(private readonly served: Served) {}

  /**
   * Loads the run and predicts once on zeros (the backend builds its kernels now, not on the
   * user's first stroke); with `options.onnx`, that model.onnx in onnxruntime instead.
   */
  static async open(runDir: string, options: ServeOptions, log: Log): Promise<{ session: ServingSession; event: Omit<ServingEvent, 'time'> }> {
    const started = performance.now();
    if (options.onnx) {
      const m = await loadOnnxModel(options.onnx);
      const pre = m.predictor ? { preprocessing: m.predictor.preprocessing as unknown } : {};
      return { session: new ServingSession(m), event: { type: 'serving', runDir, checkpoint: options.onnx, backend: m.backend, ...pre, loadMs: performance.now() - started, onnx: m.serving } };
    }
    const run = await loadRunModel(runDir, { ...options, log });
    tf.tidy(() => run.model.predict(tf.zeros([1, ...run.preprocessing.features.shape])));
    const event = { type: 'serving' as const, runDir: run.runDir, checkpoint: run.modelDir, backend: tf.getBackend(), preprocessing: run.preprocessing as unknown, loadMs: performance.now() - started };
    return { session: new ServingSession({ predictor: run, dispose: () => run.dispose() }), event };
  }

  private get run(): Predictor {
    if (!this.served.predictor) fail('serve/raw-tensors', 'This model.onnx carries no ModelYAML preprocessing: it answers tensors (`modelyaml serve`), not raw inputs.');
    return this.served.predictor;
  }

  /** Answers an `infer` command; bad input is an answer too (with `error`), not the session's end. */
  async predict(id: number, inputs: RawInput[]): Promise<Omit<InferenceEvent, 'time'>> {
    const t0 = performance.now();
    try {
      const outputs = (await this.run.predict(inputs)).map((p) => outputOf(this.run, p));
      return { type: 'inference', id, outputs, ms: performance.now() - t0 };
    } catch (e) {
      const { code, message } = errorEvent(e);
      return { type: 'inference', id, outputs: [], ms: performance.now() - t0, error: { code, message } };
    }
  }

  /**
   * Answers an `infer` with `topK` (`modelyaml serve`): each input on its own in `predict`'s
   * decoded form, a bad one with its error naming it ("input 3: no `petal_width` field"). An input
   * `{ image: "<base64>" }` carries PNG/JPEG bytes, decoded here as `predict` decodes image files.
   */
  async answer(id: number, inputs: RawInput[], topK: number): Promise<Omit<InferenceEvent, 'time'>> {
    const t0 = performance.now();
    const origin = (i: number) => `input ${i + 1}`;
    try {
      if (this.served.answerTensors) return { type: 'inference', id, outputs: [], answers: await this.served.answerTensors(inputs), ms: performance.now() - t0 };
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
      return { type: 'inference', id, outputs: [], answers, ms: performance.now() - t0 };
    } catch (e) {
      const { code, message } = errorEvent(e);
      return { type: 'inference', id, outputs: [], ms: performance.now() - t0, error: { code, message } };
    }
  }

  dispose(): void {
    this.served.dispose();
  }
}
