/** Seeded inputs and a 1e-9-relative deep comparison for the evaluation tests. */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import type { ClassificationInput } from '../../src/core/evaluate/classification';
import type { MultiLabelInput } from '../../src/core/evaluate/multilabel';
import type { RegressionInput } from '../../src/core/evaluate/regression';
import { mulberry32 } from '../../src/trainer/util';

/** Seeded generator, so every run sees the same inputs. */
export const seeded = mulberry32;

const gauss = (rand: () => number) => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

/** Softmax rows of noisy logits that favour the true class by `signal`. */
export function softmaxCase(rand: () => number, n: number, classNames: string[], signal: number): ClassificationInput {
  const k = classNames.length;
  const labels = Array.from({ length: n }, () => Math.floor(rand() * k));
  const probabilities = labels.map((t) => {
    const logits = classNames.map((_, j) => gauss(rand) + (j === t ? signal : 0));
    const top = Math.max(...logits);
    const e = logits.map((z) => Math.exp(z - top));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
  return { labels, probabilities, classNames };
}

/** Sigmoid outputs for independent labels; a label named "never" is off for every sample, one named "always" on. */
export function multiLabelCase(rand: () => number, n: number, labelNames: string[]): MultiLabelInput {
  const labels = Array.from({ length: n }, () => labelNames.map((name) => (name === 'always' || (name !== 'never' && rand() < 0.4) ? 1 : 0)));
  const probabilities = labels.map((row) => row.map((v) => 1 / (1 + Math.exp(-(gauss(rand) + (v ? 1.2 : -0.6))))));
  return { labels, probabilities, labelNames };
}

export function regressionCase(rand: () => number, n: number, outputs: number, noise: number): RegressionInput {
  const actual = Array.from({ length: n }, () => Array.from({ length: outputs }, (_, j) => 10 * j + 5 * gauss(rand)));
  return { actual, predicted: actual.map((row) => row.map((y) => y + noise * gauss(rand) + 0.1)), outputNames: Array.from({ length: outputs }, (_, j) => `y${j}`) };
}

const RELATIVE = 1e-9;
/** Below this, two numbers are both "zero" (sums of opposite terms leave ~1e-17 crumbs). */
const ABSOLUTE = 1e-12;

/** Deep equality with numbers equal to 1e-9 relative; NaN in ours matches null (JSON's NaN) in theirs. */
export function expectClose(ours: unknown, theirs: unknown, at: string): void {
  const mismatch = firstMismatch(ours, theirs, '');
  expect(mismatch, at).toBeNull();
}

function firstMismatch(a: unknown, b: unknown, path: string): string | null {
  if (typeof a === 'number' && (typeof b === 'number' || b === null)) {
    if (b === null) return Number.isNaN(a) ? null : `${path}: ${a} vs null`;
    const ok = Math.abs(a - b) <= Math.max(ABSOLUTE, RELATIVE * Math.max(Math.abs(a), Math.abs(b)));
    return ok ? null : `${path}: ${a} vs ${b}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const m = firstMismatch(a[i], b[i], `${path}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const key of Object.keys(b)) {
      const m = firstMismatch((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
      if (m) return m;
    }
    return null;
  }
  return Object.is(a, b) ? null : `${path}: ${String(a)} vs ${String(b)}`;
}

const PYTHON = '/usr/bin/python3';
const SCRIPT = 'scripts/sklearn-reference.py';

export type Case = ({ kind: 'classification'; topK: number[] } & ClassificationInput) | ({ kind: 'multilabel' } & MultiLabelInput) | ({ kind: 'regression' } & RegressionInput);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Reference = any;

/** scikit-learn's numbers for the cases (scripts/sklearn-reference.py under Debian's python3); fails, never skips, without scikit-learn. */
export function sklearn(cases: Case[]): Reference[] {
  const probe = spawnSync(PYTHON, ['-c', 'import sklearn'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`scikit-learn is missing: "${PYTHON} -c 'import sklearn'" failed (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}). Install Debian's python3-sklearn: npm run setup:test does (and .ci/run runs it).`);
  }
  const run = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify({ cases }), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`${SCRIPT} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout).results;
}
