import keytar from 'keytar';
import type { Keychain } from './keychain';

/**
 * The production keychain on keytar: Secret Service (Linux), Keychain (macOS), Credential Manager
 * (Windows). service = app id, account = vault id, so several vaults on one machine never collide.
 * keytar stores text, so secrets cross its boundary as base64.
 */
export class KeytarKeychain implements Keychain {
  constructor(private readonly service: string) {}

  async get(account: string): Promise<Uint8Array | null> {
    const value = await keytar.getPassword(this.service, account);
    return value === null ? null : new Uint8Array(Buffer.from(value, 'base64'));
  }

  async set(account: string, secret: Uint8Array): Promise<void> {
    await keytar.setPassword(this.service, account, Buffer.from(secret).toString('base64'));
  }

  delete(account: string): Promise<boolean> {
    return keytar.deletePassword(this.service, account);
  }
}

/** The keychain service name: the app id, so entries are easy to find and never collide with other apps. */
export const KEYCHAIN_SERVICE = 'com.fieldvault.desktop';
