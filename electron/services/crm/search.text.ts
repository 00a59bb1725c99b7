/**
 * Text preparation for the search index and queries. unicode61 would make 张伟 one token, so before
 * indexing every CJK character is wrapped in U+200B (a format character, which unicode61 treats as a
 * separator): each character becomes its own token and 伟 finds 张伟. The marker is removed again when
 * titles and snippets are shown, so the display text is the original.
 */
import { ALIAS, apostropheWords, foldLetters, searchAliases } from './search.fold';

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const CJK_G = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu;
const ZWSP = '\u200b';
/** Markers for highlight()/snippet(); control characters are stripped from indexed text first. */
export const HL_OPEN = '\u0001';
export const HL_CLOSE = '\u0002';

/** Replaces C0 control characters (but tab and newline) and the ZWSP marker with spaces. */
function stripMarkers(text: string): string {
  let clean = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a) || c === 0x200b) {
      clean = false;
      break;
    }
  }
  if (clean) return text;
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    out += (c < 0x20 && c !== 0x09 && c !== 0x0a) || c === 0x200b ? ' ' : ch;
  }
  return out;
}

/**
 * Text as stored in the unicode61 index: CJK split, then the search aliases (`searchAliases`), each
 * after an `ALIAS` marker, so any snippet that reaches into them holds a marker.
 */
export function indexText(text: string): string {
  const clean = stripMarkers(text);
  const aliases = searchAliases(clean);
  const shown = clean.replace(CJK_G, (c) => ZWSP + c + ZWSP);
  return aliases.length > 0 ? `${shown}${ALIAS}${aliases.join(ALIAS)}` : shown;
}

/** The part of stored text that is the record's own: everything before the aliases. */
function shownPart(text: string): string {
  const at = text.indexOf(ALIAS);
  return at < 0 ? text : text.slice(0, at);
}

/** Undo `indexText` for display. */
export function displayText(text: string): string {
  return shownPart(text).replaceAll(ZWSP, '');
}

/** One piece of a highlighted text: plain or matched. Rendered as text, never as HTML. */
export interface Segment {
  readonly text: string;
  readonly match: boolean;
}

/** Splits text carrying HL_OPEN/HL_CLOSE markers into segments. */
export function markedToSegments(marked: string): Segment[] {
  const out: Segment[] = [];
  let match = false;
  let buf = '';
  const push = () => {
    if (buf) {
      const last = out[out.length - 1];
      if (last && last.match === match) out[out.length - 1] = { text: last.text + buf, match };
      else out.push({ text: buf, match });
    }
    buf = '';
  };
  for (const ch of displayText(marked)) {
    if (ch === HL_OPEN || ch === HL_CLOSE) {
      push();
      match = ch === HL_OPEN;
    } else buf += ch;
  }
  push();
  return out;
}

/** Highlights every case-insensitive occurrence of `needle` in `text`. */
export function highlightSubstring(text: string, needle: string): Segment[] {
  if (!needle) return text ? [{ text, match: false }] : [];
  const lower = text.toLowerCase();
  const n = needle.toLowerCase();
  const out: Segment[] = [];
  let from = 0;
  for (;;) {
    const at = lower.indexOf(n, from);
    if (at < 0) break;
    if (at > from) out.push({ text: text.slice(from, at), match: false });
    out.push({ text: text.slice(at, at + n.length), match: true });
    from = at + n.length;
  }
  if (from < text.length) out.push({ text: text.slice(from), match: false });
  return out;
}

/** Highlights a digit run inside a formatted phone number (digits may be separated by punctuation). */
export function highlightDigits(phone: string, digits: string): Segment[] {
  const positions: number[] = [];
  for (let i = 0; i < phone.length; i++) if (/\d/.test(phone[i]!)) positions.push(i);
  const all = positions.map((p) => phone[p]).join('');
  const at = all.indexOf(digits);
  if (at < 0 || !digits) return [{ text: phone, match: false }];
  const start = positions[at]!;
  const end = positions[at + digits.length - 1]! + 1;
  return [
    { text: phone.slice(0, start), match: false },
    { text: phone.slice(start, end), match: true },
    { text: phone.slice(end), match: false },
  ].filter((s) => s.text.length > 0);
}

