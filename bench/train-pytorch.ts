// The PyTorch side of bench:train (bench/train.mjs runs this): one source for every ratio — the
// spec's exported PyTorch package — measured up to four ways on the CNN, MLP, LSTM and transformer
// examples, each for the same batches of the same prepared data:
//   - package: the exported package as a user runs it (`python train.py`, one process, no events);
//   - engine:  the PyTorch engine through the trainer client (prepare, `python train.py --events`,
//              with the engine's default event cadence), as the CLI trains;
//   - ddp2:    the package as two gloo ranks on the CPU (started with torchrun's environment by
//              hand: Debian's torchrun 1.13 fails under Python 3.12), one thread each;
//   - tfjs:    the embedded trainer through the same client (engine tfjs).
// Timing is the same for the package, the engine and DDP: train.py's --step-times (here through
// MODELYAML_STEP_TIMES) records, inside Python, the perf_counter time at the end of every step
// (events included); samples/s = the samples of the steps after the first fifth (warm-up) over
// the time between consecutive steps of one epoch (the epoch ends' validation and checkpoint are
// left out, alike on both sides). The embedded trainer is timed the same way from its per-batch
// events' own timestamps. Each side runs --runs times (default 3), interleaved: round r runs the
// sides in turn, the order reversed every other round (package, engine, engine, package, …), so
// a slow spell of the shared machine falls on both. Reported per side: the median run, the lowest
// and highest, the 1-minute load average before each run; per ratio: the ratio of medians and the
// lowest–median–highest of the per-round ratios. Prints one JSON object on stdout.
//
//   node --import tsx bench/train-pytorch.ts [--quick] [--runs 3] [--threads N] [--sides package,engine,ddp2,tfjs]
//       [--device cpu|cuda] [--python /usr/bin/python3] [--models cnn,mlp,lstm,transformer]
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PreparedEvent, TrainerEvent } from '../src/core/protocol/trainer';
import { prepare as prepareWith, python } from './torchRuns';
import { findTorch } from '../src/node/pythonDiscovery';
import { startTraining } from '../src/node/trainerClient';

const root = join(__dirname, '..');
const trainerPath = join(root, 'dist', 'trainer.js');
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined);
const quick = process.argv.includes('--quick');
/**
 * torch's threads for one process, through OMP_NUM_THREADS (torch's default for both the package and the
 * engine); two DDP ranks get half each. Not given: torch's own default (one per physical core; these
 * 2-vCPU machines are one core's two hyperthreads, where a second OpenMP thread makes the small
 * examples 2-3x slower and very uneven), and one per DDP rank, as torchrun sets.
 */
const THREADS = arg('threads') ? Math.max(1, Number(arg('threads'))) : undefined;
const ompThreads = (ranks: number): Record<string, string> => (THREADS ? { OMP_NUM_THREADS: String(Math.max(1, Math.floor(THREADS / ranks))) } : ranks > 1 ? { OMP_NUM_THREADS: '1' } : {});
/** `cpu` (default) or `cuda`: where the package and the engine train (DDP only on the CPU). */
const DEVICE = arg('device') === 'cuda' ? 'cuda' : 'cpu';
/** The trainer's `prepare`: the run's prepared splits, initial model and the package (or the refusal). */
const prepare = (spec: string, batchSize: number, out: string) => prepareWith(trainerPath, spec, DEVICE, batchSize, out);
const RUNS = Math.max(1, Number(arg('runs') ?? (quick ? 1 : 3)));
const SIDES = ['package', 'engine', 'ddp2', 'tfjs'] as const;
type Side = (typeof SIDES)[number];
const sides = (arg('sides') ?? SIDES.join(',')).split(',').filter((s): s is Side => (SIDES as readonly string[]).includes(s)).filter((s) => s !== 'ddp2' || DEVICE === 'cpu');

// A few seconds of steps per run on PyTorch's side: a run of one second (the transformer's 45 steps of
// 8 ms) swings with any hiccup of the machine.
/** steps: the steps timed per run (over as many epochs as that takes; each epoch at most `batches`). */
const EXAMPLES: Record<string, { file: string; batchSize: number; batches: number; steps: number }> = {
  cnn: { file: 'mnist-cnn.model.yaml', batchSize: 64, batches: 60, steps: quick ? 12 : 120 },
  mlp: { file: 'mlp.model.yaml', batchSize: 32, batches: 250, steps: quick ? 40 : 1500 },
  lstm: { file: 'lstm-sentiment.model.yaml', batchSize: 32, batches: 40, steps: quick ? 10 : 60 },
  transformer: { file: 'transformer-text.model.yaml', batchSize: 32, batches: 40, steps: quick ? 10 : 450 },
};
type Example = (typeof EXAMPLES)[string] & { epochs: number };

