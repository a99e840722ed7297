/**
 * Pretrained weights in the trainer: Keras's own files (test/fixtures/keras-small/README.md) give
 * Keras's own outputs, the .keras and the legacy .h5 alike, including the GRU with reset_after.
 */
import * as tf from '@tensorflow/tfjs';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { describeSource } from '../../src/core/pretrained';
import { fileDataHost } from '../../src/node/dataHost';
import { hdf5, readPretrained, readTfjsModel, type PretrainedSource } from '../../src/node/pretrained';
import { buildModel } from '../../src/trainer/model/build';
import { fineTuning, loadPretrainedWeights } from '../../src/trainer/model/pretrained';
import { failure, ofType, ROOT, train, workspace } from './helpers';

const DIR = join(ROOT, 'test', 'fixtures', 'keras-small');
const reference = JSON.parse(readFileSync(join(DIR, 'reference-outputs.json'), 'utf8')) as { models: Record<string, { input: number[][]; output: number[][] }> };

async function built(specText: string, dir: string) {
  await hdf5();
  const a = analyze(specText, { host: fileDataHost(dir) });
  expect(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  const model = buildModel(a.spec, a.model!, 1);
  const loaded = await loadPretrainedWeights(a.spec, a.model!, model, dir);
  return { a, model, loaded };
}

const maxAbsDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe("Keras files give Keras's outputs", () => {
  const cases = [
    { model: 'small_cnn', spec: 'small_cnn.model.yaml', file: 'small_cnn.keras', dtype: 'float32' as const },
    { model: 'small_rnn', spec: 'small_rnn.model.yaml', file: 'small_rnn.h5', dtype: 'int32' as const },
  ];
  for (const c of cases) {
    for (const file of [`${c.model}.keras`, `${c.model}.h5`]) {
      it(`${c.model} from ${file}: within 1e-5 of Keras's predict`, async () => {
        const text = readFileSync(join(DIR, c.spec), 'utf8').replace(c.file, file);
        const { model, loaded } = await built(text, DIR);
        expect(loaded.length).toBe(4);
        const ref = reference.models[c.model];
        const y = model.predict(tf.tensor(ref.input, undefined, c.dtype)) as tf.Tensor;
        const diff = maxAbsDiff(Array.from(y.dataSync()), ref.output.flat());
        console.log(`${c.model} from ${file}: max |Δ| = ${diff.toExponential(2)}`);
        expect(diff).toBeLessThan(1e-5);
        // Random weights are far from Keras's outputs: the comparison can fail.
        const scratch = analyze(text.replace(/ {2}weights: .*\n/, ''), { host: fileDataHost(DIR) });
        const fresh = buildModel(scratch.spec, scratch.model!, 1);
        expect(maxAbsDiff(Array.from((fresh.predict(tf.tensor(ref.input, undefined, c.dtype)) as tf.Tensor).dataSync()), ref.output.flat())).toBeGreaterThan(1e-3);
      });
    }
  }
});

describe('mismatches are clear errors', () => {
  it('a spec layer whose shape differs: the tensor and both shapes, while typing and in the trainer', async () => {
    await hdf5();
    const ws = workspace({});
    copyFileSync(join(DIR, 'small_cnn.keras'), join(ws, 'small_cnn.keras'));
    copyFileSync(join(DIR, 'small_cnn.h5'), join(ws, 'small_cnn.h5'));
    const text = readFileSync(join(DIR, 'small_cnn.model.yaml'), 'utf8').replace('filters: 16, kernel_size: 3', 'filters: 16, kernel_size: 5');
    writeFileSync(join(ws, 's.model.yaml'), text);
    const a = analyze(text, { host: fileDataHost(ws) });
    const err = a.diagnostics.find((d) => d.code === 'weights/shape-mismatch')!;
    // The same words as the trainer's, from the same comparison (src/core/pretrained.ts weightMismatch).
    expect(err.message).toBe('Layer `conv2`: its kernel is [5, 5, 8, 16] here but layers/conv2d_1/vars/0 is [3, 3, 8, 16] in small_cnn.keras.');
    expect(text.slice(err.range.start, err.range.end)).toBe('conv2');
    const model = buildModel(a.spec, a.model!, 1);
    const e = await failure(loadPretrainedWeights(a.spec, a.model!, model, ws));
    expect(e.message).toMatch(/Layer `conv2`: its kernel is \[5, 5, 8, 16\] here but layers\/conv2d_1\/vars\/0 is \[3, 3, 8, 16\] in .*small_cnn\.keras/);
  });

  it('a layer with fewer tensors than the source: the same words while typing and in the trainer', async () => {
    await hdf5();
    const text = readFileSync(join(DIR, 'small_cnn.model.yaml'), 'utf8').replace('- batch_norm: {}', '- batch_norm: { center: false }');
    const a = analyze(text, { host: fileDataHost(DIR) });
    const err = a.diagnostics.find((d) => d.code === 'weights/shape-mismatch')!;
    const want = (file: string) =>
      `Layer \`bn\` has 3 weight tensors here (gamma [16], moving_mean [16], moving_variance [16]) but 4 in ${file} (layers/batch_normalization/vars/0 [16], layers/batch_normalization/vars/1 [16], layers/batch_normalization/vars/2 [16], layers/batch_normalization/vars/3 [16]).`;
    expect(err.message).toBe(want('small_cnn.keras'));
    expect(text.slice(err.range.start, err.range.end)).toBe('bn');
    const model = buildModel(a.spec, a.model!, 1);
    expect((await failure(loadPretrainedWeights(a.spec, a.model!, model, DIR))).message).toBe(want(join(DIR, 'small_cnn.keras')));
  });

  it('an attention layer (several TF.js layers) cannot be loaded: an error at its name, and in the trainer', async () => {
    await hdf5();
    const text = readFileSync(join(DIR, 'small_rnn.model.yaml'), 'utf8').replace('{ from: small_rnn.h5 }', '{ from: small_rnn.h5, layers: [embed, lstm1] }').replace(
      '    - lstm: { units: 6, return_sequences: true }\n      name: lstm1\n',
      '    - multi_head_attention: { num_heads: 2, key_dim: 3 }\n      name: lstm1\n',
    );
    const a = analyze(text, { host: fileDataHost(DIR) });
    const err = a.diagnostics.find((d) => d.code.startsWith('weights/'))!;
    expect(err.message).toBe('`lstm1` is a `multi_head_attention`: loading its weights from a source is not supported yet. Leave it out of `model.weights.layers`.');
    expect(text.slice(err.range.start, err.range.end)).toBe('lstm1');
    const model = buildModel(a.spec, a.model!, 1);
    const e = await failure(loadPretrainedWeights(a.spec, a.model!, model, DIR));
    expect([e.code, e.message]).toEqual(['weights/unsupported-layer', 'Layer `lstm1` is built of several layers: its weights cannot be loaded, frozen or unfrozen yet.']);
  });

  it('a missing file and a layer the source lacks, with did-you-mean', async () => {
    await hdf5();
    const base = readFileSync(join(DIR, 'small_cnn.model.yaml'), 'utf8');
    const missing = analyze(base.replace('small_cnn.keras', 'nope.keras'), { host: fileDataHost(DIR) });
    expect(missing.diagnostics.find((d) => d.code === 'weights/source')?.message).toBe('nope.keras does not exist.');
    const text = base.replace('{ from: small_cnn.keras }', '{ from: small_cnn.keras, layers: [conv1, conv3, hed] }');
    const a = analyze(text, { host: fileDataHost(DIR) });
    const msgs = a.diagnostics.filter((d) => d.code.startsWith('weights/')).map((d) => `${d.code}: ${d.message} @${text.slice(d.range.start, d.range.end)}`);
    expect(msgs).toHaveLength(2);
    expect(msgs[0]).toMatch(/^weights\/unknown-layer: `model.weights.layers` names `conv3`, which is not a layer of this spec\. Did you mean `conv[12]`\? @conv3$/);
    expect(msgs[1]).toBe('weights/unknown-layer: `model.weights.layers` names `hed`, which is not a layer of this spec. Did you mean `head`? @hed');
  });
});

describe('frozen layers count as non-trainable', () => {
  it("the summary's Keras split", async () => {
    await hdf5();
    const text = readFileSync(join(DIR, 'small_cnn.model.yaml'), 'utf8').replace('{ from: small_cnn.keras }', '{ from: small_cnn.keras, layers: [conv1, conv2], trainable: false }');
    const a = analyze(text, { host: fileDataHost(DIR) });
    const frozen = a.model!.layers.filter((l) => l.id === 'conv1' || l.id === 'conv2').reduce((n, l) => n + l.params!, 0);
    const bnStats = 32;
    expect(a.model!.layers.reduce((n, l) => n + (l.nonTrainableParams ?? 0), 0)).toBe(frozen + bnStats);
    const model = buildModel(a.spec, a.model!, 1);
    expect(model.getLayer('conv1').trainable).toBe(false);
    expect(model.trainableWeights.length).toBe(4);
  });

  it('hovering `from:` shows what the source holds', async () => {
    await hdf5();
    const a = analyze(readFileSync(join(DIR, 'small_rnn.model.yaml'), 'utf8'), { host: fileDataHost(DIR) });
    const text = describeSource(a.pretrained!);
    expect(text).toContain('**Pretrained weights** (h5): 4 layers with weights, 961 parameters');
    expect(text).toContain('| `gru1` | GRU | [6, 15] [5, 15] [2, 15] | 195 |');
  });
});

describe('training with frozen layers (the real trainer process)', () => {
  it('frozen layers keep their pretrained weights bit for bit; trainable ones change; the run folder is a source', async () => {
    const ws = workspace({});
    copyFileSync(join(DIR, 'small_cnn.keras'), join(ws, 'small_cnn.keras'));
    const text = readFileSync(join(DIR, 'small_cnn.model.yaml'), 'utf8')
      .replace('{ from: small_cnn.keras }', '{ from: small_cnn.keras, layers: [conv1, conv2, bn, head] }')
      .replace('      name: conv1\n', '      name: conv1\n      trainable: false\n')
      .replace('      name: conv2\n', '      name: conv2\n      trainable: false\n')
      .replace('      name: bn\n', '      name: bn\n      trainable: false\n');
    const specPath = join(ws, 's.model.yaml');
    writeFileSync(specPath, text);
    const { result, events } = await train(specPath);
    expect(result.status, JSON.stringify(result.error)).toBe('completed');
    expect(ofType(events, 'batch').length).toBeGreaterThan(0);
    const keras = await readPretrained(join(ws, 'small_cnn.keras'));
    const trained = readTfjsModel(result.runDir!);
    const values = (src: PretrainedSource, layer: string) => src.layers.find((l) => l.name === layer)!.weights.map((w) => Array.from(w.values));
    // bn too: a frozen batch norm keeps its moving statistics (Keras 3's inference mode).
    for (const frozen of ['conv1', 'conv2', 'bn']) expect(values(trained, frozen), frozen).toEqual(values(keras, frozen));
    const [kernel, bias] = values(trained, 'head');
    expect(maxAbsDiff(kernel, values(keras, 'head')[0])).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(bias, values(keras, 'head')[1])).toBeGreaterThan(1e-4);
    // The run folder is itself a source (its TF.js checkpoint): a spec from it has the trained head.
    const again = text.replace('{ from: small_cnn.keras, layers: [conv1, conv2, bn, head] }', `{ from: ${JSON.stringify(result.runDir)} }`);
    const { model, loaded } = await built(again, ws);
    expect(loaded).toEqual(['conv1', 'conv2', 'bn', 'head']);
    expect(Array.from(model.getLayer('head').getWeights()[1].dataSync())).toEqual(bias);
  });
});

