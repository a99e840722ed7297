import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { applyTrialParams, UnknownParamPathError } from '../../src/core/search/apply';
import { readSearchSettings } from '../../src/core/search/space';
import { at, find } from './helpers';

const base = `version: 1
name: mlp
seed: 7
data:
  source: { dataset: mnist }
  pipeline:
    - scale: 255
    - one_hot: 10
  validation: { split: 0.1 }
model:
  input: [784]
  layers:
    - dense: { units: 64, activation: relu }
      name: hidden
    - dropout: 0.2
    - dense: { units: 10, activation: softmax }
train:
  loss: categorical_crossentropy
  optimizer: { adam: { learning_rate: 0.001 } }
  metrics: [accuracy]
`;

const withSearch = (search: string) => `${base}search:\n${search}`;

/** The findings of the search section: code and the exact text each points at. */
function findings(text: string): [string, string][] {
  const a = analyze(text);
  return a.diagnostics.filter((d) => d.range.start >= text.indexOf('search:')).map((d) => [d.code, at(a, d)]);
}

describe('readSearchSettings', () => {
  it('reads every key with the defaults applied, the goal inferred from the metric', () => {
    const { settings, diagnostics } = readSearchSettings(
      withSearch(`  metric: val_accuracy
  space:
    train.optimizer.adam.learning_rate: { loguniform: [1.0e-4, 1.0e-2] }
    model.layers.hidden.units: { choice: [32, 64, 128] }
    model.layers[1].dropout.rate: { uniform: [0.1, 0.5] }
    model.layers[2].units: { int: { low: 10, high: 10 } }
    train.batch_size: { int: [16, 128, 16] }
`),
    );
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(settings).toEqual({
      metric: 'val_accuracy',
      goal: 'maximize',
      trials: 20,
      parallel: 1,
      sampler: 'tpe',
      pruner: { kind: 'none' },
      seed: 7,
      space: [
        { path: 'train.optimizer.adam.learning_rate', dist: { kind: 'loguniform', low: 1e-4, high: 1e-2 } },
        { path: 'model.layers.hidden.units', dist: { kind: 'choice', values: [32, 64, 128] } },
        { path: 'model.layers[1].dropout.rate', dist: { kind: 'uniform', low: 0.1, high: 0.5 } },
        { path: 'model.layers[2].units', dist: { kind: 'int', low: 10, high: 10, step: 1 } },
        { path: 'train.batch_size', dist: { kind: 'int', low: 16, high: 128, step: 16 } },
      ],
    });
  });

  it('reads goal, trials, parallel, sampler, pruner and seed as written; loss is minimised', () => {
    const { settings } = readSearchSettings(
      withSearch(`  metric: val_loss
  trials: 24
  parallel: 2
  sampler: random
  pruner: { asha: { min_epochs: 2, reduction: 4 } }
  seed: 3
  space:
    train.batch_size: { choice: [32, 64] }
`),
    );
    expect(settings).toMatchObject({ metric: 'val_loss', goal: 'minimize', trials: 24, parallel: 2, sampler: 'random', pruner: { kind: 'asha', minEpochs: 2, reduction: 4 }, seed: 3 });
    expect(readSearchSettings(withSearch('  goal: maximize\n  pruner: median\n  space:\n    train.epochs: { int: [1, 3] }\n')).settings).toMatchObject({
      metric: 'val_loss',
      goal: 'maximize',
      pruner: { kind: 'median', startupTrials: 5, warmupEpochs: 1 },
    });
  });

  it('gives no settings while the spec has an error, and says so when there is no search section', () => {
    const broken = readSearchSettings(withSearch('  space:\n    model.layers.hiden.units: { choice: [32] }\n'));
    expect(broken.settings).toBeUndefined();
    expect(broken.diagnostics.map((d) => d.code)).toContain('search/unknown-path');
    const none = readSearchSettings(base);
    expect(none.settings).toBeUndefined();
    expect(none.diagnostics.map((d) => d.code)).toEqual(['search/missing']);
  });
});

