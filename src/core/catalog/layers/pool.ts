/** Pooling: windowed max/average pooling and global pooling, 1-D and 2-D. */
import { toTuple, type Shape } from '../../shape';
import { reduce, windowPads } from '../onnx';
import type { Formula, LayerEntry, Params, ParamSpec, ShapeOutcome } from '../types';
import { imageFix, paddingParam, poolSizeFormula, rankError, slide } from './shared';
import { torchGlobalPool, torchPool } from '../torchModules';

const poolParams = (rank: 1 | 2): ParamSpec[] => [
  {
    name: 'pool_size',
    type: { kind: 'int_or_ints', length: rank, min: 1 },
    default: 2,
    doc: rank === 1 ? 'Width of the pooling window.' : 'Height and width of the pooling window (one number for a square window).',
  },
  {
    name: 'strides',
    type: { kind: 'int_or_ints', length: rank, min: 1 },
    doc: 'Step between windows; defaults to `pool_size` (non-overlapping windows).',
  },
  paddingParam(),
];

function pool(layer: string, rank: 1 | 2, input: Shape, p: Params): ShapeOutcome {
  if (input.length !== rank + 2) {
    return rank === 1
      ? rankError(layer, 'a rank-3 input (batch, steps, channels)', input,
        input.length === 2 ? 'add a `reshape` to [steps, 1] before it' : input.length === 4 ? `use \`${layer.replace('1d', '2d')}\` for images` : undefined)
      : rankError(layer, 'a rank-4 input (batch, height, width, channels)', input,
        input.length === 2 ? imageFix(input) : input.length === 3 ? `use \`${layer.replace('2d', '1d')}\` for sequences` : undefined);
  }
  const kernel = toTuple(p.pool_size, rank, 2);
  const strides = p.strides === undefined || p.strides === null ? kernel : toTuple(p.strides, rank, 1);
  const padding = p.padding === 'same' ? 'same' : 'valid';
  const dims = slide(layer, input, { kernel, strides, dilation: kernel.map(() => 1), padding }, 'pool');
  if (!Array.isArray(dims)) return dims;
  return { shape: [input[0], ...dims, input[input.length - 1]], params: 0 };
}

const maxFormula = (rank: 1 | 2): Formula =>
  rank === 1
    ? { label: 'max pooling', latex: 'y_{t,c} = \\max_{0 \\le u < k} x_{t s + u,\\, c}', unicode: 'y[t,c] = max_{0≤u<k} x[t·s+u, c]' }
    : { label: 'max pooling', latex: 'y_{i,j,c} = \\max_{0 \\le u < k_h,\\ 0 \\le v < k_w} x_{i s + u,\\, j s + v,\\, c}', unicode: 'y[i,j,c] = max_{u<kh, v<kw} x[i·s+u, j·s+v, c]' };
const meanFormula = (rank: 1 | 2): Formula =>
  rank === 1
    ? { label: 'average pooling', latex: 'y_{t,c} = \\frac{1}{k} \\sum_{u=0}^{k-1} x_{t s + u,\\, c}', unicode: 'y[t,c] = (1/k) Σ_{u=0}^{k−1} x[t·s+u, c]' }
    : { label: 'average pooling', latex: 'y_{i,j,c} = \\frac{1}{k_h k_w} \\sum_{u,v} x_{i s + u,\\, j s + v,\\, c}', unicode: 'y[i,j,c] = (1/(kh·kw)) Σ_{u,v} x[i·s+u, j·s+v, c]' };

