import { useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import type { BackupInfo } from '../../../shared/ipc/channels/vault.channels';
import { managedSettings } from '../../../shared/policy/policy.settings';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { focusLost } from '../focus';
import { formatBytes, formatDateTime } from '../format';
import { usePolicy } from '../policy';
import { useSettingsStore } from '../settings.store';
import { useVaultStore } from '../vault.store';
import { ConfirmInline } from './ConfirmInline';
import { RestoreSummaryText } from './RestoreNotice';
import { useRestoreStore } from './restore.store';
import { DirectoryField, LimitField } from './backups.fields';

type Done = { key: 'settings.backupDone' | 'backups.deleted' | 'backups.imported'; count?: number };

type Confirm =
  | { kind: 'restore' | 'delete'; backup: BackupInfo }
  | { kind: 'older'; before: string }
  | { kind: 'purgeErased' }
  | null;

/**
 * Backup and restore in Settings: back up now, the backups whose every byte verifies (date, size, app
 * version), restore with what it brought back, delete one or all older than a date, retention and the
 * backup folder (locked where IT manages them), and adding a backup carried on a USB stick.
 */
export function BackupsPanel() {
  const { t } = useTranslation();
  const policy = usePolicy();
  const locked = new Set(managedSettings(policy?.managed ?? []));
  const lastRestore = useRestoreStore((s) => s.last);
  const settings = useSettingsStore((s) => s.settings);
  const [backups, setBackups] = useState<BackupInfo[]>([]);
  const [busy, setBusy] = useState(false);
  // What the last action did, as a catalogue key (rendered in the current language).
  const [done, setDone] = useState<Done | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [olderThan, setOlderThan] = useState('');
  const [importPath, setImportPath] = useState('');
  // Only for a backup made before the recovery code was renewed (its wrap opens with the old code).
  const [oldCode, setOldCode] = useState('');
  const [version, setVersion] = useState(0);
  const olderId = useId();
  const importId = useId();
  const doneRef = useRef<HTMLSpanElement>(null);
  // Set by a finished action: a deleted backup's row takes its buttons, and focus with them.
  const settle = useRef(false);

  useEffect(() => {
    call('vault.listBackups').then(setBackups, (e: unknown) => setError(errorInfo(e)));
  }, [version]);

  // Once the list shows the outcome, focus that fell to <body> goes to what the action did (in the
  // commit, before the app root's rescue looks).
  useLayoutEffect(() => {
    if (!settle.current) return;
    settle.current = false;
    if (focusLost()) doneRef.current?.focus();
  }, [backups]);

  const run = async (fn: () => Promise<Done | null>) => {
    setBusy(true);
    setDone(null);
    setError(null);
    try {
      setDone(await fn());
      setConfirm(null);
      settle.current = true;
      setVersion((v) => v + 1);
    } catch (e) {
      setError(errorInfo(e));
    } finally {
      setBusy(false);
    }
  };

  const restore = (backupId: string) =>
    run(async () => {
      const code = oldCode.trim();
      const result = await call('vault.restore', code ? { backupId, recoveryCode: code } : { backupId });
      setOldCode('');
      useRestoreStore.setState({ last: result.restored });
      if (result.state !== 'unlocked') useVaultStore.getState().lockedElsewhere();
      return null;
    });

  return (
    <section className="panel" aria-labelledby="backup-title" data-testid="backups-panel">
      <h2 id="backup-title">{t('settings.backupTitle')}</h2>
      <p className="muted">{t('backups.intro')}</p>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      {lastRestore && (
        <p role="status" className="ok" data-testid="restore-result">
          <RestoreSummaryText summary={lastRestore} />
        </p>
      )}
      <div className="row">
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              await call('vault.backup');
              return { key: 'settings.backupDone' };
            })
          }
          data-testid="backup-now"
        >
          {busy ? t('settings.backingUp') : t('settings.backupNow')}
        </button>
        {done && (
          <span role="status" className="ok" tabIndex={-1} ref={doneRef} data-testid="backup-done">
            {t(done.key, { count: done.count })}
          </span>
        )}
      </div>

      <h3>{t('settings.backupList')}</h3>
      {backups.length === 0 ? (
        <p className="muted">{t('settings.backupEmpty')}</p>
      ) : (
        <table className="table" data-testid="backup-list">
          <thead>
            <tr>
              <th scope="col">{t('settings.backupDate')}</th>
              <th scope="col">{t('settings.backupSize')}</th>
              <th scope="col">{t('backups.appVersion')}</th>
              <th scope="col">{t('backups.check')}</th>
              <th scope="col">
                <span className="sr-only">{t('backups.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {backups.map((b) => (
              <tr key={b.backupId} data-testid={`backup-${b.backupId}`}>
                <td>
                  {formatDateTime(b.createdAt)}
                  {b.backupId.startsWith('pre-restore-') && (
                    <span className="badge"> {t('backups.preRestore')}</span>
                  )}
                  {b.containsErased && (
                    <span className="badge" data-testid="backup-contains-erased">
                      {' '}
                      {t('backups.containsErased')}
                    </span>
                  )}
                </td>
                <td>{formatBytes(b.bytes)}</td>
                <td>{b.appVersion ?? t('backups.versionUnknown')}</td>
                <td>
                  {b.verified
                    ? t('backups.verified')
                    : b.needsCode
                      ? t('backups.needsCode')
                      : t('backups.notVerified')}
                </td>
                <td>
                  {confirm &&
                  (confirm.kind === 'restore' || confirm.kind === 'delete') &&
                  confirm.backup.backupId === b.backupId ? (
                    <ConfirmInline
                      label={t(`backups.${confirm.kind}Title`)}
                      question={
                        confirm.kind === 'restore'
                          ? t('settings.restoreConfirm', { date: formatDateTime(b.createdAt) })
                          : t('backups.deleteConfirm', { date: formatDateTime(b.createdAt) })
                      }
                      yes={confirm.kind === 'restore' ? t('settings.restoreYes') : t('backups.deleteYes')}
                      busy={busy}
                      onYes={() =>
                        void (confirm.kind === 'restore'
                          ? restore(b.backupId)
                          : run(async () => {
                              await call('vault.deleteBackup', { backupId: b.backupId });
                              return { key: 'backups.deleted', count: 1 };
                            }))
                      }
                      onCancel={() => setConfirm(null)}
                    >
                      {confirm.kind === 'restore' && (
                        <details open={b.needsCode}>
                          <summary>{t('backups.oldCode')}</summary>
                          <input
                            aria-label={t('backups.oldCode')}
                            value={oldCode}
                            autoComplete="off"
                            spellCheck={false}
                            data-testid="restore-old-code"
                            onChange={(e) => setOldCode(e.target.value)}
                          />
                          <p className="muted">{t('backups.oldCodeHelp')}</p>
                        </details>
                      )}
                    </ConfirmInline>
                  ) : (
                    <span className="row">
                      <button type="button" onClick={() => setConfirm({ kind: 'restore', backup: b })}>
                        {t('settings.restore')}
                      </button>
                      <button type="button" onClick={() => setConfirm({ kind: 'delete', backup: b })}>
                        {t('backups.delete')}
                      </button>
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {backups.some((b) => b.containsErased) && (
        <div className="field" data-testid="purge-erased">
          <p className="muted">{t('backups.containsErasedHelp')}</p>
          {confirm?.kind === 'purgeErased' ? (
            <ConfirmInline
              label={t('backups.purgeErased')}
              question={t('backups.purgeErasedConfirm', {
                count: backups.filter((b) => b.containsErased).length,
              })}
              yes={t('backups.deleteYes')}
              busy={busy}
              onYes={() =>
                void run(async () => {
                  const { deleted } = await call('vault.purgeErasedBackups');
                  return { key: 'backups.deleted', count: deleted };
                })
              }
              onCancel={() => setConfirm(null)}
            />
          ) : (
            <button
              type="button"
              className="danger"
              data-testid="purge-erased-button"
              onClick={() => setConfirm({ kind: 'purgeErased' })}
            >
              {t('backups.purgeErased')}
            </button>
          )}
        </div>
      )}

      <form
        className="field"
        onSubmit={(e) => {
          e.preventDefault();
          if (olderThan)
            setConfirm({ kind: 'older', before: new Date(`${olderThan}T00:00:00`).toISOString() });
        }}
      >
        <label htmlFor={olderId}>{t('backups.olderThan')}</label>
        <div className="row">
          <input
            id={olderId}
            type="date"
            value={olderThan}
            data-testid="delete-older-date"
            onChange={(e) => setOlderThan(e.target.value)}
          />
          {confirm?.kind === 'older' ? (
            <ConfirmInline
              label={t('backups.olderThan')}
              question={t('backups.olderConfirm', { date: formatDateTime(confirm.before) })}
              yes={t('backups.deleteYes')}
              busy={busy}
              onYes={() =>
                void run(async () => {
                  const { deleted } = await call('vault.deleteBackupsBefore', { before: confirm.before });
                  return { key: 'backups.deleted', count: deleted };
                })
              }
              onCancel={() => setConfirm(null)}
            />
          ) : (
            <button type="submit" disabled={!olderThan} data-testid="delete-older">
              {t('backups.deleteOlder')}
            </button>
          )}
        </div>
        <p className="muted">{t('backups.newestKept')}</p>
      </form>

      <h3>{t('backups.retention')}</h3>
      <LimitField
        key={`count-${settings.backupRetentionCount}`}
        field="backupRetentionCount"
        label={t('backups.keepCount')}
        max={365}
        locked={locked.has('backupRetentionCount')}
      />
      <LimitField
        key={`days-${settings.backupRetentionDays}`}
        field="backupRetentionDays"
        label={t('backups.keepDays')}
        max={3650}
        locked={locked.has('backupRetentionDays')}
      />
      <DirectoryField key={settings.backupDirectory ?? ''} locked={locked.has('backupDirectory')} />

      <form
        className="field"
        onSubmit={(e) => {
          e.preventDefault();
          const source = importPath.trim();
          if (source)
            void run(async () => {
              await call('vault.importBackup', { path: source });
              setImportPath('');
              return { key: 'backups.imported' };
            });
        }}
      >
        <label htmlFor={importId}>{t('backups.import')}</label>
        <div className="row">
          <input
            id={importId}
            value={importPath}
            spellCheck={false}
            placeholder="/media/usb/backup-….fvbackup"
            data-testid="import-backup-path"
            onChange={(e) => setImportPath(e.target.value)}
          />
          <button type="submit" disabled={busy || importPath.trim() === ''}>
            {t('backups.importButton')}
          </button>
        </div>
        <p className="muted">{t('backups.importHelp')}</p>
      </form>
    </section>
  );
}
