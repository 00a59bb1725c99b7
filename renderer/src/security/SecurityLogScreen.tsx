import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  auditEventTypeSchema,
  auditOutcomeSchema,
  type AuditDetails,
  type AuditEvent,
  type AuditEventType,
  type AuditOutcome,
} from '../../../shared/audit/audit.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { download } from '../crm/crm.data';
import { ErrorMessage, errorKey } from '../errors';
import { formatDateTime } from '../format';
import { useAuditStore } from './audit.store';

const PAGE = 50;

interface Filter {
  type: AuditEventType | '';
  outcome: AuditOutcome | '';
  from: string;
  to: string;
}

/** The option a select chose, or '' (all) for anything else. */
function pick<T extends string>(options: readonly T[], value: string): T | '' {
  return options.find((o) => o === value) ?? '';
}

const NO_FILTER: Filter = { type: '', outcome: '', from: '', to: '' };

/** The channel filter for the form's values (dates are whole local days). */
function toQuery(filter: Filter) {
  const day = (value: string, end: boolean): number | undefined => {
    if (!value) return undefined;
    const date = new Date(`${value}T${end ? '23:59:59.999' : '00:00:00'}`);
    return Number.isNaN(date.getTime()) ? undefined : date.getTime();
  };
  return {
    types: filter.type ? [filter.type] : undefined,
    outcome: filter.outcome || undefined,
    from: day(filter.from, false),
    to: day(filter.to, true),
  };
}

function DetailList({ details }: { details: AuditDetails }) {
  const { t } = useTranslation();
  const parts: string[] = [];
  // Codes read as the words the app uses for them (a zh-CN log shows no raw English codes).
  if (details.errorCode) parts.push(t('audit.detail.error', { code: t(errorKey(details.errorCode)) }));
  if (details.lockReason) parts.push(t(`audit.lockReason.${details.lockReason}`));
  if (details.exportKind) parts.push(t(`audit.exportKind.${details.exportKind}`));
  if (details.count !== undefined) parts.push(t('audit.detail.count', { count: details.count }));
  if (details.deviceId) parts.push(t('audit.detail.device', { id: details.deviceId.slice(0, 8) }));
  if (details.role) parts.push(t('audit.detail.role', { role: t(`sync.role.${details.role}`) }));
  if (details.managedKeys)
    parts.push(t('audit.detail.managed', { keys: details.managedKeys.join(', ') || '—' }));
  if (details.breakKind)
    parts.push(
      t('audit.detail.break', { seq: details.breakSeq ?? 0, kind: t(`audit.break.${details.breakKind}`) }),
    );
  if (details.rewoundFromSeq !== undefined)
    parts.push(t('audit.detail.rewound', { seq: details.rewoundFromSeq }));
  if (details.queued) parts.push(t('audit.detail.queued'));
  return <>{parts.join(' · ')}</>;
}

function ChainStatus() {
  const { t } = useTranslation();
  const { report, checking, verify } = useAuditStore();
  const [error, setError] = useState<ErrorInfo | null>(null);
  const check = () => {
    if (checking) return;
    setError(null);
    verify().catch((e: unknown) => setError(errorInfo(e)));
  };
  return (
    <section className="panel" aria-labelledby="audit-chain-title" data-testid="audit-chain">
      <h2 id="audit-chain-title">{t('audit.chainTitle')}</h2>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      {report?.status === 'broken' && report.firstBreak ? (
        <div role="alert" className="alert" data-testid="audit-chain-broken">
          <span>
            {t('audit.chainBroken', {
              seq: report.firstBreak.seq,
              kind: t(`audit.break.${report.firstBreak.kind}`),
            })}
          </span>
        </div>
      ) : report ? (
        <p className="ok" role="status" data-testid="audit-chain-intact">
          {t('audit.chainIntact', { events: report.events, signed: report.signedThrough })}
        </p>
      ) : null}
      <p className="muted">{t('audit.chainHelp')}</p>
      <div className="row">
        {/* aria-disabled, not disabled: a button Chromium disables loses focus to <body>. */}
        <button type="button" onClick={check} aria-disabled={checking} data-testid="audit-verify">
          {checking ? t('audit.checking') : t('audit.checkNow')}
        </button>
        {report && (
          <span className="muted">{t('audit.checkedAt', { time: formatDateTime(report.verifiedAt) })}</span>
        )}
      </div>
    </section>
  );
}

