/**
 * MODEL_CARD.md from real runs: a classifier with a test split (so training wrote evaluation.json)
 * and the house-prices regression example (no test split). The card's numbers must be the run's
 * own: the summary the core computes, run.json's fingerprint, evaluation.json's metrics and
 * confusion matrix.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import type { ClassificationEvaluation } from '../../src/core/evaluate/schema';
import { formatSummary, summarize } from '../../src/core/summary';
import { modelCard } from '../../src/export/modelCard';
import { readRunRecord, readSpecSnapshot } from '../../src/node/runRecord';
import { irisSpec } from '../trainer/helpers';
import { example, tinyRun, tinyRunOf } from './runs';

const IRIS = irisSpec({ name: 'iris-card', test: 0.2, seed: 4 }).replace('name: iris-card\n', 'name: iris-card\ndescription: Iris species from four flower measurements.\n');

let iris: string;
let house: string;

beforeAll(async () => {
  iris = await tinyRunOf(IRIS, {}, 4);
  house = await tinyRun(example('house-prices'));
}, 300_000);

/** The rows of the Markdown table that follows `heading` (a line of the card). */
function tableAfter(card: string, heading: string): string[][] {
  const lines = card.split('\n');
  const from = lines.findIndex((l, i) => i > lines.indexOf(heading) && l.startsWith('|'));
  const rows: string[][] = [];
  for (let i = from; lines[i]?.startsWith('|'); i++) rows.push(lines[i].slice(1, -1).split(' | ').map((c) => c.trim()));
  return rows.filter((r) => !r.every((c) => c === '---'));
}

describe('modelCard', () => {
  it('a classifier: name, description, architecture, data, training and its evaluation with the confusion matrix', () => {
    const card = modelCard(iris);
    const record = readRunRecord(iris)!;
    expect(card.startsWith('# Model card: iris-card\n\nIris species from four flower measurements.\n')).toBe(true);
    // The architecture is the core's summary of the snapshot: 4·16+16 + 16·3+3 = 131 parameters.
    const summary = formatSummary(summarize(analyze(readSpecSnapshot(iris)!)), false).trimEnd();
    expect(card).toContain('```text\n' + summary + '\n```');
    expect(card).toContain('Total params: 131');
    const data = Object.fromEntries(tableAfter(card, '## Data').slice(1));
    expect(data).toMatchObject({ Source: '`{ dataset: iris }`', Pipeline: '`standardize`, `{ one_hot: 3 }`', 'Validation split': '0.2', 'Test split': '0.2', 'Data fingerprint': `\`${record.dataFingerprint}\`` });
    const training = Object.fromEntries(tableAfter(card, '## Training').slice(1));
    expect(training).toMatchObject({ Loss: 'categorical_crossentropy {"label_smoothing":0,"from_logits":false}', Epochs: '1 run of 1', 'Batch size': '16', Seed: '4', Metrics: 'accuracy' });
    expect(training.Optimizer).toMatch(/^adam \{"learning_rate":0\.05,/);
    // Evaluation: the numbers and the confusion matrix of evaluation.json.
    const e = JSON.parse(readFileSync(join(iris, 'evaluation.json'), 'utf8')) as ClassificationEvaluation;
    expect(card).toContain(`\`evaluation.json\`: the test split, ${e.n} samples, the final model`);
    const metrics = Object.fromEntries(tableAfter(card, '## Evaluation').slice(1));
    expect(Number(metrics.accuracy)).toBeCloseTo(e.metrics.accuracy, 4);
    expect(Number(metrics['log loss'])).toBeCloseTo(e.metrics.logLoss, 4);
    const confusion = tableAfter(card, 'Confusion matrix (rows: true class, columns: predicted class):');
    expect(confusion[0]).toEqual(['true \\ predicted', ...e.classNames]);
    expect(confusion.slice(1).map((r) => r.slice(1).map(Number))).toEqual(e.confusionMatrix);
    expect(confusion.slice(1).map((r) => r[0])).toEqual(e.classNames);
    for (const heading of ['## Intended use', '## Limitations']) expect(card.split('\n')).toContain(heading);
  });

  it('a regression without a test split: its summary, last-epoch metrics, and how to evaluate it', () => {
    const card = modelCard(house);
    expect(card).toMatch(/^# Model card: house-prices\n\nOne neuron, no activation, least squares\.\n/);
    expect(card).toContain('Total params: 2');
    expect(Object.fromEntries(tableAfter(card, '## Data').slice(1)).Source).toBe('`csv: { path: data/houses.csv, features: [size_m2], label: price_k, label_type: continuous }`');
    const last = Object.fromEntries(tableAfter(card, 'Metrics of the last epoch:').slice(1));
    expect(Number(last.val_loss)).toBeCloseTo(readRunRecord(house)!.final!.val_loss, 4);
    expect(card).toContain(`_Not evaluated: the run has no test split and no evaluation file. Run \`modelyaml evaluate ${house} --split validation\``);
  });

  it('a folder that is not a run is refused with a message, not a stack trace', () => {
    expect(() => modelCard(join(iris, 'checkpoints'))).toThrow(/has no spec snapshot \(spec\.snapshot\.yaml\): name a run folder/);
  });
});
