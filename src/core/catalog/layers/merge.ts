/** Merging branches: element-wise merges (add, multiply, average, maximum, minimum) and concatenate. */
import { formatShape, type Dim, type Shape } from '../../shape';
import type { OnnxEmitter, OnnxValue } from '../onnx';
import type { Formula, LayerEntry, ShapeOutcome } from '../types';
import { axisError, fail, resolveAxis } from './shared';
import { torchMerge } from '../torchModules';
import type { TorchLayerMapping } from '../torch';

function arityError(layer: string): ShapeOutcome {
  return fail('shape/merge-arity',
    `\`${layer}\` merges the tensors listed in its \`inputs:\`, but it gets none.`,
    'list the layers to merge in its `inputs:` (e.g. `inputs: [branch_a, branch_b]`)');
}

function rankMismatch(layer: string, inputs: readonly Shape[], i: number): ShapeOutcome {
  return fail('shape/merge-mismatch',
    `\`${layer}\` needs inputs of the same rank, but input 1 has shape ${formatShape(inputs[0])} (rank ${inputs[0].length}) and input ${i + 1} has shape ${formatShape(inputs[i])} (rank ${inputs[i].length}).`,
    'add a `flatten`, `reshape` or global pooling layer to one branch so both have the same rank');
}

/**
 * Element-wise merges (add, multiply, average, maximum, minimum), as Keras 3's Merge: the shapes
 * without the batch axis broadcast as in NumPy (aligned on the right, a size of 1 stretches, the
 * longer shape's leading axes are kept), so (N, 4, 8) + (N, 8) is (N, 4, 8); symbolic sizes stay
 * symbolic. One input passes through unchanged.
 */
/**
 * How to make the last axes agree: on images and sequences that axis is channels, which a 1×1
 * (or size-1) convolution or the branch's own `filters` changes; only flat features want `dense`.
 */
function channelFix(rank: number, want: Dim, have: Dim): string {
  const join = 'or use `concatenate` to join them side by side';
  if (rank === 4) return `end the branch that has ${have} channels with \`conv2d: { filters: ${want}, kernel_size: 1 }\` (a 1×1 convolution), or set its last \`filters\` to ${want}; ${join}`;
  if (rank === 3) return `end the branch that has ${have} channels with \`conv1d: { filters: ${want}, kernel_size: 1 }\`, or set its last \`filters\` to ${want}; ${join}`;
  return `end the branch that has ${have} features with \`dense: { units: ${want} }\` so both have ${want}, ${join}`;
}

function elementwise(layer: string, inputs: readonly Shape[]): ShapeOutcome {
  if (inputs.length < 1) return arityError(layer);
  let out: Dim[] = inputs[0].slice(1);
  for (let i = 1; i < inputs.length; i++) {
    const dims = inputs[i].slice(1);
    const [long, short] = dims.length > out.length ? [dims, out] : [out, dims];
    const lead = long.length - short.length;
    const next: Dim[] = long.slice(0, lead);
    for (let k = 0; k < short.length; k++) {
      const x = out[out.length - short.length + k];
      const y = dims[dims.length - short.length + k];
      if (x === null || y === null) next.push(null);
      else if (x === 1 || y === 1 || x === y) next.push(x === 1 ? y : x);
      else {
        const axis = lead + k + 1;
        const last = k === short.length - 1;
        return fail('shape/merge-mismatch',
          `\`${layer}\` needs inputs whose shapes broadcast, but input ${i + 1} has shape ${formatShape(inputs[i])}, and the inputs before it give (None, ${out.map((d) => d ?? 'None').join(', ')}): axis ${axis} differs (${x} vs ${y}), and neither is 1.`,
          last
            ? channelFix(long.length + 1, x, y)
            : `make the branches produce the same size on axis ${axis} (check strides, padding and pooling on each), or use \`concatenate\``);
      }
    }
    out = next;
  }
  const batch = inputs.every((s) => s[0] === inputs[0][0]) ? inputs[0][0] : null;
  return { shape: [batch, ...out], params: 0 };
}

/** The inputs in one layout: kept when they share rank and layout, else all in Keras's. */
function sameLayout(e: OnnxEmitter): OnnxValue[] {
  const raw = Array.from({ length: e.inputCount }, (_, i) => e.input(i, 'any'));
  const same = raw.every((x) => x.rank === raw[0].rank && x.layout === raw[0].layout);
  return same ? raw : raw.map((_, i) => e.input(i, 'keras'));
}

