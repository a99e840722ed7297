import { describe, expect, it } from 'vitest';
import { validateRunRecord, validateTrainerCommand, validateTrainerEvent, validateTrainOptions } from '../../src/core/protocol/trainer';

describe('trainer protocol validators', () => {
  it('accepts every well-formed event', () => {
    const events = [
      { type: 'started', time: 1, runDir: '/r', spec: '/s', specName: 'x', backend: 'wasm', device: 'CPU', reason: 'auto', params: 10, seed: 1, epochs: 2, batchSize: 8, batchesPerEpoch: 3, initialEpoch: 1, samples: { train: 20, validation: 5, test: 0 } },
      { type: 'batch', time: 1, epoch: 1, batch: 2, batches: 3, loss: 0.5, metrics: { loss: 0.6 }, samplesPerSecond: 100, learningRate: 0.01 },
      { type: 'epoch', time: 1, epoch: 1, epochs: 2, metrics: { loss: 0.5, val_loss: null }, durationMs: 10, learningRate: 0.01 },
      { type: 'log', time: 1, level: 'info', message: 'hi' },
      { type: 'log', time: 1, level: 'info', message: 'run folder', runDir: '/r' },
      { type: 'log', time: 1, level: 'info', message: 'loading', loadedPackage: { name: '@tensorflow/tfjs-node', version: '4.22.0', path: '/w/node_modules/@tensorflow/tfjs-node' } },
      { type: 'checkpoint', time: 1, kind: 'best', epoch: 1, path: '/r/c', monitor: 'val_loss', value: 0.4 },
      { type: 'done', time: 1, status: 'completed', reason: 'ok', epochs: 2, durationMs: 5, final: { loss: 0.1 }, test: { loss: 0.2 } },
      { type: 'error', time: 1, code: 'data/csv-ragged', message: 'bad', file: 'a.csv', row: 3 },
    ];
    for (const e of events) expect(validateTrainerEvent(e)).toMatchObject({ ok: true });
  });

  it('rejects malformed events with a reason', () => {
    expect(validateTrainerEvent(null)).toMatchObject({ ok: false });
    expect(validateTrainerEvent({ type: 'nope' })).toMatchObject({ ok: false, error: expect.stringContaining('unknown trainer event type') });
    const bad = validateTrainerEvent({ type: 'batch', time: 1, epoch: 1.5, batch: 'x', batches: 3, loss: 0, metrics: {}, samplesPerSecond: 0, learningRate: 0 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/`epoch`, `batch`/);
    expect(validateTrainerEvent({ type: 'log', time: 1, level: 'loud', message: 'x' }).ok).toBe(false);
    expect(validateTrainerEvent({ type: 'log', time: 1, level: 'info', message: 'x', loadedPackage: { name: 'p', path: '/p' } })).toMatchObject({ ok: false, error: expect.stringContaining('loadedPackage') });
    expect(validateTrainerEvent({ type: 'epoch', time: 1, epoch: 1, epochs: 1, metrics: { a: 'x' }, durationMs: 1, learningRate: 1 }).ok).toBe(false);
  });

  it('validates commands and their options', () => {
    expect(validateTrainerCommand({ type: 'cancel' })).toEqual({ ok: true, value: { type: 'cancel' } });
    expect(validateTrainerCommand({ type: 'start', specPath: '/a.model.yaml', options: { epochs: 2, device: 'cpu' } })).toMatchObject({ ok: true });
    expect(validateTrainerCommand({ type: 'start', specPath: 3 }).ok).toBe(false);
    expect(validateTrainerCommand({ type: 'start', specPath: '/a', options: { epochs: 0 } }).ok).toBe(false);
    expect(validateTrainerCommand({ type: 'start', specPath: '/a', options: { device: 'tpu' } }).ok).toBe(false);
    expect(validateTrainOptions({ bogus: 1 })).toMatchObject({ ok: false, error: expect.stringContaining('bogus') });
    expect(validateTrainerCommand({ type: 'launch' }).ok).toBe(false);
    expect(validateTrainerCommand({ type: 'evaluate', runDir: '/r', options: { split: 'validation', checkpoint: 'last' } })).toMatchObject({ ok: true });
    expect(validateTrainerCommand({ type: 'evaluate', runDir: '/r', options: { split: 'holdout' } })).toMatchObject({ ok: false, error: expect.stringContaining('split') });
    expect(validateTrainerCommand({ type: 'evaluate', runDir: 1 }).ok).toBe(false);
    expect(validateTrainerEvent({ type: 'evaluation', time: 1, runDir: '/r', file: '/r/evaluation.json', split: 'test', checkpoint: '/r/model', report: '', evaluation: {} }).ok).toBe(true);
    expect(validateTrainerEvent({ type: 'evaluation', time: 1, runDir: '/r', file: '/r/evaluation.json', split: 'test', checkpoint: '/r/model', report: '', evaluation: 'x' }).ok).toBe(false);
  });

  it('validates the PyTorch engine\'s prepare command, its engine options and its prepared event', () => {
    const engine = { engine: 'pytorch', reason: 'auto: torch 1.13.1 found at /usr/bin/python3, CUDA not available', device: 'cpu' };
    expect(validateTrainerCommand({ type: 'prepare', specPath: '/a.model.yaml', options: { engine: 'pytorch', python: '/usr/bin/python3' }, engine })).toMatchObject({ ok: true, value: { type: 'prepare', engine } });
    expect(validateTrainerCommand({ type: 'prepare', specPath: '/a.model.yaml', options: {} })).toMatchObject({ ok: false, error: expect.stringContaining('engine') });
    expect(validateTrainerCommand({ type: 'prepare', specPath: '/a.model.yaml', options: {}, engine: { engine: 'jax', reason: '' } }).ok).toBe(false);
    expect(validateTrainerCommand({ type: 'start', specPath: '/a', options: { engine: 'keras' } })).toMatchObject({ ok: false, error: expect.stringContaining('engine') });
    expect(validateTrainerCommand({ type: 'start', specPath: '/a', options: {}, engine: { engine: 'tfjs', reason: 'auto: tfjs because …' } })).toMatchObject({ ok: true, value: { engine: { engine: 'tfjs' } } });
    const prepared = { type: 'prepared', time: 1, runDir: '/r', packageDir: '/p', initModel: '/r/pytorch/init', dataDir: '/r/pytorch/data', params: 131, seed: 1, batchSize: 16, samples: { train: 90, validation: 30, test: 0 } };
    expect(validateTrainerEvent(prepared).ok).toBe(true);
    expect(validateTrainerEvent({ ...prepared, dataDir: undefined }).ok).toBe(false);
  });

  it('validates predict commands and their events', () => {
    expect(validateTrainerCommand({ type: 'predict', runDir: '/r', options: { input: '-', topK: 3, onError: 'skip' } })).toMatchObject({ ok: true });
    expect(validateTrainerCommand({ type: 'continue' })).toEqual({ ok: true, value: { type: 'continue' } });
    expect(validateTrainerCommand({ type: 'predict', runDir: '/r', options: {} })).toMatchObject({ ok: false, error: expect.stringContaining('input') });
    expect(validateTrainerCommand({ type: 'predict', runDir: '/r', options: { input: 'a.csv', topK: 0 } })).toMatchObject({ ok: false, error: expect.stringContaining('topK') });
    expect(validateTrainerCommand({ type: 'predict', runDir: '/r', options: { input: 'a.csv', onError: 'ignore' } }).ok).toBe(false);
    const row = { file: 'a.csv', row: 2, label: 'b', probabilities: { a: 0.25, b: 0.75 }, top: [{ label: 'b', probability: 0.75 }] };
    expect(validateTrainerEvent({ type: 'predicting', time: 1, runDir: '/r', checkpoint: '/r/m', task: 'multiclass', classNames: ['a', 'b'], topK: 1, unit: 'bytes', total: 10 }).ok).toBe(true);
    expect(validateTrainerEvent({ type: 'predicting', time: 1, runDir: '/r', checkpoint: '/r/m', task: 'ranking', topK: 1, unit: 'bytes' }).ok).toBe(false);
    expect(validateTrainerEvent({ type: 'predictions', time: 1, rows: [row, { file: 'a.csv', row: 3, value: 2 }], skipped: [{ file: 'a.csv', row: 4, code: 'c', message: 'm' }], done: 5 }).ok).toBe(true);
    expect(validateTrainerEvent({ type: 'predictions', time: 1, rows: [{ ...row, probabilities: { a: 'x' } }], skipped: [], done: 5 }).ok).toBe(false);
    expect(validateTrainerEvent({ type: 'predictions', time: 1, rows: [{ ...row, row: 1.5 }], skipped: [], done: 5 }).ok).toBe(false);
    expect(validateTrainerEvent({ type: 'predicted', time: 1, predicted: 3, skipped: 0, peakRssBytes: 1e8 }).ok).toBe(true);
  });

  it('validates serving a model.onnx: the command, the serving event and tensor answers', () => {
    expect(validateTrainerCommand({ type: 'serve', runDir: '/m', options: { onnx: '/m/model.onnx' } })).toMatchObject({ ok: true, value: { options: { onnx: '/m/model.onnx' } } });
    expect(validateTrainerCommand({ type: 'serve', runDir: '/m', options: { onnx: 3 } }).ok).toBe(false);
    const onnx = { file: '/m/model.onnx', producer: 'elsewhere', foldedSteps: [], inputs: [{ name: 'x', type: 'float32', shape: ['batch', 4] }], outputs: [{ name: 'y', type: 'float32', shape: ['batch', 3] }], rawTensors: true };
    const serving = { type: 'serving', time: 1, runDir: '/m', checkpoint: '/m/model.onnx', backend: 'onnxruntime-node 1.31.1', loadMs: 5 };
    expect(validateTrainerEvent({ ...serving, onnx }).ok).toBe(true);
    expect(validateTrainerEvent({ ...serving, onnx: { ...onnx, inputs: [{ name: 'x', type: 'float32', shape: [true] }] } }).ok).toBe(false);
    expect(validateTrainerEvent({ ...serving, onnx: { ...onnx, rawTensors: 'yes' } }).ok).toBe(false);
    const answer = (outputs: unknown) => validateTrainerEvent({ type: 'inference', time: 1, id: 1, ms: 1, outputs: [], answers: [{ outputs }] });
    expect(answer({ y: { shape: [3], data: [0.1, 0.2, null] } }).ok).toBe(true);
    expect(answer({ y: { shape: [1.5], data: [] } }).ok).toBe(false);
    expect(answer({ y: { shape: [3], data: ['a'] } }).ok).toBe(false);
  });

  it('validates run records', () => {
    const rec = { status: 'running', spec: '/s', specName: 'x', specHash: 'h', seed: 1, versions: { tfjs: '4.22.0' }, startedAt: '2026-01-01T00:00:00Z' };
    expect(validateRunRecord(rec).ok).toBe(true);
    expect(validateRunRecord({ ...rec, status: 'weird' }).ok).toBe(false);
  });
});
