/*
 * Keys under which two records count as possibly the same person or company. Names are compared
 * after NFKC (full-width letters and digits become ASCII), case folding and without spaces or
 * punctuation, so 张伟 == 张 伟 and "ＡＣＭＥ" == "Acme"; Latin names also ignore word order
 * ("Smith, John" == "John Smith"). Phones compare by their last nine digits (full-width included).
 */
import { CJK } from './import.cells';

const LEGAL_SUFFIX =
  /\b(inc|incorporated|ltd|limited|llc|gmbh|ag|sa|sarl|bv|nv|plc|corp|corporation|co|company|kg|oy|ab)\b\.?/g;
const CN_LEGAL_SUFFIX = /(有限责任公司|股份有限公司|有限公司|集团|公司)$/;

/** The normalised name key; '' when nothing is left. */
export function nameKey(name: string, kind: 'contact' | 'account' = 'contact'): string {
  let t = name.normalize('NFKC').toLowerCase().trim();
  if (kind === 'account') t = t.replace(LEGAL_SUFFIX, ' ').replace(CN_LEGAL_SUFFIX, '');
  if (CJK.test(t)) return t.replace(/[^\p{L}\p{N}]/gu, '');
  const words = t.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  return words.sort().join(' ');
}

/** E-mail key: NFKC, trimmed, lower-case. */
export function emailKey(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

/**
 * Phone key: its last nine digits (after NFKC), so `+86 138 0013 8000` and `138-0013-8000`, or
 * `+49 30 1234567` and `030 1234567`, match with or without the country code; '' for fewer than six
 * digits, which say too little.
 */
export function phoneKey(phone: string): string {
  const digits = phone.normalize('NFKC').replace(/\D/g, '');
  return digits.length >= 6 ? digits.slice(-9) : '';
}
