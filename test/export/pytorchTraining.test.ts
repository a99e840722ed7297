/**
 * The exported train.py on the MNIST CNN (its built-in data, 200 digits) in Debian's torch:
 * (c) two DDP ranks on CPU (gloo, started as torchrun starts them) with global batch 16 equal one
 * process with batch 16 after 20 steps; (e) a 2-process run killed with SIGKILL after an epoch
 * checkpoint resumes and ends where the uninterrupted run ends; and reduce_on_plateau reacts to
 * the same epochs exactly as the trainer's schedule does; --amp on the CPU trains under bfloat16 autocast.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPytorch } from '../../src/export/pytorch';
import { SCHEDULES } from '../../src/trainer/model/objectives';
import { workspace } from '../trainer/helpers';
import { hasTorch, python, startPython, type PythonResult } from './python';
import { example } from './runs';

const MNIST_TINY = readFileSync(example('mnist-cnn'), 'utf8')
  .replace('source: { dataset: mnist }', 'source: { dataset: { name: mnist, samples: 200 } }')
  .replace(/^ {2}early_stopping:.*$/m, '');

/** The package of the tiny MNIST CNN spec (trains from the seeded initialisation), optionally with another optimizer. */
function mnistPackage(optimizer?: string): string {
  const spec = optimizer ? MNIST_TINY.replace('optimizer: { adam: { learning_rate: 0.001 } }', `optimizer: ${optimizer}`) : MNIST_TINY;
  expect(spec.includes(optimizer ?? 'adam')).toBe(true);
  const dir = workspace({ 'mnist.model.yaml': spec });
  const out = join(dir, 'pkg');
  exportPytorch(join(dir, 'mnist.model.yaml'), { out });
  return out;
}

const env = { ...process.env, OMP_NUM_THREADS: '1' };

/** Two ranks with torchrun's environment (env:// rendezvous on a fresh port); Debian's torchrun 1.13 cannot start under Python 3.12. */
function twoRanks(out: string, args: string[]) {
  const port = String(20000 + Math.floor(Math.random() * 20000));
  return [0, 1].map((rank) => startPython(['train.py', ...args], out, { ...env, RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: '2', LOCAL_WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port }));
}

const ok = (r: PythonResult) => expect(r.code, r.stderr).toBe(0);

/** The largest |Δ| between two state_dicts saved by train.py (model.pt), and whether they are bit-equal. */
async function compare(out: string, a: string, b: string): Promise<{ max: number; equal: boolean }> {
  const script = `import json, sys, torch\na, b = torch.load(sys.argv[1]), torch.load(sys.argv[2])\nprint(json.dumps({"max": max(float((a[k] - b[k]).abs().max()) for k in a), "equal": all(torch.equal(a[k], b[k]) for k in a)}))`;
  const p = await python(['-c', script, a, b], out);
  ok(p);
  return JSON.parse(p.stdout) as { max: number; equal: boolean };
}

/** Resolves once metrics.jsonl holds a checkpoint event (polled: the file is written by another process). */
function checkpointWritten(run: string): Promise<void> {
  const file = join(run, 'metrics.jsonl');
  return new Promise((done) => {
    const timer = setInterval(() => {
      if (existsSync(file) && readFileSync(file, 'utf8').includes('"type": "checkpoint"')) {
        clearInterval(timer);
        done();
      }
    }, 50);
  });
}

