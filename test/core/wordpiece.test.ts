import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encode, parseVocabTxt, vocabFromTokenizerJson, wordPieceOptions, type WordPieceVocabulary } from '../../src/core/text/wordpiece';

const dir = join(__dirname, '..', 'fixtures', 'hf-bert-small-random');
const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
const ref = JSON.parse(read('reference-outputs.json')) as {
  max_length: number;
  texts: string[];
  tokens: string[][];
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
};

describe('WordPiece tokenizer (Hugging Face parity)', () => {
  const options = wordPieceOptions(JSON.parse(read('tokenizer_config.json')), JSON.parse(read('tokenizer.json')));
  const fromTxt: WordPieceVocabulary = { ids: parseVocabTxt(read('vocab.txt')), options };
  const fromJson: WordPieceVocabulary = { ids: vocabFromTokenizerJson(JSON.parse(read('tokenizer.json')))!, options };

  it('reads both vocabularies the same', () => {
    expect(fromTxt.ids.size).toBe(179);
    expect([...fromJson.ids.entries()].sort((a, b) => a[1] - b[1])).toEqual([...fromTxt.ids.entries()].sort((a, b) => a[1] - b[1]));
  });

  ref.texts.forEach((text, i) => {
    it(`text ${i + 1}: ${JSON.stringify(text)} gives HF's tokens, ids, types and mask`, () => {
      const e = encode(fromTxt, text, ref.max_length);
      expect(e.tokens).toEqual(ref.tokens[i]);
      expect(e.inputIds).toEqual(ref.input_ids[i]);
      expect(e.tokenTypeIds).toEqual(ref.token_type_ids[i]);
      expect(e.attentionMask).toEqual(ref.attention_mask[i]);
    });
  });

  it('strips accents only when asked, splits CJK ideographs and ASCII symbols, keeps special tokens whole', () => {
    const ids = new Map(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'cafe', 'café', 'Café', '中', '文', '$', '^', '5'].map((t, i) => [t, i]));
    const lower = { ids, options: wordPieceOptions({ do_lower_case: true }) };
    expect(encode(lower, 'Café', 4).tokens).toEqual(['[CLS]', 'cafe', '[SEP]', '[PAD]']);
    expect(encode({ ids, options: wordPieceOptions({ do_lower_case: true, strip_accents: false }) }, 'Café', 3).tokens).toEqual(['[CLS]', 'café', '[SEP]']);
    expect(encode({ ids, options: wordPieceOptions({ do_lower_case: false }) }, 'Café', 3).tokens).toEqual(['[CLS]', 'Café', '[SEP]']);
    expect(encode(lower, '中文$5^ [MASK]', 9).tokens).toEqual(['[CLS]', '中', '文', '$', '5', '^', '[MASK]', '[SEP]', '[PAD]']);
    // Control characters vanish; a word past max_input_chars_per_word is one [UNK].
    expect(encode(lower, 'ca\u0000fe\u200b', 3).tokens).toEqual(['[CLS]', 'cafe', '[SEP]']);
    expect(encode(lower, 'c'.repeat(101), 3).tokens).toEqual(['[CLS]', '[UNK]', '[SEP]']);
  });

  it('truncates a pair longest-first and gives the second text type 1', () => {
    const e = encode(fromTxt, 'good good good good', 9, 'bad bad bad');
    expect(e.tokens).toEqual(['[CLS]', 'good', 'good', 'good', '[SEP]', 'bad', 'bad', 'bad', '[SEP]']);
    expect(e.tokenTypeIds).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(encode(fromTxt, 'good', 8, 'bad bad bad bad bad bad').tokens).toEqual(['[CLS]', 'good', '[SEP]', 'bad', 'bad', 'bad', 'bad', '[SEP]']);
  });
});
