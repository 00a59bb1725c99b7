import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ExchangeRate, Quota } from '../../../shared/domain/crm.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import {
  currencyDigits,
  parseLocaleAmountMinor,
  parseLocaleNumber,
} from '../../../shared/locale/locale.parse';
import { call, errorInfo } from '../api';
import { useRecordsChanged } from '../crm/records.events';
import { ErrorMessage } from '../errors';
import { formatDate, formatMoney, formatNumber } from '../format';
import { MemberInput } from '../people/MemberInput';
import { OwnerName } from '../people/OwnerName';
import { latestPerKey, quotaKey, rateKey } from '../../../shared/reports/entries.latest';
import { useSubmitOnce } from '../submit';
import { parseCurrencyInput } from '../locale.input';

/**
 * Settings: the workspace's dated exchange rates and its members' monthly quotas. Both are records
 * synced to the team, so the dashboard of every device converts and compares with the same numbers.
 */
export function ReportingSettings() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language || 'en';
  const id = useId();
  const [rates, setRates] = useState<ExchangeRate[]>([]);
  const [quotas, setQuotas] = useState<Quota[]>([]);
  const [error, setError] = useState<ErrorInfo | null>(null);
  // Both forms start in the workspace's reporting currency (its rates', else its deals').
  const [rate, setRate] = useState({ base: '', currency: '', effectiveFrom: '', perUnit: '' });
  const [quota, setQuota] = useState({ memberId: '', month: '', amount: '', currency: '' });
  const [invalid, setInvalid] = useState<string | null>(null);
  const [rateBusy, onceRate] = useSubmitOnce();
  const [quotaBusy, onceQuota] = useSubmitOnce();
  // Entries two managers made for one key before syncing: only the latest counts (as on the dashboard).
  const countedRates = new Set([...latestPerKey(rates, rateKey).values()].map((r) => r.id));
  const countedQuotas = new Set([...latestPerKey(quotas, quotaKey).values()].map((q) => q.id));

  const load = useCallback(async () => {
    try {
      const [r, q, inUse] = await Promise.all([
        call('exchangeRates.list', { sort: { field: 'effectiveFrom', dir: 'desc' }, limit: 200 }),
        call('quotas.list', { sort: { field: 'month', dir: 'asc' }, limit: 200 }),
        call('reports.currencies'),
      ]);
      setRates(r.items);
      setQuotas(q.items);
      // Only fields nobody typed in yet.
      setRate((cur) => (cur.base === '' ? { ...cur, base: inUse.reporting } : cur));
      setQuota((cur) => (cur.currency === '' ? { ...cur, currency: inUse.reporting } : cur));
    } catch (e) {
      setError(errorInfo(e));
    }
  }, []);
  useEffect(() => {
    // The first read happens after mount; later ones follow the synced records.
    const timer = setTimeout(() => void load(), 0);
    return () => clearTimeout(timer);
  }, [load]);
  useRecordsChanged((change) => (change.has('exchangeRate', 'quota') ? load() : undefined));

  const addRate = async (event: FormEvent) => {
    event.preventDefault();
    const perUnit = parseLocaleNumber(rate.perUnit, locale);
    const base = parseCurrencyInput(rate.base);
    const currency = parseCurrencyInput(rate.currency);
    if (base === null || currency === null || !rate.effectiveFrom || perUnit === null || perUnit <= 0) {
      setInvalid('rate');
      return;
    }
    setInvalid(null);
    await onceRate(async () => {
      try {
        await call('exchangeRates.create', { base, currency, effectiveFrom: rate.effectiveFrom, perUnit });
        setRate((cur) => ({ ...cur, currency: '', perUnit: '' }));
        await load();
      } catch (e) {
        setError(errorInfo(e));
      }
    });
  };
  const addQuota = async (event: FormEvent) => {
    event.preventDefault();
    const currency = parseCurrencyInput(quota.currency);
    const amountMinor =
      currency === null ? null : parseLocaleAmountMinor(quota.amount, locale, currencyDigits(currency));
    if (
      currency === null ||
      !quota.memberId.trim() ||
      !/^\d{4}-(0[1-9]|1[0-2])$/.test(quota.month) ||
      amountMinor === null ||
      amountMinor < 0
    ) {
      setInvalid('quota');
      return;
    }
    setInvalid(null);
    await onceQuota(async () => {
      try {
        // One quota per owner and month: main changes the month's quota if there is one.
        await call('quotas.create', {
          memberId: quota.memberId.trim(),
          month: quota.month,
          amountMinor,
          currency,
        });
        setQuota((cur) => ({ ...cur, amount: '' }));
        await load();
      } catch (e) {
        setError(errorInfo(e));
      }
    });
  };
  const remove = async (channel: 'exchangeRates.delete' | 'quotas.delete', recordId: string) => {
    try {
      await call(channel, { id: recordId });
      await load();
    } catch (e) {
      setError(errorInfo(e));
    }
  };

  return (
    <section className="panel" aria-labelledby={`${id}-h`} data-testid="reporting-settings">
      <h2 id={`${id}-h`}>{t('reports.settingsTitle')}</h2>
      <p className="muted">{t('reports.settingsIntro')}</p>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      <h3>{t('reports.ratesTitle')}</h3>
      <table className="data-table" data-testid="rates">
        <thead>
          <tr>
            <th scope="col">{t('reports.rateFrom')}</th>
            <th scope="col">{t('reports.rateValue')}</th>
            <th scope="col">{t('reports.effectiveFrom')}</th>
            <th scope="col">
              <span className="sr-only">{t('reports.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rates.map((r) => (
            <tr key={r.id}>
              <td>{`1 ${r.currency}`}</td>
              <td>{`${formatNumber(r.perUnit)} ${r.base}`}</td>
              <td>
                {formatDate(r.effectiveFrom)}
                {!countedRates.has(r.id) && <Replaced />}
              </td>
              <td>
                <button
                  type="button"
                  className="link"
                  onClick={() => void remove('exchangeRates.delete', r.id)}
                >
                  {t('reports.remove')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="inline-form" onSubmit={(e) => void addRate(e)} data-testid="rate-form">
        <label>
          {t('reports.currency')}
          <input
            value={rate.currency}
            maxLength={3}
            onChange={(e) => setRate({ ...rate, currency: e.target.value })}
          />
        </label>
        <label>
          {t('reports.perUnit')}
          <input
            inputMode="decimal"
            value={rate.perUnit}
            onChange={(e) => setRate({ ...rate, perUnit: e.target.value })}
          />
        </label>
        <label>
          {t('reports.base')}
          <input
            value={rate.base}
            maxLength={3}
            onChange={(e) => setRate({ ...rate, base: e.target.value })}
          />
        </label>
        <label>
          {t('reports.effectiveFrom')}
          <input
            type="date"
            value={rate.effectiveFrom}
            onChange={(e) => setRate({ ...rate, effectiveFrom: e.target.value })}
          />
        </label>
        <button type="submit" aria-busy={rateBusy}>
          {t('reports.addRate')}
        </button>
        {invalid === 'rate' && <p role="alert">{t('reports.rateInvalid')}</p>}
      </form>

      <h3>{t('reports.quotasTitle')}</h3>
      <table className="data-table" data-testid="quotas">
        <thead>
          <tr>
            <th scope="col">{t('reports.owner')}</th>
            <th scope="col">{t('reports.month')}</th>
            <th scope="col">{t('reports.quota')}</th>
            <th scope="col">
              <span className="sr-only">{t('reports.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {quotas.map((q) => (
            <tr key={q.id}>
              <td>
                <OwnerName owner={q.memberId} />
              </td>
              <td>{q.month}</td>
              <td>
                {formatMoney(q.amountMinor, q.currency)}
                {!countedQuotas.has(q.id) && <Replaced />}
              </td>
              <td>
                <button type="button" className="link" onClick={() => void remove('quotas.delete', q.id)}>
                  {t('reports.remove')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="inline-form" onSubmit={(e) => void addQuota(e)} data-testid="quota-form">
        <MemberInput
          label={t('reports.owner')}
          value={quota.memberId || null}
          onChange={(memberId) => setQuota({ ...quota, memberId: memberId ?? '' })}
          testId="quota-member"
        />
        <label>
          {t('reports.month')}
          <input
            type="month"
            value={quota.month}
            onChange={(e) => setQuota({ ...quota, month: e.target.value })}
          />
        </label>
        <label>
          {t('reports.quota')}
          <input
            inputMode="decimal"
            value={quota.amount}
            data-testid="quota-amount"
            onChange={(e) => setQuota({ ...quota, amount: e.target.value })}
          />
        </label>
        <label>
          {t('reports.currency')}
          <input
            value={quota.currency}
            maxLength={3}
            onChange={(e) => setQuota({ ...quota, currency: e.target.value })}
          />
        </label>
        <button type="submit" aria-busy={quotaBusy}>
          {t('reports.addQuota')}
        </button>
        {invalid === 'quota' && <p role="alert">{t('reports.quotaInvalid')}</p>}
      </form>
    </section>
  );
}

/** Marks an entry a later one for the same key replaces (it counts nowhere until that one is removed). */
function Replaced() {
  const { t } = useTranslation();
  return (
    <span className="muted" data-testid="entry-replaced">
      {' · '}
      {t('reports.replaced')}
    </span>
  );
}
