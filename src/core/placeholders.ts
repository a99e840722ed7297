/** Placeholder values for a parameter type: what quick fixes and completions insert. */
import { entries } from './catalog';
import type { ParamType } from './catalog/types';

export function placeholderFor(t: ParamType, name = ''): unknown {
  switch (t.kind) {
    case 'int':
      return Math.max(1, t.min ?? 1);
    case 'float':
      return t.min !== undefined && t.min > 0 ? t.min : 0.1;
    case 'bool':
      return true;
    case 'enum':
      return t.values[0];
    case 'int_or_ints':
      return 3;
    case 'ints':
      return [1];
    case 'ref':
      return entries(t.category)[0]?.name ?? '';
    case 'path':
      return t.folder ? 'data/' : 'data/file';
    case 'string':
      return name;
    default:
      return '';
  }
}
