/**
 * Dynamic batching for `modelyaml serve`: requests that arrive together are answered by one
 * trainer call. While one batch is in the trainer the next collects, and goes as soon as it
 * returns; with the trainer idle, the first waiting request opens a window of `maxWaitMs` (0: the
 * rest of this event-loop turn), and the batch goes when it closes or `maxBatch` inputs wait. Each request gets back its own slice of the answers. `maxBatch: 1` turns batching
 * off: each request is its own trainer call, sent as it comes (the benchmark's comparison).
 */
import type { InferAnswer, InferenceEvent, RawInput } from '../../core/protocol/trainer';

/** Whoever answers a batch: the trainer's prediction session (PredictionSession.answer). */
export type AnswerBatch = (inputs: RawInput[], topK: number) => Promise<InferenceEvent>;

export interface BatcherOptions {
  /** Most inputs in one trainer call (1: no batching). */
  maxBatch: number;
  /** Longest a request waits for others to join its batch, in milliseconds. */
  maxWaitMs: number;
  /** Told the size of each trainer call (the /metrics histogram). */
  onBatch?: (inputs: number) => void;
}

interface Pending {
  inputs: RawInput[];
  topK: number;
  resolve(answers: InferAnswer[]): void;
  reject(e: Error): void;
}

/** The trainer could not answer a batch at all (not one input's error): the request gets a 500. */
export class BatchError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export class Batcher {
  private queue: Pending[] = [];
  private waitingInputs = 0;
  private timer?: { cancel(): void };
  private inFlight = 0;
  private draining = false;

  constructor(private readonly answerBatch: AnswerBatch, private readonly options: BatcherOptions) {}

  /** Answers `inputs` (one answer per input, in order), batched with whatever else is waiting. */
  predict(inputs: RawInput[], topK: number): Promise<InferAnswer[]> {
    return new Promise<InferAnswer[]>((resolve, reject) => {
      this.queue.push({ inputs, topK, resolve, reject });
      this.waitingInputs += inputs.length;
      this.schedule();
    });
  }

  /** Requests taken but not yet answered, and those waiting: what a graceful shutdown waits for. */
  get busy(): boolean {
    return this.inFlight > 0 || this.queue.length > 0;
  }

  /** Shutting down: whatever waits for its batching window goes now. */
  drain(): void {
    this.draining = true;
    if (!this.inFlight) this.flush();
  }

  private schedule(): void {
    const { maxBatch, maxWaitMs } = this.options;
    if (maxBatch <= 1) {
      while (this.queue.length) this.send(this.queue.splice(0, 1));
      return;
    }
    // One batch in the trainer at a time: the next one fills meanwhile and goes when it returns.
    if (this.inFlight) return;
    if (this.waitingInputs >= maxBatch || this.draining) return this.flush();
    // 0 ms: no window beyond this turn of the event loop (requests that arrived together go together).
    if (!this.timer) {
      const t = maxWaitMs > 0 ? setTimeout(() => this.flush(), maxWaitMs) : setImmediate(() => this.flush());
      this.timer = { cancel: () => (maxWaitMs > 0 ? clearTimeout(t as NodeJS.Timeout) : clearImmediate(t as NodeJS.Immediate)) };
    }
  }

  private flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.queue.length) return;
    // Whole requests, up to maxBatch inputs (a request larger than that goes alone).
    let n = 0;
    let take = 0;
    while (take < this.queue.length && (take === 0 || n + this.queue[take].inputs.length <= this.options.maxBatch)) n += this.queue[take++].inputs.length;
    this.send(this.queue.splice(0, take));
  }

  private send(batch: Pending[]): void {
    const inputs = batch.flatMap((p) => p.inputs);
    this.waitingInputs -= inputs.length;
    this.inFlight++;
    this.options.onBatch?.(inputs.length);
    const topK = Math.max(...batch.map((p) => p.topK));
    this.answerBatch(inputs, topK)
      .then((e) => {
        if (e.error || !e.answers || e.answers.length !== inputs.length) throw new BatchError(e.error?.code ?? 'serve/no-answer', e.error?.message ?? 'The trainer gave no answer for these inputs.');
        let at = 0;
        for (const p of batch) {
          const mine = e.answers.slice(at, (at += p.inputs.length));
          // Each request sees its own inputs numbered from 1 and its own top k.
          p.resolve(mine.map((a, i) => renumber(a, at - p.inputs.length, i, p.topK)));
        }
      })
      .catch((err: Error) => batch.forEach((p) => p.reject(err)))
      .finally(() => {
        this.inFlight--;
        if (!this.queue.length) return;
        if (this.options.maxBatch <= 1) this.schedule();
        else this.flush();
      });
  }
}

/** An answer as its own request would have had it: `input N` counted within the request, `top` cut to its k. */
function renumber(a: InferAnswer, offset: number, i: number, topK: number): InferAnswer {
  if (a.error) return { error: { ...a.error, message: a.error.message.replace(`input ${offset + i + 1}`, `input ${i + 1}`) } };
  return a.top && a.top.length > topK ? { ...a, top: a.top.slice(0, topK) } : a;
}