describe('search section checks, at their exact ranges', () => {
  it('a path naming nothing: the part that misses, with did-you-mean and a fix', () => {
    const text = withSearch('  space:\n    model.layers.hiden.units: { choice: [32, 64] }\n    train.optimizer.adam.learnin_rate: { uniform: [0.001, 0.01] }\n    model.layers[7].units: { choice: [1] }\n    train.optimizer.sgd.momentum: { uniform: [0, 0.9] }\n');
    expect(findings(text)).toEqual([
      ['search/unknown-path', 'hiden'],
      ['search/unknown-path', 'learnin_rate'],
      ['search/unknown-path', '[7]'],
      ['search/unknown-path', 'sgd'],
    ]);
    const a = analyze(text);
    const d = find(a, 'search/unknown-path');
    expect(d.message).toBe('No layer is named `hiden`. Did you mean `hidden`?');
    expect(d.fixes).toEqual([{ kind: 'replace', range: d.range, text: 'hidden', title: "Change to 'hidden'" }]);
    expect(a.diagnostics.find((x) => at(a, x) === 'learnin_rate')!.message).toContain('Did you mean `learning_rate`?');
  });

  it('a space outside the parameter domain: the offending number', () => {
    const text = withSearch(`  space:
    model.layers.hidden.units: { choice: [0, 64] }
    model.layers[1].dropout.rate: { uniform: [0.1, 1.5] }
    train.optimizer.adam.learning_rate: { loguniform: [0, 0.1] }
    train.batch_size: { int: [64, 32] }
    train.epochs: { int: { low: 1, high: 4, step: 0 } }
    model.layers[2].units: { choice: [] }
    model.layers[2].activation: { choice: [softmax, sofmax] }
    data.pipeline[1].one_hot.classes: { uniform: [8, 16] }
`);
    expect(findings(text)).toEqual([
      ['search/out-of-domain', '0'],
      ['search/out-of-domain', '1.5'],
      ['search/log-bound', '0'],
      ['search/empty-range', '64'],
      ['value/range', '0'],
      ['search/empty-choice', '[]'],
      ['search/out-of-domain', 'sofmax'],
      ['search/wrong-space', 'uniform'],
    ]);
    const a = analyze(text);
    expect(a.diagnostics.find((d) => at(a, d) === '1.5')!.message).toBe('`model.layers[1].dropout.rate` must be a number ≥ 0 and < 1, but high is 1.5.');
  });

  it('a grid larger than trials: said, with a fix raising trials', () => {
    const text = withSearch('  trials: 4\n  space:\n    train.batch_size: { grid: [16, 32, 64] }\n    model.layers.hidden.units: { grid: [32, 64] }\n');
    const a = analyze(text);
    const d = find(a, 'search/grid-too-large');
    expect(at(a, d)).toBe('4');
    expect(d.message).toContain('The grid has 6 combinations, but `search.trials` is 4');
    expect(d.fixes).toEqual([{ kind: 'replace', range: d.range, text: '6', title: 'Raise trials to 6' }]);
  });

  it('an empty space, and a metric the spec does not log', () => {
    expect(findings(withSearch('  metric: val_acuracy\n  space: {}\n'))).toEqual([
      ['search/unknown-metric', 'val_acuracy'],
      ['search/empty-space', 'space'],
    ]);
    const a = analyze(withSearch('  metric: val_acuracy\n  space: {}\n'));
    expect(find(a, 'search/unknown-metric').message).toContain('Did you mean `val_accuracy`?');
  });

  it('shape inference at the corners: a corner whose model cannot build names the corner and the layer', () => {
    const cnn = `version: 1
name: cnn
data:
  source: { dataset: mnist }
  pipeline: [scale: 255, reshape: { shape: [28, 28, 1] }, one_hot: 10]
  validation: { split: 0.1 }
model:
  input: [28, 28, 1]
  layers:
    - conv2d: { filters: 8, kernel_size: 3 }
      name: conv
    - max_pool2d: { pool_size: 2 }
    - conv2d: { filters: 8, kernel_size: 3 }
    - flatten
    - dense: { units: 10, activation: softmax }
train:
  loss: categorical_crossentropy
search:
  space:
    model.layers.conv.kernel_size: { choice: [3, 27] }
    model.layers[2].conv2d.kernel_size: { int: [3, 5] }
`;
    const a = analyze(cnn);
    const d = find(a, 'search/corner');
    // On the failing layer's searched parameter.
    expect(at(a, d)).toBe('model.layers[2].conv2d.kernel_size');
    expect(d.message).toMatch(/^At the corner `model\.layers\.conv\.kernel_size` = 27, `model\.layers\[2\]\.conv2d\.kernel_size` = 3 the model does not build: layer `conv2d_3` \(conv2d\)/);
  });
});

