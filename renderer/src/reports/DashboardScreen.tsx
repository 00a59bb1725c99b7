import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Deal } from '../../../shared/domain/crm.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import type { DashboardFigures, DashboardQuery, DrillKey } from '../../../shared/reports/dashboard.contract';
import { call, errorInfo } from '../api';
import { LatestLoads, useRecordsChanged } from '../crm/records.events';
import { stageName, usePipelinesStore, pipelineLabel } from '../crm/pipelines.store';
import { ErrorMessage } from '../errors';
import { formatNumber } from '../format';
import { useUiStore } from '../ui.store';
import { Chart } from './Chart';
import { DigestPanel } from './DigestPanel';
import { DrillList } from './DrillList';
import { periodRange, type Period, PERIODS } from './period';
import { useMoneyFormat } from './money';
import { scopeOwnerList, useMembersStore, type OwnerScope } from '../people/members.store';
import { OwnerScopeSelect } from '../people/OwnerScope';

const KINDS = ['call', 'meeting', 'visit', 'email', 'note'] as const;

/** The manager's dashboard: pipeline, forecast against quota, win rate, funnel, risks, activity. */
export function DashboardScreen() {
  const { t } = useTranslation();
  const pipelines = usePipelinesStore((s) => s.pipelines);
  const loadPipelines = usePipelinesStore((s) => s.load);
  const [pipelineId, setPipelineId] = useState<string | null>(null);
  const [period, setPeriod] = useState<Period>('quarter');
  const [staleDays, setStaleDays] = useState(30);
  const [currency, setCurrency] = useState<string | null>(null);
  const [bases, setBases] = useState<string[]>([]);
  const [tab, setTab] = useState<'dashboard' | 'digest'>('dashboard');
  const [scope, setScope] = useState<OwnerScope>('');
  const members = useMembersStore((s) => s.members);
  const selfId = useMembersStore((s) => s.selfId);
  const ownerList = useMemo(
    () => (scope ? scopeOwnerList({ members, selfId }, scope) : null),
    [scope, members, selfId],
  );
  const [figures, setFigures] = useState<DashboardFigures | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [drill, setDrill] = useState<{ key: DrillKey; label: string } | null>(null);
  const [loads] = useState(() => new LatestLoads());

  useEffect(() => {
    void loadPipelines().then((list) => setPipelineId((id) => id ?? list[0]?.id ?? null));
    // Offered: the currencies rates convert into, then those deals are in (each reports itself).
    void Promise.all([call('exchangeRates.list', { limit: 200 }), call('reports.currencies')]).then(
      ([page, inUse]) => setBases([...new Set([...page.items.map((r) => r.base).sort(), ...inUse.deals])]),
      () => undefined,
    );
  }, [loadPipelines]);

  const query = useMemo<DashboardQuery | null>(() => {
    if (!pipelineId) return null;
    const now = new Date();
    const range = periodRange(period, now);
    return {
      pipelineId,
      ...range,
      utcOffsetMinutes: -now.getTimezoneOffset(),
      memberIds: ownerList,
      staleDays,
      ...(currency ? { reportingCurrency: currency } : {}),
    };
  }, [pipelineId, period, staleDays, currency, ownerList]);

  const load = useCallback(() => {
    if (!query) return;
    return loads.run(
      () => call('reports.dashboard', query),
      (f) => {
        setFigures(f);
        setError(null);
      },
      (e) => setError(errorInfo(e)),
    );
  }, [loads, query]);
  useEffect(() => {
    void load();
  }, [load]);
  // Rates and quotas are synced records too: a manager's entry elsewhere changes these figures.
  useRecordsChanged((change) =>
    change.has('deal', 'activity', 'pipeline', 'quota', 'exchangeRate') ? load() : undefined,
  );

  const money = useMoneyFormat(figures?.reportingCurrency ?? 'EUR');
  const count = useCallback((v: number) => formatNumber(v), []);
  const percent = (v: number | null) => (v === null ? '—' : `${formatNumber(Math.round(v * 1000) / 10)} %`);
  const stage = (id: string) => (pipelineId ? stageName(pipelines, pipelineId, id, t) : id);

  const open = (key: DrillKey, label: string) => setDrill({ key, label });
  const pipelineSeries = useMemo(
    () =>
      figures
        ? [
            {
              name: t('reports.amount'),
              kind: 'bar' as const,
              values: figures.pipeline.map((p) => p.amountMinor),
            },
            {
              name: t('reports.weighted'),
              kind: 'bar' as const,
              values: figures.pipeline.map((p) => p.weightedMinor),
            },
          ]
        : [],
    [figures, t],
  );
  const forecastSeries = useMemo(
    () =>
      figures
        ? [
            {
              name: t('reports.won'),
              kind: 'bar' as const,
              stack: 'f',
              values: figures.forecast.map((m) => m.wonMinor),
            },
            {
              name: t('reports.weightedOpen'),
              kind: 'bar' as const,
              stack: 'f',
              values: figures.forecast.map((m) => m.weightedMinor),
            },
            {
              name: t('reports.open'),
              kind: 'bar' as const,
              values: figures.forecast.map((m) => m.openMinor),
            },
            {
              name: t('reports.quota'),
              kind: 'line' as const,
              values: figures.forecast.map((m) => m.quotaMinor),
            },
          ]
        : [],
    [figures, t],
  );
  const funnelSeries = useMemo(
    () =>
      figures
        ? [{ name: t('reports.reached'), kind: 'bar' as const, values: figures.funnel.map((f) => f.reached) }]
        : [],
    [figures, t],
  );
  const weeks = useMemo(() => [...new Set(figures?.activities.map((a) => a.week) ?? [])].sort(), [figures]);
  const activitySeries = useMemo(
    () =>
      KINDS.map((kind) => ({
        name: t(`kinds.${kind}`),
        kind: 'bar' as const,
        stack: 'a',
        values: weeks.map((w) =>
          (figures?.activities ?? [])
            .filter((a) => a.week === w && a.kind === kind)
            .reduce((n, a) => n + a.count, 0),
        ),
      })),
    [figures, weeks, t],
  );

  return (
    <div className="screen dashboard" data-screen="dashboard" data-testid="dashboard">
      <header className="screen-head">
        <h1 tabIndex={-1}>{t('reports.title')}</h1>
        {figures && (
          <p className="muted" data-testid="dashboard-currency">
            {t('reports.currencyNote', { currency: figures.reportingCurrency })}
          </p>
        )}
      </header>
      <div className="tabs" role="group" aria-label={t('reports.views')}>
        <button type="button" aria-pressed={tab === 'dashboard'} onClick={() => setTab('dashboard')}>
          {t('reports.title')}
        </button>
        <button
          type="button"
          aria-pressed={tab === 'digest'}
          data-testid="tab-digest"
          onClick={() => setTab('digest')}
        >
          {t('reports.digestTitle')}
        </button>
      </div>
      <div className="toolbar" role="group" aria-label={t('reports.filters')} data-tab={tab}>
        <label>
          {t('reports.pipeline')}
          <select value={pipelineId ?? ''} onChange={(e) => setPipelineId(e.target.value)}>
            {(pipelines ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {pipelineLabel(p, t)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('reports.period')}
          <select
            data-testid="dashboard-period"
            value={period}
            onChange={(e) => setPeriod(e.target.value as Period)}
          >
            {PERIODS.map((p) => (
              <option key={p} value={p}>
                {t(`reports.periods.${p}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('reports.reportingCurrency')}
          <select
            data-testid="dashboard-currency-select"
            value={currency ?? figures?.reportingCurrency ?? ''}
            onChange={(e) => setCurrency(e.target.value)}
          >
            {[...new Set([...(figures ? [figures.reportingCurrency] : []), ...bases])].map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <OwnerScopeSelect
          value={scope}
          onChange={(next) => {
            if (next && !useMembersStore.getState().loaded) void useMembersStore.getState().load();
            setScope(next);
          }}
        />
        <label>
          {t('reports.staleDays')}
          <input
            type="number"
            min={1}
            max={365}
            value={staleDays}
            onChange={(e) => setStaleDays(Math.min(365, Math.max(1, Number(e.target.value) || 1)))}
          />
        </label>
      </div>
      {error && <ErrorMessage error={error} />}
      {figures && figures.unconverted.count > 0 && (
        <p className="notice" role="status" data-testid="dashboard-unconverted">
          {t('reports.unconverted', {
            count: figures.unconverted.count,
            currencies: figures.unconverted.currencies.join(', '),
          })}
        </p>
      )}
      {figures && figures.unconvertedQuotas.count > 0 && (
        <p className="notice" role="status" data-testid="dashboard-unconverted-quotas">
          {t('reports.unconvertedQuotas', {
            count: figures.unconvertedQuotas.count,
            currencies: figures.unconvertedQuotas.currencies.join(', '),
          })}
        </p>
      )}
      {tab === 'digest' && <DigestPanel owners={ownerList} />}
      {tab === 'dashboard' && figures && (
        <>
          <div className="tiles">
            <Tile
              label={t('reports.winRate')}
              value={percent(figures.winRate.rate)}
              testId="tile-winrate"
              detail={t('reports.wonLost', { won: figures.winRate.won, lost: figures.winRate.lost })}
              onOpen={() => open({ figure: 'won' }, t('reports.won'))}
            />
            <Tile
              label={t('reports.cycle')}
              testId="tile-cycle"
              value={
                figures.averageCycleDays === null
                  ? '—'
                  : t('reports.days', { count: Math.round(figures.averageCycleDays) })
              }
            />
            <Tile
              label={t('reports.slipping')}
              value={count(figures.slipping.count)}
              testId="tile-slipping"
              detail={money(figures.slipping.amountMinor)}
              onOpen={() => open({ figure: 'slipping' }, t('reports.slipping'))}
            />
            <Tile
              label={t('reports.stale')}
              value={count(figures.stale.count)}
              testId="tile-stale"
              detail={money(figures.stale.amountMinor)}
              onOpen={() => open({ figure: 'stale' }, t('reports.stale'))}
            />
          </div>
          <div className="charts">
            <Chart
              title={t('reports.pipelineByStage')}
              testId="chart-pipeline"
              format={money}
              categories={figures.pipeline.map((p) => stage(p.stageId))}
              series={pipelineSeries}
              onSelect={(_s, i) => {
                const row = figures.pipeline[i];
                if (row) open({ figure: 'pipeline', stageId: row.stageId }, stage(row.stageId));
              }}
            />
            <Chart
              title={t('reports.forecast')}
              testId="chart-forecast"
              format={money}
              categories={figures.forecast.map((m) => m.month)}
              series={forecastSeries}
              onSelect={(s, i) => {
                const row = figures.forecast[i];
                if (!row || s === 3) return;
                open({ figure: s === 0 ? 'forecastWon' : 'forecastOpen', month: row.month }, row.month);
              }}
            />
            <Chart
              title={t('reports.funnel')}
              testId="chart-funnel"
              format={count}
              categories={figures.funnel.map((f) => `${stage(f.stageId)} (${percent(f.conversion)})`)}
              series={funnelSeries}
              onSelect={(_s, i) => {
                const row = figures.funnel[i];
                if (row) open({ figure: 'funnel', stageId: row.stageId }, stage(row.stageId));
              }}
            />
            <Chart
              title={t('reports.activities')}
              testId="chart-activities"
              format={count}
              categories={weeks}
              series={activitySeries}
            />
          </div>
        </>
      )}
      {drill && query && (
        <DrillList
          query={query}
          scope={scope}
          drill={drill.key}
          label={drill.label}
          onClose={() => setDrill(null)}
          onOpen={(deal: Deal) =>
            useUiStore.getState().navigate({ name: 'record', entity: 'deal', id: deal.id })
          }
        />
      )}
    </div>
  );
}

function Tile(props: { label: string; value: string; detail?: string; testId: string; onOpen?: () => void }) {
  const body = (
    <>
      <span className="tile-label">{props.label}</span>
      <strong className="tile-value">{props.value}</strong>
      {props.detail && <span className="tile-detail">{props.detail}</span>}
    </>
  );
  return props.onOpen ? (
    <button type="button" className="tile" data-testid={props.testId} onClick={props.onOpen}>
      {body}
    </button>
  ) : (
    <div className="tile" data-testid={props.testId}>
      {body}
    </div>
  );
}
