/**
 * A WordPiece tokenizer that gives the same tokens and ids as Hugging Face's `BertTokenizer`
 * (and its fast twin, `BertNormalizer` + `BertPreTokenizer` + `WordPiece`) on the same text.
 * Pure: the caller reads `vocab.txt` / `tokenizer.json` / `tokenizer_config.json` and passes
 * their text in.
 */

export interface WordPieceOptions {
  /** Lower-case before splitting (HF `do_lower_case`, default true). */
  lowercase: boolean;
  /** Strip accents (NFD, drop combining marks). Null: follows `lowercase`, as in HF. */
  stripAccents: boolean | null;
  /** Put spaces around CJK ideographs (HF `tokenize_chinese_chars`, default true). */
  chineseChars: boolean;
  /** Words longer than this (in code points) become `[UNK]` (HF default 100). */
  maxInputCharsPerWord: number;
  unk: string;
  cls: string;
  sep: string;
  pad: string;
  /** Tokens the basic tokenizer never splits or lower-cases. */
  neverSplit: readonly string[];
}

export interface WordPieceVocabulary {
  /** Token → id. */
  ids: ReadonlyMap<string, number>;
  options: WordPieceOptions;
}

/** One encoded text: HF's `input_ids`, `token_type_ids`, `attention_mask` (and the tokens). */
export interface Encoding {
  tokens: string[];
  inputIds: number[];
  tokenTypeIds: number[];
  attentionMask: number[];
}

export const DEFAULT_WORDPIECE_OPTIONS: WordPieceOptions = {
  lowercase: true,
  stripAccents: null,
  chineseChars: true,
  maxInputCharsPerWord: 100,
  unk: '[UNK]',
  cls: '[CLS]',
  sep: '[SEP]',
  pad: '[PAD]',
  neverSplit: ['[UNK]', '[SEP]', '[PAD]', '[CLS]', '[MASK]'],
};

/** Why the vocabulary files cannot be used. */
export class WordPieceError extends Error {}

/** `vocab.txt`: one token a line, its id the line number (HF `load_vocab`). */
export function parseVocabTxt(text: string): Map<string, number> {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const ids = new Map<string, number>();
  lines.forEach((line, i) => {
    const token = line.replace(/\r$/, '').replace(/\s+$/, '');
    if (!ids.has(token)) ids.set(token, i);
  });
  return ids;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Options from `tokenizer_config.json` (and/or `tokenizer.json`'s normalizer); missing files give HF's defaults. */
export function wordPieceOptions(tokenizerConfig?: unknown, tokenizerJson?: unknown): WordPieceOptions {
  const o: WordPieceOptions = { ...DEFAULT_WORDPIECE_OPTIONS, neverSplit: [...DEFAULT_WORDPIECE_OPTIONS.neverSplit] };
  if (isObject(tokenizerJson)) {
    const n = tokenizerJson.normalizer;
    if (isObject(n) && n.type === 'BertNormalizer') {
      if (typeof n.lowercase === 'boolean') o.lowercase = n.lowercase;
      if (typeof n.strip_accents === 'boolean' || n.strip_accents === null) o.stripAccents = n.strip_accents;
      if (typeof n.handle_chinese_chars === 'boolean') o.chineseChars = n.handle_chinese_chars;
    }
    const m = tokenizerJson.model;
    if (isObject(m) && typeof m.max_input_chars_per_word === 'number') o.maxInputCharsPerWord = m.max_input_chars_per_word;
    if (isObject(m) && typeof m.unk_token === 'string') o.unk = m.unk_token;
    if (Array.isArray(tokenizerJson.added_tokens)) {
      for (const t of tokenizerJson.added_tokens) if (isObject(t) && t.special === true && typeof t.content === 'string') o.neverSplit = [...o.neverSplit, t.content];
    }
  }
  if (isObject(tokenizerConfig)) {
    const c = tokenizerConfig;
    if (typeof c.do_lower_case === 'boolean') o.lowercase = c.do_lower_case;
    if (typeof c.strip_accents === 'boolean' || c.strip_accents === null) o.stripAccents = c.strip_accents as boolean | null;
    if (typeof c.tokenize_chinese_chars === 'boolean') o.chineseChars = c.tokenize_chinese_chars;
    for (const [key, field] of [['unk_token', 'unk'], ['cls_token', 'cls'], ['sep_token', 'sep'], ['pad_token', 'pad']] as const) {
      const v = c[key];
      const s = typeof v === 'string' ? v : isObject(v) && typeof v.content === 'string' ? v.content : undefined;
      if (s !== undefined) {
        o[field] = s;
        o.neverSplit = [...o.neverSplit, s];
      }
    }
    if (Array.isArray(c.never_split)) o.neverSplit = [...o.neverSplit, ...c.never_split.filter((s): s is string => typeof s === 'string')];
  }
  o.neverSplit = [...new Set(o.neverSplit)];
  return o;
}

/** The vocabulary of `tokenizer.json`'s WordPiece model, when it has one. */
export function vocabFromTokenizerJson(tokenizerJson: unknown): Map<string, number> | undefined {
  if (!isObject(tokenizerJson) || !isObject(tokenizerJson.model) || !isObject(tokenizerJson.model.vocab)) return undefined;
  const ids = new Map<string, number>();
  for (const [token, id] of Object.entries(tokenizerJson.model.vocab)) if (typeof id === 'number') ids.set(token, id);
  return ids;
}

// ---------------------------------------------------------------------------------------------
// BasicTokenizer: clean, space CJK, lower-case / strip accents, split on whitespace and punctuation.

const WHITESPACE = /^[ \t\n\r]$|^\p{Zs}$/u;
const CONTROL = /^\p{C}$/u;
const PUNCT_CATEGORY = /^\p{P}$/u;
const COMBINING_MARK = /\p{Mn}/gu;

const isWhitespace = (ch: string): boolean => WHITESPACE.test(ch);
const isControl = (ch: string): boolean => ch !== '\t' && ch !== '\n' && ch !== '\r' && CONTROL.test(ch);

/** HF's `_is_punctuation`: every non-alphanumeric ASCII symbol, and Unicode's P* categories. */
export function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return PUNCT_CATEGORY.test(ch);
}

/** HF's `_is_chinese_char`: the CJK Unified Ideographs blocks (not Hiragana, Katakana or Hangul). */
function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function cleanText(text: string, chineseChars: boolean): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
    if (isWhitespace(ch)) out += ' ';
    else if (chineseChars && isCjk(cp)) out += ` ${ch} `;
    else out += ch;
  }
  return out;
}