const mergeCases = (extra: LayerEntry['shapeCases'] = []): LayerEntry['shapeCases'] => [
  { inputs: [[null, 32], [null, 32]], output: [null, 32], paramCount: 0 },
  { inputs: [[null, 8, 8, 16], [null, 8, 8, 16], [null, 8, 8, 16]], output: [null, 8, 8, 16], paramCount: 0 },
  { inputs: [[null, 10, null], [null, 10, 4]], output: [null, 10, null], paramCount: 0 },
  { inputs: [[null, 4, 8], [null, 8]], output: [null, 4, 8], paramCount: 0 },
  { inputs: [[null, 8], [null, 4, 1], [null, 3, 1, 8]], output: [null, 3, 4, 8], paramCount: 0 },
  { inputs: [[null, 32]], output: [null, 32], paramCount: 0 },
  ...extra,
  { inputs: [[null, 32], [null, 64]], error: 'shape/merge-mismatch' },
  { inputs: [[null, 26, 26, 32], [null, 13, 13, 32]], error: 'shape/merge-mismatch' },
  { inputs: [[null, 32], [null, 4, 8]], error: 'shape/merge-mismatch' },
];

function mergeEntry(o: { name: string; summary: string; docs: string; formula: Formula; tfjs: string; onnxOp: string; torch: TorchLayerMapping; aliases?: string[]; extra?: LayerEntry['shapeCases'] }): LayerEntry {
  return {
    name: o.name,
    category: 'layer',
    arity: 'many',
    summary: o.summary,
    docs:
      o.docs +
      ' It takes the outputs of two or more layers through `inputs:` (one passes through unchanged); their shapes must broadcast as in ' +
      'NumPy, as in Keras: equal sizes, or 1, aligned on the last axis, so (N, 4, 8) and (N, 8) give (N, 4, 8). No parameters.',
    params: [],
    formulas: [o.formula],
    tfjs: o.tfjs,
    aliases: o.aliases,
    onnx: {
      ops: o.onnxOp,
      emit(e) {
        const xs = sameLayout(e);
        if (xs.length === 1) return xs[0];
        const rank = Math.max(...xs.map((x) => x.rank));
        // Sum, Mean, Max and Min take any number of inputs; Mul takes two.
        const names = xs.map((x) => x.name);
        const y = o.onnxOp === 'Mul' ? names.slice(1).reduce((a, b) => e.op1('Mul', [a, b]), names[0]) : e.op1(o.onnxOp, names);
        return e.value(y, rank, xs[0].layout);
      },
    },
    torch: o.torch,
    shapeRule: '(N, …), (N, …), … (shapes that broadcast) → (N, broadcast shape); no params',
    infer: (inputs) => elementwise(o.name, inputs),
    shapeCases: mergeCases(o.extra),
  };
}

export const add = mergeEntry({
  name: 'add',
  summary: 'Adds the outputs of two or more layers element-wise (residual / skip connections).',
  docs:
    'Sums its inputs value by value. Its main use is the residual connection of ResNets and ' +
    'transformers, y = x + F(x): the block only has to learn a correction to its input, and gradients ' +
    'flow straight through the sum, which makes deep networks trainable.',
  formula: { label: 'sum', latex: 'y = \\sum_{k=1}^{K} x^{(k)}', unicode: 'y = Σₖ x⁽ᵏ⁾' },
  torch: torchMerge('+', 'a + b'),
  onnxOp: 'Sum',
  tfjs: 'tf.layers.add',
  aliases: ['sum', 'residual', 'plus'],
  extra: [{ inputs: [[null, 8, 8, 16], [null, 8, 8, 1]], output: [null, 8, 8, 16], paramCount: 0 }],
});

export const multiply = mergeEntry({
  name: 'multiply',
  summary: 'Multiplies the outputs of two or more layers element-wise (gating).',
  docs:
    'Multiplies its inputs value by value (the Hadamard product). Use it for gating, where one branch ' +
    'ending in a sigmoid decides how much of another branch passes (as in squeeze-and-excitation blocks ' +
    'or GLU units).',
  formula: { label: 'element-wise product', latex: 'y = x^{(1)} \\odot x^{(2)} \\odot \\dots \\odot x^{(K)}', unicode: 'y = x⁽¹⁾ ⊙ x⁽²⁾ ⊙ … ⊙ x⁽ᴷ⁾' },
  torch: torchMerge('*', 'a * b'),
  onnxOp: 'Mul',
  tfjs: 'tf.layers.multiply',
  aliases: ['mul', 'hadamard', 'product'],
});

