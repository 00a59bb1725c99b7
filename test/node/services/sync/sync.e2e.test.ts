import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncServer } from '../../../../server/app';
import type { SyncStorage } from '../../../../server/storage/storage';
import { PostgresSyncStorage } from '../../../../server/storage/storage.postgres';
import { SqliteSyncStorage } from '../../../../server/storage/storage.sqlite';
import { contactDef, DEFAULT_PIPELINE_ID, dealDef } from '../../../../electron/services/crm/crm.entities';
import { SyncRepository } from '../../../../electron/services/sync/sync.repository';
import { expectAbsentFrom } from '../../server/harness';
import {
  postgresBackend,
  tamperPostgresDelta,
  tamperSqliteDelta,
  usePostgresCluster,
} from '../../server/backends';
import { realKeychain } from '../../support/vault';
import { createClient, crmState, vaultFilesExist, type TestClient } from './support/client';
import { disposeClients, listenLoopback } from './support/server';

usePostgresCluster();

interface E2eBackend {
  readonly name: 'sqlite' | 'postgres';
  open(): Promise<{ location: string; storage: SyncStorage }>;
  reopen(location: string): Promise<SyncStorage>;
  /** Flips one ciphertext byte of a stored delta, as an attacker holding the database would. */
  tamper(location: string, workspaceId: string, seq: number): Promise<void>;
  files(location: string): Promise<string[]>;
}

const sqlite: E2eBackend = {
  name: 'sqlite',
  open() {
    const location = path.join(mkdtempSync(path.join(tmpdir(), 'fv-e2e-')), 'sync.sqlite');
    return Promise.resolve({ location, storage: SqliteSyncStorage.open(location) });
  },
  reopen: (location) => Promise.resolve(SqliteSyncStorage.open(location)),
  tamper: tamperSqliteDelta,
  files: (location) =>
    Promise.resolve(readdirSync(path.dirname(location)).map((f) => path.join(path.dirname(location), f))),
};

const postgres: E2eBackend = {
  name: 'postgres',
  open: () => postgresBackend.open(),
  reopen: (location) => PostgresSyncStorage.connect(location),
  tamper: tamperPostgresDelta,
  files: () => postgresBackend.diskFiles(''),
};

/** A marker string a client writes into its CRM; the server must never hold it. */
function marker(markers: string[]): string {
  const m = `MARK${randomBytes(6).toString('hex')}`;
  markers.push(m);
  return m;
}

