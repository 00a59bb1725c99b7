import keytar from 'keytar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYCHAIN_SERVICE } from '../../../electron/services/keychain/keychain.keytar';
import { Cluster, formWorkspace, listTree, waitFor, type HostProcess } from './support/processes';

/**
 * Issue 10 acceptance (b), black box: a real sync server and two real dev hosts (the shipped
 * composition root). When A revokes B, B's next contact with the server must destroy B's vault
 * completely: database, WAL, recovery wrap, backups and the OS keychain entry, so nothing on B can
 * be unlocked, recovered or restored. A keeps everything.
 */

const WIPE_TIMEOUT_MS = 15_000;

/** Files that would let the revoked device's data come back, wherever they sit in its data dir. */
function vaultLeftovers(tree: readonly string[]): string[] {
  return tree.filter(
    (f) =>
      !f.endsWith('/') &&
      (f.startsWith('vault/') ||
        /vault\.db|recovery|\.fvbackup|manifest\.json|\.snapshot$|\.partial$/.test(f)),
  );
}

/** Whether the OS keychain holds an entry for `vaultId`; never the secret itself (it must not reach a log). */
async function hasKeychainEntry(vaultId: string): Promise<boolean> {
  return (await keytar.getPassword(KEYCHAIN_SERVICE, vaultId)) !== null;
}

const cluster = new Cluster();
let a: HostProcess;
let b: HostProcess;
let recoveryCodeB = '';

beforeAll(async () => {
  const server = await cluster.startServer();
  [a, b] = await Promise.all([cluster.startHost('A'), cluster.startHost('B')]);
  recoveryCodeB = (await formWorkspace(server.url, a, [b])).get('B')!;
}, 90_000);

afterAll(() => cluster.stop(), 30_000);

describe('issue 10 (b): a revoked device wipes itself in the shipped composition', () => {
  it('deletes the vault files, WAL, recovery wrap, backups and keychain entry; nothing can be restored', async () => {
    const aliceOnA = await a.call('contacts.create', { name: 'Alice on A', emails: ['alice@example.com'] });
    const bobOnB = await b.call('contacts.create', { name: 'Bob on B', emails: ['bob@example.com'] });
    await b.call('contacts.create', { name: 'Carol on B' });
    for (const host of [b, a, b]) await host.call('sync.now');
    const backup = await b.call('vault.backup');
    const statusB = await b.call('vault.status');
    const statusA = await a.call('vault.status');
    const vaultIdB = statusB.vaultId;
    const vaultIdA = statusA.vaultId;
    expect(statusB.state).toBe('unlocked');
    expect(vaultIdB).not.toBeNull();
    expect(vaultIdA).not.toBeNull();
    expect(await a.call('contacts.get', { id: bobOnB.id })).toMatchObject({ name: 'Bob on B' });

    // Before: the files and the keychain entry this test expects to disappear are really there.
    const before = listTree(b.dataDir);
    expect(before, before.join('\n')).toContain('vault/vault.db');
    expect(
      before.some((f) => f.endsWith('.fvbackup')),
      before.join('\n'),
    ).toBe(true);
    expect(
      before.some((f) => /recovery/.test(f)),
      before.join('\n'),
    ).toBe(true);
    expect(await hasKeychainEntry(vaultIdB!)).toBe(true);
    expect(await hasKeychainEntry(vaultIdA!)).toBe(true);

    const deviceB = (await b.call('devices.list')).find((d) => d.isThisDevice);
    expect(deviceB).toBeDefined();
    const revoked = await a.call('devices.revoke', { deviceId: deviceB!.deviceId });
    expect(revoked).toMatchObject({ deviceId: deviceB!.deviceId, status: 'revoked' });

    // B learns it was revoked on its next contact with the server; the answer itself may be an error.
    await b.attempt('sync.now');
    const wiped = await waitFor(async () => {
      const status = await b.attempt('vault.status');
      return status.ok && status.result.state === 'not_set_up';
    }, WIPE_TIMEOUT_MS);

    const after = listTree(b.dataDir);
    expect.soft(vaultLeftovers(after), `B's data dir after revocation:\n${after.join('\n')}`).toEqual([]);
    expect.soft(await hasKeychainEntry(vaultIdB!), "B's keychain entry after revocation").toBe(false);
    const statusAfter = await b.call('vault.status');
    expect.soft(wiped, `B wiped within ${WIPE_TIMEOUT_MS} ms`).toBe(true);
    expect.soft(statusAfter.state, 'B vault.status after revocation').toBe('not_set_up');
    expect.soft(statusAfter.vaultId, 'B vault id after revocation').toBeNull();

    const restore = await b.attempt('vault.restore', { backupId: backup.backupId });
    expect.soft(restore.ok, `B vault.restore of backup ${backup.backupId}`).toBe(false);
    const backups = await b.attempt('vault.listBackups');
    expect.soft(backups.ok ? backups.result : [], 'B vault.listBackups').toEqual([]);
    const recover = await b.attempt('vault.recover', { recoveryCode: recoveryCodeB });
    expect.soft(recover.ok, "B vault.recover with B's recovery code").toBe(false);
    const unlock = await b.attempt('vault.unlock');
    expect.soft(unlock.ok, 'B vault.unlock after revocation').toBe(false);
    const contacts = await b.attempt('contacts.list', { limit: 10 });
    expect.soft(contacts.ok ? contacts.result.items.map((c) => c.name) : [], 'B contacts').toEqual([]);

    // A did not wipe: still unlocked, same vault and keychain entry, its contacts and B's earlier ones kept.
    const statusAAfter = await a.call('vault.status');
    expect.soft(statusAAfter).toMatchObject({ state: 'unlocked', vaultId: vaultIdA });
    expect.soft(await hasKeychainEntry(vaultIdA!), "A's keychain entry").toBe(true);
    const namesOnA = (await a.call('contacts.list', { limit: 200 })).items.map((c) => c.name).sort();
    expect.soft(namesOnA).toEqual(['Alice on A', 'Bob on B', 'Carol on B']);
    expect.soft(await a.call('contacts.get', { id: aliceOnA.id })).toMatchObject({ name: 'Alice on A' });
    expect.soft(listTree(a.dataDir)).toContain('vault/vault.db');
    const devicesOnA = await a.call('devices.list');
    expect.soft(devicesOnA.find((d) => d.deviceId === deviceB!.deviceId)?.status).toBe('revoked');
  }, 90_000);
});
