/**
 * The typed spec: what a `.model.yaml` says, with the source range of every key and value so any
 * finding can point at the exact place. Built by `readSpec`; consumed by the checker, the language
 * service, the trainer and the CLI.
 */
import type { Category, Params } from './catalog/types';
import type { Range } from './diagnostics';
import type { SearchNode } from './search/section';

export interface Located<T> {
  value: T;
  range: Range;
  keyRange?: Range;
}

/** A resolved reference to a catalog entry with its parameters (defaults applied). */
export interface ItemValue {
  type: string;
  params: Params;
}

export interface ParamNode {
  name: string;
  keyRange: Range;
  valueRange: Range;
  value: unknown;
}

/** One catalog item as written: `adam`, `{ adam: { learning_rate: 0.01 } }` or `{ dropout: 0.2 }`. */
export interface ItemNode {
  category: Category;
  type: string;
  /** The type name as written. */
  typeRange: Range;
  /** The whole item (for a list entry, the mapping). */
  range: Range;
  /** The parameters as written, by name. */
  given: Map<string, ParamNode>;
  /** Range of the parameters' mapping, when there is one (for inserting a parameter). */
  paramsRange?: Range;
  /** Parameters with defaults applied; refs resolved to ItemValue. Valid only if `known`. */
  params: Params;
  /** Whether `type` names a catalog entry. */
  known: boolean;
}

export interface LayerNode extends ItemNode {
  index: number;
  name?: Located<string>;
  inputs?: Located<string>[];
  inputsRange?: Range;
  /** `trainable: false` freezes the layer. */
  trainable?: Located<boolean>;
}

/** `model.weights`: where pretrained weights come from (docs/fine-tuning.md). */
export interface WeightsNode {
  range: Range;
  keyRange: Range;
  from?: Located<string>;
  /** The layers to load; undefined: every spec layer whose name the source has. */
  layers?: Located<string>[];
  trainable: boolean;
  learningRateMultiplier: number;
}

/** `train.unfreeze`. */
export interface UnfreezeNode {
  range: Range;
  keyRange: Range;
  afterEpochs?: Located<number>;
  /** Undefined: every frozen layer. */
  layers?: Located<string>[];
  learningRateMultiplier: number;
}

export interface SplitNode {
  range: Range;
  split?: Located<number>;
  source?: ItemNode;
}

export interface Spec {
  range: Range;
  version?: Located<number>;
  name?: Located<string>;
  description?: Located<string>;
  seed?: Located<number>;
  data?: {
    range: Range;
    keyRange: Range;
    source?: ItemNode;
    pipeline: ItemNode[];
    validation?: SplitNode;
    test?: SplitNode;
  };
  model?: {
    range: Range;
    keyRange: Range;
    /** Shapes per sample (no batch axis), by input name; a plain shape is named "input". */
    inputs?: Located<Map<string, Located<number[]>>>;
    layers: LayerNode[];
    layersRange?: Range;
    output?: Located<string>;
    weights?: WeightsNode;
  };
  train?: {
    range: Range;
    keyRange: Range;
    loss?: ItemNode;
    optimizer?: ItemNode;
    metrics: ItemNode[];
    epochs?: Located<number>;
    batchSize?: Located<number>;
    shuffle?: Located<boolean>;
    earlyStopping?: Located<{ monitor: string; patience: number; minDelta: number; restoreBestWeights: boolean }>;
    lrSchedule?: ItemNode;
    unfreeze?: UnfreezeNode;
    device?: Located<'auto' | 'gpu' | 'cpu'>;
    checkpoint?: Located<{ best: boolean; last: boolean; monitor: string }>;
  };
  /** The optional hyperparameter search (docs/search.md). */
  search?: SearchNode;
}

/** Resolved training settings with defaults applied, as the trainer consumes them. */
export interface TrainSettings {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  seed: number;
  device: 'auto' | 'gpu' | 'cpu';
  loss: ItemValue;
  optimizer: ItemValue;
  metrics: ItemValue[];
  earlyStopping?: { monitor: string; patience: number; minDelta: number; restoreBestWeights: boolean };
  lrSchedule?: ItemValue;
  checkpoint: { best: boolean; last: boolean; monitor: string };
}
