/**
 * The webview protocol: the messages between the extension host and its panels (training curves
 * and the architecture graph here, the evaluation panel in ./evaluationWebview.ts, the "Try the model" panel in ./tryPanel.ts), the state each
 * panel persists, and runtime validators for all of them. Both sides validate what they receive:
 * the host drops (and logs) any message from a webview that fails, the webview ignores a
 * malformed message from the host.
 *
 * Handshake: a webview says `ready` once its listeners are in place; the host sends nothing before
 * that, and answers every `ready` (a webview that was reloaded says it again) with the panel's
 * full state. Pure TypeScript: no vscode, no DOM, no node.
 */
import type { ArchitectureGraph, GraphEdge, GraphNode } from '../graph';
import { arrayOf, bool, byType, type Check, checkFields, type Fields, finite, int, isObj, nullable, oneOf, opt, record, shape, stringMax, type Validated } from './check';
import type { Metrics, RunStatus, TrainerEvent } from './trainer';

export const WEBVIEW_PROTOCOL_VERSION = 1;

/** Webview panel types, as registered with `registerWebviewPanelSerializer` and in package.json. */
export const VIEW_TYPES = { curves: 'modelyaml.curves', graph: 'modelyaml.architecture', evaluation: 'modelyaml.evaluation', try: 'modelyaml.try', diff: 'modelyaml.diff', runs: 'modelyaml.runsTable', search: 'modelyaml.search' } as const;
export type PanelKind = keyof typeof VIEW_TYPES;

// ─── Training curves ──────────────────────────────────────────────────────────────────────────

/**
 * One point of the curves: the values one trainer event reports. Batch points carry the training
 * loss and metrics alike as means over the batches since the previous batch point; epoch points
 * carry `loss`, `val_loss` and every metric and its `val_` twin. NaN/±Infinity travel as null.
 */
export interface CurvePoint {
  kind: 'batch' | 'epoch';
  /** Global step: batches seen since the start of training (an epoch point sits at its last batch). */
  step: number;
  /** Fractional epoch for batch points (epoch 2, half done = 1.5), the epoch number for epoch points. */
  epoch: number;
  /** Seconds since the run started. */
  time: number;
  values: Record<string, number | null>;
}

/** How a run ended (or that it still runs). `crashed`: the trainer vanished without a word. */
export type CurveRunStatus = RunStatus | 'crashed';

/** A run as the curves panel lists it. `id` is opaque to the webview; the host maps it to a folder. */
export interface RunInfo {
  id: string;
  /** Short label: "mnist-cnn · 2025-06-01 14:03". */
  label: string;
  specName: string;
  /** ISO time the run started. */
  startedAt: string;
  status: CurveRunStatus;
  /** Why it ended: "completed 10 epochs", "cancelled by the user", the error message. */
  reason?: string;
  error?: { code: string; message: string };
  backend?: string;
  /** Planned epochs. */
  epochs?: number;
  batchesPerEpoch?: number;
  /** The last epoch's metrics (training and `val_`), once the run ended. */
  final?: Metrics;
  /** Metrics on the test split, when the spec has one and the run completed. */
  test?: Metrics;
  /** Epochs the run completed (the `done` event's count; below `epochs` when it stopped early). */
  epochsRun?: number;
  /** The run ended early (cancelled, failed, crashed) and kept a checkpoint: it can be resumed (`resume`). */
  resumable?: boolean;
  /** The run has an evaluation of its test split (evaluation.json): the evaluation panel can show it (`showEvaluation`). */
  evaluated?: boolean;
  /**
   * The run's resolved settings, flattened to short names (`lr`, `batch`, `optimizer`,
   * `dense_1.units`): the panel labels compared runs by the ones that differ between them.
   */
  settings?: Record<string, SettingValue>;
  /**
   * The run's spec copy's parameters by dotted path (`train.optimizer.adam.learning_rate`): when
   * every run shown has them, runs are labelled as the runs table labels them (src/core/runs/table.ts).
   */
  params?: Record<string, SettingValue>;
}

