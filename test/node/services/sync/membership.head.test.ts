import { describe, expect, it } from 'vitest';
import {
  HEAD_ATTEMPTS,
  HEAD_MOVED,
  isHeadMoved,
  onFreshHead,
} from '../../../../electron/services/sync/membership.head';
import { AppError } from '../../../../shared/errors';

const noPause = (): Promise<void> => Promise.resolve();

describe('onFreshHead', () => {
  it('signs again while the head moves, and answers what the attempt that got in returned', async () => {
    let calls = 0;
    const pauses: number[] = [];
    const result = await onFreshHead(
      () => Promise.resolve(++calls < 3 ? HEAD_MOVED : 'appended'),
      (n) => Promise.resolve(void pauses.push(n)),
    );
    expect(result).toBe('appended');
    expect(calls).toBe(3);
    expect(pauses).toEqual([1, 2]);
  });

  it('gives up with CONFLICT after HEAD_ATTEMPTS tries', async () => {
    let calls = 0;
    const run = onFreshHead(() => Promise.resolve((calls++, HEAD_MOVED)), noPause);
    await expect(run).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(calls).toBe(HEAD_ATTEMPTS);
  });

  it('ends at once on any other error', async () => {
    let calls = 0;
    const run = onFreshHead(() => {
      calls++;
      return Promise.reject(new AppError('FORBIDDEN', 'no'));
    }, noPause);
    await expect(run).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(calls).toBe(1);
  });

  it('reads only the server’s CONFLICT as a moved head', () => {
    expect(isHeadMoved(new AppError('CONFLICT', 'moved'))).toBe(true);
    expect(isHeadMoved(new AppError('NOT_FOUND', 'gone'))).toBe(false);
    expect(isHeadMoved(new Error('CONFLICT'))).toBe(false);
  });
});
