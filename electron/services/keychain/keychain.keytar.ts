import keytar from 'keytar';
import { AppError } from '../../../shared/errors';
import type { Keychain } from './keychain';
import { isStaleConnection } from './keychain.fresh';

/** The keychain service name: the app id, so entries are easy to find and never collide with other apps. */
export const KEYCHAIN_SERVICE = 'com.fieldvault.desktop';

/** The keytar calls this class makes; injectable so the error mapping can be driven by a test. */
export interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

/**
 * Prefix of the entry that proves the collection is writable when a lookup comes back empty. One
 * per looked-up account: a probe shared by every vault on the machine raced between processes
 * (one deleted the entry while another replaced it) and failed a set-up with KEYCHAIN_UNAVAILABLE.
 */
const PROBE_ACCOUNT = 'fieldvault-keychain-probe';

/**
 * The production keychain on keytar: Secret Service (Linux), Keychain (macOS), Credential Manager
 * (Windows). service = app id, account = vault id, so several vaults on one machine never collide.
 * keytar stores text, so secrets cross its boundary as base64: that string is the one copy this
 * class cannot zero (see README, "What is wiped from memory"); the byte buffers around it are zeroed.
 *
 * On the Secret Service a locked or missing collection makes lookups return null rather than fail, which
 * would look like a deleted entry (`KEY_MISSING`). So an empty lookup is confirmed by writing and
 * removing a probe entry: only a writable collection turns null into "no entry".
 */
export class KeytarKeychain implements Keychain {
  private api: KeytarApi;
  private reconnected = false;
  /** Probes in flight, by account: empty lookups of one account at once share one probe. */
  private readonly probes = new Map<string, Promise<void>>();

  /**
   * `options.reconnect`: a keytar whose every call runs in a fresh process (`childKeytarApi`), used
   * from the first stale-connection error on (see `isStaleConnection`: the in-process libsecret
   * never recovers once the Secret Service restarted). `options.backend`: which backend answers.
   */
  constructor(
    private readonly service: string,
    api: KeytarApi = keytar,
    private readonly options: {
      readonly reconnect?: () => KeytarApi;
      readonly backend?: () => Promise<string | null>;
    } = {},
  ) {
    this.api = api;
  }

  backend(): Promise<string | null> {
    return this.options.backend?.() ?? Promise.resolve(null);
  }

  async get(account: string): Promise<Uint8Array | null> {
    const value = await this.call((api) => api.getPassword(this.service, account));
    if (value !== null) {
      // Buffer.from(string) may land in Node's shared pool: copy out, then zero that slice.
      const decoded = Buffer.from(value, 'base64');
      try {
        return new Uint8Array(decoded);
      } finally {
        decoded.fill(0);
      }
    }
    await this.probe(account);
    return null;
  }

  private probe(account: string): Promise<void> {
    const running = this.probes.get(account);
    if (running !== undefined) return running;
    const entry = `${PROBE_ACCOUNT}:${account}`;
    const probe = (async () => {
      await this.call((api) => api.setPassword(this.service, entry, 'probe'));
      await this.call((api) => api.deletePassword(this.service, entry));
    })().finally(() => this.probes.delete(account));
    this.probes.set(account, probe);
    return probe;
  }

  async set(account: string, secret: Uint8Array): Promise<void> {
    const bytes = Buffer.alloc(secret.length);
    bytes.set(secret);
    try {
      await this.call((api) => api.setPassword(this.service, account, bytes.toString('base64')));
    } finally {
      bytes.fill(0);
    }
  }

  delete(account: string): Promise<boolean> {
    return this.call((api) => api.deletePassword(this.service, account));
  }

  private async call<T>(fn: (api: KeytarApi) => Promise<T>): Promise<T> {
    try {
      return await fn(this.api);
    } catch (error) {
      if (this.reconnected || !this.options.reconnect || !isStaleConnection(error))
        throw mapKeytarError(error);
      // The Secret Service restarted under us: from now on every call runs in a fresh process.
      this.api = this.options.reconnect();
      this.reconnected = true;
      try {
        return await fn(this.api);
      } catch (retryError) {
        throw mapKeytarError(retryError);
      }
    }
  }
}

/**
 * Maps keytar's (libsecret's, Keychain Services', Credential Manager's) error texts to typed errors. The
 * original text is kept only as the cause, never shown or logged. Anything unrecognised is treated as
 * unavailable: there is no fallback store.
 */
export function mapKeytarError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const text = error instanceof Error ? error.message : String(error);
  if (/locked collection|is locked|prompt|dismissed|user canceled|interaction is not allowed/i.test(text)) {
    return new AppError('KEYCHAIN_LOCKED', 'The OS keychain is locked: unlock it and try again', {
      cause: error,
    });
  }
  if (/object does not exist at path .*collection|no such (secret )?collection|default keyring/i.test(text)) {
    return new AppError(
      'KEYCHAIN_LOCKED',
      'The OS keychain has no usable login keyring: unlock or create it and try again',
      { cause: error },
    );
  }
  return new AppError(
    'KEYCHAIN_UNAVAILABLE',
    'The OS keychain is not available: start the keyring service (Secret Service) and try again',
    { cause: error },
  );
}
