import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { AppError } from '../errors';
import { framed, fromBase64Url, fromUtf8, readUint32be, toBase64Url, uint32be, utf8 } from './encoding';
import type { WorkspaceKey } from './envelope';

/** The invite secret is 128 bits; it stays with the inviter and the joiner, never the server. */
export const INVITE_SECRET_BYTES = 16;
const WRAP_VERSION = 1;
const NONCE_BYTES = 24;
const HKDF_SALT = utf8('fieldvault/invite/v1');
const CODE_PREFIX = 'FV2';

/** The acceptance-proof key pair derived from an invite secret. Zero `secretKey` when done. */
export interface InviteAuthKey {
  /** Ed25519 secret key proving knowledge of the invite secret when accepting. */
  readonly secretKey: Uint8Array;
  /** Uploaded with the invite; the server verifies the joiner's proof with it. */
  readonly publicKey: Uint8Array;
}

/** A fresh random invite secret. */
export function createInviteSecret(): Uint8Array {
  return randomBytes(INVITE_SECRET_BYTES);
}

function checkSecret(secret: Uint8Array): void {
  if (secret.length !== INVITE_SECRET_BYTES)
    throw new AppError('VALIDATION', 'invite secret must be 16 bytes');
}

/** HKDF-SHA256(secret) into the key that wraps the workspace key, bound to invite and workspace. */
export function deriveInviteWrapKey(secret: Uint8Array, inviteId: string, workspaceId: string): Uint8Array {
  checkSecret(secret);
  return hkdf(sha256, secret, HKDF_SALT, framed(utf8('wrap'), utf8(inviteId), utf8(workspaceId)), 32);
}

/**
 * HKDF-SHA256(secret) into an Ed25519 key bound to the invite id (the joiner does not know the
 * workspace id before accepting). The server stores only the public half, so it can check that the
 * joiner holds the secret without ever learning it, and a leaked database does not help anyone join.
 */
