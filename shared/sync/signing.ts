import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { fromBase64Url, toBase64Url, utf8 } from './encoding';

/** Request headers that carry a device signature (lower case, as Node delivers them). */
export const SIGNATURE_HEADERS = {
  device: 'x-fv-device',
  timestamp: 'x-fv-timestamp',
  nonce: 'x-fv-nonce',
  signature: 'x-fv-signature',
} as const;

/** Every response carries the server clock (ms since epoch) so a client can measure its skew. */
export const SERVER_TIME_HEADER = 'x-fv-server-time';

/** How far a request timestamp may be from the server clock. */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;

/** What a signature covers. `path` is the exact request target, query string included. */
export interface SignedRequestParts {
  readonly method: string;
  readonly path: string;
  readonly deviceId: string;
  /** ms since epoch, as a decimal string on the wire. */
  readonly timestamp: number;
  /** base64url of 16 random bytes; never reused within the window. */
  readonly nonce: string;
  /** SHA-256 of the exact body bytes (empty body for GET). */
  readonly bodyHash: Uint8Array;
}

/**
 * The bytes signed: `FV-SYNC-SIG-1\nMETHOD\npath\ndeviceId\ntimestamp\nnonce\nhex(sha256(body))`.
 * Ids, nonce and path are validated by the server before verifying, so no field can contain `\n`.
 */
export function canonicalRequest(parts: SignedRequestParts): Uint8Array {
  return utf8(
    [
      'FV-SYNC-SIG-1',
      parts.method.toUpperCase(),
      parts.path,
      parts.deviceId,
      String(parts.timestamp),
      parts.nonce,
      bytesToHex(parts.bodyHash),
    ].join('\n'),
  );
}

export function hashBody(body: Uint8Array | undefined): Uint8Array {
  return sha256(body ?? new Uint8Array(0));
}

/** Headers for one signed request (client side). `now` and `nonce` are injectable for tests. */
export function signRequest(options: {
  method: string;
  path: string;
  body?: Uint8Array;
  deviceId: string;
  signSecretKey: Uint8Array;
  now?: number;
  nonce?: string;
}): Record<string, string> {
  const timestamp = options.now ?? Date.now();
  const nonce = options.nonce ?? toBase64Url(randomBytes(16));
  const message = canonicalRequest({
    method: options.method,
    path: options.path,
    deviceId: options.deviceId,
    timestamp,
    nonce,
    bodyHash: hashBody(options.body),
  });
  return {
    [SIGNATURE_HEADERS.device]: options.deviceId,
    [SIGNATURE_HEADERS.timestamp]: String(timestamp),
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: toBase64Url(ed25519.sign(message, options.signSecretKey)),
  };
}

/** Server side: true when `signature` (base64url) is the device's Ed25519 signature over `parts`. */
export function verifyRequestSignature(
  parts: SignedRequestParts,
  signature: string,
  signPublicKey: Uint8Array,
): boolean {
  try {
    const sig = fromBase64Url(signature);
    if (sig.length !== 64) return false;
    return ed25519.verify(sig, canonicalRequest(parts), signPublicKey);
  } catch {
    return false;
  }
}

/** A device's two key pairs (private halves belong in the encrypted vault). */
export interface DeviceKeys {
  readonly signSecretKey: Uint8Array;
  readonly signPublicKey: Uint8Array;
  readonly boxSecretKey: Uint8Array;
  readonly boxPublicKey: Uint8Array;
}
