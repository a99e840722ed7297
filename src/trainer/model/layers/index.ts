/**
 * One builder per catalog layer: the generic builder (the catalog's tfjs mapping) for every layer
 * tfjs has a factory for, and the hand-written exceptions of the files that mirror
 * src/core/catalog/layers/. Every builder gets the catalog's defaults under the spec's values.
 */
import { entries, tfjsFactory, withDefaults } from '../../../core/catalog';
import { activationBuilders } from './activation';
import { attentionBuilders } from './attention';
import { bertBuilders } from './bertBuilder';
import { convBuilders } from './conv';
import { coreBuilders } from './core';
import { embeddingBuilders } from './embedding';
import { genericBuilder } from './generic';
import { mergeBuilders } from './merge';
import { normBuilders } from './norm';
import { recurrentBuilders } from './recurrent';
import type { Builder } from './shared';

const EXCEPTIONS: Record<string, Builder> = {
  ...coreBuilders,
  ...convBuilders,
  ...mergeBuilders,
  ...activationBuilders,
  ...embeddingBuilders,
  ...recurrentBuilders,
  ...attentionBuilders,
  ...bertBuilders,
  ...normBuilders,
};

export const LAYER_BUILDERS: Record<string, Builder> = Object.fromEntries(
  entries('layer').flatMap((entry) => {
    const builder = EXCEPTIONS[entry.name] ?? (tfjsFactory(entry) ? genericBuilder(entry) : undefined);
    return builder ? [[entry.name, ((p, ctx) => builder(withDefaults(entry.params, p), ctx)) as Builder]] : [];
  }),
);
