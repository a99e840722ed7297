/**
 * `exportTfjs` end to end: tiny real runs of the examples (and of specs that use the trainer's
 * custom layers) exported, then loaded in real Chromium by the export's own stock tf.min.js with
 * `tf.loadLayersModel`; the browser's predictions of a batch must equal the trainer's for the
 * same inputs. Quantized exports are compared within the error their quantization allows, and
 * the page beside the model is driven like a user would.
 */
import { cpSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTfjs, ExportError, type TfjsExportOptions } from '../../src/export/tfjs';
import { applyFitted, readPreprocessing } from '../../src/trainer/data/fitted';
import { TABLE, tempDir } from '../trainer/helpers';
import { launchChromium, openPage, predictInBrowser, serveFolder } from './browser';
import { example, maxAbsDiff, seeded, tinyRun, tinyRunOf, trainerPredict } from './runs';

/** Dilated convolutions, strided and not: the trainer's custom layers that have stock equivalents. */
const DILATED = `version: 1
name: dilated
seed: 1
data:
  source: { dataset: { name: mnist, samples: 200 } }
  pipeline: [{ scale: 255 }, { reshape: { shape: [28, 28, 1] } }, { one_hot: 10 }]
  validation: { split: 0.2 }
model:
  input: [28, 28, 1]
  layers:
    - conv2d: { filters: 4, kernel_size: 3, dilation_rate: 2, activation: relu }
    - depthwise_conv2d: { kernel_size: 3, strides: 2, dilation_rate: 2, padding: same }
    - separable_conv2d: { filters: 4, kernel_size: 3, dilation_rate: 2, activation: relu }
    - reshape: [64, 4]
    - conv1d: { filters: 3, kernel_size: 3, dilation_rate: 3, padding: same }
    - flatten
    - dense: { units: 10, activation: softmax }
train:
  loss: categorical_crossentropy
  optimizer: adam
  batch_size: 16
`;

/** Keras 3's GRU (reset_after: true by default), which stock TF.js lacks. */
const GRU = `version: 1
name: gru
seed: 2
data:
  source: { dataset: iris }
  pipeline: [standardize, { reshape: [4, 1] }, { one_hot: 3 }]
  validation: { split: 0.2 }
model:
  input: [4, 1]
  layers:
    - gru: { units: 4 }
    - dense: { units: 3, activation: softmax }
train:
  loss: categorical_crossentropy
  optimizer: adam
  batch_size: 16
`;

const FLOAT_MODELS = ['house-prices', 'mlp', 'mnist-cnn', 'residual-cnn', 'lstm-sentiment'] as const;
const runs: Record<string, string> = {};
let browser: Browser;

