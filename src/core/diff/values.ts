/** Comparing and printing spec values (numbers, strings, lists, catalog references) for the diff. */

function isItemValue(v: unknown): v is { type: string; params: Record<string, unknown> } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { type?: unknown }).type === 'string' && typeof (v as { params?: unknown }).params === 'object';
}

/** Key-order-independent JSON, so `{a, b}` equals `{b, a}`. */
export function canonical(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    if (v instanceof Map) return canonical(Object.fromEntries(v));
    const entries = Object.entries(v).filter(([, x]) => x !== undefined).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function sameValue(x: unknown, y: unknown): boolean {
  return canonical(x) === canonical(y);
}

/** As a reviewer reads it: 0.001, relu, leaky_relu(alpha=0.2), [28, 28, 1], "—" for absent. */
export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return '—';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) >= 10000 ? v.toLocaleString('en-US') : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (isItemValue(v)) {
    const params = Object.entries(v.params);
    return params.length ? `${v.type}(${params.map(([k, x]) => `${k}=${formatValue(x)}`).join(', ')})` : v.type;
  }
  if (v instanceof Map) return formatValue(Object.fromEntries(v));
  if (typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${formatValue(x)}`).join(', ')} }`;
  return String(v);
}

/** JSON-safe copy (Maps become objects) for the diff's JSON form. */
export function plainValue(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plainValue(x)]));
  if (Array.isArray(v)) return v.map(plainValue);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainValue(x)]));
  return v;
}
