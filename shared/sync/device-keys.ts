import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { toBase64Url } from './encoding';
import type { DeviceKeys } from './signing';

/** Fresh Ed25519 (request signing) and X25519 (key transport) key pairs for a device. */
export function generateDeviceKeys(): DeviceKeys {
  const signSecretKey = randomBytes(32);
  const boxSecretKey = randomBytes(32);
  return {
    signSecretKey,
    signPublicKey: ed25519.getPublicKey(signSecretKey),
    boxSecretKey,
    boxPublicKey: x25519.getPublicKey(boxSecretKey),
  };
}

/** A random 128-bit id in base64url (22 characters): workspace, device, invite and delta ids. */
export function randomId(): string {
  return toBase64Url(randomBytes(16));
}
