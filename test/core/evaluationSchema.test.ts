/**
 * evaluation.json's JSON Schema (src/core/evaluate/jsonSchema.ts, docs/evaluation.schema.json):
 * the generated file is current, every task's builder output validates after a JSON round trip
 * (NaN written as null included), and what breaks the documented form is rejected.
 */
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  classificationJson, evaluateClassification, evaluateMultiLabel, evaluateRegression, evaluationJsonSchema, multiLabelJson, regressionJson,
} from '../../src/core/evaluate';
import { multiLabelCase, regressionCase, seeded, softmaxCase } from './evaluateCases';

const validate = new Ajv({ allErrors: true, strict: true }).compile(evaluationJsonSchema());
const roundTrip = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
const problems = (v: unknown) => (validate(v) ? null : validate.errors);
const rand = seeded(41);
const ctx = { split: 'test', run: '/runs/x', checkpoint: 'best' as const, createdAt: new Date(0).toISOString() };

describe('evaluation.json schema', () => {
  it('docs/evaluation.schema.json is the generated schema (npm run generate)', () => {
    const file = readFileSync(join(__dirname, '..', '..', 'docs', 'evaluation.schema.json'), 'utf8');
    expect(file).toBe(JSON.stringify(evaluationJsonSchema(), null, 2) + '\n');
  });

  it('every task validates, with the edge cases that write null', () => {
    const multi = softmaxCase(rand, 120, ['a', 'b', 'c'], 1);
    const absent = { ...multi, labels: multi.labels.map((t) => (t === 2 ? 0 : t)) };
    const binary = softmaxCase(rand, 60, ['no', 'yes'], 1);
    const oneClass = { ...binary, labels: binary.labels.map(() => 1) };
    const docs = [
      classificationJson(evaluateClassification(multi), ctx),
      classificationJson(evaluateClassification(absent), { split: 'data', data: 'x.csv' }, { includeSamples: false }),
      classificationJson(evaluateClassification(binary), ctx),
      classificationJson(evaluateClassification(oneClass), ctx),
      multiLabelJson(evaluateMultiLabel(multiLabelCase(rand, 50, ['p', 'q', 'never'])), ctx),
      regressionJson(evaluateRegression(regressionCase(rand, 40, 2, 0.3)), ctx),
      regressionJson(evaluateRegression({ actual: [[3], [3]], predicted: [[2], [3]], outputNames: ['constant'] }), ctx),
    ].map(roundTrip);
    expect(JSON.stringify(docs[3])).toContain('null');
    for (const d of docs) expect(problems(d), `${d.task as string} on ${d.split as string}`).toBeNull();
  });

  it('rejects another version, a missing field, an unknown field and a wrong type', () => {
    const good = roundTrip(classificationJson(evaluateClassification(softmaxCase(rand, 30, ['a', 'b', 'c'], 1)), ctx));
    expect(problems(good)).toBeNull();
    expect(problems({ ...good, schemaVersion: 2 })).not.toBeNull();
    const { confusionMatrix: _, ...missing } = good;
    expect(problems(missing)).not.toBeNull();
    expect(problems({ ...good, extra: 1 })).not.toBeNull();
    expect(problems({ ...good, n: 'thirty' })).not.toBeNull();
    expect(problems({ ...good, task: 'multilabel' })).not.toBeNull();
  });
});
