/**
 * The package's generated files as templates of the searched values, for search.py: each trial
 * writes its own model.py / train.py / data.py with its values, without Node.
 *
 * How: the files are generated from the spec with every searched number set to a distinctive
 * stand-in and the stand-in's literals (whole tokens) become placeholders; a searched string or
 * boolean becomes a placeholder for the stretch of text its values change, with that stretch for
 * each value. Then every parameter is set, one at a time, to other values of its space, the files
 * generated again and compared with the rendered templates: a parameter the generated code uses
 * other than as its literal value (a width that a later layer's input size is computed from) is
 * refused by name, never templated wrongly.
 */
import { applyTrialParams, UnknownParamPathError } from '../../core/search/apply';
import type { ParamValue, SearchParam, TrialParams } from '../../core/search/types';
import { ExportError } from '../errors';

/** The package's files that are generated from the spec's text, by name. */
export type GenerateFiles = (specText: string) => Record<string, string>;

/** A file with `@@P<i>@@` placeholders; `choices[i]` gives a string/boolean parameter's text per value. */
export interface SearchTemplates {
  files: Record<string, string>;
  /** Per parameter index: undefined for a number (rendered as its literal), else JSON of value → text. */
  choices: (Record<string, string> | undefined)[];
}

const placeholder = (i: number): string => `@@P${i}@@`;

/** The spec with the values written in, through the language's writer (src/core/search/apply.ts). */
function specWithValues(text: string, params: TrialParams): string {
  try {
    return applyTrialParams(text, params);
  } catch (e) {
    if (e instanceof UnknownParamPathError) throw new ExportError('export/search-path', e.message);
    throw e;
  }
}

const FRACTIONS = [0.6180339887498949, 0.2360679774997897, 0.8541019662496845, 0.4721359549995794, 0.09016994374947451, 0.7082039324993694];

/**
 * A stand-in for a number parameter — a value of its space (or, for a choice, of its type) whose
 * literal the spec's own generated code does not hold — and two more values of its space to
 * check the templates with; undefined for a string or boolean parameter.
 */
function numberValues(p: SearchParam, occurs: (v: number) => boolean): [number, number, number] | undefined {
  const d = p.dist;
  let candidates: number[];
  let checks: number[];
  if (d.kind === 'uniform' || d.kind === 'loguniform') {
    const at = (f: number): number => (d.kind === 'uniform' ? d.low + f * (d.high - d.low) : Math.exp(Math.log(d.low) + f * (Math.log(d.high) - Math.log(d.low))));
    candidates = FRACTIONS.map(at);
    checks = [at(0.2360679774997897), at(0.8541019662496845)];
  } else if (d.kind === 'int') {
    const steps = Math.floor((d.high - d.low) / d.step);
    const all = Array.from({ length: steps + 1 }, (_, k) => d.low + k * d.step);
    const golden = d.low + FRACTIONS[0] * steps * d.step;
    candidates = [...all].sort((x, y) => Math.abs(x - golden) - Math.abs(y - golden));
    checks = [all[Math.round(steps * 0.25)], all[Math.round(steps * 0.85)]];
  } else if (d.values.every((v) => typeof v === 'number')) {
    const nums = d.values as number[];
    candidates = nums.every(Number.isInteger) ? [7919, 7927, 7933, 7937] : FRACTIONS;
    checks = [nums[0], nums[nums.length - 1]];
  } else return undefined;
  const stand = candidates.find((v) => !occurs(v)) ?? candidates[0];
  return [stand, ...checks] as [number, number, number];
}

/**
 * A generated file without its module docstring and comments, which describe the stand-in's
 * shapes and counts (a trial's copy has no need of them; its code is what must be right).
 */
