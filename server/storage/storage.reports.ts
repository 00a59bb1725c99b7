import type { StorageUsage, WorkspaceSummary } from './storage';
import { row, rows, type Work } from './storage.sql';

/**
 * Read-only reports for operators (the admin CLI), in SQL both dialects run: counts and sizes only,
 * never an envelope, key or invite secret. Full scans of the delta log, so not for request paths.
 */

interface WorkspaceRow {
  workspace_id: string;
  created_at: number;
  deltas: number;
  devices: number;
  active_devices: number;
  bytes: number;
}

interface UsageRow {
  workspaces: number;
  devices: number;
  active_devices: number;
  deltas: number;
  bytes: number;
  open_invites: number;
}

export function* listWorkspacesWork(): Work<WorkspaceSummary[]> {
  const r = yield* rows<WorkspaceRow>(
    `SELECT w.workspace_id, w.created_at, w.last_seq AS deltas,
       (SELECT COUNT(*) FROM devices d WHERE d.workspace_id = w.workspace_id) AS devices,
       (SELECT COUNT(*) FROM devices d WHERE d.workspace_id = w.workspace_id AND d.status = 'active') AS active_devices,
       (SELECT COALESCE(SUM(length(x.envelope)), 0) FROM deltas x WHERE x.workspace_id = w.workspace_id) AS bytes
     FROM workspaces w ORDER BY w.created_at, w.workspace_id`,
    [],
  );
  return r.map((w) => ({
    workspaceId: w.workspace_id,
    createdAt: Number(w.created_at),
    devices: Number(w.devices),
    activeDevices: Number(w.active_devices),
    deltas: Number(w.deltas),
    bytes: Number(w.bytes),
  }));
}

export function* usageWork(now: number): Work<StorageUsage> {
  const u = yield* row<UsageRow>(
    `SELECT (SELECT COUNT(*) FROM workspaces) AS workspaces,
       (SELECT COUNT(*) FROM devices) AS devices,
       (SELECT COUNT(*) FROM devices WHERE status = 'active') AS active_devices,
       (SELECT COUNT(*) FROM deltas) AS deltas,
       (SELECT COALESCE(SUM(length(envelope)), 0) FROM deltas) AS bytes,
       (SELECT COUNT(*) FROM invites WHERE used_by IS NULL AND expires_at > ?) AS open_invites`,
    [now],
  );
  if (!u) throw new Error('usage query returned no row');
  const devices = Number(u.devices);
  const active = Number(u.active_devices);
  return {
    workspaces: Number(u.workspaces),
    devices,
    activeDevices: active,
    revokedDevices: devices - active,
    deltas: Number(u.deltas),
    bytes: Number(u.bytes),
    openInvites: Number(u.open_invites),
  };
}
