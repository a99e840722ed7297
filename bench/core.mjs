// Benchmark: parse + check + shape inference of generated specs (100, 1,000, 10,000 layers),
// through the built CLI bundle's core, and the worst cases an attack found (issue 16: unknown
// `inputs` on every layer, 1 MB of `"`, nesting thousands of levels deep). Writes
// bench/results/core.json. BENCH_CORE_SOURCE=<path to analyze.ts> measures another version of
// the core (e.g. an older commit's, unpacked with `git archive`), BENCH_CORE_OUT another file.
// The peer: parsing alone with the `yaml` package (what any YAML-based tool must pay), so the
// figures show what the checks add on top of the parser.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
// Another core version gets its own bundle, so that two runs can go side by side.
const bundle = resolve(`bench/results/core-bundle${process.env.BENCH_CORE_SOURCE ? '-other' : ''}.cjs`);
mkdirSync('bench/results', { recursive: true });
await build({
  entryPoints: [process.env.BENCH_CORE_SOURCE ?? 'src/core/analyze.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: bundle,
  logLevel: 'warning',
});
const { analyze } = require(bundle);
const { parseDocument } = require('yaml');

const block = [
  '    - conv2d: { filters: 8, kernel_size: 3, padding: same, activation: relu }',
  '    - batch_norm',
  '    - dropout: 0.1',
];

function generate(layers) {
  const lines = ['version: 1', 'name: generated', 'seed: 1', 'data:', '  source: { dataset: mnist }', '  pipeline:', '    - scale: 255', '    - reshape: { shape: [28, 28, 1] }', '    - one_hot: 10', 'model:', '  input: [28, 28, 1]', '  layers:'];
  for (let i = 0; lines.length - 12 < layers - 3; i++) lines.push(block[i % block.length]);
  lines.push('    - global_avg_pool2d', '    - dense: { units: 10, activation: softmax }');
  lines.push('train:', '  loss: categorical_crossentropy', '  optimizer: adam', '  metrics: [accuracy]');
  return lines.join('\n') + '\n';
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn, runs) {
  for (let i = 0; i < Math.min(5, runs); i++) fn();
  const t = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return { median: median(t), min: Math.min(...t) };
}

const results = [];
// BENCH_CORE_WORST_ONLY=1: only the worst cases (for an old core, where they take minutes).
for (const n of process.env.BENCH_CORE_WORST_ONLY ? [] : [100, 1000, 10000]) {
  const text = generate(n);
  const a = analyze(text);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`generated spec has errors: ${errors[0].message}`);
  const runs = n >= 10000 ? 7 : 31;
  const ours = time(() => analyze(text), runs);
  const parseOnly = time(() => parseDocument(text), runs);
  results.push({
    layers: a.model.layers.length,
    bytes: text.length,
    ms: +ours.median.toFixed(2),
    msMin: +ours.min.toFixed(2),
    usPerLayer: +((ours.median * 1000) / n).toFixed(2),
    yamlParseOnlyMs: +parseOnly.median.toFixed(2),
    checksOverParse: +(ours.median / parseOnly.median).toFixed(2),
  });
}
// The worst cases, each in its own process: a version of the core that crashes on one (deep
// nesting aborted V8) is recorded with its exit status instead of ending the benchmark.
function unknownRefs(n) {
  let s = 'model:\n  input: [4]\n  layers:\n';
  for (let i = 0; i < n; i++) s += `    - dense: { units: 4 }\n      name: layer_${i}\n      inputs: nope_${i}\n`;
  return s;
}
const worst = [
  // BENCH_CORE_REFS=1000,2000 picks the sizes (an old core takes minutes on the larger ones).
  ...(process.env.BENCH_CORE_REFS ?? '1000,4000,8000,16000').split(',').map(Number).map((n) => ({ case: `${n} layers, each with an unknown inputs reference`, text: unknownRefs(n) })),
  { case: '1 MiB of "', text: '"'.repeat(2 ** 20) },
  ...[5000, 10000, 20000].map((n) => ({ case: `x: followed by ${n} [`, text: 'x: ' + '['.repeat(n) })),
];
const worstCases = [];
for (const w of worst) {
  const file = resolve(`bench/results/worst-case${process.env.BENCH_CORE_SOURCE ? '-other' : ''}.yaml`);
  writeFileSync(file, w.text);
  const script = `const { analyze } = require(${JSON.stringify(bundle)});
    const text = require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8');
    const t = [];
    let findings = 0;
    // The median of three runs; one run where that takes over 2 s (the quadratic cases before the fix).
    for (let i = 0; i < 3 && !(i === 1 && t[0] > 2000); i++) { const t0 = performance.now(); findings = analyze(text).diagnostics.length; t.push(performance.now() - t0); }
    t.sort((a, b) => a - b);
    console.log(JSON.stringify({ ms: t[t.length >> 1], findings }));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 600_000 });
  const got = r.status === 0 ? JSON.parse(r.stdout) : {};
  worstCases.push({ case: w.case, bytes: w.text.length, ms: got.ms === undefined ? null : +got.ms.toFixed(1), findings: got.findings ?? null, exit: r.status ?? r.signal });
  console.log(JSON.stringify(worstCases[worstCases.length - 1]));
}

const out = { benchmark: 'core: parse + check + shape inference', node: process.version, date: new Date().toISOString(), source: process.env.BENCH_CORE_SOURCE ?? 'src/core/analyze.ts', results, worstCases };
writeFileSync(process.env.BENCH_CORE_OUT ?? 'bench/results/core.json', JSON.stringify(out, null, 2) + '\n');
if (results.length) {
  console.table(results);
  const linear = results[2].usPerLayer / results[1].usPerLayer;
  console.log(`1,000 layers: ${results[1].ms} ms (target < 15 ms); per-layer cost 10k vs 1k: ${linear.toFixed(2)}× (1 = linear)`);
}
