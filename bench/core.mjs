// Benchmark: parse + check + shape inference of generated specs (100, 1,000, 10,000 layers),
// through the built CLI bundle's core. Writes bench/results/core.json.
// The peer: parsing alone with the `yaml` package (what any YAML-based tool must pay), so the
// figures show what the checks add on top of the parser.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
mkdirSync('bench/results', { recursive: true });
await build({
  entryPoints: ['src/core/analyze.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: 'bench/results/core-bundle.cjs',
  logLevel: 'warning',
});
const { analyze } = require('./results/core-bundle.cjs');
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
for (const n of [100, 1000, 10000]) {
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
const out = { benchmark: 'core: parse + check + shape inference', node: process.version, date: new Date().toISOString(), results };
writeFileSync('bench/results/core.json', JSON.stringify(out, null, 2) + '\n');
console.table(results);
const linear = results[2].usPerLayer / results[1].usPerLayer;
console.log(`1,000 layers: ${results[1].ms} ms (target < 15 ms); per-layer cost 10k vs 1k: ${linear.toFixed(2)}× (1 = linear)`);
