/**
 * The catalog's vocabulary. Every layer, activation, loss, optimizer, metric, regularizer, data
 * source and pipeline step is one plain-data entry of these types; validation, shape inference,
 * hover, completion, the JSON Schema, the docs and the tfjs builder all read the same entries.
 */
import type { Dim, Shape } from '../shape';
import type { OnnxActivationMapping, OnnxLayerMapping } from './onnx';
import type { TorchLayerMapping } from './torch';

export type Category =
  | 'layer'
  | 'activation'
  | 'loss'
  | 'optimizer'
  | 'metric'
  | 'regularizer'
  | 'initializer'
  | 'source'
  | 'step'
  | 'schedule';

export type ParamType =
  | { kind: 'int'; min?: number; max?: number }
  | {
      kind: 'float';
      min?: number;
      max?: number;
      exclusiveMin?: boolean;
      exclusiveMax?: boolean;
      /** Outside [saneMin, saneMax] is legal but suspicious: a warning, not an error. */
      saneMin?: number;
      saneMax?: number;
    }
  | { kind: 'bool' }
  /** maxLength: longer is an error (a name that becomes a folder name). */
  | { kind: 'string'; maxLength?: number }
  /** A file or folder path relative to the spec; the checker asks the host whether it exists. */
  | { kind: 'path'; folder?: boolean }
  | { kind: 'enum'; values: readonly string[] }
  /** The name of (or a one-key mapping to) an entry of another category, e.g. an activation. */
  | { kind: 'ref'; category: Category }
  /** A list of integers, e.g. a shape. */
  | { kind: 'ints'; minLength?: number; maxLength?: number; min?: number }
  /** One integer for every axis, or a list with one per axis (kernel_size: 3 or [3, 3]). */
  | { kind: 'int_or_ints'; length: number; min?: number }
  | { kind: 'strings' }
  /** A list of numbers (e.g. per-channel means). */
  | { kind: 'floats' }
  /** A nested layer item (the layer a `bidirectional` wraps). */
  | { kind: 'layer' }
  /** A nested data source (the right-hand side of `join`/`concat`). */
  | { kind: 'source' }
  | { kind: 'one_of'; types: readonly ParamType[] };

export interface ParamSpec {
  name: string;
  type: ParamType;
  /** Omitted when the parameter is required or has no default. */
  default?: unknown;
  required?: boolean;
  doc: string;
}

export interface Formula {
  /** What this formula states, e.g. "forward pass", "back-propagation". */
  label: string;
  latex: string;
  /** Plain-Unicode rendering for clients without images and for screen readers. */
  unicode: string;
}

export interface EntryBase {
  name: string;
  category: Category;
  /** One line, shown in completion lists. */
  summary: string;
  /** A paragraph, Markdown. */
  docs: string;
  params: readonly ParamSpec[];
  formulas: readonly Formula[];
  /** How it maps to TensorFlow.js, e.g. "tf.layers.dense". */
  tfjs: string;
  /** Other spellings users type (Keras/PyTorch names), offered as "did you mean". */
  aliases?: readonly string[];
  /** The parameter a scalar value sets: `dropout: 0.2` means `dropout: { rate: 0.2 }`. */
  primary?: string;
}

/** Parameters with defaults applied, as plain values. */
export type Params = Readonly<Record<string, unknown>>;

/** Why a shape rule rejected its inputs. The checker turns it into a diagnostic. */
export interface ShapeProblem {
  message: string;
  /** A concrete suggestion ("insert `flatten` before this layer"). */
  fix?: string;
  /** Stable diagnostic code, e.g. "shape/rank". */
  code: string;
  /** The parameter whose value is at fault: the diagnostic points at it. */
  param?: string;
  /** A machine-readable fix the editor can offer as a code action. */
  action?: ShapeAction;
}

export type ShapeAction = { kind: 'insert_flatten_before' } | { kind: 'set_param'; param: string; value: unknown };

/**
 * One weight tensor of a layer, named and ordered as Keras and TensorFlow.js hold it (`kernel`,
 * `recurrent_kernel`, `bias`; `gamma`, `beta`, `moving_mean`, `moving_variance`; `embeddings`).
 */
export interface WeightShape {
  name: string;
  shape: number[];
  /** False for what training does not change (batch norm's moving statistics). */
  trainable: boolean;
}