const codeOnly = (text: string): string =>
  text
    .replace(/^(?:r|R)?"""[\s\S]*?"""\n/, '')
    .replace(/[ \t]+#[^\n]*$/gm, '')
    .replace(/^[ \t]*#(?!!).*\n/gm, '');

function literalPattern(v: number): RegExp {
  return new RegExp(`(?<![\\w.])${String(v).replace(/[.+]/g, '\\$&')}(?![\\w.])`, 'g');
}

/** The files rendered with `params`, the way search.py renders them (numbers by their literal). */
export function renderTemplates(t: SearchTemplates, space: readonly SearchParam[], params: TrialParams): Record<string, string> {
  // A string's stretch of code may hold a number's placeholder (an optimizer's learning rate).
  const render = (text: string): string =>
    text.replace(/@@P(\d+)@@/g, (_, i: string) => {
      const k = Number(i);
      const v = params[space[k].path];
      return t.choices[k] ? render(t.choices[k]![JSON.stringify(v)]) : String(v);
    });
  return Object.fromEntries(Object.entries(t.files).map(([name, text]) => [name, render(text)]));
}

function generated(generate: GenerateFiles, text: string, path: string): Record<string, string> {
  try {
    return Object.fromEntries(Object.entries(generate(text)).map(([k, v]) => [k, codeOnly(v)]));
  } catch (e) {
    throw new ExportError('export/search-unmappable', `search.py cannot carry \`${path}\`: the spec does not export with the values of its space (${(e as Error).message})`);
  }
}

/** The stretch of `texts` (one per value) that differs, as [start, end from the end]. */
function differingStretch(texts: readonly string[]): [number, number] {
  const first = texts[0];
  let pre = 0;
  while (pre < first.length && texts.every((t) => t[pre] === first[pre])) pre++;
  let suf = 0;
  while (suf < first.length - pre && texts.every((t) => t.length - suf > pre && t[t.length - 1 - suf] === first[first.length - 1 - suf])) suf++;
  return [pre, suf];
}

export function buildTemplates(specText: string, space: readonly SearchParam[], generate: GenerateFiles): SearchTemplates {
  const original = Object.values(generated(generate, specText, 'the spec'));
  const numbers = space.map((p) => numberValues(p, (v) => original.some((text) => literalPattern(v).test(text))));
  const standIn = (i: number): ParamValue => numbers[i]?.[0] ?? (space[i].dist as { values: readonly ParamValue[] }).values[0];
  const specWith = (values: ParamValue[]): string => specWithValues(specText, Object.fromEntries(space.map((p, i) => [p.path, values[i]])));
  const baseValues = space.map((_, i) => standIn(i));
  const base = generated(generate, specWith(baseValues), 'the search space');
  const files: Record<string, string> = { ...base };
  const choices: (Record<string, string> | undefined)[] = space.map(() => undefined);
  // Strings and booleans first, by position: the stretch each one's values change.
  space.forEach((p, i) => {
    if (numbers[i]) return;
    const values = (p.dist as { values: readonly ParamValue[] }).values;
    const variants = values.map((v) => generated(generate, specWith(baseValues.map((b, k) => (k === i ? v : b))), p.path));
    const map: Record<string, string> = {};
    for (const name of Object.keys(base)) {
      const texts = variants.map((f) => f[name]);
      if (texts.every((t) => t === texts[0])) continue;
      if (Object.keys(map).length) throw new ExportError('export/search-unmappable', `search.py cannot carry \`${p.path}\`: its values change more than one generated file`);
      const [pre, suf] = differingStretch(texts);
      if (files[name].slice(pre, files[name].length - suf).includes('@@')) throw new ExportError('export/search-unmappable', `search.py cannot carry \`${p.path}\`: it changes the same code as another searched parameter`);
      values.forEach((v, k) => (map[JSON.stringify(v)] = texts[k].slice(pre, texts[k].length - suf)));
      files[name] = files[name].slice(0, pre) + placeholder(i) + files[name].slice(files[name].length - suf);
    }
    choices[i] = map;
  });
  space.forEach((_, i) => {
    if (!numbers[i]) return;
    const pattern = literalPattern(numbers[i]![0]);
    for (const name of Object.keys(files)) files[name] = files[name].replace(pattern, placeholder(i));
    for (const c of choices) if (c) for (const k of Object.keys(c)) c[k] = c[k].replace(pattern, placeholder(i));
  });
  const templates: SearchTemplates = { files, choices };
  verify(templates, space, numbers, baseValues, specWith, generate);
  return templates;
}

/** Each parameter alone at other values of its space: the rendered templates must be the generated files. */
function verify(t: SearchTemplates, space: readonly SearchParam[], numbers: ReturnType<typeof numberValues>[], base: ParamValue[], specWith: (v: ParamValue[]) => string, generate: GenerateFiles): void {
  space.forEach((p, i) => {
    const others = numbers[i] ? numbers[i]!.slice(1) : (p.dist as { values: readonly ParamValue[] }).values;
    for (const v of [base[i], ...others]) {
      const values = base.map((b, k) => (k === i ? v : b));
      const want = generated(generate, specWith(values), p.path);
      const got = renderTemplates(t, space, Object.fromEntries(space.map((q, k) => [q.path, values[k]])));
      const differs = Object.keys(want).find((name) => want[name] !== got[name]);
      if (differs) {
        throw new ExportError(
          'export/search-unmappable',
          `search.py cannot carry \`${p.path}\`: ${differs} uses it other than as its value (a later layer's size computed from it, say); search it with \`modelyaml search\`, or leave it out of the space for the export`,
        );
      }
    }
  });
}