/** One step: its epoch, when it ended (seconds, one clock per run) and its samples. */
type Step = [epoch: number, t: number, samples: number];
type Run = { samplesPerSecond?: number; stepsTimed?: number; threads?: number; load1: number; error?: string };

/** Samples/s of the steps after the first fifth, over the time between consecutive steps of one epoch. */
function steady(steps: Step[]): { samplesPerSecond?: number; stepsTimed: number } {
  const from = Math.max(2, Math.floor(steps.length / 5));
  let time = 0;
  let samples = 0;
  let timed = 0;
  for (let i = from + 1; i < steps.length; i++) {
    if (steps[i][0] !== steps[i - 1][0]) continue;
    time += steps[i][1] - steps[i - 1][1];
    samples += steps[i][2];
    timed++;
  }
  return { samplesPerSecond: time > 0 ? +(samples / time).toPrecision(4) : undefined, stepsTimed: timed };
}

const readSteps = (file: string): Step[] => (JSON.parse(readFileSync(file, 'utf8')) as { steps: Step[] }).steps;
const load1 = () => +loadavg()[0].toFixed(2);
/** torch's CPU threads, as the run recorded them. */
const threadsOf = (runDir: string | undefined) => (runDir && existsSync(join(runDir, 'run.json')) ? (JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { threads?: number }).threads : undefined);

/** The PyTorch engine through the trainer client, as the CLI trains (its default event cadence). */
async function engineRun(spec: string, py: string, e: Example, out: string, timesFile: string): Promise<Run> {
  const load = load1();
  const device = DEVICE === 'cpu' ? 'cpu' : 'auto';
  const handle = startTraining(spec, { trainerPath, engine: 'pytorch', python: py, device, epochs: e.epochs, batchSize: e.batchSize, maxBatchesPerEpoch: e.batches, out, workspace: out, env: { MODELYAML_STEP_TIMES: timesFile, ...ompThreads(1) } }, () => undefined);
  const r = await handle.done;
  if (r.status !== 'completed') return { error: r.error?.message ?? r.status, load1: load };
  return { ...steady(readSteps(timesFile)), threads: threadsOf(r.runDir), load1: load };
}

/** The embedded trainer: its batch events (one per batch) carry the trainer's own timestamps. */
async function tfjsRun(spec: string, e: Example, out: string): Promise<Run> {
  const load = load1();
  const steps: Step[] = [];
  const handle = startTraining(spec, { trainerPath, engine: 'tfjs', epochs: e.epochs, batchSize: e.batchSize, maxBatchesPerEpoch: e.batches, batchEventEvery: 1, maxThreads: THREADS, out, workspace: out }, (ev: TrainerEvent) => {
    if (ev.type === 'batch') steps.push([ev.epoch, ev.time / 1000, e.batchSize]);
  });
  const r = await handle.done;
  if (r.status !== 'completed') return { error: r.error?.message ?? r.status, load1: load };
  return { ...steady(steps), load1: load };
}

const freePort = () => new Promise<number>((done) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => done(port));
  });
});

