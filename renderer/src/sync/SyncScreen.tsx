import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { usePolicy } from '../policy';
import { ErrorMessage } from '../errors';
import { formatDateTime, formatNumber } from '../format';
import { useUiStore } from '../ui.store';
import { useSyncStore } from './sync.store';
import { serverUrlSchema } from '../../../shared/sync/sync.contract';
import { Invite, Members } from './MembersPanel';
import { SyncProgress, useSyncSummary } from './SyncIndicator';
import { TrustNotice } from './TrustNotice';

/** Setup failures that deserve a sharper message than the code's generic one. */
function useSetupMessage() {
  const { t } = useTranslation();
  return (kind: 'create' | 'join', code: ErrorInfo['code']): string | undefined => {
    if (kind === 'join' && (code === 'VALIDATION' || code === 'NOT_FOUND' || code === 'CONFLICT'))
      return t('sync.inviteInvalid');
    if (kind === 'join' && code === 'SYNC_UNAUTHORIZED') return t('sync.inviteInvalid');
    // An invite naming a server main will not talk to is no invite this device can use.
    if (kind === 'join' && code === 'SERVER_URL_REFUSED') return t('sync.inviteInvalid');
    if (kind === 'create' && code === 'SYNC_OFFLINE') return t('sync.serverUnreachable');
    if (kind === 'join' && code === 'SYNC_OFFLINE') return t('sync.serverUnreachable');
    return undefined;
  };
}

/** Not configured: create a team workspace on a server, or join one with an invite code. */
function Setup() {
  const { t } = useTranslation();
  const policy = usePolicy();
  const [typedServerUrl, setServerUrl] = useState('');
  // IT's server (managed policy) replaces whatever was typed; main refuses any other server anyway.
  const managedServer = policy?.values.serverUrl;
  const serverUrl = managedServer ?? typedServerUrl;
  const managedEnrolment = policy?.values.enrolmentCode === 'set';
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [enrolment, setEnrolment] = useState('');
  const [deviceName, setDeviceName] = useState('');
  const [busy, setBusy] = useState<'create' | 'join' | null>(null);
  const setupMessage = useSetupMessage();
  const [error, setError] = useState<{ info: ErrorInfo; kind: 'create' | 'join' } | null>(null);
  const urlId = useId();
  const nameId = useId();
  const codeId = useId();
  const enrolmentId = useId();
  const deviceNameId = useId();
  const named = deviceName.trim() ? { deviceName: deviceName.trim() } : {};
  // An address that is no origin (the contract's own rule, checked before sending) or that main
  // refused (plain http to another computer): said at the field, which is marked invalid.
  const [badUrl, setBadUrl] = useState(false);
  const urlRefused = badUrl || (error?.kind === 'create' && error.info.code === 'SERVER_URL_REFUSED');

  const run = async (kind: 'create' | 'join', action: () => Promise<unknown>) => {
    setBusy(kind);
    setError(null);
    try {
      await action();
      await useSyncStore.getState().load();
    } catch (e) {
      setError({ info: errorInfo(e), kind });
    } finally {
      setBusy(null);
    }
  };

  const create = (event: FormEvent) => {
    event.preventDefault();
    const notOrigin = !serverUrlSchema.safeParse(serverUrl).success;
    setBadUrl(notOrigin);
    if (notOrigin) return;
    void run('create', () =>
      call('workspace.create', {
        serverUrl: serverUrl.trim(),
        name: name.trim(),
        ...named,
        ...(enrolment.trim() ? { enrolmentCode: enrolment.trim() } : {}),
      }),
    );
  };
  const join = (event: FormEvent) => {
    event.preventDefault();
    void run('join', () => call('invites.accept', { code: code.trim(), ...named }));
  };

  return (
    <>
      <p className="muted">{t('sync.setupIntro')}</p>
      <ErrorMessage
        error={urlRefused ? null : (error?.info ?? null)}
        message={error ? setupMessage(error.kind, error.info.code) : undefined}
        onDismiss={() => setError(null)}
      />
      <div className="field">
        <label htmlFor={deviceNameId}>{t('sync.deviceName')}</label>
        <input
          id={deviceNameId}
          maxLength={100}
          placeholder={t('sync.deviceNamePlaceholder')}
          aria-describedby={`${deviceNameId}-help`}
          value={deviceName}
          onChange={(e) => setDeviceName(e.target.value)}
          data-testid="sync-device-name"
        />
        <p id={`${deviceNameId}-help`} className="muted small">
          {t('sync.deviceNameHelp')}
        </p>
      </div>
      <div className="grid-2">
        <form className="panel" aria-labelledby="sync-create-title" onSubmit={create}>
          <h2 id="sync-create-title">{t('sync.createTitle')}</h2>
          <p className="muted">{t('sync.createIntro')}</p>
          <div className="field">
            <label htmlFor={urlId}>{t('sync.serverUrl')}</label>
            <input
              id={urlId}
              type="url"
              required
              inputMode="url"
              autoComplete="url"
              placeholder="https://sync.example.com"
              aria-describedby={urlRefused ? `${urlId}-refused ${urlId}-help` : `${urlId}-help`}
              aria-invalid={urlRefused}
              value={serverUrl}
              disabled={managedServer !== undefined}
              onChange={(e) => {
                setServerUrl(e.target.value);
                setBadUrl(false);
                if (urlRefused) setError(null);
              }}
              data-testid="sync-server-url"
            />
            {urlRefused && (
              <p
                id={`${urlId}-refused`}
                className="field-error"
                role="alert"
                data-testid="sync-server-url-error"
              >
                {t('errors.SERVER_URL_REFUSED')}
              </p>
            )}
            <p
              id={`${urlId}-help`}
              className="muted small"
              data-testid={managedServer ? 'managed-serverUrl' : undefined}
            >
              {managedServer ? t('settings.managed') : t('sync.serverUrlHelp')}
            </p>
          </div>
          <div className="field">
            <label htmlFor={nameId}>{t('sync.workspaceName')}</label>
            <input
              id={nameId}
              required
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.target.value)}
              data-testid="sync-workspace-name"
            />
          </div>
          {managedEnrolment ? (
            <p className="muted small" data-testid="managed-enrolmentCode">
              {t('sync.enrolmentCode')}: {t('settings.managed')}
            </p>
          ) : (
            <div className="field">
              <label htmlFor={enrolmentId}>{t('sync.enrolmentCode')}</label>
              <input
                id={enrolmentId}
                type="password"
                maxLength={200}
                autoComplete="off"
                spellCheck={false}
                value={enrolment}
                onChange={(e) => setEnrolment(e.target.value)}
                data-testid="sync-enrolment-code"
              />
            </div>
          )}
          <button type="submit" className="primary" disabled={busy !== null} data-testid="sync-create">
            {busy === 'create' ? t('sync.creating') : t('sync.create')}
          </button>
        </form>
        <form className="panel" aria-labelledby="sync-join-title" onSubmit={join}>
          <h2 id="sync-join-title">{t('sync.joinTitle')}</h2>
          <p className="muted">{t('sync.joinIntro')}</p>
          <div className="field">
            <label htmlFor={codeId}>{t('sync.inviteCode')}</label>
            <textarea
              id={codeId}
              required
              rows={3}
              spellCheck={false}
              autoComplete="off"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              data-testid="sync-invite-code-input"
            />
          </div>
          <button type="submit" className="primary" disabled={busy !== null} data-testid="sync-join">
            {busy === 'join' ? t('sync.joining') : t('sync.join')}
          </button>
        </form>
      </div>
    </>
  );
}

