// Inference speed of a trained MNIST CNN (examples/mnist-cnn.model.yaml), ours beside PyTorch's.
//
//   npm run bench:predict          (builds first)
//   node bench/predict.mjs [--quick] [--run RUN_DIR] [--reps N]
//
// 1. Trains the example for one epoch with the built CLI, its test split made the whole `mnist`
//    dataset (10,000 digits), so that the run has real weights and a 10,000-sample test split.
//    --run reuses such a run folder instead.
// 2. Ours: samples/s at batch 1 and 256 on the trainer's wasm backend (bench/predict-ours.ts,
//    the way `modelyaml evaluate` predicts), on every core (the threaded build, tfjs's cap of 8
//    threads) and on one thread.
// 3. PyTorch: the same model (bench/pytorch/predict_bench.py rebuilds it in torch from the run's
//    model.json and weights.bin) on the same 10,000 digits, torch.set_num_threads(cores), and 1
//    beside our one-thread figure; the ratios pair equal thread counts. Both sides write their
//    outputs for the first 256 digits: they must agree within 1e-4 (the same function), or the
//    bench fails.
//    Every side is one long-lived process; each figure is the median of --reps (7; --quick 3)
//    repetitions of about half a second, with the min and max, the sides' repetitions
//    interleaved so that a shared machine's drifting load falls on all of them alike.
// 4. `modelyaml evaluate RUN` on the 10,000-digit test split, end to end through the CLI (process
//    start to exit), on two cores (`taskset -c 0,1` where the machine has more), --reps times.
//    Goal: under 10 s.
// PyTorch: MODELYAML_BENCH_PYTHON, else /usr/bin/python3 (Debian's python3-torch), else python3.
// Results go to bench/results/predict.json.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli) || !existsSync(join(root, 'dist', 'trainer.js'))) {
  console.error('dist/cli.js or dist/trainer.js is missing: run `node esbuild.mjs` (or `npm run bench:predict`).');
  process.exit(1);
}
const flag = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined);
const quick = process.argv.includes('--quick');
const reps = Number(flag('reps') ?? (quick ? 3 : 7));
const cores = cpus().length;
/** tfjs's threaded wasm build runs at most 8 threads. */
const allThreads = Math.min(8, cores);
const CHECK = 256;
const BATCHES = [1, 256];
const TOLERANCE = 1e-4;
const EVALUATE_GOAL_S = 10;

const dir = mkdtempSync(join(tmpdir(), 'modelyaml-predict-bench-'));
const load = [loadavg()[0]];

