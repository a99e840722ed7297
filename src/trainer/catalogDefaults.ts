/**
 * The trainer's tables (losses, metrics, optimizers, schedules, pipeline steps, data sources) take
 * their parameters' defaults from the catalog, so no default is written twice.
 */
import { lookup, withDefaults, type Category } from '../core/catalog';

/** An entry's parameters as given, over the catalog's defaults. */
export function catalogParams(category: Category, name: string, given: Record<string, unknown>): Record<string, unknown> {
  return { ...withDefaults(lookup(category, name)?.params ?? [], given) };
}

/** Each maker of the table gets its entry's parameters with the catalog's defaults under the given ones. */
export function defaulted<A extends unknown[], R>(category: Category, table: Record<string, (p: Record<string, unknown>, ...rest: A) => R>): Record<string, (p: Record<string, unknown>, ...rest: A) => R> {
  return Object.fromEntries(Object.entries(table).map(([name, make]) => [name, (p: Record<string, unknown>, ...rest: A) => make(catalogParams(category, name, p), ...rest)]));
}
