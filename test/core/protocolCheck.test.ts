/**
 * The protocols' one validation library (src/core/protocol/check.ts): properties of its
 * combinators over generated values, and the protocol validators built from it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arrayOf, bool, byType, type Check, checkFields, finite, int, isObj, nullable, oneOf, opt, readInt, readList, readObject, readString, reading, record, shape, string, stringMax,
} from '../../src/core/protocol/check';
import { readFromWorker, readToWorker } from '../../src/core/protocol/analysis';
import { validatePreprocessing } from '../../src/core/protocol/preprocessing';
import { isTrainerEventType, validateTrainerEvent, validateTrainOptions } from '../../src/core/protocol/trainer';
import { validateCurvesToWebview } from '../../src/core/protocol/webview';

const checks: [string, Check][] = [
  ['string', string], ['stringMax(3)', stringMax(3)], ['finite', finite], ['int', int], ['bool', bool],
  ['oneOf', oneOf('a', 1)], ['nullable(int)', nullable(int)], ['arrayOf', arrayOf(int, 2)], ['record', record(int)], ['shape', shape({ a: int })],
];
const anyCheck = fc.constantFrom(...checks);
const nonObject = fc.oneof(fc.constant(null), fc.constant(undefined), fc.string(), fc.double(), fc.boolean(), fc.array(fc.anything()));
/** Field names that are not inherited from Object.prototype (those would be "present" on every object). */
const fieldName = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !(k in {}));

describe('check combinators', () => {
  it('opt accepts undefined and otherwise decides as the check it wraps', () => {
    fc.assert(
      fc.property(anyCheck, fc.anything(), ([, c], v) => {
        expect(opt(c)(undefined)).toBe(true);
        if (v !== undefined) expect(opt(c)(v)).toBe(c(v));
      }),
    );
  });

  it('nullable accepts null and otherwise decides as the check it wraps', () => {
    fc.assert(fc.property(anyCheck, fc.anything(), ([, c], v) => void expect(nullable(c)(v)).toBe(v === null || c(v))));
  });

  it('shape rejects non-objects and objects missing a required field, and allows extra fields', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fieldName, { minLength: 1, maxLength: 5 }), nonObject, fc.nat(), (keys, notObj, pick) => {
        const check = shape(Object.fromEntries(keys.map((k) => [k, int])));
        const full = Object.fromEntries(keys.map((k, i) => [k, i]));
        expect(check(notObj)).toBe(false);
        expect(check(full)).toBe(true);
        expect(check({ ...full, extra: 'x' })).toBe(true);
        const missing = { ...full };
        delete missing[keys[pick % keys.length]];
        expect(check(missing)).toBe(false);
      }),
    );
  });

  it('arrayOf rejects arrays over the limit and arrays with one failing item', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 30 }), fc.nat(30), fc.nat(), (xs, max, at) => {
        expect(arrayOf(int, max)(xs)).toBe(xs.length <= max);
        if (xs.length > 0 && xs.length <= max) {
          const bad: unknown[] = [...xs];
          bad[at % xs.length] = 'x';
          expect(arrayOf(int, max)(bad)).toBe(false);
        }
      }),
    );
  });

  it('stringMax rejects strings over the limit; record rejects any failing value', () => {
    fc.assert(fc.property(fc.string({ maxLength: 20 }), fc.nat(20), (s, max) => void expect(stringMax(max)(s)).toBe(s.length <= max)));
    fc.assert(
      fc.property(fc.dictionary(fieldName, fc.integer()), fieldName, (d, k) => {
        expect(record(int)(d)).toBe(true);
        expect(record(int)({ ...d, [k]: 'x' })).toBe(false);
      }),
    );
  });

  it('oneOf accepts exactly the listed values', () => {
    fc.assert(fc.property(fc.anything(), (v) => void expect(oneOf('a', 'b', 2)(v)).toBe(v === 'a' || v === 'b' || v === 2)));
  });

  it('checkFields names exactly the failing fields', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fieldName, { minLength: 1, maxLength: 6 }), fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), (keys, breaks) => {
        const fields = Object.fromEntries(keys.map((k) => [k, int]));
        const v = Object.fromEntries(keys.map((k, i) => [k, breaks[i] ? 'x' : 1]));
        // In the fields' own order (an integer-like name such as "0" comes first in a JS object).
        const failing = Object.keys(fields).filter((k) => breaks[keys.indexOf(k)]);
        const r = checkFields('thing', v, fields);
        if (!failing.length) {
          expect(r).toEqual({ ok: true, value: v });
          return;
        }
        const names = failing.map((k) => `\`${k}\``).join(', ');
        expect(r).toEqual({ ok: false, error: `invalid thing: field${failing.length === 1 ? '' : 's'} ${names} missing or of the wrong type` });
      }),
    );
    fc.assert(fc.property(nonObject, (v) => void expect(checkFields('thing', v, {})).toEqual({ ok: false, error: 'thing must be an object' })));
  });

  it('byType accepts only its own types, never an inherited key', () => {
    const table = { a: { n: int } };
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom('toString', 'constructor', '__proto__', 'hasOwnProperty')), (type) => {
        fc.pre(type !== 'a');
        expect(byType('test message', { type }, table)).toMatchObject({ ok: false, error: expect.stringMatching(/^unknown test message type /) });
      }),
    );
    expect(byType('test message', { type: 'a', n: 1 }, table)).toMatchObject({ ok: true });
    expect(byType('test message', { type: 'a', n: 'x' }, table)).toEqual({ ok: false, error: 'invalid `a` test message: field `n` missing or of the wrong type' });
  });

  it('readers name the path to the failing value', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 10 }), fc.nat(), (xs, at) => {
        const i = at % xs.length;
        const bad = [...xs];
        bad[i] = -1;
        expect(reading(() => readList(readInt(0, 9))(xs, 'root.list'))).toEqual({ ok: true, value: xs });
        expect(reading(() => readList(readInt(0, 9))(bad, 'root.list'))).toEqual({ ok: false, error: `\`root.list[${i}]\` must be a whole number in 0…9` });
      }),
    );
    expect(reading(() => readString(readObject({ a: 1 }, 'x').a, 'x.a'))).toEqual({ ok: false, error: '`x.a` must be a string' });
    expect(() => reading(() => JSON.parse('{'))).toThrow(SyntaxError); // a bug in a reader is not a validation failure
    expect(isObj([])).toBe(false);
  });
});

