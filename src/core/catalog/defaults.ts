import type { Params, ParamSpec } from './types';

/** An entry's parameters with its defaults applied under the given values. */
export function withDefaults(specs: readonly ParamSpec[], given: Readonly<Record<string, unknown>> = {}): Params {
  const out: Record<string, unknown> = {};
  for (const s of specs) if (s.default !== undefined) out[s.name] = s.default;
  return { ...out, ...given };
}
