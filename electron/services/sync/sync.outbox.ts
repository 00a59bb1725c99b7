import { AppError } from '../../../shared/errors';
import { randomId } from '../../../shared/sync/device-keys';
import { toBase64Url } from '../../../shared/sync/encoding';
import { ed25519 } from '@noble/curves/ed25519.js';
import { envelopeDigest, envelopeKeyId, openDelta, sealDelta } from '../../../shared/sync/envelope';
import type { SyncStatus } from '../../../shared/sync/sync.contract';
import type { ChangePipeline } from '../crm/change.pipeline';
import { SyncChain } from './sync.chain';
import type { OwnDeltaRow } from './sync.chain.repository';
import { decodeDelta, encodeDelta, ROWS_PER_DELTA, type ChainLink } from './sync.delta';
import type { OutboxRow } from './sync.repository';
import type { SyncSession } from './sync.session';

/** Deltas sealed per round and at most pushed per request (the server takes up to 100 and 8 MiB). */
const DELTAS_PER_PUSH = 20;
/** Envelope bytes per push request: 5 MiB, so 4/3 of it in base64 plus JSON stays under 8 MiB. */
const PUSH_MAX_ENVELOPE_BYTES = 5 * 1024 * 1024;
/** Plaintext budget per delta (worst case: every character three UTF-8 bytes), under the 4 MiB envelope limit. */
const DELTA_MAX_PLAINTEXT = 2 * 1024 * 1024;

/**
 * Splits pending rows into deltas of at most ROWS_PER_DELTA rows and DELTA_MAX_PLAINTEXT bytes of
 * field data (a delta always takes at least one row), so a few large notes never make an envelope
 * the server refuses.
 */