/** Settings > Security log: the tamper-evident log of security events, its chain status and exports. */
export function SecurityLogScreen() {
  const { t } = useTranslation();
  const ids = useId();
  const [form, setForm] = useState<Filter>(NO_FILTER);
  const [applied, setApplied] = useState<Filter>(NO_FILTER);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [total, setTotal] = useState(0);
  const [nextBefore, setNextBefore] = useState<number | null>(null);
  const rangeBackwards = form.from !== '' && form.to !== '' && form.from > form.to;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);

  useEffect(() => {
    let live = true;
    call('audit.list', { ...toQuery(applied), limit: PAGE }).then(
      (page) => {
        if (!live) return;
        setEvents(page.events);
        setTotal(page.total);
        setNextBefore(page.nextBefore);
      },
      (e: unknown) => live && setError(errorInfo(e)),
    );
    return () => {
      live = false;
    };
  }, [applied]);

  const more = async (before: number) => {
    setBusy(true);
    setError(null);
    try {
      const page = await call('audit.list', { ...toQuery(applied), before, limit: PAGE });
      setEvents((prev) => [...prev, ...page.events]);
      setTotal(page.total);
      setNextBefore(page.nextBefore);
    } catch (e) {
      setError(errorInfo(e));
    } finally {
      setBusy(false);
    }
  };

  const exportAs = async (format: 'jsonl' | 'cef') => {
    setError(null);
    try {
      download(await call('audit.export', { format, ...toQuery(applied) }));
      // The export is itself an event: it joins the top of the list, and the pages already loaded
      // stay loaded.
      const head = await call('audit.list', { ...toQuery(applied), limit: PAGE });
      setEvents((prev) => {
        const known = new Set(prev.map((e) => e.seq));
        return [...head.events.filter((e) => !known.has(e.seq)), ...prev];
      });
      setTotal(head.total);
    } catch (e) {
      setError(errorInfo(e));
    }
  };

  return (
    <div className="screen" data-screen="security-log">
      <h1>{t('audit.title')}</h1>
      <p className="muted">{t('audit.intro')}</p>
      <ChainStatus />
      <section className="panel" aria-labelledby="audit-events-title">
        <h2 id="audit-events-title">{t('audit.eventsTitle')}</h2>
        <ErrorMessage error={error} onDismiss={() => setError(null)} />
        <form
          className="filters row wrap"
          onSubmit={(e) => {
            e.preventDefault();
            // Dates compare as text (YYYY-MM-DD): a range that ends before it starts matches nothing.
            if (rangeBackwards) return;
            setApplied(form);
          }}
        >
          <div className="field">
            <label htmlFor={`${ids}-type`}>{t('audit.filterType')}</label>
            <select
              id={`${ids}-type`}
              data-testid="audit-filter-type"
              value={form.type}
              onChange={(e) => setForm({ ...form, type: pick(auditEventTypeSchema.options, e.target.value) })}
            >
              <option value="">{t('audit.all')}</option>
              {auditEventTypeSchema.options.map((type) => (
                <option key={type} value={type}>
                  {t(`audit.types.${type}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-outcome`}>{t('audit.filterOutcome')}</label>
            <select
              id={`${ids}-outcome`}
              data-testid="audit-filter-outcome"
              value={form.outcome}
              onChange={(e) =>
                setForm({ ...form, outcome: pick(auditOutcomeSchema.options, e.target.value) })
              }
            >
              <option value="">{t('audit.all')}</option>
              {auditOutcomeSchema.options.map((outcome) => (
                <option key={outcome} value={outcome}>
                  {t(`audit.outcomes.${outcome}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-from`}>{t('audit.filterFrom')}</label>
            <input
              id={`${ids}-from`}
              type="date"
              value={form.from}
              onChange={(e) => setForm({ ...form, from: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${ids}-to`}>{t('audit.filterTo')}</label>
            <input
              id={`${ids}-to`}
              type="date"
              value={form.to}
              aria-invalid={rangeBackwards}
              aria-describedby={rangeBackwards ? `${ids}-range` : undefined}
              onChange={(e) => setForm({ ...form, to: e.target.value })}
            />
            {rangeBackwards && (
              <p id={`${ids}-range`} className="field-error" role="alert" data-testid="audit-range-error">
                {t('audit.rangeBackwards')}
              </p>
            )}
          </div>
          <div className="row">
            <button type="submit" className="primary" data-testid="audit-apply">
              {t('audit.apply')}
            </button>
            <button
              type="button"
              onClick={() => {
                setForm(NO_FILTER);
                setApplied(NO_FILTER);
              }}
            >
              {t('audit.clear')}
            </button>
          </div>
        </form>
        <div className="row">
          <span className="muted" role="status" data-testid="audit-count">
            {t('audit.count', { shown: events.length, total })}
          </span>
          <button type="button" onClick={() => void exportAs('jsonl')} data-testid="audit-export-jsonl">
            {t('audit.exportJsonl')}
          </button>
          <button type="button" onClick={() => void exportAs('cef')} data-testid="audit-export-cef">
            {t('audit.exportCef')}
          </button>
        </div>
        {events.length === 0 && !busy ? (
          <p className="muted">{t('audit.empty')}</p>
        ) : (
          <table className="table" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t('audit.colTime')}</th>
                <th scope="col">{t('audit.colEvent')}</th>
                <th scope="col">{t('audit.colOutcome')}</th>
                <th scope="col">{t('audit.colActor')}</th>
                <th scope="col">{t('audit.colDetails')}</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.seq} data-type={event.type} data-outcome={event.outcome}>
                  <td>{event.seq}</td>
                  <td>{formatDateTime(event.time)}</td>
                  <td>{t(`audit.types.${event.type}`)}</td>
                  <td>
                    <span className={`badge outcome-${event.outcome}`}>
                      {t(`audit.outcomes.${event.outcome}`)}
                    </span>
                  </td>
                  <td>
                    {event.actor.kind === 'member'
                      ? t('audit.actorMember', { id: event.actor.deviceId.slice(0, 8) })
                      : t('audit.actorThisDevice')}
                  </td>
                  <td>
                    <DetailList details={event.details} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {nextBefore !== null && (
          <button
            type="button"
            disabled={busy}
            onClick={() => void more(nextBefore)}
            data-testid="audit-more"
          >
            {t('audit.more')}
          </button>
        )}
      </section>
    </div>
  );
}
