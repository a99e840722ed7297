// Our search samplers beside Optuna's (issue 21 item 6): TPE and random search on standard test
// functions, many seeds, the same budget each.
//
//   npm run bench:search
//   node bench/search.mjs [--seeds N] [--trials N]
//
// Problems: Branin (2-D, min 0.397887), Hartmann-6 (6-D, min −3.322368) and a noisy quadratic
// over a mixed space like a network's (a uniform, a loguniform learning rate, a stepped int width
// and a choice of activation; Gaussian noise σ 0.1 on what the sampler sees, min 0). For each
// problem × sampler × seed (default 30 seeds, 60 trials), the incumbent is the trial with the best
// observed value so far, and its regret is its true (noiseless) value minus the optimum.
// Ours: src/core/search (bundled with esbuild) in this Node process. Optuna: bench/search_optuna.py
// in MODELYAML_BENCH_PYTHON, else /usr/bin/python3 (Debian's python3-optuna), one process per
// problem, two at a time, beside ours. Reported per sampler: the median final best value with its quartiles, and the median
// regret curve (with quartiles) over trials. Goal: our TPE's median within Optuna TPE's
// quartiles, and both TPEs' medians below both random searches'.
// Results go to bench/results/search.json.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const flag = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined);
const SEEDS = Array.from({ length: Number(flag('seeds') ?? 30) }, (_, i) => i);
const TRIALS = Number(flag('trials') ?? 60);
const SAMPLERS = ['tpe', 'random'];
const load = [loadavg()[0]];

const bundle = join(root, 'bench', 'results', 'search-bundle.cjs');
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
await build({ entryPoints: [join(root, 'src', 'core', 'search', 'index.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'warning' });
const { createSampler, createRng } = createRequire(import.meta.url)(bundle);

// The objectives; bench/search_optuna.py has the same (keep the two in step).
const HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2];
const HARTMANN_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]];
const HARTMANN_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]];
const uniform = (path, low, high) => ({ path, dist: { kind: 'uniform', low, high } });

const PROBLEMS = [
  {
    name: 'branin',
    optimum: 0.397887357729738,
    noise: 0,
    space: [uniform('x1', -5, 10), uniform('x2', 0, 15)],
    f: ({ x1, x2 }) => {
      const [b, c, t] = [5.1 / (4 * Math.PI ** 2), 5 / Math.PI, 1 / (8 * Math.PI)];
      return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
    },
  },
  {
    name: 'hartmann6',
    optimum: -3.32236801141551,
    noise: 0,
    space: [1, 2, 3, 4, 5, 6].map((j) => uniform(`x${j}`, 0, 1)),
    f: (p) => {
      const x = [1, 2, 3, 4, 5, 6].map((j) => p[`x${j}`]);
      return -HARTMANN_ALPHA.reduce((s, a, i) => s + a * Math.exp(-x.reduce((e, xj, j) => e + HARTMANN_A[i][j] * (xj - HARTMANN_P[i][j] * 1e-4) ** 2, 0)), 0);
    },
  },
  {
    name: 'noisy-quadratic',
    optimum: 0,
    noise: 0.1,
    space: [
      uniform('x', -5, 5),
      { path: 'lr', dist: { kind: 'loguniform', low: 1e-5, high: 1e-1 } },
      { path: 'units', dist: { kind: 'int', low: 16, high: 512, step: 16 } },
      { path: 'act', dist: { kind: 'choice', values: ['relu', 'tanh', 'gelu'] } },
    ],
    f: (p) => (p.x - 1) ** 2 / 4 + (Math.log10(p.lr) + 3) ** 2 / 4 + ((p.units - 128) / 128) ** 2 + (p.act === 'gelu' ? 0 : 0.5),
  },
];

