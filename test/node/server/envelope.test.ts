import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors';
import { generateDeviceKeys, randomId } from '../../../shared/sync/device-keys';
import { fromBase64Url, toBase64Url, utf8 } from '../../../shared/sync/encoding';
import {
  ENVELOPE_MIN_BYTES,
  EnvelopeError,
  envelopeKeyId,
  generateWorkspaceKey,
  openDelta,
  sealDelta,
  type DeltaPlace,
} from '../../../shared/sync/envelope';
import {
  createInviteSecret,
  deriveInviteAuthKey,
  deriveInviteWrapKey,
  formatInviteCode,
  parseInviteCode,
  signInviteAcceptance,
  unwrapWorkspaceKey,
  verifyInviteAcceptance,
  wrapWorkspaceKey,
} from '../../../shared/sync/invite';
import {
  hashBody,
  signRequest,
  verifyRequestSignature,
  SIGNATURE_HEADERS,
} from '../../../shared/sync/signing';

function place(): DeltaPlace {
  return { workspaceId: randomId(), deviceId: randomId(), deltaId: randomId() };
}

function expectRejected(fn: () => unknown, reason?: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(EnvelopeError);
  expect((caught as EnvelopeError).code).toBe('DELTA_REJECTED');
  if (reason) expect((caught as EnvelopeError).reason).toBe(reason);
}

describe('delta envelope', () => {
  const key = generateWorkspaceKey(7);
  const keys = (id: number) => (id === 7 ? key.key : undefined);

  it('round-trips and has the documented layout', () => {
    const p = place();
    const plaintext = utf8('{"ops":[{"field":"name","value":"MARKER"}]}');
    const env = sealDelta(plaintext, p, key);
    expect(env[0]).toBe(1);
    expect(envelopeKeyId(env)).toBe(7);
    expect(env.length).toBe(ENVELOPE_MIN_BYTES + plaintext.length);
    expect(openDelta(env, p, keys)).toEqual(plaintext);
    // A fresh random nonce each time: sealing twice never gives the same bytes.
    expect(toBase64Url(sealDelta(plaintext, p, key))).not.toBe(toBase64Url(env));
    expect(openDelta(sealDelta(new Uint8Array(0), p, key), p, keys)).toEqual(new Uint8Array(0));
  });

  it('rejects any single flipped byte with a typed error', () => {
    const p = place();
    const env = sealDelta(utf8('customer data'), p, key);
    for (let i = 0; i < env.length; i++) {
      const bad = env.slice();
      bad[i]! ^= 0x01;
      expectRejected(() => openDelta(bad, p, keys));
    }
  });

  it('fails when moved to another workspace, device or delta id, or opened with another key', () => {
    const p = place();
    const env = sealDelta(utf8('customer data'), p, key);
    expectRejected(() => openDelta(env, { ...p, workspaceId: randomId() }, keys), 'auth_failed');
    expectRejected(() => openDelta(env, { ...p, deviceId: randomId() }, keys), 'auth_failed');
    expectRejected(() => openDelta(env, { ...p, deltaId: randomId() }, keys), 'auth_failed');
    expectRejected(() => openDelta(env, p, () => generateWorkspaceKey(7).key), 'auth_failed');
    expectRejected(() => openDelta(env, p, () => undefined), 'unknown_key');
    // Claiming another key id (header rewrite) fails even when that id resolves to the right key.
    const relabelled = env.slice();
    relabelled[4] = 8;
    expectRejected(() => openDelta(relabelled, p, () => key.key), 'auth_failed');
    expectRejected(() => openDelta(env.subarray(0, ENVELOPE_MIN_BYTES - 1), p, keys), 'malformed');
    const v2 = env.slice();
    v2[0] = 2;
    expectRejected(() => openDelta(v2, p, keys), 'unsupported_version');
    expectRejected(() => openDelta(env.subarray(0, env.length - 1), p, keys), 'auth_failed');
  });

  it('ids cannot be shifted between fields (associated data is length-framed)', () => {
    const p = { workspaceId: 'aaaaaaaaaaaaaaaaX', deviceId: 'bbbbbbbbbbbbbbbb', deltaId: 'cccccccccccccccc' };
    const env = sealDelta(utf8('x'), p, key);
    expectRejected(() =>
      openDelta(
        env,
        { workspaceId: 'aaaaaaaaaaaaaaaa', deviceId: 'Xbbbbbbbbbbbbbbbb', deltaId: p.deltaId },
        keys,
      ),
    );
  });

  it('base64url round-trips any bytes and rejects non-canonical text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
      }),
    );
    expect(() => fromBase64Url('ab=')).toThrow(AppError);
    expect(() => fromBase64Url('a')).toThrow(AppError);
    expect(() => fromBase64Url('AB')).toThrow(AppError); // "AB" has non-zero trailing bits
    expect(fromBase64Url('AA')).toEqual(new Uint8Array([0]));
  });
});

