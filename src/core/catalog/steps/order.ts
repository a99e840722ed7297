/** Order, augmentation and splitting: shuffle, augment, split. */
import type { StepEntry } from '../types';
import { fail, image, pixels, requireNumbers, shapeText, table, withoutRange } from './shared';

export const shuffle: StepEntry = {
  name: 'shuffle',
  category: 'step',
  summary: 'Puts the samples in a random (seeded) order.',
  docs:
    'Files are often sorted (by class, by date); training on sorted data lets each batch see only one kind of sample. Shuffling ' +
    'with the spec\'s `seed` keeps runs reproducible. `buffer_size` shuffles within a sliding window instead of the whole dataset ' +
    '(less memory, less random). The trainer also reshuffles the training samples every epoch.',
  params: [
    { name: 'buffer_size', type: { kind: 'int', min: 1 }, doc: 'Size of the shuffle window (default: the whole dataset, a perfect shuffle).' },
    { name: 'seed', type: { kind: 'int', min: 0 }, doc: 'Seed of this shuffle (default: the spec\'s `seed`).' },
  ],
  formulas: [{ label: 'permutation', latex: "x'_i = x_{\\pi(i)}, \\quad \\pi \\sim \\mathcal{U}(S_N)", unicode: 'x′ᵢ = x_π(i),  π a uniformly random permutation of 1…N' }],
  tfjs: 'tf.data.Dataset.shuffle(bufferSize, seed), or tf.util.shuffle on the sample indices with a seeded generator',
  aliases: ['shuffled', 'permute'],
  primary: 'buffer_size',
  apply(input) {
    return { data: input };
  },
  shapeCases: [{ params: { seed: 7 }, input: pixels, output: { features: [784], valueRange: [0, 255] } }],
};

export const augment: StepEntry = {
  name: 'augment',
  category: 'step',
  summary: 'Random flips and Gaussian noise on training images, a fresh draw each epoch.',
  docs:
    'Data augmentation shows the model slightly different versions of each training image every epoch, so it learns what does not ' +
    'change under a flip or a little noise instead of memorising pixels. Only training samples are augmented; validation and test ' +
    'samples pass unchanged. Flips need image-shaped samples `[height, width]` or `[height, width, channels]` (add `reshape` first); ' +
    'choose flips that keep the label true (a vertical flip turns a 6 into a 9).',
  params: [
    { name: 'flip', type: { kind: 'enum', values: ['none', 'horizontal', 'vertical', 'both'] }, default: 'none', doc: 'Mirror each image with probability ½ along this axis (`both`: each axis independently).' },
    { name: 'noise', type: { kind: 'float', min: 0, saneMax: 1 }, default: 0, doc: 'Standard deviation σ of Gaussian noise added to every value (in the units of the values at this point).' },
  ],
  formulas: [
    { label: 'horizontal flip', latex: "x'_{i,j,c} = x_{i,\\,W-1-j,\\,c}", unicode: 'x′ᵢ,ⱼ,c = xᵢ,W−1−j,c' },
    { label: 'noise', latex: "x' = x + \\varepsilon, \\quad \\varepsilon \\sim \\mathcal{N}(0, \\sigma^2)", unicode: 'x′ = x + ε,  ε ~ N(0, σ²)' },
  ],
  tfjs: 'tf.image.flipLeftRight / tf.reverse along the height axis, and tf.randomNormal added, per training batch',
  aliases: ['augmentation', 'data_augmentation', 'random_flip', 'noise'],
  primary: 'flip',
  apply(input, { params }) {
    const bad = requireNumbers('augment', input);
    if (bad) return bad;
    const flip = (params.flip as string | undefined) ?? 'none';
    if (flip !== 'none' && input.features && input.features.length < 2) {
      return fail('data/not-image', `\`augment\` flips images, but the samples have shape ${shapeText(input.features)}.`, {
        param: 'flip',
        fix: 'add `reshape: { shape: [height, width, channels] }` before this step',
      });
    }
    const noise = (params.noise as number | undefined) ?? 0;
    return { data: noise > 0 ? withoutRange(input) : input };
  },
  shapeCases: [
    { params: { flip: 'horizontal' }, input: image, output: { features: [28, 28, 1], valueRange: [0, 1] } },
    { params: { flip: 'horizontal' }, input: pixels, error: 'data/not-image' },
    { params: { noise: 0.1 }, input: table, output: { features: [4] } },
  ],
};

export const split: StepEntry = {
  name: 'split',
  category: 'step',
  summary: 'Holds out fractions of the samples for validation and testing at this point of the pipeline.',
  docs:
    'Divides the samples (after a seeded shuffle) into training, validation and test parts. Steps before `split` see all samples; ' +
    'steps after it that learn statistics (`fill_missing`, `normalize`, `standardize`, `tokenize`, …) learn them from the training ' +
    'part only, so nothing about the held-out samples leaks into training. Without a `split` step, `data.validation: { split }` and ' +
    '`data.test: { split }` split the samples right after the source, before the pipeline. Use one or the other. `stratify` keeps ' +
    'the class proportions equal in every part.',
  params: [
    { name: 'validation', type: { kind: 'float', min: 0, max: 1, exclusiveMax: true }, default: 0.1, doc: 'Fraction of the samples held out for validation (reported every epoch, used by early stopping).' },
    { name: 'test', type: { kind: 'float', min: 0, max: 1, exclusiveMax: true }, default: 0, doc: 'Fraction held out for a final test, evaluated once after training.' },
    { name: 'stratify', type: { kind: 'bool' }, default: false, doc: 'Split each class separately so every part has the same class proportions.' },
    { name: 'seed', type: { kind: 'int', min: 0 }, doc: 'Seed of the split (default: the spec\'s `seed`).' },
  ],
  formulas: [
    {
      label: 'sizes',
      latex: 'N_{val} = \\lfloor v N \\rfloor, \\quad N_{test} = \\lfloor t N \\rfloor, \\quad N_{train} = N - N_{val} - N_{test}',
      unicode: 'N_val = ⌊vN⌋,  N_test = ⌊tN⌋,  N_train = N − N_val − N_test',
    },
  ],
  tfjs: 'sample indices shuffled with the seed and sliced by the trainer; the validation part goes to model.fit as validationData',
  aliases: ['train_test_split', 'holdout', 'validation_split'],
  primary: 'validation',
  apply(input, { params }) {
    const v = (params.validation as number | undefined) ?? 0.1;
    const t = (params.test as number | undefined) ?? 0;
    if (v + t >= 1) {
      return fail('data/split-fractions', `\`split\` holds out ${v} + ${t} = ${+(v + t).toFixed(6)} of the samples, leaving none for training.`, {
        param: 'validation',
        fix: 'make validation + test less than 1 (e.g. 0.1 and 0.1)',
      });
    }
    return { data: input };
  },
  shapeCases: [
    { params: { validation: 0.2, test: 0.1 }, input: table, output: { features: [4] } },
    { params: { validation: 0.6, test: 0.5 }, input: table, error: 'data/split-fractions' },
  ],
};
