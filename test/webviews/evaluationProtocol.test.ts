/** The evaluation panel's message validators and persisted state, and the per-sample file's reader. */
import { describe, expect, it } from 'vitest';
import { parseSamples, serializeSamples, samplesFileOf } from '../../src/core/evaluate';
import { defaultEvaluationState, evaluationStateOrDefault, MAX_CELL_SAMPLES, validateEvaluationFromWebview, validateEvaluationToWebview } from '../../src/core/protocol/evaluationWebview';

const sample = { index: 3, actual: 1, predicted: 2, confidence: 0.7, origin: 'iris sample 4', values: [1, 2, 3, 4] };

describe('evaluation panel messages', () => {
  it('accepts what the webview sends and refuses the rest, saying why', () => {
    for (const m of [
      { type: 'ready', version: 1 },
      { type: 'selectRun', runId: '/w/.modelyaml/runs/iris/1/evaluation.json' },
      { type: 'cellSamples', actual: 0, predicted: 2 },
      { type: 'export', format: 'csv', fileName: 'evaluation.csv', encoding: 'utf8', data: 'class,precision' },
      { type: 'log', level: 'warning', message: 'x' },
    ]) expect(validateEvaluationFromWebview(m), JSON.stringify(m)).toMatchObject({ ok: true });
    expect(validateEvaluationFromWebview({ type: 'cellSamples', actual: -1, predicted: 0 })).toEqual({ ok: false, error: 'invalid `cellSamples` evaluation webview message: field `actual` missing or of the wrong type' });
    expect(validateEvaluationFromWebview({ type: 'cellSamples', actual: 0.5, predicted: 0 })).toMatchObject({ ok: false });
    expect(validateEvaluationFromWebview({ type: 'export', format: 'mmd', fileName: 'a.mmd', encoding: 'utf8', data: '' })).toMatchObject({ ok: false });
    expect(validateEvaluationFromWebview({ type: 'selectRun', runId: 'x'.repeat(5000) })).toMatchObject({ ok: false });
  });

  it('checks the evaluation the host sends with the schema’s own check, and bounds a cell’s samples', () => {
    const evaluation = { schemaVersion: 1, task: 'regression', split: 'test', n: 1, warnings: [], outputNames: ['y'], metrics: {}, perOutput: [], points: [] };
    expect(validateEvaluationToWebview({ type: 'init', runs: [{ id: 'a', label: 'a' }], current: 'a', evaluation })).toMatchObject({ ok: true });
    expect(validateEvaluationToWebview({ type: 'init', runs: [], message: 'No evaluated runs yet.' })).toMatchObject({ ok: true });
    expect(validateEvaluationToWebview({ type: 'init', runs: [], evaluation: { ...evaluation, schemaVersion: 2 } })).toMatchObject({ ok: false });
    expect(validateEvaluationToWebview({ type: 'cellSamples', actual: 1, predicted: 2, total: 1, samples: [sample] })).toMatchObject({ ok: true });
    expect(validateEvaluationToWebview({ type: 'cellSamples', actual: 1, predicted: 2, total: 1, samples: [{ ...sample, image: 'javascript:alert(1)' }] })).toMatchObject({ ok: false });
    expect(validateEvaluationToWebview({ type: 'cellSamples', actual: 1, predicted: 2, total: 999, samples: Array(MAX_CELL_SAMPLES + 1).fill(sample) })).toMatchObject({ ok: false });
  });

  it('restores damaged or older state with defaults', () => {
    expect(evaluationStateOrDefault(undefined)).toEqual(defaultEvaluationState());
    expect(evaluationStateOrDefault({ v: 1, normalize: true })).toEqual({ ...defaultEvaluationState(), normalize: true });
    expect(evaluationStateOrDefault({ v: 1, sort: { key: 'constructor', descending: true } })).toEqual(defaultEvaluationState());
  });
});

describe('evaluation-samples.jsonl', () => {
  const header = { schemaVersion: 1 as const, split: 'test', n: 1, display: 'values' as const, columns: ['a', 'b', 'c', 'd'] };

  it('is named after its evaluation and reads back what was written', () => {
    expect(samplesFileOf('/r/evaluation.json')).toBe('/r/evaluation-samples.jsonl');
    expect(samplesFileOf('/r/evaluation-validation.json')).toBe('/r/evaluation-validation-samples.jsonl');
    expect(parseSamples(serializeSamples(header, [sample]))).toEqual({ header, samples: [sample] });
  });

  it('names the line of anything it cannot read', () => {
    expect(() => parseSamples('{"schemaVersion":2}\n')).toThrow(/line 1: schemaVersion 2 is not supported/);
    expect(() => parseSamples(serializeSamples(header, [sample]) + '{"index":1}\n')).toThrow(/line 3: "actual" must be a whole number/);
    expect(() => parseSamples(serializeSamples(header, [{ ...sample, values: [1] }]))).toThrow(/line 2: "values" must hold one number per header column/);
    expect(() => parseSamples(serializeSamples(header, []) + 'nope\n')).toThrow(/line 2: not JSON/);
  });
});
