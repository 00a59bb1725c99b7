import { describe, expect, it } from 'vitest';
import { runUpdateRound, updatePlanFrom } from '../../../../electron/services/update/update.policy';
import { AppError } from '../../../../shared/errors';
import type { EffectivePolicy } from '../../../../shared/policy/policy.resolve';

const effective = (values: EffectivePolicy['values']): EffectivePolicy => ({
  values,
  managed: [],
  origin: {},
  problems: [],
  restricted: false,
});

describe('update policy', () => {
  it('maps feed, channel, pin and "no updates" from managed policy', () => {
    expect(updatePlanFrom(effective({}))).toBeNull();
    expect(updatePlanFrom(effective({ updateChannel: 'beta' }))).toBeNull();
    const feedUrl = 'https://updates.example.com/fieldvault';
    expect(updatePlanFrom(effective({ updateFeedUrl: feedUrl }))).toEqual({
      feedUrl,
      policy: { channel: 'stable', pinVersion: null, disabled: false },
    });
    expect(
      updatePlanFrom(effective({ updateFeedUrl: feedUrl, updateChannel: 'beta', updatePinVersion: '1.4.2' })),
    ).toEqual({
      feedUrl,
      policy: { channel: 'beta', pinVersion: '1.4.2', disabled: false },
    });
    expect(
      updatePlanFrom(effective({ updateFeedUrl: feedUrl, updateChannel: 'none' }))?.policy.disabled,
    ).toBe(true);
  });

  it('stages a verified release for install on quit, and reports a refusal by code without throwing', async () => {
    const calls: string[] = [];
    const runner = (found: 'none' | 'available', fail?: string) => ({
      check: () => {
        calls.push('check');
        return fail
          ? Promise.reject(new AppError('UPDATE_SIGNATURE_INVALID', 'bad'))
          : Promise.resolve({ kind: found });
      },
      download: () => {
        calls.push('download');
        return Promise.resolve();
      },
      installOnQuit: () => {
        calls.push('install');
      },
    });
    expect(await runUpdateRound(runner('none'))).toBe('none');
    expect(await runUpdateRound(runner('available'))).toBe('staged');
    expect(await runUpdateRound(runner('available', 'x'))).toEqual({ refused: 'UPDATE_SIGNATURE_INVALID' });
    expect(calls).toEqual(['check', 'check', 'download', 'install', 'check']);
  });
});
