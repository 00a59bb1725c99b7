import type { AuditEventInput } from '../../../shared/audit/audit.schemas';
import { membershipEntrySchema, type MembershipEntry } from '../../../shared/sync/membership.entry';
import type { Db } from '../db/database';
import { MembershipRepository } from '../sync/membership.repository';
import { SyncRepository } from '../sync/sync.repository';
import type { AuditRepository } from './audit.repository';

const CURSOR = 'membership_seq';

/** The audit event a membership entry signed by another device stands for (null: none). */
function eventFor(entry: MembershipEntry): AuditEventInput | null {
  const actor = { kind: 'member' as const, deviceId: entry.author };
  const body = entry.body;
  switch (body.kind) {
    case 'join':
      return { type: 'device.joined', outcome: 'ok', actor, details: { deviceId: body.device.deviceId } };
    case 'invite':
      return { type: 'device.invited', outcome: 'ok', actor, details: { role: body.role } };
    case 'revoke':
      return { type: 'device.revoked', outcome: 'ok', actor, details: { deviceId: body.deviceId } };
    case 'role':
      return {
        type: 'device.roleChanged',
        outcome: 'ok',
        actor,
        details: { deviceId: body.deviceId, role: body.role },
      };
    case 'rotate':
      return { type: 'workspace.keyRotated', outcome: 'ok', actor, details: {} };
    case 'genesis':
      return null;
  }
}

function enteredBy(entry: MembershipEntry, self: string): boolean {
  return entry.body.kind === 'genesis'
    ? entry.author === self
    : entry.body.kind === 'join' && entry.body.device.deviceId === self;
}

/**
 * Membership changes other devices made (joins, invites, revocations, role changes), read from the
 * verified membership log the sync module keeps, as events with the signing member as actor. This
 * device's own changes are recorded by the channel that made them, so entries it authored are
 * skipped. The log is followed from the entry where this device entered it (its genesis or its
 * join): history from before that is not replayed as if it had just happened.
 */
export function newMembershipEvents(db: Db, audit: AuditRepository): AuditEventInput[] {
  const self = new SyncRepository(db).workspace()?.deviceId;
  if (!self) return [];
  const entries = new MembershipRepository(db).entries().flatMap((json) => {
    try {
      const parsed = membershipEntrySchema.safeParse(JSON.parse(json));
      return parsed.success ? [parsed.data] : [];
    } catch {
      return [];
    }
  });
  const last = entries.at(-1)?.seq;
  if (last === undefined) return [];
  // First look: start right after this device entered the log (its genesis or its join).
  const cursor = audit.state(CURSOR) ?? entries.find((e) => enteredBy(e, self))?.seq ?? last;
  audit.setState(CURSOR, Math.max(last, cursor));
  return entries
    .filter((e) => e.seq > cursor && e.author !== self)
    .map(eventFor)
    .filter((e) => e !== null);
}
