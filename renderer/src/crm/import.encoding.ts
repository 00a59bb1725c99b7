/**
 * How the import reads a file's bytes as text. Spreadsheet "CSV" files come in the encoding of the
 * machine that saved them: Excel on a zh-CN Windows writes GB18030 (GBK), on a Western one
 * Windows-1252, and "Unicode text" is UTF-16LE with a byte order mark. The order of checks: a BOM,
 * then strict UTF-8 (invalid UTF-8 is almost never valid by accident), then NUL patterns of BOM-less
 * UTF-16, then the legacy encoding of the user's language. The user can always override the guess.
 */

/** Encodings the import offers (TextDecoder labels). */
export const IMPORT_ENCODINGS = [
  'utf-8',
  'gb18030',
  'windows-1252',
  'utf-16le',
  'utf-16be',
  'big5',
  'shift_jis',
] as const;
export type ImportEncoding = (typeof IMPORT_ENCODINGS)[number];

export interface Detected {
  readonly encoding: ImportEncoding;
  /** Why: `bom`, `utf8` (decoded strictly), `nul` (UTF-16 pattern), `locale` (legacy fallback). */
  readonly reason: 'bom' | 'utf8' | 'nul' | 'bytes' | 'locale';
}

/** The legacy (non-Unicode) encoding a spreadsheet uses by default for this UI language. */
export function legacyEncodingFor(language: string): ImportEncoding {
  const l = language.toLowerCase();
  if (l === 'zh-tw' || l === 'zh-hk' || l.startsWith('zh-hant')) return 'big5';
  if (l.startsWith('zh')) return 'gb18030';
  if (l.startsWith('ja')) return 'shift_jis';
  return 'windows-1252';
}

/** Guesses the encoding of a file's bytes (see the module comment for the order). */
export function detectEncoding(bytes: Uint8Array, language: string): Detected {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return { encoding: 'utf-8', reason: 'bom' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', reason: 'bom' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', reason: 'bom' };
  // BOM-less UTF-16 of mostly-ASCII text has a NUL in every other byte.
  const probe = bytes.subarray(0, Math.min(bytes.length, 4096));
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < probe.length; i++) {
    if (probe[i] === 0) {
      if (i % 2 === 0) evenNul++;
      else oddNul++;
    }
  }
  const half = probe.length / 2;
  if (half >= 2 && oddNul > half * 0.3 && evenNul < half * 0.05)
    return { encoding: 'utf-16le', reason: 'nul' };
  if (half >= 2 && evenNul > half * 0.3 && oddNul < half * 0.05)
    return { encoding: 'utf-16be', reason: 'nul' };
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { encoding: 'utf-8', reason: 'utf8' };
  } catch {
    const legacy = legacyEncodingFor(language);
    // Chinese text is pairs of high bytes; Western accented letters are single high bytes among ASCII.
    const paired = pairedHighShare(bytes);
    if (paired > 0.8 && legacy === 'windows-1252') return { encoding: 'gb18030', reason: 'bytes' };
    if (paired < 0.3 && legacy !== 'windows-1252') return { encoding: 'windows-1252', reason: 'bytes' };
    return { encoding: legacy, reason: 'locale' };
  }
}

/** Share of high (>= 0x80) bytes that sit in a double-byte pair as GBK or Big5 hanzi do (both >= 0xA1). */
function pairedHighShare(bytes: Uint8Array): number {
  let paired = 0;
  let single = 0;
  const end = Math.min(bytes.length, 1 << 20);
  for (let i = 0; i < end; i++) {
    const b = bytes[i]!;
    if (b < 0x80) continue;
    const next = bytes[i + 1] ?? 0;
    if (b >= 0xa1 && b <= 0xfe && next >= 0xa1 && next <= 0xfe) {
      paired += 2;
      i++;
    } else single++;
  }
  return paired + single === 0 ? 0 : paired / (paired + single);
}

/** Decodes the file in the given encoding, dropping its BOM; undecodable bytes become U+FFFD. */
export function decodeBytes(bytes: Uint8Array, encoding: ImportEncoding): string {
  return new TextDecoder(encoding, { ignoreBOM: false }).decode(bytes);
}

/** How many replacement characters the decoded text has (a wrong encoding shows up here). */
export function replacementCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\ufffd'); i !== -1; i = text.indexOf('\ufffd', i + 1)) n++;
  return n;
}
