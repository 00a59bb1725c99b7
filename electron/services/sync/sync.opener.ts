import { fromBase64Url, readUint32be } from '../../../shared/sync/encoding';
import { ENVELOPE_VERSION, EnvelopeError, openDelta, type DeltaPlace } from '../../../shared/sync/envelope';
import { decodeDelta, type DecodedDelta } from './sync.delta';

/** One pulled delta to open: its envelope (base64url), its place and its author's signing key. */
export interface OpenRequest {
  readonly envelope: string;
  readonly place: DeltaPlace;
  /** The author's Ed25519 public key as the verified membership log holds it. */
  readonly signPublicKey: Uint8Array;
}

/** What opening one delta gave. */
export interface OpenOutcome {
  /** Why the envelope did not open (an `EnvelopeError` reason, or `malformed`); null when it did. */
  readonly reason: string | null;
  /** The decoded payload; null when the envelope did not open or its payload did not decode. */
  readonly delta: DecodedDelta | null;
  /** SHA-256 of the sealed bytes (the chain link); null when the envelope did not open. */
  readonly digest: Uint8Array | null;
}

/** The key epoch an envelope (base64url) names in its header; 0 when it has none (it will be rejected). */
export function headerKeyId(envelope: string): number {
  try {
    const head = fromBase64Url(envelope.slice(0, 8));
    return head.length >= 5 && head[0] === ENVELOPE_VERSION ? readUint32be(head, 1) : 0;
  } catch {
    return 0;
  }
}

/**
 * Verifies one delta's signature, then decrypts and decodes it: the crypto-heavy part of a pull
 * (about 10 ms for a 500-row delta). The plaintext is zeroed once decoded. Never throws.
 */
export function openRequest(
  request: OpenRequest,
  keys: (keyId: number) => Uint8Array | undefined,
): OpenOutcome {
  let opened: { plaintext: Uint8Array; digest: Uint8Array };
  try {
    opened = openDelta(fromBase64Url(request.envelope), request.place, keys, request.signPublicKey);
  } catch (error) {
    return { reason: error instanceof EnvelopeError ? error.reason : 'malformed', delta: null, digest: null };
  }
  const delta = decodeDelta(opened.plaintext);
  opened.plaintext.fill(0);
  return { reason: null, delta, digest: opened.digest };
}
