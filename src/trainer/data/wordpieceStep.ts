/**
 * The `wordpiece` step's file side: a Hugging Face folder's vocabulary and tokenizer settings,
 * read once at training and stored in the run's fitted preprocessing (so predictions need not
 * find the folder again), and the encoding of a batch of texts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode, parseVocabTxt, vocabFromTokenizerJson, wordPieceOptions, type WordPieceOptions, type WordPieceVocabulary } from '../../core/text/wordpiece';
import { fail } from '../util';
import { dataPath, type DataPlace } from './readers';

/** What preprocessing.json keeps: the tokens by id and the options. */
export interface WordPieceState {
  tokens: string[];
  options: WordPieceOptions;
}

function readJson(file: string, shown: string): unknown {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return fail('data/bad-tokenizer', `${shown} is not valid JSON (${(e as Error).message}).`, { file });
  }
}

/** The folder's tokenizer, as a storable state. */
export function readWordPieceFolder(place: DataPlace, from: unknown): WordPieceState {
  const dir = dataPath(place, from, 'from', 'folder');
  const shown = String(from);
  const tokenizerJson = readJson(join(dir, 'tokenizer.json'), `${shown}/tokenizer.json`);
  const config = readJson(join(dir, 'tokenizer_config.json'), `${shown}/tokenizer_config.json`);
  const txt = join(dir, 'vocab.txt');
  const ids = existsSync(txt) ? parseVocabTxt(readFileSync(txt, 'utf8')) : vocabFromTokenizerJson(tokenizerJson);
  if (!ids || ids.size === 0) return fail('data/no-vocabulary', `\`${shown}\` has no WordPiece vocabulary: neither vocab.txt nor a tokenizer.json with a WordPiece model.`, { file: dir });
  const tokens: string[] = [];
  for (const [token, id] of ids) tokens[id] = token;
  return { tokens: Array.from(tokens, (t) => t ?? ''), options: wordPieceOptions(config, tokenizerJson) };
}

/** Every text as `maxLength` ids, in one float32 block (the trainer's feature layout). */
export function encodeTexts(state: WordPieceState, texts: readonly (string | null)[], maxLength: number): Float32Array {
  const vocab: WordPieceVocabulary = { ids: new Map(state.tokens.map((t, i) => [t, i] as [string, number]).filter(([t]) => t !== '')), options: state.options };
  const x = new Float32Array(texts.length * maxLength);
  texts.forEach((text, i) => x.set(encode(vocab, text ?? '', maxLength).inputIds, i * maxLength));
  return x;
}
