// The PyTorch side of bench:train (bench/train.mjs runs this): one source for every ratio — the
// spec's exported PyTorch package — measured four ways on the CNN, MLP, LSTM and transformer
// examples, each for the same batches of the same prepared data:
//   - tfjs:    the embedded trainer through the trainer client (engine tfjs), as the CLI trains;
//   - engine:  the PyTorch engine through the same client (prepare, `python train.py --events`);
//   - package: the exported package as a user runs it (`python train.py`, one process, no events);
//   - ddp2:    the package as two gloo ranks on the CPU (started with torchrun's environment by
//              hand: Debian's torchrun 1.13 fails under Python 3.12), one thread each.
// Steady-state samples/s: batches after the first reported ones, from the batch events' times.
// Prints one JSON object on stdout.
//
//   node --import tsx bench/train-pytorch.ts [--quick] [--device cpu|cuda] [--python /usr/bin/python3] [--models cnn,mlp,lstm,transformer]
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PreparedEvent, TrainerEvent } from '../src/core/protocol/trainer';
import { prepare as prepareWith, python, recordedBatches, steady, type Timed } from './torchRuns';
import { findTorch } from '../src/node/pythonDiscovery';
import { startTraining } from '../src/node/trainerClient';

const root = join(__dirname, '..');
const trainerPath = join(root, 'dist', 'trainer.js');
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined);
const quick = process.argv.includes('--quick');
const THREADS = 2;
/** `cpu` (default) or `cuda`: where the package and the engine train (DDP only on the CPU). */
const DEVICE = arg('device') === 'cuda' ? 'cuda' : 'cpu';
const prepare = (spec: string, engineDevice: string, batchSize: number, out: string) => prepareWith(trainerPath, spec, engineDevice, batchSize, out);

const EXAMPLES: Record<string, { file: string; batchSize: number; batches: number }> = {
  cnn: { file: 'mnist-cnn.model.yaml', batchSize: 64, batches: quick ? 12 : 60 },
  mlp: { file: 'mlp.model.yaml', batchSize: 32, batches: quick ? 40 : 250 },
  lstm: { file: 'lstm-sentiment.model.yaml', batchSize: 32, batches: quick ? 10 : 40 },
  transformer: { file: 'transformer-text.model.yaml', batchSize: 32, batches: quick ? 10 : 40 },
};

/** One run through the trainer client (engine tfjs or pytorch): steady samples/s from its batch events. */
async function viaClient(spec: string, engine: 'tfjs' | 'pytorch', python: string, e: { batchSize: number; batches: number }, out: string) {
  const times: Timed[] = [];
  let reason = '';
  const device = engine === 'pytorch' && DEVICE === 'cpu' ? 'cpu' : 'auto';
  const handle = startTraining(spec, { trainerPath, engine, python, device, epochs: 1, batchSize: e.batchSize, maxBatchesPerEpoch: e.batches, batchEventEvery: 1, maxThreads: THREADS, out, workspace: out }, (ev: TrainerEvent) => {
    if (ev.type === 'batch') times.push({ t: performance.now(), n: ev.batch });
    if (ev.type === 'started') reason = `${ev.backend} on ${ev.device}: ${ev.reason}`;
  });
  const r = await handle.done;
  if (r.status !== 'completed') return { error: r.error?.message ?? r.status };
  return { samplesPerSecond: steady(times, e.batchSize), batchesTimed: times.length, reason };
}

const freePort = () => new Promise<number>((done) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => done(port));
  });
});

/** The exported package as a user runs it: one process (2 threads), or two gloo ranks (1 thread each). */
async function plainPackage(py: string, p: PreparedEvent, e: { batchSize: number; batches: number }, ranks: 1 | 2) {
  const out = join(p.runDir, ranks === 1 ? 'plain' : 'ddp2');
  const args = ['train.py', '--out', out, '--prepared', p.dataDir, '--init-from', p.initModel, '--epochs', '1', '--batch-size', String(e.batchSize * ranks), '--max-batches-per-epoch', String(e.batches), '--device', DEVICE, '--threads', String(THREADS / ranks)];
  if (ranks === 1) {
    const r = await python(py, args, p.packageDir);
    if (r.code !== 0) return { error: r.err.trim().split('\n').pop() };
    return { samplesPerSecond: steady(recordedBatches(out), e.batchSize) };
  }
  const port = String(await freePort());
  const rs = await Promise.all([0, 1].map((rank) => python(py, args, p.packageDir, { RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: '2', LOCAL_WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port })));
  const bad = rs.find((r) => r.code !== 0);
  if (bad) return { error: bad.err.trim().split('\n').pop() };
  return { samplesPerSecond: steady(recordedBatches(out), e.batchSize * 2), globalBatch: e.batchSize * 2 };
}

async function main() {
  const explicit = arg('python');
  const { found, tried } = await findTorch({ explicit, environment: process.env });
  if (!found) return { unavailable: `no python with torch (${tried.join('; ') || 'none found'}); Debian: apt-get install python3-torch` };
  const py = found.python;
  if (DEVICE === 'cuda' && !found.probe.cuda) return { unavailable: `torch ${found.probe.torch} at ${py} has no CUDA` };
  const models = (arg('models') ?? Object.keys(EXAMPLES).join(',')).split(',');
  const work = mkdtempSync(join(tmpdir(), 'modelyaml-train-pytorch-'));
  cpSync(join(root, 'examples'), work, { recursive: true });
  const results: Record<string, unknown>[] = [];
  try {
    for (const model of models) {
      const e = EXAMPLES[model];
      const spec = join(work, e.file);
      const row: Record<string, unknown> = { model, example: `examples/${e.file}`, batchSize: e.batchSize, batches: e.batches };
      const p = await prepare(spec, DEVICE, e.batchSize, join(work, 'runs'));
      if ('error' in p) {
        row.refused = p.error;
        row.tfjs = await viaClient(spec, 'tfjs', py, e, join(work, 'runs'));
        results.push(row);
        continue;
      }
      row.package = await plainPackage(py, p, e, 1);
      if (DEVICE === 'cpu') row.ddp2 = await plainPackage(py, p, e, 2);
      rmSync(p.runDir, { recursive: true, force: true });
      row.engine = await viaClient(spec, 'pytorch', py, e, join(work, 'runs'));
      row.tfjs = await viaClient(spec, 'tfjs', py, e, join(work, 'runs'));
      const rate = (k: string) => (row[k] as { samplesPerSecond?: number } | undefined)?.samplesPerSecond;
      const pkg = rate('package');
      if (pkg) {
        row.engineVsPackage = rate('engine') && +(rate('engine')! / pkg).toFixed(3);
        row.tfjsVsPackage = rate('tfjs') && +(rate('tfjs')! / pkg).toFixed(3);
        row.ddp2VsPackage = rate('ddp2') && +(rate('ddp2')! / pkg).toFixed(3);
      }
      results.push(row);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { python: py, torch: found.probe.torch, device: DEVICE === 'cuda' ? found.probe.cudaDevice : 'cpu', threads: THREADS, quick, results };
}

if (!existsSync(trainerPath)) {
  console.error('dist/trainer.js is missing: run `node esbuild.mjs`.');
  process.exit(1);
}
void main().then((r) => console.log(JSON.stringify(r)));
