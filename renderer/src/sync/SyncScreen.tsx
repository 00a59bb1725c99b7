import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import type { SyncDevice } from '../../../shared/sync/sync.contract';
import { call, errorInfo } from '../api';
import { usePolicy } from '../policy';
import { ErrorMessage } from '../errors';
import { formatDateTime, formatNumber } from '../format';
import { useUiStore } from '../ui.store';
import { useSyncStore } from './sync.store';
import { SyncProgress, useSyncSummary } from './SyncIndicator';

/** Setup failures that deserve a sharper message than the code's generic one. */
function useSetupMessage() {
  const { t } = useTranslation();
  return (kind: 'create' | 'join', code: ErrorInfo['code']): string | undefined => {
    if (kind === 'join' && (code === 'VALIDATION' || code === 'NOT_FOUND' || code === 'CONFLICT'))
      return t('sync.inviteInvalid');
    if (kind === 'join' && code === 'SYNC_UNAUTHORIZED') return t('sync.inviteInvalid');
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
  const [busy, setBusy] = useState<'create' | 'join' | null>(null);
  const setupMessage = useSetupMessage();
  const [error, setError] = useState<{ info: ErrorInfo; kind: 'create' | 'join' } | null>(null);
  const urlId = useId();
  const nameId = useId();
  const codeId = useId();
  const enrolmentId = useId();

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
    void run('create', () =>
      call('workspace.create', {
        serverUrl: serverUrl.trim(),
        name: name.trim(),
        ...(enrolment.trim() ? { enrolmentCode: enrolment.trim() } : {}),
      }),
    );
  };
  const join = (event: FormEvent) => {
    event.preventDefault();
    void run('join', () => call('invites.accept', { code: code.trim() }));
  };

  return (
    <>
      <p className="muted">{t('sync.setupIntro')}</p>
      <ErrorMessage
        error={error?.info ?? null}
        message={error ? setupMessage(error.kind, error.info.code) : undefined}
        onDismiss={() => setError(null)}
      />
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
              aria-describedby={`${urlId}-help`}
              value={serverUrl}
              disabled={managedServer !== undefined}
              onChange={(e) => setServerUrl(e.target.value)}
              data-testid="sync-server-url"
            />
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

/** Creates a single-use invite and shows its code once, with a copy button. */
function Invite() {
  const { t } = useTranslation();
  const [invite, setInvite] = useState<{ code: string; expiresAt: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const codeId = useId();

  const create = async () => {
    setBusy(true);
    setError(null);
    setCopied(false);
    try {
      const created = await call('invites.create', { ttlHours: 72 });
      setInvite({ code: created.code, expiresAt: created.expiresAt });
    } catch (e) {
      setError(errorInfo(e));
    } finally {
      setBusy(false);
    }
  };
  const copy = async () => {
    if (!invite) return;
    try {
      await navigator.clipboard.writeText(invite.code);
      setCopied(true);
    } catch {
      // Clipboard refused (permissions): the code stays selected in the field to copy by hand.
      document.getElementById(codeId)?.focus();
    }
  };

  return (
    <section className="panel" aria-labelledby="sync-invite-title">
      <h2 id="sync-invite-title">{t('sync.inviteTitle')}</h2>
      <p className="muted">{t('sync.inviteIntro')}</p>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      {invite ? (
        <div className="invite">
          <label htmlFor={codeId}>{t('sync.inviteCodeLabel')}</label>
          <div className="row">
            <input
              id={codeId}
              className="invite-code grow"
              readOnly
              value={invite.code}
              onFocus={(e) => e.currentTarget.select()}
              aria-describedby={`${codeId}-help`}
              data-testid="sync-invite-code"
            />
            <button type="button" className="primary" onClick={() => void copy()} data-testid="sync-copy">
              {t('sync.copy')}
            </button>
          </div>
          <p id={`${codeId}-help`} className="muted small">
            {t('sync.inviteOnce', { date: formatDateTime(invite.expiresAt) })}
          </p>
          {copied && (
            <p role="status" className="ok">
              {t('sync.copied')}
            </p>
          )}
          <button type="button" onClick={() => setInvite(null)}>
            {t('sync.inviteDone')}
          </button>
        </div>
      ) : (
        <button type="button" disabled={busy} onClick={() => void create()} data-testid="sync-invite">
          {busy ? t('common.working') : t('sync.inviteCreate')}
        </button>
      )}
    </section>
  );
}

function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id;
}

/** The workspace's devices; any other active device can be revoked after a confirmation. */
function Devices() {
  const { t } = useTranslation();
  const [devices, setDevices] = useState<SyncDevice[] | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    call('devices.list').then(
      // This device first, then by when each joined.
      (list) =>
        setDevices(
          [...list].sort(
            (x, y) =>
              Number(y.isThisDevice) - Number(x.isThisDevice) || x.createdAt.localeCompare(y.createdAt),
          ),
        ),
      (e: unknown) => setError(errorInfo(e)),
    );
  }, [version]);

  const revoke = async (deviceId: string) => {
    setBusy(true);
    setError(null);
    try {
      await call('devices.revoke', { deviceId });
      setConfirming(null);
      setVersion((v) => v + 1);
    } catch (e) {
      setError(errorInfo(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="sync-devices-title">
      <div className="row">
        <h2 id="sync-devices-title">{t('sync.devicesTitle')}</h2>
        <button type="button" className="link push" onClick={() => setVersion((v) => v + 1)}>
          {t('sync.refresh')}
        </button>
      </div>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      {devices === null ? (
        !error && <p className="muted">{t('app.loading')}</p>
      ) : (
        <table className="table" data-testid="sync-devices">
          <thead>
            <tr>
              <th scope="col">{t('sync.device')}</th>
              <th scope="col">{t('sync.deviceAdded')}</th>
              <th scope="col">{t('sync.deviceStatus')}</th>
              <th scope="col">
                <span className="sr-only">{t('sync.revoke')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {devices.map((d) => (
              <tr key={d.deviceId} data-this-device={d.isThisDevice ? 'true' : undefined}>
                <td>
                  <code title={d.deviceId}>{shortId(d.deviceId)}</code>{' '}
                  {d.isThisDevice && <span className="badge">{t('sync.thisDevice')}</span>}
                </td>
                <td>{formatDateTime(d.createdAt)}</td>
                <td>
                  {d.status === 'active'
                    ? t('sync.deviceActive')
                    : t('sync.deviceRevoked', { date: formatDateTime(d.revokedAt) })}
                </td>
                <td>
                  {d.status === 'active' && !d.isThisDevice && (
                    <button type="button" onClick={() => setConfirming(d.deviceId)} data-testid="sync-revoke">
                      {t('sync.revoke')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {confirming && (
        <ConfirmRevoke
          deviceId={confirming}
          busy={busy}
          onConfirm={() => void revoke(confirming)}
          onCancel={() => setConfirming(null)}
        />
      )}
    </section>
  );
}

function ConfirmRevoke(props: {
  deviceId: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const dialogRef = useRef<HTMLDivElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  // Focus starts on the safe choice and returns where it came from (or the devices heading) on close.
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    cancelRef.current?.focus();
    return () => {
      const target = opener?.isConnected ? opener : document.getElementById('sync-devices-title');
      if (target && !opener?.isConnected) target.tabIndex = -1;
      target?.focus();
    };
  }, []);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      props.onCancel();
    } else if (e.key === 'Tab') {
      // Keep Tab inside the modal dialog.
      const buttons = [
        ...(dialogRef.current?.querySelectorAll<HTMLButtonElement>('button:not(:disabled)') ?? []),
      ];
      const first = buttons[0];
      const last = buttons[buttons.length - 1];
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last?.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first?.focus();
      }
    }
  };
  return (
    <div className="overlay" role="presentation" onMouseDown={props.onCancel}>
      <div
        ref={dialogRef}
        className="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="revoke-title"
        aria-describedby="revoke-body"
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={onKeyDown}
        data-testid="revoke-dialog"
      >
        <h2 id="revoke-title">{t('sync.revokeTitle', { device: shortId(props.deviceId) })}</h2>
        <p id="revoke-body">{t('sync.revokeBody')}</p>
        <div className="row">
          <button type="button" className="danger" disabled={props.busy} onClick={props.onConfirm}>
            {t('sync.revokeYes')}
          </button>
          <button type="button" ref={cancelRef} onClick={props.onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </div>
    </div>
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
  if (!status) return null;
  const bootstrap = status.state === 'syncing' && status.progress?.phase === 'bootstrap';
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
      <Invite />
      <Devices />
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
