import { customIdOf } from '../../../shared/domain/custom-fields';
import { showCustomValue, useCustomFieldsStore } from '../crm/customFields.store';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Deal } from '../../../shared/domain/crm.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import { parseHlc } from '../../../shared/domain/hlc';
import type { Conflict, SyncDevice } from '../../../shared/sync/sync.contract';
import { call, errorInfo } from '../api';
import { memberFields } from '../crm/fields';
import { stageName, usePipelinesStore } from '../crm/pipelines.store';
import { OwnerName } from '../people/OwnerName';
import { useMembers } from '../people/members.store';
import { ErrorMessage } from '../errors';
import { formatDate, formatDateTime, formatMoney } from '../format';
import { useUiStore } from '../ui.store';
import { useSyncStore } from './sync.store';

type FieldValue = Conflict['current']['value'];

/** The conflict fields the engine keeps (deal stage, amount, close date, owner) and their labels. */
const FIELD_LABELS = {
  stageId: 'fields.stageId',
  amountMinor: 'fields.amountMinor',
  expectedCloseDate: 'fields.expectedCloseDate',
  ownerId: 'fields.ownerId',
} as const;

function isKnownField(field: string): field is keyof typeof FIELD_LABELS {
  return field in FIELD_LABELS;
}

/** Conflicts on records that are not deals are shown by id; deals are read for name and currency. */
async function loadDeals(conflicts: readonly Conflict[]): Promise<Map<string, Deal>> {
  const ids = [...new Set(conflicts.filter((c) => c.entity === 'deal').map((c) => c.recordId))];
  const deals = await Promise.all(ids.map((id) => call('deals.get', { id }).catch(() => null)));
  return new Map(deals.filter((d): d is Deal => d !== null).map((d) => [d.id, d]));
}

function ValueText(props: { conflict: Conflict; value: FieldValue; deal: Deal | undefined }) {
  const { t } = useTranslation();
  const pipelines = usePipelinesStore((s) => s.pipelines);
  const { value, deal } = props;
  const defs = useCustomFieldsStore((st) => st.defs);
  if (value === null || value === '') return <span className="muted">{t('record.none')}</span>;
  const customId = customIdOf(props.conflict.field);
  const def = customId === null ? undefined : defs?.find((d) => d.id === customId);
  if (def) return <>{showCustomValue(def, value, t) || String(value)}</>;
  if (memberFields.has(props.conflict.field)) return <OwnerName owner={String(value)} />;
  switch (props.conflict.field) {
    case 'stageId':
      return <>{deal ? stageName(pipelines, deal.pipelineId, String(value), t) : String(value)}</>;
    case 'amountMinor':
      return typeof value === 'number' ? (
        <>{formatMoney(value, deal?.currency ?? 'EUR')}</>
      ) : (
        <>{String(value)}</>
      );
    case 'expectedCloseDate':
      return <>{formatDate(String(value)) || String(value)}</>;
    default:
      return <>{String(value)}</>;
  }
}

/**
 * Who made one side's change and when, from its stamp: the wall clock, and the CRM device id that
 * starts the author's workspace device id (this device; another by its member's name, which is that
 * CRM device id; a device no member has by a short id).
 */
function SideOrigin(props: { side: Conflict['current']; devices: readonly SyncDevice[] }) {
  const { t } = useTranslation();
  const members = useMembers();
  const stamp = parseHlc(props.side.hlc);
  const author = stamp?.deviceId ?? props.side.deviceId;
  const mine = props.devices.some((d) => d.isThisDevice && d.deviceId.startsWith(`${author}-`));
  const member = members.find((m) => m.memberId === author);
  const who = mine
    ? t('conflicts.thisDevice')
    : (member?.name ?? t('conflicts.otherDevice', { id: author.slice(0, 6) }));
  return (
    <div className="muted small" data-testid="conflict-origin">
      {stamp ? t('conflicts.changedBy', { who, when: formatDateTime(stamp.wall) }) : who}
    </div>
  );
}

