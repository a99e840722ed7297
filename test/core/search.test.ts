import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { jsonSchema } from '../../src/core/jsonSchema';
import { analyze } from '../../src/core/analyze';
import { applyTrialParams, UnknownParamPathError } from '../../src/core/search/apply';
import { readSearchSettings } from '../../src/core/search/space';
import { at, find } from './helpers';
import { searchBase as base } from './searchSpec';


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
    expect(find(a, 'search/unknown-metric').message).toBe('`search.metric` is `val_acuracy`, which this spec does not log. The spec logs `val_loss`, `val_accuracy`, `loss`, `accuracy`. Did you mean `val_accuracy`?');
    expect(find(analyze(withSearch('  metric: val_auc\n  space: {}\n')), 'search/unknown-metric').message).toBe(
      '`search.metric` is `val_auc`, which this spec does not log. The spec logs `val_loss`, `val_accuracy`, `loss`, `accuracy`. Add `auc` to `train.metrics` to search on it.',
    );
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

describe('corners against the labels', () => {
  it('an output width that no longer fits the classes at a corner is an error too', () => {
    const a = analyze(withSearch('  space:\n    model.layers[2].units: { choice: [10, 12] }\n'));
    const d = find(a, 'search/corner');
    expect(at(a, d)).toBe('model.layers[2].units');
    expect(d.message).toMatch(/^At the corner `model\.layers\[2\]\.units` = 12 the spec cannot train: The last layer has 12 outputs, but the labels have 10 classes/);
    expect(analyze(withSearch('  space:\n    model.layers[2].units: { choice: [10] }\n')).diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
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
    // Only the values change: every other line, comments and their columns included, stays.
    expect(out).toBe(
      spec
        .replace('split: 0.1    # block style', 'split: 0.2    # block style')
        .replace('- dense: { units: 64, activation: relu }   # hidden', '- dense: { units: 128, activation: relu }   # hidden')
        .replace('- dropout: 0.2\n', '- dropout: 0.35\n')
        .replace('        activation: softmax\n', '        activation: softmax\n        use_bias: false\n')
        .replace('  metrics: [accuracy]\n', '  metrics: [accuracy]\n  optimizer: { adam: { learning_rate: 0.0031 } }\n  batch_size: 64\n'),
    );
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

  it('a type choice over a block-style item writes the new item on the key’s line', () => {
    const block = spec.replace('  metrics: [accuracy]\n', '  optimizer:\n    sgd:\n      learning_rate: 0.01   # slow\n      momentum: 0.9\n  metrics: [accuracy]\n');
    expect(applyTrialParams(block, { 'train.optimizer': 'adam', 'train.optimizer.adam.beta_1': 0.8 })).toBe(
      spec.replace('  metrics: [accuracy]\n', '  optimizer: { adam: { learning_rate: 0.01, beta_1: 0.8 } }\n  metrics: [accuracy]\n'),
    );
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

describe('search section: forms and choices', () => {
  it('a choice over the optimizer makes the parameters of each chosen type valid targets, and only those', () => {
    const text = withSearch(`  space:
    train.optimizer: { choice: [adam, sgd] }
    train.optimizer.sgd.momentum: { uniform: [0, 0.9] }
    train.optimizer.rmsprop.rho: { uniform: [0.8, 0.99] }
`);
    expect(findings(text)).toEqual([['search/unknown-path', 'rmsprop']]);
    expect(find(analyze(text), 'search/unknown-path').message).toContain('The spec\'s optimizer is `adam`, not `rmsprop`');
    const b = analyze(withSearch('  space:\n    train.optimizer: { choice: [adam, sgdd] }\n'));
    const d = find(b, 'search/out-of-domain');
    expect(at(b, d)).toBe('sgdd');
    expect(d.message).toContain('Did you mean `sgd`?');
  });

  it('pruner forms: an unknown one with did-you-mean, settings checked against their bounds', () => {
    expect(findings(withSearch('  pruner: medain\n  space:\n    train.epochs: { int: [1, 3] }\n'))).toEqual([['value/unknown', 'medain']]);
    expect(findings(withSearch('  pruner: { asha: { reduction: 1 } }\n  space:\n    train.epochs: { int: [1, 3] }\n'))).toEqual([['value/range', '1']]);
    expect(findings(withSearch('  pruner: { none: 3 }\n  space:\n    train.epochs: { int: [1, 3] }\n'))).toEqual([['type/mismatch', '3']]);
  });

  it('the grid sampler needs listed values; a metric without validation data; goals inferred both ways', () => {
    expect(findings(withSearch('  sampler: grid\n  space:\n    model.layers[1].rate: { uniform: [0.1, 0.5] }\n'))).toEqual([['search/grid-continuous', 'uniform']]);
    const noValidation = withSearch('  metric: val_accuracy\n  space:\n    train.epochs: { int: [1, 3] }\n').replace('  validation: { split: 0.1 }\n', '');
    const a = analyze(noValidation);
    expect(find(a, 'search/unknown-metric').message).toContain('`val_…` values are logged only with validation data');
    expect(find(a, 'search/unknown-metric').message).toContain('Did you mean `accuracy`?');
    expect(readSearchSettings(noValidation.replace('metric: val_accuracy', 'metric: loss')).settings).toMatchObject({ metric: 'loss', goal: 'minimize' });
    expect(readSearchSettings(noValidation.replace('  metric: val_accuracy\n', '')).settings).toMatchObject({ metric: 'loss', goal: 'minimize' });
    expect(readSearchSettings(withSearch('  metric: accuracy\n  space:\n    train.epochs: { int: [1, 3] }\n')).settings?.goal).toBe('maximize');
  });

  it('a path naming the same parameter twice, and an int on a log scale', () => {
    const dup = analyze(withSearch('  space:\n    model.layers.hidden.units: { int: [8, 64] }\n    model.layers[0].dense.units: { int: [8, 64] }\n'));
    expect(at(dup, find(dup, 'search/duplicate-path'))).toBe('model.layers[0].dense.units');
    expect(readSearchSettings(withSearch('  space:\n    model.layers.hidden.units: { int: { low: 8, high: 512, log: true } }\n')).settings?.space).toEqual([
      { path: 'model.layers.hidden.units', dist: { kind: 'int', low: 8, high: 512, step: 1, log: true } },
    ]);
    expect(findings(withSearch('  space:\n    model.layers.hidden.units: { int: { low: 0, high: 512, log: true } }\n'))).toEqual([['search/log-bound', '0']]);
  });
});

describe('the JSON Schema', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(jsonSchema());
  it('accepts the search section in every form, and refuses unknown keys and forms', () => {
    const good = parse(
      withSearch(`  metric: val_loss
  goal: minimize
  trials: 24
  parallel: 2
  sampler: tpe
  pruner: { asha: { min_epochs: 1, reduction: 3 } }
  seed: 3
  space:
    train.optimizer.adam.learning_rate: { loguniform: [1.0e-4, 1.0e-2] }
    model.layers.hidden.units: { choice: [32, 64, 128] }
    model.layers[1].dropout.rate: { uniform: { low: 0.1, high: 0.5 } }
    train.batch_size: { int: [16, 128, 16] }
    train.optimizer: { grid: [adam, sgd] }
`),
    );
    expect(validate(good), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...good, search: { ...good.search, pruner: 'median' } })).toBe(true);
    expect(validate({ ...good, search: { ...good.search, sampler: 'bayes' } })).toBe(false);
    expect(validate({ ...good, search: { ...good.search, space: { 'train.epochs': { normal: [1, 2] } } } })).toBe(false);
    expect(validate({ ...good, search: { ...good.search, space: { 'train.epochs': { int: [1] } } } })).toBe(false);
    expect(validate({ ...good, search: { ...good.search, budget: 3 } })).toBe(false);
  });
});

describe('every kind of path', () => {
  const spec = searchBaseWith('  lr_schedule: { exponential_decay: { decay_steps: 100, decay_rate: 0.9 } }\n');
  function searchBaseWith(trainExtra: string) {
    return base.replace('  metrics: [accuracy]\n', `  metrics: [accuracy]\n${trainExtra}`);
  }

  it('resolves losses, schedules, pipeline steps, nested and root values, and a layer by its generated id', () => {
    const text = `${spec}search:\n  space:
    train.loss.categorical_crossentropy.label_smoothing: { uniform: [0, 0.2] }
    train.lr_schedule.exponential_decay.decay_rate: { uniform: [0.5, 0.99] }
    data.pipeline[0].scale.divisor: { choice: [255, 127.5] }
    train.early_stopping.patience: { int: [1, 5] }
    data.validation.split: { uniform: [0.1, 0.3] }
    seed: { choice: [1, 2, 3] }
    model.layers.dense_3.use_bias: { choice: [true, false] }
    train.shuffle: { choice: [true, false] }
`;
    const { settings, diagnostics } = readSearchSettings(text);
    expect(diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(settings?.space.map((p) => p.path)).toHaveLength(8);
    const out = applyTrialParams(text, {
      'train.loss.categorical_crossentropy.label_smoothing': 0.1,
      'train.lr_schedule.exponential_decay.decay_rate': 0.8,
      'data.pipeline[0].scale.divisor': 127.5,
      'train.early_stopping.patience': 2,
      'seed': 3,
      'model.layers.dense_3.use_bias': false,
    });
    const a = analyze(out);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(out).toContain('  loss: { categorical_crossentropy: { label_smoothing: 0.1 } }\n');
    expect(out).toContain('  lr_schedule: { exponential_decay: { decay_steps: 100, decay_rate: 0.8 } }\n');
    expect(out).toContain('    - scale: 127.5\n');
    expect(out).toContain('  early_stopping: { patience: 2 }\n');
    expect(out).toMatch(/^seed: 3$/m);
    expect(a.spec.model?.layers[2].params.use_bias).toBe(false);
  });

  it('says what is wrong with paths that cannot be searched', () => {
    const text = `${spec}search:\n  space:
    model.input: { choice: [1] }
    train.metrics[0]: { choice: [accuracy] }
    search.trials: { int: [1, 2] }
    model.layers[0].dense.units.x: { int: [1, 2] }
    train.lr_schedule.cosine_decay.alpha: { uniform: [0, 1] }
    name: { choice: [a] }
`;
    const a = analyze(text);
    const f = a.diagnostics.filter((d) => d.code === 'search/unknown-path').map((d) => [at(a, d), d.message]);
    expect(f).toEqual([
      ['input', '`model.input` cannot be searched.'],
      ['train.metrics[0]', '`train.metrics[0]` (accuracy) has no parameters a search can vary.'],
      ['search', 'The search cannot search its own settings.'],
      ['x', 'The path ends at the parameter `units`.'],
      ['cosine_decay', "The spec's learning-rate schedule is `exponential_decay`, not `cosine_decay` (search `train.lr_schedule` itself with a `choice` that includes `cosine_decay` to try it). Did you mean `exponential_decay`?"],
      ['name', '`name` is a name a search cannot vary.'],
    ]);
  });
});
