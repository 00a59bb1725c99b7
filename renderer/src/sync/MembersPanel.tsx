import { useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import type { Role } from '../../../shared/sync/membership';
import type { SyncDevice } from '../../../shared/sync/sync.contract';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { formatDateTime } from '../format';
import { useSyncStore } from './sync.store';
import { focusLost, useFocusBack } from '../focus';
import { composing } from '../keys';

/** Creates a single-use invite for a role and shows its code once, with a copy button. */
export function Invite(props: { canInvite: boolean }) {
  const { t } = useTranslation();
  const [invite, setInvite] = useState<{ code: string; expiresAt: string } | null>(null);
  const [role, setRole] = useState<Role>('member');
  const roleId = useId();
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const codeId = useId();

  const create = async () => {
    setBusy(true);
    setError(null);
    setCopied(false);
    try {
      const created = await call('invites.create', { ttlHours: 72, role });
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
      ) : props.canInvite ? (
        <div className="row">
          <label htmlFor={roleId}>{t('sync.inviteRole')}</label>
          <select
            id={roleId}
            value={role}
            onChange={(e) => setRole(roleOf(e.target.value))}
            data-testid="sync-invite-role"
          >
            {INVITABLE.map((r) => (
              <option key={r} value={r}>
                {t(`sync.role.${r}`)}
              </option>
            ))}
          </select>
          <button type="button" disabled={busy} onClick={() => void create()} data-testid="sync-invite">
            {busy ? t('common.working') : t('sync.inviteCreate')}
          </button>
        </div>
      ) : (
        <p className="muted" data-testid="sync-invite-not-allowed">
          {t('sync.inviteNeedsAdmin')}
        </p>
      )}
    </section>
  );
}

function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id;
}

const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'viewer'];
const INVITABLE: readonly Role[] = ['admin', 'member', 'viewer'];
const RANK: Record<Role, number> = { owner: 3, admin: 2, member: 1, viewer: 0 };

function roleOf(value: string): Role {
  return ROLES.find((r) => r === value) ?? 'member';
}

/** The devices list's heading, focusable from script (where focus goes when its row's button left). */
function devicesHeading(): HTMLElement | null {
  const heading = document.getElementById('sync-devices-title');
  if (heading) heading.tabIndex = -1;
  return heading;
}

/**
 * The workspace's members as the verified membership log describes them: name, role, who invited
 * and who revoked whom. Owners and admins change roles and revoke (up to their own rank); anyone may
 * leave. Every change is a signed entry that main makes; the server and every device check it.
 */
