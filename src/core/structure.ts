/**
 * The shape of a spec outside the catalog: its sections and their keys. Like the catalog, this is
 * data that validation, completion, hover and the JSON Schema all read.
 */
import type { Category, ParamType } from './catalog/types';

export type FieldType =
  /** `list`: the fields may also be written as a list, in this order (`uniform: [0.1, 0.5]`); the first two are then required. */
  | { kind: 'object'; fields: Readonly<Record<string, Field>>; list?: readonly string[] }
  /** A mapping whose keys the user chooses (`search.space`: parameter paths), each valued as `value`. */
  | { kind: 'map'; keyDoc: string; value: Field }
  /**
   * One of several named forms, like a catalog item but defined here: a bare name (`median`), or a
   * one-key mapping to the form's value (`{ asha: { reduction: 3 } }`). `null`: the name alone.
   */
  | { kind: 'variant'; variants: Readonly<Record<string, Field | null>> }
  /** A non-empty list of plain values (numbers, names, booleans): a choice's options. */
  | { kind: 'values' }
  /** One catalog item: a bare name (`adam`) or a one-key mapping (`{ adam: { learning_rate: 0.01 } }`). */
  | { kind: 'item'; category: Category }
  /** A list of catalog items. */
  | { kind: 'items'; category: Category }
  /** The model's layers: catalog items with optional `name` and `inputs` siblings. */
  | { kind: 'layers' }
  /** `model.input`: a shape, or a mapping of input names to shapes. */
  | { kind: 'input_shape' }
  | { kind: 'value'; type: ParamType };

export interface Field {
  doc: string;
  type: FieldType;
  required?: boolean;
  default?: unknown;
}

const splitOrSource = (what: string): Field => ({
  doc: `The ${what} data: a fraction split off the training data, or a separate source.`,
  type: {
    kind: 'object',
    fields: {
      split: { doc: `Fraction of the samples held out for ${what} (taken after shuffling with the seed).`, type: { kind: 'value', type: { kind: 'float', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true } } },
      source: { doc: `A separate data source for ${what}; it goes through the same pipeline.`, type: { kind: 'item', category: 'source' } },
    },
  },
});

const int = (min: number, doc: string, def?: number): Field => ({ doc, type: { kind: 'value', type: { kind: 'int', min } }, ...(def !== undefined ? { default: def } : {}) });
const range = (what: string, number: 'float' | 'int'): Field => ({
  doc: what,
  type: {
    kind: 'object',
    list: number === 'int' ? ['low', 'high', 'step'] : ['low', 'high'],
    fields: {
      low: { doc: 'The smallest value (inclusive).', type: { kind: 'value', type: { kind: number } }, required: true },
      high: { doc: 'The largest value (inclusive).', type: { kind: 'value', type: { kind: number } }, required: true },
      ...(number === 'int'
        ? {
            step: { doc: 'Only low, low + step, low + 2·step, … ≤ high are tried.', type: { kind: 'value', type: { kind: 'int', min: 1 } }, default: 1 },
            log: { doc: 'Sample on a log scale (needs low ≥ 1); with `step: 1` only.', type: { kind: 'value', type: { kind: 'bool' } }, default: false },
          }
        : {}),
    },
  },
});

/** How one searched parameter's values are drawn: `search.space`'s values. */
export const spaceField: Field = {
  doc: 'The values this parameter takes in the search.',
  type: {
    kind: 'variant',
    variants: {
      uniform: range('Any number from `low` to `high`, evenly: `{ uniform: [0.1, 0.5] }`.', 'float'),
      loguniform: range('Any number from `low` to `high` (both > 0), evenly on a log scale, for rates and weights spanning decades: `{ loguniform: [1.0e-4, 1.0e-2] }`.', 'float'),
      int: range('Whole numbers from `low` to `high`: `{ int: [16, 256] }`, `{ int: [16, 256, 16] }` (a step), or `{ int: { low: 16, high: 256, log: true } }`.', 'int'),
      choice: { doc: 'One of these values, unordered: `{ choice: [32, 64, 128] }`, `{ choice: [adam, sgd] }`.', type: { kind: 'values' } },
      grid: { doc: 'Every one of these values is tried: the grid sampler runs their cartesian product (other samplers treat a grid as a choice).', type: { kind: 'values' } },
    },
  },
};

