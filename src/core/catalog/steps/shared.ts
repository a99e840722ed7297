/** Helpers and example data shared by the pipeline-step families. */
import { formatShape } from '../../shape';
import type { DataOutcome, DataShape, ParamSpec, ShapeProblem } from '../types';

export function fail(code: string, message: string, extra: Partial<ShapeProblem> = {}): { error: ShapeProblem } {
  return { error: { code, message, ...extra } };
}

export const shapeText = (features: DataShape['features']) => (features ? formatShape([null, ...features]) : 'unknown');

/** Numeric steps cannot run on raw text. */
export function requireNumbers(step: string, input: DataShape): DataOutcome | undefined {
  if (!input.text) return undefined;
  return fail('data/not-numeric', `\`${step}\` works on numbers, but the features are still text.`, {
    fix: 'add `tokenize` and `pad_sequences` before this step',
  });
}

/** Column steps need a table: one value per column, features of rank 1. */
export function requireTable(step: string, input: DataShape): DataOutcome | undefined {
  if (input.text) return fail('data/not-tabular', `\`${step}\` works on table columns, but the features are text.`);
  if (input.features && input.features.length !== 1) {
    return fail('data/not-tabular', `\`${step}\` works on table columns, but the samples have shape ${shapeText(input.features)}, not one value per column.`);
  }
  return undefined;
}

export function withoutRange(input: DataShape): DataShape {
  const out = { ...input };
  delete out.valueRange;
  return out;
}

export const columnsParam = (what: string): ParamSpec => ({
  name: 'columns',
  type: { kind: 'strings' },
  doc: `The columns to ${what} (default: all of them).`,
});

// Example data for the shape cases.
export const table: DataShape = { features: [4], labels: [], labelKind: 'class_index', classes: 3, columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] };
export const pixels: DataShape = { features: [784], labels: [], labelKind: 'class_index', classes: 10, valueRange: [0, 255] };
export const image: DataShape = { features: [28, 28, 1], labels: [], labelKind: 'class_index', classes: 10, valueRange: [0, 1] };
export const reviews: DataShape = { features: null, labels: [], labelKind: 'binary', classes: 2, text: true };
export const tokens: DataShape = { features: [null], labels: [], labelKind: 'binary', classes: 2, valueRange: [0, 9999] };
