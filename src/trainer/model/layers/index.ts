/** One builder per catalog layer, in files that mirror src/core/catalog/layers/. */
import { activationBuilders } from './activation';
import { attentionBuilders } from './attention';
import { convBuilders } from './conv';
import { coreBuilders } from './core';
import { embeddingBuilders } from './embedding';
import { mergeBuilders } from './merge';
import { normBuilders } from './norm';
import { noiseBuilders } from './noise';
import { poolBuilders } from './pool';
import { recurrentBuilders } from './recurrent';
import { resizeBuilders } from './resize';
import type { Builder } from './shared';

export const LAYER_BUILDERS: Record<string, Builder> = {
  ...coreBuilders,
  ...activationBuilders,
  ...noiseBuilders,
  ...convBuilders,
  ...poolBuilders,
  ...resizeBuilders,
  ...normBuilders,
  ...embeddingBuilders,
  ...recurrentBuilders,
  ...attentionBuilders,
  ...mergeBuilders,
};
