import { createHash, timingSafeEqual } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors';
import { fromBase64Url, utf8 } from '../shared/sync/encoding';
import { canonicalRequest, SIGNATURE_HEADERS, SIGNATURE_WINDOW_MS } from '../shared/sync/signing';
import { nativeEd25519 } from './ed25519.native';
import { chargeVerifiedDevice } from './ratelimit';
import type { DeviceRecord, SyncStorage } from './storage/storage';

const ID = /^[A-Za-z0-9_-]{16,64}$/;
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
const TIMESTAMP = /^[0-9]{1,16}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;

export interface SignedHeaders {
  readonly deviceId: string;
  readonly timestamp: number;
  readonly nonce: string;
  readonly signature: string;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/** The signature headers, or `SYNC_UNAUTHORIZED` when any is missing or malformed. */
export function readSignedHeaders(request: FastifyRequest): SignedHeaders {
  const deviceId = header(request, SIGNATURE_HEADERS.device);
  const timestamp = header(request, SIGNATURE_HEADERS.timestamp);
  const nonce = header(request, SIGNATURE_HEADERS.nonce);
  const signature = header(request, SIGNATURE_HEADERS.signature);
  if (
    !deviceId ||
    !ID.test(deviceId) ||
    !timestamp ||
    !TIMESTAMP.test(timestamp) ||
    !nonce ||
    !NONCE.test(nonce) ||
    !signature ||
    !SIGNATURE.test(signature)
  ) {
    throw new AppError('SYNC_UNAUTHORIZED', 'missing or malformed request signature');
  }
  return { deviceId, timestamp: Number(timestamp), nonce, signature };
}

/**
 * Checks one signed request against `signPublicKey`: signature over method, exact path, device id,
 * timestamp, nonce and body hash; timestamp within the window; nonce never seen (stored with an expiry
 * in the shared storage, so a replay to another instance fails too). Order matters: the nonce is
 * consumed only after the signature verified, so nobody can burn a device's nonces. The signature
 * is checked with node:crypto's Ed25519 and a cached key object (ed25519.native.ts), the body hash
 * with node:crypto's SHA-256; the clients keep the portable @noble code in shared/.
 */
export async function verifySignedRequest(options: {
  request: FastifyRequest;
  rawBody: Uint8Array | undefined;
  headers: SignedHeaders;
  signPublicKey: Uint8Array;
  storage: SyncStorage;
  now: number;
  /** Checked after the signature and before the nonce (e.g. revocation, the device's rate limit). */
  afterSignature?: () => void | Promise<void>;
}): Promise<void> {
  checkSignature(options);
  await options.afterSignature?.();
  await consumeNonce(options.storage, options.headers);
}

/**
 * For a device that is not registered yet (its key comes from the request body): checks the
 * signature and the clock, and hands back the nonce to consume once everything else that proves the
 * request (an invite proof, say) checked out. So a request signed with a key made up on the spot,
 * which anyone can produce, stores nothing; the nonce still makes an accepted request single-use.
 */
export function verifyUnregisteredRequest(options: {
  request: FastifyRequest;
  rawBody: Uint8Array | undefined;
  headers: SignedHeaders;
  signPublicKey: Uint8Array;
  storage: SyncStorage;
  now: number;
}): { consumeNonce(): Promise<void> } {
  checkSignature(options);
  return { consumeNonce: () => consumeNonce(options.storage, options.headers) };
}

/**
 * A request of the registered `device` (whatever its status or workspace: `afterSignature` checks
 * what the route needs): signature, then `afterSignature`, then the device's rate limit (the request
 * leaves its address's count), then the nonce.
 */
export async function verifyRegisteredDevice(options: {
  request: FastifyRequest;
  rawBody: Uint8Array | undefined;
  headers: SignedHeaders;
  device: DeviceRecord;
  storage: SyncStorage;
  now: number;
  afterSignature?: () => void | Promise<void>;
}): Promise<void> {
  await verifySignedRequest({
    ...options,
    signPublicKey: options.device.signPublicKey,
    afterSignature: async () => {
      await options.afterSignature?.();
      // Only now is the device id proven: its bucket (in shared storage) replaces the address's.
      await chargeVerifiedDevice(options.request, options.device.deviceId);
    },
  });
}

function checkSignature(options: {
  request: FastifyRequest;
  rawBody: Uint8Array | undefined;
  headers: SignedHeaders;
  signPublicKey: Uint8Array;
  now: number;
}): void {
  const { request, headers, now } = options;
  const valid = nativeEd25519.verify(
    signatureBytes(headers.signature),
    canonicalRequest({
      method: request.method,
      path: request.url,
      deviceId: headers.deviceId,
      timestamp: headers.timestamp,
      nonce: headers.nonce,
      bodyHash: nativeSha256(options.rawBody),
    }),
    options.signPublicKey,
  );
  if (!valid) throw new AppError('SYNC_UNAUTHORIZED', 'invalid request signature');
  if (Math.abs(now - headers.timestamp) > SIGNATURE_WINDOW_MS) {
    throw new AppError('CLOCK_SKEW', 'request timestamp outside the accepted window');
  }
}

async function consumeNonce(storage: SyncStorage, headers: SignedHeaders): Promise<void> {
  const fresh = await storage.consumeNonce(
    headers.deviceId,
    headers.nonce,
    headers.timestamp + SIGNATURE_WINDOW_MS,
  );
  if (!fresh) throw new AppError('SYNC_UNAUTHORIZED', 'replayed request');
}

/** Authenticates a registered device of `workspaceId`; revoked devices get `DEVICE_REVOKED`. */
export async function authenticateDevice(options: {
  request: FastifyRequest;
  rawBody: Uint8Array | undefined;
  storage: SyncStorage;
  workspaceId: string;
  now: number;
}): Promise<DeviceRecord> {
  const headers = readSignedHeaders(options.request);
  const device = await options.storage.getDevice(headers.deviceId);
  if (!device) throw new AppError('SYNC_UNAUTHORIZED', 'unknown device');
  await verifyRegisteredDevice({
    ...options,
    headers,
    device,
    afterSignature: () => {
      if (device.status === 'revoked') throw new AppError('DEVICE_REVOKED', 'this device was revoked');
      if (device.workspaceId !== options.workspaceId) {
        throw new AppError('SYNC_UNAUTHORIZED', 'device does not belong to this workspace');
      }
    },
  });
  return device;
}

/** The signature's bytes; empty (so it fails) for text that is not canonical base64url, as before. */
function signatureBytes(text: string): Uint8Array {
  try {
    return fromBase64Url(text);
  } catch {
    return new Uint8Array(0);
  }
}

/**
 * SHA-256 of the exact body bytes with node:crypto: the same digest as shared `hashBody`, natively
 * (push bodies run to megabytes).
 */
function nativeSha256(body: Uint8Array | undefined): Uint8Array {
  const hash = createHash('sha256');
  if (body) hash.update(body);
  return new Uint8Array(hash.digest());
}

export function decodePublicKey(text: string): Uint8Array {
  const bytes = fromBase64Url(text);
  if (bytes.length !== 32) throw new AppError('VALIDATION', 'public key must be 32 bytes');
  return bytes;
}

/**
 * A check of presented enrolment codes against the configured one: both are hashed (SHA-256) and
 * the digests compared in constant time, so neither length nor content leaks through timing.
 */
export function enrolmentCheck(token: string): (presented: unknown) => boolean {
  const expected = sha256(utf8(token));
  return (presented) => typeof presented === 'string' && timingSafeEqual(sha256(utf8(presented)), expected);
}
