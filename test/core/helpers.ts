import { analyze, type Analysis } from '../../src/core/analyze';
import type { DataHost } from '../../src/core/catalog/types';
import type { Diagnostic } from '../../src/core/diagnostics';

/** A minimal valid spec around the given model/train parts, for focused checks. */
export function spec(parts: { data?: string; model?: string; train?: string }): string {
  return [
    'version: 1',
    'name: t',
    parts.data ?? 'data:\n  source: { dataset: mnist }\n  pipeline:\n    - scale: 255\n    - one_hot: 10',
    parts.model ?? 'model:\n  input: [784]\n  layers:\n    - dense: { units: 10, activation: softmax }',
    parts.train ?? 'train:\n  loss: categorical_crossentropy\n  optimizer: adam',
    '',
  ].join('\n');
}

export function check(text: string, host: DataHost = {}): Analysis {
  return analyze(text, { host });
}

/** The text a diagnostic's range covers. */
export function at(a: Analysis, d: Diagnostic): string {
  return a.text.slice(d.range.start, d.range.end);
}

export function codes(a: Analysis): string[] {
  return a.diagnostics.map((d) => d.code);
}

export function find(a: Analysis, code: string): Diagnostic {
  const d = a.diagnostics.find((x) => x.code === code);
  if (!d) throw new Error(`no ${code} in ${JSON.stringify(a.diagnostics.map((x) => `${x.code}: ${x.message}`), null, 1)}`);
  return d;
}