/**
 * `params` counts every weight; `nonTrainable` (default 0) those training does not change (batch
 * norm's moving statistics). `weights`, where the layer states them, are the tensors those counts
 * add up (see `withWeights`): pretrained sources are checked against them tensor by tensor.
 */
export type ShapeOutcome = { shape: Shape; params: number; nonTrainable?: number; weights?: readonly WeightShape[] } | { error: ShapeProblem };

/** A worked example a test checks against `infer`, and the docs print. */
export interface ShapeCase {
  params?: Record<string, unknown>;
  inputs: Shape[];
  /** Expected output shape and parameter count, or an expected error code. */
  output?: Shape;
  paramCount?: number;
  error?: string;
}

export interface LayerEntry extends EntryBase {
  category: 'layer';
  /** `many` layers (add, concatenate) take the outputs of several layers through `inputs`. */
  arity: 'one' | 'many';
  /** Prose shape rule for the docs, e.g. "(N, …, d) → (N, …, units)". */
  shapeRule: string;
  /**
   * Output shape and trainable+non-trainable parameter count from input shapes. Pure but for the
   * host's answers (a layer built from a file, e.g. `bert`, reads it through `ctx.host`).
   */
  infer(inputs: readonly Shape[], params: Params, ctx?: { host?: DataHost }): ShapeOutcome;
  shapeCases: readonly ShapeCase[];
  /**
   * Parameters whose tfjs value is spelled differently from the catalog's (after references are
   * resolved and `int_or_ints` expanded), e.g. padding [t, b, l, r] → [[t, b], [l, r]].
   */
  tfjsValues?: Readonly<Record<string, (value: unknown) => unknown>>;
  /** Its inference-mode forward pass in ONNX operators (src/export/onnx/); absent: the export refuses the layer. */
  onnx?: OnnxLayerMapping;
  /** Its PyTorch module, forward line and weight conversion (src/export/pytorch/); absent: the export refuses the layer. */
  torch?: TorchLayerMapping;
}

export interface ActivationEntry extends EntryBase {
  category: 'activation';
  /** The output range, used to check activation/loss pairs. */
  range: 'probabilities' | 'unit' | 'positive' | 'symmetric' | 'real';
  /** The ONNX operators that compute it (src/export/onnx/); absent: the export refuses it. */
  onnx?: OnnxActivationMapping;
}

/** What the labels must look like for a loss. */
export type LabelKind = 'one_hot' | 'class_index' | 'binary' | 'continuous' | 'signed';

export interface LossEntry extends EntryBase {
  category: 'loss';
  labels: readonly LabelKind[];
  /** Activations that suit the last layer with this loss (the first is the one suggested). */
  outputActivations: readonly string[];
  task: 'classification' | 'regression';
}

export interface OptimizerEntry extends EntryBase {
  category: 'optimizer';
}

export interface MetricEntry extends EntryBase {
  category: 'metric';
  task: 'classification' | 'regression' | 'any';
}

export interface RegularizerEntry extends EntryBase {
  category: 'regularizer';
}

export interface InitializerEntry extends EntryBase {
  category: 'initializer';
}

export interface ScheduleEntry extends EntryBase {
  category: 'schedule';
}

/**
 * What a data source or pipeline produces, per sample (no batch axis). Statically known parts
 * let the checker compare the pipeline's output with `model.input` and the labels with the loss.
 */
export interface DataShape {
  /** Per-sample feature shape; null when it cannot be known before reading the data. */
  features: Dim[] | null;
  /** Per-sample label shape ([] for a scalar), or null when unknown. */
  labels: Dim[] | null;
  labelKind: LabelKind | 'unknown';
  /** Number of classes, when known. */
  classes?: number;
  /** Tabular sources: the column names, when known. */
  columns?: string[];
  /** Text features need tokenize + pad_sequences before a model can take them. */
  text?: boolean;
  /** The feature value range, when known (e.g. raw pixels [0, 255]). */
  valueRange?: [number, number];
  /** How many samples the source holds (before steps that drop or add samples), when known. */
  samples?: number;
}