function ConflictItem(props: {
  conflict: Conflict;
  deal: Deal | undefined;
  devices: readonly SyncDevice[];
  onResolved: () => void;
}) {
  const { t } = useTranslation();
  const { conflict, deal } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const navigate = useUiStore((s) => s.navigate);
  const defs = useCustomFieldsStore((st) => st.defs);
  const customId = customIdOf(conflict.field);
  const field = isKnownField(conflict.field)
    ? t(FIELD_LABELS[conflict.field])
    : ((customId !== null ? defs?.find((d) => d.id === customId)?.label : undefined) ?? conflict.field);
  const recordName = deal?.name ?? conflict.recordId;
  const headingId = `conflict-${conflict.conflictId}`;

  const keep = async (side: 'current' | 'other') => {
    setBusy(true);
    setError(null);
    try {
      await call('conflicts.resolve', { conflictId: conflict.conflictId, keep: side });
      props.onResolved();
    } catch (e) {
      setError(errorInfo(e));
      setBusy(false);
    }
  };

  return (
    <li className="panel conflict" aria-labelledby={headingId} data-testid="conflict">
      <h2 id={headingId} className="conflict-title">
        {field}
        <span className="muted" aria-hidden="true">
          {' · '}
        </span>
        {conflict.entity === 'deal' ? (
          <button
            type="button"
            className="link"
            onClick={() => navigate({ name: 'record', entity: 'deal', id: conflict.recordId })}
            data-testid="conflict-record"
          >
            {recordName}
          </button>
        ) : (
          <span>{recordName}</span>
        )}
      </h2>
      <p className="muted small">{t('conflicts.detected', { date: formatDateTime(conflict.detectedAt) })}</p>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      <div className="conflict-sides" role="group" aria-label={t('conflicts.choose', { field })}>
        {(['current', 'other'] as const).map((side) => (
          <div key={side} className="conflict-side" data-side={side}>
            <div className="muted small">
              {side === 'current' ? t('conflicts.current') : t('conflicts.other')}
            </div>
            <div className="conflict-value" data-testid={`conflict-${side}`}>
              <ValueText conflict={conflict} value={conflict[side].value} deal={deal} />
            </div>
            <SideOrigin side={conflict[side]} devices={props.devices} />
            <button
              type="button"
              className={side === 'current' ? 'primary' : undefined}
              disabled={busy}
              onClick={() => void keep(side)}
              data-testid={`conflict-keep-${side}`}
            >
              {side === 'current' ? t('conflicts.keepCurrent') : t('conflicts.keepOther')}
            </button>
          </div>
        ))}
      </div>
    </li>
  );
}

/** Concurrent edits of important deal fields: both values side by side, resolved by picking one. */
export function ConflictsScreen() {
  const { t } = useTranslation();
  const conflicts = useSyncStore((s) => s.conflicts);
  const error = useSyncStore((s) => s.error);
  // Values show as names (stages) and money (deal currency): the list waits for both.
  const [deals, setDeals] = useState<Map<string, Deal> | null>(null);
  // Only to tell this device's changes from others': without the list every side reads "Device …".
  const [devices, setDevices] = useState<SyncDevice[]>([]);
  const [resolved, setResolved] = useState(false);

  useEffect(() => {
    // Custom field conflicts are labelled by their definitions.
    void useCustomFieldsStore
      .getState()
      .load()
      .catch(() => undefined);
  }, []);
  useEffect(() => {
    void useSyncStore.getState().loadConflicts();
    let current = true;
    call('devices.list').then(
      (list) => {
        if (current) setDevices(list);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, []);
  useEffect(() => {
    if (!conflicts) return;
    let current = true;
    void Promise.all([
      usePipelinesStore
        .getState()
        .load()
        .catch(() => null),
      loadDeals(conflicts),
    ]).then(([, map]) => {
      if (current) setDeals(map);
    });
    return () => {
      current = false;
    };
  }, [conflicts]);

  const onResolved = () => {
    setResolved(true);
    void useSyncStore.getState().loadConflicts();
  };

  return (
    <div className="screen" data-screen="conflicts">
      <h1>{t('conflicts.title')}</h1>
      <p className="muted">{t('conflicts.intro')}</p>
      <ErrorMessage error={error} onDismiss={() => useSyncStore.getState().clearError()} />
      {resolved && (
        <p role="status" className="ok">
          {t('conflicts.resolved')}
        </p>
      )}
      {conflicts === null || (conflicts.length > 0 && deals === null) ? (
        <p className="muted">{t('app.loading')}</p>
      ) : conflicts.length === 0 ? (
        <p className="empty" data-testid="conflicts-empty">
          {t('conflicts.empty')}
        </p>
      ) : (
        <ul className="plain-list conflicts" data-testid="conflicts">
          {conflicts.map((c) => (
            <ConflictItem
              key={c.conflictId}
              conflict={c}
              deal={deals?.get(c.recordId)}
              devices={devices}
              onResolved={onResolved}
            />
          ))}
        </ul>
      )}
    </div>
  );
}
