/**
 * What the PyTorch package does not carry yet is refused by name and spec line (never a package
 * that trains a different model): gradient clipping, label smoothing on sparse cross-entropy, the
 * fine-tuning schedules and warm-up, frozen layers, pretrained weights and unfreezing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPytorch } from '../../src/export/pytorch';
import { nativeThreadEnv } from '../../src/node/trainerClient';
import { irisSpec, tempDir } from '../trainer/helpers';

function exportOf(text: string): () => unknown {
  const dir = tempDir('modelyaml-export-refuse-');
  const file = join(dir, 'iris.model.yaml');
  writeFileSync(file, text);
  return () => exportPytorch(file, { out: join(dir, 'pkg') });
}

const base = irisSpec({ name: 'iris' });
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('the PyTorch export refuses what its package would drop', () => {
  it('exports the plain spec', () => {
    expect(exportOf(base)).not.toThrow();
  });

  const cases: [string, string, RegExp][] = [
    ['gradient clipping', base.replace('{ adam: { learning_rate: 0.05 } }', '{ adam: { learning_rate: 0.05, clipnorm: 1.0 } }'), /gradient clipping \(`clipnorm`\)/],
    ['a one-cycle schedule', base.replace('  batch_size: 16', '  batch_size: 16\n  lr_schedule: { one_cycle: { total_steps: 100 } }'), /the schedule `one_cycle`/],
    ['warm-up', base.replace('  batch_size: 16', '  batch_size: 16\n  lr_schedule: { cosine_decay: { decay_steps: 100, warmup_steps: 10 } }'), /learning-rate warm-up \(`warmup_steps`\)/],
    ['a frozen layer', base.replace('    - dense: { units: 16, activation: relu }', '    - dense: { units: 16, activation: relu }\n      trainable: false'), /a frozen layer \(`trainable: false` on `dense`\)/],
  ];
  for (const [what, text, message] of cases) {
    it(`refuses ${what}, naming it and its line`, () => {
      const refused = exportOf(text);
      expect(refused).toThrow(message);
      const needle = { 'gradient clipping': 'clipnorm', 'a one-cycle schedule': 'one_cycle', 'warm-up': 'warmup_steps', 'a frozen layer': 'trainable' }[what]!;
      expect(refused).toThrow(new RegExp(`iris\\.model\\.yaml:${lineOf(text, needle)}:\\d+`));
    });
  }
});

describe('parallel trials on native TensorFlow', () => {
  it('cap its thread pools at the run’s maxThreads, and leave them alone without one', () => {
    expect(nativeThreadEnv(1)).toEqual({ TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1' });
    expect(nativeThreadEnv(undefined)).toEqual({});
  });
});
