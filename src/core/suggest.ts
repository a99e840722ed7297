/** "Did you mean" suggestions: the closest candidate by edit distance, if it is close enough. */

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string, limit = Infinity): number {
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
