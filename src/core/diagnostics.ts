/**
 * Findings of the checker. Ranges are UTF-16 offsets into the spec text (what the `yaml` parser
 * reports and what LSP positions count in); adapters turn them into lines and columns.
 */
import type { ShapeAction } from './catalog/types';

export interface Range {
  start: number;
  end: number;
}

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** A machine-readable fix a code action can apply. */
export type Fix =
  | { kind: 'replace'; range: Range; text: string; title: string }
  | { kind: 'insert_layer_before'; layerIndex: number; layer: string; title: string }
  | { kind: 'set_param'; itemRange: Range; param: string; value: unknown; title: string }
  | { kind: 'add_key'; parentRange: Range; key: string; value: string; title: string };

export interface RelatedInfo {
  message: string;
  range: Range;
}

export interface Diagnostic {
  /** Stable code, e.g. "key/unknown", "shape/rank". Documented in docs/language.md. */
  code: string;
  severity: Severity;
  message: string;
  range: Range;
  related?: RelatedInfo[];
  fixes?: Fix[];
}

export type { ShapeAction };

export class DiagnosticSink {
  readonly items: Diagnostic[] = [];
  /** Bounds the work on pathological input: a file with a million errors reports the first few hundred. */
  constructor(private readonly limit = 500) {}

  add(d: Diagnostic): void {
    if (this.items.length < this.limit) this.items.push(d);
  }
  error(code: string, range: Range, message: string, extra?: Partial<Diagnostic>): void {
    this.add({ code, severity: 'error', message, range, ...extra });
  }
  warning(code: string, range: Range, message: string, extra?: Partial<Diagnostic>): void {
    this.add({ code, severity: 'warning', message, range, ...extra });
  }
  get full(): boolean {
    return this.items.length >= this.limit;
  }
}

/** How many findings with one message are listed before the rest are summed up in one. */
export const MAX_REPEATS = 5;

/**
 * The findings (in order) with each run of identical ones (same code, severity and message: the
 * same mistake pasted 500 times) cut after `keep`: the next one stands for the rest and says how
 * many there are (`capped`: the sink dropped findings, so at least that many).
 */
export function collapseRepeats(items: Diagnostic[], options: { keep?: number; capped?: boolean } = {}): Diagnostic[] {
  const keep = options.keep ?? MAX_REPEATS;
  const seen = new Map<string, { count: number; summary?: Diagnostic }>();
  const out: Diagnostic[] = [];
  for (const d of items) {
    const key = `${d.severity}\u0000${d.code}\u0000${d.message}`;
    let s = seen.get(key);
    if (!s) seen.set(key, (s = { count: 0 }));
    s.count++;
    if (s.count <= keep) out.push(d);
    else if (!s.summary) {
      s.summary = { code: d.code, severity: d.severity, message: d.message, range: d.range };
      out.push(s.summary);
    }
  }
  for (const s of seen.values()) {
    // When the report was capped, more of them may have gone uncounted.
    if (s.summary) s.summary.message = `${options.capped ? 'At least ' : ''}${s.count - keep} more times from here on (not listed one by one): ${s.summary.message}`;
  }
  return out;
}

/** Maps offsets to 0-based line/character positions (binary search over line starts). */
export class LineIndex {
  private readonly starts: number[];
  constructor(
    readonly text: string,
    /** Line starts known already (see `edited`); scanned from the text when absent. */
    starts?: number[],
  ) {
    if (starts) this.starts = starts;
    else {
      this.starts = [0];
      for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
    }
  }

  /**
   * The index of `text`, which is `prev.text` with `[start, oldEnd)` replaced by `text`'s
   * `[start, newEnd)`: only the replaced part is scanned; later line starts move.
   */
  static edited(prev: LineIndex, text: string, start: number, oldEnd: number, newEnd: number): LineIndex {
    const s = prev.starts;
    // Line starts up to `start` stay (their newline lies before the edit); those after `oldEnd` move.
    const upper = (x: number) => {
      let lo = 0;
      let hi = s.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (s[mid] <= x) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    const starts = s.slice(0, upper(start));
    for (let i = start; i < newEnd; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
    const delta = newEnd - oldEnd;
    for (let k = upper(oldEnd); k < s.length; k++) starts.push(s[k] + delta);
    return new LineIndex(text, starts);
  }
  position(offset: number): { line: number; character: number } {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }
  offset(line: number, character: number): number {
    if (line < 0) return 0;
    if (line >= this.starts.length) return this.text.length;
    const lineEnd = line + 1 < this.starts.length ? this.starts[line + 1] - 1 : this.text.length;
    return Math.min(this.starts[line] + Math.max(0, character), lineEnd);
  }
  get lineCount(): number {
    return this.starts.length;
  }
}
