/**
 * `--include-preprocessing`: the run's numeric pipeline (preprocessing.json) as operators in front
 * of the model, so a deployment feeds raw values. Each step computes what the trainer's step does
 * (src/trainer/data/steps.ts), per entry of the last axis; a step that is not numeric (tokenize,
 * pad_sequences…) cannot be folded and is refused by name.
 */
import type { FittedStep, Preprocessing } from '../../core/protocol/preprocessing';
import type { Shape } from '../../core/shape';
import { valueInfo, type InputStage } from './build';
import { ExportError } from '../errors';
import type { GraphBuilder } from './graph';

export const FOLDABLE_STEPS = ['scale', 'normalize', 'standardize', 'clip_outliers', 'reshape'] as const;

const fitted = (s: FittedStep, key: string): number[] => (s.fitted?.[key] as number[] | undefined) ?? [];

/** One step on `x` (shape without batch `shape`); returns the new value and shape. */
function foldStep(b: GraphBuilder, x: string, shape: number[], s: FittedStep): { x: string; shape: number[] } {
  const perEntry = (v: number[]) => (v.length === 1 ? b.constant(v, []) : b.constant(v, [v.length]));
  switch (s.type) {
    case 'scale':
      return { x: b.op1('Div', [x, b.constant([s.params.divisor as number], [])]), shape };
    case 'standardize': {
      const mean = fitted(s, 'mean');
      const std = fitted(s, 'std').map((d) => (d > 0 ? d : 1));
      return { x: b.op1('Div', [b.op1('Sub', [x, perEntry(mean)]), perEntry(std)]), shape };
    }
    case 'normalize': {
      const lo = fitted(s, 'min');
      const hi = fitted(s, 'max');
      // An entry whose max is not above its min maps to 0, as in training.
      const factor = lo.map((a, e) => (hi[e] > a ? 1 / (hi[e] - a) : 0));
      const safeLo = lo.map((a) => (Number.isFinite(a) ? a : 0));
      let z = b.op1('Mul', [b.op1('Sub', [x, perEntry(safeLo)]), perEntry(factor)]);
      if (s.params.range === 'minus_one_one') z = b.op1('Sub', [b.op1('Mul', [z, b.constant([2], [])]), b.constant([1], [])]);
      return { x: z, shape };
    }
    case 'clip_outliers':
      return { x: b.op1('Min', [b.op1('Max', [x, perEntry(fitted(s, 'low'))]), perEntry(fitted(s, 'high'))]), shape };
    case 'reshape': {
      const target = [...(s.params.shape as number[])];
      const n = shape.reduce((a, c) => a * c, 1);
      const wild = target.indexOf(-1);
      if (wild >= 0) target[wild] = n / target.filter((d) => d !== -1).reduce((a, c) => a * c, 1);
      return { x: b.op1('Reshape', [x, b.ints([0, ...target])]), shape: target };
    }
    default:
      throw new ExportError('export/unfoldable-preprocessing', `--include-preprocessing cannot fold the pipeline step \`${s.type}\` into the ONNX graph (it folds ${FOLDABLE_STEPS.join(', ')}); export without it and apply the run's preprocessing.json before the model.`);
  }
}

/** An input stage that takes raw values of the source's shape and runs the folded steps. */
export function preprocessingStage(pre: Preprocessing): InputStage {
  return (b, name, modelShape: Shape) => {
    const steps = pre.steps.filter((s) => s.atInference === 'apply');
    let shape = [...pre.input.shape];
    const info = valueInfo(name, [null, ...shape]);
    let x = name;
    for (const s of steps) ({ x, shape } = foldStep(b, x, shape, s));
    if (shape.join() !== modelShape.slice(1).join()) throw new ExportError('export/unfoldable-preprocessing', `The folded preprocessing gives samples of shape [${shape.join(', ')}], but the model takes [${modelShape.slice(1).join(', ')}].`);
    return { value: { name: x, rank: modelShape.length, layout: 'keras' }, info };
  };
}

/**
 * Raw inputs that the folded steps turn back into `prepared` (the run's prepared samples), so an
 * export with the preprocessing inside is scored on the same samples: each step inverted, last
 * first. clip_outliers needs no inverse (clipping a clipped value changes nothing); an entry that
 * normalize maps to 0 whatever it is gets its minimum.
 */
export function rawInputs(pre: Preprocessing, prepared: Float32Array): Float32Array {
  const x = Float32Array.from(prepared);
  const steps = pre.steps.filter((s) => s.atInference === 'apply').reverse();
  // Entries run along the last axis at each step: its width is the last size of the shape before the step.
  const shapes: number[][] = [];
  let shape = [...pre.input.shape];
  for (const s of [...steps].reverse()) {
    shapes.push(shape);
    if (s.type === 'reshape') {
      const target = [...(s.params.shape as number[])];
      const n = shape.reduce((a, c) => a * c, 1);
      const wild = target.indexOf(-1);
      if (wild >= 0) target[wild] = n / target.filter((d) => d !== -1).reduce((a, c) => a * c, 1);
      shape = target;
    }
  }
  shapes.reverse();
  steps.forEach((s, k) => {
    const width = shapes[k][shapes[k].length - 1];
    const at = (v: number[], i: number) => (v.length === 1 ? v[0] : v[i % width]);
    if (s.type === 'scale') for (let i = 0; i < x.length; i++) x[i] *= s.params.divisor as number;
    if (s.type === 'standardize') {
      const mean = fitted(s, 'mean');
      const std = fitted(s, 'std').map((d) => (d > 0 ? d : 1));
      for (let i = 0; i < x.length; i++) x[i] = x[i] * at(std, i) + at(mean, i);
    }
    if (s.type === 'normalize') {
      const lo = fitted(s, 'min');
      const hi = fitted(s, 'max');
      const sym = s.params.range === 'minus_one_one';
      for (let i = 0; i < x.length; i++) {
        const a = at(lo, i);
        const b = at(hi, i);
        const z = sym ? (x[i] + 1) / 2 : x[i];
        x[i] = b > a ? z * (b - a) + a : Number.isFinite(a) ? a : 0;
      }
    }
  });
  return x;
}