const rateMultiplier = (who: string): Field => ({
  doc: `${who} learn at this multiple of the optimizer's rate (each step's update to their weights is scaled), e.g. \`0.1\` for a gentler pretrained base.`,
  type: { kind: 'value', type: { kind: 'float', min: 0, exclusiveMin: true } },
  default: 1,
});

/** `model.weights`: the pretrained starting point (docs/fine-tuning.md). */
export const weightsField: Field = {
  doc: 'Start from pretrained weights: the named layers (default: every layer of this spec whose name the source also has) take the source\'s weights, matched by layer name. Shapes must match the spec\'s layers.',
  type: {
    kind: 'object',
    fields: {
      from: {
        doc: 'Where the weights come from, relative to the spec: a Keras 3 `.keras` file, a Keras 2 `.h5` file, a TensorFlow.js `model.json` (with its weight files), or a ModelYAML run folder (its best, then last checkpoint).',
        type: { kind: 'value', type: { kind: 'string' } },
        required: true,
      },
      layers: { doc: 'The layers to load, by name: each must exist in both this spec and the source.', type: { kind: 'value', type: { kind: 'strings' } } },
      trainable: { doc: '`false` freezes the loaded layers: they get no gradients and keep their weights (a layer\'s own `trainable` overrides this).', type: { kind: 'value', type: { kind: 'bool' } }, default: true },
      learning_rate_multiplier: rateMultiplier('The loaded layers'),
    },
  },
};

/** `train.unfreeze`: frozen layers start training at an epoch boundary. */
export const unfreezeField: Field = {
  doc: 'Unfreeze frozen layers after some epochs (Keras\'s transfer-learning recipe: train the head with the base frozen, then fine-tune the base at a lower rate).',
  type: {
    kind: 'object',
    fields: {
      after_epochs: { doc: 'The epochs trained before the layers unfreeze.', type: { kind: 'value', type: { kind: 'int', min: 1 } }, required: true },
      layers: { doc: 'The layers to unfreeze, by name (default: every frozen layer).', type: { kind: 'value', type: { kind: 'strings' } } },
      learning_rate_multiplier: rateMultiplier('The unfrozen layers'),
    },
  },
};

