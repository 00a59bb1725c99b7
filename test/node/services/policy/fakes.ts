import { PolicyError } from '../../../../shared/policy/policy.resolve';
import type { ManagedPreferencesReader } from '../../../../electron/services/policy/policy.mac';
import type {
  RegistryHive,
  RegistryReader,
  RegistryValue,
} from '../../../../electron/services/policy/policy.windows';

/** A registry as Group Policy would leave it: numbers as REG_DWORD, strings as REG_SZ. */
export class FakeRegistry implements RegistryReader {
  readonly keys = new Map<string, Map<string, RegistryValue>>();
  failWith: Error | null = null;

  /** Sets (or with null removes) `hive\key` from plain values. */
  set(hive: RegistryHive, key: string, raw: Record<string, string | number> | null): void {
    if (raw === null) {
      this.keys.delete(`${hive}\\${key}`);
      return;
    }
    const values = new Map<string, RegistryValue>();
    for (const [name, data] of Object.entries(raw)) {
      values.set(name, typeof data === 'number' ? { type: 'REG_DWORD', data } : { type: 'REG_SZ', data });
    }
    this.keys.set(`${hive}\\${key}`, values);
  }

  setValue(hive: RegistryHive, key: string, name: string, value: RegistryValue): void {
    const values = this.keys.get(`${hive}\\${key}`) ?? new Map<string, RegistryValue>();
    values.set(name, value);
    this.keys.set(`${hive}\\${key}`, values);
  }

  readValues(hive: RegistryHive, key: string): Promise<ReadonlyMap<string, RegistryValue> | null> {
    if (this.failWith) return Promise.reject(this.failWith);
    return Promise.resolve(this.keys.get(`${hive}\\${key}`) ?? null);
  }
}

/** Managed preferences as `plutil -convert json` would return them. */
export class FakeManagedPreferences implements ManagedPreferencesReader {
  readonly domains = new Map<string, unknown>();
  /** Simulates a property list plutil cannot convert (dates, data). */
  unconvertible = false;

  read(domain: string): Promise<unknown> {
    if (this.unconvertible) {
      return Promise.reject(
        new PolicyError('unparseable', `${domain}.plist could not be converted to JSON.`),
      );
    }
    return Promise.resolve(this.domains.get(domain) ?? null);
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
