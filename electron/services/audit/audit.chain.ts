import { createHash, createPublicKey, verify as nativeVerify, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac, type _HMAC } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  auditActorSchema,
  auditDetailsSchema,
  auditEventTypeSchema,
  auditOutcomeSchema,
  type AuditActor,
  type AuditBreakKind,
  type AuditDetails,
  type AuditEventType,
  type AuditOutcome,
} from '../../../shared/audit/audit.schemas';
import { z } from 'zod';

/** The content of one entry, exactly what its hash covers (besides the previous hash). */
export interface AuditEntry {
  readonly seq: number;
  readonly time: number;
  readonly type: AuditEventType;
  readonly actor: AuditActor;
  readonly outcome: AuditOutcome;
  readonly details: AuditDetails;
}

const entrySchema = z.strictObject({
  v: z.literal(1),
  seq: z.number().int().positive(),
  time: z.number().int().nonnegative(),
  type: auditEventTypeSchema,
  actor: auditActorSchema,
  outcome: auditOutcomeSchema,
  details: auditDetailsSchema,
});

/** One stored row: the canonical entry text, its links and its MAC. */
export interface AuditRow {
  readonly seq: number;
  readonly time: number;
  readonly type: string;
  readonly outcome: string;
  readonly entry: string;
  readonly prevHash: Uint8Array;
  readonly hash: Uint8Array;
  readonly mac: Uint8Array;
}

export interface AuditCheckpoint {
  readonly seq: number;
  readonly head: Uint8Array;
  readonly signature: Uint8Array;
}

/** The last checkpoint as the keychain remembers it (outside the database). */
export interface AuditAnchor {
  readonly seq: number;
  readonly head: Uint8Array;
}

/** The keys derived from the per-vault audit secret held in the keychain; zero them with `zeroAuditKeys`. */
export interface AuditKeys {
  readonly macKey: Uint8Array;
  /** HMAC-SHA256 already keyed with `macKey` (cloned per entry: the key schedule runs once). */
  readonly mac: _HMAC<ReturnType<typeof sha256.create>>;
  readonly signSecret: Uint8Array;
  readonly signPublic: Uint8Array;
}

/** Constant-time comparison (MACs and hashes). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** JSON with keys sorted at every level: one byte string per entry, whatever built the object. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function encodeEntry(entry: AuditEntry): string {
  return canonicalJson({ v: 1, ...entry });
}

/** Parses an entry's stored text; null when it is not one (edited into something else). */
export function decodeEntry(text: string): AuditEntry | null {
  try {
    const parsed = entrySchema.safeParse(JSON.parse(text));
    if (!parsed.success) return null;
    const { v: _v, ...entry } = parsed.data;
    return encodeEntry(entry) === text ? entry : null;
  } catch {
    return null;
  }
}

/** The hash before the first entry: bound to the vault, so one vault's log never verifies in another. */
export function genesisHash(vaultId: string): Uint8Array {
  return sha256(utf8ToBytes(`fieldvault-audit-genesis-v1\0${vaultId}`));
}

const ENTRY_DOMAIN = utf8ToBytes('fieldvault-audit-entry-v1\0');

