/** The specs both suites add to the workspace (kept in step with test/e2e/workbench.e2e.ts). */
export const TINY_SPEC = `# A tiny network on the synthetic XOR dataset: trains in seconds (long enough to watch it live).
version: 1
name: tiny-xor
seed: 1

data:
  source: { dataset: { name: xor, samples: 4000 } }
  validation: { split: 0.2 }

model:
  input: [2]
  layers:
    - dense: { units: 8, activation: tanh }
    - dense: { units: 1, activation: sigmoid }

train:
  loss: binary_crossentropy
  optimizer: { adam: { learning_rate: 0.05 } }
  metrics: [accuracy]
  epochs: 8
  batch_size: 16
`;

/** Where completion is tried: the cursor goes after `- ` on the last line. */
export const SCRATCH_SPEC = 'version: 1\nmodel:\n  input: [784]\n  layers:\n    ';

/** File name → text, given the examples' MNIST MLP and CNN specs. */
export function fixtures(mlp: string, mnistCnn: string): Record<string, string> {
  return {
    'tiny.model.yaml': TINY_SPEC,
    // A run long enough to cancel: the MNIST MLP for many epochs.
    'long.model.yaml': mlp.replace(/epochs: \d+/, 'epochs: 200'),
    'planted.model.yaml': mnistCnn,
    'scratch.model.yaml': SCRATCH_SPEC,
  };
}