describe('invites', () => {
  it('wraps the workspace key under a secret-derived key bound to invite and workspace', () => {
    const wsKey = generateWorkspaceKey(3);
    const secret = createInviteSecret();
    const inviteId = randomId();
    const workspaceId = randomId();
    const k = { wrapKey: deriveInviteWrapKey(secret, inviteId, workspaceId) };
    const wrapped = wrapWorkspaceKey(wsKey, k.wrapKey, inviteId, workspaceId);
    expect(unwrapWorkspaceKey(wrapped, k.wrapKey, inviteId, workspaceId)).toEqual(wsKey);

    const wrongSecret = { wrapKey: deriveInviteWrapKey(createInviteSecret(), inviteId, workspaceId) };
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
        return 'opened';
      } catch (error) {
        return error instanceof AppError ? error.code : 'other';
      }
    };
    expect(codeOf(() => unwrapWorkspaceKey(wrapped, wrongSecret.wrapKey, inviteId, workspaceId))).toBe(
      'WRONG_KEY',
    );
    expect(codeOf(() => unwrapWorkspaceKey(wrapped, k.wrapKey, randomId(), workspaceId))).toBe('WRONG_KEY');
    expect(codeOf(() => unwrapWorkspaceKey(wrapped, k.wrapKey, inviteId, randomId()))).toBe('WRONG_KEY');
    for (let i = 0; i < wrapped.length; i++) {
      const bad = wrapped.slice();
      bad[i]! ^= 0x80;
      expect(codeOf(() => unwrapWorkspaceKey(bad, k.wrapKey, inviteId, workspaceId))).toBe('WRONG_KEY');
    }
    // Keys derived for another invite or workspace differ entirely.
    expect(deriveInviteWrapKey(secret, randomId(), workspaceId)).not.toEqual(k.wrapKey);
    expect(deriveInviteWrapKey(secret, inviteId, randomId())).not.toEqual(k.wrapKey);
    expect(deriveInviteAuthKey(secret, inviteId).secretKey).not.toEqual(k.wrapKey);
  });

  it('the acceptance proof binds the joining device keys and needs the secret', () => {
    const inviteId = randomId();
    const auth = deriveInviteAuthKey(createInviteSecret(), inviteId);
    const k = { authSecretKey: auth.secretKey, authPublicKey: auth.publicKey };
    const dev = generateDeviceKeys();
    const acceptance = {
      inviteId,
      deviceId: randomId(),
      signPublicKey: toBase64Url(dev.signPublicKey),
      boxPublicKey: toBase64Url(dev.boxPublicKey),
    };
    const proof = signInviteAcceptance(k.authSecretKey, acceptance);
    expect(verifyInviteAcceptance(k.authPublicKey, acceptance, proof)).toBe(true);
    const other = toBase64Url(generateDeviceKeys().signPublicKey);
    expect(verifyInviteAcceptance(k.authPublicKey, { ...acceptance, signPublicKey: other }, proof)).toBe(
      false,
    );
    expect(verifyInviteAcceptance(k.authPublicKey, acceptance, 'not-a-proof')).toBe(false);
  });

  it('invite codes round-trip and garbage is a VALIDATION error', () => {
    const code = {
      serverUrl: 'https://sync.example.com:8443',
      inviteId: randomId(),
      secret: createInviteSecret(),
    };
    expect(parseInviteCode(`  ${formatInviteCode(code)}\n`)).toEqual(code);
    for (const bad of ['', 'FV1', 'FV1.a.b.c', formatInviteCode(code).replace('FV1', 'FV2'), 'FV1.!!.x.y']) {
      expect(() => parseInviteCode(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION' }) as Error);
    }
  });
});

describe('request signing', () => {
  it('covers method, path, device, timestamp, nonce and body', () => {
    const dev = generateDeviceKeys();
    const deviceId = randomId();
    const body = utf8('{"deltas":[]}');
    const h = signRequest({
      method: 'POST',
      path: '/v1/x?y=1',
      body,
      deviceId,
      signSecretKey: dev.signSecretKey,
      now: 1000,
    });
    const parts = {
      method: 'POST',
      path: '/v1/x?y=1',
      deviceId,
      timestamp: 1000,
      nonce: h[SIGNATURE_HEADERS.nonce]!,
      bodyHash: hashBody(body),
    };
    const sig = h[SIGNATURE_HEADERS.signature]!;
    expect(verifyRequestSignature(parts, sig, dev.signPublicKey)).toBe(true);
    expect(verifyRequestSignature({ ...parts, method: 'GET' }, sig, dev.signPublicKey)).toBe(false);
    expect(verifyRequestSignature({ ...parts, path: '/v1/x?y=2' }, sig, dev.signPublicKey)).toBe(false);
    expect(verifyRequestSignature({ ...parts, deviceId: randomId() }, sig, dev.signPublicKey)).toBe(false);
    expect(verifyRequestSignature({ ...parts, timestamp: 1001 }, sig, dev.signPublicKey)).toBe(false);
    expect(verifyRequestSignature({ ...parts, nonce: randomId() }, sig, dev.signPublicKey)).toBe(false);
    expect(verifyRequestSignature({ ...parts, bodyHash: hashBody(utf8('{}')) }, sig, dev.signPublicKey)).toBe(
      false,
    );
    expect(verifyRequestSignature(parts, sig, ed25519.getPublicKey(generateDeviceKeys().signSecretKey))).toBe(
      false,
    );
  });
});
