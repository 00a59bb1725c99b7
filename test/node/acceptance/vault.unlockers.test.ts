import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEscrowKeyPair } from '../../../electron/services/vault/vault.escrow';
import { Cluster, stopChild, waitFor, type HostProcess } from './support/processes';

/**
 * Issue 13 item 2 / issue 16 escrowKey, black box: the shipped composition root in a dev host,
 * driven over JSON-RPC only, on the real gnome-keyring and the production argon2id cost. A user sets
 * a PIN, locks and unlocks with it; a hostile client brute-forcing the PIN is locked out, across a
 * restart; IT's policy file adds and removes the escrow wrap and can forbid the PIN. The database is
 * never rewritten by any of it.
 */

const PIN = '246810';
const cluster = new Cluster();
let host: HostProcess;
let policyFile = '';
let dataDir = '';

/** The database file's bytes (its WAL only ever grows by appends). */
function dbFingerprint(): Buffer {
  return readFileSync(path.join(dataDir, 'vault', 'vault.db'));
}

/**
 * Pages of the database that differ between two copies. Adding or removing an unlocker must not
 * rewrite the database (a rekey re-encrypts every page); the security log inside the vault does
 * record the change, which touches a few pages of its own table.
 */
function rewrittenPages(before: Buffer, after: Buffer): number {
  const PAGE = 16 * 1024;
  let changed = 0;
  for (let at = 0; at < Math.min(before.length, after.length); at += PAGE) {
    if (!before.subarray(at, at + PAGE).equals(after.subarray(at, at + PAGE))) changed++;
  }
  return changed;
}

async function start(): Promise<void> {
  host = await cluster.startHost('U', { dataDir: dataDir || undefined, args: ['--policy', policyFile] });
  dataDir = host.dataDir;
}

async function kinds(): Promise<string[]> {
  return (await host.call('vault.unlockers.list')).unlockers.map((u) => u.kind).sort();
}

beforeAll(async () => {
  policyFile = path.join(cluster.root, 'policy.json');
  writeFileSync(policyFile, '{}\n');
  await start();
}, 60_000);

afterAll(() => cluster.stop(), 30_000);

describe('unlockers over JSON-RPC (dev host, real keyring)', () => {
  it('sets a PIN without touching the database, locks, and unlocks with it', async () => {
    await host.call('vault.setup');
    await host.call('vault.confirmRecoveryCode');
    const alice = await host.call('contacts.create', { name: 'Alice Unlocker' });
    expect(await kinds()).toEqual(['keychain', 'recovery-code']);
    expect((await host.call('vault.unlockers.list')).pin).toEqual({
      allowed: true,
      set: false,
      lockedOut: false,
      triesLeft: 5,
    });
    const before = dbFingerprint();
    const view = await host.call('vault.pin.set', { pin: PIN });
    expect(view.pin.set).toBe(true);
    expect(rewrittenPages(before, dbFingerprint())).toBeLessThanOrEqual(4);
    expect(JSON.stringify(view)).not.toContain(PIN);

    await host.call('vault.lock');
    expect(await host.call('vault.status')).toMatchObject({ state: 'locked', keychain: 'available' });
    expect(await host.attempt('vault.unlockWithPin', { pin: '135790' })).toMatchObject({
      ok: false,
      code: 'PIN_INVALID',
    });
    expect((await host.call('vault.unlockWithPin', { pin: PIN })).state).toBe('unlocked');
    expect(await host.call('contacts.get', { id: alice.id })).toMatchObject({ name: 'Alice Unlocker' });
    expect((await host.call('vault.unlockers.list')).pin.triesLeft).toBe(5);
    expect(host.stderrTail()).not.toContain(PIN);
  }, 90_000);

  it('a hostile client brute-forcing the PIN is locked out, and stays locked out after a restart', async () => {
    await host.call('vault.lock');
    // Too short to be a PIN: refused as input, not counted as a try.
    expect(await host.attempt('vault.unlockWithPin', { pin: '12' })).toMatchObject({
      ok: false,
      code: 'VALIDATION',
    });
    const answers: string[] = [];
    for (let guess = 0; guess < 4; guess++) {
      const reply = await host.attempt('vault.unlockWithPin', { pin: String(100000 + guess) });
      answers.push(reply.ok ? 'opened' : reply.code);
    }
    expect(answers).toEqual(['PIN_INVALID', 'PIN_INVALID', 'PIN_INVALID', 'PIN_INVALID']);
    await stopChild(host.child);
    await start();
    const fifth = await host.attempt('vault.unlockWithPin', { pin: '100004' });
    expect(fifth).toMatchObject({ ok: false, code: 'PIN_LOCKED_OUT' });
    // The right PIN opens nothing now: the wrap is gone.
    expect(await host.attempt('vault.unlockWithPin', { pin: PIN })).toMatchObject({
      ok: false,
      code: 'PIN_LOCKED_OUT',
    });
    expect(await host.attempt('vault.pin.set', { pin: '999999' })).toMatchObject({
      ok: false,
      code: 'VAULT_LOCKED',
    });
    expect((await host.call('vault.unlockers.list')).pin).toMatchObject({ set: false, lockedOut: true });
    expect((await host.call('vault.status')).state).toBe('locked');
    // The owner still gets in with the keychain and can set a new PIN.
    expect((await host.call('vault.unlock')).state).toBe('unlocked');
    await host.call('vault.pin.set', { pin: 'a longer passphrase' });
    expect((await host.call('vault.unlockers.list')).pin).toMatchObject({ set: true, lockedOut: false });
  }, 120_000);

  it("IT's escrow key is wrapped to when the policy sets it and removed when it is unset; PIN can be forbidden", async () => {
    const before = dbFingerprint();
    const pair = generateEscrowKeyPair();
    writeFileSync(policyFile, JSON.stringify({ escrowKey: pair.publicKey }) + '\n');
    expect(await waitFor(async () => (await kinds()).includes('escrow'), 20_000)).toBe(true);
    const escrow = (await host.call('vault.unlockers.list')).unlockers.find((u) => u.kind === 'escrow');
    expect(escrow?.managed).toBe(true);
    writeFileSync(policyFile, JSON.stringify({ pinUnlock: 'forbidden' }) + '\n');
    expect(await waitFor(async () => !(await kinds()).includes('escrow'), 20_000)).toBe(true);
    expect(await waitFor(async () => !(await host.call('vault.unlockers.list')).pin.allowed, 20_000)).toBe(
      true,
    );
    expect(await kinds()).toEqual(['keychain', 'recovery-code']);
    expect(rewrittenPages(before, dbFingerprint())).toBeLessThanOrEqual(4);
    expect(await host.attempt('vault.pin.set', { pin: '777777' })).toMatchObject({
      ok: false,
      code: 'POLICY_FORBIDDEN',
    });
    await host.call('vault.lock');
    expect(await host.attempt('vault.unlockWithPin', { pin: 'a longer passphrase' })).toMatchObject({
      ok: false,
      code: 'POLICY_FORBIDDEN',
    });
    expect((await host.call('vault.unlock')).state).toBe('unlocked');
  }, 90_000);
});
