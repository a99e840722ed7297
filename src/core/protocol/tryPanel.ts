/**
 * The "Try the model" panel's protocol: what the host tells the webview about the run it serves
 * (the input form, built from the run's preprocessing.json), the webview's `predict` requests, and
 * the answers. Also the two pure translations around it: a run's preprocessing → the form
 * (`tryFormOf`), and a filled-in form → the raw input the trainer's session predicts
 * (`rawInputOf`). Pure TypeScript; the webview bundle imports it.
 */
import { arrayOf, byType, type Check, type Fields, finite, int, intFrom, isObj, oneOf, opt, record, shape, stringMax, type Validated } from './check';
import type { Preprocessing } from './preprocessing';
import type { PredictionOutput, RawInput } from './trainer';
import type { LogMessage, ReadyMessage } from './webview';

/** One field of a tabular model's form: a number box, or a choice among the classes a category learnt. */
export interface TryColumn {
  name: string;
  type: 'number' | 'category';
  options?: string[];
  /** What the field starts with: the training mean (standardize), the fill value, or the first category. */
  initial: string;
}

/** What the user gives the model, by what one raw input of the run looks like. */
export type TryForm =
  /**
   * A picture: drawn on the canvas or dropped/picked. `send: 'values'` models (MNIST) take the
   * grey pixels as flat values 0…255; `send: 'image'` models take an RGBA image of that size.
   * `digits`: drawings are made to look like MNIST digits (centred by mass, white on black).
   */
  | { kind: 'image'; width: number; height: number; channels: number; send: 'values' | 'image'; digits: boolean }
  | { kind: 'text'; field: string }
  | { kind: 'table'; columns: TryColumn[] }
  | { kind: 'unsupported'; reason: string };

/** What the webview sends to be predicted: pixels (1 or 4 channels, bytes), text, or the form's fields. */
export type TryInput =
  | { kind: 'pixels'; width: number; height: number; channels: 1 | 4; data: number[] }
  | { kind: 'text'; text: string }
  | { kind: 'table'; values: Record<string, string> };

export interface TryRunInfo {
  /** The run folder (the host's key; shown as a tooltip). */
  id: string;
  /** "mnist-cnn · 2026-12-06 14:03". */
  label: string;
  /** The model folder served. */
  checkpoint: string;
  backend: string;
}

export type TryToWebview =
  /** The session is starting (loading the model). */
  | { type: 'loading'; label: string }
  /** The run is served: the form to show. */
  | { type: 'form'; run: TryRunInfo; form: TryForm }
  /** The answer to the request `seq` (the newest answered; older ones were superseded). */
  | { type: 'prediction'; seq: number; ms: number; output?: PredictionOutput; error?: { code: string; message: string } }
  /** The run cannot be served (no preprocessing.json, no checkpoint, the trainer crashed). */
  | { type: 'failed'; message: string };

/** What the webview keeps across a reload (`setState`): the run it shows. */
export interface TryViewState {
  runDir: string;
}

/** A persisted state, checked (it is as untrusted as any message); undefined when unusable. */
export function tryStateOf(v: unknown): TryViewState | undefined {
  return isObj(v) && stringMax(4096)(v.runDir) ? { runDir: v.runDir as string } : undefined;
}

export type TryFromWebview = ReadyMessage | { type: 'predict'; seq: number; input: TryInput } | LogMessage;

// ─── Preprocessing → form ───────────────────────────────────────────────────────────────────

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/** The number each table column starts at: the training mean, else the fill value, else empty. */
function initialNumbers(pre: Preprocessing, n: number): string[] {
  for (const [type, key] of [['standardize', 'mean'], ['fill_missing', 'values']] as const) {
    const fitted = pre.steps.find((s) => s.type === type && s.atInference === 'apply')?.fitted?.[key];
    if (Array.isArray(fitted) && fitted.length === n) return fitted.map((v) => (Number.isFinite(v) ? String(Number((v as number).toPrecision(4))) : ''));
  }
  return Array.from({ length: n }, () => '');
}

function tableForm(pre: Preprocessing, columns: string[]): TryForm {
  const numbers = initialNumbers(pre, columns.length);
  return {
    kind: 'table',
    columns: columns.map((name, i) => {
      const encode = pre.steps.find((s) => s.type === 'label_encode' && s.atInference === 'apply' && s.params.column === name);
      const options = encode?.fitted?.classes as string[] | undefined;
      return options ? { name, type: 'category', options, initial: options[0] ?? '' } : { name, type: 'number', initial: numbers[i] };
    }),
  };
}

