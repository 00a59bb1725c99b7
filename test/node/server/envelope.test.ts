import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors';
import { generateDeviceKeys, randomId } from '../../../shared/sync/device-keys';
import { fromBase64Url, toBase64Url, utf8 } from '../../../shared/sync/encoding';
import {
  ENVELOPE_MIN_BYTES,
  envelopeBucket,
  envelopeDigest,
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
  const author = generateDeviceKeys();
  const seal = (plaintext: Uint8Array, p: DeltaPlace) => sealDelta(plaintext, p, key, author.signSecretKey);
  const open = (env: Uint8Array, p: DeltaPlace, k = keys, pub = author.signPublicKey) =>
    openDelta(env, p, k, pub);

  it('round-trips, is signed, padded to a bucket and has the documented layout', () => {
    const p = place();
    const plaintext = utf8('{"ops":[{"field":"name","value":"MARKER"}]}');
    const env = seal(plaintext, p);
    expect(env[0]).toBe(2);
    expect(envelopeKeyId(env)).toBe(7);
    expect(env.length).toBe(512);
    const opened = open(env, p);
    expect(opened.plaintext).toEqual(plaintext);
    expect(opened.digest).toEqual(envelopeDigest(env));
    // The last 64 bytes are the author's Ed25519 signature over the tag, the AD and the sealed bytes' digest.
    expect(env.subarray(env.length - 64)).toHaveLength(64);
    // A fresh random nonce each time: sealing twice never gives the same bytes.
    expect(toBase64Url(seal(plaintext, p))).not.toBe(toBase64Url(env));
    expect(open(seal(new Uint8Array(0), p), p).plaintext).toEqual(new Uint8Array(0));
  });

  it('pads to 512 B at least, then to eight size classes per doubling (at most 12.5% more)', () => {
    expect([0, 1, 512, 513, 577, 1024, 1025, 2045, 65_536, 65_537, 131_073].map(envelopeBucket)).toEqual([
      512, 512, 512, 576, 640, 1024, 1152, 2048, 65_536, 73_728, 147_456,
    ]);
    for (let n = 513; n < 3_000_000; n = Math.ceil(n * 1.37)) {
      const bucket = envelopeBucket(n);
      expect(bucket).toBeGreaterThanOrEqual(n);
      expect(bucket / n).toBeLessThanOrEqual(1.125);
    }
    const p = place();
    for (const n of [0, 100, 398, 399, 700, 5_000, 70_000, 200_000]) {
      const env = seal(new Uint8Array(n).fill(65), p);
      expect(env.length).toBe(envelopeBucket(n + ENVELOPE_MIN_BYTES));
      expect(open(env, p).plaintext).toHaveLength(n);
    }
  });

  it('two notes of different lengths in one bucket give envelopes of equal size', () => {
    const p = place();
    const note = (text: string) =>
      utf8(JSON.stringify({ rows: [['op', 'note', 'id', 'hlc', { body: text }]] }));
    const short = seal(note('Call back on Monday.'), p);
    const long = seal(
      note('Call back on Monday about the renewal, the new site in Lyon and the discount.'),
      p,
    );
    expect(short.length).toBe(long.length);
    // Larger notes share a size class too (classes are 512 B wide between 4 and 8 KiB).
    const larger = seal(note('x'.repeat(5_250)), p);
    const large = seal(note('y'.repeat(5_300)), p);
    expect(larger.length).toBe(large.length);
    expect(larger.length % 512).toBe(0);
  });

  it('rejects any single flipped byte with a typed error', () => {
    const p = place();
    const env = seal(utf8('customer data'), p);
    // Every header and signature byte, and a stride through the ciphertext (each verify costs ms).
    for (let i = 0; i < env.length; i++) {
      if (i >= 40 && i < env.length - 80 && i % 7 !== 0) continue;
      const bad = env.slice();
      bad[i]! ^= 0x01;
      expectRejected(() => open(bad, p));
    }
  });

  it('refuses a delta not signed by the author the membership log names, before decrypting', () => {
    const p = place();
    const env = seal(utf8('customer data'), p);
    expectRejected(() => open(env, p, keys, generateDeviceKeys().signPublicKey), 'bad_signature');
    expectRejected(() => open(env, p, keys, new Uint8Array(32)), 'bad_signature');
    // A member holding the workspace key re-signs another device's delta with its own key.
    const forged = env.slice();
    forged.set(new Uint8Array(64), env.length - 64);
    expectRejected(() => open(forged, p), 'bad_signature');
  });

  it('fails when moved to another workspace, device or delta id, or opened with another key', () => {
    const p = place();
    const env = seal(utf8('customer data'), p);
    // The signature covers the associated data, so a moved envelope fails before decryption.
    expectRejected(() => open(env, { ...p, workspaceId: randomId() }), 'bad_signature');
    expectRejected(() => open(env, { ...p, deviceId: randomId() }), 'bad_signature');
    expectRejected(() => open(env, { ...p, deltaId: randomId() }), 'bad_signature');
    expectRejected(() => open(env, p, () => generateWorkspaceKey(7).key), 'auth_failed');
    expectRejected(() => open(env, p, () => undefined), 'unknown_key');
    // Claiming another key id (header rewrite) fails even when that id resolves to the right key.
    const relabelled = env.slice();
    relabelled[4] = 8;
    expectRejected(() => open(relabelled, p, () => key.key), 'bad_signature');
    expectRejected(() => open(env.subarray(0, ENVELOPE_MIN_BYTES - 1), p), 'malformed');
    expectRejected(() => open(env.subarray(0, env.length - 1), p), 'bad_signature');
  });

  it('refuses version 1 (unsigned) and unknown versions as unsupported_version', () => {
    const p = place();
    const env = seal(utf8('customer data'), p);
    for (const version of [0, 1, 3, 255]) {
      const other = env.slice();
      other[0] = version;
      expectRejected(() => open(other, p), 'unsupported_version');
    }
    // A genuine v1 envelope as today's clients seal it: version(1) | keyId | nonce | ct+tag.
    const v1 = new Uint8Array(1 + 4 + 24 + 16 + 5);
    v1[0] = 1;
    v1[4] = 7;
    expectRejected(() => open(v1, p), 'unsupported_version');
  });

  it('ids cannot be shifted between fields (associated data is length-framed)', () => {
    const p = { workspaceId: 'aaaaaaaaaaaaaaaaX', deviceId: 'bbbbbbbbbbbbbbbb', deltaId: 'cccccccccccccccc' };
    const env = seal(utf8('x'), p);
    expectRejected(() =>
      open(env, { workspaceId: 'aaaaaaaaaaaaaaaa', deviceId: 'Xbbbbbbbbbbbbbbbb', deltaId: p.deltaId }),
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
      genesisHash: toBase64Url(new Uint8Array(32).fill(7)),
    };
    expect(parseInviteCode(`  ${formatInviteCode(code)}\n`)).toEqual(code);
    const good = formatInviteCode(code);
    for (const bad of [
      '',
      'FV2',
      'FV2.a.b.c',
      good.replace('FV2', 'FV1'),
      good.split('.').slice(0, 4).join('.'), // an old code without the genesis hash
      `${good.slice(0, -1)}`, // a truncated genesis hash
      'FV2.!!.x.y.z',
    ]) {
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