/**
 * Builds an FTS5 MATCH expression from what a person typed: Latin words become prefix terms ("smi"*),
 * runs of CJK characters become phrases of single-character tokens ("张 伟"), everything else is dropped,
 * so the user's text can never inject FTS5 syntax. All terms must match (implicit AND). Null when
 * nothing searchable is left.
 */
export function buildMatchQuery(query: string): string | null {
  const words = query.normalize('NFC').match(/[\p{L}\p{N}]+/gu) ?? [];
  const terms: string[] = [];
  for (const word of words.slice(0, 12)) {
    let latin = '';
    let cjk: string[] = [];
    const flush = () => {
      if (latin) terms.push(`"${foldLetters(latin)}"*`);
      if (cjk.length) terms.push(`"${cjk.join(' ')}"`);
      latin = '';
      cjk = [];
    };
    for (const ch of word) {
      if (CJK.test(ch)) {
        if (latin) flush();
        cjk.push(ch);
      } else {
        if (cjk.length) flush();
        latin += ch;
      }
    }
    flush();
  }
  return terms.length ? terms.join(' ') : null;
}

/** One term of a `buildMatchQuery` expression: a prefix, or a phrase of whole tokens (CJK). */
export interface MatchTerm {
  readonly tokens: readonly string[];
  readonly prefix: boolean;
}

// unicode61's token characters (letters, numbers, private use; marks stay with their letter).
const TOKEN_G = /[\p{L}\p{N}\p{Co}\p{M}]+/gu;

/**
 * A token as the index compares it: case-folded and without diacritics (unicode61 with
 * remove_diacritics), its `LETTERS` folded (as the aliases and queries are).
 */
function fold(token: string): string {
  return foldLetters(token.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase());
}

/** The terms of an expression `buildMatchQuery` made (`"smi"*`, `"张 伟"`), folded. */
export function matchTerms(match: string): MatchTerm[] {
  const out: MatchTerm[] = [];
  for (const m of match.matchAll(/"([^"]*)"(\*?)/g)) {
    const tokens = (m[1]!.match(TOKEN_G) ?? []).map(fold);
    if (tokens.length > 0) out.push({ tokens, prefix: m[2] === '*' });
  }
  return out;
}

interface Token {
  readonly start: number;
  readonly end: number;
  readonly folded: string;
}

/**
 * Marks the tokens of words with apostrophes that a prefix term matches only as the joined word:
 * "obr" marks O and Brien in O'Brien, as far as its characters reach ("o" is left to the tokens).
 */
function markJoinedWords(
  stored: string,
  tokens: readonly Token[],
  terms: readonly MatchTerm[],
  marked: boolean[],
): void {
  let i = 0;
  for (const word of apostropheWords(stored)) {
    while (i < tokens.length && tokens[i]!.start < word.start) i++;
    const joined = fold(word.joined);
    for (const term of terms) {
      const want = term.tokens.length === 1 ? term.tokens[0]! : '';
      if (!want || want.length <= (tokens[i]?.folded.length ?? 0)) continue;
      if (!(term.prefix ? joined.startsWith(want) : joined === want)) continue;
      for (
        let k = i, covered = 0;
        k < tokens.length && tokens[k]!.end <= word.end && covered < want.length;
        k++
      ) {
        marked[k] = true;
        covered += tokens[k]!.folded.length;
      }
    }
  }
}

/**
 * Marks (HL_OPEN/HL_CLOSE) the tokens of stored text that the terms match, as FTS5's highlight()
 * would: a token starting with a prefix term, and each run of tokens equal to a phrase term. A prefix
 * term that only the joined alias of a word with apostrophes matches ("obr" in O'Brien) marks the
 * tokens it reaches into. The aliases themselves are dropped.
 */