describe('the protocol validators built on it', () => {
  const point = (i: number) => ({ kind: 'batch', step: i, epoch: i / 100, time: i, values: { loss: i % 3 ? 0.5 : null } });

  it('a curves `points` message with one bad point anywhere is refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.nat(), fc.constantFrom({ step: 'x' }, { kind: 'hour' }, { values: { loss: 'x' } }, { time: Infinity }), (n, at, damage) => {
        const points: object[] = Array.from({ length: n }, (_, i) => point(i));
        expect(validateCurvesToWebview({ type: 'points', runId: 'r', points })).toMatchObject({ ok: true });
        points[at % n] = { ...points[at % n], ...damage };
        expect(validateCurvesToWebview({ type: 'points', runId: 'r', points })).toEqual({ ok: false, error: 'invalid `points` curves host message: field `points` missing or of the wrong type' });
      }),
      { numRuns: 30 },
    );
  });

  it('inherited names are neither trainer event types nor options', () => {
    for (const type of ['toString', 'constructor', '__proto__']) {
      expect(isTrainerEventType(type)).toBe(false);
      expect(validateTrainerEvent({ type, time: 1 })).toMatchObject({ ok: false, error: expect.stringContaining('unknown trainer event type') });
    }
    expect(validateTrainOptions({ toString: 1 })).toEqual({ ok: false, error: 'unknown option: toString' });
  });

  it('preprocessing.json: a number field holding "toString" is refused, "NaN" and "Infinity" are read as numbers', () => {
    const pre = (mean: unknown[]) => ({
      schemaVersion: 1,
      input: { source: 'idx', kind: 'values', shape: [1] },
      steps: [{ type: 'standardize', params: {}, atInference: 'apply', fitted: { mean, std: [1] } }],
      features: { shape: [1] },
      labels: { kind: 'unknown', shape: [] },
      dataFingerprint: 'f',
    });
    expect(validatePreprocessing(pre(['toString']))).toEqual({ ok: false, error: '`steps[0].fitted.mean[0]` must be a number' });
    const ok = validatePreprocessing(pre(['-Infinity']));
    expect(ok.ok && ok.value.steps[0].fitted).toEqual({ mean: [-Infinity], std: [1] });
  });

  it('analysis worker messages: well-formed ones pass, damaged or unknown ones are refused by name', () => {
    expect(readToWorker({ type: 'call', id: 3, uri: 'file:///a', version: 2, feature: 'doHover', args: [{ line: 0, character: 1 }] })).toMatchObject({ ok: true });
    expect(readToWorker({ type: 'configure', refused: [{ uri: 'file:///a', path: 'd.csv', code: 'data/read-timeout', message: 'm' }] })).toMatchObject({ ok: true });
    expect(readToWorker({ type: 'configure', refused: [{ uri: 'file:///a' }] })).toEqual({ ok: false, error: 'invalid `configure` analysis request: field `refused` missing or of the wrong type' });
    expect(readToWorker({ type: 'sync', uri: 'file:///a', version: 1 })).toEqual({ ok: false, error: 'invalid `sync` analysis request: field `text` missing or of the wrong type' });
    expect(readFromWorker({ type: 'reading', uri: 'file:///a', path: 'd.csv' })).toMatchObject({ ok: true });
    expect(readFromWorker({ type: 'failed', id: 1.5, message: 'x' })).toMatchObject({ ok: false });
    for (const type of ['toString', 'constructor', '__proto__']) expect(readFromWorker({ type })).toMatchObject({ ok: false, error: expect.stringContaining('unknown analysis answer type') });
  });
});
