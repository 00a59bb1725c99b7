import { describe, expect, it } from 'vitest';
import { parseLocaleAmountMinor, parseLocaleNumber } from '../../../shared/locale/locale.parse';

describe('parseLocaleNumber', () => {
  it.each([
    ['€1,234.56', 'en', 1234.56],
    ['1.234,56 €', 'de', 1234.56],
    ['EUR 1,234.56', 'en', 1234.56],
    ['1,234.56 USD', 'en', 1234.56],
    ['US$ 5', 'en', 5],
    ['CN¥1,000', 'zh-CN', 1000],
    ['１，０００元', 'zh-CN', 1000],
    ['(€1,234.56)', 'en', -1234.56],
    ['-12', 'en', -12],
    [' 90 ', 'en', 90],
  ])('reads %s in %s as %d', (text, locale, value) => {
    expect(parseLocaleNumber(text, locale)).toBe(value);
  });

  // Letters the parser does not understand used to be dropped: "50k" was saved as 50.
  it.each(['50k', '1e5', '1.2 Mio', '1h30', 'abc', '12 apples', '5#', 'eur 5', 'EURO 5'])(
    'refuses %s instead of dropping what it cannot read',
    (text) => {
      expect(parseLocaleNumber(text, 'en')).toBeNull();
      expect(parseLocaleAmountMinor(text, 'en')).toBeNull();
    },
  );
});
