import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { defaultCurrencyFor } from '../../../shared/locale/locale.parse';
import { inputLocale } from '../locale.input';
import { useSettingsStore } from '../settings.store';

/** Currencies offered first; any other ISO code a deal already uses still shows. */
const COMMON = ['EUR', 'USD', 'CNY', 'GBP', 'CHF', 'JPY', 'HKD', 'SGD', 'TWD', 'KRW', 'INR', 'AUD', 'CAD'];

/** The currency new deals start with: the input locale's (default) or one chosen here. */
export function CurrencySetting() {
  const { t } = useTranslation();
  const currency = useSettingsStore((s) => s.settings.currency);
  const update = useSettingsStore((s) => s.update);
  const id = useId();
  const auto = defaultCurrencyFor(inputLocale());
  const choices = currency && !COMMON.includes(currency) ? [currency, ...COMMON] : COMMON;
  return (
    <div className="field">
      <label htmlFor={id}>{t('workday.currency')}</label>
      <select
        id={id}
        value={currency ?? ''}
        data-testid="default-currency"
        aria-describedby={`${id}-help`}
        onChange={(e) => void update({ currency: e.target.value === '' ? null : e.target.value })}
      >
        <option value="">{t('workday.currencyAuto', { code: auto })}</option>
        {choices.map((code) => (
          <option key={code} value={code}>
            {code}
          </option>
        ))}
      </select>
      <p id={`${id}-help`} className="muted">
        {t('workday.currencyHelp')}
      </p>
    </div>
  );
}
