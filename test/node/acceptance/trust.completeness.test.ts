import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../../shared/sync/sync.contract';
import { requireCluster, usePostgresCluster } from '../server/backends';
import {
  Cluster,
  formWorkspace,
  startServerAt,
  stopChild,
  waitFor,
  type HostProcess,
  type RestartableServer,
} from './support/processes';
import { postgresStore, sqliteStore, type ServerStore } from './support/storage.control';

/**
 * Issue 11 item 4 acceptance, black box: a real sync server process (SQLite, then PostgreSQL) and
 * three real dev hosts over JSON-RPC. The server's storage drops a delta (deleted as it is
 * written), and separately is rolled back (stopped, an earlier copy restored, restarted). Every
 * client must report it in `sync.status`, and after the guided `sync.resync` every client holds
 * every record: nothing is lost.
 */

usePostgresCluster();

const SETTLE_MS = 60_000;

interface Backend {
  readonly name: 'sqlite' | 'postgres';
  store(serverDataDir: string): Promise<ServerStore>;
}

let databases = 0;
const backends: Backend[] = [
  { name: 'sqlite', store: (dir) => Promise.resolve(sqliteStore(dir)) },
  {
    name: 'postgres',
    async store() {
      const cluster = requireCluster();
      const name = `fv_complete_${process.pid}_${++databases}`;
      await cluster.createDatabase(name);
      return postgresStore(cluster.port, name);
    },
  },
];

