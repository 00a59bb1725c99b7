import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  defaultCurrencyFor,
  parseLocaleAmountMinor,
  parseLocaleDate,
  parseLocaleDateTime,
  parseLocaleNumber,
} from '../../../../shared/locale/locale.parse';
import { createCrmFixture } from './support/crm.fixture';

// Renderer modules are loaded at run time: the node test project does not type-check renderer code.
interface Encoding {
  detectEncoding: (bytes: Uint8Array, language: string) => { encoding: string; reason: string };
  decodeBytes: (bytes: Uint8Array, encoding: string) => string;
}
// The e2e fixtures' encoders, loaded the same way (another test project).
interface Encoders {
  encodeGb18030: (text: string) => Buffer;
  encodeWindows1252: (text: string) => Buffer;
  encodeUtf16leBom: (text: string) => Buffer;
}
const { encodeGb18030, encodeUtf16leBom, encodeWindows1252 } = (await import(
  pathToFileURL(path.resolve('test/e2e/fixtures/legacy.encode.ts')).href
)) as Encoders;
const { detectEncoding, decodeBytes } = (await import(
  pathToFileURL(path.resolve('renderer/src/crm/import.encoding.ts')).href
)) as Encoding;

describe('locale-correct numbers, amounts and dates', () => {
  it('reads numbers as written in the locale', () => {
    expect(parseLocaleNumber('1.234,56', 'de')).toBe(1234.56);
    expect(parseLocaleNumber('1,234.56', 'en')).toBe(1234.56);
    expect(parseLocaleNumber('1.234', 'de')).toBe(1234);
    expect(parseLocaleNumber('1.234', 'en')).toBe(1.234);
    expect(parseLocaleNumber('1234.56', 'de')).toBe(1234.56);
    expect(parseLocaleNumber('1 234,5', 'fr')).toBe(1234.5);
    expect(parseLocaleNumber('€ -1.234.567,89', 'de')).toBe(-1234567.89);
    expect(parseLocaleNumber('(12)', 'en')).toBe(-12);
    expect(parseLocaleNumber('１２３', 'zh-CN')).toBe(123);
    // A letter it cannot read makes the cell invalid (reported per row), not a number missing it.
    expect(parseLocaleNumber('12a', 'en')).toBeNull();
    expect(parseLocaleNumber('abc', 'en')).toBeNull();
    expect(parseLocaleNumber('1.2.3,4,5', 'de')).toBeNull();
    expect(parseLocaleAmountMinor('1.234,56', 'de')).toBe(123456);
    expect(parseLocaleAmountMinor('0,1', 'de')).toBe(10);
  });

  it('reads dates in the locale order, ISO everywhere, and refuses impossible days', () => {
    expect(parseLocaleDate('05.03.2026', 'de')).toBe('2026-03-05');
    expect(parseLocaleDate('03/05/2026', 'en-US')).toBe('2026-03-05');
    expect(parseLocaleDate('05/03/2026', 'en-GB')).toBe('2026-03-05');
    expect(parseLocaleDate('2026年3月5日', 'zh-CN')).toBe('2026-03-05');
    expect(parseLocaleDate('2026-03-05', 'en-US')).toBe('2026-03-05');
    expect(parseLocaleDate('2026-02-30', 'en')).toBeNull();
    expect(parseLocaleDate('5.3.26', 'de')).toBe('2026-03-05');
    expect(parseLocaleDateTime('05.03.2026 14:30', 'de')).toBe(new Date(2026, 2, 5, 14, 30).getTime());
    expect(parseLocaleDateTime('3/5/2026 2:30 PM', 'en-US')).toBe(new Date(2026, 2, 5, 14, 30).getTime());
  });

  it('picks the default currency from the locale', () => {
    expect(defaultCurrencyFor('de')).toBe('EUR');
    expect(defaultCurrencyFor('de-CH')).toBe('CHF');
    expect(defaultCurrencyFor('zh-CN')).toBe('CNY');
    expect(defaultCurrencyFor('en-US')).toBe('USD');
    expect(defaultCurrencyFor('en-GB')).toBe('GBP');
  });

  it('imports deal amounts and close dates written the German way', async () => {
    const f = await createCrmFixture();
    const csv = 'Deal name;Company;Amount;Close date;Stage\r\nLine 2;Acme;1.234,56;31.03.2027;Proposal\r\n';
    const res = await f.ok('import.commit', { csv, entity: 'deal', locale: 'de-DE' });
    expect(res).toMatchObject({ created: 1, accountsCreated: 1 });
    const deal = (await f.ok('deals.list', {})).items[0]!;
    expect(deal).toMatchObject({
      amountMinor: 123456,
      currency: 'EUR',
      expectedCloseDate: '2027-03-31',
      stageId: 'proposal',
    });
  });
});

describe('encoding detection', () => {
  it('tells GB18030, Windows-1252, UTF-16LE and UTF-8 apart and decodes them exactly', () => {
    const zh = '姓名,公司\r\n张伟,北京星辰科技有限公司\r\n';
    const west = 'Name;Notes\r\nJosé Müller;12 € – «spécial»\r\n';
    const cases: [Buffer, string, string][] = [
      [encodeGb18030(zh), 'gb18030', zh],
      [encodeWindows1252(west), 'windows-1252', west],
      [encodeUtf16leBom(zh), 'utf-16le', zh],
      [Buffer.from(west, 'utf8'), 'utf-8', west],
      [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(zh, 'utf8')]), 'utf-8', zh],
    ];
    for (const [bytes, encoding, text] of cases) {
      for (const language of ['en', 'zh-CN']) {
        const found = detectEncoding(bytes, language);
        expect(found.encoding, `${encoding} in ${language}`).toBe(encoding);
        expect(decodeBytes(bytes, found.encoding)).toBe(text);
      }
    }
    // BOM-less UTF-16LE is recognised by its NUL bytes.
    expect(
      detectEncoding(Buffer.from('Name,Email\r\nAnn,ann@example.com\r\n', 'utf16le'), 'en').encoding,
    ).toBe('utf-16le');
  });
});
