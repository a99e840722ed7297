/** Builders of the embeddings (catalog/layers/embedding.ts) that tfjs's own factories do not cover. */
import { PositionalEmbedding } from '../custom';
import { type Builder, init, single } from './shared';

export const embeddingBuilders: Record<string, Builder> = {
  positional_embedding: single(
    (p, ctx) =>
      new PositionalEmbedding({
        name: ctx.name,
        vocabSize: p.vocab_size as number,
        maxLength: p.max_length as number,
        outputDim: p.output_dim as number,
        initializer: init(p, 'embeddings_initializer', ctx),
      }),
  ),
};
