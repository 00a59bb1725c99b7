import { sha256 } from '@noble/hashes/sha2.js';
import { z } from 'zod';
import { memberIdSchema, type MemberProfile } from '../domain/crm.schemas';
import { utf8 } from '../sync/encoding';
import { roleSchema, type Role } from '../sync/membership.entry';

/**
 * The people of a workspace (issue 15): who may own records, what they are called, their role and
 * their team. Who the members are and their roles come only from the verified signed membership log
 * (or, in a vault that is in no workspace, from the device itself); display names and teams come from
 * `memberProfile` records, synced end-to-end encrypted through the one writer. Pure functions.
 */

/** One member as lists, pickers and filters show it. */
export const workspaceMemberSchema = z.object({
  /** What owner fields store: the member device's CRM clock id. */
  memberId: memberIdSchema,
  /** The profile's display name, else the device name from the log, else the member id. */
  name: z.string(),
  /** The name the device signed into the membership log ("Li Wei's laptop"); null when solo. */
  deviceName: z.string().nullable(),
  role: roleSchema,
  status: z.enum(['active', 'revoked']),
  team: z.string().nullable(),
  isSelf: z.boolean(),
});
export type WorkspaceMember = z.infer<typeof workspaceMemberSchema>;

/** A member device as the verified log leaves it (the fields this derivation reads). */
export interface LoggedMember {
  readonly clockId: string;
  readonly deviceName: string;
  readonly role: Role;
  readonly status: 'active' | 'revoked';
  readonly isSelf: boolean;
}

/** Team names compare trimmed and case-insensitively ("Sales East" and "sales east " are one team). */
export function teamKey(team: string | null | undefined): string | null {
  const t = team?.trim().toLocaleLowerCase();
  return t ? t : null;
}

/**
 * The members: every device of the verified log (in log order), or, when `logged` is null (no
 * workspace), this device alone as owner. A profile only names or places a member the log knows;
 * a profile of anyone else is ignored (a profile cannot make a member).
 */
export function deriveMembers(
  logged: readonly LoggedMember[] | null,
  selfMemberId: string,
  profiles: readonly Pick<MemberProfile, 'id' | 'memberId' | 'displayName' | 'team' | 'deletedAt'>[],
): WorkspaceMember[] {
  const byMember = new Map<string, (typeof profiles)[number]>();
  // Only the profile at the member's own derived id counts (a record claiming another member's id does not).
  for (const p of profiles)
    if (p.deletedAt === null && p.id === memberProfileId(p.memberId)) byMember.set(p.memberId, p);
  const base: readonly LoggedMember[] = logged ?? [
    { clockId: selfMemberId, deviceName: '', role: 'owner', status: 'active', isSelf: true },
  ];
  return base.map((m) => {
    const profile = byMember.get(m.clockId);
    const name = profile?.displayName?.trim() || m.deviceName || m.clockId;
    return {
      memberId: m.clockId,
      name,
      deviceName: logged ? m.deviceName : null,
      role: m.role,
      status: m.status,
      team: profile?.team?.trim() || null,
      isSelf: m.isSelf,
    };
  });
}

/**
 * The values an owner field may hold for `members`: each member's id, and (for owners typed as free
 * text before members existed) their display and device names, lower-cased for the case-insensitive
 * match that `ownerIn` filters make.
 */
export function ownerValuesOf(members: readonly WorkspaceMember[]): string[] {
  const values = new Set<string>();
  for (const m of members) {
    values.add(m.memberId.toLocaleLowerCase());
    values.add(m.name.toLocaleLowerCase());
    if (m.deviceName) values.add(m.deviceName.toLocaleLowerCase());
  }
  return [...values];
}

/**
 * The member an owner value (a stored owner id, a filter or an import cell) names: by id, else by
 * display name, else by device name; trimmed and case-insensitive. Works on any member list that has
 * ids and names (a CSV's members have no device names).
 */
export function memberOfOwner<
  M extends Pick<WorkspaceMember, 'memberId' | 'name'> & { readonly deviceName?: string | null },
>(members: readonly M[], owner: string | null | undefined): M | null {
  if (!owner) return null;
  const value = owner.trim();
  const exact = members.find((m) => m.memberId === value);
  if (exact) return exact;
  const key = value.toLocaleLowerCase();
  return (
    members.find((m) => m.name.trim().toLocaleLowerCase() === key) ??
    members.find((m) => m.deviceName?.trim().toLocaleLowerCase() === key) ??
    null
  );
}

/** The members of `member`'s team (itself alone when it has none). */
export function teamOf(members: readonly WorkspaceMember[], member: WorkspaceMember): WorkspaceMember[] {
  const key = teamKey(member.team);
  return key ? members.filter((m) => teamKey(m.team) === key) : [member];
}

/** Who may edit whose profile: owners and admins anyone's; every other writer only their own name. */
export function mayEditProfile(
  editor: Pick<WorkspaceMember, 'role' | 'status' | 'memberId'>,
  target: Pick<WorkspaceMember, 'memberId'>,
  change: { readonly team?: unknown },
): boolean {
  if (editor.status !== 'active') return false;
  if (editor.role === 'owner' || editor.role === 'admin') return true;
  if (editor.role === 'viewer') return false;
  return editor.memberId === target.memberId && change.team === undefined;
}

/**
 * The record id of `memberId`'s profile: a UUIDv8 from SHA-256 of the member id, the same on every
 * device, so profiles written by two devices for one member are one record.
 */
export function memberProfileId(memberId: string): string {
  const h = sha256(utf8(`fv-member-profile:${memberId}`));
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = [...h.subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Whose records a list, the board, the agenda or the dashboard shows: everybody's (''), this
 * member's ('mine'), this member's team's ('team'), one named team's (`team:` and its `teamKey`) or
 * one member's (`member:` and the member id). Saved views keep it, so it names members by id.
 */
export type OwnerScope = '' | 'mine' | 'team' | `team:${string}` | `member:${string}`;

/** A stored or chosen scope read back (anything unknown is everybody). */
export function scopeOf(value: string | undefined): OwnerScope {
  if (value === 'mine' || value === 'team') return value;
  if (value?.startsWith('team:') && value.length > 'team:'.length) return `team:${value.slice(5)}`;
  if (value?.startsWith('member:') && value.length > 'member:'.length) return `member:${value.slice(7)}`;
  return '';
}

/**
 * The members a scope stands for: empty for everybody, and for "mine" / "my team" when this device
 * is no member; a named team or member that is gone stands for nobody.
 */
export function membersOfScope(
  members: readonly WorkspaceMember[],
  selfId: string | null,
  scope: OwnerScope,
): WorkspaceMember[] {
  if (scope === '') return [];
  if (scope.startsWith('member:')) return members.filter((m) => m.memberId === scope.slice(7));
  if (scope.startsWith('team:')) return members.filter((m) => teamKey(m.team) === scope.slice(5));
  const self = members.find((m) => m.memberId === selfId);
  if (!self) return [];
  return scope === 'mine' ? [self] : teamOf(members, self);
}

/** The workspace's teams for a scope picker: one per `teamKey`, named as first written, by name. */
export function teamsOf(members: readonly WorkspaceMember[]): { key: string; name: string }[] {
  const teams = new Map<string, string>();
  for (const m of members) {
    const key = teamKey(m.team);
    if (key && !teams.has(key)) teams.set(key, m.team?.trim() ?? key);
  }
  return [...teams].map(([key, name]) => ({ key, name })).sort((a, b) => a.name.localeCompare(b.name));
}
