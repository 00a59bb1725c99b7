import { bytesEqual } from '../../../shared/sync/encoding';
import type { Db } from '../db/database';
import { ChainRepository, RESENT_MARKER } from './sync.chain.repository';
import type { ChainLink } from './sync.delta';

/**
 * What the delta chains say about the server's log, for `sync.status` (counts and ids only).
 * - `rollback`: the server's log moved backwards (a page's latest seq below our cursor, or an own
 *   acknowledged delta beyond the server's latest seq). Pulling stops until a guided re-sync.
 * - `gap`: some author's delta is missing below the highest one seen (dropped, or still to come
 *   when reordered), an own acknowledged delta was not delivered when the cursor passed it, or an
 *   author's chain forked (two different deltas claim one position).
 */
export interface IntegrityReport {
  readonly state: 'ok' | 'gap' | 'rollback';
  /** Authors (server device ids) with missing deltas, and how many. */
  readonly devices: readonly { readonly deviceId: string; readonly missing: number }[];
  /** Chain positions claimed by two different deltas (a fork or a chain break). */
  readonly forks: number;
  /** Deltas that arrived after a later delta of the same author (informational). */
  readonly reordered: number;
  /** When the current non-ok state was first detected (ms); null when ok. */
  readonly detectedAt: number | null;
}

/** What `observe` made of one delivered delta. */
export type Observed = 'new' | 'duplicate' | 'fork';

/**
 * The delta chains of one vault: numbers and links this device's own deltas, and checks every
 * authenticated delta against what was seen of its author (gaps, reordering, forks) and the
 * server's log against our cursor and our acknowledged deltas (rollback).
 */
export class SyncChain {
  readonly repo: ChainRepository;

  constructor(db: Db) {
    this.repo = new ChainRepository(db);
  }

  /**
   * The link for the next delta this device seals: one past the highest own dseq this vault
   * sealed or saw on the server (a vault restored from a backup learns its later deltas on its
   * first pull and continues after them, instead of forking its own chain).
   */
  nextLink(ownDeviceId: string): ChainLink {
    const own = this.repo.ownHead();
    const seenMax = this.repo.maxSeen(ownDeviceId);
    if (seenMax > (own?.dseq ?? 0)) {
      return { dseq: seenMax + 1, prev: new Uint8Array(this.repo.seen(ownDeviceId, seenMax)!.digest) };
    }
    return own ? { dseq: own.dseq + 1, prev: new Uint8Array(own.digest) } : { dseq: 1, prev: null };
  }

  /** Records an authenticated delta of `deviceId` at its claimed chain position. */
  observe(deviceId: string, link: ChainLink, digest: Uint8Array): Observed {
    const repo = this.repo;
    // Positions this delta declares it resends are closed even though their envelopes never opened.
    for (const r of link.resends ?? []) if (r < link.dseq) repo.addResent(deviceId, r);
    const existing = repo.seen(deviceId, link.dseq);
    const wasResent = existing !== null && bytesEqual(existing.digest, RESENT_MARKER);
    if (existing && !wasResent) {
      if (bytesEqual(existing.digest, digest)) return 'duplicate';
      repo.addFindings(1, 0);
      return 'fork';
    }
    let forks = 0;
    const before = link.dseq > 1 ? repo.seen(deviceId, link.dseq - 1) : null;
    if (
      before &&
      link.prev &&
      !bytesEqual(before.digest, RESENT_MARKER) &&
      !bytesEqual(before.digest, link.prev)
    )
      forks++;
    const after = repo.seen(deviceId, link.dseq + 1);
    if (after?.prev && !bytesEqual(after.prev, digest)) forks++;
    const reordered = link.dseq < repo.maxSeen(deviceId) ? 1 : 0;
    if (wasResent) repo.replaceResent(deviceId, link.dseq, digest, link.prev);
    else repo.addSeen(deviceId, link.dseq, digest, link.prev);
    repo.addFindings(forks, reordered);
    return forks > 0 ? 'fork' : 'new';
  }

  /** The current findings; `ownDeviceId` and `cursor` add own deltas the cursor passed undelivered. */
  report(ownDeviceId: string, cursor: number): IntegrityReport {
    const row = this.repo.integrity();
    const devices = new Map(this.repo.missing().map((d) => [d.deviceId, d.missing]));
    const ownLost = this.repo.ownUndelivered(0, cursor).length;
    if (ownLost > 0) devices.set(ownDeviceId, Math.max(ownLost, devices.get(ownDeviceId) ?? 0));
    const list = [...devices].map(([deviceId, missing]) => ({ deviceId, missing }));
    const state = row.rollbackAt !== null ? 'rollback' : list.length > 0 || row.forks > 0 ? 'gap' : 'ok';
    return {
      state,
      devices: list,
      forks: row.forks,
      reordered: row.reordered,
      detectedAt: state === 'rollback' ? row.rollbackAt : state === 'gap' ? row.gapAt : null,
    };
  }

  /** Keeps the time a gap was first seen (call after each page, inside its transaction). */
  settle(ownDeviceId: string, cursor: number, at: number): IntegrityReport {
    const report = this.report(ownDeviceId, cursor);
    if (report.state === 'gap' && report.detectedAt === null) {
      this.repo.setGapAt(at);
      return { ...report, detectedAt: at };
    }
    if (report.state === 'ok' && this.repo.integrity().gapAt !== null) this.repo.setGapAt(null);
    return report;
  }
}
