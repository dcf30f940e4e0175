import * as OpenCC from 'opencc-js';
import { pinyin } from 'pinyin-pro';
import { toRomaji } from 'wanakana';

/**
 * Search and sort keys of a person's or a thing's name, derived here (never in SQL) so that the real PostgreSQL and the
 * embedded one (PGlite) store, and therefore match and order, exactly the same thing. Knows no feature: members,
 * contacts, departments and tags all store what `nameKeys` returns and match what `nameQuery` returns.
 *
 * The stored keys:
 * - `nameKey`: the name folded (NFKC width and compatibility forms, lower case, Traditional to Simplified, katakana to
 *   hiragana, spaces collapsed): exact and prefix ranking, and substrings of three characters or more (pg_trgm).
 * - `searchKeys`: fields each starting with a separator, so a LIKE `%<sep>q%` is a prefix match of one field, which
 *   pg_trgm answers from its word-start trigrams from one character up:
 *   `SUBSTRING_MARK` + the first two characters from every CJK character and every word start of the name (one- and
 *   two-character substrings: pg_trgm has no trigram for a single character inside a word), and
 *   `READING_MARK` + pinyin (surname readings for the first character) and initials from every syllable on, the
 *   reading in hiragana and romaji from every word on, and a Latin name without its spaces.
 * - `sortKey`: reading order in byte order (`collate "C"`): names with a kana reading first, in gojūon order, then
 *   Latin names and Chinese names by pinyin interleaved A to Z (as Chinese directories list them), then anything else.
 */
export interface NameKeys {
  nameKey: string;
  searchKeys: string;
  sortKey: string;
}

export const SUBSTRING_MARK = '\u001e';
export const READING_MARK = '\u001f';
/** Between a sort key's primary part and its tie-breakers: below every character the parts hold. */
const SORT_TIE = '\u0001';
/** Fields beyond these are not worth their bytes: a query is one name, not a paragraph. */
const MAX_STARTS = 12;
const MAX_FIELD = 24;

const HAN = /\p{Script=Han}/u;
const TONE_NUMBER = /[0-9]$/;
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}\u30fc]/u;
const LATIN_WORD = /^[\p{L}\p{N}]/u;

let toSimplified: ((text: string) => string) | undefined;

/** Traditional (and Hong Kong / Taiwan variants) to Simplified; built on first use, it loads the dictionaries. */
function simplified(text: string): string {
  if (!HAN.test(text)) return text;
  const convert = (toSimplified ??= OpenCC.Converter({ from: 't', to: 'cn' }));
  return convert(text);
}

/** Katakana to hiragana, one code point each (the blocks are parallel); the long-vowel mark stays. */
function hiragana(text: string): string {
  return text.replace(/[\u30a1-\u30f6]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0x60));
}

/** The folding both the stored keys and a query go through. */
export function foldText(text: string): string {
  const folded = text.normalize('NFKC').replace(/[\u0000-\u001f\u007f]/g, '').toLowerCase();
  return hiragana(simplified(folded)).replace(/[\s\u3000・·]+/gu, ' ').trim();
}

/** Latin letters without their accents (é to e, ü to v as pinyin keyboards write it). */
function plainLatin(text: string): string {
  return text.replace(/ü/g, 'v').normalize('NFD').replace(/\p{M}/gu, '');
}

/** A name cut into tokens: single CJK characters, kana runs and Latin/digit words. */
function tokensOf(folded: string): string[] {
  return folded.match(/\p{Script=Han}|[\p{Script=Hiragana}\p{Script=Katakana}\u30fc]+|[\p{L}\p{N}]+/gu) ?? [];
}

interface Syllable {
  /** Latin letters for matching (pinyin without tone, romaji, or the word itself). */
  plain: string;
  /** For the sort key: pinyin with its tone number, or the word. */
  sort: string;
}

