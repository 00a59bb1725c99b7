import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCompaction } from '../../../shared/sync/compaction';
import { syncPath, syncRoutes } from '../../../shared/sync/routes';
import type { ScanReport } from '../../../tools/erasure-scan';
import { errorCode, TestDevice } from '../server/sync-client';
import { Cluster, startServerAt, stopChild, type HostProcess } from './support/processes';

/**
 * Issue 12 item 3 acceptance, black box: the real sync server and dev hosts. A (owner) holds a
 * person (name, e-mail, phone) that reached the server and a snapshot; B (member) goes offline with
 * an edit of its own. A hostile member (a hand-made client holding a member device's keys) asks the
 * server to compact: refused, nothing deleted. A runs `privacy.erasePerson` and syncs: it makes a
 * snapshot without the person, compacts the server's log and rotates the key. Then a decryption
 * script (`tools/erasure-scan.ts`) opens every delta and snapshot chunk of the server's storage
 * with every epoch key A holds: 0 matches for the person, while it found all three before the
 * erase. D joins afterwards: the person is nowhere in its vault (the same script searches every
 * table). B comes back: its cursor is inside the compacted range, so it re-bootstraps from the
 * snapshot instead of reporting a gap, and its offline edit reaches A.
 */

const run = promisify(execFile);
const cluster = new Cluster();
let server: Awaited<ReturnType<typeof startServerAt>>;
let a: HostProcess;
let b: HostProcess;

const NAME = 'Philippa Erasmus-Quill';
const EMAIL = 'philippa.quill@erase-me.example';
const PHONE = '+44 7700 900417';
const needles = [NAME, EMAIL, PHONE];

const serverDb = () => path.join(server.dataDir, 'sync.sqlite');

