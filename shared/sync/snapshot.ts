import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { AppError } from '../errors';
import { bytesEqual, framed, fromBase64Url, fromUtf8, toBase64Url, uint32be, utf8 } from './encoding';

/**
 * Encrypted workspace snapshots (issue 12 item 2). An owner or admin device compacts the workspace
 * state up to server seq `seq` into chunks; each chunk is sealed with XChaCha20-Poly1305 under the
 * epoch key, with associated data binding workspace, epoch, snapshot id, chunk index, chunk count
 * and seq, so a chunk cannot be moved to another place, snapshot or workspace. The manifest lists
 * every sealed chunk's SHA-256 and is signed (Ed25519) by the device that made it: the server checks
 * who made it and what it covers, and a joining device refuses anything the manifest does not name.
 * Pure functions; callers zero keys.
 */

const NONCE_BYTES = 24;
const TAG_BYTES = 16;
/** Plaintext bytes per chunk (a sealed chunk stays well under the server's 8 MiB request body). */
export const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
/** Largest sealed chunk the server stores. */
export const SNAPSHOT_MAX_CHUNK_BYTES = 2 * SNAPSHOT_CHUNK_BYTES;
/** Most chunks one snapshot may have (4 GiB of plaintext). */
export const SNAPSHOT_MAX_CHUNKS = 4096;
const CHUNK_LABEL = utf8('fieldvault/snapshot-chunk/v1');
const MANIFEST_LABEL = utf8('fieldvault/snapshot-manifest/v1');

const id = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);
const digest = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/** Where one author's delta chain stood at the snapshot's seq (a joining device continues from it). */
export const chainHeadSchema = z.strictObject({
  deviceId: id,
  dseq: z.number().int().positive(),
  digest,
});
export type ChainHead = z.infer<typeof chainHeadSchema>;

/** What a snapshot's maker signs. */
export const snapshotManifestBodySchema = z.strictObject({
  v: z.literal(1),
  workspaceId: id,
  snapshotId: id,
  /** The maker's server device id; its key in the membership log verifies the signature. */
  deviceId: id,
  epoch: z.number().int().positive(),
  /** Every delta with server seq <= this is in the snapshot. */
  seq: z.number().int().nonnegative(),
  /** SHA-256 of each sealed chunk, in order; their count is the chunk count. */
  chunks: z.array(digest).min(1).max(SNAPSHOT_MAX_CHUNKS),
  /** Op-log rows in the snapshot. */
  rows: z.number().int().nonnegative(),
  heads: z.array(chainHeadSchema).max(100_000),
  createdAt: z.number().int().nonnegative(),
});
export type SnapshotManifestBody = z.infer<typeof snapshotManifestBodySchema>;

/** A manifest as stored and served: the exact JSON text signed, and the signature over it. */
export const signedManifestSchema = z.strictObject({
  json: z.string().min(2).max(1_000_000),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
});
export type SignedManifest = z.infer<typeof signedManifestSchema>;

/** Why a snapshot was refused. */
export type SnapshotFailure =
  | 'malformed'
  | 'bad_signature'
  | 'not_authorised'
  | 'foreign_workspace'
  | 'unknown_key'
  | 'digest_mismatch'
  | 'auth_failed'
  | 'truncated'
  | 'bad_rows';

/** A snapshot or chunk that must not be applied. Code `SNAPSHOT_REJECTED`; `reason` says why. */
export class SnapshotError extends AppError {
  constructor(readonly reason: SnapshotFailure) {
    super('SNAPSHOT_REJECTED', `snapshot rejected: ${reason}`);
  }
}

/** Where a chunk lives; every field is bound into its ciphertext. */
export interface ChunkPlace {
  readonly workspaceId: string;
  readonly epoch: number;
  readonly snapshotId: string;
  readonly index: number;
  readonly count: number;
  readonly seq: number;
}

function chunkAd(p: ChunkPlace): Uint8Array {
  return framed(
    CHUNK_LABEL,
    utf8(p.workspaceId),
    uint32be(p.epoch),
    utf8(p.snapshotId),
    uint32be(p.index),
    uint32be(p.count),
    utf8(String(p.seq)),
  );
}

/** `nonce(24) | XChaCha20-Poly1305(plaintext)` bound to `place`. */
export function sealChunk(plaintext: Uint8Array, key: Uint8Array, place: ChunkPlace): Uint8Array {
  if (key.length !== 32) throw new AppError('VALIDATION', 'an epoch key must be 32 bytes');
  const nonce = randomBytes(NONCE_BYTES);
  const out = new Uint8Array(NONCE_BYTES + plaintext.length + TAG_BYTES);
  out.set(nonce, 0);
  out.set(xchacha20poly1305(key, nonce, chunkAd(place)).encrypt(plaintext), NONCE_BYTES);
  return out;
}

