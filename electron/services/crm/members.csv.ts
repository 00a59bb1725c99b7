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

/** A member-typed value as an export writes it: the member's display name, else the value itself. */
export function memberCell(members: CsvMembers, value: string): string {
  if (!members || !value) return value;
  return members.find((m) => m.memberId === value)?.name ?? value;
}

/**
 * The member id a cell names: a member's id, else their display name (trimmed, case-insensitive);
 * null when it names no member. Without a workspace the cell is kept as typed.
 */
export function memberOfCell(members: CsvMembers, cell: string): string | null {
  if (!members) return cell;
  return memberOfOwner(members, cell)?.memberId ?? null;
}
