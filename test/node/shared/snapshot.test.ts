import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateDeviceKeys, randomId } from '../../../shared/sync/device-keys';
import { utf8 } from '../../../shared/sync/encoding';
import {
  checkChunk,
  chunkDigest,
  decodeChunkRows,
  encodeChunkRows,
  openChunk,
  sealChunk,
  signManifest,
  SnapshotError,
  verifyManifest,
  type SnapshotManifestBody,
} from '../../../shared/sync/snapshot';

const workspaceId = randomId();
const snapshotId = randomId();
const deviceId = randomId();
const key = new Uint8Array(randomBytes(32));
const maker = generateDeviceKeys();

function build(count: number): { sealed: Uint8Array[]; body: SnapshotManifestBody } {
  const sealed = Array.from({ length: count }, (_, index) =>
    sealChunk(encodeChunkRows([[`op${index}`, 'contact', `r${index}`, 'h', '{"name":"x"}']]), key, {
      workspaceId,
      epoch: 2,
      snapshotId,
      index,
      count,
      seq: 10,
    }),
  );
  const body: SnapshotManifestBody = {
    v: 1,
    workspaceId,
    snapshotId,
    deviceId,
    epoch: 2,
    seq: 10,
    chunks: sealed.map(chunkDigest),
    rows: count,
    heads: [],
    createdAt: 1,
  };
  return { sealed, body };
}

function reason(fn: () => unknown): string {
  try {
    fn();
    return 'opened';
  } catch (error) {
    return error instanceof SnapshotError ? `${error.code}:${error.reason}` : 'other';
  }
}

describe('encrypted snapshot chunks and manifests', () => {
  it('opens each chunk at its place, and refuses it anywhere else or altered', () => {
    const { sealed, body } = build(3);
    expect(decodeChunkRows(openChunk(sealed[1]!, key, body, 1))[0]![0]).toBe('op1');
    expect(reason(() => openChunk(sealed[1]!, key, body, 0))).toBe('SNAPSHOT_REJECTED:digest_mismatch');
    const tampered = new Uint8Array(sealed[0]!);
    tampered[30]! ^= 1;
    expect(reason(() => openChunk(tampered, key, body, 0))).toBe('SNAPSHOT_REJECTED:digest_mismatch');
    expect(reason(() => openChunk(sealed[0]!.subarray(0, 20), key, body, 0))).toBe(
      'SNAPSHOT_REJECTED:truncated',
    );
    expect(reason(() => openChunk(sealed[0]!, key, body, 3))).toBe('SNAPSHOT_REJECTED:truncated');
    // A manifest that names the chunk but another place (count, seq) does not authenticate it.
    expect(reason(() => openChunk(sealed[0]!, key, { ...body, seq: 11 }, 0))).toBe(
      'SNAPSHOT_REJECTED:auth_failed',
    );
    expect(reason(() => openChunk(sealed[0]!, key, { ...body, chunks: body.chunks.slice(0, 1) }, 0))).toBe(
      'SNAPSHOT_REJECTED:auth_failed',
    );
    expect(reason(() => openChunk(sealed[0]!, new Uint8Array(32), body, 0))).toBe(
      'SNAPSHOT_REJECTED:auth_failed',
    );
  });

  it('checks a chunk against the digest its manifest names without the key (the bootstrap first pass)', () => {
    const { sealed, body } = build(2);
    expect(reason(() => checkChunk(sealed[1]!, body, 1))).toBe('opened');
    expect(reason(() => checkChunk(sealed[1]!, body, 0))).toBe('SNAPSHOT_REJECTED:digest_mismatch');
    const tampered = new Uint8Array(sealed[1]!);
    tampered[40]! ^= 1;
    expect(reason(() => checkChunk(tampered, body, 1))).toBe('SNAPSHOT_REJECTED:digest_mismatch');
    expect(reason(() => checkChunk(sealed[0]!, body, 2))).toBe('SNAPSHOT_REJECTED:truncated');
  });

  it('verifies the maker`s signature and the workspace, and nothing unsigned', () => {
    const { body } = build(1);
    const signed = signManifest(body, maker.signSecretKey);
    const keyOf = (id: string) => (id === deviceId ? maker.signPublicKey : null);
    expect(verifyManifest(signed, workspaceId, keyOf).snapshotId).toBe(snapshotId);
    expect(reason(() => verifyManifest(signed, randomId(), keyOf))).toBe(
      'SNAPSHOT_REJECTED:foreign_workspace',
    );
    expect(reason(() => verifyManifest(signed, workspaceId, () => null))).toBe(
      'SNAPSHOT_REJECTED:not_authorised',
    );
    expect(reason(() => verifyManifest(signed, workspaceId, () => generateDeviceKeys().signPublicKey))).toBe(
      'SNAPSHOT_REJECTED:bad_signature',
    );
    const moved = { ...signed, json: signed.json.replace('"seq":10', '"seq":99') };
    expect(reason(() => verifyManifest(moved, workspaceId, keyOf))).toBe('SNAPSHOT_REJECTED:bad_signature');
    expect(reason(() => verifyManifest({ ...signed, json: '{}' }, workspaceId, keyOf))).toBe(
      'SNAPSHOT_REJECTED:malformed',
    );
    expect(reason(() => decodeChunkRows(utf8('{"v":1,"rows":[[1]]}')))).toBe('SNAPSHOT_REJECTED:bad_rows');
  });
});
