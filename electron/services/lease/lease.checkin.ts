import { AppError } from '../../../shared/errors';
import { SERVER_TIME_HEADER } from '../../../shared/sync/signing';
import { SyncApiClient } from '../../../shared/sync/sync.client';
import type { Db } from '../db/database';
import { fetchTransport } from '../sync/sync.http';
import { SyncRepository } from '../sync/sync.repository';

/** How long a check-in may take before it counts as "server unreachable". */
const CHECK_IN_TIMEOUT_MS = 15_000;

/** The workspace this vault belongs to, or null (no server to check in with). */
export function workspaceOf(db: Db): { workspaceId: string; deviceId: string; serverUrl: string } | null {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_workspace'")
    .get();
  return table ? new SyncRepository(db).workspace() : null;
}

/**
 * One signed request to this vault's sync server as this device (`GET …/me`), with the device's
 * signing key read from the vault and zeroed afterwards. Resolves with the server's clock when the
 * server answered this device as an active member of its workspace; otherwise rejects with the typed
 * error (`SYNC_OFFLINE`, `DEVICE_REVOKED`, …). The server's bare word is what a lease needs: the
 * lease asks "has this device been in touch with its organization", not "is every entry verified".
 */
export async function checkIn(db: Db, now: () => number, signal?: AbortSignal): Promise<number> {
  const repo = new SyncRepository(db);
  const ws = repo.workspace();
  if (!ws) throw new AppError('NOT_FOUND', 'This vault is not part of a workspace');
  const rows = repo.keys();
  const sign = rows.find((r) => r.kind === 'sign');
  const signSecretKey = new Uint8Array(sign?.secret ?? new Uint8Array(0));
  for (const r of rows) r.secret.fill(0);
  if (signSecretKey.length === 0) throw new AppError('KEY_MISSING', 'The device key is missing');
  let serverTime: number | null = null;
  const base = fetchTransport({ timeoutMs: CHECK_IN_TIMEOUT_MS, signals: signal ? [signal] : [] });
  const api = new SyncApiClient(
    ws.serverUrl,
    async (request) => {
      const response = await base(request);
      const t = Number(response.headers.get(SERVER_TIME_HEADER));
      if (Number.isSafeInteger(t) && t > 0) serverTime = t;
      return response;
    },
    { deviceId: ws.deviceId, signSecretKey },
    now,
  );
  try {
    const me = await api.me(ws.workspaceId);
    if (me.device.deviceId !== ws.deviceId || me.device.workspaceId !== ws.workspaceId) {
      throw new AppError('FORBIDDEN', 'The server answered for another device');
    }
    if (me.device.status !== 'active' || me.device.revokedAt !== null) {
      throw new AppError('DEVICE_REVOKED', 'The server says this device was revoked');
    }
    return serverTime ?? now();
  } finally {
    signSecretKey.fill(0);
  }
}
