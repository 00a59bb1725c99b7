import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Cluster,
  formWorkspace,
  startServerAt,
  stopChild,
  type HostProcess,
  type RestartableServer,
} from './support/processes';

/**
 * Issue 12 acceptance, black box: the real sync server and three dev hosts (the shipped composition
 * root behind JSON-RPC). B is revoked while offline and never comes back; A (the owner) revokes it,
 * which rotates the workspace key at once, and pushes 1,000 deltas. Then B's keys (taken from its
 * vault with the OS keychain, as whoever kept the laptop would) and a copy of the server's SQLite
 * file go to a decryption script (`tools/epoch-attack.ts`) that tries every key it has on every
 * delta: none of the new ones opens. C, offline with pending edits during the rotation, catches up
 * without losing them.
 */

const run = promisify(execFile);
const NEW_DELTAS = 1_000;

const cluster = new Cluster();
let server: RestartableServer;
let a: HostProcess;
let b: HostProcess;
let c: HostProcess;

/** The server's SQLite file (server.main's default store under `--data`). */
const serverDb = () => path.join(server.dataDir, 'sync.sqlite');

function serverDeltaCount(): number {
  const db = new Database(serverDb(), { readonly: true });
  try {
    return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM deltas').get()!.n;
  } finally {
    db.close();
  }
}

/** Key epochs of every delta C pushed, as the server stores them (header byte 1..4; public). */
function epochsOfDevice(deviceId: string): number[] {
  const db = new Database(serverDb(), { readonly: true });
  try {
    return db
      .prepare<[string], { envelope: Buffer }>('SELECT envelope FROM deltas WHERE device_id = ? ORDER BY seq')
      .all(deviceId)
      .map((r) => r.envelope.readUInt32BE(1));
  } finally {
    db.close();
  }
}

async function thisDevice(host: HostProcess): Promise<string> {
  return (await host.call('devices.list')).find((d) => d.isThisDevice)!.deviceId;
}

beforeAll(async () => {
  server = await startServerAt(mkdtempSync(path.join(cluster.root, 'server-')), 0);
  [a, b, c] = await Promise.all([cluster.startHost('A'), cluster.startHost('B'), cluster.startHost('C')]);
  await formWorkspace(server.url, a, [b, c]);
}, 120_000);

afterAll(async () => {
  await stopChild(server.child);
  await cluster.stop();
}, 30_000);

describe('issue 12: a revoked device reads nothing pushed after its revocation', () => {
  it('revoke offline B, push 1,000 deltas: 0 of them open with B`s keys; offline C catches up with its edits', async () => {
    for (let i = 0; i < 5; i++) await a.call('contacts.create', { name: `Before ${i}` });
    await a.call('sync.now');
    await b.call('sync.now');
    expect((await b.call('contacts.list', { limit: 50 })).total).toBe(5);
    const deviceB = await thisDevice(b);
    const deviceC = await thisDevice(c);

    // B goes offline for good (its laptop kept by someone); C goes offline with edits to push later.
    await stopChild(b.child);
    await stopChild(server.child);
    for (let i = 0; i < 3; i++) await c.call('contacts.create', { name: `C offline ${i}` });
    await c.attempt('sync.now');
    await stopChild(c.child);
    server = await startServerAt(server.dataDir, server.port);

    const revoked = await a.call('devices.revoke', { deviceId: deviceB });
    expect(revoked.status).toBe('revoked');
    const before = serverDeltaCount();
    let created = 0;
    while (serverDeltaCount() - before < NEW_DELTAS) {
      await a.call('contacts.create', { name: `After ${created++}` });
      await a.call('sync.now');
    }
    const after = serverDeltaCount();
    expect(after - before).toBeGreaterThanOrEqual(NEW_DELTAS);

    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'tools/epoch-attack.ts', '--device', b.dataDir, '--server-db', serverDb()],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const report = JSON.parse(stdout) as { keys: number; deltas: number; opened: number[] };
    expect(report.keys).toBe(1);
    expect(report.deltas).toBe(after);
    // The script works: what B could read before its revocation opens.
    expect(report.opened.length).toBeGreaterThan(0);
    const newlyOpened = report.opened.filter((seq) => seq > before);
    expect(newlyOpened, 'deltas pushed after the revocation that B`s keys open').toEqual([]);

    // C comes back: its offline edits are sealed under the new epoch and reach A; it reads A's.
    c = await cluster.startHost('C', { dataDir: c.dataDir });
    await c.call('vault.unlock');
    const status = await c.call('sync.now');
    expect(status.error).toBeNull();
    expect(status.pending).toBe(0);
    const epochsC = epochsOfDevice(deviceC);
    expect(epochsC.length).toBeGreaterThan(0);
    expect(epochsC.every((e) => e === 2)).toBe(true);
    await a.call('sync.now');
    const onA = await a.call('search.query', { q: 'offline', limit: 10, entities: ['contact'] });
    expect(onA.hits.map((h) => h.title.map((t) => t.text).join('')).sort()).toEqual([
      'C offline 0',
      'C offline 1',
      'C offline 2',
    ]);
    expect((await c.call('contacts.list', { limit: 1 })).total).toBe(5 + 3 + created);
  }, 600_000);
});
