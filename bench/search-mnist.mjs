// The MNIST MLP search: TPE + ASHA pruning against random search without pruning, same budget
// of trials, same seed, through the built CLI (`modelyaml search --format json`), the way a user
// runs it. For each: the total epochs trained, the best validation loss, the wall time, and for
// TPE + ASHA the epochs it had run (journal order) when it first reached random's best.
// The claim tested (issue 21, item 6): TPE + ASHA reaches random search's best validation loss
// with at most a third of random search's epochs.
//
//   npm run bench:search-mnist                 (builds first; 24 trials each)
//   node bench/search-mnist.mjs [--trials=24] [--parallel=2] [--epochs=5] [--seed=3]
//
// The spec is examples/mlp.model.yaml (784 → 128 → dropout → 10, SGD) with a `search:` section
// over the learning rate, the hidden width and the batch size. Results: bench/results/search-mnist.json.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('dist/cli.js is missing: run `node esbuild.mjs` (or `npm run bench:search-mnist`).');
  process.exit(1);
}
const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const trials = arg('trials', 24);
const parallel = arg('parallel', 2);
const epochs = arg('epochs', 5);
const seed = arg('seed', 3);

const example = readFileSync(join(root, 'examples', 'mlp.model.yaml'), 'utf8').replace(/epochs: \d+/, `epochs: ${epochs}`);
const spec = (sampler, pruner) => `${example.trimEnd()}

search:
  metric: val_loss
  trials: ${trials}
  parallel: ${parallel}
  sampler: ${sampler}
  pruner: ${pruner}
  seed: ${seed}
  space:
    train.optimizer.sgd.learning_rate: { loguniform: [1.0e-3, 0.5] }
    model.layers[0].dense.units: { choice: [32, 64, 128, 256] }
    train.batch_size: { choice: [32, 64, 128] }
`;

/** Runs one search in its own workspace; resolves with the CLI's JSON summary, the journal and the wall time. */
function search(label, sampler, pruner) {
  const ws = mkdtempSync(join(tmpdir(), `modelyaml-search-bench-${label}-`));
  const file = join(ws, 'mlp.model.yaml');
  writeFileSync(file, spec(sampler, pruner));
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, 'search', file, '--format', 'json'], { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (err += b));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`${label}: the search exited with ${code}\n${err.slice(-2000)}`));
      const summary = JSON.parse(out);
      const journal = readFileSync(summary.journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      resolve({ label, summary, journal, seconds });
    });
  });
}

/** Epoch events in journal order until the first value at or below `target`: how many epochs that took (undefined: never). */
function epochsToReach(journal, target) {
  let n = 0;
  for (const e of journal) {
    if (e.type !== 'epoch') continue;
    n++;
    if (e.value !== null && e.value <= target) return n;
  }
  return undefined;
}

const figures = (r) => {
  const ts = r.summary.trials;
  return {
    label: r.label,
    seconds: Math.round(r.seconds),
    totalEpochs: ts.reduce((s, t) => s + t.epochs, 0),
    bestValLoss: r.summary.best?.value ?? null,
    bestParams: r.summary.best?.params ?? null,
    states: Object.fromEntries(['complete', 'pruned', 'failed'].map((s) => [s, ts.filter((t) => t.state === s).length])),
  };
};

console.log(`MNIST MLP search: ${trials} trials, ${epochs} epochs each at most, parallel ${parallel}, seed ${seed}; ${cpus()[0]?.model ?? '?'} × ${availableParallelism()}`);
const tpe = await search('tpe-asha', 'tpe', '{ asha: { min_epochs: 1, reduction: 3 } }');
const random = await search('random', 'random', 'none');
const a = figures(tpe);
const b = figures(random);
const reach = b.bestValLoss === null ? undefined : epochsToReach(tpe.journal, b.bestValLoss);
const claim = reach !== undefined && reach <= b.totalEpochs / 3;
for (const f of [a, b]) {
  console.log(`${f.label.padEnd(9)} ${String(f.totalEpochs).padStart(4)} epochs  best val_loss ${f.bestValLoss?.toFixed(4) ?? '—'}  ${f.states.complete} complete, ${f.states.pruned} pruned, ${f.states.failed} failed  ${f.seconds} s`);
}
console.log(`TPE + ASHA reached random's best (${b.bestValLoss?.toFixed(4)}) ${reach === undefined ? 'never' : `after ${reach} epochs`}; a third of random's epochs is ${(b.totalEpochs / 3).toFixed(1)}: claim ${claim ? 'holds' : 'does not hold'} here.`);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const result = { trials, epochs, parallel, seed, cpu: cpus()[0]?.model, cores: availableParallelism(), tpeAsha: a, random: b, tpeEpochsToRandomBest: reach ?? null, claimHolds: claim };
writeFileSync(join(root, 'bench', 'results', 'search-mnist.json'), JSON.stringify(result, null, 2) + '\n');