/** Configured: state, sync now, invites, devices, rejected and quarantined counts. */
function Configured() {
  const { t } = useTranslation();
  const status = useSyncStore((s) => s.status);
  const busy = useSyncStore((s) => s.busy);
  const conflicts = useSyncStore((s) => s.conflicts);
  const navigate = useUiStore((s) => s.navigate);
  const summary = useSyncSummary(status);
  const members = useSyncStore((s) => s.members);
  const self = members?.find((m) => m.isThisDevice);
  const canInvite = self?.role === 'owner' || self?.role === 'admin';
  if (!status) return null;
  const bootstrap =
    status.state === 'syncing' &&
    (status.progress?.phase === 'bootstrap' || (status.progress?.phase === 'snapshot' && !status.lastSyncAt));
  return (
    <>
      <section className="panel" aria-labelledby="sync-status-title">
        <h2 id="sync-status-title">{t('sync.statusTitle')}</h2>
        <p role="status" data-testid="sync-summary" data-state={status.state}>
          {summary}
        </p>
        {bootstrap && <p className="muted">{t('sync.bootstrapIntro')}</p>}
        <SyncProgress status={status} />
        <dl className="facts">
          <dt>{t('sync.pending')}</dt>
          <dd data-testid="sync-pending">{formatNumber(status.pending)}</dd>
          <dt>{t('sync.lastSync')}</dt>
          <dd>{status.lastSyncAt ? formatDateTime(status.lastSyncAt) : t('sync.never')}</dd>
          <dt>{t('conflicts.title')}</dt>
          <dd>
            <button type="button" className="link" onClick={() => navigate({ name: 'conflicts' })}>
              {t('conflicts.count', { count: conflicts?.length ?? 0 })}
            </button>
          </dd>
        </dl>
        <div className="row">
          <button
            type="button"
            className="primary"
            disabled={busy || status.state === 'syncing'}
            onClick={() => void useSyncStore.getState().syncNow()}
            data-testid="sync-now"
          >
            {busy || status.state === 'syncing' ? t('sync.syncing') : t('sync.syncNow')}
          </button>
        </div>
      </section>
      <TrustNotice status={status} />
      {(status.rejectedDeltas > 0 || status.quarantinedOps > 0) && (
        <section className="panel warning" aria-labelledby="sync-problems-title" data-testid="sync-problems">
          <h2 id="sync-problems-title">{t('sync.problemsTitle')}</h2>
          {status.rejectedDeltas > 0 && (
            <p>{t('sync.rejected', { count: formatNumber(status.rejectedDeltas) })}</p>
          )}
          {status.quarantinedOps > 0 && (
            <p>{t('sync.quarantined', { count: formatNumber(status.quarantinedOps) })}</p>
          )}
        </section>
      )}
      <Invite canInvite={canInvite} />
      <Members />
    </>
  );
}

/** The sync screen: setup when not configured, otherwise status, invites and devices. */
export function SyncScreen() {
  const { t } = useTranslation();
  const status = useSyncStore((s) => s.status);
  const error = useSyncStore((s) => s.error);
  useEffect(() => {
    void useSyncStore.getState().load();
  }, []);
  return (
    <div className="screen" data-screen="sync">
      <h1>{t('sync.title')}</h1>
      <ErrorMessage error={error} onDismiss={() => useSyncStore.getState().clearError()} />
      {status === null ? (
        <p className="muted">{t('app.loading')}</p>
      ) : status.state === 'not_configured' ? (
        <Setup />
      ) : (
        <Configured />
      )}
    </div>
  );
}