/** The optional `search:` section: hyperparameter search over this spec (docs/search.md). */
export const searchField: Field = {
  doc: 'Hyperparameter search over this spec: which parameters to vary, over which values, judged by which metric. `modelyaml search` runs it.',
  type: {
    kind: 'object',
    fields: {
      metric: { doc: 'What the search optimises: a quantity the spec logs per epoch — `loss`, `val_loss`, a metric of `train.metrics`, or `val_` + one. Default `val_loss` (`loss` when the spec has no validation data).', type: { kind: 'value', type: { kind: 'string' } }, default: 'val_loss' },
      goal: { doc: 'Whether a smaller or a larger `metric` is better. Inferred when left out: losses and errors are minimised, accuracy, AUC, F1, precision, recall and R² maximised.', type: { kind: 'value', type: { kind: 'enum', values: ['minimize', 'maximize'] } } },
      trials: int(1, 'How many trials (training runs) the search runs at most.', 20),
      parallel: int(1, 'How many trials run at once, each in its own trainer process (one thread each when more than one runs).', 1),
      sampler: {
        doc: 'How trial values are chosen: `random`; `grid` (every combination of `grid` and `choice` values, in order); `tpe` (Tree-structured Parzen Estimator: learns from earlier trials which values do well).',
        type: { kind: 'value', type: { kind: 'enum', values: ['random', 'grid', 'tpe'] } },
        default: 'tpe',
      },
      pruner: {
        doc: 'Stops unpromising trials early: `none`, `median`, or `asha` (asynchronous successive halving).',
        type: {
          kind: 'variant',
          variants: {
            none: null,
            median: {
              doc: 'Stop a trial whose metric at an epoch is worse than the median of earlier trials at that epoch.',
              type: { kind: 'object', fields: { startup_trials: int(0, 'Trials that run to the end before any is pruned.', 5), warmup_epochs: int(0, 'Epochs a trial runs before it can be pruned.', 1) } },
            },
            asha: {
              doc: 'Asynchronous successive halving: at epochs `min_epochs · reduction^k` only the best `1/reduction` of the trials that got there go on.',
              type: { kind: 'object', fields: { min_epochs: int(1, 'The first rung: epochs every trial runs.', 1), reduction: int(2, 'η: each rung keeps the best 1/η of the trials.', 3) } },
            },
          },
        },
        default: 'none',
      },
      seed: { doc: 'Seeds the sampler: the same seed gives the same trial sequence. Default: the spec\'s `seed`.', type: { kind: 'value', type: { kind: 'int', min: 0 } } },
      space: {
        doc: 'The searched parameters: a path into this spec (`model.layers.hidden.units`, `model.layers[3].dropout.rate`, `train.optimizer.adam.learning_rate`, `train.batch_size`) and the values it takes.',
        type: { kind: 'map', keyDoc: 'A parameter of this spec, by path: `model.layers.<name or [index]>.<param>`, `train.optimizer.<type>.<param>`, `train.batch_size`, `data.pipeline[<index>].<step>.<param>`, …', value: spaceField },
        required: true,
      },
    },
  },
};

