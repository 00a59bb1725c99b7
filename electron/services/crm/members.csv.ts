import { entityRegistry, type FieldSpec } from '../../../shared/domain/entity.registry';
import { memberOfOwner, type WorkspaceMember } from '../../../shared/people/members';

/**
 * The members a CSV export names and an import reads back (issue 14 item 7): null when the vault is
 * in no workspace, where member-typed values are written and read as stored.
 */
export type CsvMembers = readonly Pick<WorkspaceMember, 'memberId' | 'name'>[] | null;

/** Where an export or import finds the members when it runs (read once per call). */
export type CsvMembersSource = () => CsvMembers;

/** No workspace: values as stored. */
export const NO_MEMBERS: CsvMembersSource = () => null;

/** The fields of `kind` the registry declares member-typed (`input: 'member'`). */
export function memberFieldsOf(kind: keyof typeof entityRegistry): ReadonlySet<string> {
  return new Set(
    Object.values<FieldSpec>(entityRegistry[kind].fields)
      .filter((f) => f.input === 'member')
      .map((f) => f.name),
  );
}

const nameKey = (name: string) => name.trim().toLocaleLowerCase();

/**
 * A member-typed value as an export writes it: the member's display name, else the value itself. A
 * name another member shares is written as the member's id, so an import reads back the same member.
 */
export function memberCell(members: CsvMembers, value: string): string {
  if (!members || !value) return value;
  const member = members.find((m) => m.memberId === value);
  if (!member) return value;
  const key = nameKey(member.name);
  return members.some((m) => m !== member && nameKey(m.name) === key) ? value : member.name;
}

/** What a member-typed cell names: a member id, or why it names none. */
export type CellMember = { readonly id: string } | { readonly problem: 'invalid_value' | 'ambiguous_member' };

/**
 * The member a cell names: a member's id, else their display name (trimmed, case-insensitive). A
 * name no member has is `invalid_value`; one two members share is `ambiguous_member`, never a guess.
 * Without a workspace the cell is kept as typed.
 */
export function memberOfCell(members: CsvMembers, cell: string): CellMember {
  if (!members) return { id: cell };
  const member = memberOfOwner(members, cell);
  if (!member) return { problem: 'invalid_value' };
  if (member.memberId === cell.trim()) return { id: member.memberId };
  const key = nameKey(cell);
  const named = members.filter((m) => nameKey(m.name) === key).length;
  return named > 1 ? { problem: 'ambiguous_member' } : { id: member.memberId };
}
