import { PolkitAuthenticator } from './auth.polkit';
import { UnsupportedAuthenticator, type OsAuthenticator } from './os-authenticator';

/**
 * Windows Hello: Electron has no API for it, and no maintained Node module offers
 * `UserConsentVerifier` (the candidates are unmaintained or need a WinRT projection that no longer
 * builds). Until one exists this answers `AUTH_UNAVAILABLE` with that reason; IT can then choose
 * `requiredUnlockMethod: keychain`.
 */
export const WINDOWS_HELLO_UNAVAILABLE =
  'Windows Hello is not supported by this version of FieldVault (no maintained Windows Hello module)';

/**
 * The OS check for platforms whose implementation is plain Node. macOS's Touch ID needs Electron
 * (`systemPreferences`), so `electron/main` builds that one itself and injects it.
 */
export function createPlatformAuthenticator(platform: NodeJS.Platform): OsAuthenticator {
  if (platform === 'linux') return new PolkitAuthenticator();
  if (platform === 'win32') return new UnsupportedAuthenticator(WINDOWS_HELLO_UNAVAILABLE);
  return new UnsupportedAuthenticator('This platform has no OS user check FieldVault can use');
}