function poolEntry(kind: 'max' | 'avg', rank: 1 | 2): LayerEntry {
  const name = `${kind}_pool${rank}d`;
  const what = kind === 'max' ? 'maximum' : 'average';
  const input = rank === 1 ? '(N, steps, channels)' : '(N, height, width, channels)';
  const examples = (rank === 1
    ? [
        { params: { pool_size: 2 }, inputs: [[null, 100, 16]], output: [null, 50, 16], paramCount: 0 },
        { params: { pool_size: 3, strides: 1, padding: 'same' }, inputs: [[null, null, 8]], output: [null, null, 8], paramCount: 0 },
        { params: { pool_size: 3, strides: 2 }, inputs: [[null, 10, 4]], output: [null, 4, 4], paramCount: 0 },
        { params: { pool_size: 4 }, inputs: [[null, 3, 8]], error: 'shape/pool-too-large' },
        { params: { pool_size: 2 }, inputs: [[null, 100]], error: 'shape/rank' },
      ]
    : [
        { params: { pool_size: 2 }, inputs: [[null, 26, 26, 32]], output: [null, 13, 13, 32], paramCount: 0 },
        { params: { pool_size: 3, strides: 2 }, inputs: [[null, 11, 11, 4]], output: [null, 5, 5, 4], paramCount: 0 },
        { params: { pool_size: 2, padding: 'same' }, inputs: [[null, 7, null, 64]], output: [null, 4, null, 64], paramCount: 0 },
        { params: { pool_size: 2 }, inputs: [[null, 1, 1, 64]], error: 'shape/pool-too-large' },
        { params: { pool_size: 2 }, inputs: [[null, 784]], error: 'shape/rank' },
      ]) as LayerEntry['shapeCases'];
  return {
    name,
    category: 'layer',
    arity: 'one',
    summary: rank === 1
      ? `Downsamples a sequence by taking the ${what} of each window of steps.`
      : `Downsamples feature maps by taking the ${what} of each window (channels last).`,
    docs:
      `Slides a \`pool_size\` window over the ${rank === 1 ? 'steps' : 'height and width'} of a ${input} tensor and keeps the ${what} of each ` +
      `window, separately for every channel. With the default \`strides\` (= \`pool_size\`) windows do not overlap, so \`pool_size: 2\` halves ` +
      `each ${rank === 1 ? 'length' : 'side'} (rounding down with \`padding: valid\`, up with \`same\`). ` +
      (kind === 'max'
        ? 'Max pooling keeps the strongest response of each detector, which makes the network tolerant to small shifts and cuts the work of the next layers. '
        : 'Average pooling smooths rather than selects: it keeps how much of a feature is present in the window. ') +
      'No parameters are learned.',
    params: poolParams(rank),
    formulas: [kind === 'max' ? maxFormula(rank) : meanFormula(rank), poolSizeFormula],
    tfjs: `tf.layers.${kind === 'max' ? 'maxPooling' : 'averagePooling'}${rank}d`,
    aliases: kind === 'max'
      ? [`max_pooling${rank}d`, `maxpool${rank}d`, `maxpooling${rank}d`]
      : [`average_pooling${rank}d`, `avg_pooling${rank}d`, `avgpool${rank}d`, `average_pool${rank}d`],
    primary: 'pool_size',
    onnx: {
      ops: kind === 'max' ? 'MaxPool (explicit pads for `same`)' : 'AveragePool (explicit pads for `same`, padding not counted)',
      emit(e) {
        const x = e.input(0, 'channels_first');
        const kernel = toTuple(e.params.pool_size, rank, 2);
        const strides = e.params.strides === undefined || e.params.strides === null ? kernel : toTuple(e.params.strides, rank, 1);
        const pads = windowPads(e.params.padding, e.inputShapes[0].slice(1, 1 + rank), kernel, strides, kernel.map(() => 1), (m) => e.refuse(m, 'padding'));
        return e.value(e.op1(kind === 'max' ? 'MaxPool' : 'AveragePool', [x.name], { kernel_shape: kernel, strides, pads }), x.rank, 'channels_first');
      },
    },
    torch: torchPool(kind, rank),
    shapeRule: rank === 1 ? '(N, L, C) → (N, L′, C) with L′ = ⌊(L − k)/s⌋ + 1 (valid) or ⌈L/s⌉ (same); no params' : '(N, H, W, C) → (N, H′, W′, C) with H′ = ⌊(H − k)/s⌋ + 1 (valid) or ⌈H/s⌉ (same); no params',
    infer: ([x], p) => pool(name, rank, x, p),
    shapeCases: examples,
  };
}

export const maxPool1d = poolEntry('max', 1);
export const avgPool1d = poolEntry('avg', 1);
export const maxPool2d = poolEntry('max', 2);
export const avgPool2d = poolEntry('avg', 2);

