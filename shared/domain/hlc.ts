/**
 * Hybrid logical clock (Kulkarni et al.): wall-clock milliseconds, a counter for events within one
 * millisecond (or while the wall clock lags a remote stamp), and the device id as the final tie-break.
 *
 * The text form `<12 hex wall>-<4 hex counter>-<deviceId>` sorts lexicographically in causal order,
 * so SQLite can order and compare stamps as plain TEXT.
 */
export interface HlcStamp {
  readonly wall: number;
  readonly counter: number;
  readonly deviceId: string;
}

const MAX_COUNTER = 0xffff;
const MAX_WALL = 0xffffffffffff;
const HLC_PATTERN = /^([0-9a-f]{12})-([0-9a-f]{4})-([A-Za-z0-9_-]{1,64})$/;

/** The sortable text form of a stamp. */
export function formatHlc(stamp: HlcStamp): string {
  return `${stamp.wall.toString(16).padStart(12, '0')}-${stamp.counter.toString(16).padStart(4, '0')}-${stamp.deviceId}`;
}

/** Parses the text form; returns null for anything malformed. */
export function parseHlc(text: string): HlcStamp | null {
  const m = HLC_PATTERN.exec(text);
  if (!m) return null;
  return { wall: parseInt(m[1]!, 16), counter: parseInt(m[2]!, 16), deviceId: m[3]! };
}

/** Total order of stamps: wall, then counter, then device id. */
export function compareHlc(a: HlcStamp, b: HlcStamp): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  return a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0;
}

/** Thrown (by `HybridClock.receive`) when a remote stamp is implausibly far ahead. */
export class ClockDriftError extends Error {
  override readonly name = 'ClockDriftError';
  constructor(readonly aheadMs: number) {
    super('Remote clock is too far ahead');
  }
}

/** Default tolerance for clocks running ahead: a few minutes (docs/ARCHITECTURE.md, the change pipeline). */
export const MAX_DRIFT_MS = 5 * 60_000;

/**
 * True when `stamp` is more than `maxDriftMs` ahead of `referenceMs` (the receiver's wall clock or the
 * server's receive time). Such ops are quarantined, not merged, so one bad clock cannot win every
 * future conflict.
 */
export function isTooFarAhead(stamp: HlcStamp, referenceMs: number, maxDriftMs = MAX_DRIFT_MS): boolean {
  return stamp.wall - referenceMs > maxDriftMs;
}

/** A hybrid logical clock for one device. Not shared between devices; persisted via `last`. */
export class HybridClock {
  private wall: number;
  private counter: number;

  constructor(
    readonly deviceId: string,
    private readonly physical: () => number = Date.now,
    last?: HlcStamp | null,
    private readonly maxDriftMs = MAX_DRIFT_MS,
  ) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(deviceId)) throw new Error('Invalid device id');
    this.wall = last?.wall ?? 0;
    this.counter = last?.counter ?? 0;
  }

  /** A stamp for a local event, strictly greater than every stamp this clock issued or received. */
  now(): HlcStamp {
    const pt = Math.min(MAX_WALL, Math.floor(this.physical()));
    if (pt > this.wall) {
      this.wall = pt;
      this.counter = 0;
    } else {
      this.bump();
    }
    return { wall: this.wall, counter: this.counter, deviceId: this.deviceId };
  }

  /**
   * Merges a remote stamp (on applying remote ops): later local stamps sort above it. Throws
   * `ClockDriftError` when the stamp is beyond the drift guard of both the local wall clock and
   * `referenceMs` (a trusted time it was already checked against, e.g. the server's receive time, so
   * a device whose own wall clock lags still takes in stamps the guard admitted).
   */
  receive(remote: HlcStamp, referenceMs?: number): void {
    const pt = Math.min(MAX_WALL, Math.floor(this.physical()));
    const ref = referenceMs === undefined ? pt : Math.max(pt, Math.floor(referenceMs));
    if (isTooFarAhead(remote, ref, this.maxDriftMs)) throw new ClockDriftError(remote.wall - ref);
    const wall = Math.max(this.wall, remote.wall, pt);
    let counter: number;
    if (wall === this.wall && wall === remote.wall) counter = Math.max(this.counter, remote.counter) + 1;
    else if (wall === this.wall) counter = this.counter + 1;
    else if (wall === remote.wall) counter = remote.counter + 1;
    else counter = 0;
    this.wall = wall;
    this.counter = counter - 1;
    this.bump();
  }

  /** The latest stamp issued or received. */
  last(): HlcStamp {
    return { wall: this.wall, counter: this.counter, deviceId: this.deviceId };
  }

  private bump(): void {
    if (this.counter >= MAX_COUNTER) {
      // Counter exhausted within one millisecond: advance logical wall time instead of overflowing.
      this.wall += 1;
      this.counter = 0;
    } else {
      this.counter += 1;
    }
  }
}
