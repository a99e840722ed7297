/**
 * The shape of a spec outside the catalog: its sections and their keys. Like the catalog, this is
 * data that validation, completion, hover and the JSON Schema all read.
 */
import type { Category, ParamType } from './catalog/types';

export type FieldType =
  | { kind: 'object'; fields: Readonly<Record<string, Field>> }
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
    },
  },
};

/** Keys a layer item may carry next to its type. */
export const layerSiblingFields: Readonly<Record<string, Field>> = {
  name: { doc: 'A name other layers can refer to in `inputs` (and that run records and graphs show).', type: { kind: 'value', type: { kind: 'string' } } },
  inputs: { doc: 'The layer(s) this layer reads, by name (default: the previous layer). Makes the model a graph.', type: { kind: 'value', type: { kind: 'strings' } } },
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
