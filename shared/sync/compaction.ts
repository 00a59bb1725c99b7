import { ed25519 } from '@noble/curves/ed25519.js';
import { z } from 'zod';
import { AppError } from '../errors';
import { framed, fromBase64Url, toBase64Url, utf8 } from './encoding';

/**
 * Compaction statements (issue 12 item 3). Deleting deltas from the server is destructive, so an
 * owner or admin device signs (Ed25519) exactly what may go: the deltas of one workspace with seq up
 * to `seq`, superseded by the committed snapshot `snapshotId`. The server verifies the signature
 * against the calling device's registered key, its role, and that the committed snapshot is the one
 * named and covers `seq`, before deleting anything. Pure functions.
 */

const LABEL = utf8('fieldvault/compaction/v1');
const id = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);

/** What a compacting device signs. */
export const compactionBodySchema = z.strictObject({
  v: z.literal(1),
  workspaceId: id,
  /** The committed snapshot that holds the state of every delta being deleted. */
  snapshotId: id,
  /** The signing device's server device id. */
  deviceId: id,
  /** Every delta with server seq <= this is deleted. */
  seq: z.number().int().positive(),
  createdAt: z.number().int().nonnegative(),
});
export type CompactionBody = z.infer<typeof compactionBodySchema>;

/** A statement as sent: the exact JSON text signed and the signature over it. */
export const signedCompactionSchema = z.strictObject({
  json: z.string().min(2).max(4096),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
});
export type SignedCompaction = z.infer<typeof signedCompactionSchema>;

/** Why a compaction statement was refused. */
export type CompactionFailure =
  | 'malformed'
  | 'bad_signature'
  | 'not_signer'
  | 'foreign_workspace'
  | 'not_authorised'
  | 'not_committed_snapshot'
  | 'beyond_snapshot';

/** A compaction that must not run. Code `COMPACTION_REFUSED`; `reason` says why; nothing was deleted. */
export class CompactionError extends AppError {
  constructor(readonly reason: CompactionFailure) {
    super('COMPACTION_REFUSED', `compaction refused: ${reason}`);
  }
}

const message = (json: string) => framed(LABEL, utf8(json));

/** Signs a compaction statement with the device's Ed25519 key. */
export function signCompaction(body: CompactionBody, signSecretKey: Uint8Array): SignedCompaction {
  const json = JSON.stringify(body);
  return { json, signature: toBase64Url(ed25519.sign(message(json), signSecretKey)) };
}

/**
 * The statement's body once it parses, names `workspaceId`, was made by `deviceId` and its signature
 * verifies against `signPublicKey`. Throws `CompactionError`; checks neither role nor snapshot.
 */
export function verifyCompaction(
  signed: SignedCompaction,
  workspaceId: string,
  deviceId: string,
  signPublicKey: Uint8Array,
): CompactionBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(signed.json);
  } catch {
    throw new CompactionError('malformed');
  }
  const r = compactionBodySchema.safeParse(parsed);
  if (!r.success) throw new CompactionError('malformed');
  if (r.data.workspaceId !== workspaceId) throw new CompactionError('foreign_workspace');
  if (r.data.deviceId !== deviceId) throw new CompactionError('not_signer');
  let ok: boolean;
  try {
    ok = ed25519.verify(fromBase64Url(signed.signature), message(signed.json), signPublicKey);
  } catch {
    ok = false;
  }
  if (!ok) throw new CompactionError('bad_signature');
  return r.data;
}
