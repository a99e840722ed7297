/** "Did you mean" suggestions: the closest candidate by edit distance, if it is close enough. */

/** Work done so far, for tests that bound it: how many edit distances were computed. */
export const suggestWork = { editDistances: 0 };

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  suggestWork.editDistances++;
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    [before, prev, cur] = [prev, cur, before];
  }
  return prev[b.length];
}

function normalise(s: string): string {
  return s.toLowerCase().replace(/[-\s]/g, '_');
}

/** Words longer than this get no edit-distance suggestion (its cost grows with the square of the length). */
export const MAX_SUGGESTED_LENGTH = 64;

function exactMatch(w: string, candidates: Iterable<string>): string | undefined {
  const bare = w.replace(/_/g, '');
  for (const c of candidates) if (normalise(c).replace(/_/g, '') === bare) return c;
  return undefined;
}

/**
 * The candidate closest to `word`, or undefined when none is plausibly meant. Case, dashes and
 * known aliases (e.g. Keras's "Conv2D" for "conv2d") count as exact.
 */
export function closest(
  word: string,
  candidates: Iterable<string>,
  aliases?: ReadonlyMap<string, string>,
): string | undefined {
  const w = normalise(word);
  const alias = aliases?.get(w) ?? aliases?.get(w.replace(/_/g, ''));
  if (alias) return alias;
  if (w.length > MAX_SUGGESTED_LENGTH) return exactMatch(w, candidates);
  let best: string | undefined;
  let bestScore = Infinity;
  const limit = Math.max(1, Math.min(3, Math.floor(w.length / 3)));
  for (const c of candidates) {
    const n = normalise(c);
    if (n === w || n.replace(/_/g, '') === w.replace(/_/g, '')) return c;
    const d = editDistance(w, n, limit);
    if (d <= limit && d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  if (best === undefined && w.length >= 3) {
    // A prefix typed so far ("conv" → "conv2d") is a plausible intent too.
    for (const c of candidates) if (normalise(c).startsWith(w)) return c;
  }
  return best;
}

export function didYouMean(suggestion: string | undefined): string {
  return suggestion ? ` Did you mean \`${suggestion}\`?` : '';
}

interface Indexed {
  name: string;
  norm: string;
  /** Position in the candidate list: ties go to the earlier candidate, as in `closest`. */
  order: number;
}

/**
 * `closest` over a set of candidates the document makes (layer names), for many words: the same
 * answers, at bounded cost. Exact matches come from a map; edit distances are computed only
 * against candidates of a near length; and all searches share one budget of comparisons, after
 * which they suggest nothing. N unknown references among N layers then cost O(N), not O(N²).
 */
export class Suggester {
  private readonly exact = new Map<string, string>();
  private readonly byLength = new Map<number, Indexed[]>();
  private readonly sorted: Indexed[];
  /** Comparisons made so far (candidates looked at by edit distance or by prefix). */
  comparisons = 0;

  constructor(
    candidates: Iterable<string>,
    /** Comparisons allowed over all searches. */
    readonly budget = 20_000,
  ) {
    const all: Indexed[] = [];
    for (const name of candidates) {
      const norm = normalise(name);
      const bare = norm.replace(/_/g, '');
      if (!this.exact.has(bare)) this.exact.set(bare, name);
      const c = { name, norm, order: all.length };
      all.push(c);
      let bucket = this.byLength.get(norm.length);
      if (!bucket) this.byLength.set(norm.length, (bucket = []));
      bucket.push(c);
    }
    this.sorted = all.sort((a, b) => (a.norm < b.norm ? -1 : a.norm > b.norm ? 1 : a.order - b.order));
  }

  /** What `closest(word, candidates)` answers, or undefined once the budget is spent. */
  suggest(word: string): string | undefined {
    const w = normalise(word);
    const exact = this.exact.get(w.replace(/_/g, ''));
    if (exact !== undefined || w.length > MAX_SUGGESTED_LENGTH) return exact;
    const limit = Math.max(1, Math.min(3, Math.floor(w.length / 3)));
    let best: Indexed | undefined;
    let bestScore = Infinity;
    for (let len = Math.max(0, w.length - limit); len <= w.length + limit; len++) {
      for (const c of this.byLength.get(len) ?? []) {
        if (++this.comparisons > this.budget) return undefined;
        const d = editDistance(w, c.norm, limit);
        if (d <= limit && (d < bestScore || (d === bestScore && c.order < best!.order))) {
          best = c;
          bestScore = d;
        }
      }
    }
    if (best || w.length < 3) return best?.name;
    // A prefix typed so far: the earliest candidate that starts with it.
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid].norm < w) lo = mid + 1;
      else hi = mid;
    }
    let first: Indexed | undefined;
    for (let i = lo; i < this.sorted.length && this.sorted[i].norm.startsWith(w); i++) {
      if (++this.comparisons > this.budget) return undefined;
      if (!first || this.sorted[i].order < first.order) first = this.sorted[i];
    }
    return first?.name;
  }
}