describe.each([sqlite, postgres])('sync client end to end over loopback HTTP: $name', (backend) => {
  let storage: SyncStorage;
  let location: string;
  let app: FastifyInstance;
  let url = '';
  let port = 0;
  const markers: string[] = [];
  const workspaceIds: string[] = [];
  const clients: TestClient[] = [];
  let onPush: ((stage: 'request' | 'send', socket: { destroy(): void }) => void) | null = null;

  async function startServer(): Promise<void> {
    app = await createSyncServer({ storage });
    app.addHook('onSend', async (request, _reply, payload) => {
      if (request.method === 'POST' && request.url.endsWith('/deltas')) onPush?.('send', request.raw.socket);
      return payload;
    });
    ({ url, port } = await listenLoopback(app, port));
  }

  async function stopServer(): Promise<void> {
    await app.close();
  }

  async function restartServer(): Promise<void> {
    await stopServer();
    await storage.close();
    storage = await backend.reopen(location);
    await startServer();
  }

  async function client(name: string): Promise<TestClient> {
    const dataDir = mkdtempSync(path.join(tmpdir(), `fv-e2e-${name}-`));
    const c = await createClient(name, dataDir, realKeychain());
    clients.push(c);
    return c;
  }

  async function pair(): Promise<{ a: TestClient; b: TestClient; workspaceId: string }> {
    const a = await client('a');
    const b = await client('b');
    const { workspaceId } = await a.call('workspace.create', { serverUrl: url, name: 'Team' });
    workspaceIds.push(workspaceId);
    const invite = await a.call('invites.create', { ttlHours: 1 });
    expect(invite.code).not.toContain(workspaceId);
    const joined = await b.call('invites.accept', { code: invite.code });
    expect(joined.workspaceId).toBe(workspaceId);
    return { a, b, workspaceId };
  }

  const syncNow = (c: TestClient) => c.call('sync.now');

  beforeAll(async () => {
    ({ storage, location } = await backend.open());
    await startServer();
  }, 60_000);

  afterAll(async () => {
    await disposeClients(clients);
    await stopServer();
    await storage.close();
    // Zero knowledge: nothing any client wrote is readable in the server's storage.
    const files = await backend.files(location);
    expectAbsentFrom(
      files,
      markers.map((m) => Buffer.from(m)),
      workspaceIds[0]!,
    );
    if (backend.name === 'sqlite') rmSync(path.dirname(location), { recursive: true, force: true });
  }, 60_000);

  it('offline edits on both devices converge; concurrent deal-stage edits become a conflict whose resolution syncs', async () => {
    const { a, b } = await pair();
    const acct = a.crm().create(contactDef, { name: marker(markers), notes: marker(markers) });
    const deal = a.crm().create(dealDef, {
      name: marker(markers),
      pipelineId: DEFAULT_PIPELINE_ID,
      stageId: 'lead',
      amountMinor: 1000,
    });
    expect((await syncNow(a)).state).toBe('idle');
    const boot = await syncNow(b);
    expect(boot.error).toBeNull();
    expect(boot.state).toBe('idle');
    expect(b.statuses.some((s) => s.progress?.phase === 'bootstrap')).toBe(true);
    expect(b.crm().get(contactDef, acct.id).name).toBe(acct.name);

    // Offline: the server is down; edits on both devices still work.
    await stopServer();
    a.crm().update(dealDef, deal.id, { stageId: 'proposal' });
    a.crm().update(contactDef, acct.id, { title: marker(markers) });
    b.crm().update(dealDef, deal.id, { stageId: 'closing', amountMinor: 5000 });
    b.crm().create(contactDef, { name: marker(markers), phones: ['+49 30 123456'] });
    const off = await syncNow(b);
    expect(off.state).toBe('offline');
    expect(off.error?.code).toBe('SYNC_OFFLINE');
    expect(off.pending).toBeGreaterThan(0);
    await startServer();

    await syncNow(a);
    await syncNow(b);
    await syncNow(a);
    expect(crmState(a.vault.access.db())).toEqual(crmState(b.vault.access.db()));
    expect((await syncNow(a)).pending).toBe(0);

    // B had an unsynced stage when A's concurrent stage arrived: one conflict, both values kept.
    const conflicts = await b.call('conflicts.list');
    const stage = conflicts.find((c) => c.field === 'stageId');
    expect(stage).toBeDefined();
    expect([stage!.current.value, stage!.other.value].sort()).toEqual(['closing', 'proposal']);
    const keepOther = stage!.other.value;
    await b.call('conflicts.resolve', { conflictId: stage!.conflictId, keep: 'other' });
    await syncNow(b);
    await syncNow(a);
    expect(a.crm().get(dealDef, deal.id).stageId).toBe(keepOther);
    expect(crmState(a.vault.access.db())).toEqual(crmState(b.vault.access.db()));
  }, 120_000);

  it('a server restarted mid-push loses nothing and duplicates nothing', async () => {
    const a = await client('a');
    const { workspaceId } = await a.call('workspace.create', { serverUrl: url, name: 'T' });
    workspaceIds.push(workspaceId);
    const crm = a.crm();
    const mark = marker(markers);
    crm.tx(() => {
      for (let i = 0; i < 12_000; i++) crm.create(contactDef, { name: `${mark} ${i}` });
    });
    // The first push is stored but its response never arrives; the server then restarts.
    let pushes = 0;
    onPush = (stage, socket) => {
      if (stage === 'send' && ++pushes === 1) socket.destroy();
    };
    const first = await syncNow(a);
    onPush = null;
    expect(first.state).toBe('offline');
    expect(first.pending).toBeGreaterThan(0);
    await restartServer();
    const second = await syncNow(a);
    expect(second.state).toBe('idle');
    expect(second.pending).toBe(0);

    const invite = await a.call('invites.create', { ttlHours: 1 });
    const b = await client('b');
    await b.call('invites.accept', { code: invite.code });
    expect((await syncNow(b)).error).toBeNull();
    const count = b.vault.access
      .db()
      .prepare<[], { n: number }>('SELECT count(*) AS n FROM crm_contacts')
      .get()!.n;
    expect(count).toBe(12_000);
    // 12,000 rows in deltas of 500: exactly 24 deltas in the log, the retried ones stored once.
    expect(new SyncRepository(b.vault.access.db()).workspace()!.cursor).toBe(24);
    expect(crmState(a.vault.access.db())).toEqual(crmState(b.vault.access.db()));
  }, 180_000);

  it('a delta altered in the server storage is rejected by both clients and the rest applies', async () => {
    const { a, b, workspaceId } = await pair();
    await syncNow(b);
    const x = a.crm().create(contactDef, { name: marker(markers) });
    await syncNow(a);
    const y = a.crm().create(contactDef, { name: marker(markers) });
    await syncNow(a);
    const cursorA = new SyncRepository(a.vault.access.db()).workspace()!.cursor;
    // Pull runs before push, so A's cursor covers X's delta but not Y's (seq cursor + 1): neither
    // client has pulled Y's delta yet when the attacker alters it.
    await backend.tamper(location, workspaceId, cursorA + 1);
    const sb = await syncNow(b);
    const sa = await syncNow(a);
    expect(sb.rejectedDeltas).toBe(1);
    expect(sa.rejectedDeltas).toBe(1);
    expect(sb.state).toBe('idle');
    expect(b.vault.access.db().prepare('SELECT 1 FROM crm_contacts WHERE id = ?').get(y.id)).toBeUndefined();
    expect(b.crm().get(contactDef, x.id).name).toBe(x.name);
    // Later deltas still apply.
    const z = a.crm().create(contactDef, { name: marker(markers) });
    await syncNow(a);
    expect((await syncNow(b)).rejectedDeltas).toBe(1);
    expect(b.crm().get(contactDef, z.id).name).toBe(z.name);
    // The author's signature covers the sealed bytes, so a change in storage fails it first.
    expect(new SyncRepository(b.vault.access.db()).rejected()[0]?.reason).toBe('bad_signature');
  }, 120_000);

  it('a revoked device is refused and wipes its vault: database, backups and keychain entry', async () => {
    const { a, b } = await pair();
    await syncNow(b);
    b.crm().create(contactDef, { name: marker(markers) });
    await b.vault.backup();
    const bVaultId = b.vaultId()!;
    expect(await b.keychain.get(bVaultId)).not.toBeNull();
    const devices = await a.call('devices.list');
    expect(devices).toHaveLength(2);
    const other = devices.find((d) => !d.isThisDevice)!;
    const revoked = await a.call('devices.revoke', { deviceId: other.deviceId });
    expect(revoked.status).toBe('revoked');

    const status = await syncNow(b);
    expect(status.state).toBe('error');
    expect(status.error?.code).toBe('DEVICE_REVOKED');
    expect(vaultFilesExist(b.dataDir)).toBe(false);
    expect(await b.keychain.get(bVaultId)).toBeNull();
    expect(b.vault.status().state).toBe('not_set_up');
    const listed = await a.call('devices.list');
    expect(listed.find((d) => d.deviceId === other.deviceId)?.status).toBe('revoked');
  }, 120_000);
});