/** The example, its test split the whole dataset, one epoch. */
function benchSpec() {
  const text = readFileSync(join(root, 'examples', 'mnist-cnn.model.yaml'), 'utf8');
  const out = text.replace(/^ {2}test: .*$/m, '  test: { source: { dataset: mnist } }').replace(/^ {2}epochs: \d+$/m, '  epochs: 1');
  if (out === text || !/test: \{ source/.test(out) || !/epochs: 1$/m.test(out)) throw new Error('examples/mnist-cnn.model.yaml changed shape: update benchSpec() in bench/predict.mjs');
  return out;
}

function trainRun() {
  const spec = join(dir, 'mnist-cnn.model.yaml');
  writeFileSync(spec, benchSpec());
  console.log('training the MNIST CNN for one epoch (test split: 10,000 digits)…');
  const r = spawnSync(process.execPath, [cli, 'train', spec, '--out', join(dir, 'runs')], { cwd: dir, encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) throw new Error(`training failed (${r.status}): ${r.stderr.slice(-500)}`);
  const runs = join(dir, 'runs', 'mnist-cnn');
  return join(runs, readdirSync(runs)[0]);
}

const runDir = flag('run') ? resolve(flag('run')) : trainRun();
const modelDir = ['checkpoints/best', 'checkpoints/last', 'model'].map((p) => join(runDir, p)).find((p) => existsSync(join(p, 'model.json')));
if (!modelDir) throw new Error(`${runDir} holds no trained model`);
const specSnapshot = join(runDir, 'spec.snapshot.yaml');
const inputs = join(dir, 'inputs.f32');

/**
 * A measuring process (ours or PyTorch's): its first JSON line says what it runs; then each
 * batch size written to its stdin is one timed repetition, answered with a JSON line.
 */
function startSide(command, args) {
  const child = spawn(command, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`${command} ${args.join(' ')} exited early (${child.exitCode})`);
    return JSON.parse(value);
  };
  return {
    ready: next(),
    rep: (batch) => (child.stdin.write(`${batch}\n`), next()),
    close: () => child.stdin.end(),
  };
}

const oursSide = (threads, extra = []) => {
  const outputs = join(dir, `ours-${threads}.f32`);
  const side = startSide(process.execPath, ['--import', 'tsx', join(root, 'bench', 'predict-ours.ts'), '--spec', specSnapshot, '--model', modelDir,
    '--threads', String(threads), '--outputs-out', outputs, '--check', String(CHECK), ...extra]);
  return { ...side, outputs };
};

function python() {
  const candidates = [process.env.MODELYAML_BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean);
  for (const py of candidates) {
    try {
      execFileSync(py, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
      return py;
    } catch {
      // The next one.
    }
  }
  return undefined;
}

const torchSide = (py, samples, threads) => {
  const outputs = join(dir, `torch-${threads}.f32`);
  const side = startSide(py, [join(root, 'bench', 'pytorch', 'predict_bench.py'), '--model', modelDir, '--inputs', inputs, '--n', String(samples),
    '--threads', String(threads), '--outputs', outputs, '--check', String(CHECK)]);
  return { ...side, outputs, python: py };
};

/** `reps` repetitions of every side at every batch size, interleaved (the order turns each round). */
async function measure(sides) {
  const rates = sides.map(() => new Map(BATCHES.map((b) => [b, []])));
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < sides.length; k++) {
      const s = (k + r) % sides.length;
      for (const b of BATCHES) rates[s].get(b).push((await sides[s].rep(b)).samplesPerSecond);
    }
  }
  for (const s of sides) s.close();
  return rates.map((m) => BATCHES.map((b) => {
    const v = [...m.get(b)].sort((x, y) => x - y);
    const median = v[Math.floor(v.length / 2)];
    return { batchSize: b, reps: v.length, samplesPerSecond: Math.round(median), min: Math.round(v[0]), max: Math.round(v.at(-1)), msPerBatch: +((1000 * b) / median).toFixed(3) };
  }));
}

const f32 = (file) => {
  const b = readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
function agreement(a, b) {
  const x = f32(a);
  const y = f32(b);
  if (x.length !== y.length) return { samples: CHECK, maxAbsDiff: Infinity, tolerance: TOLERANCE, ok: false, problem: `${x.length} vs ${y.length} output values` };
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
  return { samples: x.length / 10, maxAbsDiff: max, tolerance: TOLERANCE, ok: max <= TOLERANCE };
}

/** `modelyaml evaluate` end to end on two cores: wall seconds per repetition. */
function evaluateTimes() {
  const pin = cores > 2 && spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  const command = pin ? ['taskset', ['-c', '0,1', process.execPath, cli, 'evaluate', runDir, '--format', 'json']] : [process.execPath, [cli, 'evaluate', runDir, '--format', 'json']];
  const seconds = [];
  let n;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const r = spawnSync(command[0], command[1], { encoding: 'utf8', timeout: 300_000, maxBuffer: 256 * 2 ** 20 });
    const s = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`modelyaml evaluate failed (${r.status}): ${r.stderr.slice(-500)}`);
    n = JSON.parse(r.stdout).n;
    seconds.push(s);
  }
  return { samples: n, cores: pin ? 2 : Math.min(2, cores), pinned: pin ? 'taskset -c 0,1' : undefined, ...spread(seconds, 2), goalSeconds: EVALUATE_GOAL_S };
}

function spread(v, digits) {
  const s = [...v].sort((a, b) => a - b);
  const r = (x) => +x.toFixed(digits);
  return { reps: v.length, medianSeconds: r(s[Math.floor(s.length / 2)]), minSeconds: r(s[0]), maxSeconds: r(s.at(-1)), seconds: v.map(r) };
}

