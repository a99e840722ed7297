/**
 * The JSON Schema (draft-07) of `evaluation.json`, schemaVersion 1: the machine-readable form of
 * the types in ./schema.ts and the tables in docs/evaluation.md, for the panels and any other
 * reader. `npm run generate` writes it to docs/evaluation.schema.json; the tests validate real
 * evaluations against it. Numbers that can be NaN (a rate with nothing under it) allow null.
 */
import { EVALUATION_SCHEMA_VERSION } from './schema';

type Schema = Record<string, unknown>;

const num: Schema = { type: 'number' };
const numOrNull: Schema = { type: ['number', 'null'] };
const count: Schema = { type: 'integer', minimum: 0 };
const str: Schema = { type: 'string' };
const list = (items: Schema): Schema => ({ type: 'array', items });
const strict = (properties: Record<string, Schema>, optional: string[] = []): Schema => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  additionalProperties: false,
});
const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });

const definitions: Record<string, Schema> = {
  averaged: strict({ precision: num, recall: num, f1: num, support: count }),
  classRow: strict({
    name: str, precision: num, recall: num, f1: num, support: count,
    undefinedMetrics: list({ enum: ['precision', 'recall', 'f1'] }),
    rocAuc: numOrNull, averagePrecision: num,
  }),
  curves: strict({
    roc: list(strict({ name: str, fpr: list(numOrNull), tpr: list(numOrNull), thresholds: list(num) })),
    pr: list(strict({ name: str, precision: list(num), recall: list(num), thresholds: list(num) })),
  }),
  thresholdRow: strict({ threshold: num, tp: count, fp: count, fn: count, tn: count, precision: num, recall: num, f1: num, falsePositiveRate: numOrNull, accuracy: num }),
};

const scoreSummary = {
  micro: ref('averaged'), macro: ref('averaged'), weighted: ref('averaged'),
  rocAuc: strict({ macro: numOrNull, weighted: numOrNull }),
  averagePrecision: strict({ macro: num, weighted: num }),
};

const base = {
  schemaVersion: { const: EVALUATION_SCHEMA_VERSION },
  split: str,
  run: str,
  checkpoint: { enum: ['best', 'last'] },
  data: str,
  createdAt: str,
  n: count,
  warnings: list(str),
};
const optionalContext = ['run', 'checkpoint', 'data', 'createdAt'];

const classification = strict({
  ...base,
  task: { enum: ['binary', 'multiclass'] },
  classNames: list(str),
  metrics: strict({
    accuracy: num, logLoss: num, topK: list(strict({ k: count, accuracy: num })), ...scoreSummary,
    expectedCalibrationError: num, microIsAccuracy: { type: 'boolean' },
  }),
  perClass: list(ref('classRow')),
  confusionMatrix: list(list(count)),
  curves: ref('curves'),
  calibration: strict({
    kind: { enum: ['positive-class', 'top-label'] },
    bins: list(strict({ lower: num, upper: num, count, meanPredicted: numOrNull, fractionPositive: numOrNull })),
    expectedCalibrationError: num,
  }),
  thresholds: { oneOf: [{ type: 'null' }, strict({ rows: list(ref('thresholdRow')), bestF1: ref('thresholdRow') })] },
  samples: strict({ actual: list(count), predicted: list(count), confidence: list(num) }),
}, [...optionalContext, 'samples']);

const multiLabel = strict({
  ...base,
  task: { const: 'multilabel' },
  labelNames: list(str),
  threshold: num,
  metrics: strict({ subsetAccuracy: num, hammingLoss: num, ...scoreSummary, samples: ref('averaged') }),
  perLabel: list(ref('classRow')),
  curves: ref('curves'),
}, optionalContext);

const regression = strict({
  ...base,
  task: { const: 'regression' },
  outputNames: list(str),
  metrics: strict({ mae: num, mse: num, rmse: num, r2: numOrNull }),
  perOutput: list(strict({
    name: str, mae: num, mse: num, rmse: num, r2: numOrNull, constantTarget: { type: 'boolean' }, meanResidual: num,
    residualHistogram: strict({ edges: list(num), counts: list(count) }),
  })),
  points: list(strict({ name: str, index: list(count), actual: list(num), predicted: list(num), residual: list(num) })),
}, optionalContext);

/** The schema object; `$id` names the version, so a reader can tell which file it validates against. */
export function evaluationJsonSchema(): Schema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://modelyaml.dev/schema/evaluation-v${EVALUATION_SCHEMA_VERSION}.json`,
    title: `evaluation.json (schemaVersion ${EVALUATION_SCHEMA_VERSION})`,
    description: 'A trained run\'s evaluation, written by `modelyaml evaluate` and after training; see docs/evaluation.md.',
    definitions,
    oneOf: [classification, multiLabel, regression],
  };
}
