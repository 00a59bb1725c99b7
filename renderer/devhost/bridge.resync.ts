/*
 * Pure parts of the dev host bridge (no socket, no DOM), tested in node: frame size check, backoff,
 * and what to replay to the page after a reconnect.
 */
import type { EntityKind } from '../../shared/domain/crm.schemas';

/** Every entity kind (a test proves this equals the registry's list). */
export const ALL_ENTITY_KINDS = [
  'account',
  'contact',
  'deal',
  'pipeline',
  'activity',
  'task',
  'customField',
  'exchangeRate',
  'quota',
  'memberProfile',
  'savedView',
] as const satisfies readonly EntityKind[];

/** True when the frame's UTF-8 size exceeds `limit` (encoded only when its length could). */
export function frameTooLarge(frame: string, limit: number): boolean {
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so short frames need no encoding.
  if (frame.length * 3 <= limit) return false;
  return new TextEncoder().encode(frame).length > limit;
}

/** Delay before reconnect attempt `attempt` (0-based): 200 ms doubling up to 5 s. */
export function nextBackoffMs(attempt: number): number {
  return Math.min(5000, 200 * 2 ** Math.min(attempt, 10));
}

/** One state read after a reconnect: the channel to call and the events its answer stands for. */
export interface ResyncStep {
  readonly channel: 'vault.status' | 'settings.get' | 'policy.get' | 'sync.status';
  readonly events: readonly string[];
  readonly replay: (value: unknown) => [event: string, payload: unknown][];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The state reads that stand in for the events missed while the socket was down. */
export function resyncPlan(): readonly ResyncStep[] {
  return [
    {
      channel: 'vault.status',
      events: ['vault.locked', 'vault.unlocked', 'records.changed'],
      replay: (value) => {
        if (!isRecord(value)) return [];
        if (value.state === 'unlocked') {
          return [
            ['vault.unlocked', { vaultId: value.vaultId }],
            [
              'records.changed',
              {
                origin: 'remote',
                changes: ALL_ENTITY_KINDS.map((entity) => ({ entity, ids: [], truncated: true })),
              },
            ],
          ];
        }
        // The host restarted or locked meanwhile: the page drops what it shows.
        return value.state === 'locked' ? [['vault.locked', { reason: 'quit' }]] : [];
      },
    },
    { channel: 'settings.get', events: ['settings.changed'], replay: (v) => [['settings.changed', v]] },
    { channel: 'policy.get', events: ['policy.changed'], replay: (v) => [['policy.changed', v]] },
    { channel: 'sync.status', events: ['sync.statusChanged'], replay: (v) => [['sync.statusChanged', v]] },
  ];
}
