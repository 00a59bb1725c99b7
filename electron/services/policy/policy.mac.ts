import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  EMPTY_LAYER,
  parsePolicyLayer,
  PolicyError,
  type PolicyLayer,
  type PolicyRead,
} from '../../../shared/policy/policy.resolve';
import { DEFAULT_POLICY_POLL_MS, pollingWatch, type PolicySource } from './policy.source';

/** The managed preferences domain the generated `.mobileconfig` targets. */
export const MANAGED_PREFERENCES_DOMAIN = 'com.fieldvault.desktop';

/** Where macOS materialises device-level managed preferences from installed profiles. */
export const MANAGED_PREFERENCES_DIR = '/Library/Managed Preferences';

/** The managed preferences seam: the real reader runs `plutil` on macOS; tests inject a fake. */
export interface ManagedPreferencesReader {
  /**
   * The domain's managed preferences as JSON values, or null when no profile sets any.
   * @throws PolicyError('unparseable') when the property list cannot be converted; anything else when it cannot be read.
   */
  read(domain: string): Promise<unknown>;
}

/** Reads `/Library/Managed Preferences/<domain>.plist` with `plutil -convert json`; macOS only. */
export class PlutilReader implements ManagedPreferencesReader {
  constructor(private readonly dir = MANAGED_PREFERENCES_DIR) {}

  read(domain: string): Promise<unknown> {
    if (process.platform !== 'darwin') return Promise.reject(new Error('plutil exists only on macOS'));
    const file = path.join(this.dir, `${domain}.plist`);
    if (!existsSync(file)) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      execFile(
        '/usr/bin/plutil',
        ['-convert', 'json', '-o', '-', '--', file],
        { encoding: 'utf8', timeout: 10_000, maxBuffer: 1024 * 1024 },
        (error, stdout) => {
          // plutil refuses dates and data (no JSON form): that is a bad policy, not a missing one.
          if (error) return reject(new PolicyError('unparseable', `${file} could not be converted to JSON.`));
          try {
            resolve(JSON.parse(stdout));
          } catch {
            reject(new PolicyError('unparseable', `${file} did not convert to valid JSON.`));
          }
        },
      );
    });
  }
}

/**
 * Profile bookkeeping keys some MDMs copy into the managed domain; they are not settings, so they
 * are dropped before the strict schema sees the rest.
 */
function withoutPayloadKeys(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([key]) => !key.startsWith('Payload')));
}

/** macOS: the managed preferences of `com.fieldvault.desktop` (machine level; installed by a profile). */
export class ManagedPreferencesPolicySource implements PolicySource {
  readonly description = `managed preferences ${MANAGED_PREFERENCES_DOMAIN}`;

  constructor(
    private readonly reader: ManagedPreferencesReader,
    private readonly options: { readonly pollMs?: number } = {},
  ) {}

  async read(): Promise<PolicyRead> {
    return { machine: await this.readMachine(), user: EMPTY_LAYER };
  }

  watch(listener: () => void): () => void {
    return pollingWatch(this.options.pollMs ?? DEFAULT_POLICY_POLL_MS, listener);
  }

  private async readMachine(): Promise<PolicyLayer> {
    try {
      const raw = await this.reader.read(MANAGED_PREFERENCES_DOMAIN);
      if (raw === null || raw === undefined) return EMPTY_LAYER;
      return parsePolicyLayer(withoutPayloadKeys(raw), this.description);
    } catch (error) {
      if (error instanceof PolicyError) return { ok: false, error };
      return {
        ok: false,
        error: new PolicyError('unreadable', `The ${this.description} could not be read.`, { cause: error }),
      };
    }
  }
}
