import type { AppError } from '../../../shared/errors';
import type { SyncStatus } from '../../../shared/sync/sync.contract';
import type { IntegrityReport } from './sync.chain';
import type { PullReport } from './sync.inbox';

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The integrity part of the status. */
export function integrityOf(report: IntegrityReport): SyncStatus['integrity'] {
  return { state: report.state, devices: [...report.devices], detectedAt: iso(report.detectedAt) };
}

/** What the status says about broken chains (null when whole). */
export function integrityWarning(report: IntegrityReport): SyncStatus['error'] {
  if (report.state === 'rollback')
    return { code: 'SERVER_ROLLBACK', message: "The server's log moved backwards: run the guided re-sync" };
  if (report.state === 'gap') {
    const missing = report.devices.reduce((n, d) => n + d.missing, 0) + report.forks;
    return { code: 'SYNC_GAP', message: `${missing} change set(s) are missing from the server's log` };
  }
  return null;
}

/** The most important non-fatal finding of one pull, for the idle status (counts only, never values). */
export function pullWarning(report: PullReport): SyncStatus['error'] {
  const integrity = integrityWarning(report.integrity);
  if (integrity) return integrity;
  if (report.impersonation > 0 || report.unauthorised > 0)
    return {
      code: 'DELTA_REJECTED',
      message: `${report.impersonation} op(s) claimed another device's identity and ${report.unauthorised} delta(s) had no valid member signature: refused`,
    };
  if (report.rejected > 0)
    return {
      code: 'DELTA_REJECTED',
      message: `${report.rejected} delta(s) failed to authenticate or apply and were skipped`,
    };
  if (report.skewed > 0)
    return { code: 'CLOCK_SKEW', message: `${report.skewed} op(s) stamped too far ahead were quarantined` };
  return null;
}

/** The sync state a failure leaves. */
export function stateFor(e: AppError): SyncStatus['state'] {
  if (e.code === 'SYNC_OFFLINE') return 'offline';
  if (e.code === 'SYNC_LOCKED_OUT') return 'locked_out';
  return 'error';
}
