import { describe, expect, it } from 'vitest';
import {
  MANAGED_PREFERENCES_DOMAIN,
  ManagedPreferencesPolicySource,
  PlutilReader,
} from '../../../../electron/services/policy/policy.mac';
import {
  parseRegQuery,
  POLICY_REGISTRY_KEY,
  RegistryPolicySource,
  RegQueryReader,
} from '../../../../electron/services/policy/policy.windows';
import { tempDir } from '../../support/tmp';
import { FakeManagedPreferences, FakeRegistry } from './fakes';

/** What `reg query HKLM\Software\Policies\FieldVault` prints (CRLF, a subkey, an empty string). */
const REG_QUERY_OUTPUT = [
  '',
  'HKEY_LOCAL_MACHINE\\Software\\Policies\\FieldVault',
  '    serverUrl    REG_SZ    https://sync.example.com',
  '    lockTimeoutMinutes    REG_DWORD    0xa',
  '    backupDirectory    REG_EXPAND_SZ    C:\\Backups\\Field Vault',
  '    enrolmentCode    REG_SZ    ',
  '    blob    REG_BINARY    00FF',
  '',
  'HKEY_LOCAL_MACHINE\\Software\\Policies\\FieldVault\\Sub',
  '',
].join('\r\n');

describe('Windows registry source', () => {
  it('parses reg query output: strings, DWORDs in hex, spaces inside values, unknown types', () => {
    expect(Object.fromEntries(parseRegQuery(REG_QUERY_OUTPUT))).toEqual({
      serverUrl: { type: 'REG_SZ', data: 'https://sync.example.com' },
      lockTimeoutMinutes: { type: 'REG_DWORD', data: 10 },
      backupDirectory: { type: 'REG_EXPAND_SZ', data: 'C:\\Backups\\Field Vault' },
      enrolmentCode: { type: 'REG_SZ', data: '' },
      blob: { type: 'other', typeName: 'REG_BINARY' },
    });
  });

  it('matches value names case-insensitively, as the registry does', async () => {
    const registry = new FakeRegistry();
    registry.set('HKLM', POLICY_REGISTRY_KEY, { LockTimeoutMinutes: 4, EXPORTRIGHTS: 'none' });
    const read = await new RegistryPolicySource(registry).read();
    expect(read.machine).toEqual({ ok: true, policy: { lockTimeoutMinutes: 4, exportRights: 'none' } });
  });

  it('reads HKLM as the machine level and HKCU as the user level', async () => {
    const registry = new FakeRegistry();
    registry.set('HKLM', POLICY_REGISTRY_KEY, { lockTimeoutMinutes: 4 });
    registry.set('HKCU', POLICY_REGISTRY_KEY, { lockTimeoutMinutes: 9, updateChannel: 'beta' });
    expect(await new RegistryPolicySource(registry).read()).toEqual({
      machine: { ok: true, policy: { lockTimeoutMinutes: 4 } },
      user: { ok: true, policy: { lockTimeoutMinutes: 9, updateChannel: 'beta' } },
    });
  });

  it('reports a DWORD policy stored as a string, and a registry it cannot read, as POLICY_INVALID', async () => {
    const registry = new FakeRegistry();
    registry.set('HKLM', POLICY_REGISTRY_KEY, { lockTimeoutMinutes: '5' });
    const wrongType = (await new RegistryPolicySource(registry).read()).machine;
    expect(wrongType.ok ? null : [wrongType.error.code, wrongType.error.reason]).toEqual([
      'POLICY_INVALID',
      'out-of-schema',
    ]);
    registry.failWith = new Error('access denied');
    const failed = await new RegistryPolicySource(registry).read();
    expect(failed.machine.ok ? null : failed.machine.error.reason).toBe('unreadable');
    expect(failed.user.ok ? null : failed.user.error.reason).toBe('unreadable');
  });

  it('runs reg.exe only on Windows (where a missing key reads as no policy)', async () => {
    const read = new RegQueryReader().readValues('HKLM', `${POLICY_REGISTRY_KEY}\\AbsentForTests`);
    if (process.platform === 'win32') await expect(read).resolves.toBeNull();
    else await expect(read).rejects.toThrow('only on Windows');
  });
});

describe('macOS managed preferences source', () => {
  it('drops profile bookkeeping keys and validates the rest', async () => {
    const prefs = new FakeManagedPreferences();
    prefs.domains.set(MANAGED_PREFERENCES_DOMAIN, { PayloadUUID: 'x', lockTimeoutMinutes: 8 });
    expect(await new ManagedPreferencesPolicySource(prefs).read()).toEqual({
      machine: { ok: true, policy: { lockTimeoutMinutes: 8 } },
      user: { ok: true, policy: {} },
    });
  });

  it('reports a property list plutil cannot convert as unparseable', async () => {
    const prefs = new FakeManagedPreferences();
    prefs.unconvertible = true;
    const { machine } = await new ManagedPreferencesPolicySource(prefs).read();
    expect(machine.ok ? null : [machine.error.code, machine.error.reason]).toEqual([
      'POLICY_INVALID',
      'unparseable',
    ]);
  });

  it('runs plutil only on macOS (where a missing plist reads as no policy)', async () => {
    const read = new PlutilReader(tempDir('fv-mcx-')).read(MANAGED_PREFERENCES_DOMAIN);
    if (process.platform === 'darwin') await expect(read).resolves.toBeNull();
    else await expect(read).rejects.toThrow('only on macOS');
  });
});
