// bench:finetune — fine-tuning a bert-tiny-sized encoder (hidden 128, 2 layers, 2 heads,
// intermediate 512, vocabulary 30,522: 4.4M parameters; random weights, written here as a Hugging
// Face folder with a seeded generator) into a sentiment head: `wordpiece` (max_length 64) → `bert`
// (pooling cls) → dense, batch 16, on the templated reviews of examples/data/reviews.jsonl.
// Three ways, on the same prepared data, each fully trainable and with the encoder frozen
// (`trainable: false`), interleaved, ROUNDS rounds:
//   - tfjs:    the embedded trainer through the trainer client (as the CLI trains);
//   - engine:  the PyTorch engine through the same client (prepare, `python train.py --events`);
//   - package: the spec's exported package run directly (`python train.py --prepared`), plain PyTorch.
// Steady samples/s from the batch times (after the first quarter); peak memory as the kernel's
// VmHWM (peak resident set) of each process, sampled every 100 ms from /proc/<pid>/status.
// Writes bench/results/finetune.json and prints it.
//
//   node --import tsx bench/finetune.ts [--rounds 3] [--batches 24] [--threads N] [--ways tfjs,engine,package] [--python /usr/bin/python3]
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainerEvent } from '../src/core/protocol/trainer';
import { bertParamCount, bertWeightShapes, parseBertConfig, type BertConfig } from '../src/core/weights/bertConfig';
import { writeSafeTensors, type Tensor32 } from '../src/core/weights/safetensors';
import { findTorch } from '../src/node/pythonDiscovery';
import { startTraining } from '../src/node/trainerClient';
import { mulberry32 } from '../src/trainer/util';
import { prepare, python, recordedBatches, steady, type Timed } from './torchRuns';

const root = join(__dirname, '..');
const trainerPath = join(root, 'dist', 'trainer.js');
const arg = (name: string) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined);
const ROUNDS = Number(arg('rounds') ?? 3);
/** torch's threads (OMP_NUM_THREADS for the engine and the package) and the embedded trainer's cap; not given: each one's default (torch: one per physical core). */
const THREADS = arg('threads') ? Math.max(1, Number(arg('threads'))) : undefined;
const torchThreads: Record<string, string> = THREADS ? { OMP_NUM_THREADS: String(THREADS) } : {};
const BATCH = 16;
const MAX_LENGTH = 64;
/** Batches per run (steady rate over the last three quarters). */
const BATCHES = Number(arg('batches') ?? 24);

const CONFIG = {
  architectures: ['BertModel'], model_type: 'bert', vocab_size: 30522, hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 2,
  intermediate_size: 512, hidden_act: 'gelu', max_position_embeddings: 512, type_vocab_size: 2, layer_norm_eps: 1e-12, pad_token_id: 0,
  hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1, position_embedding_type: 'absolute',
};

/** A Hugging Face folder: config.json, a vocab.txt laid out as BERT's ([PAD] 0, [UNK] 100, [CLS] 101…), random model.safetensors. */
function bertFolder(dir: string, texts: string[]): BertConfig {
  const config = parseBertConfig(CONFIG);
  if ('error' in config) throw new Error(config.error.message);
  const words = new Set<string>();
  for (const t of texts) for (const w of t.toLowerCase().match(/\w+|[^\w\s]/g) ?? []) words.add(w);
  const vocab = ['[PAD]', ...Array.from({ length: 99 }, (_, i) => `[unused${i}]`), '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...[...words].sort()];
  for (let i = 99; vocab.length < CONFIG.vocab_size; i++) vocab.push(`[unused${i}]`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vocab.txt'), vocab.join('\n') + '\n');
  writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG, null, 2));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true, model_max_length: 512 }));
  // N(0, 0.02²) matrices (BERT's initializer range), LayerNorm weights 1, biases 0; Box-Muller over mulberry32.
  const rng = mulberry32(20);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const tensors = new Map<string, Tensor32>();
  for (const [name, shape] of bertWeightShapes(config, true)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    if (/LayerNorm\.weight$/.test(name)) values.fill(1);
    else if (shape.length > 1) for (let i = 0; i < n; i++) values[i] = 0.02 * normal();
    tensors.set(name, { shape, values });
  }
  writeFileSync(join(dir, 'model.safetensors'), writeSafeTensors(tensors));
  return config;
}