function readDb<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(serverDb(), { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const deltaCount = () =>
  readDb((db) => db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM deltas').get()!.n);

async function scan(device: HostProcess, vault?: HostProcess): Promise<ScanReport> {
  const args = [
    '--import',
    'tsx',
    'tools/erasure-scan.ts',
    '--device',
    device.dataDir,
    '--server-db',
    serverDb(),
  ];
  for (const n of needles) args.push('--needle', n);
  if (vault) args.push('--vault', vault.dataDir);
  const { stdout } = await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as ScanReport;
}

beforeAll(async () => {
  server = await startServerAt(mkdtempSync(path.join(cluster.root, 'server-')), 0);
  [a, b] = await Promise.all([cluster.startHost('A'), cluster.startHost('B')]);
  await a.call('vault.setup');
  await a.call('workspace.create', { serverUrl: server.url, name: 'Erasure team' });
  const { code } = await a.call('invites.create', { ttlHours: 1 });
  await b.call('vault.setup');
  await b.call('invites.accept', { code });
}, 120_000);

afterAll(async () => {
  await stopChild(server.child);
  await cluster.stop();
}, 30_000);

describe('issue 12: erasure reaches the server and every device that joins later', () => {
  it('leaves 0 matches under every key after erasePerson and compaction; a member cannot compact', async () => {
    for (let i = 0; i < 5; i++) await a.call('contacts.create', { name: `Kept ${i}` });
    const person = await a.call('contacts.create', { name: NAME, emails: [EMAIL], phones: [PHONE] });
    await a.call('contacts.update', { id: person.id, patch: { notes: `Call ${NAME} on ${PHONE}` } });
    await a.call('activities.create', {
      kind: 'note',
      occurredAt: Date.now(),
      subject: `Met ${NAME}`,
      contactId: person.id,
    });
    await a.call('sync.now');
    // A snapshot that still holds the person.
    const before = await a.call('sync.snapshot');
    expect(before.seq).toBeGreaterThan(0);
    await b.call('sync.now');
    expect((await b.call('contacts.list', { limit: 1 })).total).toBe(6);

    // The script works: before the erase it finds all three in the server's storage.
    const control = await scan(a, a);
    expect(control.deltasOpened).toBe(control.deltas);
    expect(control.serverMatches.every((n) => n > 0)).toBe(true);
    // And in A's own vault, where the sealed copies A keeps of its deltas open with A's keys.
    expect(control.vaultSealedOpened).toBeGreaterThan(0);
    expect(control.vaultMatches!.every((n) => n > 0)).toBe(true);

    // B goes offline with an edit of its own (the server is away while B edits, then B stops).
    await stopChild(server.child);
    await b.call('contacts.create', { name: 'B offline edit' });
    await b.attempt('sync.now');
    await stopChild(b.child);
    server = await startServerAt(server.dataDir, server.port);

    // A hostile member: a client holding a member device's keys, asking the server to compact.
    const { code } = await a.call('invites.create', { ttlHours: 1 });
    const hostile = new TestDevice(server.url);
    expect((await hostile.accept(code)).status).toBe(200);
    const stored = deltaCount();
    for (const seq of [before.seq, before.seq + 100]) {
      const statement = signCompaction(
        {
          v: 1,
          workspaceId: hostile.workspaceId,
          snapshotId: before.snapshotId,
          deviceId: hostile.deviceId,
          seq,
          createdAt: Date.now(),
        },
        hostile.keys.signSecretKey,
      );
      const r = await hostile.call(
        'POST',
        syncPath(syncRoutes.compactLog, { workspaceId: hostile.workspaceId }),
        { statement },
      );
      expect([r.status, errorCode(r)]).toEqual([400, 'COMPACTION_REFUSED']);
      expect(deltaCount()).toBe(stored);
    }

    // A local backup made while the person existed.
    const oldBackup = await a.call('vault.backup');
    expect(oldBackup.containsErased).toBe(false);

    // The erase, then A's next contact settles it: snapshot without the person, compaction, rotation.
    await a.call('privacy.erasePerson', { contactId: person.id });
    const status = await a.call('sync.now');
    expect(status.error).toBeNull();
    expect(status.pending).toBe(0);
    const compacted = readDb((db) =>
      db
        .prepare<[], { compacted_seq: number; epoch: number }>('SELECT compacted_seq, epoch FROM workspaces')
        .get(),
    )!;
    expect(compacted.compacted_seq).toBeGreaterThan(before.seq);
    expect(compacted.epoch).toBe(2);

    // The backup from before is listed as holding erased data, and one action purges it.
    const listed = await a.call('vault.listBackups');
    expect(listed.find((x) => x.backupId === oldBackup.backupId)?.containsErased).toBe(true);
    expect((await a.call('vault.purgeErasedBackups')).deleted).toBeGreaterThanOrEqual(1);
    expect((await a.call('vault.listBackups')).some((x) => x.containsErased)).toBe(false);

    const after = await scan(a);
    expect(after.keys).toBeGreaterThanOrEqual(2);
    expect(after.chunks).toBeGreaterThan(0);
    expect(after.chunksOpened).toBe(after.chunks);
    expect(after.deltasOpened).toBe(after.deltas);
    expect(after.serverMatches).toEqual([0, 0, 0]);
    expect(after.rawMatches).toEqual([0, 0, 0]);

    // The erasing device itself: no table holds the person, nor any sealed envelope it keeps.
    // (The sealed copies of the compacted deltas were dropped with them.)
    const onA0 = await scan(a, a);
    expect(onA0.vaultMatches).toEqual([0, 0, 0]);

    // D joins afterwards: bootstraps from the snapshot, holds the kept records, never the person.
    const d = await cluster.startHost('D');
    await d.call('vault.setup');
    const { code: codeD } = await a.call('invites.create', { ttlHours: 1 });
    await d.call('invites.accept', { code: codeD });
    const statusD = await d.call('sync.now');
    expect(statusD.error).toBeNull();
    const names = (await d.call('contacts.list', { limit: 50 })).items.map((c) => c.name).sort();
    expect(names).toEqual(['Kept 0', 'Kept 1', 'Kept 2', 'Kept 3', 'Kept 4']);
    const onD = await scan(a, d);
    expect(onD.vaultValues).toBeGreaterThan(0);
    expect(onD.vaultMatches).toEqual([0, 0, 0]);

    // B comes back: inside the compacted range, it re-bootstraps and keeps its offline edit.
    b = await cluster.startHost('B', { dataDir: b.dataDir });
    await b.call('vault.unlock');
    expect((await b.call('sync.status')).pending).toBeGreaterThan(0);
    const statusB = await b.call('sync.now');
    expect(statusB.error).toBeNull();
    expect(statusB.pending).toBe(0);
    expect(statusB.integrity.state).toBe('ok');
    await a.call('sync.now');
    const onA = (await a.call('contacts.list', { limit: 50 })).items.map((c) => c.name);
    expect(onA).toContain('B offline edit');
    // The snapshot carries the erase op (blank values, erasedAt) as the person's tombstone, so B
    // erased its own copy while re-bootstrapping.
    expect((await b.call('contacts.list', { limit: 50 })).items.map((c) => c.name)).not.toContain(NAME);
    const onB = await scan(a, b);
    expect(onB.vaultMatches).toEqual([0, 0, 0]);
    // A member device of the app does not make a snapshot (nor, so, a compaction) either.
    expect((await b.attempt('sync.snapshot')).ok).toBe(false);
  }, 600_000);
});
