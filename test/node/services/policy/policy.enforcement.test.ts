import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../../electron/services/log/logger';
import { FilePolicySource } from '../../../../electron/services/policy/policy.linux';
import {
  MANAGED_PREFERENCES_DOMAIN,
  ManagedPreferencesPolicySource,
} from '../../../../electron/services/policy/policy.mac';
import { MemoryPolicySource } from '../../../../electron/services/policy/policy.memory';
import type { PolicySource } from '../../../../electron/services/policy/policy.source';
import {
  POLICY_REGISTRY_KEY,
  RegistryPolicySource,
} from '../../../../electron/services/policy/policy.windows';
import type { Services } from '../../../../electron/services/services';
import { SETTINGS_FILE } from '../../../../electron/services/settings/settings.module';
import type { ChannelInput, ChannelName, EventName } from '../../../../shared/ipc/contract';
import { createTestServices, testSender } from '../../support/router';
import { tempDir } from '../../support/tmp';
import { FakeManagedPreferences, FakeRegistry, waitFor } from './fakes';

type Raw = Record<string, string | number>;

const running: Services[] = [];
afterEach(async () => {
  for (const services of running.splice(0)) await services.dispose();
});

function start(policy: PolicySource, dir = tempDir('fv-policy-svc-')) {
  const services = createTestServices(dir, { policy });
  running.push(services);
  const events: { event: EventName; payload: unknown }[] = [];
  services.router.onEvent((event, payload) => events.push({ event, payload }));
  const call = async <C extends ChannelName>(channel: C, input?: ChannelInput<C>) =>
    services.router.dispatch(channel, input, testSender);
  return { services, events, call, dir };
}

/** Each OS source, with its machine level set as an admin would set it. */
const sources: Record<string, () => { source: PolicySource; setMachine(raw: Raw): void }> = {
  'file (Linux)': () => {
    const file = path.join(tempDir('fv-policy-'), 'policy.json');
    const setMachine = (raw: Raw): void => {
      writeFileSync(`${file}.tmp`, JSON.stringify(raw), { mode: 0o644 });
      renameSync(`${file}.tmp`, file);
    };
    return {
      source: new FilePolicySource({ path: file, allowNonRootOwner: true, debounceMs: 10 }),
      setMachine,
    };
  },
  'registry HKLM (Windows, injected reader)': () => {
    const registry = new FakeRegistry();
    return {
      source: new RegistryPolicySource(registry, { pollMs: 10 }),
      setMachine: (raw) => registry.set('HKLM', POLICY_REGISTRY_KEY, raw),
    };
  },
  'managed preferences (macOS, injected reader)': () => {
    const prefs = new FakeManagedPreferences();
    return {
      source: new ManagedPreferencesPolicySource(prefs, { pollMs: 10 }),
      setMachine: (raw) => prefs.domains.set(MANAGED_PREFERENCES_DOMAIN, raw),
    };
  },
};

describe.each(Object.entries(sources))('policy enforced in main: %s', (_name, make) => {
  it("replaces the user's lock timeout, refuses to change it, and follows the source", async () => {
    const fixture = make();
    fixture.setMachine({ lockTimeoutMinutes: 5, enrolmentCode: 'ENROL-SECRET-5521', exportRights: 'none' });
    const dir = tempDir('fv-policy-svc-');
    writeFileSync(path.join(dir, SETTINGS_FILE), JSON.stringify({ lockTimeoutMinutes: 30 }));
    const app = start(fixture.source, dir);

    expect(await app.call('settings.get')).toMatchObject({ ok: true, value: { lockTimeoutMinutes: 5 } });
    const policy = await app.call('policy.get');
    expect(policy).toEqual({
      ok: true,
      value: {
        values: { lockTimeoutMinutes: 5, enrolmentCode: 'set', exportRights: 'none' },
        managed: ['enrolmentCode', 'lockTimeoutMinutes', 'exportRights'],
        problems: [],
        restricted: false,
      },
    });
    expect(JSON.stringify(policy)).not.toContain('ENROL-SECRET');

    const refused = await app.call('settings.update', { lockTimeoutMinutes: 60 });
    expect(refused).toEqual({
      ok: false,
      error: { code: 'VALIDATION', message: 'Managed by your organization: lockTimeoutMinutes' },
    });
    expect(JSON.parse(readFileSync(path.join(app.dir, SETTINGS_FILE), 'utf8'))).toEqual({
      lockTimeoutMinutes: 30,
    });
    // Unmanaged keys still change, and the answer keeps IT's value.
    expect(await app.call('settings.update', { theme: 'dark' })).toMatchObject({
      ok: true,
      value: { theme: 'dark', lockTimeoutMinutes: 5 },
    });

    fixture.setMachine({ exportRights: 'all' });
    await waitFor(() => app.events.some((e) => e.event === 'policy.changed'));
    await waitFor(() => app.events.some((e) => e.event === 'settings.changed' && hasTimeout(e.payload, 30)));
    expect(app.events.filter((e) => e.event === 'policy.changed').at(-1)?.payload).toMatchObject({
      values: { exportRights: 'all' },
      managed: ['exportRights'],
    });
    expect(await app.call('settings.get')).toMatchObject({ ok: true, value: { lockTimeoutMinutes: 30 } });
    expect(await app.call('settings.update', { lockTimeoutMinutes: 60 })).toMatchObject({ ok: true });
  });
});