export type SettingValue = string | number | boolean | null;

export type CurvesToWebview =
  /** The runs of this spec that can be compared, and which one the panel shows. */
  | { type: 'init'; runs: RunInfo[]; current?: string; compare: string[]; message?: string }
  /** All points of one run (the current one or a compared one); replaces what the webview had. */
  | { type: 'runData'; run: RunInfo; points: CurvePoint[] }
  /** New points of a live run, in order. */
  | { type: 'points'; runId: string; points: CurvePoint[] }
  /** A run's status changed (it finished, failed, was cancelled, crashed). */
  | { type: 'runStatus'; run: RunInfo }
  | ExportedMessage;

export type CurvesFromWebview =
  | ReadyMessage
  /** The runs to overlay on the current one (ids from `init.runs`). */
  | { type: 'compare'; runIds: string[] }
  /** Continue a run (an id from `init.runs` whose info says `resumable`) from its last checkpoint. */
  | { type: 'resume'; runId: string }
  /** Open the evaluation panel on a run (an id from `init.runs` whose info says `evaluated`). */
  | { type: 'showEvaluation'; runId: string }
  | ExportMessage<'csv' | 'json' | 'png' | 'svg'>
  | LogMessage;

/** What the curves webview persists (`setState`), and what the serializer restores from. */
export interface CurvesViewState {
  v: 1;
  runId?: string;
  compare: string[];
  smoothing: number;
  xAxis: 'step' | 'epoch' | 'time';
  yScale: 'linear' | 'log';
  ignoreOutliers: boolean;
  /** Hidden series: "train-batch", "train-epoch", "val-epoch", or `run:<id>` for a whole run. */
  hidden: string[];
}

export const defaultCurvesState = (): CurvesViewState => ({
  v: 1,
  compare: [],
  smoothing: 0.6,
  xAxis: 'step',
  yScale: 'linear',
  ignoreOutliers: false,
  hidden: [],
});

// ─── Architecture graph ───────────────────────────────────────────────────────────────────────

/** The graph the panel draws, with the Mermaid text for both layouts (made by the core). */
export interface GraphPayload {
  document: { uri: string; fileName: string; version: number };
  graph: ArchitectureGraph;
  mermaid: { TB: string; LR: string };
  /** Number of errors in the spec (the graph may still be drawn). */
  errors: number;
}

export type GraphToWebview =
  | ({ type: 'graph' } & GraphPayload)
  /** Nothing to draw: no spec open, or the spec has no model yet. */
  | { type: 'empty'; message: string }
  /** The editor's cursor is in this node (null: in none). */
  | { type: 'highlight'; nodeId: string | null }
  | ExportedMessage;

export type GraphFromWebview =
  | ReadyMessage
  /** The user clicked (or pressed Enter on) a node: show its line in the editor. */
  | { type: 'reveal'; nodeId: string }
  | ExportMessage<'svg' | 'mmd'>
  | LogMessage;

export interface GraphViewState {
  v: 1;
  /** The spec the panel follows. */
  uri?: string;
  direction: 'TB' | 'LR';
  /** Pan and zoom: the diagram is drawn at (x, y), scaled by `scale`. */
  view?: { scale: number; x: number; y: number };
  /** Draw repeated blocks as one node each (default: on for models of 30 layers or more). */
  collapse?: boolean;
}

export const defaultGraphState = (): GraphViewState => ({ v: 1, direction: 'TB' });

// ─── Shared messages ──────────────────────────────────────────────────────────────────────────

export interface ReadyMessage {
  type: 'ready';
  version: number;
}

/**
 * The webview made an export; the host asks where to save it. Text formats travel as UTF-8,
 * images as base64.
 */
export interface ExportMessage<F extends string> {
  type: 'export';
  format: F;
  /** Suggested file name (no folders). */
  fileName: string;
  encoding: 'utf8' | 'base64';
  data: string;
}

