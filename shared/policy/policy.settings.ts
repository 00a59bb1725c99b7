import type { Settings } from '../ipc/channels/settings.channels';
import type { Policy, PolicyKey } from './policy.schema';

/** User settings a policy key replaces. The renderer locks these fields; `settings.update` refuses them. */
export const policySettingKeys: { readonly [K in keyof Settings]?: PolicyKey & K } = {
  lockTimeoutMinutes: 'lockTimeoutMinutes',
  backupRetentionCount: 'backupRetentionCount',
  backupRetentionDays: 'backupRetentionDays',
  backupDirectory: 'backupDirectory',
};

/** The settings keys the given managed policy keys lock. */
export function managedSettings(managed: readonly PolicyKey[]): (keyof Settings)[] {
  return (Object.keys(policySettingKeys) as (keyof Settings)[]).filter((key) => {
    const policyKey = policySettingKeys[key];
    return policyKey !== undefined && managed.includes(policyKey);
  });
}

/** The user's settings with every policy-managed value in force instead. */
export function applyPolicyToSettings(settings: Settings, policy: Policy): Settings {
  return {
    ...settings,
    ...(policy.lockTimeoutMinutes !== undefined ? { lockTimeoutMinutes: policy.lockTimeoutMinutes } : {}),
    ...(policy.backupRetentionCount !== undefined
      ? { backupRetentionCount: policy.backupRetentionCount }
      : {}),
    ...(policy.backupRetentionDays !== undefined ? { backupRetentionDays: policy.backupRetentionDays } : {}),
    ...(policy.backupDirectory !== undefined ? { backupDirectory: policy.backupDirectory } : {}),
  };
}