describe('applyTrialParams', () => {
  const spec = `# a comment at the top
version: 1
name: cnn   # trailing comment
data:
  source: { dataset: mnist }          # aligned comment
  pipeline:
    - scale: 255
    - one_hot: 10
  validation:
    split: 0.1    # block style
model:
  input: [784]
  layers:
    - dense: { units: 64, activation: relu }   # hidden
      name: hidden
    - dropout: 0.2
    - dense:
        units: 10
        activation: softmax
train:
  loss: categorical_crossentropy
  metrics: [accuracy]
`;

  it('writes values in place, keeping comments and flow and block layout; inserts defaults it does not write', () => {
    const out = applyTrialParams(spec, {
      'model.layers.hidden.units': 128,
      'model.layers[1].dropout.rate': 0.35,
      'model.layers[2].dense.use_bias': false,
      'data.validation.split': 0.2,
      'train.optimizer.adam.learning_rate': 0.0031,
      'train.batch_size': 64,
    });
    expect(out).toBe(`# a comment at the top
version: 1
name: cnn   # trailing comment
data:
  source: { dataset: mnist }          # aligned comment
  pipeline:
    - scale: 255
    - one_hot: 10
  validation:
    split: 0.2    # block style
model:
  input: [784]
  layers:
    - dense: { units: 128, activation: relu }   # hidden
      name: hidden
    - dropout: 0.35
    - dense:
        units: 10
        activation: softmax
        use_bias: false
train:
  loss: categorical_crossentropy
  metrics: [accuracy]
  optimizer: { adam: { learning_rate: 0.0031 } }
  batch_size: 64
`);
    // The result reads back with the trial's values.
    const a = analyze(out);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(a.spec.train?.optimizer?.params.learning_rate).toBe(0.0031);
    expect(a.spec.model?.layers[1].params.rate).toBe(0.35);
  });

  it('a type choice replaces the item, keeps shared parameters, and skips parameters of the types not picked', () => {
    const s = spec.replace('  metrics: [accuracy]\n', '  optimizer: { sgd: { learning_rate: 0.01 } }  # sgd\n  metrics: [accuracy]\n');
    const out = applyTrialParams(s, { 'train.optimizer': 'adam', 'train.optimizer.adam.beta_1': 0.8, 'train.optimizer.sgd.momentum': 0.9 });
    expect(out).toBe(s.replace('{ sgd: { learning_rate: 0.01 } }', '{ adam: { learning_rate: 0.01, beta_1: 0.8 } }'));
  });

  it('an unknown path throws a typed error naming the path', () => {
    let err: unknown;
    try {
      applyTrialParams(spec, { 'model.layers.hiden.units': 3 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownParamPathError);
    expect((err as UnknownParamPathError).path).toBe('model.layers.hiden.units');
    expect((err as UnknownParamPathError).message).toContain('Did you mean `hidden`?');
  });
});
