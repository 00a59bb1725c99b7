import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ClockDriftError,
  compareHlc,
  formatHlc,
  HybridClock,
  isTooFarAhead,
  MAX_DRIFT_MS,
  parseHlc,
  type HlcStamp,
} from '../../../../shared/domain/hlc';
import { UUID_PATTERN, uuidv7, uuidv7Time } from '../../../../shared/domain/ids';

const stampArb: fc.Arbitrary<HlcStamp> = fc.record({
  wall: fc.integer({ min: 0, max: 0xffffffffffff }),
  counter: fc.integer({ min: 0, max: 0xffff }),
  deviceId: fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
});

describe('UUIDv7', () => {
  it('is a version-7 RFC 9562 UUID carrying its millisecond time', () => {
    const id = uuidv7(1_700_000_000_123);
    expect(id).toMatch(UUID_PATTERN);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]!);
    expect(uuidv7Time(id)).toBe(1_700_000_000_123);
  });

  it('sorts in creation order, also within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7(1_800_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('hybrid logical clock', () => {
  it('text form sorts exactly like the stamps (so SQLite can order them as TEXT)', () => {
    fc.assert(
      fc.property(stampArb, stampArb, (a, b) => {
        const ta = formatHlc(a);
        const tb = formatHlc(b);
        expect(parseHlc(ta)).toEqual(a);
        if (a.deviceId.length === b.deviceId.length || a.wall !== b.wall || a.counter !== b.counter) {
          expect(Math.sign(ta < tb ? -1 : ta > tb ? 1 : 0)).toBe(Math.sign(compareHlc(a, b)));
        }
      }),
    );
    expect(parseHlc('nonsense')).toBeNull();
  });

  it('issues strictly increasing stamps even when the wall clock stalls or goes back', () => {
    let t = 1000;
    const clock = new HybridClock('dev-a', () => t);
    const stamps: HlcStamp[] = [];
    for (const step of [0, 0, 5, -3, -100, 0, 50]) {
      t += step;
      stamps.push(clock.now());
    }
    for (let i = 1; i < stamps.length; i++) expect(compareHlc(stamps[i - 1]!, stamps[i]!)).toBe(-1);
  });

  it('moves past received stamps, and refuses stamps too far ahead (drift guard)', () => {
    const t = 1_000_000;
    const clock = new HybridClock('dev-a', () => t);
    const remote = { wall: t + 1000, counter: 7, deviceId: 'dev-b' };
    clock.receive(remote);
    expect(compareHlc(clock.now(), remote)).toBe(1);
    const far = { wall: t + MAX_DRIFT_MS + 1, counter: 0, deviceId: 'dev-c' };
    expect(isTooFarAhead(far, t)).toBe(true);
    expect(() => clock.receive(far)).toThrow(ClockDriftError);
    expect(compareHlc(clock.now(), far)).toBe(-1);
  });

  it('resumes above the last stamp it persisted', () => {
    const last = { wall: 5_000, counter: 3, deviceId: 'dev-a' };
    const clock = new HybridClock('dev-a', () => 10, last);
    expect(compareHlc(clock.now(), last)).toBe(1);
  });
});