/** Each token's reading: pinyin for Han characters (the first run with surname readings: 曾 zeng, 单 shan). */
function syllablesOf(tokens: string[]): Syllable[] {
  const out: Syllable[] = [];
  let i = 0;
  while (i < tokens.length) {
    if (HAN.test(tokens[i]!)) {
      let j = i;
      while (j < tokens.length && HAN.test(tokens[j]!)) j++;
      const run = tokens.slice(i, j).join('');
      const surname = i === 0 ? 'head' : 'off';
      // One conversion: the toneless reading is the toned one without its tone number (checked alike for every
      // character of U+4E00..U+9FFF, alone and in runs, with and without surname readings).
      const toned = pinyin(run, { toneType: 'num', type: 'array', surname, v: true });
      for (const syllable of toned) out.push({ plain: syllable.replace(TONE_NUMBER, ''), sort: syllable });
      i = j;
    } else {
      const token = tokens[i]!;
      const latin = KANA.test(token) ? toRomaji(token) : plainLatin(token);
      out.push({ plain: latin, sort: latin });
      i++;
    }
  }
  return out;
}

/** Every field from each start on: `abc`, `bc`, `c` as the words or syllables run. */
function fromEachStart(parts: string[]): string[] {
  const fields: string[] = [];
  for (let i = 0; i < parts.length && i < MAX_STARTS; i++) fields.push(parts.slice(i).join('').slice(0, MAX_FIELD));
  return fields;
}

/** One- and two-character substring fields: from every CJK or kana character and every word start. */
function substringFields(folded: string): string[] {
  const chars = [...folded];
  const fields: string[] = [];
  for (let i = 0; i < chars.length && fields.length < 4 * MAX_STARTS; i++) {
    const ch = chars[i]!;
    const wordStart = i === 0 || chars[i - 1] === ' ' || HAN.test(chars[i - 1]!) || KANA.test(chars[i - 1]!);
    if (HAN.test(ch) || KANA.test(ch) || (wordStart && LATIN_WORD.test(ch))) fields.push(chars.slice(i, i + 2).join(''));
  }
  return fields;
}

/** A kana reading as gojūon: voiced and small kana sort with their plain forms (tie-broken after), no long-vowel marks. */
function gojuonPrimary(kana: string): string {
  const small: Record<string, string> = { ぁ: 'あ', ぃ: 'い', ぅ: 'う', ぇ: 'え', ぉ: 'お', っ: 'つ', ゃ: 'や', ゅ: 'ゆ', ょ: 'よ', ゎ: 'わ', ゕ: 'か', ゖ: 'け' };
  return kana
    .normalize('NFD')
    .replace(/[\u3099\u309a]/g, '')
    .replace(/[ぁぃぅぇぉっゃゅょゎゕゖ]/g, (ch) => small[ch]!)
    .replace(/[^\p{Script=Hiragana}\p{L}\p{N}]/gu, '');
}

/**
 * The keys to store for a name and its optional reading (furigana, or a chosen romanisation). `extra` is other text
 * searched by one- and two-character substrings the same way (a contact's company), never used for order.
 */
export function nameKeys(name: string, reading?: string | null, extra?: string | null): NameKeys {
  // An entity asks for each of its three keys in turn: derive them once.
  if (last && last.name === name && last.reading === (reading ?? null) && last.extra === (extra ?? null)) return last.keys;
  const keys = deriveKeys(name, reading, extra);
  last = { name, reading: reading ?? null, extra: extra ?? null, keys };
  return keys;
}

let last: { name: string; reading: string | null; extra: string | null; keys: NameKeys } | undefined;

/**
 * `nameKeys` remembering what it derived, for bulk writers (imports) whose rows repeat names: deriving a Chinese
 * name's keys (Traditional folding, pinyin) costs far more than a map look-up. Holds at most `limit` names; past that
 * it derives without remembering, so memory stays bounded whatever the file.
 */
export function nameKeysCache(limit = 200_000): (name: string, reading?: string | null) => NameKeys {
  const cache = new Map<string, NameKeys>();
  return (name, reading) => {
    const key = reading ? `${name}\u0000${reading}` : name;
    let keys = cache.get(key);
    if (!keys) {
      keys = deriveKeys(name, reading);
      if (cache.size < limit) cache.set(key, keys);
    }
    return keys;
  };
}