function globalPoolEntry(kind: 'max' | 'avg', rank: 1 | 2): LayerEntry {
  const name = `global_${kind}_pool${rank}d`;
  const what = kind === 'max' ? 'maximum' : 'mean';
  const axes = rank === 1 ? 'steps' : 'height and width';
  const want = rank === 1 ? 'a rank-3 input (batch, steps, channels)' : 'a rank-4 input (batch, height, width, channels)';
  return {
    name,
    category: 'layer',
    arity: 'one',
    summary: `Reduces every channel to its ${what} over all ${axes}: ${rank === 1 ? '(N, L, C)' : '(N, H, W, C)'} → (N, C).`,
    docs:
      `Takes the ${what} of each channel over the whole ${rank === 1 ? 'sequence' : 'feature map'}, turning a ${rank === 1 ? '(N, steps, channels)' : '(N, height, width, channels)'} ` +
      'tensor into one vector of C features per sample. It replaces `flatten` before the classifier head: the output size ' +
      `no longer depends on the input's ${rank === 1 ? 'length' : 'height and width'}, and there are far fewer weights in the next \`dense\` layer. ` +
      (kind === 'avg' ? 'Global average pooling ends most modern CNNs (ResNet, MobileNet) and text classifiers.' : 'Global max pooling answers "did this detector fire anywhere?".') +
      ' No parameters.',
    params: [],
    formulas: [
      rank === 1
        ? kind === 'max'
          ? { label: 'global max', latex: 'y_c = \\max_{t} x_{t,c}', unicode: 'y[c] = maxₜ x[t,c]' }
          : { label: 'global mean', latex: 'y_c = \\frac{1}{L} \\sum_{t=1}^{L} x_{t,c}', unicode: 'y[c] = (1/L) Σₜ x[t,c]' }
        : kind === 'max'
          ? { label: 'global max', latex: 'y_c = \\max_{i,j} x_{i,j,c}', unicode: 'y[c] = max_{i,j} x[i,j,c]' }
          : { label: 'global mean', latex: 'y_c = \\frac{1}{H W} \\sum_{i=1}^{H} \\sum_{j=1}^{W} x_{i,j,c}', unicode: 'y[c] = (1/(H·W)) Σ_{i,j} x[i,j,c]' },
    ],
    tfjs: `tf.layers.global${kind === 'max' ? 'Max' : 'Average'}Pooling${rank}d`,
    aliases: kind === 'max'
      ? [`global_max_pooling${rank}d`, `globalmaxpool${rank}d`]
      : [`global_average_pooling${rank}d`, `global_avg_pooling${rank}d`, `globalavgpool${rank}d`, `global_average_pool${rank}d`],
    onnx: {
      ops: kind === 'max' ? 'ReduceMax over the spatial axes' : 'ReduceMean over the spatial axes',
      emit(e) {
        const x = e.input(0, 'any');
        const axes = x.layout === 'channels_first' ? Array.from({ length: rank }, (_, i) => i + 2) : Array.from({ length: rank }, (_, i) => i + 1);
        return e.value(reduce(e, kind === 'max' ? 'ReduceMax' : 'ReduceMean', x.name, axes), 2, 'keras');
      },
    },
    torch: torchGlobalPool(kind, rank),
    shapeRule: `${rank === 1 ? '(N, L, C)' : '(N, H, W, C)'} → (N, C); no params`,
    infer([input]) {
      if (input.length !== rank + 2) {
        const otherRank = rank === 1 ? 4 : 3;
        const other = rank === 1 ? name.replace('1d', '2d') : name.replace('2d', '1d');
        return rankError(name, want, input,
          input.length === otherRank ? `use \`${other}\`` : input.length === 2 ? 'remove it: the input is already a flat feature vector' : undefined);
      }
      return { shape: [input[0], input[input.length - 1]], params: 0 };
    },
    shapeCases: rank === 1
      ? [
          { inputs: [[null, 100, 64]], output: [null, 64], paramCount: 0 },
          { inputs: [[null, null, 8]], output: [null, 8], paramCount: 0 },
          { inputs: [[null, 28, 28, 1]], error: 'shape/rank' },
        ]
      : [
          { inputs: [[null, 7, 7, 512]], output: [null, 512], paramCount: 0 },
          { inputs: [[null, null, null, 3]], output: [null, 3], paramCount: 0 },
          { inputs: [[null, 10]], error: 'shape/rank' },
        ],
  };
}

export const globalAvgPool1d = globalPoolEntry('avg', 1);
export const globalMaxPool1d = globalPoolEntry('max', 1);
export const globalAvgPool2d = globalPoolEntry('avg', 2);
export const globalMaxPool2d = globalPoolEntry('max', 2);
