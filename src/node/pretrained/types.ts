/** What a pretrained-weights source holds, whatever its format: layers by name, each with its weights in Keras order. */

export interface PretrainedWeight {
  /** The weight's name in the source (`conv1/kernel`, `layers/conv2d/vars/0`). */
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface PretrainedLayer {
  name: string;
  /** The Keras class (`Conv2D`, `GRU`), when the source says. */
  className?: string;
  weights: PretrainedWeight[];
}

export interface PretrainedSource {
  /** The file or folder read. */
  file: string;
  format: 'keras' | 'h5' | 'tfjs';
  layers: PretrainedLayer[];
}

/** A source that cannot be read: the message names the file and what is wrong. */
export class PretrainedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly file: string,
  ) {
    super(message);
  }
}

export const paramCount = (layer: PretrainedLayer): number => layer.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
