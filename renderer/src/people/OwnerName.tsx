import { useEffect } from 'react';
import { ownerLabel, useMembersStore } from './members.store';

/** An owner value as people read it: the member's name, else the free text as it was typed. */
export function OwnerName(props: { owner: string | null | undefined }) {
  const members = useMembersStore((s) => s.members);
  const loaded = useMembersStore((s) => s.loaded);
  useEffect(() => {
    if (!loaded)
      void useMembersStore
        .getState()
        .load()
        .catch(() => undefined);
  }, [loaded]);
  return <>{ownerLabel(members, props.owner)}</>;
}