/** The exported package as a user runs it: one process (2 threads), or two gloo ranks (1 thread each). */
async function packageRun(py: string, p: PreparedEvent, e: Example, ranks: 1 | 2, out: string, timesFile: string): Promise<Run> {
  const load = load1();
  const args = ['train.py', '--out', out, '--prepared', p.dataDir, '--init-from', p.initModel, '--epochs', String(e.epochs), '--batch-size', String(e.batchSize * ranks), '--max-batches-per-epoch', String(e.batches), '--device', DEVICE];
  const env = { MODELYAML_STEP_TIMES: timesFile, ...ompThreads(ranks) };
  if (ranks === 1) {
    const r = await python(py, args, p.packageDir, env);
    if (r.code !== 0) return { error: r.err.trim().split('\n').pop(), load1: load };
    return { ...steady(readSteps(timesFile)), threads: threadsOf(out), load1: load };
  }
  const port = String(await freePort());
  const rs = await Promise.all([0, 1].map((rank) => python(py, args, p.packageDir, { ...env, RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: '2', LOCAL_WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port })));
  const bad = rs.find((r) => r.code !== 0);
  if (bad) return { error: bad.err.trim().split('\n').pop(), load1: load };
  return { ...steady(readSteps(timesFile)), threads: threadsOf(out), load1: load };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r3 = (x: number) => +x.toFixed(3);

/** A side's runs: the median and the spread, each run's rate and load. */
function summary(runs: Run[]) {
  const rates = runs.map((r) => r.samplesPerSecond).filter((x): x is number => x !== undefined);
  const errors = runs.map((r) => r.error).filter(Boolean);
  return {
    samplesPerSecond: rates.length ? +median(rates).toPrecision(4) : undefined,
    min: rates.length ? Math.min(...rates) : undefined,
    max: rates.length ? Math.max(...rates) : undefined,
    runs: runs.map((r) => r.samplesPerSecond ?? null),
    stepsTimed: runs[0]?.stepsTimed,
    threads: runs[0]?.threads,
    load1: runs.map((r) => r.load1),
    ...(errors.length ? { errors } : {}),
  };
}

/** side ÷ package: the ratio of the medians, and the lowest, median and highest per-round ratio. */
function ratio(side: Run[], pkg: Run[]) {
  const paired = side.map((r, i) => (r.samplesPerSecond && pkg[i]?.samplesPerSecond ? r.samplesPerSecond / pkg[i].samplesPerSecond! : undefined)).filter((x): x is number => x !== undefined);
  const a = summary(side).samplesPerSecond;
  const b = summary(pkg).samplesPerSecond;
  if (!a || !b || !paired.length) return undefined;
  return { ofMedians: r3(a / b), perRound: { median: r3(median(paired)), min: r3(Math.min(...paired)), max: r3(Math.max(...paired)) } };
}

/** One example: prepared once for the package runs, then RUNS interleaved rounds of every side. */
async function benchModel(model: string, work: string, py: string): Promise<Record<string, unknown>> {
  const base = EXAMPLES[model];
  const spec = join(work, base.file);
  const row: Record<string, unknown> = { model, example: `examples/${base.file}`, batchSize: base.batchSize };
  const p = await prepare(spec, base.batchSize, join(work, 'runs'));
  if ('error' in p) {
    row.refused = p.error;
    return row;
  }
  const perEpoch = Math.min(Math.ceil(p.samples.train / base.batchSize), base.batches);
  const e: Example = { ...base, batches: perEpoch, epochs: Math.ceil(base.steps / perEpoch) };
  Object.assign(row, { batchesPerEpoch: perEpoch, epochs: e.epochs });
  const runs: Record<Side, Run[]> = { package: [], engine: [], ddp2: [], tfjs: [] };
  for (let round = 0; round < RUNS; round++) {
    const order = round % 2 ? [...sides].reverse() : sides;
    for (const side of order) {
      const times = join(work, `${model}-${side}-${round}.steps.json`);
      const out = join(p.runDir, `${side}-${round}`);
      if (side === 'package') runs.package.push(await packageRun(py, p, e, 1, out, times));
      if (side === 'ddp2') runs.ddp2.push(await packageRun(py, p, e, 2, out, times));
      if (side === 'engine') runs.engine.push(await engineRun(spec, py, e, join(work, 'runs'), times));
      if (side === 'tfjs') runs.tfjs.push(await tfjsRun(spec, e, join(work, 'runs')));
      // Progress on stderr: a long bench on a busy machine shows what it has so far.
      console.error(JSON.stringify({ model, side, round, ...runs[side][runs[side].length - 1] }));
    }
  }
  for (const side of sides) row[side] = summary(runs[side]);
  if (sides.includes('package')) {
    for (const side of sides.filter((s) => s !== 'package')) row[`${side}VsPackage`] = ratio(runs[side], runs.package);
  }
  return row;
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
  const loadStart = loadavg().map((x) => +x.toFixed(2));
  try {
    for (const model of models) results.push(await benchModel(model, work, py));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return {
    python: py, torch: found.probe.torch, device: DEVICE === 'cuda' ? found.probe.cudaDevice : 'cpu', threads: THREADS ?? "torch's default", quick, runs: RUNS, sides,
    loadavg: { start: loadStart, end: loadavg().map((x) => +x.toFixed(2)) },
    results,
  };
}

if (!existsSync(trainerPath)) {
  console.error('dist/trainer.js is missing: run `node esbuild.mjs`.');
  process.exit(1);
}
void main().then((r) => console.log(JSON.stringify(r)));
