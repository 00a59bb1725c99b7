import path from 'node:path';
import { pathToFileURL } from 'node:url';
import i18next, { type TFunction } from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';

// Renderer modules are loaded at run time: the node test project does not type-check renderer code.
type FieldDef = { name: string; input: string };
type Parsed = { ok: true; value: unknown } | { ok: false; message: string };
interface Fields {
  recordFields: { deal: readonly FieldDef[] };
  parseField: (field: FieldDef, text: string, record: object, t: TFunction, locale?: string) => Parsed;
  toInput: (field: FieldDef, record: object, locale?: string) => string;
}
interface LocaleInput {
  defaultCurrency: (fromSettings?: string | null, locale?: string) => string;
  parseAmountInput: (text: string, digits?: number, locale?: string) => number | null;
}
const renderer = (file: string) => pathToFileURL(path.resolve('renderer/src', file)).href;

let fields: Fields;
let input: LocaleInput;
let t: TFunction;
const field = (name: string): FieldDef => {
  const f = fields.recordFields.deal.find((d) => d.name === name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
};
const eur = { currency: 'EUR', amountMinor: 0 };

beforeAll(async () => {
  fields = (await import(renderer('crm/fields.ts'))) as Fields;
  input = (await import(renderer('locale.input.ts'))) as LocaleInput;
  const catalogue = ((await import(renderer('i18n/en.ts'))) as { en: object }).en;
  const i18n = i18next.createInstance();
  await i18n.init({ resources: { en: { translation: catalogue } }, lng: 'en', fallbackLng: false });
  t = i18n.t;
});

describe('record page inputs read numbers, amounts and dates in the input locale', () => {
  it('reads "1.234,56" in de-DE as 1,234.56 euros (not 1.23)', () => {
    expect(fields.parseField(field('amountMinor'), '1.234,56', eur, t, 'de-DE')).toEqual({
      ok: true,
      value: 123456,
    });
    expect(fields.parseField(field('amountMinor'), '1.234,56 €', eur, t, 'de-DE')).toEqual({
      ok: true,
      value: 123456,
    });
    expect(fields.parseField(field('amountMinor'), '1234,5', eur, t, 'de-DE')).toEqual({
      ok: true,
      value: 123450,
    });
  });

  it('reads en-US and zh-CN grouping, full-width digits, and a yen amount without minor units', () => {
    expect(fields.parseField(field('amountMinor'), '1,234.56', eur, t, 'en-US')).toEqual({
      ok: true,
      value: 123456,
    });
    expect(fields.parseField(field('amountMinor'), '１２３４．５', eur, t, 'zh-CN')).toEqual({
      ok: true,
      value: 123450,
    });
    expect(
      fields.parseField(field('amountMinor'), '1.234', { currency: 'JPY', amountMinor: 0 }, t, 'de-DE'),
    ).toEqual({ ok: true, value: 1234 });
  });

  it('refuses what is not a number with a message, keeping nothing half-parsed', () => {
    for (const bad of ['abc', '1.2.3,4,5', '12,34,56.7.8'])
      expect(fields.parseField(field('amountMinor'), bad, eur, t, 'de-DE')).toEqual({
        ok: false,
        message: t('record.badNumber'),
      });
    expect(fields.parseField(field('probability'), '12,5', eur, t, 'de-DE')).toMatchObject({ ok: false });
    expect(fields.parseField(field('probability'), '40', eur, t, 'de-DE')).toEqual({ ok: true, value: 40 });
  });

  it('says what a number out of its range or not whole should be, not just "enter a number"', () => {
    const message = (name: string, text: string) => {
      const parsed = fields.parseField(field(name), text, eur, t, 'en');
      return parsed.ok ? null : parsed.message;
    };
    expect(message('probability', '150')).toBe(t('record.numberMax', { max: '100' }));
    expect(message('probability', '-5')).toBe(t('record.numberMin', { min: '0' }));
    expect(message('probability', '12.5')).toBe(t('record.wholeNumber'));
    expect(message('amountMinor', '20000000000000')).toBe('Enter €10,000,000,000,000.00 or less.');
    expect(message('amountMinor', 'abc')).toBe(t('record.badNumber'));
  });

  it('shows a stored amount the way the locale types it, so editing and saving keeps it', () => {
    const deal = { currency: 'EUR', amountMinor: 123456 };
    const de = fields.toInput(field('amountMinor'), deal, 'de-DE');
    expect(de).toBe('1234,56');
    expect(fields.parseField(field('amountMinor'), de, deal, t, 'de-DE')).toEqual({
      ok: true,
      value: 123456,
    });
    const en = fields.toInput(field('amountMinor'), deal, 'en-US');
    expect(en).toBe('1234.56');
    expect(fields.parseField(field('amountMinor'), en, deal, t, 'en-US')).toEqual({
      ok: true,
      value: 123456,
    });
  });

  it('reads dates in the locale order and ISO everywhere', () => {
    const date = field('expectedCloseDate');
    expect(fields.parseField(date, '05.03.2026', eur, t, 'de-DE')).toEqual({ ok: true, value: '2026-03-05' });
    expect(fields.parseField(date, '3/5/2026', eur, t, 'en-US')).toEqual({ ok: true, value: '2026-03-05' });
    expect(fields.parseField(date, '2026年3月5日', eur, t, 'zh-CN')).toEqual({
      ok: true,
      value: '2026-03-05',
    });
    expect(fields.parseField(date, '2026-03-05', eur, t, 'de-DE')).toEqual({ ok: true, value: '2026-03-05' });
    expect(fields.parseField(date, '31.02.2026', eur, t, 'de-DE')).toEqual({
      ok: false,
      message: t('record.badDate'),
    });
    expect(fields.parseField(date, '', eur, t, 'de-DE')).toEqual({ ok: true, value: null });
  });

  it('starts new deals in the currency chosen in Settings, else the locale’s', () => {
    expect(input.defaultCurrency(null, 'de-DE')).toBe('EUR');
    expect(input.defaultCurrency(null, 'zh-CN')).toBe('CNY');
    expect(input.defaultCurrency(null, 'en-US')).toBe('USD');
    expect(input.defaultCurrency('CHF', 'zh-CN')).toBe('CHF');
    expect(input.defaultCurrency('chf', 'de-DE')).toBe('EUR');
    expect(input.parseAmountInput('1.234,56', 2, 'de-DE')).toBe(123456);
  });
});
