import { customIdOf } from '../../../shared/domain/custom-fields';
import { showCustomValue, useCustomFieldsStore } from '../crm/customFields.store';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import { parseHlc } from '../../../shared/domain/hlc';
import type { Conflict, SyncDevice } from '../../../shared/sync/sync.contract';
import { call, errorInfo } from '../api';
import { memberFields } from '../crm/fields';
import { stageName, usePipelinesStore } from '../crm/pipelines.store';
import { OwnerName } from '../people/OwnerName';
import { useMembers } from '../people/members.store';
import { ErrorMessage } from '../errors';
import { formatDate, formatDateTime, formatMoney, formatNumber } from '../format';
import { useUiStore } from '../ui.store';
import { useSyncStore } from './sync.store';
import { loadSubjects, type ConflictSubject } from './conflict.subjects';

/** The kinds a conflict's record can be of, for naming one that can no longer be read. */
const KINDS = ['deal', 'contact', 'account', 'quota', 'exchangeRate', 'memberProfile', 'savedView'] as const;
const kindOf = (entity: string): (typeof KINDS)[number] | 'other' =>
  KINDS.find((k) => k === entity) ?? 'other';

type FieldValue = Conflict['current']['value'];

/**
 * The conflict fields the engine keeps (a deal's stage, amount, close date and owner; a quota's
 * amount, a rate's value, a member's name, a shared view's filters) and their labels.
 */
const FIELD_LABELS = {
  stageId: 'fields.stageId',
  amountMinor: 'fields.amountMinor',
  expectedCloseDate: 'fields.expectedCloseDate',
  ownerId: 'fields.ownerId',
  perUnit: 'reports.perUnit',
  displayName: 'people.name',
  query: 'views.view',
} as const;

function isKnownField(field: string): field is keyof typeof FIELD_LABELS {
  return field in FIELD_LABELS;
}

function ValueText(props: { conflict: Conflict; value: FieldValue; subject: ConflictSubject | undefined }) {
  const { t } = useTranslation();
  const pipelines = usePipelinesStore((s) => s.pipelines);
  const { value, subject } = props;
  const defs = useCustomFieldsStore((st) => st.defs);
  if (value === null || value === '') return <span className="muted">{t('record.none')}</span>;
  const customId = customIdOf(props.conflict.field);
  const def = customId === null ? undefined : defs?.find((d) => d.id === customId);
  if (def) return <>{showCustomValue(def, value, t) || String(value)}</>;
  if (memberFields.has(props.conflict.field)) return <OwnerName owner={String(value)} />;
  switch (props.conflict.field) {
    case 'stageId':
      return (
        <>
          {subject?.pipelineId ? stageName(pipelines, subject.pipelineId, String(value), t) : String(value)}
        </>
      );
    case 'amountMinor':
      // Money without a known currency is shown as a number, never in a guessed currency.
      return typeof value === 'number' ? (
        <>{subject?.currency ? formatMoney(value, subject.currency) : formatNumber(value)}</>
      ) : (
        <>{String(value)}</>
      );
    case 'perUnit':
      return typeof value === 'number' ? (
        <>{`${formatNumber(value)}${subject?.currency ? ` ${subject.currency}` : ''}`}</>
      ) : (
        <>{String(value)}</>
      );
    case 'expectedCloseDate':
      return <>{formatDate(String(value)) || String(value)}</>;
    default:
      return <>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</>;
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
  subject: ConflictSubject | undefined;
  devices: readonly SyncDevice[];
  onResolved: (conflictId: string) => void;
}) {
  const { t } = useTranslation();
  const { conflict, subject } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const navigate = useUiStore((s) => s.navigate);
  const defs = useCustomFieldsStore((st) => st.defs);
  const customId = customIdOf(conflict.field);
  const field = isKnownField(conflict.field)
    ? t(FIELD_LABELS[conflict.field])
    : ((customId !== null ? defs?.find((d) => d.id === customId)?.label : undefined) ?? conflict.field);
  // A record that cannot be read any more (deleted since) is named by its kind.
  const recordName = subject?.label ?? t(`conflicts.kinds.${kindOf(conflict.entity)}`);
  const headingId = `conflict-${conflict.conflictId}`;

  const keep = async (side: 'current' | 'other') => {
    setBusy(true);
    setError(null);
    try {
      await call('conflicts.resolve', { conflictId: conflict.conflictId, keep: side });
      props.onResolved(conflict.conflictId);
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
        {subject?.route ? (
          <button
            type="button"
            className="link"
            onClick={() => subject.route && navigate(subject.route)}
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
              <ValueText conflict={conflict} value={conflict[side].value} subject={subject} />
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
  // Values show as names (stages) and money (the record's currency): the list waits for both.
  const [subjects, setSubjects] = useState<Map<string, ConflictSubject> | null>(null);
  // Only to tell this device's changes from others': without the list every side reads "Device …".
  const [devices, setDevices] = useState<SyncDevice[]>([]);
  /** Conflicts resolved on this screen (each one re-runs the focus move below). */
  const [resolved, setResolved] = useState(0);

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
      loadSubjects(conflicts),
    ]).then(([, map]) => {
      if (current) setSubjects(map);
    });
    return () => {
      current = false;
    };
  }, [conflicts]);

  // The resolved conflict's buttons leave the page: focus moves on to the next conflict's first
  // choice, or to the "resolved" message once none is left, never to <body>.
  const screen = useRef<HTMLDivElement>(null);
  // The conflict just resolved: focus moves once the list no longer holds it (a reload that lands
  // before the resolution would otherwise hand focus to its own, soon removed, buttons).
  const moveFocus = useRef<string | null>(null);
  useEffect(() => {
    const resolvedId = moveFocus.current;
    if (resolvedId === null || subjects === null || conflicts?.some((c) => c.conflictId === resolvedId))
      return;
    moveFocus.current = null;
    const find = (testId: string) => screen.current?.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
    (find('conflict-keep-current') ?? find('conflicts-resolved'))?.focus();
  }, [conflicts, subjects, resolved]);
  const onResolved = (conflictId: string) => {
    setResolved((n) => n + 1);
    moveFocus.current = conflictId;
    void useSyncStore.getState().loadConflicts();
  };

  return (
    <div className="screen" data-screen="conflicts" ref={screen}>
      <h1>{t('conflicts.title')}</h1>
      <p className="muted">{t('conflicts.intro')}</p>
      <ErrorMessage error={error} onDismiss={() => useSyncStore.getState().clearError()} />
      {resolved > 0 && (
        <p role="status" className="ok" tabIndex={-1} data-testid="conflicts-resolved">
          {t('conflicts.resolved')}
        </p>
      )}
      {conflicts === null || (conflicts.length > 0 && subjects === null) ? (
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
              subject={subjects?.get(c.recordId)}
              devices={devices}
              onResolved={onResolved}
            />
          ))}
        </ul>
      )}
    </div>
  );
}