const spec = (frozen: boolean) => `version: 1
name: bert-tiny-sentiment${frozen ? '-frozen' : ''}
seed: 7
data:
  source:
    jsonl: { path: reviews.jsonl, text: text, label: positive, label_type: binary }
  pipeline:
    - wordpiece: { from: bert-tiny, max_length: ${MAX_LENGTH} }
model:
  input: [${MAX_LENGTH}]
  layers:
    - bert: { from: bert-tiny, pooling: cls${frozen ? ', trainable: false' : ''} }
    - dense: { units: 1, activation: sigmoid }
train:
  loss: binary_crossentropy
  optimizer: { adam: { learning_rate: 0.0001 } }
  epochs: 1
  batch_size: ${BATCH}
`;

/** The peak resident set (VmHWM, MB) of each process sampled, while `pids()` names them. */
function memorySampler(pids: () => (number | undefined)[]) {
  const peaks = new Map<number, { comm: string; mb: number }>();
  const sample = () => {
    for (const pid of pids()) {
      if (pid === undefined) continue;
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        const comm = /Name:\s+(\S+)/.exec(status)?.[1] ?? '?';
        peaks.set(pid, { comm, mb: Math.max(peaks.get(pid)?.mb ?? 0, Math.round(kb / 1024)) });
      } catch {
        // Exited between samples: its last sample stands.
      }
    }
  };
  const timer = setInterval(sample, 100);
  return { stop: () => (clearInterval(timer), [...peaks.values()]) };
}

/** One run through the trainer client: samples/s from its batch events, the peak memory of its processes. */
async function viaClient(file: string, engine: 'tfjs' | 'pytorch', py: string, out: string) {
  const times: Timed[] = [];
  const seen = new Set<number>();
  const handle = startTraining(file, { trainerPath, engine, python: py, device: 'cpu', epochs: 1, batchSize: BATCH, maxBatchesPerEpoch: BATCHES, batchEventEvery: 1, maxThreads: THREADS, out, workspace: out, env: torchThreads }, (ev: TrainerEvent) => {
    if (ev.type === 'batch') times.push({ t: performance.now(), n: ev.batch });
  });
  // handle.pid is the trainer, then (engine) its Python: both stay sampled while alive.
  const memory = memorySampler(() => (handle.pid !== undefined && seen.add(handle.pid), [...seen]));
  const r = await handle.done;
  const peaks = memory.stop();
  if (r.status !== 'completed') return { error: r.error?.message ?? r.status };
  return { samplesPerSecond: steady(times, BATCH), peakRssMB: Object.fromEntries(peaks.map((p) => [p.comm === 'node' || p.comm.startsWith('MainThread') ? 'trainer' : p.comm, p.mb])) };
}

/** The exported package run directly on the trainer's prepared data (plain PyTorch, one process; --events only so it records every batch's time). */
async function plainPackage(file: string, py: string, out: string) {
  const p = await prepare(trainerPath, file, 'cpu', BATCH, out);
  if ('error' in p) return { error: p.error };
  const run = join(p.runDir, 'plain');
  let pid: number | undefined;
  const memory = memorySampler(() => [pid]);
  const args = ['train.py', '--out', run, '--prepared', p.dataDir, '--init-from', p.initModel, '--epochs', '1', '--batch-size', String(BATCH), '--max-batches-per-epoch', String(BATCHES), '--events', '--device', 'cpu'];
  const r = await python(py, args, p.packageDir, torchThreads, (started) => (pid = started));
  const peaks = memory.stop();
  if (r.code !== 0) return { error: r.err.trim().split('\n').pop() };
  const result = { samplesPerSecond: steady(recordedBatches(run), BATCH), peakRssMB: { python: peaks[0]?.mb } };
  rmSync(p.runDir, { recursive: true, force: true });
  return result;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs });

