import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppError } from '../../../../shared/errors';
import { detectKeychainBackend } from '../../../../electron/services/keychain/keychain.backend';
import { createAppKeychain } from '../../../../electron/services/keychain/keychain.platform';
import { silentLogger } from '../../../../electron/services/log/logger';
import { VaultService } from '../../../../electron/services/vault/vault.service';
import { addNote, noteBodies, notesMigrations, TEST_KDF, testKeychainService } from '../../support/vault';
import { tempDir } from '../../support/tmp';

/**
 * A Linux keyring backend change (GNOME <-> KDE, the app moved into a Flatpak): the entry is gone
 * and another backend answers than the one the vault recorded. vault.status says so, unlock fails
 * typed, and another unlocker (here the PIN) opens the vault and puts the entry into the new keyring.
 * Against the real gnome-keyring; the "other" backend is the record the vault kept from before.
 */
describe('keychain backend change', () => {
  it('is detected from the recorded backend id and recovered with the PIN', async () => {
    const dataDir = tempDir('fv-backend-');
    const keychain = createAppKeychain(testKeychainService());
    const make = () =>
      new VaultService({
        dataDir,
        keychain,
        migrations: [notesMigrations],
        logger: silentLogger,
        now: Date.now,
        recoveryKdf: TEST_KDF,
        pinKdf: { m: 256, t: 1, p: 1 },
      });
    let vault = make();
    await vault.setup();
    addNote(vault, 'moved desktops');
    const record = path.join(dataDir, 'vault', 'keychain-backend.json');
    expect(JSON.parse(readFileSync(record, 'utf8'))).toEqual({ backend: 'secret-service:gnome-keyring' });
    await vault.setPin('314159');
    await vault.lock();
    expect((await vault.statusWithKeychain()).keychain).toBe('available');

    const vaultId = vault.status().vaultId!;
    await keychain.delete(vaultId);
    expect((await vault.statusWithKeychain()).keychain).toBe('missing');

    // The vault was last opened under KDE Wallet; now GNOME answers and has no entry.
    writeFileSync(record, JSON.stringify({ backend: 'secret-service:kwallet' }));
    vault = make();
    const status = await vault.statusWithKeychain();
    expect(status).toMatchObject({ state: 'locked', keychain: 'backend-changed' });
    expect(await vault.unlock().catch((e: AppError) => e.code)).toBe('KEY_MISSING');

    await vault.unlockWithPin('314159');
    expect(noteBodies(vault)).toEqual(['moved desktops']);
    expect(JSON.parse(readFileSync(record, 'utf8'))).toEqual({ backend: 'secret-service:gnome-keyring' });
    await vault.lock();
    expect((await vault.statusWithKeychain()).keychain).toBe('available');
    vault = make();
    await vault.unlock();
    expect(noteBodies(vault)).toEqual(['moved desktops']);
    await vault.lock();
  });

  it('names the backend that owns the Secret Service, with a Flatpak prefix inside a sandbox', async () => {
    expect(await detectKeychainBackend('linux', {})).toBe('secret-service:gnome-keyring');
    expect(await detectKeychainBackend('linux', { FLATPAK_ID: 'com.fieldvault.desktop' })).toBe(
      'flatpak:secret-service:gnome-keyring',
    );
    expect(await detectKeychainBackend('darwin', {})).toBe('macos-keychain');
    expect(await detectKeychainBackend('win32', {})).toBe('windows-credential-manager');
  });
});
