import type { EffectivePolicy } from '../../../shared/policy/policy.resolve';
import type { UpdatePolicy } from '../../../shared/update/release.manifest';

/** Where and how this device may update, from IT's managed policy; null when no feed is set. */
export interface UpdatePlan {
  readonly feedUrl: string;
  readonly policy: UpdatePolicy;
}

/**
 * Maps managed policy onto the updater: `updateFeedUrl` names the feed (no feed, no update checks),
 * `updateChannel` the channel (`none` turns updates off), `updatePinVersion` the pin. An unreadable
 * policy keeps the restrictive fallback's stable channel.
 */
export function updatePlanFrom(effective: EffectivePolicy): UpdatePlan | null {
  const values = effective.values;
  if (values.updateFeedUrl === undefined) return null;
  const channel = values.updateChannel ?? 'stable';
  return {
    feedUrl: values.updateFeedUrl,
    policy: {
      channel: channel === 'none' ? 'stable' : channel,
      pinVersion: values.updatePinVersion ?? null,
      disabled: channel === 'none',
    },
  };
}

/** What the scheduler needs of an updater (the `Updater` seam's check/download/install). */
export interface UpdateRunner {
  check(): Promise<{ readonly kind: 'none' | 'available' }>;
  download(): Promise<void>;
  installOnQuit(): void;
}

/**
 * One update round: check, and when a verified release is available download it (hash-checked
 * against the signed manifest) and install it when the app quits. Refusals are returned by code,
 * never thrown: a bad release must not disturb the running app.
 */
export async function runUpdateRound(
  updater: UpdateRunner,
): Promise<'none' | 'staged' | { refused: string }> {
  try {
    const found = await updater.check();
    if (found.kind === 'none') return 'none';
    await updater.download();
    updater.installOnQuit();
    return 'staged';
  } catch (error) {
    const code =
      typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
        ? error.code
        : 'INTERNAL';
    return { refused: code };
  }
}