/** The form for a run, from its preprocessing.json: what one raw input of the run looks like. */
export function tryFormOf(pre: Preprocessing): TryForm {
  const { input, features } = pre;
  if (input.kind === 'table') return tableForm(pre, input.columns ?? []);
  if (input.kind === 'text') return { kind: 'text', field: input.text ?? 'text' };
  if (input.kind === 'image') {
    const [height, width] = input.imageSize ?? [input.shape[0], input.shape[1]];
    return { kind: 'image', width, height, channels: input.channels ?? 3, send: 'image', digits: input.channels === 1 };
  }
  // Flat values (IDX files, MNIST): a picture when the model sees one ([h, w, c]), or a square of grey pixels.
  const total = product(input.shape);
  if (features.shape.length === 3 && product(features.shape) === total) {
    const [height, width, channels] = features.shape;
    if (channels === 1 || channels === 3) return { kind: 'image', width, height, channels, send: 'values', digits: channels === 1 };
  }
  const side = Math.round(Math.sqrt(total));
  if (side >= 8 && side * side === total) return { kind: 'image', width: side, height: side, channels: 1, send: 'values', digits: true };
  return { kind: 'unsupported', reason: `This run's inputs are ${total} plain values, which the panel cannot draw as a form: predict them with \`modelyaml predict\`.` };
}

/** Grey (1 channel) pixels as RGBA bytes, or RGBA as they are. */
function rgba(p: Extract<TryInput, { kind: 'pixels' }>): number[] {
  if (p.channels === 4) return p.data;
  const out: number[] = [];
  for (const g of p.data) out.push(g, g, g, 255);
  return out;
}

/** RGBA or grey pixels as the flat values a `values` model reads (grey, or RGB without alpha). */
function flatValues(p: Extract<TryInput, { kind: 'pixels' }>, channels: number): number[] {
  if (p.channels === 1 && channels === 1) return p.data;
  const px = rgba(p);
  const out: number[] = [];
  for (let i = 0; i < px.length; i += 4) {
    if (channels === 1) out.push(Math.round(0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2]));
    else out.push(px[i], px[i + 1], px[i + 2]);
  }
  return out;
}

/** The raw input the session predicts, from what the webview sent; a string says why it does not fit the form. */
export function rawInputOf(form: TryForm, input: TryInput): RawInput | string {
  if (form.kind === 'image' && input.kind === 'pixels') {
    if (input.width !== form.width || input.height !== form.height || input.data.length !== input.width * input.height * input.channels) return `the picture must be ${form.width}×${form.height} pixels`;
    return form.send === 'values' ? { values: flatValues(input, form.channels) } : { image: { width: input.width, height: input.height, data: rgba(input) } };
  }
  if (form.kind === 'text' && input.kind === 'text') return { [form.field]: input.text };
  if (form.kind === 'table' && input.kind === 'table') {
    const missing = form.columns.filter((c) => !(c.name in input.values)).map((c) => c.name);
    if (missing.length) return `missing field${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`;
    return Object.fromEntries(form.columns.map((c) => [c.name, input.values[c.name]]));
  }
  return `a ${input.kind} input does not fit this run's ${form.kind} form`;
}

// ─── Validators ─────────────────────────────────────────────────────────────────────────────

const str = (max = 10_000): Check => stringMax(max);
const byte: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255;
const MAX_SIDE = 4096;
const side: Check = (v) => int(v) && (v as number) >= 1 && (v as number) <= MAX_SIDE;

const input: Check = (v) => {
  if (!isObj(v)) return false;
  if (v.kind === 'pixels') return side(v.width) && side(v.height) && oneOf(1, 4)(v.channels) && arrayOf(byte, MAX_SIDE * MAX_SIDE * 4)(v.data);
  if (v.kind === 'text') return str(100_000)(v.text);
  if (v.kind === 'table') return record(str(1000))(v.values);
  return false;
};

const fromWebview: Record<TryFromWebview['type'], Fields> = {
  ready: { version: int },
  predict: { seq: intFrom(0), input },
  log: { level: oneOf('info', 'warning', 'error'), message: str(20_000) },
};

export function validateTryFromWebview(v: unknown): Validated<TryFromWebview> {
  return byType('try webview message', v, fromWebview);
}

const column: Check = shape({ name: str(), type: oneOf('number', 'category'), options: opt(arrayOf(str(), 100_000)), initial: str() });
const form: Check = (v) => {
  if (!isObj(v)) return false;
  if (v.kind === 'image') return side(v.width) && side(v.height) && oneOf(1, 3, 4)(v.channels) && oneOf('values', 'image')(v.send) && typeof v.digits === 'boolean';
  if (v.kind === 'text') return str()(v.field);
  if (v.kind === 'table') return arrayOf(column, 10_000)(v.columns);
  if (v.kind === 'unsupported') return str()(v.reason);
  return false;
};
const output: Check = shape({ label: opt(str()), labels: opt(arrayOf(str(), 100_000)), probabilities: opt(arrayOf(finite, 100_000)), classes: opt(arrayOf(str(), 100_000)), value: opt(arrayOf(finite, 100_000)) });

const toWebview: Record<TryToWebview['type'], Fields> = {
  loading: { label: str() },
  form: { run: shape({ id: str(4096), label: str(), checkpoint: str(4096), backend: str(100) }), form },
  prediction: { seq: intFrom(0), ms: finite, output: opt(output), error: opt(shape({ code: str(200), message: str(100_000) })) },
  failed: { message: str(100_000) },
};

export function validateTryToWebview(v: unknown): Validated<TryToWebview> {
  return byType('try host message', v, toWebview);
}