/** SHA-256 over domain, previous hash and entry (node:crypto's native SHA-256: no secret is involved). */
export function entryHash(prevHash: Uint8Array, entryText: string): Uint8Array {
  const digest = createHash('sha256')
    .update(ENTRY_DOMAIN)
    .update(prevHash)
    .update(entryText, 'utf8')
    .digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

export function entryMac(keys: AuditKeys, hash: Uint8Array): Uint8Array {
  return keys.mac.clone().update(hash).digest();
}

/**
 * The end every canonical entry has: keys sort as actor, details, outcome, seq, time, type, v, so
 * the row's own columns must reappear, in this form, at the end of the text its hash and MAC cover.
 */
function entrySuffix(row: AuditRow): string {
  return `,"outcome":${JSON.stringify(row.outcome)},"seq":${row.seq},"time":${row.time},"type":${JSON.stringify(row.type)},"v":1}`;
}

function u64(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

/** What a checkpoint signs: the vault, the sequence and the head hash there. */
export function checkpointMessage(vaultId: string, seq: number, head: Uint8Array): Uint8Array {
  return concatBytes(utf8ToBytes(`fieldvault-audit-checkpoint-v1\0${vaultId}\0`), u64(seq), head);
}

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow it. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Checkpoint signatures are checked with node:crypto's native Ed25519 (one parsed public key per
 * check, ~20x the portable verify), so the check at unlock stays fast as the log grows (see the
 * `audit` bench). Signing stays with @noble, whose secret key is a buffer this code can zero.
 */
function checkpointVerifier(publicKey: Uint8Array): (cp: AuditCheckpoint, message: Uint8Array) => boolean {
  let key: KeyObject | null = null;
  try {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
  } catch {
    key = null;
  }
  return (cp, message) => {
    if (!key || cp.signature.length !== 64) return false;
    try {
      return nativeVerify(null, message, key, cp.signature);
    } catch {
      return false;
    }
  };
}

export function signCheckpoint(keys: AuditKeys, vaultId: string, seq: number, head: Uint8Array): Uint8Array {
  return ed25519.sign(checkpointMessage(vaultId, seq, head), keys.signSecret);
}

/** Derives the MAC key and the Ed25519 checkpoint key from the keychain's 32-byte audit secret. */
export function deriveAuditKeys(secret: Uint8Array): AuditKeys {
  const macKey = hkdf(sha256, secret, undefined, utf8ToBytes('fieldvault-audit-mac-v1'), 32);
  const signSecret = hkdf(sha256, secret, undefined, utf8ToBytes('fieldvault-audit-sign-v1'), 32);
  return {
    macKey,
    mac: hmac.create(sha256, macKey),
    signSecret,
    signPublic: ed25519.getPublicKey(signSecret),
  };
}

export function zeroAuditKeys(keys: AuditKeys | null): void {
  keys?.macKey.fill(0);
  keys?.mac.destroy();
  keys?.signSecret.fill(0);
}

/** Builds the row for the entry after `prevHash`. */
export function buildRow(keys: AuditKeys, prevHash: Uint8Array, entry: AuditEntry): AuditRow {
  const text = encodeEntry(entry);
  const hash = entryHash(prevHash, text);
  return {
    seq: entry.seq,
    time: entry.time,
    type: entry.type,
    outcome: entry.outcome,
    entry: text,
    prevHash,
    hash,
    mac: entryMac(keys, hash),
  };
}

export interface ChainReport {
  readonly events: number;
  readonly checkpoints: number;
  readonly signedThrough: number;
  readonly firstBreak: { readonly seq: number; readonly kind: AuditBreakKind } | null;
  /** The hash of the last entry (the genesis hash for an empty log). */
  readonly head: Uint8Array;
  readonly lastSeq: number;
}

/**
 * Checks a stored log: every row's sequence, its content against its hash, its MAC (only the audit
 * key in the keychain can make one), its link to the row before; every checkpoint's signature and
 * head; and the keychain's anchor. Reports the first broken place by sequence.
 */
export function verifyChain(input: {
  readonly vaultId: string;
  readonly rows: Iterable<AuditRow>;
  readonly checkpoints: readonly AuditCheckpoint[];
  readonly keys: AuditKeys;
  readonly anchor: AuditAnchor | null;
  /**
   * The first sequence recorded under the current audit key (1 normally; later when the keychain
   * lost the key, e.g. a recovery on a new computer). Earlier entries are checked by hash only.
   */
  readonly keyFromSeq: number;
}): ChainReport {
  const { vaultId, keys } = input;
  let prev = genesisHash(vaultId);
  let expected = 1;
  let events = 0;
  let chainBreak: { seq: number; kind: AuditBreakKind } | null = null;
  const hashes = new Map<number, Uint8Array>();
  for (const row of input.rows) {
    events += 1;
    if (chainBreak) continue;
    if (row.seq !== expected) {
      chainBreak = { seq: expected, kind: 'gap' };
      continue;
    }
    // No parse per entry: the MAC proves this device wrote the text (so it is canonical), and the
    // suffix ties the filter columns to it. Entries before keyFromSeq have no MAC to check: parse them.
    const intact =
      row.entry.endsWith(entrySuffix(row)) &&
      (row.seq >= input.keyFromSeq || decodeEntry(row.entry) !== null) &&
      equalBytes(entryHash(row.prevHash, row.entry), row.hash) &&
      (row.seq < input.keyFromSeq || equalBytes(entryMac(keys, row.hash), row.mac));
    if (!intact) {
      chainBreak = { seq: row.seq, kind: 'edited' };
      continue;
    }
    if (!equalBytes(row.prevHash, prev)) {
      chainBreak = { seq: row.seq, kind: 'unlinked' };
      continue;
    }
    hashes.set(row.seq, row.hash);
    prev = row.hash;
    expected += 1;
  }
  const lastSeq = expected - 1;
  const findings: { seq: number; kind: AuditBreakKind }[] = chainBreak ? [chainBreak] : [];
  let signedThrough = 0;
  let checkpoints = 0;
  const signedBy = checkpointVerifier(keys.signPublic);
  for (const cp of input.checkpoints) {
    // Signed under an earlier key this device no longer holds: nothing to check it against.
    if (cp.seq < input.keyFromSeq) continue;
    checkpoints += 1;
    if (!signedBy(cp, checkpointMessage(vaultId, cp.seq, cp.head))) {
      findings.push({ seq: cp.seq, kind: 'checkpoint-signature' });
      continue;
    }
    const at = hashes.get(cp.seq);
    if (!at) {
      if (!chainBreak) findings.push({ seq: lastSeq + 1, kind: 'truncated' });
      continue;
    }
    if (!equalBytes(at, cp.head)) findings.push({ seq: cp.seq, kind: 'checkpoint-mismatch' });
    else signedThrough = Math.max(signedThrough, cp.seq);
  }
  const anchor = input.anchor;
  if (anchor && anchor.seq > 0) {
    const at = hashes.get(anchor.seq);
    if (!at) {
      if (!chainBreak) findings.push({ seq: lastSeq + 1, kind: 'truncated' });
    } else if (!equalBytes(at, anchor.head)) findings.push({ seq: anchor.seq, kind: 'anchor-mismatch' });
  }
  findings.sort((a, b) => a.seq - b.seq);
  return {
    events,
    checkpoints,
    signedThrough,
    firstBreak: findings[0] ?? null,
    head: prev,
    lastSeq,
  };
}

export function hex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}
