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

/** Faults the test server injects before its handlers run (each counts down to 0). */
export interface ServerFaults {
  /** Drops the connection of the next N pushes (`POST …/deltas`). */
  dropPushes: number;
  /** Drops the connection of the next N membership log fetches. */
  dropMembershipGets: number;
}

/** A real sync server on SQLite in a temporary directory, on loopback, and the devices a test makes. */
export interface SqliteTestServer {
  readonly url: string;
  /** The server's storage, for reading what it holds. */
  readonly storage: SqliteSyncStorage;
  /** Switchable network faults (none by default). */
  readonly faults: ServerFaults;
  /** Makes a device of the shipped composition with a real keychain entry (ended by `close`). */
  client(name: string, options?: Parameters<typeof createClient>[3]): Promise<TestClient>;
  /** Ends the devices, then the server, and removes the directory. */
  close(): Promise<void>;
}

export async function startSqliteServer(prefix: string): Promise<SqliteTestServer> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const storage = SqliteSyncStorage.open(path.join(dir, 'sync.sqlite'));
  const app = await createSyncServer({ storage });
  const faults: ServerFaults = { dropPushes: 0, dropMembershipGets: 0 };
  app.addHook('preHandler', (request, _reply, done) => {
    const push = request.method === 'POST' && request.url.endsWith('/deltas');
    const membership = request.method === 'GET' && request.url.includes('/membership');
    if ((push && faults.dropPushes > 0) || (membership && faults.dropMembershipGets > 0)) {
      if (push) faults.dropPushes--;
      else faults.dropMembershipGets--;
      request.raw.socket.destroy();
      done(new Error('connection dropped'));
      return;
    }
    done();
  });
  const { url } = await listenLoopback(app);
  const clients: TestClient[] = [];
  return {
    url,
    storage,
    faults,
    async client(name, options) {
      const c = await createClient(name, mkdtempSync(path.join(dir, `${name}-`)), realKeychain(), options);
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
