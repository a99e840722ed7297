/** A small valid spec (a named hidden layer, dropout, adam, accuracy, a validation split) to put `search:` sections under. */
export const searchBase = `version: 1
name: mlp
seed: 7
data:
  source: { dataset: mnist }
  pipeline:
    - scale: 255
    - one_hot: 10
  validation: { split: 0.1 }
model:
  input: [784]
  layers:
    - dense: { units: 64, activation: relu }
      name: hidden
    - dropout: 0.2
    - dense: { units: 10, activation: softmax }
train:
  loss: categorical_crossentropy
  optimizer: { adam: { learning_rate: 0.001 } }
  metrics: [accuracy]
`;
