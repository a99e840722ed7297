/** Builders of the embeddings (catalog/layers/embedding.ts). */
import * as tf from '@tensorflow/tfjs';
import { PositionalEmbedding } from '../custom';
import { type Builder, init, reg, single } from './shared';

export const embeddingBuilders: Record<string, Builder> = {
  embedding: single((p, ctx) =>
    tf.layers.embedding({
      name: ctx.name,
      inputDim: p.input_dim as number,
      outputDim: p.output_dim as number,
      maskZero: p.mask_zero === true,
      embeddingsInitializer: init(p, 'embeddings_initializer', ctx, 'random_uniform'),
      embeddingsRegularizer: reg(p, 'embeddings_regularizer'),
    }),
  ),
  positional_embedding: single(
    (p, ctx) =>
      new PositionalEmbedding({
        name: ctx.name,
        vocabSize: p.vocab_size as number,
        maxLength: p.max_length as number,
        outputDim: p.output_dim as number,
        initializer: init(p, 'embeddings_initializer', ctx, 'random_uniform'),
      }),
  ),
};
