import { escrowPublicKeyOf, parseEscrowPrivateKeyFile } from '../../../electron/services/vault/vault.escrow';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncServer } from '../../../server/app';
import type { SyncStorage } from '../../../server/storage/storage';
import { PostgresSyncStorage } from '../../../server/storage/storage.postgres';
import { SqliteSyncStorage } from '../../../server/storage/storage.sqlite';
import { readUint32be } from '../../../shared/sync/encoding';
import { requireCluster, usePostgresCluster } from '../server/backends';
import { realKeychain } from '../support/vault';
import { createClient, type TestClient } from '../services/sync/support/client';
import { listenLoopback } from '../services/sync/support/server';

/**
 * Issue 12 item 4: with IT policy's `escrowKey`, every rotation also seals the new key to the
 * organisation's escrow key, and `tools/escrow.ts recover` gets every epoch key back from the
 * server's database (SQLite file or PostgreSQL) and the escrow secret alone (every device lost),
 * checked by opening the deltas.
 */

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'fv-escrow-'));
const clients: TestClient[] = [];

const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'tools/escrow.ts', ...args]);

afterAll(async () => {
  for (const c of clients) {
    await c.dispose();
    const id = c.vaultId();
    if (id) await c.keychain.delete(id);
    rmSync(c.dataDir, { recursive: true, force: true });
  }
  rmSync(dir, { recursive: true, force: true });
});

async function client(name: string, policy?: { escrowKey: string }): Promise<TestClient> {
  const c = await createClient(name, mkdtempSync(path.join(tmpdir(), `fv-escrow-${name}-`)), realKeychain(), {
    ...(policy ? { policy } : {}),
  });
  clients.push(c);
  return c;
}

interface EscrowBackend {
  readonly name: 'sqlite' | 'postgres';
  /** A fresh store and the CLI arguments that name it. */
  open(): Promise<{ storage: SyncStorage; args: string[] }>;
}

const backends: EscrowBackend[] = [
  {
    name: 'sqlite',
    open() {
      const file = path.join(mkdtempSync(path.join(dir, 'sqlite-')), 'sync.sqlite');
      return Promise.resolve({ storage: SqliteSyncStorage.open(file), args: ['--server-db', file] });
    },
  },
  {
    name: 'postgres',
    async open() {
      const url = await requireCluster().createDatabase(`fv_escrow_${process.pid}`);
      return { storage: await PostgresSyncStorage.connect(url), args: ['--database', url] };
    },
  },
];

describe.each(backends)('escrow of epoch keys: $name', (backend) => {
  if (backend.name === 'postgres') usePostgresCluster();
  let storage: SyncStorage;
  let args: string[] = [];
  let app: FastifyInstance;
  let url = '';

  beforeAll(async () => {
    ({ storage, args } = await backend.open());
    app = await createSyncServer({ storage });
    ({ url } = await listenLoopback(app));
  }, 60_000);

  afterAll(async () => {
    await app.close();
    await storage.close();
  });

  it('the escrow secret alone recovers every epoch key from the server database; another secret recovers nothing', async () => {
    const secretFile = path.join(dir, `escrow-${backend.name}.key`);
    const { escrowKey } = JSON.parse((await cli('keygen', '--secret', secretFile)).stdout) as {
      escrowKey: string;
    };
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    // The same key file the vault escrow tool reads: one key pair serves both recoveries.
    const secret = parseEscrowPrivateKeyFile(readFileSync(secretFile, 'utf8'));
    expect(escrowPublicKeyOf(secret)).toBe(escrowKey);
    secret.fill(0);

    const owner = await client('owner', { escrowKey });
    const member = await client('member');
    const gone = await client('gone');
    const { workspaceId } = await owner.call('workspace.create', { serverUrl: url, name: 'Escrowed' });
    for (const c of [member, gone]) {
      const { code } = await owner.call('invites.create', { ttlHours: 1 });
      await c.call('invites.accept', { code });
    }
    await owner.call('contacts.create', { name: 'Epoch 1' });
    await owner.call('sync.now');
    const goneId = (await gone.call('devices.list')).find((d) => d.isThisDevice)!.deviceId;
    await owner.call('devices.revoke', { deviceId: goneId });
    await member.call('sync.now');
    await member.call('contacts.create', { name: 'Epoch 2' });
    await member.call('sync.now');
    await owner.call('sync.rotateKey');
    await owner.call('contacts.create', { name: 'Epoch 3' });
    await owner.call('sync.now');

    const out = path.join(dir, `epoch-keys-${backend.name}.bin`);
    const recovered = JSON.parse(
      (await cli('recover', '--secret', secretFile, ...args, '--workspace', workspaceId, '--out', out))
        .stdout,
    ) as { epochs: number[]; opened: Record<string, number> };
    expect(recovered.epochs).toEqual([1, 2, 3]);
    const total = (await storage.pullDeltas(workspaceId, 0, 1000, 1 << 30)).length;
    expect(Object.values(recovered.opened).reduce((x, y) => x + y, 0)).toBe(total);
    expect(Object.keys(recovered.opened).sort()).toEqual(['1', '2', '3']);
    const file = new Uint8Array(readFileSync(out));
    expect(file).toHaveLength(3 * 36);
    expect([0, 36, 72].map((o) => readUint32be(file, o))).toEqual([1, 2, 3]);
    expect(statSync(out).mode & 0o777).toBe(0o600);

    const otherSecret = path.join(dir, `other-${backend.name}.key`);
    await cli('keygen', '--secret', otherSecret);
    const other = JSON.parse(
      (
        await cli(
          'recover',
          '--secret',
          otherSecret,
          ...args,
          '--workspace',
          workspaceId,
          '--out',
          path.join(dir, `other-${backend.name}.bin`),
        )
      ).stdout,
    ) as { epochs: number[]; opened: Record<string, number> };
    expect(other.epochs).toEqual([]);
    expect(other.opened).toEqual({});
  }, 120_000);
});
