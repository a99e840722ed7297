/**
 * The catalog: the single source of truth for every name a spec can use.
 */
import { activations } from './activations';
import { initializers } from './initializers';
import { layers } from './layers';
import { losses } from './losses';
import { metrics } from './metrics';
import { optimizers } from './optimizers';
import { regularizers } from './regularizers';
import { schedules } from './schedules';
import { sources } from './sources';
import { steps } from './steps';
import type {
  ActivationEntry,
  Category,
  CatalogEntry,
  InitializerEntry,
  LayerEntry,
  LossEntry,
  MetricEntry,
  OptimizerEntry,
  RegularizerEntry,
  ScheduleEntry,
  SourceEntry,
  StepEntry,
} from './types';

export * from './types';
export { builtinDatasets } from './sources';
export { withDefaults } from './defaults';
export { camelCase, tfjsFactory, tfjsLayerArgs, tfName, type ResolveArg } from './tfjsArgs';

interface ByCategory {
  layer: LayerEntry;
  activation: ActivationEntry;
  loss: LossEntry;
  optimizer: OptimizerEntry;
  metric: MetricEntry;
  regularizer: RegularizerEntry;
  initializer: InitializerEntry;
  schedule: ScheduleEntry;
  source: SourceEntry;
  step: StepEntry;
}

const lists: { [C in Category]: readonly ByCategory[C][] } = {
  layer: layers,
  activation: activations,
  loss: losses,
  optimizer: optimizers,
  metric: metrics,
  regularizer: regularizers,
  initializer: initializers,
  schedule: schedules,
  source: sources,
  step: steps,
};

const maps = Object.fromEntries(
  Object.entries(lists).map(([c, list]) => [c, new Map(list.map((e) => [e.name, e]))]),
) as { [C in Category]: Map<string, ByCategory[C]> };

export const categories = Object.keys(lists) as Category[];

/** Human names for categories, used in messages ("unknown layer type"). */
export const categoryNoun: Record<Category, string> = {
  layer: 'layer type',
  activation: 'activation',
  loss: 'loss',
  optimizer: 'optimizer',
  metric: 'metric',
  regularizer: 'regularizer',
  initializer: 'initializer',
  schedule: 'learning-rate schedule',
  source: 'data source',
  step: 'pipeline step',
};

export function entries<C extends Category>(category: C): readonly ByCategory[C][] {
  return lists[category];
}

export function lookup<C extends Category>(category: C, name: string): ByCategory[C] | undefined {
  return maps[category].get(name);
}

export function allEntries(): CatalogEntry[] {
  return categories.flatMap((c) => lists[c] as readonly CatalogEntry[]);
}
