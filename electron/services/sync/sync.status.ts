import type { SyncStatus } from '../../../shared/sync/sync.contract';
import type { IntegrityReport } from './sync.chain';
import type { WorkspaceRow } from './sync.repository';
import { integrityOf } from './sync.warnings';

/** The part of the status the engine keeps itself (the rest is read from the vault). */
export type EngineState = Pick<SyncStatus, 'state' | 'progress' | 'nextRetryAt' | 'error'>;

/** After a verified revocation wiped the vault: the status stays on this. */
export const REVOKED_STATE: EngineState = {
  state: 'error',
  progress: null,
  nextRetryAt: null,
  error: {
    code: 'DEVICE_REVOKED',
    message: 'This device was revoked (signed by an admin): its vault has been wiped',
  },
};

/** What a status is made of; `integrity` and `counts` are read only when they can matter. */
export interface StatusView {
  readonly ws: WorkspaceRow | null;
  /** This device was revoked and its vault wiped: nothing local is left to count. */
  readonly revoked: boolean;
  readonly state: EngineState;
  readonly impersonated: number;
  integrity(): IntegrityReport;
  counts(): { readonly pending: number; readonly rejected: number; readonly quarantined: number };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The sync status the renderer shows (`sync.status`, `sync.statusChanged`). */
export function statusOf(view: StatusView): SyncStatus {
  const { ws, revoked, state } = view;
  const integrity: SyncStatus['integrity'] =
    revoked || !ws ? { state: 'ok', devices: [], detectedAt: null } : integrityOf(view.integrity());
  const counts = revoked ? { pending: 0, rejected: 0, quarantined: 0 } : view.counts();
  return {
    state: ws || revoked ? state.state : 'not_configured',
    workspaceId: ws?.workspaceId ?? null,
    pending: counts.pending,
    lastSyncAt: iso(ws?.lastSyncAt ?? null),
    progress: state.progress,
    nextRetryAt: state.nextRetryAt,
    error: state.error,
    rejectedDeltas: counts.rejected,
    quarantinedOps: counts.quarantined,
    integrity,
    impersonatedOps: view.impersonated,
  };
}
