import { FilePolicySource } from './policy.linux';
import { ManagedPreferencesPolicySource, PlutilReader } from './policy.mac';
import type { PolicySource } from './policy.source';
import { RegistryPolicySource, RegQueryReader } from './policy.windows';

/** The policy source the shipped app uses on `platform`: registry, managed preferences or the root-owned file. */
export function createPlatformPolicySource(platform: NodeJS.Platform = process.platform): PolicySource {
  if (platform === 'win32') return new RegistryPolicySource(new RegQueryReader());
  if (platform === 'darwin') return new ManagedPreferencesPolicySource(new PlutilReader());
  return new FilePolicySource();
}
