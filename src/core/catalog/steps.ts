/**
 * Pipeline steps, applied in order to every sample. `apply` follows the per-sample shape.
 */
import type { StepEntry } from './types';

const scale: StepEntry = {
  name: 'scale',
  category: 'step',
  summary: 'Divides every feature by a constant (e.g. pixels by 255).',
  docs: 'The simplest normalisation: `x / divisor`. Pixels in [0, 255] become [0, 1].',
  params: [{ name: 'divisor', type: { kind: 'float', min: 0, exclusiveMin: true }, required: true, doc: 'The constant to divide by.' }],
  formulas: [{ label: 'scale', latex: "x' = \\frac{x}{d}", unicode: 'x′ = x / d' }],
  tfjs: 'tf.div',
  primary: 'divisor',
  apply(input, { params }) {
    const d = params.divisor as number;
    return { data: { ...input, valueRange: input.valueRange && [input.valueRange[0] / d, input.valueRange[1] / d] } };
  },
  shapeCases: [{ params: { divisor: 255 }, input: { features: [784], labels: [], labelKind: 'class_index', classes: 10, valueRange: [0, 255] }, output: { features: [784], valueRange: [0, 1] } }],
};

const oneHot: StepEntry = {
  name: 'one_hot',
  category: 'step',
  summary: 'Turns a class-index label into a one-hot vector.',
  docs: 'Label `k` becomes a vector of `classes` zeros with a one at position k, the form `categorical_crossentropy` expects.',
  params: [{ name: 'classes', type: { kind: 'int', min: 2 }, doc: 'Number of classes (default: the number the source declares).' }],
  formulas: [{ label: 'one-hot', latex: 'e_k = (0, \\dots, 0, \\underbrace{1}_{k}, 0, \\dots, 0) \\in \\{0,1\\}^K', unicode: 'eₖ = (0, …, 1 at k, …, 0) ∈ {0,1}ᴷ' }],
  tfjs: 'tf.oneHot',
  primary: 'classes',
  apply(input, { params }) {
    const classes = (params.classes as number | undefined) ?? input.classes;
    if (input.labelKind === 'one_hot') {
      return { error: { code: 'data/already-one-hot', message: 'The labels are already one-hot; remove this step.' } };
    }
    if (input.labelKind === 'continuous') {
      return { error: { code: 'data/not-categorical', message: '`one_hot` needs class labels, but the labels are continuous values.' } };
    }
    if (classes === undefined) {
      return { error: { code: 'data/classes-unknown', param: 'classes', message: '`one_hot` needs `classes`: the source does not say how many classes there are.' } };
    }
    if (input.classes !== undefined && input.classes !== classes) {
      return {
        error: {
          code: 'data/classes-mismatch',
          param: 'classes',
          message: `\`one_hot\` has classes: ${classes}, but the labels have ${input.classes} classes.`,
          action: { kind: 'set_param', param: 'classes', value: input.classes },
          fix: `set classes to ${input.classes}`,
        },
      };
    }
    return { data: { ...input, labels: [classes], labelKind: 'one_hot', classes } };
  },
  shapeCases: [
    { params: { classes: 10 }, input: { features: [784], labels: [], labelKind: 'class_index', classes: 10 }, output: { labels: [10], labelKind: 'one_hot' } },
    { params: { classes: 5 }, input: { features: [784], labels: [], labelKind: 'class_index', classes: 10 }, error: 'data/classes-mismatch' },
  ],
};

export const steps: readonly StepEntry[] = [scale, oneHot];