export function deriveInviteAuthKey(secret: Uint8Array, inviteId: string): InviteAuthKey {
  checkSecret(secret);
  const secretKey = hkdf(sha256, secret, HKDF_SALT, framed(utf8('auth'), utf8(inviteId)), 32);
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

function wrapAd(inviteId: string, workspaceId: string, keyId: number): Uint8Array {
  return framed(
    utf8('fieldvault/invite-wrap/v1'),
    new Uint8Array([WRAP_VERSION]),
    uint32be(keyId),
    utf8(inviteId),
    utf8(workspaceId),
  );
}

/**
 * Encrypts the workspace key under the invite's wrap key:
 * `version(1) | keyId(4) | nonce(24) | ciphertext+tag`, AD = invite id + workspace id + key id.
 */
export function wrapWorkspaceKey(
  workspaceKey: WorkspaceKey,
  wrapKey: Uint8Array,
  inviteId: string,
  workspaceId: string,
): Uint8Array {
  if (workspaceKey.key.length !== 32) throw new AppError('VALIDATION', 'workspace key must be 32 bytes');
  const nonce = randomBytes(NONCE_BYTES);
  const ct = xchacha20poly1305(wrapKey, nonce, wrapAd(inviteId, workspaceId, workspaceKey.keyId)).encrypt(
    workspaceKey.key,
  );
  const out = new Uint8Array(5 + NONCE_BYTES + ct.length);
  out[0] = WRAP_VERSION;
  out.set(uint32be(workspaceKey.keyId), 1);
  out.set(nonce, 5);
  out.set(ct, 5 + NONCE_BYTES);
  return out;
}

/** Inverse of `wrapWorkspaceKey`; `WRONG_KEY` when the secret, invite id or workspace id do not match. */
export function unwrapWorkspaceKey(
  wrapped: Uint8Array,
  wrapKey: Uint8Array,
  inviteId: string,
  workspaceId: string,
): WorkspaceKey {
  if (wrapped.length !== 5 + NONCE_BYTES + 32 + 16 || wrapped[0] !== WRAP_VERSION) {
    throw new AppError('WRONG_KEY', 'wrapped workspace key is malformed');
  }
  const keyId = readUint32be(wrapped, 1);
  try {
    const key = xchacha20poly1305(
      wrapKey,
      wrapped.subarray(5, 5 + NONCE_BYTES),
      wrapAd(inviteId, workspaceId, keyId),
    ).decrypt(wrapped.subarray(5 + NONCE_BYTES));
    return { keyId, key };
  } catch {
    throw new AppError('WRONG_KEY', 'invite secret does not open the workspace key');
  }
}

/** What a joiner signs with the invite's auth key: it binds the acceptance to its own device keys. */
export interface InviteAcceptance {
  readonly inviteId: string;
  readonly deviceId: string;
  /** base64url Ed25519 public key of the joining device. */
  readonly signPublicKey: string;
  /** base64url X25519 public key of the joining device. */
  readonly boxPublicKey: string;
}

function acceptanceMessage(a: InviteAcceptance): Uint8Array {
  return framed(
    utf8('fieldvault/invite-accept/v1'),
    utf8(a.inviteId),
    utf8(a.deviceId),
    utf8(a.signPublicKey),
    utf8(a.boxPublicKey),
  );
}

/** The proof (base64url Ed25519 signature) that the joiner holds the invite secret. */
export function signInviteAcceptance(authSecretKey: Uint8Array, acceptance: InviteAcceptance): string {
  return toBase64Url(ed25519.sign(acceptanceMessage(acceptance), authSecretKey));
}

/** Server side: checks the acceptance proof against the invite's stored auth public key. */
export function verifyInviteAcceptance(
  authPublicKey: Uint8Array,
  acceptance: InviteAcceptance,
  proof: string,
): boolean {
  try {
    return ed25519.verify(fromBase64Url(proof), acceptanceMessage(acceptance), authPublicKey);
  } catch {
    return false;
  }
}

/**
 * The parts of an invite code: the server to contact, the invite id, the secret, and the hash of
 * the workspace's genesis membership entry (the joiner verifies the log the server sends against it,
 * so a server cannot hand it a substitute workspace).
 */
export interface InviteCode {
  readonly serverUrl: string;
  readonly inviteId: string;
  readonly secret: Uint8Array;
  readonly genesisHash: string;
}

/** `FV2.<base64url(server URL)>.<invite id>.<base64url(secret)>.<genesis hash>`: one copyable token. */
export function formatInviteCode(code: InviteCode): string {
  return [
    CODE_PREFIX,
    toBase64Url(utf8(code.serverUrl)),
    code.inviteId,
    toBase64Url(code.secret),
    code.genesisHash,
  ].join('.');
}

/** Parses an invite code (surrounding whitespace ignored); `VALIDATION` when it is not one. */
export function parseInviteCode(text: string): InviteCode {
  const parts = text.trim().split('.');
  if (parts.length !== 5 || parts[0] !== CODE_PREFIX) throw new AppError('VALIDATION', 'not an invite code');
  const [, urlPart, inviteId, secretPart, genesisHash] = parts as [string, string, string, string, string];
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(inviteId) || !/^[A-Za-z0-9_-]{43}$/.test(genesisHash))
    throw new AppError('VALIDATION', 'not an invite code');
  let serverUrl: string;
  let secret: Uint8Array;
  try {
    serverUrl = fromUtf8(fromBase64Url(urlPart));
    secret = fromBase64Url(secretPart);
  } catch {
    throw new AppError('VALIDATION', 'not an invite code');
  }
  if (secret.length !== INVITE_SECRET_BYTES || !/^https?:\/\/[^\s]+$/.test(serverUrl)) {
    throw new AppError('VALIDATION', 'not an invite code');
  }
  return { serverUrl, inviteId, secret, genesisHash };
}
