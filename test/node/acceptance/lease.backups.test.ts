import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startDevHost, type DevHost } from '../../../electron/devhost/host';
import { UnsupportedAuthenticator } from '../../../electron/services/auth/os-authenticator';
import { createSenderPolicy } from '../../../electron/services/ipc/sender-policy';
import { silentLogger } from '../../../electron/services/log/logger';
import { MemoryPolicySource } from '../../../electron/services/policy/policy.memory';
import { createServices } from '../../../electron/services/services';
import { allowListConfirmation } from '../../../electron/services/sync/server.confirmation';
import { createSyncServer } from '../../../server/app';
import { SqliteSyncStorage } from '../../../server/storage/storage.sqlite';
import type { SyncStorage } from '../../../server/storage/storage';
import { RpcClient } from '../support/rpc-client';
import { tempDir } from '../support/tmp';
import { realKeychain, TEST_KDF } from '../support/vault';

/**
 * Issue 13 items 5 and 8, issue 16's backupDirectory: the shipped composition root behind the dev
 * host's JSON-RPC, a real sync server on loopback (SQLite storage), the real Secret Service. One clock
 * drives the app and the server, so days pass in milliseconds; the server can be stopped and started
 * again on the same port (a device that cannot reach it).
 */
const DAY = 86_400_000;
let clock = Date.parse('2026-03-01T09:00:00Z');
const now = () => clock;

const hosts: DevHost[] = [];
const clients: RpcClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const h of hosts.splice(0)) await h.close();
});

class SyncServer {
  private app: FastifyInstance | null = null;
  port = 0;
  constructor(private readonly storage: SyncStorage) {}
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    this.app = await createSyncServer({ storage: this.storage, clock: now });
    await this.app.listen({ host: '127.0.0.1', port: this.port });
    const address = this.app.server.address();
    if (typeof address !== 'object' || !address) throw new Error('no address');
    this.port = address.port;
  }
  async stop(): Promise<void> {
    await this.app?.close();
    this.app = null;
  }
}

const serverDir = mkdtempSync(path.join(tmpdir(), 'fv-lease-server-'));
const storage = SqliteSyncStorage.open(path.join(serverDir, 'sync.sqlite'));
const server = new SyncServer(storage);
afterAll(async () => {
  await server.stop();
  await storage.close();
  rmSync(serverDir, { recursive: true, force: true });
});

type Rpc = (method: string, params?: unknown) => Promise<unknown>;
interface Device {
  call: Rpc;
  /** The typed error code of a call that must fail. */
  fail: (method: string, params?: unknown) => Promise<{ code: string; message: string }>;
  dataDir: string;
}

async function device(policy: MemoryPolicySource): Promise<Device> {
  const dir = tempDir('fv-lease-host-');
  const rendererDir = path.join(dir, 'renderer');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><html><body></body></html>');
  const bridgeFile = path.join(dir, 'bridge.js');
  writeFileSync(bridgeFile, '/* bridge */');
  const dataDir = path.join(dir, 'data');
  const host = await startDevHost({
    rendererDir,
    bridgeFile,
    port: 0,
    createServices: (origin) =>
      createServices({
        dataDir,
        appInfo: { name: 'FieldVault', version: '1.2.3', platform: 'linux' },
        logger: silentLogger,
        isTrustedSender: createSenderPolicy({ devHostOrigin: origin }),
        keychain: realKeychain(),
        authenticator: new UnsupportedAuthenticator('No OS user check in this test'),
        policy,
        serverConfirmation: allowListConfirmation(),
        now,
        tuning: { autoSync: false, recoveryKdf: TEST_KDF, maxDriftMs: 365 * DAY, leaseTickMs: 50 },
      }),
  });
  hosts.push(host);
  const client = await RpcClient.connect(host.rpcUrl);
  clients.push(client);
  const call: Rpc = async (method, params) => {
    const r = await client.call(method, params);
    if (r.error) throw new Error(`${method}: ${r.error.data?.code ?? r.error.code} ${r.error.message}`);
    return r.result;
  };
  const fail = async (method: string, params?: unknown) => {
    const r = await client.call(method, params);
    if (!r.error) throw new Error(`${method} was expected to fail`);
    return { code: r.error.data?.code ?? String(r.error.code), message: r.error.message };
  };
  return { call, fail, dataDir };
}

