/**
 * The trainer's side of scoring (src/core/evaluate/score.ts decides the metrics from the label kind
 * and loss): unscorable predictions and unknown label kinds become TrainerErrors.
 */
import { EvaluationInputError, scorePredictions, type EvaluationContext, type Scoring, type ScoredPart } from '../core/evaluate';
import { fail } from './util';

export type PartEvaluation = ScoredPart;
export type { Scoring };

/** The metrics of one part: `actual` and `predicted` hold one row per sample (labels as trained, model outputs). */
export function scorePart(actual: number[][], predicted: number[][], s: Scoring, ctx: EvaluationContext): PartEvaluation {
  let scored: PartEvaluation | undefined;
  try {
    scored = scorePredictions(actual, predicted, s, ctx);
  } catch (e) {
    if (e instanceof EvaluationInputError) fail('evaluate/predictions', `The model's predictions cannot be scored: ${e.message}`);
    throw e;
  }
  return scored ?? fail('evaluate/unsupported', `The run's labels (shape [${s.labels.shape.join(', ')}]) are of no kind the evaluation knows: train with label_type set on the source (class, binary, signed or continuous), or one_hot labels.`);
}
