/**
 * The fine-tuning options as the checker sees them: a recipe with every new option is clean, and
 * out-of-domain values are errors at the offending value (the domains come from the catalog).
 */
import { describe, expect, it } from 'vitest';
import { at, check, spec } from './helpers';

const train = (lines: string) => spec({ train: `train:\n${lines}` });

describe('fine-tuning options in the checker', () => {
  it('a recipe with adamw, clipping, warm-up schedules and label smoothing has no findings', () => {
    for (const schedule of [
      '{ cosine_decay: { decay_steps: 1000, warmup_steps: 100, warmup_target: 0.001 } }',
      '{ cosine_decay_restarts: { first_decay_steps: 200, t_mul: 2, m_mul: 0.9, alpha: 0.01, warmup_steps: 10 } }',
      '{ polynomial_decay: { decay_steps: 500, end_learning_rate: 0, warmup_steps: 50 } }',
      '{ one_cycle: { total_steps: 900, max_lr: 0.01, pct_start: 0.25, anneal_strategy: linear } }',
      '{ reduce_on_plateau: { monitor: val_loss, factor: 0.5, patience: 3 } }',
    ]) {
      const a = check(train(`  loss: { categorical_crossentropy: { label_smoothing: 0.1 } }\n  optimizer: { adamw: { learning_rate: 0.0001, weight_decay: 0.01, global_clipnorm: 1.0 } }\n  lr_schedule: ${schedule}`));
      expect(a.diagnostics, schedule).toEqual([]);
    }
    const sparse = check(spec({
      data: 'data:\n  source: { dataset: mnist }\n  pipeline:\n    - scale: 255',
      train: 'train:\n  loss: { sparse_categorical_crossentropy: { label_smoothing: 0.1 } }\n  optimizer: { sgd: { learning_rate: 0.1, clipvalue: 0.5 } }',
    }));
    expect(sparse.diagnostics).toEqual([]);
  });

  it.each([
    ['clipnorm: 0', '  loss: categorical_crossentropy\n  optimizer: { adam: { clipnorm: 0 } }', '0'],
    ['negative weight_decay', '  loss: categorical_crossentropy\n  optimizer: { adamw: { weight_decay: -0.1 } }', '-0.1'],
    ['pct_start 1.5', '  loss: categorical_crossentropy\n  optimizer: adam\n  lr_schedule: { one_cycle: { total_steps: 100, pct_start: 1.5 } }', '1.5'],
    ['warmup_steps -5', '  loss: categorical_crossentropy\n  optimizer: adam\n  lr_schedule: { polynomial_decay: { decay_steps: 100, warmup_steps: -5 } }', '-5'],
    ['t_mul 0.5', '  loss: categorical_crossentropy\n  optimizer: adam\n  lr_schedule: { cosine_decay_restarts: { first_decay_steps: 10, t_mul: 0.5 } }', '0.5'],
  ])('%s is an error at the value', (_, lines, value) => {
    const a = check(train(lines));
    const errors = a.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => at(a, d))).toContain(value);
  });

  it('one_cycle without total_steps is an error naming it', () => {
    const a = check(train('  loss: categorical_crossentropy\n  optimizer: adam\n  lr_schedule: { one_cycle: { max_lr: 0.1 } }'));
    expect(a.diagnostics.some((d) => d.severity === 'error' && d.message.includes('total_steps'))).toBe(true);
  });
});
