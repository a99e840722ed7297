/** Text: tokenize, pad_sequences. */
import type { DataShape, StepEntry, TokenOptions } from '../types';
import { pathError } from '../sources';
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

export const wordpiece: StepEntry = {
  name: 'wordpiece',
  category: 'step',
  summary: 'Tokenizes text as Hugging Face\'s BertTokenizer does, into `[CLS] … [SEP]` ids padded to `max_length`.',
  docs:
    'Reads the vocabulary of a Hugging Face model folder (`vocab.txt`, or `tokenizer.json`) and its settings ' +
    '(`tokenizer_config.json`: `do_lower_case`, `strip_accents`, `tokenize_chinese_chars`) and gives the same ids as ' +
    '`transformers`: control characters removed, CJK ideographs and punctuation split off, lower-casing and accent ' +
    'stripping when the folder asks for them, then WordPiece (the longest vocabulary piece first, continuations marked ' +
    '`##`; a word with no split is `[UNK]`). Each text becomes `[CLS] tokens [SEP]`, cut to `max_length` and padded with ' +
    '`[PAD]` (id 0): a `bert` layer from the same folder reads the padding as its attention mask. Nothing is learned from ' +
    'the data: the vocabulary is the pretrained one, stored with the run so predictions tokenize the same way.',
  params: [
    { name: 'from', type: { kind: 'path', folder: true }, required: true, doc: 'The Hugging Face model folder holding `vocab.txt` (or `tokenizer.json`), relative to the spec.' },
    { name: 'max_length', type: { kind: 'int', min: 2 }, default: 128, doc: 'Tokens per sample, `[CLS]` and `[SEP]` included: longer texts are cut, shorter ones padded.' },
  ],
  formulas: [
    {
      label: 'greedy longest match',
      latex: "p_k = \\operatorname*{arg\\,max}_{j} \\{\\, |w_{s..j}| : \\text{(\\#\\# if } s > 0) + w_{s..j} \\in V \\,\\}, \\quad x' = ([\\mathrm{CLS}], p_1, \\dots, p_K, [\\mathrm{SEP}], [\\mathrm{PAD}], \\dots)",
      unicode: "pₖ = the longest w[s..j] (prefixed ## when s > 0) in the vocabulary V;  x′ = ([CLS], p₁, …, p_K, [SEP], [PAD], …)",
    },
  ],
  tfjs: 'a WordPiece tokenizer in the trainer (src/core/text/wordpiece.ts); the ids become an int32 tensor of shape [n, max_length]',
  aliases: ['bert_tokenizer', 'BertTokenizer', 'DistilBertTokenizer', 'AutoTokenizer', 'wordpiece_tokenizer', 'hf_tokenizer'],
  primary: 'from',
  apply(input, { params, host }) {
    const folder = params.from;
    if (typeof folder === 'string') {
      const refused = pathError('from', folder, host, 'folder');
      if (refused) return refused;
      const base = folder.replace(/[\\/]+$/, '');
      if (host.exists?.(`${base}/vocab.txt`) === false && host.exists?.(`${base}/tokenizer.json`) === false) {
        return { error: { code: 'data/no-vocabulary', param: 'from', message: `\`${folder}\` has neither vocab.txt nor tokenizer.json: \`from\` names a Hugging Face model folder.` } };
      }
    }
    if (!input.text) {
      return fail('data/not-text', `\`wordpiece\` works on text, but the features are ${input.features ? `numbers of shape ${shapeText(input.features)}` : 'not text'}.`, {
        fix: 'name the text field with `text:` on a jsonl source',
      });
    }
    const data: DataShape = { ...input, features: [(params.max_length as number | undefined) ?? 128], text: false };
    delete data.columns;
    delete data.valueRange;
    return { data };
  },
  shapeCases: [
    { params: { from: 'bert-tiny', max_length: 64 }, input: reviews, output: { features: [64], text: false } },
    { params: { from: 'bert-tiny' }, input: table, error: 'data/not-text' },
  ],
};