describe.skipIf(!hasTorch)('train.py on the MNIST CNN', () => {
  // SGD with momentum: Adam divides by √v + 1e-7, so for weights whose gradient is ~1e-8 (float
  // noise around zero) the two reduction orders give steps of different size; with Adam the two
  // runs differ by 4.7e-4 after 20 steps, with SGD by 3e-8.
  it('(c) two gloo ranks with global batch 16 equal one process with batch 16 after 20 steps', async () => {
    const out = mnistPackage('{ sgd: { learning_rate: 0.05, momentum: 0.9 } }');
    const common = ['--epochs', '5', '--max-steps', '20', '--no-shuffle', '--batch-size', '16'];
    ok(await python(['train.py', ...common, '--out', 'runs/one'], out, env));
    for (const r of await Promise.all(twoRanks(out, [...common, '--out', 'runs/two']).map((p) => p.result))) ok(r);
    const d = await compare(out, join(out, 'runs', 'one', 'model.pt'), join(out, 'runs', 'two', 'model.pt'));
    console.log(`MNIST CNN, DDP 2 × 8 vs 1 × 16, 20 steps: max |Δ| ${d.max.toExponential(2)}`);
    expect(d.max).toBeLessThan(1e-4);
  }, 600_000);

  // The example's own optimizer, Adam, in double precision: the same semantics to rounding (float32's
  // 4.7e-4 above is float noise that Adam's step scales up; float64 shrinks it to ~1e-15).
  it('(c) with Adam and --float64, two gloo ranks equal one process after 20 steps to 1e-12', async () => {
    const out = mnistPackage();
    const common = ['--epochs', '5', '--max-steps', '20', '--no-shuffle', '--batch-size', '16', '--float64'];
    ok(await python(['train.py', ...common, '--out', 'runs/one'], out, env));
    for (const r of await Promise.all(twoRanks(out, [...common, '--out', 'runs/two']).map((p) => p.result))) ok(r);
    const d = await compare(out, join(out, 'runs', 'one', 'model.pt'), join(out, 'runs', 'two', 'model.pt'));
    console.log(`MNIST CNN, Adam, float64, DDP 2 × 8 vs 1 × 16, 20 steps: max |Δ| ${d.max.toExponential(2)}`);
    expect(d.max).toBeLessThan(1e-12);
    const record = JSON.parse(readFileSync(join(out, 'runs', 'two', 'run.json'), 'utf8')) as { precision?: string };
    expect(record.precision).toBe('64-true');
  }, 600_000);

  it('(e) a 2-process run killed (SIGKILL) after an epoch checkpoint resumes and ends equal to the uninterrupted run', async () => {
    const out = mnistPackage();
    const args = ['--epochs', '6', '--batch-size', '16'];
    const straight = twoRanks(out, [...args, '--out', 'runs/straight']);
    for (const r of await Promise.all(straight.map((p) => p.result))) ok(r);
    const killed = twoRanks(out, [...args, '--out', 'runs/killed']);
    await checkpointWritten(join(out, 'runs', 'killed'));
    for (const p of killed) p.proc.kill('SIGKILL');
    for (const r of await Promise.all(killed.map((p) => p.result))) expect(r.signal).toBe('SIGKILL');
    const record = JSON.parse(readFileSync(join(out, 'runs', 'killed', 'run.json'), 'utf8')) as { status: string };
    expect(record.status).toBe('running'); // killed before the end
    for (const r of await Promise.all(twoRanks(out, [...args, '--out', 'runs/killed', '--resume']).map((p) => p.result))) ok(r);
    const d = await compare(out, join(out, 'runs', 'straight', 'model.pt'), join(out, 'runs', 'killed', 'model.pt'));
    console.log(`MNIST CNN, killed and resumed vs straight (2 ranks, 6 epochs): max |Δ| ${d.max.toExponential(2)}, bit-equal ${d.equal}`);
    expect(d.equal).toBe(true);
    const resumed = JSON.parse(readFileSync(join(out, 'runs', 'killed', 'run.json'), 'utf8')) as { status: string; epochs: number };
    expect(resumed).toMatchObject({ status: 'completed', epochs: 6 });
  }, 600_000);

  it('--amp on the CPU trains under bfloat16 autocast: other numbers than float32, the same learning; run.json records it', async () => {
    const out = mnistPackage();
    const common = ['--epochs', '3', '--no-shuffle', '--batch-size', '16'];
    ok(await python(['train.py', ...common, '--out', 'runs/fp32'], out, env));
    ok(await python(['train.py', ...common, '--amp', '--out', 'runs/amp'], out, env));
    const record = (run: string) => JSON.parse(readFileSync(join(out, 'runs', run, 'run.json'), 'utf8')) as { status: string; precision?: string };
    const losses = (run: string) => readFileSync(join(out, 'runs', run, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; metrics?: { loss: number } }).filter((e) => e.type === 'epoch').map((e) => e.metrics!.loss);
    expect(record('amp')).toMatchObject({ status: 'completed', precision: 'bf16-mixed' });
    expect(record('fp32').precision).toBe('32-true');
    // bfloat16 keeps 8 bits of mantissa: the weights part from float32's, the weights themselves stay float32.
    const d = await compare(out, join(out, 'runs', 'fp32', 'model.pt'), join(out, 'runs', 'amp', 'model.pt'));
    expect(d.max).toBeGreaterThan(1e-4);
    const [amp, fp32] = [losses('amp'), losses('fp32')];
    console.log(`MNIST CNN, 3 epochs: loss per epoch float32 ${fp32.map((x) => x.toFixed(3)).join(' ')}, --amp ${amp.map((x) => x.toFixed(3)).join(' ')}; max |Δ| of weights ${d.max.toExponential(2)}`);
    expect(amp[2]).toBeLessThan(amp[0]);
    expect(Math.abs(amp[2] - fp32[2])).toBeLessThan(0.25 * fp32[2]);
  }, 300_000);

  it('reduce_on_plateau lowers the rate after the same epochs as the trainer’s schedule', async () => {
    const out = mnistPackage();
    const cases = [
      { params: { monitor: 'val_loss', factor: 0.5, patience: 2, min_delta: 0.01, cooldown: 1, min_lr: 0.02, mode: 'auto' }, values: [1, 0.9, 0.895, 0.9, 0.7, 0.71, 0.705, 0.7, 0.7, 0.69, 0.69, 0.69, 0.5, 0.5, 0.5, 0.5] },
      { params: { monitor: 'val_accuracy', factor: 0.1, patience: 1, min_delta: 0, cooldown: 0, min_lr: 0, mode: 'auto' }, values: [0.5, 0.6, 0.6, 0.55, 0.7, 0.7, 0.8] },
      { params: { monitor: 'loss', factor: 0.3, patience: 0, min_delta: 0.1, cooldown: 2, min_lr: 0, mode: 'max' }, values: [1, 2, 2.05, 3, 3, 3, 3, 3] },
    ];
    for (const c of cases) {
      const s = SCHEDULES.reduce_on_plateau(c.params);
      let lr = 0.1;
      const trainer = c.values.map((v) => (lr = s.afterEpoch!({ [c.params.monitor]: v }, lr) ?? lr));
      const script = `import json, sys, objectives\nc = json.loads(sys.argv[1])\ns, lr, out = objectives.ReduceOnPlateau(**c["params"]), 0.1, []\nfor v in c["values"]:\n    lr = s.after_epoch({c["params"]["monitor"]: v}, lr) or lr\n    out.append(lr)\nprint(json.dumps(out))`;
      const p = await python(['-c', script, JSON.stringify(c)], out);
      ok(p);
      expect(JSON.parse(p.stdout)).toEqual(trainer);
      expect(new Set(trainer).size).toBeGreaterThan(1); // the case does reduce
    }
  }, 300_000);
});