/** What the checker's host can tell about files (the core never touches the file system). */
export interface DataHost {
  /** Whether a path (relative to the spec's folder) exists. Undefined: unknown, do not check. */
  exists?(path: string): boolean | undefined;
  /**
   * Why a path cannot be read as data (outside the workspace, a folder where a file is wanted, a
   * FIFO or a device), or undefined when it can, does not exist, or the host cannot tell.
   */
  pathProblem?(path: string, expect: 'file' | 'folder'): { code: string; message: string; fix?: string } | undefined;
  /** The header row of a CSV file (split at `delimiter`, default `,`), or the keys of the first JSONL record. */
  columns?(path: string, format: 'csv' | 'jsonl', options?: { delimiter?: string }): string[] | undefined;
  /**
   * How many distinct tokens `field` holds, split as `tokenize` splits them (`splitTokens`), from
   * a bounded read of the file. Undefined: unknown.
   */
  vocabulary?(path: string, format: 'csv' | 'jsonl', field: string, options: TokenOptions & TableReadOptions): SampleCount | undefined;
  /**
   * A small JSON file (a model folder's `config.json`): its value, or why it cannot be read
   * (not JSON, too large). Undefined: missing, or the host cannot tell.
   */
  readJson?(path: string): { value: unknown } | { problem: string } | undefined;
  /**
   * The tensor shapes a safetensors file declares (its header only), or why it cannot be read
   * (truncated, corrupt). Undefined: missing, or the host cannot tell.
   */
  safeTensorShapes?(path: string): { shapes: Record<string, number[]> } | { problem: string } | undefined;
  /** Per-column statistics of a CSV or JSONL file, from a bounded read. Undefined: unknown. */
  tableStats?(path: string, format: 'csv' | 'jsonl', options: TableReadOptions): TableStats | undefined;
  /**
   * What a pretrained-weights source (`model.weights.from`) holds: its layers with their weight
   * shapes; or why it cannot be read. Undefined: unknown (not checked).
   */
  pretrained?(path: string): PretrainedSummary | { error: string } | undefined;
}

/** A pretrained-weights source's layers, as the host read them (shapes only). */
export interface PretrainedSummary {
  format: string;
  layers: { name: string; className?: string; weights: { name: string; shape: number[] }[] }[];
}

/** How `tokenize` splits a text. */
export interface TokenOptions {
  lowercase: boolean;
  charLevel: boolean;
}

/** How a CSV file is read (the csv source's parameters); ignored for JSONL. */
export interface TableReadOptions {
  delimiter?: string;
  /** False: the first row is data, not names. */
  header?: boolean;
}

/** A count from a bounded read: exact when `complete`, else a lower bound. */
export interface SampleCount {
  count: number;
  complete: boolean;
}

export interface ColumnStats {
  /** Non-missing values read. */
  values: number;
  /** How many of them are numbers. */
  numeric: number;
  /** Range of the numeric values, when there are any. */
  min?: number;
  max?: number;
  /** Distinct values read, counting at most `TABLE_STATS_MAX_DISTINCT` + 1. */
  distinct: number;
  /** Rows per value, when there are at most `TABLE_STATS_MAX_DISTINCT` distinct values. */
  counts?: Record<string, number>;
}

/** Statistics of a table's rows, from a bounded read (`rows.complete`: the whole file). */
export interface TableStats {
  rows: SampleCount;
  /** In file order; names from the header, or `col0`, `col1`, … without one. */
  columns: { name: string; stats: ColumnStats }[];
  /** Groups of columns (two or more) whose values are equal in every row read. */
  identical: string[][];
}

/** `ColumnStats.counts` is kept up to this many distinct values (class labels, not free numbers). */
export const TABLE_STATS_MAX_DISTINCT = 50;

export interface DataContext {
  params: Params;
  host: DataHost;
}

export type DataOutcome = { data: DataShape } | { error: ShapeProblem };

export interface SourceEntry extends EntryBase {
  category: 'source';
  /** What the source yields, from its parameters. Pure but for the host's answers. */
  describe(ctx: DataContext): DataOutcome;
}

export interface StepEntry extends EntryBase {
  category: 'step';
  /** What the step does to the data's shape. Pure. */
  apply(input: DataShape, ctx: DataContext): DataOutcome;
  /** Example transformations the tests check. */
  shapeCases: readonly { params?: Record<string, unknown>; input: DataShape; output?: Partial<DataShape>; error?: string }[];
}

export type CatalogEntry =
  | LayerEntry
  | ActivationEntry
  | LossEntry
  | OptimizerEntry
  | MetricEntry
  | RegularizerEntry
  | InitializerEntry
  | ScheduleEntry
  | SourceEntry
  | StepEntry;
