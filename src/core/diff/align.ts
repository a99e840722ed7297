/**
 * Sequence alignment for the spec diff: a weighted longest-common-subsequence, so an inserted
 * layer (or pipeline step) pairs everything after it with its old self instead of marking the
 * rest of the model as changed.
 */

/** One step of an alignment: a pair, or an item only on one side. */
export type Aligned = { before: number; after: number } | { before: number; after?: undefined } | { before?: undefined; after: number };

/**
 * Aligns `a` with `b`, maximising the summed `score` of the pairs kept in order. `score` is ≤ 0
 * for items that must not pair. O(|a|·|b|), fine for the hundreds of layers a spec has.
 */
export function align<A, B>(a: readonly A[], b: readonly B[], score: (x: A, y: B) => number, identical?: (x: A, y: B) => boolean): Aligned[] {
  // Identical runs at both ends pair directly: most edits touch one place, and the table is O(n·m).
  let head = 0;
  while (identical && head < a.length && head < b.length && identical(a[head], b[head])) head++;
  let tail = 0;
  while (identical && tail < a.length - head && tail < b.length - head && identical(a[a.length - 1 - tail], b[b.length - 1 - tail])) tail++;
  const middle = alignTable(a.slice(head, a.length - tail), b.slice(head, b.length - tail), score).map((s) => ({
    ...(s.before === undefined ? {} : { before: s.before + head }),
    ...(s.after === undefined ? {} : { after: s.after + head }),
  }) as Aligned);
  const ends = (from: number, count: number, shift: number): Aligned[] => Array.from({ length: count }, (_, k) => ({ before: from + k, after: from + k + shift }));
  return [...ends(0, head, 0), ...middle, ...ends(a.length - tail, tail, b.length - a.length)];
}

function alignTable<A, B>(a: readonly A[], b: readonly B[], score: (x: A, y: B) => number): Aligned[] {
  const n = a.length;
  const m = b.length;
  const pair: number[][] = a.map((x) => b.map((y) => score(x, y)));
  // best[i][j]: the best total aligning a[i..] with b[j..].
  const best: Float64Array[] = Array.from({ length: n + 1 }, () => new Float64Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const s = pair[i][j];
      const matched = s > 0 ? s + best[i + 1][j + 1] : -Infinity;
      best[i][j] = Math.max(matched, best[i + 1][j], best[i][j + 1]);
    }
  }
  const out: Aligned[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    const s = pair[i][j];
    if (s > 0 && best[i][j] === s + best[i + 1][j + 1]) out.push({ before: i++, after: j++ });
    // On a tie, removals come before additions, as in a line diff.
    else if (best[i][j] === best[i + 1][j]) out.push({ before: i++ });
    else out.push({ after: j++ });
  }
  while (i < n) out.push({ before: i++ });
  while (j < m) out.push({ after: j++ });
  return out;
}
