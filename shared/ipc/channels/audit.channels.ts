import { z } from 'zod';
import {
  auditExportInputSchema,
  auditExportOutputSchema,
  auditListInputSchema,
  auditListOutputSchema,
  auditVerifyOutputSchema,
} from '../../audit/audit.schemas';
import { channel, event, type ChannelDef, type EventDef } from '../define';

/** Channels of the security log (`audit.*`); readable only while the vault is unlocked. */
export const auditChannels = {
  'audit.list': channel(
    auditListInputSchema,
    auditListOutputSchema,
    'Security events, newest first, filtered by type, outcome and time range, one page at a time.',
  ),
  'audit.verify': channel(
    z.undefined(),
    auditVerifyOutputSchema,
    'Re-checks the hash chain, the signed checkpoints and the keychain anchor; names the first broken place.',
  ),
  'audit.export': channel(
    auditExportInputSchema,
    auditExportOutputSchema,
    'The filtered events as JSON lines or CEF for a SIEM (after the OS check and IT export rights).',
  ),
} satisfies Record<string, ChannelDef>;

/** Push events of the security log. */
export const auditEvents = {
  'audit.verified': event(auditVerifyOutputSchema, 'The log was checked (after unlock or on demand).'),
} satisfies Record<string, EventDef>;
