/**
 * The `search:` section in the editor: hover on a space path (what it names, its value now, the
 * space), and what completion offers there (the spec's own parameter paths, the space forms with
 * values that fit the parameter). Paths resolve through the core (`src/core/search/paths.ts`), the
 * same resolution the checker reports from.
 */
import { entries } from '../../src/core/catalog';
import type { ParamType } from '../../src/core/catalog/types';
import { yamlValue } from '../../src/core/edit';
import { resolveEntries } from '../../src/core/search/check';
import { resolvePath, searchablePaths, type ParamTarget } from '../../src/core/search/paths';
import type { SpaceDist } from '../../src/core/search/types';
import { spaceField, type Field } from '../../src/core/structure';
import type { DocContext } from './document';
import { describeType } from './schema';
import type { DocOptions } from './markdown';

/** A space in words: `loguniform 0.0001 … 0.01`, `choice of 32, 64, 128`. */
export function describeDist(d: SpaceDist): string {
  switch (d.kind) {
    case 'uniform':
    case 'loguniform':
      return `${d.kind} ${d.low} … ${d.high}`;
    case 'int':
      return `int ${d.low} … ${d.high}${d.step !== 1 ? ` step ${d.step}` : ''}${d.log ? ' (log scale)' : ''}`;
    case 'choice':
    case 'grid':
      return `${d.kind} of ${d.values.map((v) => yamlValue(v)).join(', ')}`;
  }
}

/** The target of a space path as the checker resolves it (with the section's type choices). */
function targetOf(ctx: DocContext, path: string): ParamTarget | { message: string } {
  const search = ctx.analysis.spec.search;
  const resolved = search ? resolveEntries(ctx.analysis.spec, search).find((r) => r.entry.path === path) : undefined;
  if (resolved?.target) return resolved.target;
  const r = resolvePath(ctx.analysis.spec, path);
  return 'target' in r ? r.target : { message: r.miss.message };
}

/** Hover on a `search.space` path: what it names, its value in the spec now, and its space. */
export function spacePathDoc(ctx: DocContext, path: string, o: DocOptions): string {
  const t = targetOf(ctx, path);
  const code = (s: string) => (o.markdown ? `\`${s}\`` : s);
  const title = o.markdown ? `**${path}**` : path;
  if ('message' in t) return [title, o.markdown ? t.message : t.message.replace(/`/g, '')].join('\n\n');
  const entry = ctx.analysis.spec.search?.space?.entries.find((e) => e.path === path);
  const label = o.markdown ? t.label : t.label.replace(/`/g, '');
  const now = t.current === undefined ? 'not set' : `${code(yamlValue(t.current))}${t.written ? '' : ' (default)'}`;
  const lines = [
    `${title} — ${label}`,
    `${o.markdown ? describeType(t.type) : describeType(t.type).replace(/`|\\/g, '')} · now ${now}${entry?.dist ? ` · searched: ${code(describeDist(entry.dist))}` : ''}`,
  ];
  if (t.when) lines.push(`Applies when ${code(t.when.path)} is ${code(t.when.type)}.`);
  lines.push(t.doc);
  return lines.join('\n\n');
}

/** A space form's snippet for a parameter of type `t` (`{ int: [${1:16}, ${2:256}] }`), or undefined where it does not fit. */
function formSnippet(form: string, t: ParamType | undefined, current: unknown): string | undefined {
  const numeric = !t || t.kind === 'int' || t.kind === 'float' || (t.kind === 'one_of' && t.types.some((x) => x.kind === 'int' || x.kind === 'float'));
  const whole = t?.kind === 'int';
  const n = typeof current === 'number' ? current : whole ? 32 : 0.1;
  if (form === 'uniform' || form === 'loguniform') {
    if (!numeric || whole) return undefined;
    return `{ ${form}: [\${1:${yamlValue(form === 'loguniform' ? n / 10 : n / 2)}}, \${2:${yamlValue(n * (form === 'loguniform' ? 10 : 2))}}] }`;
  }
  if (form === 'int') return numeric ? `{ int: [\${1:${Math.max(1, Math.round(n / 2))}}, \${2:${Math.max(2, Math.round(n * 2))}}] }` : undefined;
  const names = t?.kind === 'enum' ? [...t.values] : t?.kind === 'ref' ? entries(t.category).map((e) => e.name) : t?.kind === 'bool' ? ['true', 'false'] : undefined;
  const values = names ? names.slice(0, 3) : numeric ? (whole ? [n / 2, n, n * 2].map(Math.round) : [n / 2, n, n * 2]) : [];
  return `{ ${form}: [\${1:${values.map((v) => yamlValue(v)).join(', ')}}] }`;
}

export interface Offer {
  label: string;
  text: string;
  snippet: boolean;
  detail?: string;
  doc?: string;
}

/** The space forms for the value of the space path `path`, with values that fit its parameter. */
export function spaceFormOffers(ctx: DocContext, path: string): Offer[] {
  const t = targetOf(ctx, path);
  const target = 'message' in t ? undefined : t;
  const variants = (spaceField.type as { variants: Record<string, Field> }).variants;
  const out: Offer[] = [];
  for (const [form, f] of Object.entries(variants)) {
    const text = formSnippet(form, target?.type, target?.current);
    if (text) out.push({ label: form, text, snippet: true, detail: f.doc.split(':')[0], doc: f.doc });
  }
  return out;
}

/** Paths the spec's parameters have, not yet in the space, with what each is now. */
export function spacePathOffers(ctx: DocContext): Offer[] {
  const spec = ctx.analysis.spec;
  const present = new Set(spec.search?.space?.entries.map((e) => e.path) ?? []);
  const out: Offer[] = [];
  for (const path of searchablePaths(spec)) {
    if (present.has(path)) continue;
    const r = resolvePath(spec, path);
    if (!('target' in r)) continue;
    const t = r.target;
    out.push({ label: path, text: `${path}: `, snippet: false, detail: `${t.label.replace(/`/g, '')}${t.current !== undefined ? ` = ${yamlValue(t.current)}` : ''}`, doc: t.doc });
  }
  return out;
}

/** The values a `choice`/`grid` item of the space path `path` may take, when they are names: an enum's, a switch's, a catalog category's. */
export function choiceValueOffers(ctx: DocContext, path: string): Offer[] {
  const t = targetOf(ctx, path);
  if ('message' in t) return [];
  const type = t.type;
  const names = type.kind === 'enum' ? [...type.values] : type.kind === 'bool' ? ['true', 'false'] : type.kind === 'ref' ? entries(type.category).map((e) => e.name) : [];
  return names.map((n) => ({ label: n, text: n, snippet: false, detail: t.current !== undefined && String(t.current) === n ? 'now' : undefined }));
}
