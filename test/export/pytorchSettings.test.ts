/**
 * What the PyTorch package used to refuse it now carries (gradient clipping, label smoothing on
 * sparse cross-entropy, the fine-tuning schedules and warm-up, AdamW, frozen layers and unfreezing),
 * written into train.py's CONFIG; test/export/pytorchFineTuning.test.ts proves they step as the
 * trainer's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPytorch } from '../../src/export/pytorch';
import { nativeThreadEnv } from '../../src/node/trainerClient';
import { irisSpec, tempDir } from '../trainer/helpers';

function exportOf(text: string): string {
  const dir = tempDir('modelyaml-export-carry-');
  const file = join(dir, 'iris.model.yaml');
  writeFileSync(file, text);
  exportPytorch(file, { out: join(dir, 'pkg') });
  return readFileSync(join(dir, 'pkg', 'train.py'), 'utf8');
}

const base = irisSpec({ name: 'iris' });

describe('the PyTorch export carries the fine-tuning settings into train.py', () => {
  const cases: [string, string, string[]][] = [
    ['gradient clipping', base.replace('{ adam: { learning_rate: 0.05 } }', '{ adam: { learning_rate: 0.05, clipnorm: 1.0 } }'), ['"clipping": {\n        "clipnorm": 1\n    }']],
    ['AdamW', base.replace('{ adam: { learning_rate: 0.05 } }', '{ adamw: { learning_rate: 0.05 } }'), ['torch.optim.AdamW(params, lr=0.05, betas=(0.9, 0.999), eps=1e-7, weight_decay=0.004)']],
    ['a one-cycle schedule', base.replace('  batch_size: 16', '  batch_size: 16\n  lr_schedule: { one_cycle: { total_steps: 100 } }'), ['"type": "one_cycle"', '"total_steps": 100']],
    ['warm-up', base.replace('  batch_size: 16', '  batch_size: 16\n  lr_schedule: { cosine_decay: { decay_steps: 100, warmup_steps: 10 } }'), ['"warmup_steps": 10']],
    ['a frozen layer', base.replace('    - dense: { units: 16, activation: relu }', '    - dense: { units: 16, activation: relu }\n      name: base\n      trainable: false').replace('  batch_size: 16', '  batch_size: 16\n  unfreeze: { after_epochs: 2, learning_rate_multiplier: 0.1 }'), ['"frozen": [\n            "base"\n        ]', '"after_epochs": 2', '"multiplier": 0.1']],
  ];
  for (const [what, text, expected] of cases) {
    it(`carries ${what}`, () => {
      const train = exportOf(text);
      for (const e of expected) expect(train).toContain(e);
    });
  }
  it('writes no fine-tuning into a plain spec’s train.py', () => {
    const train = exportOf(base);
    expect(train).toContain('"clipping": None');
    expect(train).toContain('"fine_tuning": None');
  });
});

describe('model.weights at export', () => {
  it('a missing source is an error at model.weights.from’s line, not a package without its weights', () => {
    const dir = tempDir('modelyaml-export-weights-');
    const file = join(dir, 'iris.model.yaml');
    const text = base.replace('  layers:', '  weights: { from: nowhere/model.json }\n  layers:');
    writeFileSync(file, text);
    const line = text.split('\n').findIndex((l) => l.includes('nowhere')) + 1;
    expect(() => exportPytorch(file, { out: join(dir, 'pkg') })).toThrow(new RegExp(`iris\\.model\\.yaml:${line}:\\d+: model\\.weights: .*nowhere/model\\.json holds no TensorFlow\\.js model`));
  });
});

describe('parallel trials on native TensorFlow', () => {
  it('cap its thread pools at the run’s maxThreads, and leave them alone without one', () => {
    expect(nativeThreadEnv(1)).toEqual({ TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1' });
    expect(nativeThreadEnv(undefined)).toEqual({});
  });
});