const line = (who, r) => `${who.padEnd(28)} batch ${String(r.batchSize).padEnd(4)} ${String(r.samplesPerSecond).padStart(7)} samples/s  (min ${r.min}, max ${r.max}; ${r.msPerBatch} ms/batch)`;

let out;
try {
  const allSide = oursSide(allThreads, ['--inputs-out', inputs]);
  const all = await allSide.ready;
  const oneSide = allThreads > 1 ? oursSide(1) : undefined;
  const py = python();
  // PyTorch on as many threads as ours: every core, and one thread beside our one-thread figure.
  const torchAllSide = py ? torchSide(py, all.samples, cores) : undefined;
  const torchOneSide = py && oneSide ? torchSide(py, all.samples, 1) : undefined;
  const sides = [allSide, oneSide, torchAllSide, torchOneSide].filter(Boolean);
  const meta = await Promise.all(sides.map((s) => s.ready));
  console.log(`${reps} interleaved repetitions of each side at batch ${BATCHES.join(' and ')}…`);
  const measured = await measure(sides);
  const of = (side) => (side ? { ...meta[sides.indexOf(side)], ...(side.python ? { python: side.python } : {}), results: measured[sides.indexOf(side)], outputs: side.outputs } : undefined);
  const [ours, one, torch, torchOne] = [of(allSide), of(oneSide), of(torchAllSide), of(torchOneSide)];
  const variants = [{ variant: `every core (${ours.threads} threads)`, ...ours }, ...(one ? [{ variant: 'one thread', ...one }] : [])];
  for (const v of variants) for (const r of v.results) console.log(line(`ours, ${v.variant}`, r));
  for (const t of [torch, torchOne].filter(Boolean)) for (const r of t.results) console.log(line(`PyTorch ${t.torch}, ${t.threads} thread${t.threads > 1 ? 's' : ''}`, r));
  const agree = torch ? agreement(ours.outputs, torch.outputs) : undefined;
  if (agree) console.log(`outputs of ${agree.samples} digits: max |ours − PyTorch| = ${agree.maxAbsDiff.toExponential(2)} (tolerance ${TOLERANCE})`);
  const ratios = [[ours, torch, 'every core'], [one, torchOne, 'one thread']].flatMap(([o, t, threads]) => (o && t ? o.results.map((r) => {
    const p = t.results.find((x) => x.batchSize === r.batchSize).samplesPerSecond;
    return { threads, batchSize: r.batchSize, ours: r.samplesPerSecond, pytorch: p, vsPytorch: +(r.samplesPerSecond / p).toFixed(3) };
  }) : []));
  for (const r of ratios) console.log(`${r.threads}, batch ${r.batchSize}: ${r.vsPytorch}× PyTorch`);
  console.log(`modelyaml evaluate, 10,000 digits, ${reps} times…`);
  const evaluate = evaluateTimes();
  console.log(`modelyaml evaluate (${evaluate.samples} samples, ${evaluate.cores} cores): median ${evaluate.medianSeconds} s (min ${evaluate.minSeconds}, max ${evaluate.maxSeconds}); goal < ${EVALUATE_GOAL_S} s`);
  load.push(loadavg()[0]);
  const strip = ({ outputs: _, ...r }) => r;
  out = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverage1m: { start: +load[0].toFixed(2), end: +load[1].toFixed(2) } },
    quick,
    model: { spec: 'examples/mnist-cnn.model.yaml', params: ours.params, run: flag('run') ? runDir : 'trained by the bench (1 epoch)', checkpoint: modelDir.slice(runDir.length + 1) },
    ours: variants.map(strip),
    pytorch: torch ? [torch, ...(torchOne ? [torchOne] : [])].map(strip) : { unavailable: 'no python with torch (MODELYAML_BENCH_PYTHON, /usr/bin/python3, python3); Debian: apt-get install python3-torch' },
    agreement: agree,
    ratios,
    evaluate,
  };
  if (agree && !agree.ok) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'predict.json'), JSON.stringify(out, null, 2) + '\n');
console.log('→ bench/results/predict.json');
if (process.exitCode) console.error(`ours and PyTorch disagree by ${out.agreement.maxAbsDiff} (> ${TOLERANCE}): not the same model`);
