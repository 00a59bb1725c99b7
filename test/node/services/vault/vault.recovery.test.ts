import path from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { newVaultKey, type KeySet } from '../../../../electron/services/vault/vault.keyset';
import {
  generateRecoveryCode,
  newKek,
  normaliseRecoveryCode,
  RECOVERY_CODE_BITS,
  RECOVERY_KDF,
  recoveryDelayMs,
  unwrapWithCode,
  writeRecoveryFile,
} from '../../../../electron/services/vault/vault.recovery';
import { tempDir } from '../../support/tmp';

describe('recovery code', () => {
  it('carries at least 128 random bits, in eight groups of four unambiguous symbols', () => {
    expect(RECOVERY_CODE_BITS).toBeGreaterThanOrEqual(128);
    const codes = new Set(Array.from({ length: 200 }, () => generateRecoveryCode()));
    expect(codes.size).toBe(200);
    for (const code of codes) {
      expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
      expect(() => normaliseRecoveryCode(code)).not.toThrow();
    }
  });

  it('reads what a person types: case, spaces, O for 0, I or L for 1', () => {
    const code = generateRecoveryCode();
    const canonical = normaliseRecoveryCode(code);
    const sloppy = code.toLowerCase().replace(/-/g, '  ').replace(/0/g, 'o').replace(/1/g, 'l');
    expect(normaliseRecoveryCode(sloppy)).toBe(canonical);
  });

  it('wraps with the production scrypt parameters and unwraps only with the right code and vault', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'recovery.json');
    const code = generateRecoveryCode();
    const { kek, salt } = await newKek(code, RECOVERY_KDF);
    const key = newVaultKey();
    const set: KeySet = { keys: [key], kek };
    writeRecoveryFile(file, 'vault-1', set, kek, salt, RECOVERY_KDF);
    const stored = readFileSync(file, 'utf8');
    expect(JSON.parse(stored)).toMatchObject({ kdf: { name: 'scrypt', N: 2 ** 17, r: 8, p: 1 } });
    expect(stored).not.toContain(Buffer.from(key.key).toString('base64'));

    const back = await unwrapWithCode(file, 'vault-1', code);
    expect(back.keys[0]!.key).toEqual(key.key);
    expect(back.kek).toEqual(kek);
    await expect(unwrapWithCode(file, 'vault-2', code)).rejects.toMatchObject({
      code: 'RECOVERY_CODE_INVALID',
    });
    await expect(unwrapWithCode(file, 'vault-1', generateRecoveryCode())).rejects.toMatchObject({
      code: 'RECOVERY_CODE_INVALID',
    });
  });

  it('the delay after wrong codes grows and is capped', () => {
    expect([0, 1, 2, 3, 4].map(recoveryDelayMs)).toEqual([0, 1000, 2000, 4000, 8000]);
    expect(recoveryDelayMs(40)).toBe(300_000);
  });
});