/** SHA-256 of a sealed chunk, base64url (what the manifest lists). */
export function chunkDigest(sealed: Uint8Array): string {
  return toBase64Url(sha256(sealed));
}

/**
 * Checks that `sealed` is exactly the chunk the signed manifest names at `index` (its digest), without
 * opening it: what a bootstrap checks of every chunk before it applies any. Throws `SnapshotError`.
 */
export function checkChunk(sealed: Uint8Array, manifest: SnapshotManifestBody, index: number): void {
  const expected = manifest.chunks[index];
  if (expected === undefined) throw new SnapshotError('truncated');
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new SnapshotError('truncated');
  if (!bytesEqual(utf8(chunkDigest(sealed)), utf8(expected))) throw new SnapshotError('digest_mismatch');
}

/**
 * Opens chunk `place.index` of the snapshot `manifest` describes: its digest must be the one the
 * signed manifest names for that index, and it must authenticate at exactly that place. Throws
 * `SnapshotError`; never returns unauthenticated bytes.
 */
export function openChunk(
  sealed: Uint8Array,
  key: Uint8Array,
  manifest: SnapshotManifestBody,
  index: number,
): Uint8Array {
  checkChunk(sealed, manifest, index);
  const place: ChunkPlace = {
    workspaceId: manifest.workspaceId,
    epoch: manifest.epoch,
    snapshotId: manifest.snapshotId,
    index,
    count: manifest.chunks.length,
    seq: manifest.seq,
  };
  try {
    return xchacha20poly1305(key, sealed.subarray(0, NONCE_BYTES), chunkAd(place)).decrypt(
      sealed.subarray(NONCE_BYTES),
    );
  } catch {
    throw new SnapshotError('auth_failed');
  }
}

function manifestMessage(json: string): Uint8Array {
  return framed(MANIFEST_LABEL, utf8(json));
}

/** Signs a manifest body with the maker's Ed25519 key. */
export function signManifest(body: SnapshotManifestBody, signSecretKey: Uint8Array): SignedManifest {
  const json = JSON.stringify(body);
  return { json, signature: toBase64Url(ed25519.sign(manifestMessage(json), signSecretKey)) };
}

/** The manifest's body when it parses; `SnapshotError('malformed')` otherwise. Checks no signature. */
export function parseManifest(signed: SignedManifest): SnapshotManifestBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(signed.json);
  } catch {
    throw new SnapshotError('malformed');
  }
  const r = snapshotManifestBodySchema.safeParse(parsed);
  if (!r.success) throw new SnapshotError('malformed');
  return r.data;
}

/**
 * The manifest's body once its signature verifies against `signPublicKey` (the maker's key as the
 * caller trusts it: the membership log on a device, the registered key on the server) and it names
 * `workspaceId`. Throws `SnapshotError`.
 */
export function verifyManifest(
  signed: SignedManifest,
  workspaceId: string,
  signPublicKey: (deviceId: string) => Uint8Array | null,
): SnapshotManifestBody {
  const body = parseManifest(signed);
  if (body.workspaceId !== workspaceId) throw new SnapshotError('foreign_workspace');
  const key = signPublicKey(body.deviceId);
  if (!key) throw new SnapshotError('not_authorised');
  let ok: boolean;
  try {
    ok = ed25519.verify(fromBase64Url(signed.signature), manifestMessage(signed.json), key);
  } catch {
    ok = false;
  }
  if (!ok) throw new SnapshotError('bad_signature');
  return body;
}

/** One snapshot row, as a delta row: op id, entity, record id, hlc, fields JSON (never null). */
export type SnapshotRow = readonly [string, string, string, string, string];

const rowSchema = z.tuple([
  z.string().min(1).max(100),
  z.string().min(1).max(50),
  z.string().min(1).max(100),
  z.string().min(1).max(100),
  z.string().max(1_000_000),
]);
const chunkSchema = z.object({ v: z.literal(1), rows: z.array(rowSchema).max(1_000_000) });

/** A chunk's plaintext. */
export function encodeChunkRows(rows: readonly SnapshotRow[]): Uint8Array {
  return utf8(JSON.stringify({ v: 1, rows }));
}

/** The rows of an opened chunk; `SnapshotError('bad_rows')` when it is not a chunk. */
export function decodeChunkRows(plaintext: Uint8Array): SnapshotRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(plaintext));
  } catch {
    throw new SnapshotError('bad_rows');
  }
  const r = chunkSchema.safeParse(parsed);
  if (!r.success) throw new SnapshotError('bad_rows');
  return r.data.rows;
}
