/** Evaluation metrics of a trained model's predictions, equal to scikit-learn's; see docs/evaluation.md. */
export { evaluateClassification, type ClassificationInput, type ClassificationMetrics, type ClassificationOptions } from './classification';
export { evaluateMultiLabel, type MultiLabelInput, type MultiLabelMetrics } from './multilabel';
export { evaluateRegression, type RegressionInput, type RegressionMetrics, type RegressionOptions } from './regression';
export { classificationReport, classificationSummary, multiLabelReport, regressionReport } from './report';
export {
  EVALUATION_SCHEMA_VERSION,
  classificationJson,
  evaluationJsonProblem,
  multiLabelJson,
  regressionJson,
  type EvaluationContext,
  type EvaluationJson,
  type JsonOptions,
} from './schema';
export { EvaluationInputError } from './validate';
export { scorePredictions, type ScoredPredictions } from './score';