describe('a frozen batch norm runs in inference mode, as in Keras 3', () => {
  for (const how of ['trainable: false on the layer', 'model.weights.trainable: false', 'center: false (the non-stock path)']) {
    it(`${how}: training steps use and keep the moving statistics`, async () => {
      let text = readFileSync(join(DIR, 'small_cnn.model.yaml'), 'utf8');
      if (how.startsWith('model.weights')) text = text.replace('{ from: small_cnn.keras }', '{ from: small_cnn.keras, layers: [conv1, conv2, bn], trainable: false }');
      else text = text.replace('      name: bn\n', '      name: bn\n      trainable: false\n');
      if (how.startsWith('center')) text = text.replace('{ from: small_cnn.keras }', '{ from: small_cnn.keras, layers: [conv1, conv2] }').replace('- batch_norm: {}', '- batch_norm: { center: false }');
      const { model } = await built(text, DIR);
      const bn = model.getLayer('bn');
      expect(bn.trainable).toBe(false);
      const stats = () => bn.getWeights().slice(-2).map((w) => Array.from(w.dataSync()));
      const before = stats();
      model.compile({ optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy' });
      const x = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 5);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
      const headBefore = Array.from(model.getLayer('head').getWeights()[1].dataSync());
      for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
      expect(maxAbsDiff(Array.from(model.getLayer('head').getWeights()[1].dataSync()), headBefore)).toBeGreaterThan(0);
      expect(stats()).toEqual(before);
      // In training mode the layer computes (x − moving mean)/√(moving variance + ε)·γ + β.
      const input = tf.randomNormal([4, 3, 3, 16], 1, 2, 'float32', 7);
      const out = Array.from((bn.apply(input, { training: true }) as tf.Tensor).dataSync());
      const w = bn.getWeights();
      const [mean, variance] = w.slice(-2);
      const gamma = how.startsWith('center') ? tf.onesLike(mean) : w[0];
      const beta = how.startsWith('center') ? tf.zerosLike(mean) : w[1];
      const eps = (bn.getConfig() as { epsilon: number }).epsilon;
      const expected = input.sub(mean).div(variance.add(eps).sqrt()).mul(gamma).add(beta);
      expect(maxAbsDiff(out, Array.from(expected.dataSync()))).toBeLessThan(1e-5);
    });
  }
});

describe('unfreezing and rate multipliers', () => {
  const spec = (extra: string) =>
    readFileSync(join(DIR, 'small_cnn.model.yaml'), 'utf8').replace('{ from: small_cnn.keras }', `{ from: small_cnn.keras, layers: [conv1, conv2], trainable: false }`).replace('  batch_size: 16\n', `  batch_size: 16\n${extra}`)
      // No dropout: the two compared steps must see the same gradients.
      .replace('    - dropout: { rate: 0.3 }\n', '');

  it('train.unfreeze: the layers get gradients from the epoch after `after_epochs`, at the multiplied rate', async () => {
    const { a, model } = await built(spec('  unfreeze: { after_epochs: 1, learning_rate_multiplier: 0.1 }\n'), DIR);
    const optimizer = tf.train.sgd(0.01);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const logs: string[] = [];
    const tuning = fineTuning(a.spec, model, optimizer, ['conv1', 'conv2'], (m) => logs.push(m));
    expect(tuning.changesVariables).toBe(true);
    const x = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 1);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
    const conv1 = () => Array.from(model.getLayer('conv1').getWeights()[0].dataSync());
    const headBias = () => Array.from(model.getLayer('head').getWeights()[1].dataSync());
    const step = async () => {
      const before = { conv1: conv1(), head: headBias() };
      await model.trainOnBatch(x, y);
      return { conv1: maxAbsDiff(conv1(), before.conv1), head: maxAbsDiff(headBias(), before.head) };
    };
    tuning.beforeEpoch!(1);
    const frozen = await step();
    expect(frozen.conv1).toBe(0);
    expect(frozen.head).toBeGreaterThan(0);
    tuning.beforeEpoch!(2);
    expect(logs).toEqual(['unfroze conv1, conv2 before epoch 2 (learning rate × 0.1)']);
    expect(model.getLayer('conv1').trainable).toBe(true);
    // The same step at the full rate, from the same weights, moves conv1 ten times as far.
    const start = model.getWeights().map((w) => w.clone());
    const slow = await step();
    model.setWeights(start);
    const plain = tf.train.sgd(0.01);
    model.compile({ optimizer: plain, loss: 'categoricalCrossentropy' });
    const fast = await step();
    expect(slow.conv1).toBeGreaterThan(0);
    expect(slow.conv1 / fast.conv1).toBeCloseTo(0.1, 3);
  });

  it('unfreezing under Adam keeps each variable\'s moments with it (tfjs keeps them by position in the variable list)', async () => {
    const { a, model } = await built(spec('  unfreeze: { after_epochs: 1, learning_rate_multiplier: 0.1 }\n'), DIR);
    const optimizer = tf.train.adam(0.01);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const tuning = fineTuning(a.spec, model, optimizer, ['conv1', 'conv2'], () => {});
    const x = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 1);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
    type Slot = { originalName: string; variable: tf.Variable };
    const moments = () => (optimizer as unknown as { accumulatedFirstMoment: Slot[] }).accumulatedFirstMoment;
    tuning.beforeEpoch!(1);
    await model.trainOnBatch(x, y);
    const headKernel = moments().find((m) => m.originalName.startsWith('head/kernel'))!;
    const headMoment = Array.from(headKernel.variable.dataSync());
    tuning.beforeEpoch!(2);
    // Had the unfrozen variables gone first, conv1's kernel would have met the head kernel's moment.
    await model.trainOnBatch(x, y);
    const names = (model as unknown as { collectedTrainableWeights: { read(): tf.Variable }[] }).collectedTrainableWeights.map((v) => v.read().name);
    expect(moments().map((m) => m.originalName)).toEqual(names.map((n) => `${n}/m`));
    // The head's moment carried on from its first step (β₁ = 0.9 of it, plus the new gradient).
    const kept = moments().find((m) => m.originalName.startsWith('head/kernel'))!;
    expect(kept).toBe(headKernel);
    expect(maxAbsDiff(Array.from(kept.variable.dataSync()), headMoment)).toBeGreaterThan(0);
  });

  it('train.unfreeze under Adam: the unfrozen variables join after those already training, which keep their moments', async () => {
    const { a, model } = await built(spec('  unfreeze: { after_epochs: 1 }\n'), DIR);
    const optimizer = tf.train.adam(0.01);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const tuning = fineTuning(a.spec, model, optimizer, ['conv1', 'conv2'], () => undefined);
    const x = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 2);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
    tuning.beforeEpoch!(1);
    await model.trainOnBatch(x, y);
    tuning.beforeEpoch!(2);
    const before = Array.from(model.getLayer('conv1').getWeights()[0].dataSync());
    // tfjs's Adam keeps its moments by position in the variable list: unfrozen variables put first
    // gave the head's moments to conv1 ("Operands could not be broadcast together").
    const loss = (await model.trainOnBatch(x, y)) as number;
    expect(Number.isFinite(loss)).toBe(true);
    expect(maxAbsDiff(Array.from(model.getLayer('conv1').getWeights()[0].dataSync()), before)).toBeGreaterThan(0);
  });
});