/** Python's `str.split()`: runs of Unicode whitespace separate words. */
const splitWhitespace = (text: string): string[] => text.split(/[\s\u001c-\u001f\u0085]+/u).filter(Boolean);

const stripAccents = (word: string): string => word.normalize('NFD').replace(COMBINING_MARK, '');

function splitOnPunctuation(word: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const ch of word) {
    if (isPunctuation(ch)) {
      if (current) out.push(current);
      out.push(ch);
      current = '';
    } else current += ch;
  }
  if (current) out.push(current);
  return out;
}

/** HF's `BasicTokenizer.tokenize`. */
export function basicTokenize(text: string, o: WordPieceOptions): string[] {
  const neverSplit = new Set(o.neverSplit);
  const words = splitWhitespace(cleanText(text, o.chineseChars).normalize('NFC'));
  const out: string[] = [];
  for (let word of words) {
    if (neverSplit.has(word)) {
      out.push(word);
      continue;
    }
    if (o.lowercase) {
      word = word.toLowerCase();
      if (o.stripAccents !== false) word = stripAccents(word);
    } else if (o.stripAccents) word = stripAccents(word);
    out.push(...splitOnPunctuation(word).flatMap(splitWhitespace));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// WordPiece: greedy longest match first, continuations prefixed with `##`.

/** HF's `WordpieceTokenizer.tokenize` on one word. */
export function wordPieces(word: string, ids: ReadonlyMap<string, number>, o: WordPieceOptions): string[] {
  const chars = [...word];
  if (chars.length > o.maxInputCharsPerWord) return [o.unk];
  const pieces: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = chars.length;
    let found: string | undefined;
    while (start < end) {
      const piece = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
      if (ids.has(piece)) {
        found = piece;
        break;
      }
      end--;
    }
    if (found === undefined) return [o.unk];
    pieces.push(found);
    start = end;
  }
  return pieces;
}

/** The text's tokens without `[CLS]`/`[SEP]`. */
export function tokenizeText(text: string, vocab: WordPieceVocabulary): string[] {
  return basicTokenize(text, vocab.options).flatMap((w) => (vocab.options.neverSplit.includes(w) && vocab.ids.has(w) ? [w] : wordPieces(w, vocab.ids, vocab.options)));
}

/**
 * `[CLS] a [SEP]` (or `[CLS] a [SEP] b [SEP]`), truncated longest-first and padded at the end to
 * `maxLength`, as HF's `tokenizer(text, padding="max_length", truncation=True, max_length=…)`.
 */
export function encode(vocab: WordPieceVocabulary, text: string, maxLength: number, pair?: string): Encoding {
  const o = vocab.options;
  const a = tokenizeText(text, vocab);
  const b = pair === undefined ? undefined : tokenizeText(pair, vocab);
  const room = maxLength - (b ? 3 : 2);
  if (room < 0) throw new WordPieceError(`max_length ${maxLength} leaves no room for the special tokens.`);
  // Longest first: cut one token from the longer sequence (the second on ties, as HF) until they fit.
  while (a.length + (b?.length ?? 0) > room) {
    if (b && b.length >= a.length) b.pop();
    else a.pop();
  }
  const tokens = [o.cls, ...a, o.sep, ...(b ? [...b, o.sep] : [])];
  const tokenTypeIds = tokens.map((_, i) => (i < a.length + 2 ? 0 : 1));
  const attentionMask = tokens.map(() => 1);
  while (tokens.length < maxLength) {
    tokens.push(o.pad);
    tokenTypeIds.push(0);
    attentionMask.push(0);
  }
  const unkId = vocab.ids.get(o.unk);
  const inputIds = tokens.map((t) => {
    const id = vocab.ids.get(t) ?? unkId;
    if (id === undefined) throw new WordPieceError(`The vocabulary has neither \`${t}\` nor the unknown token \`${o.unk}\`.`);
    return id;
  });
  return { tokens, inputIds, tokenTypeIds, attentionMask };
}
