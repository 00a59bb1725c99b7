import { ownerLabel, useMembers } from './members.store';

/** An owner value as people read it: the member's name, else the free text as it was typed. */
export function OwnerName(props: { owner: string | null | undefined }) {
  const members = useMembers();
  return <>{ownerLabel(members, props.owner)}</>;
}