/** The host's answer to an export: saved (where), cancelled by the user, or failed (why). */
export interface ExportedMessage {
  type: 'exported';
  format: string;
  outcome: 'saved' | 'cancelled' | 'failed';
  path?: string;
  message?: string;
}

/** A webview reports a problem (or a note) for the extension's log. */
export interface LogMessage {
  type: 'log';
  level: 'info' | 'warning' | 'error';
  message: string;
}

// ─── Validators ───────────────────────────────────────────────────────────────────────────────

export type { Validated };

/** Bounded strings: a webview is untrusted, a message cannot make the host hold gigabytes. */
const str = (max = 10_000): Check => stringMax(max);
const num = finite;
const numOrNull = nullable((v) => typeof v === 'number' && !Number.isNaN(v));

/** A file name without folders, control characters or characters Windows refuses. */
const fileName: Check = (v) => typeof v === 'string' && v.length > 0 && v.length <= 200 && !/[\\/:*?"<>|\x00-\x1f]/.test(v) && v !== '.' && v !== '..';
/** Exports may be large (a PNG of many charts), but not unbounded: 64 MiB of text. */
const exportData: Check = (v) => typeof v === 'string' && v.length <= 64 * 1024 * 1024;

const ready = { version: int };
const log = { level: oneOf('info', 'warning', 'error'), message: str(20_000) };
const exportOf = (...formats: string[]) => ({ format: oneOf(...formats), fileName, encoding: oneOf('utf8', 'base64'), data: exportData });
const exported = { format: str(20), outcome: oneOf('saved', 'cancelled', 'failed'), path: opt(str()), message: opt(str()) };
/** The fields of the messages every panel shares, for the other panels' validators (protocol/evaluationWebview.ts). */
export const sharedFields = { ready, log, exportOf, exported };

const curvesFromWebview: Record<CurvesFromWebview['type'], Fields> = {
  ready,
  compare: { runIds: arrayOf(str(4096), 100) },
  resume: { runId: str(4096) },
  showEvaluation: { runId: str(4096) },
  export: exportOf('csv', 'json', 'png', 'svg'),
  log,
};

const graphFromWebview: Record<GraphFromWebview['type'], Fields> = {
  ready,
  reveal: { nodeId: str(200) },
  export: exportOf('svg', 'mmd'),
  log,
};

export function validateCurvesFromWebview(v: unknown): Validated<CurvesFromWebview> {
  return byType('curves webview message', v, curvesFromWebview);
}

export function validateGraphFromWebview(v: unknown): Validated<GraphFromWebview> {
  return byType('graph webview message', v, graphFromWebview);
}

// Host → webview (the webview checks what it gets, too).

const point: Check = shape({ kind: oneOf('batch', 'epoch'), step: num, epoch: num, time: num, values: record(numOrNull) });
const status = oneOf('running', 'completed', 'cancelled', 'failed', 'crashed');
const runInfo: Check = shape({
  id: str(4096),
  label: str(),
  specName: str(),
  startedAt: str(100),
  status,
  reason: opt(str()),
  error: opt(shape({ code: str(), message: str(100_000) })),
  backend: opt(str()),
  epochs: opt(int),
  batchesPerEpoch: opt(int),
  final: opt(record(numOrNull)),
  test: opt(record(numOrNull)),
  epochsRun: opt(int),
  resumable: opt(bool),
  evaluated: opt(bool),
  settings: opt(record((v) => bool(v) || numOrNull(v) || str()(v))),
  params: opt(record((v) => bool(v) || numOrNull(v) || str()(v))),
});

const curvesToWebview: Record<CurvesToWebview['type'], Fields> = {
  init: { runs: arrayOf(runInfo, 10_000), current: opt(str(4096)), compare: arrayOf(str(4096), 100), message: opt(str()) },
  runData: { run: runInfo, points: arrayOf(point, 10_000_000) },
  points: { runId: str(4096), points: arrayOf(point, 10_000_000) },
  runStatus: { run: runInfo },
  exported,
};

const range: Check = shape({ start: int, end: int });
const node: Check = shape({
  id: str(200),
  name: str(),
  kind: oneOf('input', 'layer'),
  type: str(),
  shape: opt(str()),
  params: opt(num),
  error: opt(str(100_000)),
  layerIndex: opt(int),
  range: opt(range),
});
const edge: Check = shape({ from: str(200), to: str(200), label: opt(str()) });
const graph: Check = shape({ nodes: arrayOf(node, 100_000), edges: arrayOf(edge, 100_000), totalParams: nullable(num) });

const graphToWebview: Record<GraphToWebview['type'], Fields> = {
  graph: {
    document: shape({ uri: str(), fileName: str(), version: int }),
    graph,
    mermaid: shape({ TB: str(5_000_000), LR: str(5_000_000) }),
    errors: int,
  },
  empty: { message: str() },
  highlight: { nodeId: nullable(str(200)) },
  exported,
};

export function validateCurvesToWebview(v: unknown): Validated<CurvesToWebview> {
  return byType('curves host message', v, curvesToWebview);
}

export function validateGraphToWebview(v: unknown): Validated<GraphToWebview> {
  return byType('graph host message', v, graphToWebview);
}

// Persisted state (read back by the serializer: as untrusted as any message).

export function validateCurvesState(v: unknown): Validated<CurvesViewState> {
  return checkFields<CurvesViewState>('curves panel state', v, {
    v: oneOf(1),
    runId: opt(str(4096)),
    compare: arrayOf(str(4096), 100),
    smoothing: (x) => num(x) && (x as number) >= 0 && (x as number) < 1,
    xAxis: oneOf('step', 'epoch', 'time'),
    yScale: oneOf('linear', 'log'),
    ignoreOutliers: bool,
    hidden: arrayOf(str(4096), 1000),
  });
}

export function validateGraphState(v: unknown): Validated<GraphViewState> {
  return checkFields<GraphViewState>('graph panel state', v, {
    v: oneOf(1),
    uri: opt(str()),
    direction: oneOf('TB', 'LR'),
    view: opt(shape({ scale: (x) => num(x) && (x as number) > 0, x: num, y: num })),
    collapse: opt(bool),
  });
}

/** A persisted state, validated, with defaults for anything missing or wrong (old or damaged state). */
export function curvesStateOrDefault(v: unknown): CurvesViewState {
  if (!isObj(v)) return defaultCurvesState();
  const merged = { ...defaultCurvesState(), ...v };
  const r = validateCurvesState(merged);
  return r.ok ? r.value : defaultCurvesState();
}

export function graphStateOrDefault(v: unknown): GraphViewState {
  if (!isObj(v)) return defaultGraphState();
  const merged = { ...defaultGraphState(), ...v };
  const r = validateGraphState(merged);
  return r.ok ? r.value : defaultGraphState();
}

// ─── Trainer events → curve points ────────────────────────────────────────────────────────────

/**
 * Turns the trainer's events (`src/core/protocol/trainer.ts`) into curve points and a run status.
 * Feed every event of a run in order; the only place that knows the trainer's event shapes, so a
 * change there is a change here. Times count from the `started` event (after data loading).
 */
export class CurveAdapter {
  private startTime?: number;
  private batchesPerEpoch?: number;
  status: CurveRunStatus = 'running';
  reason?: string;
  error?: { code: string; message: string };
  backend?: string;
  epochs?: number;
  specName?: string;
  startedAt?: string;
  final?: Metrics;
  test?: Metrics;
  epochsRun?: number;
  /** Batch size and training samples (\`started\`): how many samples a batch number stands for. */
  private batchSize?: number;
  private trainSamples?: number;
  /** Where the previous batch point of this epoch left off: samples seen, and sum of each metric over them. */
  private window?: { epoch: number; seen: number; sums: Record<string, number> };

  /** The point this event adds to the curves, if any (status and run facts are kept on the adapter). */
  push(e: TrainerEvent): CurvePoint | undefined {
    if (this.startTime === undefined && typeof e.time === 'number') this.startTime = e.time;
    switch (e.type) {
      case 'started':
        this.startTime = e.time;
        this.batchesPerEpoch = e.batchesPerEpoch;
        this.backend = e.backend;
        this.epochs = e.epochs;
        this.specName = e.specName;
        this.startedAt = new Date(e.time).toISOString();
        this.batchSize = e.batchSize;
        this.trainSamples = e.samples.train;
        this.status = 'running';
        return undefined;
      case 'batch': {
        const batches = e.batches > 0 ? e.batches : (this.batchesPerEpoch ?? 1);
        this.batchesPerEpoch = batches;
        const batch = Math.min(Math.max(e.batch, 0), batches);
        return {
          kind: 'batch',
          step: (e.epoch - 1) * batches + batch,
          epoch: e.epoch - 1 + batch / batches,
          time: this.elapsed(e.time),
          values: finiteValues(this.windowMeans(e)),
        };
      }
      case 'epoch': {
        const batches = this.batchesPerEpoch ?? 1;
        return { kind: 'epoch', step: e.epoch * batches, epoch: e.epoch, time: this.elapsed(e.time), values: finiteValues(e.metrics) };
      }
      case 'done':
        this.status = e.status;
        this.reason = e.reason;
        this.final = e.final;
        if (e.test) this.test = e.test;
        this.epochsRun = e.epochs;
        return undefined;
      case 'error':
        this.status = 'failed';
        this.error = { code: e.code, message: e.message };
        this.reason = e.message;
        return undefined;
      default:
        return undefined;
    }
  }

  /**
   * The loss and every metric as means over the batches since the previous batch point (over the
   * one batch when the trainer reports every batch). The trainer sends running means over the epoch
   * so far (\`metrics\`, the loss's included) and the last batch's raw loss: drawn as they come, the
   * metrics would be running means that reset each epoch beside a raw loss. Sums over the samples
   * seen turn running means back into window means: seen × mean now − seen × mean before.
   */
  private windowMeans(e: Extract<TrainerEvent, { type: 'batch' }>): Record<string, number> {
    const running: Record<string, number> = { ...e.metrics };
    // An older trainer sent no running loss: its batch loss is the best there is.
    if (typeof running.loss !== 'number') running.loss = e.loss;
    const seen = this.batchSize ? Math.min(e.batch * this.batchSize, this.trainSamples ?? Infinity) : e.batch;
    const prev = this.window && this.window.epoch === e.epoch && this.window.seen < seen ? this.window : { epoch: e.epoch, seen: 0, sums: {} };
    const sums: Record<string, number> = {};
    const out: Record<string, number> = {};
    for (const [k, mean] of Object.entries(running)) {
      if (typeof mean !== 'number' || !Number.isFinite(mean)) {
        out[k] = mean; // NaN travels as null; finiteValues keeps it missing
        continue;
      }
      sums[k] = mean * seen;
      const before = prev.sums[k];
      out[k] = prev.seen > 0 && typeof before === 'number' && Number.isFinite(before) ? (sums[k] - before) / (seen - prev.seen) : mean;
    }
    this.window = { epoch: e.epoch, seen, sums };
    return out;
  }

  private elapsed(t: number): number {
    return typeof t === 'number' && this.startTime !== undefined ? Math.max(0, (t - this.startTime) / 1000) : 0;
  }
}

function finiteValues(m: Record<string, number | null | undefined>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(m)) out[k] = typeof v === 'number' && Number.isFinite(v) ? v : null;
  return out;
}

/** Re-exported for the webviews, which may import only the protocol. */
export type { ArchitectureGraph, GraphEdge, GraphNode, Metrics };
/** The core's Mermaid writer: the architecture panel redraws a graph with its repeats collapsed by the same rules. */
export { toMermaid } from '../graph';
