import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import type { Digest, DigestItem } from '../../../shared/reports/digest.contract';
import { call, errorInfo } from '../api';
import { stageName, usePipelinesStore } from '../crm/pipelines.store';
import { useRecordsChanged } from '../crm/records.events';
import { ErrorMessage } from '../errors';
import { formatDate, formatDateTime, formatMoney } from '../format';
import { OwnerName } from '../people/OwnerName';
import { useUiStore } from '../ui.store';

const KINDS: readonly DigestItem['kind'][] = ['new', 'moved', 'won', 'lost', 'slipped'];

const dayText = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** The Monday of the week `weeksBack` weeks before this one, as a local day. */
function mondayOf(weeksBack: number, now: Date): string {
  const back = (now.getDay() + 6) % 7;
  return dayText(new Date(now.getFullYear(), now.getMonth(), now.getDate() - back - 7 * weeksBack));
}

/** The weekly digest: what changed in the team's pipeline in one week, from the op log. */
export function DigestPanel(props: { owners: string[] | null }) {
  const { t } = useTranslation();
  const pipelines = usePipelinesStore((s) => s.pipelines);
  const [weeksBack, setWeeksBack] = useState(0);
  const [digest, setDigest] = useState<Digest | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [version, setVersion] = useState(0);
  useRecordsChanged((change) => (change.has('deal') ? setVersion((v) => v + 1) : undefined));
  const { owners } = props;

  useEffect(() => {
    let live = true;
    const now = new Date();
    call('reports.digest', {
      weekStart: mondayOf(weeksBack, now),
      today: dayText(now),
      utcOffsetMinutes: -now.getTimezoneOffset(),
      memberIds: owners,
    }).then(
      (d) => {
        if (!live) return;
        setDigest(d);
        setError(null);
      },
      (e: unknown) => live && setError(errorInfo(e)),
    );
    return () => {
      live = false;
    };
  }, [weeksBack, owners, version]);

  const stage = (item: DigestItem, id: string | null) =>
    id ? stageName(pipelines, item.pipelineId, id, t) : '';
  return (
    <section className="digest" data-testid="digest" aria-label={t('reports.digestTitle')}>
      <header className="chart-head">
        <h2>
          {digest
            ? t('reports.digestWeek', {
                from: formatDate(digest.weekStart),
                to: formatDate(digest.weekEnd),
              })
            : t('reports.digestTitle')}
        </h2>
        <span>
          <button type="button" className="link" onClick={() => setWeeksBack(weeksBack + 1)}>
            {t('reports.previousWeek')}
          </button>{' '}
          <button
            type="button"
            className="link"
            disabled={weeksBack === 0}
            onClick={() => setWeeksBack(weeksBack - 1)}
          >
            {t('reports.nextWeek')}
          </button>
        </span>
      </header>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      {digest &&
        KINDS.map((kind) => {
          const items = digest.items.filter((i) => i.kind === kind);
          return (
            <section key={kind} data-testid={`digest-${kind}`} className="digest-group">
              <h3>
                {t(`reports.digestKinds.${kind}`)} <span className="muted">({items.length})</span>
              </h3>
              {items.length === 0 ? (
                <p className="muted">{t('reports.digestNone')}</p>
              ) : (
                <ul>
                  {items.map((i) => (
                    <li key={`${i.dealId}-${i.at}-${kind}`} data-testid="digest-item">
                      <button
                        type="button"
                        className="link"
                        onClick={() =>
                          useUiStore.getState().navigate({ name: 'record', entity: 'deal', id: i.dealId })
                        }
                      >
                        {i.name}
                      </button>{' '}
                      · {formatMoney(i.amountMinor, i.currency)}
                      {kind === 'moved' && ` · ${stage(i, i.fromStageId)} → ${stage(i, i.toStageId)}`}
                      {i.ownerId && (
                        <>
                          {' · '}
                          <OwnerName owner={i.ownerId} />
                        </>
                      )}
                      <span className="muted">
                        {' '}
                        · {kind === 'slipped' ? formatDate(i.at) : formatDateTime(i.at)}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          );
        })}
    </section>
  );
}
