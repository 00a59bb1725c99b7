import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppError } from '../../../../shared/errors';
import { silentLogger } from '../../../../electron/services/log/logger';
import { VaultService } from '../../../../electron/services/vault/vault.service';
import type { UnlockerPolicy } from '../../../../electron/services/vault/vault.unlock-methods';
import {
  addNote,
  noteBodies,
  notesMigrations,
  realKeychain,
  runFixture,
  TEST_KDF,
  testKeychainService,
} from '../../support/vault';
import { tempDir } from '../../support/tmp';

/**
 * The organisation's recovery tool end to end: `tools/escrow-recover.ts` as IT runs it (a child
 * process, the real Secret Service), against a real vault whose escrow wrap main wrote because the
 * policy named the key.
 */

const TOOL = 'tools/escrow-recover.ts';

function vaultOf(dataDir: string, service: string, policy: UnlockerPolicy): VaultService {
  return new VaultService({
    dataDir,
    keychain: realKeychain(service),
    migrations: [notesMigrations],
    logger: silentLogger,
    now: Date.now,
    recoveryKdf: TEST_KDF,
    pinKdf: { m: 256, t: 1, p: 1 },
    unlockerPolicy: () => Promise.resolve(policy),
  });
}

async function keygen(dir: string): Promise<{ publicKey: string; keyFile: string }> {
  const keyFile = path.join(dir, 'org-escrow.key');
  const run = await runFixture(TOOL, ['keygen', '--out', keyFile]);
  expect(run.code, run.stderr).toBe(0);
  const line = JSON.parse(run.lines[0]!) as { escrowKey: string };
  expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  expect(run.lines.join('\n')).not.toContain(readFileSync(keyFile, 'utf8').split('\n')[1]);
  return { publicKey: line.escrowKey, keyFile };
}

describe('escrow recovery CLI against a real vault', () => {
  it('puts the unlock key back into a new keychain entry; the app then opens as usual', async () => {
    const dir = tempDir('fv-escrow-');
    const dataDir = path.join(dir, 'data');
    const service = testKeychainService();
    const { publicKey, keyFile } = await keygen(dir);
    const vault = vaultOf(dataDir, service, { pin: 'allowed', escrowKey: publicKey });
    await vault.setup();
    addNote(vault, 'escrowed');
    await vault.lock();
    const vaultId = vault.status().vaultId!;
    // The user's keychain is gone (a new laptop profile, another keyring).
    await realKeychain(service).delete(vaultId);
    expect(
      await vaultOf(dataDir, service, { pin: 'allowed' })
        .unlock()
        .catch((e: AppError) => e.code),
    ).toBe('KEY_MISSING');
    const run = await runFixture(TOOL, [
      'recover',
      '--key',
      keyFile,
      '--vault',
      path.join(dataDir, 'vault'),
      '--to-keychain',
      '--service',
      service,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.lines[0]!)).toEqual({ ok: true, vaultId, restored: 'keychain' });
    const reopened = vaultOf(dataDir, service, { pin: 'allowed', escrowKey: publicKey });
    await reopened.unlock();
    expect(noteBodies(reopened)).toEqual(['escrowed']);
    await reopened.lock();
  });

  it('rewraps to a new recovery code written only to a 0600 file: the old code fails, the new one recovers', async () => {
    const dir = tempDir('fv-escrow-');
    const dataDir = path.join(dir, 'data');
    const service = testKeychainService();
    const { publicKey, keyFile } = await keygen(dir);
    const vault = vaultOf(dataDir, service, { pin: 'allowed', escrowKey: publicKey });
    const { recoveryCode: oldCode } = await vault.setup();
    addNote(vault, 'new code');
    await vault.lock();
    const vaultId = vault.status().vaultId!;
    const codeFile = path.join(dir, 'new-code.txt');
    const run = await runFixture(TOOL, [
      'recover',
      '--key',
      keyFile,
      '--vault',
      dataDir,
      '--new-recovery-code',
      codeFile,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const newCode = readFileSync(codeFile, 'utf8').trim();
    expect(newCode).toMatch(/^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/);
    expect(statSync(codeFile).mode & 0o777).toBe(0o600);
    expect(run.lines.join('\n') + run.stderr).not.toContain(newCode);
    await realKeychain(service).delete(vaultId);
    const fresh = vaultOf(dataDir, service, { pin: 'allowed', escrowKey: publicKey });
    expect(await fresh.recover(oldCode).catch((e: AppError) => e.code)).toBe('RECOVERY_CODE_INVALID');
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the throttle's delay after one wrong code
    await fresh.recover(newCode);
    expect(noteBodies(fresh)).toEqual(['new code']);
    // The new code is also what a later rekey re-wraps for (the key set took the new wrapping key).
    await fresh.rekey();
    await fresh.lock();
    await realKeychain(service).delete(vaultId);
    const again = vaultOf(dataDir, service, { pin: 'allowed' });
    await again.recover(newCode);
    expect(noteBodies(again)).toEqual(['new code']);
    await again.lock();
  });

  it('another organisation key opens nothing and says so without a secret', async () => {
    const dir = tempDir('fv-escrow-');
    const dataDir = path.join(dir, 'data');
    const service = testKeychainService();
    const { publicKey } = await keygen(dir);
    const other = await keygen(tempDir('fv-escrow-other-'));
    const vault = vaultOf(dataDir, service, { pin: 'allowed', escrowKey: publicKey });
    await vault.setup();
    await vault.lock();
    const run = await runFixture(TOOL, [
      'recover',
      '--key',
      other.keyFile,
      '--vault',
      dataDir,
      '--to-keychain',
      '--service',
      service,
    ]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stderr.trim().split('\n').pop()!)).toMatchObject({ ok: false, code: 'WRONG_KEY' });
    const usage = await runFixture(TOOL, ['recover', '--key', other.keyFile]);
    expect(usage.code).toBe(2);
  });
});