export function chunkRows<R extends { fields: string | null }>(rows: readonly R[]): R[][] {
  const out: R[][] = [];
  let current: R[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = (row.fields?.length ?? 0) * 3 + 200;
    if (current.length > 0 && (current.length >= ROWS_PER_DELTA || bytes + size > DELTA_MAX_PLAINTEXT)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** A delta sealed by this device, ready for the outbox, with its chain position. */
interface Sealed {
  readonly deltaId: string;
  readonly envelope: Uint8Array;
  readonly seqs: readonly number[];
  readonly own: OwnDeltaRow;
}

/**
 * The outbox: seals pending local changes into deltas with client-chosen ids (stored before the first
 * push, so a retry after a lost answer sends the same bytes and the server sees a duplicate), pushes
 * them, and marks the changes pushed when the server acknowledges them. Every delta is signed with
 * this device's key, numbered and chained to the previous one (`SyncChain`); its envelope is kept so
 * a delta the server later loses can be pushed again unchanged (`requeueLost`).
 */
export class SyncOutbox {
  private readonly chain: SyncChain;

  constructor(
    private readonly session: SyncSession,
    private readonly pipeline: () => ChangePipeline,
    private readonly options: {
      readonly now: () => number;
      readonly onProgress: (progress: NonNullable<SyncStatus['progress']>) => void;
      /** The server refused a push as sealed under a retired epoch: refresh the log and adopt its keys. */
      readonly onRetired: () => Promise<void>;
    },
  ) {
    this.chain = new SyncChain(session.db);
  }

  /**
   * Puts back into the outbox every own delta the server acknowledged but no longer delivers (call
   * after a full re-pull): the same id and bytes, so its chain position verifies on every receiver.
   * One the server delivered corrupted cannot go again under its id (the server keeps the bytes it
   * has): its ops are sealed again in a new delta that declares the old dseq resent. Returns how
   * many deltas were queued.
   */
  requeueLost(): number {
    const lost = this.chain.repo.ownUndelivered(0, Number.MAX_SAFE_INTEGER);
    const queued = new Set(this.session.repo.outbox().map((o) => o.deltaId));
    const again = lost.filter((l) => !queued.has(l.deltaId));
    const resealed = this.resealCorrupt();
    this.session.db.transaction(() => {
      this.session.repo.addOutbox(
        again.map((l) => ({ deltaId: l.deltaId, envelope: l.envelope, seqs: [] })),
        this.options.now(),
      );
      this.store(resealed.batch);
      this.chain.repo.markOwnReplaced(resealed.replaced);
    })();
    return again.length + resealed.batch.length;
  }

  /** Seals the ops of own deltas the server corrupted again, each in a new delta naming the old dseq. */
  private resealCorrupt(): { batch: Sealed[]; replaced: number[] } {
    const { ws, keys } = this.session.require();
    const corrupt = this.chain.repo.ownCorrupt();
    if (corrupt.length === 0) return { batch: [], replaced: [] };
    const signPublicKey = ed25519.getPublicKey(keys.sign);
    const key = this.session.latestWorkspaceKey();
    let link: ChainLink = this.chain.nextLink(ws.deviceId);
    const batch: Sealed[] = [];
    const replaced: number[] = [];
    for (const c of corrupt) {
      let rows: ReturnType<typeof decodeDelta>;
      try {
        const opened = openDelta(
          c.envelope,
          { workspaceId: ws.workspaceId, deviceId: ws.deviceId, deltaId: c.deltaId },
          (id) => keys.workspace.get(id),
          signPublicKey,
        );
        rows = decodeDelta(opened.plaintext);
        opened.plaintext.fill(0);
      } catch {
        rows = null;
      }
      if (!rows) continue;
      const sealed = this.seal(rows.rows, { ...link, resends: [c.dseq] }, key);
      batch.push({ ...sealed, seqs: [] });
      replaced.push(c.dseq);
      link = { dseq: link.dseq + 1, prev: sealed.own.digest };
    }
    return { batch, replaced };
  }

  private seal(
    rows: Parameters<typeof encodeDelta>[0],
    link: ChainLink,
    key: { keyId: number; key: Uint8Array },
  ): Omit<Sealed, 'seqs'> {
    const { ws, keys } = this.session.require();
    const deltaId = randomId();
    const envelope = sealDelta(
      encodeDelta(rows, link, ws.cursor),
      { workspaceId: ws.workspaceId, deviceId: ws.deviceId, deltaId },
      key,
      keys.sign,
    );
    const digest = envelopeDigest(envelope);
    return {
      deltaId,
      envelope,
      own: { dseq: link.dseq, deltaId, digest: Buffer.from(digest), envelope: Buffer.from(envelope) },
    };
  }

  /** Stores sealed deltas with their chain positions in one transaction: a crash never reuses a dseq. */
  private store(batch: readonly Sealed[]): void {
    if (batch.length === 0) return;
    this.session.db.transaction(() => {
      this.chain.repo.addOwn(batch.map((b) => b.own));
      this.session.repo.addOutbox(batch, this.options.now());
    })();
  }

  /** Seals new deltas only when the outbox is empty, and pushes until nothing is pending. */
  async push(): Promise<void> {
    const repo = this.session.repo;
    const pipeline = this.pipeline();
    let done = 0;
    let resealed = false;
    for (;;) {
      const { ws } = this.session.require();
      let outbox = repo.outbox();
      if (outbox.length === 0) {
        const pending = pipeline.pending(ROWS_PER_DELTA * DELTAS_PER_PUSH);
        if (pending.length === 0) break;
        const key = this.session.latestWorkspaceKey();
        let link: ChainLink = this.chain.nextLink(ws.deviceId);
        const batch = chunkRows(pending).map((ops) => {
          const sealed = this.seal(ops, link, key);
          link = { dseq: link.dseq + 1, prev: sealed.own.digest };
          return { ...sealed, seqs: ops.map((o) => o.seq) };
        });
        this.store(batch);
        outbox = repo.outbox();
      }
      this.options.onProgress({ phase: 'push', done, total: done + pipeline.pendingCount() });
      // One request stays well under the server's body limit (base64 grows envelopes by a third).
      const send: typeof outbox = [];
      let bytes = 0;
      for (const o of outbox) {
        if (send.length > 0 && bytes + o.envelope.length > PUSH_MAX_ENVELOPE_BYTES) break;
        send.push(o);
        bytes += o.envelope.length;
      }
      let acked: number;
      try {
        acked = await this.send(send);
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'EPOCH_RETIRED' || resealed) throw error;
        // The key was rotated while these were sealed: learn the new epoch, then seal them again.
        resealed = true;
        await this.options.onRetired();
        await this.resealRetired();
        continue;
      }
      done += acked;
    }
  }

  /** Pushes `send` and applies the acknowledgement; returns the ops acknowledged. */
  private async send(send: readonly OutboxRow[]): Promise<number> {
    const repo = this.session.repo;
    const pipeline = this.pipeline();
    const deltas = send.map((o) => ({ deltaId: o.deltaId, envelope: toBase64Url(o.envelope) }));
    const res = await this.session.api((api, workspaceId) => api.push(workspaceId, deltas));
    const acked = new Map(res.results.map((r) => [r.deltaId, r.seq]));
    const at = this.options.now();
    // A new delta lands after everything we pulled; at or below our cursor, the server reused seqs.
    const cursor = this.session.require().ws.cursor;
    if (res.results.some((r) => !r.duplicate && r.seq <= cursor) || res.latestSeq < cursor)
      this.chain.repo.setRollback(at);
    let done = 0;
    pipeline.transaction(() => {
      for (const o of send) {
        const serverSeq = acked.get(o.deltaId);
        if (serverSeq === undefined) continue;
        const seqs = JSON.parse(o.seqs) as number[];
        if (seqs.length > 0) {
          pipeline.markPushed(seqs, at);
          repo.addPushed(serverSeq, Math.min(...seqs), Math.max(...seqs));
        }
        this.chain.repo.setOwnAcked(o.deltaId, serverSeq);
        repo.removeOutbox(o.deltaId);
        done += o.ops;
      }
    });
    if (acked.size === 0) throw new AppError('INTERNAL', 'The sync server acknowledged nothing');
    return done;
  }

  /**
   * Seals again, under the newest epoch, the outbox deltas the server refuses as sealed under a
   * retired one (issue 12), so offline edits survive a rotation. Each is first offered alone: one
   * that landed before the rotation (its answer lost) comes back as a duplicate and is acknowledged,
   * not duplicated. The first refused one and everything after it (pushes go in order, so none of
   * those landed) are opened, and their ops sealed in new deltas that continue this device's chain
   * and declare the old positions resent; the op-log rows they carry stay the same.
   */
  private async resealRetired(): Promise<void> {
    const { ws, keys } = this.session.require();
    const key = this.session.latestWorkspaceKey();
    const outbox = this.session.repo.outbox();
    let first = outbox.length;
    for (let i = 0; i < outbox.length; i++) {
      const o = outbox[i]!;
      if (envelopeKeyId(o.envelope) >= key.keyId) continue;
      try {
        await this.send([o]);
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'EPOCH_RETIRED') throw error;
        first = i;
        break;
      }
    }
    const signPublicKey = ed25519.getPublicKey(keys.sign);
    let link: ChainLink = this.chain.nextLink(ws.deviceId);
    const batch: Sealed[] = [];
    const replaced: number[] = [];
    const gone: string[] = [];
    for (const o of outbox.slice(first)) {
      const opened = openDelta(
        o.envelope,
        { workspaceId: ws.workspaceId, deviceId: ws.deviceId, deltaId: o.deltaId },
        (id) => keys.workspace.get(id),
        signPublicKey,
      );
      const decoded = decodeDelta(opened.plaintext);
      opened.plaintext.fill(0);
      if (!decoded) throw new AppError('INTERNAL', 'an own delta in the outbox does not decode');
      const sealed = this.seal(decoded.rows, { ...link, resends: [decoded.dseq, ...decoded.resends] }, key);
      batch.push({ ...sealed, seqs: JSON.parse(o.seqs) as number[] });
      replaced.push(decoded.dseq);
      gone.push(o.deltaId);
      link = { dseq: link.dseq + 1, prev: sealed.own.digest };
    }
    this.session.db.transaction(() => {
      for (const id of gone) this.session.repo.removeOutbox(id);
      this.chain.repo.markOwnReplaced(replaced);
      this.store(batch);
    })();
  }
}
