/**
 * The one message-validation library of the protocols (trainer, webview, LSP, preprocessing.json).
 *
 * Two layers over the same predicates:
 * - `Check`s answer yes/no and allocate nothing on success: a curves `runData` message can hold
 *   100k points, each checked field by field; `checkFields`/`byType` name the failing fields only
 *   after a check failed.
 * - readers (`read*`) check and convert a value at a path and throw `Invalid` naming that path
 *   (`steps[2].fitted.mean[1]`); `reading` turns the throw into a `Validated` failure.
 *
 * Why not zod: the webview bundles import these validators. A zod (3.25) schema for the curves
 * `points` message bundles to 60 KB minified (14 KB gzip), against 2.5 KB (1.2 KB gzip) for all
 * of this file; and checking one 100k-point `points` message took a median 340 ms with zod's
 * `safeParse` (it copies every object it parses) against 18 ms here (node 20, esbuild-minified
 * bundles, 2-core dev container). The combinators are a few lines each. Dependency-free, pure.
 */

export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

/** A predicate over an untrusted value. */
export type Check = (v: unknown) => boolean;

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** A plain object (not null, not an array). */
export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// ─── Checks ──────────────────────────────────────────────────────────────────────────────────

export const string: Check = (v) => typeof v === 'string';
/** A bounded string: an untrusted sender cannot make the receiver hold gigabytes. */
export const stringMax = (max: number): Check => (v) => typeof v === 'string' && v.length <= max;
/** Any number, NaN and ±Infinity included. */
export const number: Check = (v) => typeof v === 'number';
export const finite: Check = (v) => typeof v === 'number' && Number.isFinite(v);
export const int: Check = (v) => typeof v === 'number' && Number.isInteger(v);
/** A whole number of at least `min`. */
export const intFrom = (min: number): Check => (v) => typeof v === 'number' && Number.isInteger(v) && v >= min;
export const bool: Check = (v) => typeof v === 'boolean';
/** Absent (undefined) or passing `c`. */
export const opt = (c: Check): Check => (v) => v === undefined || c(v);
/** null or passing `c`. */
export const nullable = (c: Check): Check => (v) => v === null || c(v);
/** One of the listed strings or numbers. */
export const oneOf = (...xs: (string | number)[]): Check => (v) => (typeof v === 'string' || typeof v === 'number') && xs.includes(v);
/** An array of at most `max` items, each passing `c`. */
export const arrayOf = (c: Check, max: number): Check => (v) => {
  if (!Array.isArray(v) || v.length > max) return false;
  for (let i = 0; i < v.length; i++) if (!c(v[i])) return false;
  return true;
};
/** An object whose every own value passes `c` (a map from names to values). */
export const record = (c: Check): Check => (v) => {
  if (!isObj(v)) return false;
  for (const k in v) if (hasOwn(v, k) && !c(v[k])) return false;
  return true;
};

/** Fields of an object and the check each must pass (an absent field is `undefined`). */
export type Fields = Record<string, Check>;

function passes(v: Record<string, unknown>, entries: [string, Check][]): boolean {
  for (let i = 0; i < entries.length; i++) if (!entries[i][1](v[entries[i][0]])) return false;
  return true;
}

/** An object whose fields pass their checks (other fields are allowed). */
export const shape = (fields: Fields): Check => {
  const entries = Object.entries(fields);
  return (v) => isObj(v) && passes(v, entries);
};

/** The fields of `v` that fail their checks. */
export const failingFields = (v: Record<string, unknown>, fields: Fields): string[] => Object.keys(fields).filter((k) => !fields[k](v[k]));

/** "field `a` missing or of the wrong type", "fields `a`, `b` …": run only once a check failed. */
export function describeFailure(v: Record<string, unknown>, fields: Fields): string {
  const bad = failingFields(v, fields);
  return `field${bad.length === 1 ? '' : 's'} ${bad.map((b) => `\`${b}\``).join(', ')} missing or of the wrong type`;
}

/**
 * Checks an object field by field. Errors: `notAnObject`, or "invalid <what>: field `x` missing
 * or of the wrong type".
 */
export function checkFields<T>(what: string, v: unknown, fields: Fields, notAnObject = `${what} must be an object`): Validated<T> {
  if (!isObj(v)) return { ok: false, error: notAnObject };
  if (!passes(v, Object.entries(fields))) return { ok: false, error: `invalid ${what}: ${describeFailure(v, fields)}` };
  return { ok: true, value: v as T };
}

/** Checks a message by its `type` field: `table` holds each type's fields (own keys only: not `toString`). */
export function byType<T extends { type: string }>(what: string, v: unknown, table: Record<string, Fields>): Validated<T> {
  if (!isObj(v)) return { ok: false, error: `a ${what} must be an object` };
  const type = v.type;
  if (typeof type !== 'string' || !hasOwn(table, type)) return { ok: false, error: `unknown ${what} type ${JSON.stringify(type)?.slice(0, 60)}` };
  return checkFields<T>(`\`${type}\` ${what}`, v, table[type]);
}

/** Whether `type` is one of the table's own keys. */
export const isTypeOf = <K extends string>(table: Record<K, unknown>, type: unknown): type is K => typeof type === 'string' && hasOwn(table, type);

// ─── Readers ─────────────────────────────────────────────────────────────────────────────────

/** A reader's failure: "`<path>` <problem>". */
export class Invalid extends Error {}

/** A reader: checks (and may convert) the value found at path `at`. */
export type Reader<T> = (v: unknown, at: string) => T;

export const fail = (at: string, problem: string): never => {
  throw new Invalid(`\`${at}\` ${problem}`);
};
/** A reader from a check: the value itself when it passes, else "`at` <problem>". */
export const expect = <T>(c: Check, problem: string): Reader<T> => (v, at) => (c(v) ? (v as T) : fail(at, problem));

export const readObject: Reader<Record<string, unknown>> = expect(isObj, 'must be an object');
export const readString: Reader<string> = expect(string, 'must be a string');
export const readInt = (min = 0, max = 2 ** 31 - 1): Reader<number> => expect((v) => int(v) && (v as number) >= min && (v as number) <= max, `must be a whole number in ${min}…${max}`);
export const readList = <T>(item: Reader<T>): Reader<T[]> => (v, at) => (Array.isArray(v) ? v.map((x, i) => item(x, `${at}[${i}]`)) : fail(at, 'must be a list'));
export const readOptional = <T>(item: Reader<T>): Reader<T | undefined> => (v, at) => (v === undefined ? undefined : item(v, at));
export const readOneOf = <T extends string>(xs: readonly T[]): Reader<T> => expect<T>(oneOf(...xs), `must be one of ${xs.join(', ')}`);

/** Runs readers; an `Invalid` thrown by one becomes the failure (anything else is a bug and propagates). */
export function reading<T>(read: () => T): Validated<T> {
  try {
    return { ok: true, value: read() };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: e.message };
    throw e;
  }
}
