/** The diff as a reviewer reads it (`modelyaml diff`), and its JSON form (`--format json`). */
import type { LayerDiff, SettingChange, SpecDiff } from './types';
import { formatValue, plainValue } from './values';

const count = (n: number | null) => (n === null ? '?' : n.toLocaleString('en-US'));
const signed = (n: number | null) => (n === null ? '?' : `${n > 0 ? '+' : n < 0 ? '−' : '±'}${Math.abs(n).toLocaleString('en-US')}`);
const plural = (n: number | null, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

function layerLine(l: LayerDiff): string | undefined {
  if (l.status === 'added' || l.status === 'removed') {
    const x = (l.after ?? l.before)!;
    return `${l.status === 'added' ? '+1' : '−1'} ${x.type} \`${x.id}\` (${plural(x.paramCount, 'param')}), output ${x.outputShapeText}`;
  }
  if (l.status === 'unchanged') return undefined;
  const a = l.before!;
  const b = l.after!;
  const naming = l.changes.find((c) => c.key === 'name');
  const head = `${b.type} \`${b.id}\``;
  const settings = l.changes.filter((c) => c.key !== 'name').map((c) => `${c.key} ${formatValue(c.before)} → ${formatValue(c.after)}`);
  if (naming) settings.unshift(!a.named ? `named (was \`${a.id}\`)` : !b.named ? `name \`${a.id}\` removed` : `renamed from \`${a.id}\``);
  const effect = [
    l.paramDelta === 0 ? 'params unchanged' : `${signed(l.paramDelta)} params (${count(a.paramCount)} → ${count(b.paramCount)})`,
    l.shapeChanged ? `output ${a.outputShapeText} → ${b.outputShapeText}` : 'output unchanged',
  ].join(', ');
  return `${head}: ${settings.length ? settings.join(', ') : 'written the same, its input changed'}: ${effect}`;
}

function settingLine(c: SettingChange): string {
  if (c.kind === 'added') return `+ ${c.path}: ${formatValue(c.after)}`;
  if (c.kind === 'removed') return `− ${c.path}: ${formatValue(c.before)}`;
  return `${c.path}: ${formatValue(c.before)} → ${formatValue(c.after)}`;
}

export function formatDiffText(d: SpecDiff): string {
  const out: string[] = [`Comparing ${d.before.label} → ${d.after.label}`];
  for (const [s, which] of [[d.before, 'old'], [d.after, 'new']] as const) {
    if (s.errors.length) out.push(`note: the ${which} spec (${s.label}) has ${plural(s.errors.length, 'error')}; what could be read is compared:`, ...s.errors.slice(0, 5).map((e) => `  ${e}`));
  }
  if (d.summary.identical) {
    out.push('No differences in layers, data or training.', `Total: ${count(d.totals.after)} params`, '');
    return out.join('\n');
  }
  const { added, removed, changed, affected } = d.summary;
  const layerLines = d.layers.map(layerLine).filter((x): x is string => !!x);
  out.push('', `Layers: ${added} added, ${removed} removed, ${changed} changed${affected ? `, ${affected} moved by them` : ''}`);
  out.push(...(layerLines.length ? layerLines.map((l) => `  ${l}`) : ['  (no layer differs)']));
  const delta = d.totals.delta;
  const change = delta === null ? '' : delta ? ` (${signed(delta)})` : ' (unchanged)';
  out.push(`Total: ${count(d.totals.before)} → ${count(d.totals.after)} params${change}`);
  out.push(`Output: ${d.before.outputShape === d.after.outputShape ? `${d.after.outputShape} (unchanged)` : `${d.before.outputShape} → ${d.after.outputShape}`}`);
  for (const [title, changes] of [['Model', d.model], ['Data', d.data], ['Training', d.train]] as const) {
    if (changes.length) out.push('', `${title}:`, ...changes.map((c) => `  ${settingLine(c)}`));
  }
  out.push('');
  return out.join('\n');
}

/** The documented JSON form (docs/diff.md); `formatVersion` says which. */
export function diffJson(d: SpecDiff): string {
  return JSON.stringify(plainValue(d), null, 2) + '\n';
}
