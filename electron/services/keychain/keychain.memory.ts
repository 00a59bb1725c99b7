import type { Keychain } from './keychain';

/**
 * An in-memory keychain for tests, checked against the same contract tests as the real one.
 * Never used by the app.
 */
export class MemoryKeychain implements Keychain {
  private readonly secrets = new Map<string, Uint8Array>();

  /** `backendId`: what `backend()` answers, so tests can play a change of keyring. */
  constructor(public backendId: string | null = 'memory') {}

  backend(): Promise<string | null> {
    return Promise.resolve(this.backendId);
  }

  get(account: string): Promise<Uint8Array | null> {
    const secret = this.secrets.get(account);
    return Promise.resolve(secret ? Uint8Array.from(secret) : null);
  }

  set(account: string, secret: Uint8Array): Promise<void> {
    this.secrets.set(account, Uint8Array.from(secret));
    return Promise.resolve();
  }

  delete(account: string): Promise<boolean> {
    const existed = this.secrets.delete(account);
    return Promise.resolve(existed);
  }
}
