import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { NativeEd25519 } from '../../../server/ed25519.native';

const noble = (sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean => {
  try {
    return sig.length === 64 && ed25519.verify(sig, msg, pub);
  } catch {
    return false;
  }
};

/** RFC 8032 section 7.1, tests 1-3. */
const RFC8032 = [
  {
    pk: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    msg: '',
    sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    msg: '72',
    sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    pk: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    msg: 'af82',
    sig: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const le = (bytes: Uint8Array): bigint => BigInt(`0x${bytesToHex(Uint8Array.from(bytes).reverse()) || '0'}`);
const toLe32 = (n: bigint): Uint8Array => hexToBytes(n.toString(16).padStart(64, '0')).reverse();

interface Case {
  readonly name: string;
  readonly sig: Uint8Array;
  readonly msg: Uint8Array;
  readonly pub: Uint8Array;
}

function flip(bytes: Uint8Array, index: number, bit = 1): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[index] = out[index]! ^ bit;
  return out;
}

/** Honest signatures and every way of altering one: the set both verifiers must agree on. */
function standardCases(): Case[] {
  const cases: Case[] = RFC8032.map((v, i) => ({
    name: `rfc8032-${i + 1}`,
    sig: hexToBytes(v.sig),
    msg: hexToBytes(v.msg),
    pub: hexToBytes(v.pk),
  }));
  for (let i = 0; i < 40; i++) {
    const sk = ed25519.utils.randomSecretKey();
    const pub = ed25519.getPublicKey(sk);
    const msg = randomBytes(i * 7);
    const sig = ed25519.sign(msg, sk);
    cases.push({ name: `honest-${i}`, sig, msg, pub });
    cases.push({ name: `sig-bit-${i}`, sig: flip(sig, i % 64, 1 << (i % 8)), msg, pub });
    cases.push({ name: `msg-${i}`, sig, msg: msg.length ? flip(msg, 0) : Uint8Array.of(0), pub });
    cases.push({ name: `key-${i}`, sig, msg, pub: ed25519.getPublicKey(ed25519.utils.randomSecretKey()) });
    cases.push({ name: `key-bit-${i}`, sig, msg, pub: flip(pub, i % 32) });
    cases.push({ name: `short-${i}`, sig: sig.slice(0, 63), msg, pub });
    cases.push({ name: `long-${i}`, sig: Uint8Array.of(...sig, 0), msg, pub });
    // S + L: the same scalar, not canonical; both refuse it (no malleability).
    const s = le(sig.subarray(32)) + L;
    if (s < 2n ** 256n)
      cases.push({
        name: `s-plus-l-${i}`,
        sig: Uint8Array.of(...sig.subarray(0, 32), ...toLe32(s)),
        msg,
        pub,
      });
  }
  for (const [i, v] of RFC8032.entries()) {
    const sig = hexToBytes(v.sig);
    for (let b = 0; b < 64; b += 9)
      cases.push({
        name: `rfc-${i}-bit-${b}`,
        sig: flip(sig, b),
        msg: hexToBytes(v.msg),
        pub: hexToBytes(v.pk),
      });
  }
  return cases;
}

/**
 * A signature by `sk` whose R has an order-2 component added: valid under the cofactored (ZIP-215)
 * equation @noble uses, not under RFC 8032's cofactorless one. Only the key holder can make it.
 */
function torsionSignature(sk: Uint8Array, msg: Uint8Array): Uint8Array {
  const { scalar, prefix, pointBytes } = ed25519.utils.getExtendedPublicKey(sk);
  const modL = (b: Uint8Array) => le(b) % L;
  const r = modL(sha512(Uint8Array.of(...prefix, ...msg)));
  const order2 = ed25519.Point.fromHex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
  const R = ed25519.Point.BASE.multiply(r).add(order2).toBytes();
  const k = modL(sha512(Uint8Array.of(...R, ...pointBytes, ...msg)));
  return Uint8Array.of(...R, ...toLe32((r + k * scalar) % L));
}

describe('native Ed25519 verify (server) against @noble (clients)', () => {
  it('accepts and refuses exactly the same standard vectors', () => {
    const native = new NativeEd25519();
    const cases = standardCases();
    const honest = cases.filter((c) => c.name.startsWith('honest') || c.name.startsWith('rfc8032'));
    expect(honest.length).toBe(43);
    for (const c of cases) {
      const expected = noble(c.sig, c.msg, c.pub);
      expect([c.name, native.verify(c.sig, c.msg, c.pub)]).toEqual([c.name, expected]);
    }
    // The control: honest ones verify, and every altered one is refused by both.
    for (const c of cases) expect([c.name, noble(c.sig, c.msg, c.pub)]).toEqual([c.name, honest.includes(c)]);
  });

  it('is stricter only on weak keys and small-order components (RFC 8032 rather than ZIP-215)', () => {
    const native = new NativeEd25519();
    const msg = randomBytes(40);
    // The identity point as key, R = identity, S = 0: @noble's ZIP-215 rules accept it for any message.
    const identity = ed25519.Point.ZERO.toBytes();
    const forged = Uint8Array.of(...identity, ...new Uint8Array(32));
    expect(noble(forged, msg, identity)).toBe(true);
    expect(native.verify(forged, msg, identity)).toBe(false);
    const sk = ed25519.utils.randomSecretKey();
    const torsion = torsionSignature(sk, msg);
    expect(noble(torsion, msg, ed25519.getPublicKey(sk))).toBe(true);
    expect(native.verify(torsion, msg, ed25519.getPublicKey(sk))).toBe(false);
  });

  it('caches one key object per public key and evicts the least recently used', () => {
    const native = new NativeEd25519(2);
    const keys = Array.from({ length: 3 }, () => ed25519.utils.randomSecretKey());
    const signed = keys.map((sk) => ({
      pub: ed25519.getPublicKey(sk),
      sig: ed25519.sign(Uint8Array.of(1), sk),
    }));
    for (const s of signed.slice(0, 2)) expect(native.verify(s.sig, Uint8Array.of(1), s.pub)).toBe(true);
    expect(native.size).toBe(2);
    expect(native.verify(signed[0]!.sig, Uint8Array.of(1), signed[0]!.pub)).toBe(true);
    expect(native.verify(signed[2]!.sig, Uint8Array.of(1), signed[2]!.pub)).toBe(true);
    expect(native.size).toBe(2);
    // Still correct after eviction (key 1 left first, being least recently used).
    expect(native.verify(signed[1]!.sig, Uint8Array.of(1), signed[1]!.pub)).toBe(true);
    expect(native.verify(signed[1]!.sig, Uint8Array.of(2), signed[1]!.pub)).toBe(false);
  });
});