async function waitUntil(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('offline lease over JSON-RPC against a real sync server', () => {
  it('locks after N days without the server; unlocks only after a check-in; rollback and the renderer cannot move it', async () => {
    await server.start();
    const policy = new MemoryPolicySource({ machine: { offlineLeaseDays: 7 } });
    const a = await device(policy);
    const { recoveryCode } = (await a.call('vault.setup')) as { recoveryCode: string };
    await a.call('workspace.create', { serverUrl: server.url, name: 'Lease team' });
    await a.call('contacts.create', { name: 'Ada Lovelace' });
    await a.call('vault.lock');

    // Within the lease, offline: unlocks.
    await server.stop();
    clock += 3 * DAY;
    expect(await a.call('vault.unlock')).toMatchObject({ state: 'unlocked' });
    expect(await a.call('lease.status')).toMatchObject({ state: 'ok', days: 7 });
    await a.call('vault.lock');

    // Past the lease, server down: stays locked, with a typed error that says what to do.
    clock += 5 * DAY;
    const expired = await a.fail('vault.unlock');
    expect(expired.code).toBe('LEASE_EXPIRED');
    expect(expired.message).toMatch(/connect to the network/);
    expect(await a.call('vault.status')).toMatchObject({ state: 'locked' });
    expect((await a.fail('contacts.list', {})).code).toBe('VAULT_LOCKED');
    expect(await a.call('lease.status')).toMatchObject({ state: 'expired', recoveryAllowed: false });
    // Without IT's leave, the recovery code does not get round the lease either.
    expect((await a.fail('vault.recover', { recoveryCode })).code).toBe('LEASE_EXPIRED');
    expect(await a.call('vault.status')).toMatchObject({ state: 'locked' });

    // Turning the clock back gives no days back.
    clock -= 6 * DAY;
    expect((await a.fail('vault.unlock')).code).toBe('LEASE_EXPIRED');
    clock += 6 * DAY;

    // The renderer has no way to move the lease: no channel takes a time.
    expect((await a.fail('lease.status', { lastContactAt: new Date(clock).toISOString() })).code).toBe(
      'VALIDATION',
    );

    // The server is back: the check-in releases the vault, and the lease starts again.
    await server.start();
    expect(await a.call('vault.unlock')).toMatchObject({ state: 'unlocked' });
    const fresh = (await a.call('lease.status')) as { state: string; lastContactAt: string };
    expect(fresh.state).toBe('ok');
    expect(Date.parse(fresh.lastContactAt)).toBe(clock);
    expect(await a.call('contacts.list', {})).toMatchObject({ total: 1 });
    await a.call('vault.lock');

    // IT allows the recovery code after the lease: it unlocks with the server down.
    policy.set({ machine: { offlineLeaseDays: 7, leaseRecovery: 'allowed' } });
    await server.stop();
    clock += 8 * DAY;
    const withHint = await a.fail('vault.unlock');
    expect(withHint.code).toBe('LEASE_EXPIRED');
    expect(withHint.message).toMatch(/recovery code/);
    expect(await a.call('vault.recover', { recoveryCode })).toMatchObject({ state: 'unlocked' });
    // That session is not locked again for the lease it ran past (main looks every 50 ms here).
    await new Promise((r) => setTimeout(r, 400));
    expect(await a.call('vault.status')).toMatchObject({ state: 'unlocked' });
    await a.call('vault.lock');
    // The next unlock asks for a check-in again.
    expect((await a.fail('vault.unlock')).code).toBe('LEASE_EXPIRED');
  });

  it('an unlocked device locks itself once the lease runs out offline, and checks in while it can', async () => {
    await server.start();
    const policy = new MemoryPolicySource({ machine: { offlineLeaseDays: 3 } });
    const a = await device(policy);
    await a.call('vault.setup');
    await a.call('workspace.create', { serverUrl: server.url, name: 'Ticking team' });
    // Online and unlocked: the hourly check-in keeps the lease fresh without a lock.
    clock += 2 * DAY;
    await waitUntil(async () => {
      const lease = (await a.call('lease.status')) as { lastContactAt: string | null };
      return lease.lastContactAt !== null && Date.parse(lease.lastContactAt) === clock;
    });
    clock += 2 * DAY;
    await new Promise((r) => setTimeout(r, 300));
    expect(await a.call('vault.status')).toMatchObject({ state: 'unlocked' });
    // Offline for longer than the lease while unlocked: main locks the vault itself.
    await server.stop();
    clock += 4 * DAY;
    await waitUntil(async () => ((await a.call('vault.status')) as { state: string }).state === 'locked');
    expect(await a.call('lease.status')).toMatchObject({ state: 'expired' });
    expect((await a.fail('vault.unlock')).code).toBe('LEASE_EXPIRED');
  });

  it('a device the server no longer accepts (revoked) stays locked, and its vault key is not released', async () => {
    await server.start();
    const policy = new MemoryPolicySource({ machine: { offlineLeaseDays: 2 } });
    const admin = await device(policy);
    await admin.call('vault.setup');
    await admin.call('workspace.create', { serverUrl: server.url, name: 'Revoking team' });
    const invite = (await admin.call('invites.create', { ttlHours: 1 })) as { code: string };
    const member = await device(policy);
    const { recoveryCode } = (await member.call('vault.setup')) as { recoveryCode: string };
    const joined = (await member.call('invites.accept', { code: invite.code })) as { deviceId: string };
    await member.call('sync.now');
    await member.call('vault.lock');
    await admin.call('devices.revoke', { deviceId: joined.deviceId });
    clock += 3 * DAY;
    const refused = await member.fail('vault.unlock');
    expect(refused.code).toBe('LEASE_EXPIRED');
    expect(refused.message).toMatch(/no longer accepts this device/);
    expect(await member.call('vault.status')).toMatchObject({ state: 'locked' });
    // Even where IT lets the recovery code past the lease, it does not let a refused device in.
    policy.set({ machine: { offlineLeaseDays: 2, leaseRecovery: 'allowed' } });
    expect((await member.fail('vault.recover', { recoveryCode })).code).toBe('LEASE_EXPIRED');
    expect(await member.call('vault.status')).toMatchObject({ state: 'locked' });
  });
});

describe('backups over JSON-RPC (issue 13 item 8, issue 16 backupDirectory)', () => {
  it('restore says what it restored; the list verifies; delete one and all older; policy directory enforced', async () => {
    const managedRoot = tempDir('fv-managed-');
    const managed = path.join(managedRoot, 'FieldVault Backups');
    const policy = new MemoryPolicySource({ machine: { backupDirectory: managed, backupRetentionDays: 30 } });
    const a = await device(policy);
    await a.call('vault.setup');
    for (const name of ['Ada', 'Grace', 'Hedy']) await a.call('contacts.create', { name });
    // Settings show IT's directory and refuse to change it.
    expect(await a.call('settings.get')).toMatchObject({ backupDirectory: managed, backupRetentionDays: 30 });
    expect((await a.fail('settings.update', { backupDirectory: '/tmp/elsewhere' })).code).toBe('VALIDATION');

    const first = (await a.call('vault.backup')) as { backupId: string; createdAt: string };
    expect(statSync(managed).mode & 0o777).toBe(0o700);
    expect(readdirSync(managed)).toEqual([`${first.backupId}.fvbackup`]);
    await a.call('contacts.create', { name: 'Katherine' });
    clock += DAY;
    const second = (await a.call('vault.backup')) as { backupId: string };

    const restored = (await a.call('vault.restore', { backupId: first.backupId })) as {
      state: string;
      restored: { createdAt: string; appVersion: string; counts: Record<string, number> };
    };
    expect(restored.state).toBe('unlocked');
    expect(restored.restored).toMatchObject({ createdAt: first.createdAt, appVersion: '1.2.3' });
    expect(restored.restored.counts).toMatchObject({ contact: 3, deal: 0 });
    expect(await a.call('contacts.list', {})).toMatchObject({ total: 3 });

    // A tampered copy in the directory is never listed, and never restorable.
    const copy = readFileSync(path.join(managed, `${second.backupId}.fvbackup`));
    const mid = Math.floor(copy.length / 2);
    copy[mid] = copy[mid]! ^ 0xff;
    writeFileSync(path.join(managed, 'backup-tampered.fvbackup'), copy);
    expect((await a.fail('vault.restore', { backupId: 'backup-tampered' })).code).toBe('BACKUP_INVALID');
    const listed = (await a.call('vault.listBackups')) as { backupId: string; verified: boolean }[];
    expect(listed.every((b) => b.verified)).toBe(true);
    expect(listed.map((b) => b.backupId)).toContain(second.backupId);
    expect(listed.map((b) => b.backupId)).not.toContain('backup-tampered');

    rmSync(path.join(managed, 'backup-tampered.fvbackup'));
    expect(await a.call('vault.deleteBackup', { backupId: second.backupId })).toEqual({ deleted: 1 });
    clock += DAY;
    const before = new Date(clock + 1).toISOString();
    // Left: the first backup and the pre-restore one; the newest of them stays.
    expect(await a.call('vault.deleteBackupsBefore', { before })).toEqual({ deleted: 1 });
    expect(((await a.call('vault.listBackups')) as unknown[]).length).toBe(1);

    // IT points the directory at a world-writable place: refused, nothing written.
    const open = path.join(managedRoot, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    policy.set({ machine: { backupDirectory: open } });
    const unsafe = await a.fail('vault.backup');
    expect(unsafe.code).toBe('BACKUP_DIRECTORY_UNSAFE');
    expect(readdirSync(open)).toEqual([]);
  });
});