export const average = mergeEntry({
  name: 'average',
  summary: 'Averages the outputs of two or more layers element-wise (e.g. an ensemble of heads).',
  docs: 'Takes the mean of its inputs value by value, e.g. to average the predictions of several branches or models.',
  formula: { label: 'mean', latex: 'y = \\frac{1}{K} \\sum_{k=1}^{K} x^{(k)}', unicode: 'y = (1/K) Σₖ x⁽ᵏ⁾' },
  torch: { modules: 'torch.stack(…).mean(0)', layout: 'any', emit: (c) => ({ forward: `torch.stack([${c.inputShapes.map((_, i) => `xs[${i}]`).join(', ')}]).mean(0)` }) },
  onnxOp: 'Mean',
  tfjs: 'tf.layers.average',
  aliases: ['mean', 'avg'],
});

export const maximum = mergeEntry({
  name: 'maximum',
  summary: 'Element-wise maximum of the outputs of two or more layers.',
  docs: 'Keeps, at every position, the largest of its inputs (as in maxout units).',
  formula: { label: 'maximum', latex: 'y_i = \\max_k x^{(k)}_i', unicode: 'yᵢ = maxₖ xᵢ⁽ᵏ⁾' },
  torch: { modules: 'torch.stack(…).amax(0)', layout: 'any', emit: (c) => ({ forward: `torch.stack([${c.inputShapes.map((_, i) => `xs[${i}]`).join(', ')}]).amax(0)` }) },
  onnxOp: 'Max',
  tfjs: 'tf.layers.maximum',
  aliases: ['max'],
});

export const minimum = mergeEntry({
  name: 'minimum',
  summary: 'Element-wise minimum of the outputs of two or more layers.',
  docs: 'Keeps, at every position, the smallest of its inputs.',
  formula: { label: 'minimum', latex: 'y_i = \\min_k x^{(k)}_i', unicode: 'yᵢ = minₖ xᵢ⁽ᵏ⁾' },
  torch: { modules: 'torch.stack(…).amin(0)', layout: 'any', emit: (c) => ({ forward: `torch.stack([${c.inputShapes.map((_, i) => `xs[${i}]`).join(', ')}]).amin(0)` }) },
  onnxOp: 'Min',
  tfjs: 'tf.layers.minimum',
  aliases: ['min'],
});

/**
 * The first axis other than `axis` on which two inputs differ. Like tfjs-layers' Concatenate.build,
 * a symbolic size only matches a symbolic size: tfjs refuses (None, None, 8) with (None, 7, 8).
 */
function concatMismatch(inputs: readonly Shape[], axis: number): { a: number; k: number; i: number } | undefined {
  const rank = inputs[0].length;
  for (let a = 1; a < rank; a++) {
    if (a === axis) continue;
    for (let i = 1; i < inputs.length; i++) if (inputs[i][a] !== inputs[0][a]) return { a, k: 0, i };
  }
  return undefined;
}

