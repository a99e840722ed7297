/** Plain parameter values checked against their catalog type, with the finding on the value's range. */
import { type Node as YNode } from 'yaml';
import type { ParamType } from '../catalog/types';
import { DiagnosticSink, type Range } from '../diagnostics';
import { closest, didYouMean } from '../suggest';
import { describeType, show } from './describe';

/** Checks a plain value against a parameter type; reports and returns false when it does not fit. */
export function checkValue(sink: DiagnosticSink, t: ParamType, node: YNode | null, value: unknown, range: Range, what: string): boolean {
  const fail = (extra = ''): false => {
    sink.error('type/mismatch', range, `${what} must be ${describeType(t)}, but is ${show(value, node)}.${extra}`);
    return false;
  };
  switch (t.kind) {
    case 'int':
    case 'float':
      return checkNumber(sink, t, node, value, range, what, fail);
    case 'bool':
      return typeof value === 'boolean' || fail();
    case 'string':
      if (typeof value === 'string' && t.maxLength !== undefined && value.length > t.maxLength) {
        sink.error('value/too-long', range, `${what} must be at most ${t.maxLength} characters, but has ${value.length}.`);
        return false;
      }
      return (typeof value === 'string' && value.length > 0) || fail();
    case 'path':
      return (typeof value === 'string' && value.length > 0) || fail();
    case 'enum':
      if (typeof value === 'string' && t.values.includes(value)) return true;
      if (typeof value === 'string') {
        const s = closest(value, t.values);
        sink.error('value/unknown', range, `${what} must be ${describeType(t)}, but is ${show(value)}.${didYouMean(s)}`, {
          fixes: s ? [{ kind: 'replace', range, text: s, title: `Change to '${s}'` }] : undefined,
        });
        return false;
      }
      return fail();
    case 'ints':
      if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v))) return fail();
      if (t.min !== undefined && value.some((v: number) => v < t.min!)) return fail();
      if ((t.minLength !== undefined && value.length < t.minLength) || (t.maxLength !== undefined && value.length > t.maxLength)) return fail();
      return true;
    case 'int_or_ints': {
      const list = typeof value === 'number' ? [value] : value;
      if (!Array.isArray(list) || !list.every((v) => Number.isInteger(v))) return fail();
      if (Array.isArray(value) && value.length !== t.length) return fail(` It has ${value.length} entries.`);
      if (t.min !== undefined && list.some((v: number) => v < t.min!)) {
        sink.error('value/range', range, `${what} must be ${describeType(t)} with every entry ≥ ${t.min}, but is ${show(value)}.`);
        return false;
      }
      return true;
    }
    case 'strings':
      return typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string')) || fail();
    case 'floats':
      return (Array.isArray(value) && value.every((v) => typeof v === 'number')) || fail();
    case 'one_of': {
      const probe = new DiagnosticSink();
      if (t.types.some((tt) => checkValue(probe, tt, node, value, range, what))) return true;
      return fail();
    }
    case 'ref':
    case 'layer':
    case 'source':
      return true; // read as nested items by readParamValue
  }
}

/** `int` and `float`: finite, a number (not a quoted one), whole for `int`, within the bounds; warns outside the usual range. */
function checkNumber(sink: DiagnosticSink, t: Extract<ParamType, { kind: 'int' | 'float' }>, node: YNode | null, value: unknown, range: Range, what: string, fail: (extra?: string) => false): boolean {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    sink.error('type/mismatch', range, `${what} must be ${describeType(t)}, but is ${show(value, node)} (not a finite number).`);
    return false;
  }
  if (typeof value !== 'number') {
    const n = typeof value === 'string' ? Number(value) : NaN;
    return fail(Number.isFinite(n) ? ' Remove the quotes to make it a number.' : '');
  }
  if (t.kind === 'int' && !Number.isInteger(value)) return fail();
  const tooLow = t.min !== undefined && (('exclusiveMin' in t && t.exclusiveMin) ? value <= t.min : value < t.min);
  const tooHigh = t.max !== undefined && (('exclusiveMax' in t && t.exclusiveMax) ? value >= t.max : value > t.max);
  if (tooLow || tooHigh) {
    sink.error('value/range', range, `${what} must be ${describeType(t)}, but is ${value}.`);
    return false;
  }
  if (t.kind === 'float' && ((t.saneMin !== undefined && value < t.saneMin) || (t.saneMax !== undefined && value > t.saneMax))) {
    sink.warning('value/unusual', range, `${what} = ${value} is outside the usual range [${t.saneMin ?? '−∞'}, ${t.saneMax ?? '∞'}]; training may diverge or crawl.`);
  }
  return true;
}
