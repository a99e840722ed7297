/** Image resizing: upsampling, zero padding, cropping. */
import { formatShape, toTuple, type Dim } from '../../shape';
import type { LayerEntry } from '../types';
import { fail, imageFix, rankError, scale } from './shared';
import { torchCropping, torchUpsampling, torchZeroPadding } from '../torchModules';

/** `2`, `[h, w]` or `[top, bottom, left, right]` → [[top, bottom], [left, right]]. */
function sides(value: unknown, fallback: number): [[number, number], [number, number]] {
  if (typeof value === 'number') return [[value, value], [value, value]];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
    const v = value as number[];
    if (v.length === 2) return [[v[0], v[0]], [v[1], v[1]]];
    if (v.length === 4) return [[v[0], v[1]], [v[2], v[3]]];
  }
  return [[fallback, fallback], [fallback, fallback]];
}

const sidesType = {
  kind: 'one_of',
  types: [
    { kind: 'int', min: 0 },
    { kind: 'ints', minLength: 2, maxLength: 2, min: 0 },
    { kind: 'ints', minLength: 4, maxLength: 4, min: 0 },
  ],
} as const;

export const upsampling2d: LayerEntry = {
  name: 'upsampling2d',
  category: 'layer',
  arity: 'one',
  summary: 'Enlarges feature maps by repeating rows and columns (nearest) or interpolating (bilinear).',
  docs:
    'Scales the height and width of (N, H, W, C) by `size` without learning anything: each value is ' +
    'repeated `size` times along each axis (`nearest`), or the gaps are filled by bilinear ' +
    'interpolation. Follow it with a `conv2d` to get a learned upsampling without the checkerboard ' +
    'artefacts of `conv2d_transpose` (decoders, U-Nets, generators).',
  params: [
    { name: 'size', type: { kind: 'int_or_ints', length: 2, min: 1 }, default: 2, doc: 'Factors for height and width (one number for both).' },
    { name: 'interpolation', type: { kind: 'enum', values: ['nearest', 'bilinear'] }, default: 'nearest', doc: '`nearest`: repeat values; `bilinear`: interpolate between them.' },
  ],
  formulas: [
    { label: 'nearest neighbour', latex: 'y_{i,j,c} = x_{\\lfloor i / s_h \\rfloor,\\, \\lfloor j / s_w \\rfloor,\\, c}', unicode: 'y[i,j,c] = x[⌊i/s_h⌋, ⌊j/s_w⌋, c]' },
  ],
  tfjs: 'tf.layers.upSampling2d (pass size as [s_h, s_w]: tfjs does not expand a single number)',
  aliases: ['upsample2d', 'up_sampling2d', 'upsample'],
  primary: 'size',
  onnx: {
    ops: 'Resize (nearest, or linear; asymmetric coordinates as tfjs)',
    emit(e) {
      const x = e.input(0, 'channels_first');
      const [sh, sw] = toTuple(e.params.size, 2, 2);
      const bilinear = e.params.interpolation === 'bilinear';
      // tfjs resizes without half-pixel centres or aligned corners: ONNX's `asymmetric` coordinates.
      const attrs: Record<string, string> = bilinear ? { mode: 'linear', coordinate_transformation_mode: 'asymmetric' } : { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
      return e.value(e.op1('Resize', [x.name, '', e.constant([1, 1, sh, sw], [4])], attrs), 4, 'channels_first');
    },
  },
  torch: torchUpsampling,
  shapeRule: '(N, H, W, C) → (N, H·s_h, W·s_w, C); no params',
  infer([input], p) {
    if (input.length !== 4) return rankError('upsampling2d', 'a rank-4 input (batch, height, width, channels)', input, imageFix(input));
    const [sh, sw] = toTuple(p.size, 2, 2);
    return { shape: [input[0], scale(input[1], sh), scale(input[2], sw), input[3]], params: 0 };
  },
  shapeCases: [
    { inputs: [[null, 7, 7, 64]], output: [null, 14, 14, 64], paramCount: 0 },
    { params: { size: [2, 3], interpolation: 'bilinear' }, inputs: [[null, null, 5, 1]], output: [null, null, 15, 1], paramCount: 0 },
    { inputs: [[null, 64]], error: 'shape/rank' },
  ],
};

export const zeroPadding2d: LayerEntry = {
  name: 'zero_padding2d',
  category: 'layer',
  arity: 'one',
  summary: 'Adds rows and columns of zeros around each feature map.',
  docs:
    'Pads the height and width of (N, H, W, C) with zeros: `padding: 1` adds one row at the top and ' +
    'bottom and one column left and right; `[h, w]` sets the vertical and horizontal amounts; ' +
    '`[top, bottom, left, right]` sets each side. Use it to control exactly how a following `valid` ' +
    'convolution or pooling treats the borders.',
  params: [{ name: 'padding', type: sidesType, default: 1, doc: 'Zeros to add: n on every side, [h, w] symmetric amounts, or [top, bottom, left, right].' }],
  formulas: [{ label: 'output size', latex: "H' = H + p_{top} + p_{bottom}, \\quad W' = W + p_{left} + p_{right}", unicode: 'H′ = H + p_top + p_bottom,  W′ = W + p_left + p_right' }],
  tfjs: 'tf.layers.zeroPadding2d (a list [top, bottom, left, right] is passed as [[top, bottom], [left, right]])',
  aliases: ['zeropadding2d', 'pad2d', 'padding2d'],
  primary: 'padding',
  tfjsValues: { padding: (v) => sides(v, 1) },
  onnx: {
    ops: 'Pad',
    emit(e) {
      const x = e.input(0, 'channels_first');
      const [[t, b], [l, r]] = sides(e.params.padding, 1);
      return e.value(e.op1('Pad', [x.name, e.ints([0, 0, t, l, 0, 0, b, r])]), 4, 'channels_first');
    },
  },
  torch: torchZeroPadding,
  shapeRule: '(N, H, W, C) → (N, H + top + bottom, W + left + right, C); no params',
  infer([input], p) {
    if (input.length !== 4) return rankError('zero_padding2d', 'a rank-4 input (batch, height, width, channels)', input, imageFix(input));
    const [[t, b], [l, r]] = sides(p.padding, 1);
    const grow = (d: Dim, n: number): Dim => (d === null ? null : d + n);
    return { shape: [input[0], grow(input[1], t + b), grow(input[2], l + r), input[3]], params: 0 };
  },
  shapeCases: [
    { inputs: [[null, 28, 28, 1]], output: [null, 30, 30, 1], paramCount: 0 },
    { params: { padding: [2, 3] }, inputs: [[null, 28, 28, 1]], output: [null, 32, 34, 1], paramCount: 0 },
    { params: { padding: [1, 0, 2, 0] }, inputs: [[null, 28, null, 1]], output: [null, 29, null, 1], paramCount: 0 },
    { inputs: [[null, 784]], error: 'shape/rank' },
  ],
};

export const cropping2d: LayerEntry = {
  name: 'cropping2d',
  category: 'layer',
  arity: 'one',
  summary: 'Removes rows and columns from the borders of each feature map.',
  docs:
    'Cuts the height and width of (N, H, W, C): `cropping: 2` removes two rows at the top and bottom and ' +
    'two columns left and right; `[h, w]` sets the vertical and horizontal amounts; `[top, bottom, left, ' +
    'right]` sets each side. Use it to drop uninformative borders, or to make a skip connection match ' +
    'a smaller feature map before `concatenate` (U-Net).',
  params: [{ name: 'cropping', type: sidesType, required: true, doc: 'Rows/columns to remove: n on every side, [h, w] symmetric amounts, or [top, bottom, left, right].' }],
  formulas: [{ label: 'output size', latex: "H' = H - c_{top} - c_{bottom}, \\quad W' = W - c_{left} - c_{right}", unicode: 'H′ = H − c_top − c_bottom,  W′ = W − c_left − c_right' }],
  tfjs: 'tf.layers.cropping2D (a list [top, bottom, left, right] is passed as [[top, bottom], [left, right]])',
  aliases: ['crop2d', 'cropping2D'],
  primary: 'cropping',
  tfjsValues: { cropping: (v) => sides(v, 0) },
  onnx: {
    ops: 'Slice',
    emit(e) {
      const x = e.input(0, 'channels_first');
      const [[t, b], [l, r]] = sides(e.params.cropping, 0);
      const [, h, w] = e.inputShapes[0];
      if (h === null || w === null) return e.refuse('cropping needs known height and width');
      return e.value(e.op1('Slice', [x.name, e.ints([t, l]), e.ints([h - b, w - r]), e.ints([2, 3])]), 4, 'channels_first');
    },
  },
  torch: torchCropping,
  shapeRule: '(N, H, W, C) → (N, H − top − bottom, W − left − right, C); no params',
  infer([input], p) {
    if (input.length !== 4) return rankError('cropping2d', 'a rank-4 input (batch, height, width, channels)', input, imageFix(input));
    const [[t, b], [l, r]] = sides(p.cropping, 0);
    for (const [axis, n, cut] of [['height', input[1], t + b], ['width', input[2], l + r]] as const) {
      if (n !== null && cut >= n) {
        return fail('shape/crop-too-large',
          `\`cropping2d\` removes ${cut} of the ${n} positions of the ${axis} of input shape ${formatShape(input)}, which leaves nothing.`,
          `crop less than ${n} in total along the ${axis}`, 'cropping');
      }
    }
    const shrink = (d: Dim, n: number): Dim => (d === null ? null : d - n);
    return { shape: [input[0], shrink(input[1], t + b), shrink(input[2], l + r), input[3]], params: 0 };
  },
  shapeCases: [
    { params: { cropping: 2 }, inputs: [[null, 28, 28, 3]], output: [null, 24, 24, 3], paramCount: 0 },
    { params: { cropping: [1, 2, 3, 4] }, inputs: [[null, 10, 10, 3]], output: [null, 7, 3, 3], paramCount: 0 },
    { params: { cropping: [1, 0] }, inputs: [[null, null, 10, 3]], output: [null, null, 10, 3], paramCount: 0 },
    { params: { cropping: 4 }, inputs: [[null, 8, 8, 3]], error: 'shape/crop-too-large' },
    { params: { cropping: 1 }, inputs: [[null, 10]], error: 'shape/rank' },
  ],
};
