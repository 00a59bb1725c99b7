import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS } from '../../../server/storage/storage.sqlite';
import type { DeviceRecord, SyncStorage } from '../../../server/storage/storage';
import { randomId } from '../../../shared/sync/device-keys';
import { utf8 } from '../../../shared/sync/encoding';
import { ENROLMENT_HEADER } from '../../../shared/sync/protocol';
import { genesisEntry } from '../../../shared/sync/membership';
import { syncPath, syncRoutes } from '../../../shared/sync/routes';
import { signRequest } from '../../../shared/sync/signing';
import { tempDir } from '../support/tmp';
import { deviceRecord, postgresBackend, sqliteBackend, usePostgresCluster, type Backend } from './backends';
import { killServersAfterEach, repoRoot, startServerProcess } from './spawn';
import { TestDevice } from './sync-client';

killServersAfterEach();

/** `npm run server:admin -- ...args` (tsx server/admin.main.ts). */
function admin(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/admin.main.ts', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 25_000,
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function adminJson(args: readonly string[], env: NodeJS.ProcessEnv = {}): unknown {
  const r = admin([...args, '--json'], env);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as unknown;
}

const device = (workspaceId: string, createdAt: number): DeviceRecord =>
  deviceRecord(workspaceId, { createdAt });

const T0 = 1_700_000_000_000;

/** Two workspaces: one with a revoked joiner and 60 bytes of deltas, one empty with an open invite. */
async function seed(storage: SyncStorage) {
  // One in 64 real ids starts with '-'; the CLI must still take it as the value of --workspace.
  const ws1 = `-${randomId().slice(1)}`;
  const ws2 = randomId();
  const d1 = device(ws1, T0);
  const d2 = device(ws1, T0 + 10);
  const d3 = device(ws2, T0 + 20);
  expect(await storage.createWorkspace(ws1, d1)).toBe('created');
  expect(await storage.createWorkspace(ws2, d3)).toBe('created');
  const invite = (ws: string, by: string) => ({
    inviteId: randomId(),
    workspaceId: ws,
    createdBy: by,
    wrappedKey: new Uint8Array(randomBytes(60)),
    authPublicKey: new Uint8Array(randomBytes(32)),
    createdAt: T0,
    expiresAt: Date.now() + 3_600_000,
    usedAt: null,
    usedBy: null,
  });
  const i1 = invite(ws1, d1.deviceId);
  await storage.createInvite(i1);
  expect((await storage.acceptInvite(i1.inviteId, d2, T0 + 10)).kind).toBe('accepted');
  await storage.revokeDevice(ws1, d2.deviceId, T0 + 30);
  await storage.createInvite(invite(ws2, d3.deviceId));
  const deltas = [10, 20, 30].map((n) => ({ deltaId: randomId(), envelope: new Uint8Array(randomBytes(n)) }));
  expect(Array.isArray(await storage.appendDeltas(ws1, d1.deviceId, deltas, T0 + 40))).toBe(true);
  // A retried push adds nothing.
  await storage.appendDeltas(ws1, d1.deviceId, deltas.slice(0, 1), T0 + 50);
  return { ws1, ws2, d1, d2, d3 };
}

describe.each([sqliteBackend, postgresBackend])('admin reports: $name', (backend: Backend) => {
  if (backend.name === 'postgres') usePostgresCluster();
  const open: SyncStorage[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('storage lists workspaces with counts and bytes, and totals usage', async () => {
    const { storage } = await backend.open();
    open.push(storage);
    expect(await storage.listWorkspaces()).toEqual([]);
    const { ws1, ws2 } = await seed(storage);
    expect(await storage.listWorkspaces()).toEqual([
      { workspaceId: ws1, createdAt: T0, devices: 2, activeDevices: 1, deltas: 3, bytes: 60 },
      { workspaceId: ws2, createdAt: T0 + 20, devices: 1, activeDevices: 1, deltas: 0, bytes: 0 },
    ]);
    expect(await storage.usage(Date.now())).toEqual({
      workspaces: 2,
      devices: 3,
      activeDevices: 2,
      revokedDevices: 1,
      deltas: 3,
      bytes: 60,
      openInvites: 1,
    });
    // An invite past its expiry is no longer open.
    expect((await storage.usage(Date.now() + 7_200_000)).openInvites).toBe(0);
  });

  it('the CLI prints workspaces, devices and usage from the same storage options as the server', async () => {
    const { storage, location } = await backend.open();
    const { ws1, d1, d2 } = await seed(storage);
    await storage.close();
    const pwFile = path.join(tempDir('fv-adm-'), 'db-password');
    writeFileSync(pwFile, 'not-needed-by-the-trust-cluster\n', { mode: 0o600 });
    const opts =
      backend.name === 'sqlite'
        ? ['--data', path.dirname(location)]
        : ['--database', location, '--database-password-file', pwFile];

    expect(adminJson(['workspaces', ...opts])).toMatchObject({
      workspaces: [{ workspaceId: ws1, devices: 2, activeDevices: 1, deltas: 3, bytes: 60 }, {}],
    });
    expect(adminJson(['devices', '--workspace', ws1, ...opts])).toEqual({
      workspaceId: ws1,
      devices: [
        { deviceId: d1.deviceId, status: 'active', createdAt: T0, revokedAt: null, invitedBy: null },
        {
          deviceId: d2.deviceId,
          status: 'revoked',
          createdAt: T0 + 10,
          revokedAt: T0 + 30,
          invitedBy: d1.deviceId,
        },
      ],
    });
    expect(adminJson(['usage', ...opts])).toEqual({
      storage: backend.name,
      workspaces: 2,
      devices: 3,
      activeDevices: 2,
      revokedDevices: 1,
      deltas: 3,
      bytes: 60,
      openInvites: 1,
    });

    const text = admin(['workspaces', ...opts]);
    expect(text.status).toBe(0);
    const [header, first] = text.stdout.split('\n');
    expect(header).toMatch(/^WORKSPACE\s+CREATED\s+DEVICES\s+ACTIVE\s+DELTAS\s+BYTES$/);
    expect(first).toMatch(new RegExp(`^${ws1}\\s+${new Date(T0).toISOString()}\\s+2\\s+1\\s+3\\s+60$`));
    const devices = admin(['devices', '--workspace', ws1, ...opts]);
    expect(devices.stdout).toContain(`${d2.deviceId}  revoked`);

    const unknown = admin(['devices', '--workspace', randomId(), ...opts]);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stdout).toBe('');
  });
});

describe('admin CLI: storage and arguments', () => {
  it('refuses a database of an older schema instead of migrating it, and a missing one', () => {
    const dir = tempDir('fv-adm-');
    const file = path.join(dir, 'sync.sqlite');
    const db = new Database(file);
    db.exec(SQLITE_MIGRATIONS[0]!);
    db.pragma('user_version = 1');
    db.close();
    const r = admin(['usage', '--data', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('older than this build');
    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(1);
    after.close();

    const missing = admin(['usage', '--data', tempDir('fv-adm-')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no sync database');
  });

  it('takes no password on the command line', () => {
    const r = admin(['usage', '--database', 'postgres://127.0.0.1:1/x', '--database-password', 'hunter2']);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toContain('hunter2');
    expect(admin(['frobnicate']).status).toBe(2);
  });

  it('reports a forgotten --workspace value instead of reading the next option as the id', () => {
    const r = admin(['devices', '--workspace', '--data', tempDir('fv-adm-')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--workspace');
  });
});

describe('admin CLI: enrolment codes', () => {
  it('writes a private random code the server accepts, printing only its hash unless asked', async () => {
    const dir = tempDir('fv-adm-');
    const file = path.join(dir, 'enrolment-code');
    const made = admin(['enrolment-code', 'new', '--file', file]);
    expect(made.status, made.stderr).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const code = readFileSync(file, 'utf8').trim();
    expect(code).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const hash = createHash('sha256').update(code).digest('hex');
    expect(made.stdout).toContain(hash);
    expect(made.stdout + made.stderr).not.toContain(code);

    const shown = admin(['enrolment-code', 'show-hash', '--file', file]);
    expect(shown.stdout).toBe(`${hash}\n`);

    // Never replaced by accident; replaced (and shown) when asked.
    const again = admin(['enrolment-code', 'new', '--file', file]);
    expect(again.status).toBe(2);
    expect(readFileSync(file, 'utf8').trim()).toBe(code);
    const replaced = admin(['enrolment-code', 'new', '--file', file, '--force', '--print']);
    expect(replaced.status).toBe(0);
    const code2 = readFileSync(file, 'utf8').trim();
    expect(code2).not.toBe(code);
    expect(replaced.stdout.trim().split('\n').at(-1)).toBe(code2);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // The server reads the same file: the code creates a workspace, no code does not.
    const server = await startServerProcess(['--data', dir, '--port', '0', '--enrolment-token-file', file]);
    const a = new TestDevice(server.url);
    const create = async (enrolment: string | undefined) => {
      const workspaceId = randomId();
      const genesis = genesisEntry(workspaceId, a.member(), a.keys.signSecretKey, Date.now());
      const body = { workspaceId, device: a.registration(), genesis };
      const bytes = utf8(JSON.stringify(body));
      const p = syncPath(syncRoutes.createWorkspace, {});
      const headers = signRequest({
        method: 'POST',
        path: p,
        body: bytes,
        deviceId: a.deviceId,
        signSecretKey: a.keys.signSecretKey,
      });
      const r = await fetch(server.url + p, {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          ...(enrolment ? { [ENROLMENT_HEADER]: enrolment } : {}),
        },
        body: Buffer.from(bytes),
      });
      return r.status;
    };
    expect(await create(undefined)).toBe(401);
    expect(await create(code)).toBe(401);
    expect(await create(code2)).toBe(201);
    expect(server.stderr.join('\n')).not.toContain(code2);
  });
});
