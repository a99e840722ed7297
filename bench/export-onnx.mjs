// The ONNX export's size/accuracy table for a trained run (docs/deploying.md's MNIST CNN table):
// exports float32, float16 and int8 with the built CLI and prints what each export.json measured.
//   npm run build && node dist/cli.js train examples/mnist-cnn.model.yaml --epochs 2
//   node bench/export-onnx.mjs .modelyaml/runs/mnist-cnn/<time>
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runDir = process.argv[2];
if (!runDir) {
  console.error('usage: node bench/export-onnx.mjs <run-dir>');
  process.exit(2);
}
const rows = [];
for (const q of ['none', 'float16', 'int8']) {
  const out = join(mkdtempSync(join(tmpdir(), 'modelyaml-bench-onnx-')), 'model.onnx');
  const r = spawnSync(process.execPath, ['dist/cli.js', 'export', runDir, '--out', out, ...(q === 'none' ? [] : ['--quantize', q])], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  const e = JSON.parse(readFileSync(join(out, '..', 'export.json'), 'utf8'));
  if (q === 'none') rows.push(['TensorFlow.js (trainer)', '—', e.trainer]);
  rows.push([`ONNX ${q === 'none' ? 'float32' : q}`, `${(e.bytes / 1024).toFixed(1)} KiB`, e.exported?.value]);
  if (q === 'none') console.log(`${e.split} split, ${e.n} samples, ${e.metric}`);
}
console.log('| model | size | metric |\n| --- | --- | --- |');
for (const [m, size, v] of rows) console.log(`| ${m} | ${size} | ${typeof v === 'number' ? v.toFixed(4) : 'n/a'} |`);
