/** Evaluation metrics of a trained model's predictions, equal to scikit-learn's; see docs/evaluation.md. */
export { evaluateClassification, type ClassificationInput, type ClassificationMetrics, type ClassificationOptions } from './classification';
export { evaluateMultiLabel, type MultiLabelInput, type MultiLabelMetrics } from './multilabel';
export { evaluateRegression, type RegressionInput, type RegressionMetrics, type RegressionOptions } from './regression';
export { classificationReport, classificationSummary, multiLabelReport, multiLabelSummary, regressionReport } from './report';
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
export { evaluationJsonSchema } from './jsonSchema';
export { EvaluationInputError } from './validate';
export {
  EVALUATION_SAMPLES_VERSION,
  parseSamples,
  samplesFileOf,
  serializeSamples,
  SamplesFileError,
  type EvaluationSample,
  type EvaluationSamplesHeader,
  type SampleDisplayKind,
} from './samples';
export { scorePredictions, type ScoredPart, type Scoring } from './score';
