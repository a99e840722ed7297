/** The diff's data: what `diffAnalyses` returns and `--format json` prints (docs/diff.md). No imports with code, so the webview can use it. */
import type { Shape } from '../shape';

/** Bumped when a field of the JSON form changes meaning or goes away (new fields do not bump it). */
export const DIFF_FORMAT_VERSION = 1;

/** One layer as one side has it. */
export interface DiffLayer {
  /** Position in `model.layers`. */
  index: number;
  /** The `name`, or `<type>_<index>` as the summary shows it. */
  id: string;
  /** Whether `name:` is written (an unnamed layer's id moves when layers before it move). */
  named: boolean;
  type: string;
  /** Parameters with defaults applied (as written when the type is unknown). */
  params: Record<string, unknown>;
  /** As written, for display. */
  given: Record<string, unknown>;
  /** The layers or inputs it reads. */
  inputs: string[];
  /** Whether `inputs:` is written (a graph); otherwise it reads the layer before it. */
  inputsWritten: boolean;
  outputShape: Shape | null;
  /** As Keras prints it, "(None, 64)"; "?" when unknown. */
  outputShapeText: string;
  paramCount: number | null;
}

export interface ParamChange {
  /** A parameter name, or `type`, `name`, `inputs`. */
  key: string;
  before: unknown;
  after: unknown;
}

/**
 * added / removed: on one side only. changed: its own settings differ. affected: written the same
 * but its output shape or parameter count moved (a wider layer before it). unchanged: neither.
 */
export type LayerStatus = 'added' | 'removed' | 'changed' | 'affected' | 'unchanged';

export interface LayerDiff {
  status: LayerStatus;
  before?: DiffLayer;
  after?: DiffLayer;
  /** Settings that differ, in the order the after side writes them. */
  changes: ParamChange[];
  /** after − before parameter count; for added / removed the signed count; null when unknown. */
  paramDelta: number | null;
  shapeChanged: boolean;
}

export interface DiffSide {
  name: string;
  /** Where the text came from, as the caller names it (a file, `HEAD:path`). */
  label: string;
  totalParams: number | null;
  /** The model output's shape, "(None, 10)". */
  outputShape: string;
  /** Error findings, "line:column: message": a spec that does not check still diffs what can be read. */
  errors: string[];
}

export interface SettingChange {
  /** As the YAML spells it: `train.optimizer.learning_rate`, `data.pipeline[1].scale.divisor`. */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

export interface SpecDiff {
  formatVersion: typeof DIFF_FORMAT_VERSION;
  before: DiffSide;
  after: DiffSide;
  layers: LayerDiff[];
  totals: { before: number | null; after: number | null; delta: number | null };
  /** name, description, model inputs and output. */
  model: SettingChange[];
  data: SettingChange[];
  train: SettingChange[];
  summary: { added: number; removed: number; changed: number; affected: number; unchanged: number; identical: boolean };
}

