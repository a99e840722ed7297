/** Text: tokenize, pad_sequences. */
import type { DataShape, StepEntry, TokenOptions } from '../types';
import { fail, image, reviews, shapeText, table, tokens } from './shared';

/** Punctuation `tokenize` treats as a word break (Keras's Tokenizer `filters`). */
const TOKEN_BREAKS = /[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~\t\n]/g;

/** A text's tokens as `tokenize` splits it: words (or characters), optionally lower-cased. */
export function splitTokens(text: string, options: TokenOptions): string[] {
  const t = options.lowercase ? text.toLowerCase() : text;
  return options.charLevel ? [...t] : t.replace(TOKEN_BREAKS, ' ').split(/\s+/).filter(Boolean);
}

export const tokenize: StepEntry = {
  name: 'tokenize',
  category: 'step',
  summary: 'Splits text into words and replaces each by its vocabulary index.',
  docs:
    'Builds a vocabulary from the training texts (most frequent first) and turns every text into a sequence of integers: 0 is ' +
    'reserved for padding, 1 for `oov_token` (any word outside the vocabulary), the most frequent word is 2, and so on up to ' +
    '`num_words − 1`. Sequences have different lengths, so follow with `pad_sequences`; then an `embedding` layer with ' +
    '`input_dim: num_words` turns the indices into vectors.',
  params: [
    { name: 'num_words', type: { kind: 'int', min: 3 }, default: 10000, doc: 'Vocabulary size including the padding and out-of-vocabulary indices: indices are < num_words.' },
    { name: 'lowercase', type: { kind: 'bool' }, default: true, doc: 'Lower-case the text before splitting.' },
    { name: 'oov_token', type: { kind: 'string' }, default: '<oov>', doc: 'The token that stands for out-of-vocabulary words (index 1).' },
    { name: 'char_level', type: { kind: 'bool' }, default: false, doc: 'Split into characters instead of words.' },
  ],
  formulas: [
    {
      label: 'indexing',
      latex: "t(w) = \\begin{cases} 2 + \\operatorname{rank}(w) & \\operatorname{rank}(w) < n - 2 \\\\ 1 & \\text{otherwise (OOV)} \\end{cases}, \\quad x' = (t(w_1), \\dots, t(w_L))",
      unicode: 't(w) = 2 + rank(w) if rank(w) < n − 2, else 1 (OOV);  x′ = (t(w₁), …, t(w_L))',
    },
  ],
  tfjs: 'a word index built by the trainer from the training texts (tfjs has no tokenizer); the sequences become int32 tensors',
  aliases: ['tokenizer', 'Tokenizer', 'text_to_sequence', 'texts_to_sequences'],
  primary: 'num_words',
  apply(input, { params }) {
    if (!input.text) {
      return fail('data/not-text', `\`tokenize\` works on text, but the features are ${input.features ? `numbers of shape ${shapeText(input.features)}` : 'not text'}.`, {
        fix: 'remove this step, or name the text field with `text:` on a jsonl source',
      });
    }
    const n = (params.num_words as number | undefined) ?? 10000;
    const data: DataShape = { ...input, features: [null], text: false, valueRange: [0, n - 1] };
    delete data.columns;
    return { data };
  },
  shapeCases: [
    { params: { num_words: 5000 }, input: reviews, output: { features: [null], text: false, valueRange: [0, 4999] } },
    { input: table, error: 'data/not-text' },
  ],
};

export const padSequences: StepEntry = {
  name: 'pad_sequences',
  category: 'step',
  summary: 'Pads or truncates every sequence to the same length `maxlen`.',
  docs:
    'A batch is one tensor, so its sequences must have equal length. Shorter sequences are filled with `value` (0, the padding index) ' +
    'and longer ones are cut, at the start (`pre`, the Keras default, keeps the end of a text) or the end (`post`). Each sample ' +
    'becomes `[maxlen]` integers. Comes after `tokenize`.',
  params: [
    { name: 'maxlen', type: { kind: 'int', min: 1 }, required: true, doc: 'The length every sequence gets.' },
    { name: 'padding', type: { kind: 'enum', values: ['pre', 'post'] }, default: 'pre', doc: 'Pad at the start (`pre`) or the end (`post`).' },
    { name: 'truncating', type: { kind: 'enum', values: ['pre', 'post'] }, default: 'pre', doc: 'Cut long sequences at the start (`pre`) or the end (`post`).' },
    { name: 'value', type: { kind: 'int' }, default: 0, doc: 'The padding value.' },
  ],
  formulas: [
    {
      label: 'pre-padding',
      latex: "x' = (\\underbrace{v, \\dots, v}_{M - L}, x_1, \\dots, x_L) \\ (L < M), \\quad x' = (x_{L-M+1}, \\dots, x_L) \\ (L \\ge M)",
      unicode: 'x′ = (v, …, v [M−L times], x₁, …, x_L) if L < M;  x′ = (x_(L−M+1), …, x_L) if L ≥ M',
    },
  ],
  tfjs: 'sequences padded by the trainer into one int32 tensor of shape [n, maxlen]',
  aliases: ['pad', 'pad_sequence', 'padding'],
  primary: 'maxlen',
  apply(input, { params }) {
    if (input.text) {
      return fail('data/not-tokenized', '`pad_sequences` needs integer sequences, but the features are still text.', { fix: 'insert `tokenize` before this step' });
    }
    if (input.features && input.features.length !== 1) {
      return fail('data/not-sequence', `\`pad_sequences\` works on sequences (rank 1), but the samples have shape ${shapeText(input.features)}.`);
    }
    const maxlen = params.maxlen as number;
    const v = (params.value as number | undefined) ?? 0;
    const data: DataShape = { ...input, features: [maxlen] };
    if (input.valueRange) data.valueRange = [Math.min(input.valueRange[0], v), Math.max(input.valueRange[1], v)];
    delete data.columns;
    return { data };
  },
  shapeCases: [
    { params: { maxlen: 200 }, input: tokens, output: { features: [200], valueRange: [0, 9999] } },
    { params: { maxlen: 200 }, input: reviews, error: 'data/not-tokenized' },
    { params: { maxlen: 200 }, input: image, error: 'data/not-sequence' },
  ],
};