function hasTimeout(payload: unknown, minutes: number): boolean {
  return typeof payload === 'object' && payload !== null && 'lockTimeoutMinutes' in payload
    ? payload.lockTimeoutMinutes === minutes
    : false;
}

describe('policy precedence', () => {
  it("machine over user over the user's own setting (registry HKLM over HKCU)", async () => {
    const registry = new FakeRegistry();
    registry.set('HKCU', POLICY_REGISTRY_KEY, { lockTimeoutMinutes: 10, updateChannel: 'beta' });
    registry.set('HKLM', POLICY_REGISTRY_KEY, { lockTimeoutMinutes: 3 });
    const app = start(new RegistryPolicySource(registry, { pollMs: 10 }));
    expect(await app.call('policy.get')).toMatchObject({
      ok: true,
      value: { values: { lockTimeoutMinutes: 3, updateChannel: 'beta' }, problems: [] },
    });
    expect(app.services.parts.policy.current().origin).toEqual({
      lockTimeoutMinutes: 'machine',
      updateChannel: 'user',
    });

    registry.set('HKLM', POLICY_REGISTRY_KEY, null);
    await waitFor(() => app.services.parts.policy.current().values.lockTimeoutMinutes === 10);
    registry.set('HKCU', POLICY_REGISTRY_KEY, null);
    await waitFor(() => app.services.parts.policy.current().managed.length === 0);
    expect(await app.call('settings.get')).toMatchObject({ ok: true, value: { lockTimeoutMinutes: 15 } });
  });

  it('a broken user policy cannot override a working machine policy', async () => {
    const app = start(
      new MemoryPolicySource({ machine: { lockTimeoutMinutes: 20 }, user: { lockTimeoutMinutes: -1 } }),
    );
    const policy = await app.call('policy.get');
    expect(policy).toMatchObject({
      ok: true,
      value: {
        values: { lockTimeoutMinutes: 20, exportRights: 'none', requiredUnlockMethod: 'os-authentication' },
        problems: [{ level: 'user', reason: 'out-of-schema' }],
        restricted: true,
      },
    });
  });
});

describe('a bad policy file', () => {
  it('starts the app under the restrictive fallback, reports a clear error and logs it without values', async () => {
    const dir = tempDir('fv-policy-');
    const file = path.join(dir, 'policy.json');
    writeFileSync(file, '{\n  "enrolmentCode": "ENROL-SECRET-0042",\n  "lockTimeoutMinutes": 5,\n');
    const lines: string[] = [];
    const services = createTestServices(tempDir('fv-policy-svc-'), {
      policy: new FilePolicySource({ path: file, allowNonRootOwner: true }),
      logger: createLogger({ sink: (line) => lines.push(line) }),
    });
    running.push(services);
    const call = <C extends ChannelName>(channel: C, input?: ChannelInput<C>) =>
      services.router.dispatch(channel, input, testSender);

    expect(await call('policy.get')).toEqual({
      ok: true,
      value: {
        values: {
          lockTimeoutMinutes: 1,
          requiredUnlockMethod: 'os-authentication',
          exportRights: 'none',
          updateChannel: 'stable',
        },
        managed: ['lockTimeoutMinutes', 'requiredUnlockMethod', 'exportRights', 'updateChannel'],
        problems: [
          {
            level: 'machine',
            reason: 'unparseable',
            message: `The policy file ${file} is not valid JSON (line 4, column 1).`,
          },
        ],
        restricted: true,
      },
    });
    expect(await call('settings.get')).toMatchObject({ ok: true, value: { lockTimeoutMinutes: 1 } });
    expect(await call('settings.update', { lockTimeoutMinutes: 60 })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    // The rest of the app still works: the vault can be set up under the strict policy.
    expect(await call('vault.status')).toMatchObject({ ok: true });

    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 'error',
        event: 'policy.invalid',
        scope: 'machine',
        reason: 'unparseable',
      }),
    );
    expect(lines.join('\n')).not.toContain('ENROL-SECRET');
  });
});
