import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomId } from '../../../shared/sync/device-keys';
import { syncPath, syncRoutes } from '../../../shared/sync/routes';
import { SqliteSyncStorage } from '../../../server/storage/storage.sqlite';
import { listen, type RunningServer } from './harness';
import { TestDevice } from './sync-client';

/**
 * Issue 11 (server hardening): a request signed by a key made up on the spot must not write to
 * storage until what makes it legitimate (the invite proof) has been checked. Before, previewing or
 * accepting random invite ids stored one nonce row per request.
 */
describe('self-signed invite routes store nothing before the invite proof verifies', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fv-nonce-'));
  const file = path.join(dir, 'sync.sqlite');
  let server: RunningServer;
  let storage: SqliteSyncStorage;
  beforeAll(async () => {
    storage = SqliteSyncStorage.open(file);
    server = await listen({ storage });
  });
  afterAll(async () => {
    await server.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const nonces = () => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM nonces').get()!.n;
    } finally {
      db.close();
    }
  };

  it('previews and acceptances of unknown invites by throwaway keys add no nonce rows', async () => {
    const owner = new TestDevice(server.url);
    await owner.createWorkspace();
    const before = nonces();
    for (let i = 0; i < 20; i++) {
      const stranger = new TestDevice(server.url);
      const inviteId = randomId();
      const body = { device: stranger.registration(), proof: 'A'.repeat(86) };
      const preview = await stranger.call('POST', syncPath(syncRoutes.previewInvite, { inviteId }), body);
      expect(preview.status).toBe(404);
      const accept = await stranger.call('POST', syncPath(syncRoutes.acceptInvite, { inviteId }), {
        ...body,
        entry: owner.signEntry({ kind: 'revoke', deviceId: owner.deviceId }),
      });
      expect(accept.status).toBe(404);
    }
    expect(nonces()).toBe(before);
    // A real invite still works, and its accepted request is single-use (its nonce is stored then).
    const joiner = new TestDevice(server.url);
    expect((await joiner.accept(await owner.invite())).status).toBe(200);
    expect(nonces()).toBeGreaterThan(before);
  });
});