export const concatenate: LayerEntry = {
  name: 'concatenate',
  category: 'layer',
  arity: 'many',
  summary: 'Joins the outputs of two or more layers along an axis (by default the features).',
  docs:
    'Places its inputs side by side along `axis` (default -1: the last axis, i.e. features or ' +
    'channels), so (N, 10, 32) and (N, 10, 16) become (N, 10, 48). Every other axis must agree. Use it ' +
    'to combine branches that look at the same data differently (Inception blocks, U-Net skip ' +
    'connections, two-tower models with several inputs). It takes the outputs of two or more layers ' +
    'through `inputs:`. No parameters.',
  params: [{ name: 'axis', type: { kind: 'int' }, default: -1, doc: 'The axis to join along (-1: the last; 0 is the batch and cannot be used).' }],
  formulas: [
    {
      label: 'concatenation',
      latex: 'y = \\big[x^{(1)} \\,\\|\\, x^{(2)} \\,\\|\\, \\dots \\,\\|\\, x^{(K)}\\big]_{\\text{axis}}, \\quad d^{y}_{\\text{axis}} = \\sum_k d^{(k)}_{\\text{axis}}',
      unicode: 'y = [x⁽¹⁾ ‖ x⁽²⁾ ‖ … ‖ x⁽ᴷ⁾] along axis,  d_axis(y) = Σₖ d_axis(x⁽ᵏ⁾)',
    },
  ],
  tfjs: 'tf.layers.concatenate',
  aliases: ['concat', 'merge', 'cat'],
  onnx: {
    ops: 'Concat',
    emit(e) {
      const xs = sameLayout(e);
      if (xs.length === 1) return xs[0];
      const rank = xs[0].rank;
      const axis = resolveAxis(e.params.axis, rank)!;
      // Channels first: the last (channel) axis is 1, the spatial axes move up by one.
      const onnxAxis = xs[0].layout === 'channels_first' && rank > 2 ? (axis === rank - 1 ? 1 : axis + 1) : axis;
      return e.value(e.op1('Concat', xs.map((x) => x.name), { axis: onnxAxis }), rank, xs[0].layout);
    },
  },
  torch: {
    modules: 'torch.cat',
    layout: 'last',
    emit: (c) => ({ forward: `torch.cat([${c.inputShapes.map((_, i) => `xs[${i}]`).join(', ')}], dim=${(c.params.axis as number | undefined) ?? -1})` }),
  },
  shapeRule: '(N, …, a₁, …), (N, …, a₂, …) → (N, …, a₁ + a₂, …) along axis; all other axes equal; no params',
  infer(inputs, p) {
    if (inputs.length < 1) return arityError('concatenate');
    if (inputs.length === 1) return { shape: inputs[0], params: 0 }; // Keras passes a single input through
    const rank = inputs[0].length;
    for (let i = 1; i < inputs.length; i++) if (inputs[i].length !== rank) return rankMismatch('concatenate', inputs, i);
    const ax = resolveAxis(p.axis, rank);
    if (ax === null) return axisError('concatenate', p.axis, inputs[0]);
    const bad = concatMismatch(inputs, ax);
    if (bad) {
      const { a, k, i } = bad;
      const x = inputs[k][a];
      const y = inputs[i][a];
      const symbolic = x === null || y === null;
      const alternative = !symbolic && concatMismatch(inputs, a) === undefined;
      return fail('shape/merge-mismatch',
        `\`concatenate\` joins along axis ${ax}, so every other axis must agree, but input ${k + 1} has shape ${formatShape(inputs[k])} and input ${i + 1} has shape ${formatShape(inputs[i])}: axis ${a} differs (${x ?? 'None'} vs ${y ?? 'None'})` +
          (symbolic ? '; TensorFlow.js needs the same static size, and a symbolic (None) size does not match a fixed one.' : '.'),
        symbolic
          ? `give axis ${a} a fixed size in \`model.input\` on both branches (or leave it symbolic on both)`
          : alternative
            ? `set \`axis: ${a}\` to join along the axis that differs, or make the branches agree on axis ${a}`
            : `make the branches agree on axis ${a} (check strides, padding and pooling, or add a \`reshape\`)`,
        alternative ? 'axis' : undefined,
        alternative ? { kind: 'set_param', param: 'axis', value: a } : undefined);
    }
    const out: Dim[] = [...inputs[0]];
    const sizes = inputs.map((s) => s[ax]);
    out[ax] = sizes.every((d) => d !== null) ? (sizes as number[]).reduce((x, y) => x + y, 0) : null;
    return { shape: out, params: 0 };
  },
  shapeCases: [
    { inputs: [[null, 10, 32], [null, 10, 16]], output: [null, 10, 48], paramCount: 0 },
    { params: { axis: 1 }, inputs: [[null, 10, 32], [null, 5, 32]], output: [null, 15, 32], paramCount: 0 },
    { inputs: [[null, 64], [null, 32], [null, 4]], output: [null, 100], paramCount: 0 },
    { inputs: [[null, 64], [null, null]], output: [null, null], paramCount: 0 },
    { params: { axis: 1 }, inputs: [[null, null, 8], [null, 7, 8]], output: [null, null, 8], paramCount: 0 },
    { inputs: [[null, 10, 32], [null, 12, 32]], error: 'shape/merge-mismatch' },
    { inputs: [[null, null, 8], [null, 7, 8]], error: 'shape/merge-mismatch' },
    { inputs: [[null, 10, 32], [null, 10, 16, 1]], error: 'shape/merge-mismatch' },
    { params: { axis: 3 }, inputs: [[null, 10], [null, 10]], error: 'shape/axis' },
    { inputs: [[null, 10]], output: [null, 10], paramCount: 0 },
  ],
};
