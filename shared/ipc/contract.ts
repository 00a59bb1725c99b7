import type { z } from 'zod';
import type { Result } from '../errors';
import { peopleChannels } from '../people/people.channels';
import { policyChannels, policyEvents } from '../policy/policy.channels';
import { reportsChannels } from '../reports/reports.channels';
import { viewsChannels } from '../views/views.channels';
import { appChannels } from './channels/app.channels';
import { auditChannels, auditEvents } from './channels/audit.channels';
import { crmChannels, crmEvents } from './channels/crm.channels';
import { leaseChannels } from './channels/lease.channels';
import { settingsChannels, settingsEvents } from './channels/settings.channels';
import { syncChannels, syncEvents } from './channels/sync.channels';
import { vaultChannels, vaultEvents } from './channels/vault.channels';
import type { ChannelDef, EventDef } from './define';

/**
 * The whole IPC contract: every channel the renderer may call and every event main may push.
 * Each domain keeps its channels in `channels/<domain>.channels.ts`; this map only assembles them.
 */
export const channels = {
  ...appChannels,
  ...vaultChannels,
  ...crmChannels,
  ...syncChannels,
  ...settingsChannels,
  ...policyChannels,
  ...reportsChannels,
  ...peopleChannels,
  ...viewsChannels,
  ...auditChannels,
  ...leaseChannels,
} satisfies Record<string, ChannelDef>;

/** Push events, named in the past tense (`vault.locked`). */
export const events = {
  ...vaultEvents,
  ...crmEvents,
  ...syncEvents,
  ...settingsEvents,
  ...policyEvents,
  ...auditEvents,
} satisfies Record<string, EventDef>;

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
export type Events = typeof events;
export type EventName = keyof Events;

/** What the caller passes (before zod defaults and transforms). */
export type ChannelInput<C extends ChannelName> = z.input<Channels[C]['input']>;
/** What the handler receives (after parsing). */
export type ParsedInput<C extends ChannelName> = z.output<Channels[C]['input']>;
/** What the handler returns and the caller receives. */
export type ChannelOutput<C extends ChannelName> = z.output<Channels[C]['output']>;
export type EventPayload<E extends EventName> = z.output<Events[E]['payload']>;

export const channelNames = Object.keys(channels) as ChannelName[];
export const eventNames = Object.keys(events) as EventName[];

export function isChannelName(value: unknown): value is ChannelName {
  return typeof value === 'string' && Object.hasOwn(channels, value);
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && Object.hasOwn(events, value);
}

/**
 * The API the preload (Electron) or the dev host bridge (browser) installs as `window.crm`.
 * `invoke` never rejects for application errors: it resolves to `{ok: false, error}`.
 */
export interface CrmBridge {
  invoke<C extends ChannelName>(
    channel: C,
    ...input: undefined extends ChannelInput<C> ? [input?: ChannelInput<C>] : [input: ChannelInput<C>]
  ): Promise<Result<ChannelOutput<C>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}