export function highlightTerms(storedText: string, terms: readonly MatchTerm[]): string {
  const stored = shownPart(storedText);
  const tokens: Token[] = [...stored.matchAll(TOKEN_G)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    folded: fold(m[0]),
  }));
  const marked = new Array<boolean>(tokens.length).fill(false);
  for (const term of terms) {
    const n = term.tokens.length;
    for (let i = 0; i + n <= tokens.length; i++) {
      let hit = true;
      for (let k = 0; k < n && hit; k++) {
        const t = tokens[i + k]!.folded;
        const want = term.tokens[k]!;
        hit = term.prefix && k === n - 1 ? t.startsWith(want) : t === want;
      }
      if (hit) for (let k = 0; k < n; k++) marked[i + k] = true;
    }
  }
  markJoinedWords(stored, tokens, terms, marked);
  let out = '';
  let at = 0;
  tokens.forEach((t, i) => {
    if (!marked[i]) return;
    out += stored.slice(at, t.start) + HL_OPEN + stored.slice(t.start, t.end) + HL_CLOSE;
    at = t.end;
  });
  return out + stored.slice(at);
}

/**
 * A snippet of stored text as FTS5's snippet() makes one, for a match FTS5 only found in the
 * aliases: about `size` tokens from shortly before the first match, highlighted, '…' where text was
 * cut. '' when nothing shown matches.
 */
export function snippetTerms(storedText: string, terms: readonly MatchTerm[], size = 12): string {
  const shown = shownPart(storedText);
  // No marker comes before the first one, so its index is also the match's offset in `shown`.
  const first = highlightTerms(shown, terms).indexOf(HL_OPEN);
  if (first < 0) return '';
  const tokens = [...shown.matchAll(TOKEN_G)];
  const hit = tokens.findIndex((t) => t.index + t[0].length > first);
  const from = Math.max(0, hit - 2);
  const to = Math.min(tokens.length, from + size);
  const start = from === 0 ? 0 : tokens[from]!.index;
  const last = tokens[to - 1]!;
  const end = to === tokens.length ? shown.length : last.index + last[0].length;
  const cut = highlightTerms(shown.slice(start, end), terms);
  return `${start > 0 ? '…' : ''}${cut}${end < shown.length ? '…' : ''}`;
}

/** The digit run a query asks for, when it looks like (part of) a phone number: at least 3 digits. */
export function phoneDigitsQuery(query: string): string | null {
  const q = query.trim();
  if (!/^\+?[\d\s().\-/]+$/.test(q)) return null;
  const digits = q.replace(/\D/g, '');
  return digits.length >= 3 ? digits : null;
}

/** Variants shorter than this are left out: a short run would find unrelated numbers. */
const MIN_VARIANT_DIGITS = 7;

/**
 * The digit runs that find a phone number typed as `query` whichever way it was stored: the digits
 * as typed, and the other common forms of the number. A national number (030 1234567) is also looked
 * for without its trunk 0, as a +49 30 1234567 holds it; an international one (+49 30 1234567, 0049
 * …) also without its country code of one to three digits, with and without a trunk 0, as 030
 * 1234567 or (415) 555-0100 hold it. `digits` is what `phoneDigitsQuery` made of `query`.
 */
export function phoneDigitRuns(query: string, digits: string): string[] {
  const runs = new Set([digits]);
  const plus = query.trim().startsWith('+');
  if (plus || digits.startsWith('00')) {
    // Without the 00 that dials out, the number as +… holds it.
    const number = plus ? digits : digits.slice(2);
    runs.add(number);
    for (let cc = 1; cc <= 3; cc++) {
      runs.add(number.slice(cc));
      runs.add(`0${number.slice(cc)}`);
    }
  } else if (digits.startsWith('0')) runs.add(digits.slice(1));
  return [...runs].filter((r) => r === digits || r.length >= MIN_VARIANT_DIGITS);
}

/** An e-mail fragment to search the trigram index with: at least 3 characters, no spaces. */
export function emailFragmentQuery(query: string): string | null {
  const q = query.trim().toLowerCase();
  if (q.length < 3 || q.length > 254 || /\s/.test(q)) return null;
  if (!/^[\p{L}\p{N}._%+\-@]+$/u.test(q)) return null;
  return q;
}

/** A trigram MATCH operand: the fragment as one quoted string (double quotes doubled). */
export function quoteFts(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}