export const specStructure: Field = {
  doc: 'A ModelYAML spec: everything needed to reproduce a training run.',
  type: {
    kind: 'object',
    fields: {
      version: { doc: 'Spec language version. Always `1` for now.', type: { kind: 'value', type: { kind: 'int', min: 1, max: 1 } }, default: 1 },
      name: { doc: 'Name of the model (at most 100 characters); run records are stored under it.', type: { kind: 'value', type: { kind: 'string', maxLength: 100 } } },
      description: { doc: 'Free text shown in the outline and summaries.', type: { kind: 'value', type: { kind: 'string' } } },
      seed: {
        doc: 'Random seed for weight initialisation, shuffling, splits, dropout and synthetic data. Same spec + same seed + same CPU backend → identical metrics.',
        type: { kind: 'value', type: { kind: 'int', min: 0 } },
        default: 42,
      },
      data: {
        doc: 'Where the samples come from and how they are prepared.',
        type: {
          kind: 'object',
          fields: {
            source: { doc: 'The data source: a built-in dataset, csv, jsonl, idx or a folder of images.', type: { kind: 'item', category: 'source' }, required: true },
            pipeline: { doc: 'Preprocessing steps applied in order to every sample (cleaning, transformation, normalisation, reshaping, labels).', type: { kind: 'items', category: 'step' } },
            validation: splitOrSource('validation'),
            test: splitOrSource('test'),
          },
        },
      },
      model: {
        doc: 'The network: its input shape and its layers, as a stack or (with `name`/`inputs`) a graph.',
        type: {
          kind: 'object',
          fields: {
            input: { doc: 'Shape of one sample without the batch axis, e.g. `[28, 28, 1]`; or a mapping of input names to shapes for a model with several inputs.', type: { kind: 'input_shape' }, required: true },
            layers: { doc: 'The layers, in order. Each reads the previous layer unless it names its `inputs`.', type: { kind: 'layers' }, required: true },
            output: { doc: 'Name of the layer whose output is the model output (default: the last layer).', type: { kind: 'value', type: { kind: 'string' } } },
            weights: weightsField,
          },
        },
      },
      train: {
        doc: 'How to train: loss, optimizer, metrics, epochs, batch size, stopping and device.',
        type: {
          kind: 'object',
          fields: {
            loss: { doc: 'The loss function minimised during training.', type: { kind: 'item', category: 'loss' }, required: true },
            optimizer: { doc: 'The optimizer and its parameters.', type: { kind: 'item', category: 'optimizer' }, default: 'adam' },
            metrics: { doc: 'Metrics reported after every batch and epoch.', type: { kind: 'items', category: 'metric' } },
            epochs: { doc: 'Passes over the training data.', type: { kind: 'value', type: { kind: 'int', min: 1 } }, default: 10 },
            batch_size: { doc: 'Samples per gradient step.', type: { kind: 'value', type: { kind: 'int', min: 1 } }, default: 32 },
            shuffle: { doc: 'Shuffle the training samples every epoch (seeded).', type: { kind: 'value', type: { kind: 'bool' } }, default: true },
            early_stopping: {
              doc: 'Stop when the monitored quantity has stopped improving.',
              type: {
                kind: 'object',
                fields: {
                  monitor: { doc: 'What to watch: `val_loss`, `loss`, or `val_`/plain metric names.', type: { kind: 'value', type: { kind: 'string' } }, default: 'val_loss' },
                  patience: { doc: 'Epochs without improvement before stopping.', type: { kind: 'value', type: { kind: 'int', min: 0 } }, default: 3 },
                  min_delta: { doc: 'The smallest change that counts as an improvement.', type: { kind: 'value', type: { kind: 'float', min: 0 } }, default: 0 },
                  restore_best_weights: { doc: 'Keep the weights of the best epoch, not the last.', type: { kind: 'value', type: { kind: 'bool' } }, default: true },
                },
              },
            },
            unfreeze: unfreezeField,
            lr_schedule: { doc: 'How the learning rate changes during training.', type: { kind: 'item', category: 'schedule' } },
            device: {
              doc: '`auto` picks the fastest usable backend (GPU first); `gpu` requires one; `cpu` uses WebAssembly.',
              type: { kind: 'value', type: { kind: 'enum', values: ['auto', 'gpu', 'cpu'] } },
              default: 'auto',
            },
            checkpoint: {
              doc: 'Which checkpoints to keep in the run folder (TensorFlow.js layers format).',
              type: {
                kind: 'object',
                fields: {
                  best: { doc: 'Keep the weights with the best monitored value.', type: { kind: 'value', type: { kind: 'bool' } }, default: true },
                  last: { doc: 'Keep the weights after the last epoch.', type: { kind: 'value', type: { kind: 'bool' } }, default: true },
                  monitor: { doc: 'The quantity that decides "best".', type: { kind: 'value', type: { kind: 'string' } }, default: 'val_loss' },
                },
              },
            },
          },
        },
      },
      search: searchField,
    },
  },
};

/** Keys a layer item may carry next to its type. */
export const layerSiblingFields: Readonly<Record<string, Field>> = {
  name: { doc: 'A name other layers can refer to in `inputs` (and that run records and graphs show).', type: { kind: 'value', type: { kind: 'string' } } },
  inputs: { doc: 'The layer(s) this layer reads, by name (default: the previous layer). Makes the model a graph.', type: { kind: 'value', type: { kind: 'strings' } } },
  trainable: { doc: '`false` freezes this layer: its weights get no gradients and do not change (batch norm still normalises with its stored statistics only if the layer is frozen, as in Keras).', type: { kind: 'value', type: { kind: 'bool' } }, default: true },
};

/** The field at a path of keys (list indices are skipped by the caller), or undefined. */
export function fieldAt(path: readonly string[]): Field | undefined {
  let field: Field | undefined = specStructure;
  for (const key of path) {
    if (!field || field.type.kind !== 'object') return undefined;
    field = field.type.fields[key];
  }
  return field;
}