beforeAll(async () => {
  for (const name of [...FLOAT_MODELS, 'transformer-text']) runs[name] = await tinyRun(example(name));
  runs.dilated = await tinyRunOf(DILATED);
  runs.gru = await tinyRunOf(GRU);
  runs.table = await tinyRunOf(TABLE.spec, { 't.csv': TABLE.csv });
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

const exportOf = (run: string, options: Partial<TfjsExportOptions> = {}) => exportTfjs(runs[run], { out: join(tempDir('modelyaml-export-tfjs-'), 'web'), ...options });

/** Inputs of the model's shape: token ids for an embedding model, values in [0, 1) otherwise. */
function inputsFor(run: string, n: number): { x: number[]; shape: number[] } {
  const pre = JSON.parse(readFileSync(join(runs[run], 'preprocessing.json'), 'utf8')) as { features: { shape: number[] } };
  const shape = [n, ...pre.features.shape];
  const size = shape.reduce((a, b) => a * b, 1);
  const r = seeded(run.length * 7919);
  const ids = pre.features.shape.length === 1 && run.startsWith('lstm');
  return { x: Array.from({ length: size }, () => (ids ? Math.floor(r() * 10000) : r())), shape };
}

/** The export's predictions in Chromium next to the trainer's, for 16 inputs. */
async function compare(run: string, out: string, checkpoint: string) {
  const { x, shape } = inputsFor(run, 16);
  const served = await serveFolder(out);
  const errors: string[] = [];
  try {
    const page = await openPage(browser, served, 'blank.html', errors);
    const browserY = await predictInBrowser(page, x, shape);
    await page.close();
    const trainerY = await trainerPredict(join(runs[run], checkpoint), x, shape);
    expect(errors).toEqual([]);
    return { browserY, trainerY, diff: maxAbsDiff(browserY, trainerY) };
  } finally {
    await served.close();
  }
}

describe('exportTfjs: stock tf.loadLayersModel in Chromium', () => {
  it.each(FLOAT_MODELS)('%s: float32 predictions equal the trainer’s within 1e-4', async (run) => {
    const r = exportOf(run);
    expect(r.files).toEqual(expect.arrayContaining(['model.json', 'group1-shard1of' + r.files.filter((f) => f.endsWith('.bin')).length + '.bin', 'tf.min.js', 'index.html']));
    // The model card beside it says what was exported, and from which checkpoint.
    const card = readFileSync(join(r.out, 'MODEL_CARD.md'), 'utf8');
    expect(card).toContain(`| From | \`${r.checkpoint}\` |`);
    expect(card).toContain('| Weights | float32 |');
    const json = JSON.parse(readFileSync(join(r.out, 'model.json'), 'utf8'));
    expect(JSON.stringify(json.modelTopology)).not.toContain('ModelYaml');
    const { diff, browserY } = await compare(run, r.out, r.checkpoint);
    expect(browserY.every(Number.isFinite)).toBe(true);
    expect(diff).toBeLessThan(1e-4);
  });

  it('a large model is split into 4 MiB shards that tfjs joins again (lstm-sentiment, 1.5 M parameters)', () => {
    const r = exportOf('lstm-sentiment');
    const shards = r.files.filter((f) => f.endsWith('.bin'));
    expect(shards.length).toBeGreaterThan(1);
    expect(shards.slice(0, -1).every((f) => statSync(join(r.out, f)).size === 4 * 1024 * 1024)).toBe(true);
  });

  it('dilated conv1d/conv2d/depthwise/separable (custom layers in the trainer) become stock layers with the same outputs', async () => {
    const r = exportOf('dilated');
    const layers = JSON.parse(readFileSync(join(r.out, 'model.json'), 'utf8')).modelTopology.config.layers as { class_name: string; config: Record<string, unknown> }[];
    expect(layers.map((l) => l.class_name)).toEqual(['InputLayer', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Reshape', 'Conv1D', 'Flatten', 'Dense']);
    // Strides with a dilation: the kernel is written out dilated (3 taps at distance 2 → 5).
    expect(layers[2].config).toMatchObject({ kernel_size: [5, 5], dilation_rate: [1, 1], strides: [2, 2] });
    expect(layers[3].config).toMatchObject({ kernel_size: [3, 3], dilation_rate: [2, 2] });
    expect(r.rewritten).toHaveLength(4);
    expect(readFileSync(join(r.out, 'MODEL_CARD.md'), 'utf8')).toContain('- depthwise_conv2d_2: DepthwiseConv2D with the dilated kernel written out (5×5');
    const { diff } = await compare('dilated', r.out, r.checkpoint);
    expect(diff).toBeLessThan(1e-4);
  });

  it('float16 and uint8 weights (TF.js’s own quantization) load and stay close; uint8 is 4× smaller', async () => {
    const f32 = exportOf('mnist-cnn', { checkpoint: 'last' });
    const f16 = exportOf('mnist-cnn', { checkpoint: 'last', quantize: 'float16' });
    const u8 = exportOf('mnist-cnn', { checkpoint: 'last', quantize: 'uint8' });
    const entries = (out: string) => JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).weightsManifest[0].weights as { quantization?: { dtype: string; min?: number; scale?: number } }[];
    expect(entries(f16.out).every((w) => w.quantization?.dtype === 'float16')).toBe(true);
    expect(entries(u8.out).every((w) => w.quantization?.dtype === 'uint8' && typeof w.quantization.min === 'number' && w.quantization.scale! > 0)).toBe(true);
    expect(f16.weightBytes * 2).toBe(f32.weightBytes);
    expect(u8.weightBytes * 4).toBe(f32.weightBytes);
    const half = await compare('mnist-cnn', f16.out, f16.checkpoint);
    const byte = await compare('mnist-cnn', u8.out, u8.checkpoint);
    // Softmax outputs; float16 keeps ~3 decimal digits per weight, uint8 256 levels per weight.
    expect(half.diff).toBeLessThan(1e-3);
    expect(byte.diff).toBeLessThan(1e-2);
    console.log(`mnist-cnn: max |Δp| float16 ${half.diff.toExponential(2)}, uint8 ${byte.diff.toExponential(2)}; weights ${f32.weightBytes} / ${f16.weightBytes} / ${u8.weightBytes} bytes`);
  });

  it('a layer stock TF.js lacks is refused, naming the spec layer and its line; nothing is written', () => {
    const out = join(tempDir('modelyaml-export-tfjs-'), 'web');
    const e = (() => {
      try {
        exportTfjs(runs['transformer-text'], { out });
      } catch (err) {
        return err;
      }
      throw new Error('expected a refusal');
    })() as ExportError;
    expect(e).toBeInstanceOf(ExportError);
    expect(e.code).toBe('export/unsupported-layer');
    expect(e.message).toMatch(/spec\.snapshot\.yaml:18:7: layer `positional_embedding_1` \(positional_embedding\) cannot be exported to TensorFlow\.js/);
    expect(e.where).toMatchObject({ line: 18, column: 7 });
    expect(existsSync(out)).toBe(false);
    const gru = (() => {
      try {
        exportOf('gru');
      } catch (err) {
        return err as ExportError;
      }
      throw new Error('expected a refusal');
    })();
    expect(gru.message).toMatch(/:11:7: layer `gru_1` \(gru\) .*reset_after: false/);
  });

  it('refuses a folder that is not a run, and a checkpoint the run does not have', () => {
    expect(() => exportTfjs(tempDir(), { out: tempDir() })).toThrow(/is not a run folder \(no run\.json\)/);
    const copy = join(tempDir(), 'run');
    cpSync(runs['house-prices'], copy, { recursive: true });
    rmSync(join(copy, 'checkpoints', 'best'), { recursive: true });
    expect(() => exportTfjs(copy, { out: tempDir(), checkpoint: 'best' })).toThrow(/has no best checkpoint/);
    expect(exportTfjs(copy, { out: tempDir() }).checkpoint).toBe('checkpoints/last');
  });
});

/** Opens the export's index.html, lets `fill` enter an input, presses Predict; the page's input, output and text. */
async function usePage(run: string, fill: (page: Page) => Promise<void>) {
  const r = exportOf(run);
  const served = await serveFolder(r.out);
  const errors: string[] = [];
  try {
    const page = await openPage(browser, served, 'index.html', errors);
    await page.waitForSelector('#predict:not([disabled])');
    const status = await page.textContent('#status');
    await fill(page);
    await page.click('#predict');
    await page.waitForFunction(() => document.getElementById('result')!.textContent !== '');
    const shown = (await page.textContent('#result'))!;
    const { input, output } = await page.evaluate(() => ({ input: (window as never as { modelyamlInput: number[] }).modelyamlInput, output: (window as never as { modelyamlOutput: number[] }).modelyamlOutput }));
    await page.close();
    expect(errors).toEqual([]);
    expect(served.requests.filter((p) => !['/index.html', '/tf.min.js', '/model.json'].includes(p) && !p.endsWith('.bin'))).toEqual([]);
    return { r, status, shown, input, output };
  } finally {
    await served.close();
  }
}

const argmax = (v: ArrayLike<number>) => Array.from(v).reduce((best, x, i, a) => (x > a[best] ? i : best), 0);

describe('index.html beside the export runs the model offline', () => {
  it('a table: a form of the feature columns, the fitted preprocessing in JS, the class name shown', async () => {
    const record = { a: '', b: '4', color: 'green' };
    const { r, status, shown, input, output } = await usePage('table', async (page) => {
      await page.fill('input[name=a]', record.a);
      await page.fill('input[name=b]', record.b);
      await page.selectOption('select[name=color]', record.color);
    });
    expect(status).toMatch(/^Model loaded \(TensorFlow\.js 4\.22\.0/);
    // The page's preprocessing is the trainer's (fill_missing, label_encode, standardize, normalize).
    const pre = readPreprocessing(runs.table);
    const applied = await applyFitted(pre, [record]);
    expect(maxAbsDiff(input, applied.x)).toBeLessThan(1e-6);
    const trainerY = await trainerPredict(join(runs.table, r.checkpoint), applied.x, [1, 3]);
    expect(maxAbsDiff(output, trainerY)).toBeLessThan(1e-4);
    expect(pre.labels.names).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(shown).toMatch(new RegExp(`^${pre.labels.names![argmax(trainerY)]} \\(\\d+\\.\\d%\\)$`));
  });

  it('text: tokenized and padded as the trainer does', async () => {
    const text = 'A truly GREAT film -- wonderful acting, a dull plot; zzzunknownword!';
    const { r, shown, input, output } = await usePage('lstm-sentiment', (page) => page.fill('textarea[name=text]', text));
    const applied = await applyFitted(readPreprocessing(runs['lstm-sentiment']), [{ text }]);
    expect(input).toEqual(Array.from(applied.x));
    const trainerY = await trainerPredict(join(runs['lstm-sentiment'], r.checkpoint), applied.x, [1, 40]);
    expect(maxAbsDiff(output, trainerY)).toBeLessThan(1e-4);
    // Binary labels without names: the class and the positive class's probability.
    expect(shown).toBe(`class ${output[0] > 0.5 ? 1 : 0} (class 1: ${output[0].toFixed(4)})`);
  });

  it('an image model: a digit drawn on the canvas, scaled to 28×28 and classified', async () => {
    const { r, shown, input, output } = await usePage('mnist-cnn', async (page) => {
      const box = (await page.locator('#canvas').boundingBox())!;
      await page.mouse.move(box.x + 140, box.y + 40);
      await page.mouse.down();
      await page.mouse.move(box.x + 140, box.y + 240, { steps: 10 });
      await page.mouse.up();
    });
    expect(input).toHaveLength(784);
    expect(Math.max(...input)).toBeGreaterThan(0.5); // the stroke, scaled to [0, 1]
    expect(Math.min(...input)).toBe(0);
    const trainerY = await trainerPredict(join(runs['mnist-cnn'], r.checkpoint), input, [1, 28, 28, 1]);
    expect(maxAbsDiff(output, trainerY)).toBeLessThan(1e-4);
    expect(shown).toMatch(new RegExp(`^class ${argmax(trainerY)} \\(`));
  });
});
