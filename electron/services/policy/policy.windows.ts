import { execFile } from 'node:child_process';
import {
  EMPTY_LAYER,
  parsePolicyLayer,
  PolicyError,
  type PolicyLayer,
  type PolicyRead,
} from '../../../shared/policy/policy.resolve';
import { policyKeys } from '../../../shared/policy/policy.schema';
import { DEFAULT_POLICY_POLL_MS, pollingWatch, type PolicySource } from './policy.source';

/** The key Group Policy (the generated ADMX) writes under HKLM and HKCU. */
export const POLICY_REGISTRY_KEY = 'Software\\Policies\\FieldVault';

export type RegistryHive = 'HKLM' | 'HKCU';

/** One registry value as the reader found it. */
export type RegistryValue =
  | { readonly type: 'REG_SZ' | 'REG_EXPAND_SZ'; readonly data: string }
  | { readonly type: 'REG_DWORD' | 'REG_QWORD'; readonly data: number }
  | { readonly type: 'other'; readonly typeName: string };

/** The registry seam: the real reader shells out to `reg query` on Windows; tests inject a fake. */
export interface RegistryReader {
  /**
   * The values directly under `hive\key` by name, or null when the key does not exist.
   * @throws when the registry cannot be read.
   */
  readValues(hive: RegistryHive, key: string): Promise<ReadonlyMap<string, RegistryValue> | null>;
}

const VALUE_LINE = /^ {4}(.+?) {4}(REG_[A-Z_0-9]+)(?: {4}(.*))?$/;

/** Parses the output of `reg query <key>`: value lines only (subkeys and the header are skipped). */
export function parseRegQuery(stdout: string): Map<string, RegistryValue> {
  const values = new Map<string, RegistryValue>();
  for (const line of stdout.split(/\r?\n/)) {
    const match = VALUE_LINE.exec(line);
    if (!match) continue;
    const [, name = '', typeName = '', data = ''] = match;
    if (typeName === 'REG_SZ' || typeName === 'REG_EXPAND_SZ') {
      values.set(name, { type: typeName, data });
    } else if ((typeName === 'REG_DWORD' || typeName === 'REG_QWORD') && /^0x[0-9a-fA-F]+$/.test(data)) {
      values.set(name, { type: typeName, data: Number.parseInt(data, 16) });
    } else {
      values.set(name, { type: 'other', typeName });
    }
  }
  return values;
}

/** Reads the registry through `reg.exe`; Windows only. */
export class RegQueryReader implements RegistryReader {
  readValues(hive: RegistryHive, key: string): Promise<ReadonlyMap<string, RegistryValue> | null> {
    if (process.platform !== 'win32') return Promise.reject(new Error('reg.exe exists only on Windows'));
    return new Promise((resolve, reject) => {
      execFile(
        'reg.exe',
        ['query', `${hive}\\${key}`],
        { windowsHide: true, encoding: 'utf8', timeout: 10_000 },
        (error, stdout) => {
          if (!error) return resolve(parseRegQuery(stdout));
          // reg.exe exits 1 with an (localised) error on stderr and nothing on stdout for a missing key.
          if (error.code === 1 && stdout.trim() === '') return resolve(null);
          reject(new Error(`reg query ${hive} failed`, { cause: error }));
        },
      );
    });
  }
}

/**
 * Value names are case-insensitive in the registry; an admin who types `LockTimeoutMinutes` by hand
 * means the schema's `lockTimeoutMinutes`. Unknown names are kept so the schema reports them.
 */
function toRaw(values: ReadonlyMap<string, RegistryValue>, where: string): Record<string, unknown> {
  const byLowerName = new Map(policyKeys.map((key) => [key.toLowerCase(), key]));
  const raw: Record<string, unknown> = {};
  for (const [name, value] of values) {
    if (name === '(Default)') continue;
    if (value.type === 'other') {
      throw new PolicyError(
        'unparseable',
        `${where}\\${name} has registry type ${value.typeName}, which no policy uses.`,
      );
    }
    raw[byLowerName.get(name.toLowerCase()) ?? name] = value.data;
  }
  return raw;
}

/** Windows: `HKLM\Software\Policies\FieldVault` (machine) over `HKCU\...` (user). */
export class RegistryPolicySource implements PolicySource {
  readonly description = `HKLM and HKCU\\${POLICY_REGISTRY_KEY}`;

  constructor(
    private readonly reader: RegistryReader,
    private readonly options: { readonly pollMs?: number } = {},
  ) {}

  async read(): Promise<PolicyRead> {
    const [machine, user] = await Promise.all([this.readHive('HKLM'), this.readHive('HKCU')]);
    return { machine, user };
  }

  watch(listener: () => void): () => void {
    // RegNotifyChangeKeyValue needs native code; policy refreshes are rare, so polling is enough.
    return pollingWatch(this.options.pollMs ?? DEFAULT_POLICY_POLL_MS, listener);
  }

  private async readHive(hive: RegistryHive): Promise<PolicyLayer> {
    const where = `${hive}\\${POLICY_REGISTRY_KEY}`;
    try {
      const values = await this.reader.readValues(hive, POLICY_REGISTRY_KEY);
      if (values === null) return EMPTY_LAYER;
      return parsePolicyLayer(toRaw(values, where), where);
    } catch (error) {
      if (error instanceof PolicyError) return { ok: false, error };
      return {
        ok: false,
        error: new PolicyError('unreadable', `${where} could not be read.`, { cause: error }),
      };
    }
  }
}