function deriveKeys(name: string, reading?: string | null, extra?: string | null): NameKeys {
  const nameKey = foldText(name);
  const readingKey = reading ? foldText(reading) : '';
  const tokens = tokensOf(nameKey);
  const nameSyllables = syllablesOf(tokens);
  const readingTokens = tokensOf(readingKey);
  const readingSyllables = syllablesOf(readingTokens);
  const kanaReading = KANA.test(readingKey) ? readingKey : !readingKey && KANA.test(nameKey) && !HAN.test(nameKey) ? nameKey : '';
  const hasHan = HAN.test(nameKey);

  const reads = new Set<string>();
  const add = (fields: string[]) => fields.forEach((field) => field && reads.add(field));
  // A Japanese name with a kana reading is not read in pinyin (山田 is not "shantian" to anyone looking for it).
  if (hasHan && !kanaReading) {
    add(fromEachStart(nameSyllables.map((s) => s.plain)));
    add(fromEachStart(nameSyllables.map((s) => s.plain.charAt(0))));
  } else if (!hasHan) {
    add(fromEachStart(nameSyllables.map((s) => s.plain)));
  }
  if (readingKey) {
    const words = readingKey.split(' ');
    add(fromEachStart(words));
    if (kanaReading) add(fromEachStart(words.map((word) => toRomaji(word))));
    else if (readingSyllables.length > 1) add(fromEachStart(readingSyllables.map((s) => s.plain.charAt(0))));
  } else if (kanaReading) {
    add(fromEachStart(nameKey.split(' ').map((word) => toRomaji(word))));
  }
  const subs = new Set([...substringFields(nameKey), ...(extra ? substringFields(foldText(extra)) : [])]);
  const searchKeys = [...[...subs].map((field) => SUBSTRING_MARK + field), ...[...reads].map((field) => READING_MARK + field)].join('');

  let sortKey: string;
  if (kanaReading) {
    const kana = kanaReading.replace(/ /g, '');
    sortKey = `0${gojuonPrimary(kana)}${SORT_TIE}${kana}${SORT_TIE}${nameKey}`;
  } else {
    const latin = (readingSyllables.length ? readingSyllables : nameSyllables).map((s) => s.sort).filter((s) => /^[a-z0-9]/.test(s));
    sortKey = latin.length ? `1${latin.join(' ')}${SORT_TIE}${nameKey}` : `2${nameKey}`;
  }
  return { nameKey, searchKeys, sortKey };
}

/** The keys as the columns of hand-written inserts name them. */
export function keyColumns(keys: NameKeys): { name_key: string; search_keys: string; sort_key: string } {
  return { name_key: keys.nameKey, search_keys: keys.searchKeys, sort_key: keys.sortKey };
}

/** What a search for `query` looks for; null when nothing is left after folding. */
export interface NameQuery {
  /** The folded query: compared with `nameKey` (exact, prefix, substring) and with substring fields. */
  text: string;
  /** Without spaces and apostrophes (`zhang san feng`, `xi'an`): compared with reading fields. */
  compact: string;
  /** Characters in `text`: substring fields hold two, longer queries use trigrams on `nameKey`. */
  length: number;
}

export function nameQuery(query: string): NameQuery | null {
  const text = foldText(query);
  if (!text) return null;
  return { text, compact: text.replace(/[\s'’]/g, ''), length: [...text].length };
}

export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, '\\$&');
}

/**
 * The LIKE patterns of a name search, any of which may match, and what ranks it:
 * - `substring`: a one- or two-character query as the start of a substring field (null for longer ones),
 * - `contains`: three characters or more anywhere in `nameKey` (null for shorter ones),
 * - `reading`: a prefix of a reading field (pinyin, initials, kana, romaji),
 * - `prefix`: `nameKey` starts with it (rank only).
 * Rank, best first: exact `nameKey` 0, `prefix` 1, `reading` 2, anything else 3.
 */
export interface NamePatterns {
  exact: string;
  prefix: string;
  reading: string | null;
  substring: string | null;
  contains: string | null;
}

export function namePatterns(q: NameQuery): NamePatterns {
  const text = escapeLike(q.text);
  return {
    exact: q.text,
    prefix: `${text}%`,
    reading: /^[\p{L}\p{N}]/u.test(q.compact) && !HAN.test(q.compact) ? `%${READING_MARK}${escapeLike(q.compact)}%` : null,
    substring: q.length <= 2 ? `%${SUBSTRING_MARK}${text}%` : null,
    contains: q.length >= 3 ? `%${text}%` : null,
  };
}
