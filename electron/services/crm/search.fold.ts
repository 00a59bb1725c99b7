/**
 * Spellings the unicode61 tokenizer does not equate, and the search aliases that make them match.
 * unicode61 (remove_diacritics 2) folds é to e, but not ß to ss or ø to o, and it splits O'Brien into
 * "o" and "brien", so "weiss", "soren" and "obrien" found nothing. The indexer appends the folded
 * forms of such words to the stored text after an `ALIAS` marker, and queries are folded the same
 * way; display text ends at the marker, so the aliases are never shown.
 */

/** Starts the alias part of stored text. A C0 control: unicode61 treats it as a separator, and
 * `indexText` replaces control characters in a record's own text, so no record can contain it. */
export const ALIAS = '\u0003';

/** Letters that have no decomposition unicode61 could strip, as the letters people type instead. */
const LETTERS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ĳ: 'ij',
};
// Case-insensitive: Ø and ẞ fold as ø and ß do (the index ignores case anyway).
const LETTERS_G = new RegExp(`[${Object.keys(LETTERS).join('')}]`, 'giu');

/** The text with each `LETTERS` letter, in either case, as its replacement; the rest unchanged. */
export function foldLetters(text: string): string {
  return text.replace(LETTERS_G, (c) => LETTERS[c.toLowerCase()] ?? c);
}

/** A word: letters and digits, with apostrophes inside (O'Brien, D’Angelo). */
const WORD_G = /[\p{L}\p{N}\p{M}]+(?:['’ʼ][\p{L}\p{N}\p{M}]+)*/gu;
const APOSTROPHES_G = /['’ʼ]/gu;
const NEEDS_ALIAS = new RegExp(`['’ʼ${Object.keys(LETTERS).join('')}]`, 'iu');

/**
 * The aliases a text needs: each word with apostrophes joined (obrien), and each word holding a
 * `LETTERS` letter folded (weiss). None when the tokenizer already equates everything.
 */
export function searchAliases(text: string): string[] {
  // Most text has neither: one scan instead of splitting it into words.
  if (!NEEDS_ALIAS.test(text)) return [];
  const out = new Set<string>();
  for (const [word] of text.matchAll(WORD_G)) {
    for (const part of word.split(APOSTROPHES_G)) {
      const folded = foldLetters(part);
      if (folded !== part) out.add(folded.toLowerCase());
    }
    const joined = word.replace(APOSTROPHES_G, '');
    if (joined.length !== word.length) out.add(foldLetters(joined).toLowerCase());
  }
  return [...out];
}

/** The words of `text` that contain apostrophes, with where each starts and ends. */
export function apostropheWords(text: string): { start: number; end: number; joined: string }[] {
  const out: { start: number; end: number; joined: string }[] = [];
  for (const m of text.matchAll(WORD_G)) {
    const joined = m[0].replace(APOSTROPHES_G, '');
    if (joined.length !== m[0].length) out.push({ start: m.index, end: m.index + m[0].length, joined });
  }
  return out;
}