describe.each(backends)('issue 11: a dropped delta and a storage rollback ($name)', (backend) => {
  const cluster = new Cluster();
  let store: ServerStore;
  let server: RestartableServer | undefined;
  let serverDir = '';
  let hosts: HostProcess[] = [];
  /** Every record any host created, by id, with the name it was given. */
  const written = new Map<string, string>();

  async function restart(between?: () => Promise<void>): Promise<void> {
    const port = server!.port;
    await stopChild(server!.child);
    await between?.();
    server = await startServerAt(serverDir, port, store.args);
  }

  async function create(host: HostProcess, name: string): Promise<string> {
    const { id } = await host.call('contacts.create', { name: `${name} (${backend.name})` });
    written.set(id, `${name} (${backend.name})`);
    return id;
  }

  /** Ids among `ids` that `host` does not hold (yet). */
  async function missingOn(host: HostProcess, ids: Iterable<string>): Promise<string[]> {
    const missing: string[] = [];
    for (const id of ids) {
      const got = await host.attempt('contacts.get', { id });
      if (!got.ok || got.result.name !== written.get(id)) missing.push(id);
    }
    return missing;
  }

  /** Syncs every host until each holds `ids` (the hosts also sync in the background). */
  async function converge(ids: Iterable<string>, label: string): Promise<void> {
    const list = [...ids];
    const done = await waitFor(async () => {
      for (const h of hosts) await h.attempt('sync.now');
      for (const h of hosts) if ((await missingOn(h, list)).length > 0) return false;
      return true;
    }, SETTLE_MS);
    const report: string[] = [];
    for (const h of hosts) report.push(`${h.name}: ${(await missingOn(h, list)).length} missing`);
    expect(done, `${label}: ${report.join(', ')}`).toBe(true);
  }

  /** Polls `sync.status` (syncing first) until `accept` holds; returns the last status. */
  async function statusUntil(host: HostProcess, accept: (s: SyncStatus) => boolean): Promise<SyncStatus> {
    let last = await host.call('sync.status');
    await waitFor(async () => {
      await host.attempt('sync.now');
      last = await host.call('sync.status');
      return accept(last);
    }, SETTLE_MS);
    return last;
  }

  beforeAll(async () => {
    serverDir = mkdtempSync(path.join(cluster.root, 'server-'));
    store = await backend.store(serverDir);
    server = await startServerAt(serverDir, 0, store.args);
    hosts = await Promise.all(['A', 'B', 'C'].map((n) => cluster.startHost(n)));
    await formWorkspace(server.url, hosts[0]!, hosts.slice(1));
    for (const h of hosts) await create(h, `${h.name} first`);
    await converge(written.keys(), 'first records');
  }, 180_000);

  afterAll(async () => {
    if (server) await stopChild(server.child);
    await cluster.stop();
  }, 60_000);

  it('a dropped delta is reported on every client and the guided re-sync recovers it', async () => {
    const [a, b, c] = hosts as [HostProcess, HostProcess, HostProcess];
    for (const h of hosts) expect((await h.call('sync.status')).integrity.state, h.name).toBe('ok');
    await store.armDrop();
    const rows = await store.deltaRows();
    const lost = await create(a, 'A dropped');
    expect(await waitFor(() => store.dropped(), SETTLE_MS), 'the store dropped the next delta').toBe(true);
    expect(await store.deltaRows(), 'the dropped delta left no row').toBe(rows);
    const later = await create(a, 'A after the drop');
    await converge([later], 'the delta after the drop');

    for (const h of hosts) {
      const status = await statusUntil(h, (s) => s.integrity.state === 'gap');
      expect(status.integrity.state, `${h.name} reports the gap`).toBe('gap');
      expect(
        status.integrity.devices.reduce((n, d) => n + d.missing, 0),
        `${h.name} missing`,
      ).toBe(1);
      expect(status.integrity.detectedAt, `${h.name} detectedAt`).not.toBeNull();
      expect(status.error?.code, `${h.name} status code`).toBe('SYNC_GAP');
    }
    for (const h of [b, c])
      expect(await missingOn(h, [lost]), `${h.name} lacks the dropped record`).toEqual([lost]);

    // The guided re-sync on every client; A's pushes its lost delta again, B's and C's then close.
    for (const h of [b, c, a]) {
      const resynced = await h.attempt('sync.resync');
      expect(resynced.ok ? 'ok' : resynced.code, `${h.name} sync.resync`).toBe('ok');
    }
    await converge(written.keys(), 'after the re-sync');
    for (const h of hosts) {
      const status = await statusUntil(h, (s) => s.integrity.state === 'ok' && s.pending === 0);
      expect(status.integrity, `${h.name} integrity after the re-sync`).toMatchObject({
        state: 'ok',
        devices: [],
      });
      expect(status.pending, `${h.name} pending`).toBe(0);
    }
  }, 240_000);

  it('a storage rollback is reported on every client and the guided re-sync loses nothing', async () => {
    const [, b] = hosts as [HostProcess, HostProcess, HostProcess];
    await converge(written.keys(), 'before the snapshot');
    await restart(() => store.snapshot());
    for (const h of hosts) await create(h, `${h.name} after the snapshot`);
    await converge(written.keys(), 'after the snapshot');
    // The operator restores the earlier copy: the log loses every delta since.
    const rowsBefore = await store.deltaRows();
    await restart(() => store.restore());
    expect(await store.deltaRows(), 'the restored store holds fewer deltas').toBeLessThan(rowsBefore);

    for (const h of hosts) {
      const status = await statusUntil(h, (s) => s.integrity.state === 'rollback');
      expect(status.integrity.state, `${h.name} reports the rollback (${JSON.stringify(status.error)})`).toBe(
        'rollback',
      );
      expect(status.integrity.detectedAt, `${h.name} detectedAt`).not.toBeNull();
      expect(status.error?.code, `${h.name} status code`).toBe('SERVER_ROLLBACK');
    }
    // Editing goes on while the server is rolled back; nothing local is lost.
    await create(b, 'B during the rollback');

    for (const h of hosts) {
      const resynced = await h.attempt('sync.resync');
      expect(resynced.ok ? 'ok' : resynced.code, `${h.name} sync.resync`).toBe('ok');
    }
    await converge(written.keys(), 'after the re-sync');
    for (const h of hosts) {
      const status = await statusUntil(h, (s) => s.integrity.state === 'ok' && s.pending === 0);
      expect(status.integrity.state, `${h.name} integrity after the re-sync`).toBe('ok');
      expect(status.pending, `${h.name} pending`).toBe(0);
      expect(await missingOn(h, written.keys()), `${h.name} holds every record`).toEqual([]);
    }
  }, 300_000);
});
