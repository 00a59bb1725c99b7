import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toPolicyView } from '../../../../shared/policy/policy.channels';
import { resolvePolicy } from '../../../../shared/policy/policy.resolve';
import { policyFieldMeta, policyKeys, policySchema } from '../../../../shared/policy/policy.schema';
import { POLICY_BUILD_DIR, policyArtefacts, policyId } from '../../../../tools/policy-gen';

describe('generated policy artefacts (build/policy, from shared/policy/policy.schema.ts)', () => {
  it('are committed exactly as `npm run policy:gen` writes them', async () => {
    for (const [name, text] of await policyArtefacts()) {
      expect(readFileSync(path.join(POLICY_BUILD_DIR, name), 'utf8'), `build/policy/${name} is stale`).toBe(
        text,
      );
    }
  });

  it('carry every schema key in every artefact', async () => {
    const files = await policyArtefacts();
    const json = JSON.parse(files.get('policy.schema.json') ?? '') as { properties: Record<string, unknown> };
    const admx = files.get('windows/fieldvault.admx') ?? '';
    const adml = files.get('windows/en-US/fieldvault.adml') ?? '';
    const mobileconfig = files.get('macos/com.fieldvault.desktop.mobileconfig') ?? '';
    expect(Object.keys(json.properties)).toEqual(policyKeys);
    for (const key of policyKeys) {
      const id = policyId(key);
      expect(admx, key).toContain(`<policy name="${id}" class="Both"`);
      expect(admx, key).toContain(`valueName="${key}"`);
      expect(adml, key).toContain(`<string id="${id}">`);
      expect(adml, key).toContain(`<string id="${id}_Explain">`);
      expect(adml, key).toContain(`<presentation id="${id}">`);
      expect(mobileconfig, key).toContain(`<key>${key}</key>`);
    }
  });

  it('name every enum value in the ADMX and the ADML', async () => {
    const files = await policyArtefacts();
    for (const key of policyKeys) {
      const choices = Object.keys(policyFieldMeta[key].choices ?? {});
      const field = (
        JSON.parse(files.get('policy.schema.json') ?? '') as {
          properties: Record<string, { enum?: string[] }>;
        }
      ).properties[key];
      expect(choices, key).toEqual(field?.enum ?? []);
      for (const value of choices) {
        expect(files.get('windows/fieldvault.admx'), key).toContain(`<string>${value}</string>`);
      }
    }
  });

  it('store integers as REG_DWORD and everything else as REG_SZ, as the registry source reads them', () => {
    const json = JSON.parse(readFileSync(path.join(POLICY_BUILD_DIR, 'policy.schema.json'), 'utf8')) as {
      properties: Record<string, { type: string }>;
    };
    for (const key of policyKeys) {
      const integer = json.properties[key]?.type === 'integer';
      expect(policyFieldMeta[key].registryType, key).toBe(integer ? 'REG_DWORD' : 'REG_SZ');
      expect(typeof policyFieldMeta[key].example, key).toBe(integer ? 'number' : 'string');
    }
  });

  it('ship template values the schema accepts, and policy.get reports secrets only as "set"', () => {
    const examples = Object.fromEntries(policyKeys.map((key) => [key, policyFieldMeta[key].example]));
    const policy = policySchema.parse(examples);
    const view = toPolicyView(
      resolvePolicy({ machine: { ok: true, policy }, user: { ok: true, policy: {} } }),
    );
    for (const key of policyKeys) {
      if (policyFieldMeta[key].secret) expect(view.values[key], key).toBe('set');
      else expect(view.values[key], key).toEqual(policy[key]);
    }
    expect(JSON.stringify(view)).not.toContain(String(policyFieldMeta.enrolmentCode.example));
  });
});