async function main() {
  const { found, tried } = await findTorch({ explicit: arg('python'), environment: process.env });
  if (!found) return { unavailable: `no python with torch (${tried.join('; ') || 'none found'})` };
  const py = found.python;
  const work = mkdtempSync(join(tmpdir(), 'modelyaml-finetune-'));
  // The 600 templated reviews: 37 batches of 16.
  const reviews = readFileSync(join(root, 'examples', 'data', 'reviews.jsonl'), 'utf8').trim();
  writeFileSync(join(work, 'reviews.jsonl'), `${reviews}\n`);
  const config = bertFolder(join(work, 'bert-tiny'), reviews.split('\n').map((l) => (JSON.parse(l) as { text: string }).text));
  for (const frozen of [false, true]) writeFileSync(join(work, `${frozen ? 'frozen' : 'full'}.model.yaml`), spec(frozen));
  const cases = (arg('ways') ?? 'tfjs,engine,package').split(',').flatMap((way) => ['full', 'frozen'].map((variant) => ({ way, variant })));
  const raw: Record<string, { samplesPerSecond?: number; peakRssMB?: Record<string, number | undefined>; error?: string; load1m: number }[]> = {};
  const loads: number[][] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of cases) {
        const file = join(work, `${c.variant}.model.yaml`);
        const out = join(work, 'runs');
        const r = c.way === 'package' ? await plainPackage(file, py, out) : await viaClient(file, c.way === 'tfjs' ? 'tfjs' : 'pytorch', py, out);
        loads.push(loadavg());
        (raw[`${c.way}/${c.variant}`] ??= []).push({ ...r, load1m: +loadavg()[0].toFixed(2) });
        console.error(`round ${round + 1} ${c.way}/${c.variant}: ${JSON.stringify(r)} (load ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
        rmSync(out, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const summary: Record<string, unknown> = {};
  for (const [key, runs] of Object.entries(raw)) {
    const rates = runs.map((r) => r.samplesPerSecond).filter((v): v is number => typeof v === 'number');
    const mem: Record<string, ReturnType<typeof spread>> = {};
    for (const proc of new Set(runs.flatMap((r) => Object.keys(r.peakRssMB ?? {})))) {
      mem[proc] = spread(runs.map((r) => r.peakRssMB?.[proc]).filter((v): v is number => typeof v === 'number'));
    }
    summary[key] = { samplesPerSecond: rates.length ? spread(rates) : undefined, peakRssMB: mem, errors: runs.map((r) => r.error).filter(Boolean) };
  }
  const rate = (k: string) => (summary[k] as { samplesPerSecond?: { median: number } } | undefined)?.samplesPerSecond?.median;
  const ratios: Record<string, number | undefined> = {};
  for (const v of ['full', 'frozen']) {
    const pkg = rate(`package/${v}`);
    if (pkg) for (const way of ['tfjs', 'engine']) ratios[`${way}VsPackage/${v}`] = rate(`${way}/${v}`) && +(rate(`${way}/${v}`)! / pkg).toFixed(3);
  }
  for (const way of ['tfjs', 'engine', 'package']) ratios[`frozenVsFull/${way}`] = rate(`${way}/full`) && rate(`${way}/frozen`) && +(rate(`${way}/frozen`)! / rate(`${way}/full`)!).toFixed(3);
  const avg = (i: number) => +(loads.reduce((s, l) => s + l[i], 0) / Math.max(loads.length, 1)).toFixed(2);
  return {
    date: new Date().toISOString(), python: py, torch: found.probe.torch, threads: THREADS ?? "each one's default", rounds: ROUNDS, batchSize: BATCH, maxLength: MAX_LENGTH, batches: BATCHES,
    encoder: { ...CONFIG, params: bertParamCount(config, true) }, loadAverage1m: { mean: avg(0), max: Math.max(...loads.map((l) => l[0])) },
    summary, ratios,
  };
}

if (!existsSync(trainerPath)) {
  console.error('dist/trainer.js is missing: run `node esbuild.mjs`.');
  process.exit(1);
}
void main().then((r) => {
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'finetune.json'), JSON.stringify(r, null, 2) + '\n');
  console.log(JSON.stringify(r, null, 2));
  console.error('→ bench/results/finetune.json');
});
