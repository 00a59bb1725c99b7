import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createSyncServer } from '../../../../../server/app';
import { SqliteSyncStorage } from '../../../../../server/storage/storage.sqlite';
import { realKeychain } from '../../../support/vault';
import { createClient, type TestClient } from './client';

/** Starts the sync server's app on loopback (`port` 0: a free one); returns its base URL and port. */
export async function listenLoopback(app: FastifyInstance, port = 0): Promise<{ url: string; port: number }> {
  await app.listen({ host: '127.0.0.1', port });
  const address = app.server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return { url: `http://127.0.0.1:${address.port}`, port: address.port };
}

/** Ends test devices: their services, keychain entries and data directories. */
export async function disposeClients(clients: readonly TestClient[]): Promise<void> {
  for (const c of clients) {
    await c.dispose();
    const id = c.vaultId();
    if (id) await c.keychain.delete(id);
    rmSync(c.dataDir, { recursive: true, force: true });
  }
}

/** A real sync server on SQLite in a temporary directory, on loopback, and the devices a test makes. */
export interface SqliteTestServer {
  readonly url: string;
  /** Makes a device of the shipped composition with a real keychain entry (ended by `close`). */
  client(name: string): Promise<TestClient>;
  /** Ends the devices, then the server, and removes the directory. */
  close(): Promise<void>;
}

export async function startSqliteServer(prefix: string): Promise<SqliteTestServer> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const storage = SqliteSyncStorage.open(path.join(dir, 'sync.sqlite'));
  const app = await createSyncServer({ storage });
  const { url } = await listenLoopback(app);
  const clients: TestClient[] = [];
  return {
    url,
    async client(name) {
      const c = await createClient(name, mkdtempSync(path.join(dir, `${name}-`)), realKeychain());
      clients.push(c);
      return c;
    },
    async close() {
      await disposeClients(clients);
      await app.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
