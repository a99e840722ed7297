/**
 * Pipeline steps, applied in order to every sample. `apply` follows the per-sample shape.
 *
 * Steps that learn statistics from the data (fill_missing, clip_outliers, normalize, standardize,
 * tokenize, label_encode) learn them from the training samples only and apply them unchanged to
 * validation and test samples, so no information leaks from the held-out data.
 */
import { dropMissing, fillMissing, dropDuplicates, clipOutliers } from './cleaning';
import { select, join, concat } from './integration';
import { keepLabels, labelEncode, oneHot } from './labels';
import { tokenize, padSequences, wordpiece } from './text';
import { scale, normalize, standardize, reshape } from './transform';
import { shuffle, augment, split } from './order';
import type { StepEntry } from '../types';

export { splitTokens } from './text';

export const steps: readonly StepEntry[] = [
  dropMissing,
  fillMissing,
  dropDuplicates,
  clipOutliers,
  select,
  join,
  concat,
  labelEncode,
  oneHot,
  keepLabels,
  tokenize,
  padSequences,
  wordpiece,
  scale,
  normalize,
  standardize,
  reshape,
  shuffle,
  augment,
  split,
];
