import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
import { PolicyError, type PolicyLayer } from '../../../../shared/policy/policy.resolve';
import { policyFieldMeta, policyKeys } from '../../../../shared/policy/policy.schema';
import { tempDir } from '../../support/tmp';
import { FakeManagedPreferences, FakeRegistry, waitFor } from './fakes';

type Raw = Record<string, string | number>;

/** One implementation under the contract: its source and how an admin would change what it reads. */
interface SourceFixture {
  readonly source: PolicySource;
  /** Sets the machine-level policy as raw values (null: no policy at all). */
  setMachine(raw: Raw | null): void;
  /** Leaves something at the machine level that is not a policy at all (bad JSON, a binary value). */
  setGarbage(): void;
}

const fixtures: Record<string, () => SourceFixture> = {
  'file (Linux)': () => {
    const file = path.join(tempDir('fv-policy-'), 'policy.json');
    // Write-and-rename as configuration management tools do, so a read never sees half a file.
    const write = (text: string): void => {
      writeFileSync(`${file}.tmp`, text, { mode: 0o644 });
      renameSync(`${file}.tmp`, file);
    };
    return {
      source: new FilePolicySource({ path: file, allowNonRootOwner: true, debounceMs: 10 }),
      setMachine: (raw) => (raw === null ? rmSync(file, { force: true }) : write(JSON.stringify(raw))),
      setGarbage: () => write('{ "lockTimeoutMinutes": 5,'),
    };
  },
  'registry (Windows, injected reader)': () => {
    const registry = new FakeRegistry();
    return {
      source: new RegistryPolicySource(registry, { pollMs: 10 }),
      setMachine: (raw) => registry.set('HKLM', POLICY_REGISTRY_KEY, raw),
      setGarbage: () =>
        registry.setValue('HKLM', POLICY_REGISTRY_KEY, 'lockTimeoutMinutes', {
          type: 'other',
          typeName: 'REG_BINARY',
        }),
    };
  },
  'managed preferences (macOS, injected reader)': () => {
    const prefs = new FakeManagedPreferences();
    return {
      source: new ManagedPreferencesPolicySource(prefs, { pollMs: 10 }),
      setMachine: (raw) => {
        prefs.unconvertible = false;
        if (raw === null) prefs.domains.delete(MANAGED_PREFERENCES_DOMAIN);
        else prefs.domains.set(MANAGED_PREFERENCES_DOMAIN, raw);
      },
      setGarbage: () => (prefs.unconvertible = true),
    };
  },
  'memory (tests)': () => {
    const source = new MemoryPolicySource();
    return {
      source,
      setMachine: (raw) => source.set({ machine: raw }),
      setGarbage: () => source.set({ machine: 'not a policy' }),
    };
  },
};

/** Every key at its example value: what the templates ship. */
const EXAMPLES: Raw = Object.fromEntries(policyKeys.map((key) => [key, policyFieldMeta[key].example]));

function invalid(layer: PolicyLayer): PolicyError {
  if (layer.ok) throw new Error('expected an invalid layer');
  return layer.error;
}

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

describe.each(Object.entries(fixtures))('policy source contract: %s', (_name, make) => {
  it('reads no policy as an empty machine and user level, not as an error', async () => {
    const { source } = make();
    expect(await source.read()).toEqual({
      machine: { ok: true, policy: {} },
      user: { ok: true, policy: {} },
    });
  });

  it('reads every key of the schema at the machine level, typed', async () => {
    const fixture = make();
    fixture.setMachine(EXAMPLES);
    const read = await fixture.source.read();
    expect(read.machine).toEqual({ ok: true, policy: EXAMPLES });
    expect(read.user).toEqual({ ok: true, policy: {} });
  });

  it('reports an out-of-schema policy as POLICY_INVALID naming the keys, never a value', async () => {
    const fixture = make();
    fixture.setMachine({ enrolmentCode: 'SECRET-ENROL-9271', lockTimeoutMinutes: 0, colour: 'blue' });
    const error = invalid((await fixture.source.read()).machine);
    expect(error).toBeInstanceOf(PolicyError);
    expect(error.code).toBe('POLICY_INVALID');
    expect(error.reason).toBe('out-of-schema');
    expect(error.message).toContain('lockTimeoutMinutes');
    expect(error.message).toContain('colour');
    expect(error.message).not.toContain('SECRET-ENROL-9271');
  });

  it('reports something that is not a policy at all as POLICY_INVALID', async () => {
    const fixture = make();
    fixture.setGarbage();
    const error = invalid((await fixture.source.read()).machine);
    expect(error.code).toBe('POLICY_INVALID');
    expect(['unparseable', 'out-of-schema']).toContain(error.reason);
  });

  it('tells a watcher about a change and about a removal, and stops when asked', async () => {
    const fixture = make();
    let calls = 0;
    const stop = fixture.source.watch(() => calls++);
    stops.push(stop);
    fixture.setMachine({ lockTimeoutMinutes: 5 });
    await waitFor(async () => calls > 0 && (await fixture.source.read()).machine.ok);
    expect((await fixture.source.read()).machine).toEqual({ ok: true, policy: { lockTimeoutMinutes: 5 } });

    const before = calls;
    fixture.setMachine(null);
    await waitFor(() => calls > before);
    expect((await fixture.source.read()).machine).toEqual({ ok: true, policy: {} });

    stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = calls;
    fixture.setMachine({ lockTimeoutMinutes: 7 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).toBe(stopped);
  });
});
