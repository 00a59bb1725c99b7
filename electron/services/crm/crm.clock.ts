import { ClockDriftError, HybridClock, parseHlc } from '../../../shared/domain/hlc';
import type { Db } from '../db/database';

/**
 * One hybrid logical clock per open vault database, shared by every writer of that database's op log
 * (CRM edits, conflict resolutions) and advanced by every remote op the merge applies. Keyed by the
 * connection: a lock closes it, so the next unlock seeds a fresh clock from the op log.
 */
const clocks = new WeakMap<Db, HybridClock>();

/** The newest stamp anywhere in the op log (local or remote), or null for an empty log. */
function maxLoggedHlc(db: Db): string | null {
  return db.prepare<[], { hlc: string | null }>('SELECT max(hlc) AS hlc FROM crm_oplog').get()?.hlc ?? null;
}

/**
 * The clock of this database, created on first use and seeded above the highest stamp in the op log
 * (so a reopened vault never stamps below anything it has already recorded or applied).
 */
export function crmClock(db: Db, deviceId: string, now: () => number): HybridClock {
  let clock = clocks.get(db);
  if (!clock || clock.deviceId !== deviceId) {
    const max = maxLoggedHlc(db);
    clock = new HybridClock(deviceId, now, max ? parseHlc(max) : null);
    clocks.set(db, clock);
  }
  return clock;
}

/**
 * HLC receive for an applied remote stamp: the next local stamp on this database sorts above it.
 * `referenceMs` is the trusted time the stamp was already drift-checked against (the server's receive
 * time); a stamp beyond the drift bound of both it and the local wall clock is not observed, so it
 * cannot drag the clock into the future. Returns false when the stamp was not observed. Without a
 * clock yet, the stamp is in the op log and seeds the clock when it is created.
 */
export function observeRemoteHlc(db: Db, hlc: string, referenceMs?: number): boolean {
  const clock = clocks.get(db);
  const stamp = parseHlc(hlc);
  if (!stamp) return false;
  if (!clock) return true;
  try {
    clock.receive(stamp, referenceMs);
    return true;
  } catch (error) {
    if (error instanceof ClockDriftError) return false;
    throw error;
  }
}
