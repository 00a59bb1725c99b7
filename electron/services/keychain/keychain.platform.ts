import keytar from 'keytar';
import { detectKeychainBackend } from './keychain.backend';
import { childKeytarApi, forkChildCall, type ChildCall } from './keychain.fresh';
import { KEYCHAIN_SERVICE, KeytarKeychain } from './keychain.keytar';

/**
 * The keychain the app and the dev host use: keytar in process, and, from the first sign that the
 * Secret Service restarted under it, keytar in a fresh process per call (`childCall`: a forked Node
 * in the dev host, an Electron utility process in the app). It also says which backend answers.
 */
export function createAppKeychain(
  service: string = KEYCHAIN_SERVICE,
  childCall: ChildCall = forkChildCall(),
): KeytarKeychain {
  return new KeytarKeychain(service, keytar, {
    reconnect: () => childKeytarApi(childCall),
    backend: () => detectKeychainBackend(),
  });
}