export function Members() {
  const { t } = useTranslation();
  const members = useSyncStore((s) => s.members);
  const [confirming, setConfirming] = useState<SyncDevice | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [rotated, setRotated] = useState<number | null>(null);
  const reload = () => void useSyncStore.getState().loadMembers();
  useEffect(reload, []);
  // A removed device's row loses its Remove button once the list reloads: focus then goes to the
  // devices heading instead of falling to <body>.
  const afterRevoke = useRef(false);
  useLayoutEffect(() => {
    if (!afterRevoke.current || members === null || !focusLost()) return;
    afterRevoke.current = false;
    devicesHeading()?.focus();
  }, [members]);
  const self = members?.find((m) => m.isThisDevice);
  const manages = self?.status === 'active' && (self.role === 'owner' || self.role === 'admin');
  const outranks = (m: SyncDevice) => !!self && RANK[m.role] <= RANK[self.role];

  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      setConfirming(null);
      reload();
    } catch (e) {
      setError(errorInfo(e));
    } finally {
      setBusy(false);
    }
  };
  const sorted = members
    ? [...members].sort(
        (x, y) => Number(y.isThisDevice) - Number(x.isThisDevice) || x.createdAt.localeCompare(y.createdAt),
      )
    : null;

  return (
    <section className="panel" aria-labelledby="sync-devices-title">
      <div className="row">
        <h2 id="sync-devices-title">{t('sync.devicesTitle')}</h2>
        <button type="button" className="link push" onClick={reload}>
          {t('sync.refresh')}
        </button>
      </div>
      <p className="muted small">{t('sync.membersIntro')}</p>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      {sorted === null ? (
        !error && <p className="muted">{t('app.loading')}</p>
      ) : (
        <table className="table" data-testid="sync-devices">
          <thead>
            <tr>
              <th scope="col">{t('sync.device')}</th>
              <th scope="col">{t('sync.memberRole')}</th>
              <th scope="col">{t('sync.invitedBy')}</th>
              <th scope="col">{t('sync.deviceStatus')}</th>
              <th scope="col">
                <span className="sr-only">{t('sync.revoke')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((d) => (
              <tr
                key={d.deviceId}
                data-this-device={d.isThisDevice ? 'true' : undefined}
                data-device-id={d.deviceId}
              >
                <td>
                  <span data-testid="sync-member-name">{d.name}</span>{' '}
                  {d.isThisDevice && <span className="badge">{t('sync.thisDevice')}</span>}
                  <br />
                  <code className="muted small" title={d.deviceId}>
                    {shortId(d.deviceId)}
                  </code>
                </td>
                <td>
                  {manages && d.status === 'active' && !d.isThisDevice && outranks(d) ? (
                    <select
                      aria-label={t('sync.roleFor', { device: d.name })}
                      value={d.role}
                      disabled={busy}
                      onChange={(e) =>
                        void act(() =>
                          call('devices.setRole', { deviceId: d.deviceId, role: roleOf(e.target.value) }),
                        )
                      }
                      data-testid="sync-member-role-select"
                    >
                      {ROLES.filter((r) => self && RANK[r] <= RANK[self.role]).map((r) => (
                        <option key={r} value={r}>
                          {t(`sync.role.${r}`)}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <span data-testid="sync-member-role">{t(`sync.role.${d.role}`)}</span>
                  )}
                </td>
                <td>{d.invitedByName ?? (d.invitedBy ? shortId(d.invitedBy) : t('sync.founder'))}</td>
                <td>
                  {d.status === 'active'
                    ? t('sync.deviceActive')
                    : t('sync.deviceRevokedBy', {
                        date: formatDateTime(d.revokedAt),
                        by: d.revokedByName ?? (d.revokedBy ? shortId(d.revokedBy) : '?'),
                      })}
                </td>
                <td>
                  {d.status === 'active' &&
                    ((manages && !d.isThisDevice && outranks(d)) || d.isThisDevice) && (
                      <button type="button" onClick={() => setConfirming(d)} data-testid="sync-revoke">
                        {d.isThisDevice ? t('sync.leave') : t('sync.revoke')}
                      </button>
                    )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manages && (
        <div data-testid="sync-rotate">
          <h3>{t('sync.rotateTitle')}</h3>
          <p className="muted small">{t('sync.rotateIntro')}</p>
          <div className="row">
            {/* aria-disabled, not disabled: a button Chromium disables loses focus to <body>. */}
            <button
              type="button"
              aria-disabled={busy}
              onClick={() => !busy && void act(async () => setRotated((await call('sync.rotateKey')).epoch))}
              data-testid="sync-rotate-key"
            >
              {busy ? t('common.working') : t('sync.rotateButton')}
            </button>
          </div>
          {rotated !== null && (
            <p role="status" className="muted small">
              {t('sync.rotated', { epoch: rotated })}
            </p>
          )}
        </div>
      )}
      {confirming && (
        <ConfirmRevoke
          device={confirming}
          busy={busy}
          onConfirm={() => {
            afterRevoke.current = true;
            void act(() => call('devices.revoke', { deviceId: confirming.deviceId }));
          }}
          onCancel={() => setConfirming(null)}
        />
      )}
    </section>
  );
}

function ConfirmRevoke(props: {
  device: SyncDevice;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const dialogRef = useRef<HTMLDivElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  // Focus starts on the safe choice and returns where it came from (or the devices heading) on close.
  useFocusBack(devicesHeading);
  useEffect(() => {
    cancelRef.current?.focus();
  }, []);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape' && !composing(e)) {
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
        <h2 id="revoke-title">
          {props.device.isThisDevice
            ? t('sync.leaveTitle')
            : t('sync.revokeTitle', { device: props.device.name })}
        </h2>
        <p id="revoke-body">{props.device.isThisDevice ? t('sync.leaveBody') : t('sync.revokeBody')}</p>
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
