/**
 * Symbolic tensor shapes. A dimension is a number when known statically and `null` when it is
 * symbolic (the batch axis, or a sequence length fixed only at run time), like Keras's `None`.
 * Shapes always include the batch axis first.
 */
export type Dim = number | null;
export type Shape = readonly Dim[];

export function formatShape(shape: Shape): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`;
}

/** Number of elements per sample (all axes but the batch axis); null when any is symbolic. */
export function sampleSize(shape: Shape): number | null {
  let n = 1;
  for (let i = 1; i < shape.length; i++) {
    const d = shape[i];
    if (d === null) return null;
    n *= d;
  }
  return n;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Two dims are compatible when equal or when either is symbolic. */
export function dimsCompatible(a: Dim, b: Dim): boolean {
  return a === null || b === null || a === b;
}

/** Output length of a convolution or pooling window along one axis (tfjs-layers' convOutputLength). */
export function convOutputLength(
  inputLength: Dim,
  kernel: number,
  padding: 'valid' | 'same' | 'causal',
  stride: number,
  dilation = 1,
): Dim {
  if (inputLength === null) return null;
  const effective = kernel + (kernel - 1) * (dilation - 1);
  const length = padding === 'same' || padding === 'causal' ? inputLength : inputLength - effective + 1;
  return Math.floor((length + stride - 1) / stride);
}

/** Normalises `3` or `[3, 3]` to a tuple of `rank` integers. */
export function toTuple(value: unknown, rank: number, fallback: number): number[] {
  if (typeof value === 'number') return Array.from({ length: rank }, () => value);
  if (Array.isArray(value) && value.length === rank && value.every((v) => typeof v === 'number')) {
    return value as number[];
  }
  return Array.from({ length: rank }, () => fallback);
}