/** Gaussian noise, seeded apart from the samplers (Box–Muller on our generator). */
function gaussian(rng) {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

function runOurs(problem, samplerName, seed) {
  const settings = { metric: 'value', goal: 'minimize', trials: TRIALS, parallel: 1, sampler: samplerName, pruner: { kind: 'none' }, seed, space: problem.space };
  const sampler = createSampler(settings);
  const noise = createRng(10_000 + seed, 0);
  const history = [];
  const observed = [];
  const truth = [];
  for (let n = 0; n < TRIALS; n++) {
    const params = sampler.sample({ settings, history, trialNumber: n, rng: createRng(seed, n) });
    const value = problem.f(params);
    const seen = value + (problem.noise ? problem.noise * gaussian(noise) : 0);
    history.push({ number: n, params, state: 'complete', intermediate: [seen], value: seen });
    observed.push(seen);
    truth.push(value);
  }
  return { observed, true: truth };
}

/** One Python process per problem, two at a time (Optuna's TPE is the slow side), the longest first. */
async function runOptuna() {
  const candidates = [process.env.MODELYAML_BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean);
  const python = candidates.find((p) => spawnSync(p, ['-c', 'import optuna'], { stdio: 'ignore' }).status === 0);
  if (!python) return { unavailable: 'no python with optuna (MODELYAML_BENCH_PYTHON, /usr/bin/python3, python3); Debian: apt-get install python3-optuna' };
  const one = (problem) =>
    new Promise((resolve, reject) => {
      const child = spawn(python, [join(root, 'bench', 'search_optuna.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`bench/search_optuna.py exited ${code} on ${problem.name}`))));
      child.stdin.end(JSON.stringify({ problems: [{ name: problem.name, space: problem.space, noise: problem.noise }], seeds: SEEDS, trials: TRIALS, samplers: SAMPLERS }));
    });
  const queue = [...PROBLEMS].sort((a, b) => b.space.length - a.space.length);
  const results = [];
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) results.push(await one(p));
  };
  await Promise.all([worker(), worker()]);
  return { python, optuna: results[0].optuna, runs: Object.assign({}, ...results.map((r) => r.runs)) };
}

const quantile = (sorted, q) => {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo] + (sorted[Math.ceil(pos)] - sorted[lo]) * (pos - lo);
};
const round = (x) => Number(x.toPrecision(4));

/** The incumbent's regret after each trial: the true value of the best observed so far, minus the optimum. */
function regretCurve(run, optimum) {
  let best = Infinity;
  let incumbent = NaN;
  return run.observed.map((seen, i) => {
    if (seen < best) [best, incumbent] = [seen, run.true[i]];
    return incumbent - optimum;
  });
}

function summarise(runs, optimum) {
  const curves = runs.map((r) => regretCurve(r, optimum));
  const at = (i) => curves.map((c) => c[i]).sort((a, b) => a - b);
  const final = at(TRIALS - 1).map((r) => r + optimum);
  return {
    seeds: runs.length,
    medianBest: round(quantile(final, 0.5)),
    q1: round(quantile(final, 0.25)),
    q3: round(quantile(final, 0.75)),
    regret: {
      median: curves[0].map((_, i) => round(quantile(at(i), 0.5))),
      q1: curves[0].map((_, i) => round(quantile(at(i), 0.25))),
      q3: curves[0].map((_, i) => round(quantile(at(i), 0.75))),
    },
  };
}

const started = Date.now();
const optunaPromise = runOptuna();
const ours = {};
for (const problem of PROBLEMS) {
  ours[problem.name] = {};
  for (const s of SAMPLERS) ours[problem.name][s] = summarise(SEEDS.map((seed) => runOurs(problem, s, seed)), problem.optimum);
}
const oursSeconds = (Date.now() - started) / 1000;
const optuna = await optunaPromise;
const optunaSeconds = (Date.now() - started) / 1000;
load.push(loadavg()[0]);

const results = PROBLEMS.map((problem) => {
  const sides = { 'ours tpe': ours[problem.name].tpe, 'ours random': ours[problem.name].random };
  if (optuna.runs) for (const s of SAMPLERS) sides[`optuna ${s}`] = summarise(optuna.runs[problem.name][s], problem.optimum);
  const a = sides['ours tpe'];
  const o = sides['optuna tpe'];
  const randomBest = Math.min(...['ours random', 'optuna random'].filter((k) => sides[k]).map((k) => sides[k].medianBest));
  const verdict = o
    ? { withinOptunaSpread: a.medianBest >= o.q1 && a.medianBest <= o.q3, bothAheadOfRandom: a.medianBest < randomBest && o.medianBest < randomBest }
    : undefined;
  return { problem: problem.name, optimum: problem.optimum, noise: problem.noise, dimensions: problem.space.length, samplers: sides, verdict };
});

const cell = (x, w) => String(x).padStart(w);
console.log(`\n${SEEDS.length} seeds × ${TRIALS} trials; best value (median [q1, q3]) and median regret after 20 / 40 / ${TRIALS} trials`);
console.log(`${'problem'.padEnd(16)}${'sampler'.padEnd(15)}${cell('median', 10)}${cell('q1', 10)}${cell('q3', 10)}${cell('r@20', 10)}${cell('r@40', 10)}${cell(`r@${TRIALS}`, 10)}`);
for (const r of results) {
  for (const [name, s] of Object.entries(r.samplers)) {
    const m = s.regret.median;
    console.log(`${r.problem.padEnd(16)}${name.padEnd(15)}${cell(s.medianBest, 10)}${cell(s.q1, 10)}${cell(s.q3, 10)}${cell(m[19], 10)}${cell(m[39], 10)}${cell(m[TRIALS - 1], 10)}`);
  }
  if (r.verdict) console.log(`${''.padEnd(16)}ours within Optuna TPE's quartiles: ${r.verdict.withinOptunaSpread ? 'yes' : 'NO'}; both TPEs ahead of random: ${r.verdict.bothAheadOfRandom ? 'yes' : 'NO'}`);
}
if (!optuna.runs) console.log(`Optuna: ${optuna.unavailable}`);
console.log(`ours: ${oursSeconds.toFixed(1)} s; Optuna (in parallel): ${optunaSeconds.toFixed(1)} s`);

const out = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverage1m: { start: +load[0].toFixed(2), end: +load[1].toFixed(2) } },
  seeds: SEEDS.length,
  trials: TRIALS,
  optuna: optuna.runs ? { version: optuna.optuna, python: optuna.python } : optuna,
  seconds: { ours: oursSeconds, optuna: optunaSeconds },
  results,
};
writeFileSync(join(root, 'bench', 'results', 'search.json'), JSON.stringify(out, null, 2) + '\n');
console.log('→ bench/results/search.json');
if (results.some((r) => r.verdict && !(r.verdict.withinOptunaSpread && r.verdict.bothAheadOfRandom))) process.exitCode = 1;
if (!existsSync(bundle)) process.exitCode = 1;
