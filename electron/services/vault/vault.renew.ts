import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { renameDurable, writeFileAtomic } from './vault.files';
import type { VaultInternals } from './vault.internals';
import { cloneKeySet, type KeySet } from './vault.keyset';
import type { VaultLayout } from './vault.layout';
import {
  generateRecoveryCode,
  kekOpens,
  newKek,
  writeRecoveryFile,
  type ScryptParams,
} from './vault.recovery';

function nextFile(layout: VaultLayout): string {
  return layout.recoveryFile + '.next';
}

function onboardingFile(layout: VaultLayout): string {
  return path.join(layout.dir, 'onboarding.json');
}

/**
 * Issues a new recovery code and replaces the old wrap, so the old code stops working. Crash-safe:
 * the new wrap is written beside the old one (`recovery.json.next`), then the keychain's key set
 * takes the new wrapping key, then the new wrap replaces the old. `settleRenewal` finishes or drops
 * an interrupted renewal at the next open, by whichever wrapping key the keychain holds, so the
 * wrap and the keychain always agree. The code is returned only after all three steps.
 */
export async function renewRecoveryCode(
  v: VaultInternals,
  params: ScryptParams,
  adopt: (set: KeySet) => void,
): Promise<string> {
  const { layout } = v;
  const m = layout.requireManifest();
  const open = v.open();
  if (!open) throw new AppError('VAULT_LOCKED', 'Unlock the vault before renewing its recovery code');
  const code = generateRecoveryCode();
  const { kek, salt } = await newKek(code, params);
  const next: KeySet = cloneKeySet({ keys: open.keys.keys, kek });
  kek.fill(0);
  writeRecoveryFile(nextFile(layout), m.vaultId, next, next.kek!, salt, params);
  await v.keystore.store(m.vaultId, next);
  renameDurable(nextFile(layout), layout.recoveryFile);
  adopt(next);
  writeOnboarding(layout, false);
  v.logger.log('info', 'vault.recoveryRenewed', { vaultId: m.vaultId });
  return code;
}

/** Finishes (or drops) a renewal a crash interrupted, by the wrapping key the keychain holds. */
export function settleRenewal(layout: VaultLayout, vaultId: string, set: KeySet): void {
  const next = nextFile(layout);
  if (!existsSync(next)) return;
  if (set.kek && kekOpens(next, vaultId, set.kek)) renameDurable(next, layout.recoveryFile);
  else rmSync(next, { force: true });
}

/** Whether the person confirmed they have the current recovery code (null: no onboarding record). */
export function readOnboarding(layout: VaultLayout): boolean | null {
  try {
    const parsed = JSON.parse(readFileSync(onboardingFile(layout), 'utf8')) as {
      recoveryConfirmed?: unknown;
    };
    return typeof parsed.recoveryConfirmed === 'boolean' ? parsed.recoveryConfirmed : null;
  } catch {
    return null;
  }
}

export function writeOnboarding(layout: VaultLayout, recoveryConfirmed: boolean): void {
  writeFileAtomic(onboardingFile(layout), JSON.stringify({ recoveryConfirmed }) + '\n');
}
